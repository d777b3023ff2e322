"""Training curves: what `passbound train` logged per step, beside the checkpoints it produced.

A checkpoint model names its training run's ``curves.csv`` (``training_curves`` in the study;
`passbound train` writes it into the study it generates). The analyse stage copies every such
file into the run's ``training_curves.csv`` (one row per run and step), so the report reads the
run directory only and a later edit of the training folder cannot change a finished report.
A named file that is missing or unreadable is a warning and no rows, never a failed analysis:
the checkpoints' own verdicts do not depend on it.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from passbound.analyses import Analysis, AnalysisInputs, register
from passbound.progress import console
from passbound.report_kit import RC, esc, section_table, svg_bytes
from passbound.types import ModelRecord

LOGGED = ("reward", "reward_std", "pass_rate", "kl", "entropy", "completion_length", "loss")
COLUMNS = ("training_run", "algorithm", "base_model", "step", *LOGGED)
# (column, axis label): panels of the figure, drawn only where the column has numbers.
PANELS = (
    ("pass_rate", "training pass rate (%)"),
    ("kl", "KL to the reference"),
    ("entropy", "entropy (nats/token)"),
    ("completion_length", "completion length (tokens)"),
)


def run_labels(models: Sequence[ModelRecord]) -> list[tuple[str, str, str, Path]]:
    """(run label, algorithm, base, curves path) per distinct curves file, in study order."""
    seen: dict[str, tuple[str, str, str, Path]] = {}
    for m in models:
        path = m.get("training_curves")
        if not path or str(path) in seen:
            continue
        p = Path(str(path))
        label = p.parent.name or p.stem
        seen[str(path)] = (label, str(m.get("algorithm") or ""), str(m.get("base") or ""), p)
    labels = [r[0] for r in seen.values()]
    out = []
    for label, algorithm, base, p in seen.values():  # two runs in folders of one name: tell them apart
        out.append((str(p.parent) if labels.count(label) > 1 else label, algorithm, base, p))
    return out


def curves_table(inputs: AnalysisInputs) -> pd.DataFrame:
    """The run's training curves, read once per analyse run for every analysis that uses them."""
    return inputs.shared("training_curves", lambda: _read(inputs))


def compute(inputs: AnalysisInputs) -> pd.DataFrame:
    return curves_table(inputs)


def _read(inputs: AnalysisInputs) -> pd.DataFrame:
    frames = []
    for label, algorithm, base, path in run_labels(list(inputs.models)):
        try:
            curves = pd.read_csv(path)
        except (OSError, ValueError) as exc:
            console.print(f"[yellow]analyse: training curves {path} unreadable ({exc}); no curves for {label}[/]")
            continue
        if "step" not in curves.columns:
            console.print(f"[yellow]analyse: {path} has no step column; not a curves.csv of `passbound train`[/]")
            continue
        frame = pd.DataFrame(
            {
                "training_run": label,
                "algorithm": algorithm,
                "base_model": base,
                "step": pd.to_numeric(curves["step"], errors="coerce"),
            }
        )
        for col in LOGGED:
            frame[col] = pd.to_numeric(curves[col], errors="coerce") if col in curves.columns else float("nan")
        frames.append(frame.dropna(subset=["step"]))
    if not frames:
        return pd.DataFrame(columns=list(COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(COLUMNS)]


def figure_svg(table: pd.DataFrame) -> bytes | None:
    """One panel per logged quantity against step, one line per training run."""
    import matplotlib

    panels = [(col, label) for col, label in PANELS if table[col].notna().any()]
    if not panels:
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(7.2, 2.6 * ((len(panels) + 1) // 2)), dpi=100, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots((len(panels) + 1) // 2, 2, squeeze=False).ravel()
        for ax in axes[len(panels) :]:
            ax.set_visible(False)
        for ax, (col, label) in zip(axes, panels):
            for run, d in table.groupby("training_run", sort=False):
                d = d.sort_values("step")
                scale = 100.0 if col == "pass_rate" else 1.0
                ax.plot(d["step"], scale * d[col], marker="o", markersize=2.5, linewidth=1.4, label=str(run))
            ax.set_xlabel("training step")
            ax.set_ylabel(label)
        if table["training_run"].nunique() > 1:
            axes[0].legend(fontsize=7, frameon=False)
        return svg_bytes(fig)


def section(table: pd.DataFrame, report: Any) -> str:
    if table.empty:
        return ""
    rows = []
    for run, d in table.groupby("training_run", sort=False):
        d = d.sort_values("step")
        first, last = d.iloc[0], d.iloc[-1]

        def pct(x: Any) -> str:
            return "" if pd.isna(x) else f"{100 * float(x):.1f}"

        def num(x: Any) -> str:
            return "" if pd.isna(x) else f"{float(x):.3g}"

        algorithm = first.algorithm if isinstance(first.algorithm, str) else ""  # an empty CSV cell reads as NaN
        rows.append(
            f"<tr><td>{esc(run)}</td><td>{esc(algorithm)}</td><td class=\"n\">{int(last.step)}</td>"
            f"<td class=\"n\">{pct(first.pass_rate)} → {pct(last.pass_rate)}</td>"
            f"<td class=\"n\">{num(last.kl)}</td><td class=\"n\">{num(first.entropy)} → {num(last.entropy)}</td>"
            f"<td class=\"n\">{num(first.completion_length)} → {num(last.completion_length)}</td></tr>"
        )
    html = section_table(
        "training-curves",
        "Training curves",
        "What the trainer logged per step (rewards are passbound's verdicts, so the pass rate is the "
        "mean reward on the training batch: sampled at the training temperature, on training "
        "problems; not comparable with pass@1 on the test split). First → last logged step.",
        ["Training run", "Algorithm", "Steps", "Pass rate (%)", "KL (last)", "Entropy", "Length"],
        rows,
        2,
    )
    svg = figure_svg(table)
    if svg is not None:
        b64 = base64.b64encode(svg).decode("ascii")
        html += (
            f"<figure class=\"wide\"><img alt=\"training curves\" src=\"data:image/svg+xml;base64,{b64}\">"
            "<figcaption>Training pass rate, KL, entropy and completion length against step.</figcaption></figure>"
        )
    return html


register(
    Analysis(
        "training_curves",
        COLUMNS,
        compute,
        section,
        text_columns=("training_run", "algorithm", "base_model"),
        nav=("training-curves", "Training"),
    )
)
