"""Entropy and performance along training: the fit R = -a·exp(H) + b of Cui et al. (2025, "The
Entropy Mechanism of Reinforcement Learning for Reasoning Language Models"), whose value at
H = 0, b - a, is the performance the run would reach once its policy entropy is spent.

Two fits per training run (a ``curves.csv`` that checkpoints name), as ``target``:

- ``reward``: each logged step's mean training reward against the policy entropy TRL logged on
  the same completions (both from the policy before that step's update), many points;
- ``pass@1``: per benchmark of the study, the pass@1 of the base and of each checkpoint (the
  paper's held-out performance) against that policy's entropy. TRL computes the entropy it logs at
  step s in step s's loss, with the weights of s - 1 updates, so checkpoint-s (s updates) is paired
  with the log of step s + 1 and the base with step 1; the newest checkpoint has no such log and
  is left out.

The entropy is TRL's mean token entropy of the completions at the training temperature. The fit
is linear in (a, b) given x = exp(H), so it is ordinary least squares in closed form. It is refused
(NaN and a note) with fewer than 3 points or entropies that do not vary; R² is NaN when R is constant.
``entropy_points.csv`` holds every pair a fit uses (the report's figure draws them with the fits).
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from passbound.analyses import Analysis, AnalysisInputs, register
from passbound.analyses.training_curves import curves_table, run_labels
from passbound.report_kit import RC, esc, section_table, svg_bytes

COLUMNS = (
    "training_run",
    "algorithm",
    "base_model",
    "target",
    "benchmark",
    "n_points",
    "entropy_min",
    "entropy_max",
    "a",
    "b",
    "ceiling",
    "r2",
    "note",
)
POINT_COLUMNS = (
    "training_run",
    "algorithm",
    "base_model",
    "target",
    "benchmark",
    "model",
    "step",
    "entropy",
    "performance",
)
MIN_POINTS = 3


@dataclass(frozen=True)
class EntropyFit:
    """R = -a·exp(H) + b over ``n_points`` (entropies from ``entropy_min`` to ``entropy_max``);
    ``ceiling`` = b - a, R at H = 0. a, b, ceiling and r2 are NaN, with ``note`` saying why, when refused."""

    n_points: int
    entropy_min: float
    entropy_max: float
    a: float
    b: float
    ceiling: float
    r2: float
    note: str = ""


def fit_entropy_performance(entropy: Any, performance: Any) -> EntropyFit:
    """Least squares of R = b - a·x with x = exp(H), over the pairs where both are finite.

    Closed form: a = -cov(x, R) / var(x), b = mean(R) + a·mean(x) (centred sums, which keep the
    precision when the exp(H) values are large and close together)."""
    h = np.asarray(entropy, dtype=float)
    r = np.asarray(performance, dtype=float)
    if h.shape != r.shape or h.ndim != 1:
        raise ValueError(f"entropy and performance must be 1-d and of one length, got {h.shape} and {r.shape}")
    keep = np.isfinite(h) & np.isfinite(r)
    h, r = h[keep], r[keep]
    n = int(len(h))
    low, high = (float(h.min()), float(h.max())) if n else (math.nan, math.nan)

    def refuse(why: str) -> EntropyFit:
        return EntropyFit(n, low, high, math.nan, math.nan, math.nan, math.nan, why)

    if n < MIN_POINTS:
        return refuse(f"{n} point{'s' if n != 1 else ''} with both entropy and performance; the fit needs {MIN_POINTS}")
    if low < 0:
        return refuse(f"negative entropy ({low:.3g}): not a token entropy")
    if high - low <= 1e-9 * max(1.0, high):
        return refuse(f"entropy does not vary ({low:.6g} at every point): a and b are not identified")
    x = np.exp(h)
    if not np.isfinite(x).all():
        return refuse(f"entropy {high:.3g} too large for exp(H)")
    dx = x - x.mean()
    a = -float(dx @ (r - r.mean())) / float(dx @ dx)
    b = float(r.mean()) + a * float(x.mean())
    resid = r - (b - a * x)
    ss_tot = float(((r - r.mean()) ** 2).sum())
    if ss_tot == 0:
        return EntropyFit(n, low, high, a, b, b - a, math.nan, "performance constant at every point: R² undefined")
    return EntropyFit(n, low, high, a, b, b - a, 1.0 - float(resid @ resid) / ss_tot)


def _policy_entropy(curve: pd.DataFrame) -> dict[int, float]:
    """Entropy of the policy after s updates -> the entropy logged at step s + 1 (see the module note)."""
    logged = curve.dropna(subset=["step"])
    return {int(step) - 1: float(h) for step, h in zip(logged["step"], logged["entropy"], strict=True)}


def _points(inputs: AnalysisInputs) -> pd.DataFrame | None:
    """Every (entropy, performance) pair the fits use, one row each; None without a training run."""
    models = list(inputs.models)
    labels = run_labels(models)
    if not labels:
        return None  # no model names a training run: nothing of this kind in the study
    curves = curves_table(inputs)
    pass1 = pd.Series(dtype=float)
    if not inputs.verdicts.empty:
        counts = inputs.counts
        rates = counts.assign(rate=counts["c"] / counts["n"])
        pass1 = rates.groupby(["model", "benchmark"], observed=True)["rate"].mean()
    rows: list[dict[str, Any]] = []
    for label, algorithm, base, path in labels:
        head = {"training_run": label, "algorithm": algorithm, "base_model": base}
        curve = curves[curves["training_run"] == label].sort_values("step")
        logged = zip(curve["step"], curve["entropy"], curve["reward"], strict=True)
        rows += [
            {
                **head,
                "target": "reward",
                "benchmark": "",
                "model": "",
                "step": int(step),
                "entropy": h,
                "performance": r,
            }
            for step, h, r in logged
        ]
        entropy = _policy_entropy(curve)
        members = [
            (str(m["name"]), int(step))
            for m in models
            if str(m.get("training_curves")) == str(path) and (step := m.get("step")) is not None
        ]
        series = ([(base, 0)] if base else []) + sorted(members, key=lambda p: p[1])
        names = {name for name, _ in series}
        for bench in sorted({b for (m, b) in pass1.index if m in names}):
            rows += [
                {
                    **head,
                    "target": "pass@1",
                    "benchmark": bench,
                    "model": name,
                    "step": step,
                    "entropy": entropy.get(step, math.nan),
                    "performance": float(pass1.get((name, bench), math.nan)),
                }
                for name, step in series
            ]
    return pd.DataFrame(rows, columns=list(POINT_COLUMNS))


def _fits(points: pd.DataFrame) -> pd.DataFrame:
    rows = []
    keys = ["training_run", "algorithm", "base_model", "target", "benchmark"]
    for key, group in points.groupby(keys, sort=False, dropna=False):
        fit = fit_entropy_performance(group["entropy"], group["performance"])
        rows.append(
            {
                **dict(zip(keys, key, strict=True)),
                "n_points": fit.n_points,
                "entropy_min": fit.entropy_min,
                "entropy_max": fit.entropy_max,
                "a": fit.a,
                "b": fit.b,
                "ceiling": fit.ceiling,
                "r2": fit.r2,
                "note": fit.note,
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _tables(inputs: AnalysisInputs) -> dict[str, pd.DataFrame] | None:
    def both() -> dict[str, pd.DataFrame] | None:
        points = _points(inputs)
        return None if points is None else {"entropy_fit": _fits(points), "entropy_points": points}

    return inputs.shared("entropy_fit", both)


def compute(inputs: AnalysisInputs) -> pd.DataFrame | None:
    tables = _tables(inputs)
    return None if tables is None else tables["entropy_fit"]


def compute_points(inputs: AnalysisInputs) -> pd.DataFrame | None:
    tables = _tables(inputs)
    return None if tables is None else tables["entropy_points"]


def _text(x: Any) -> str:
    return "" if pd.isna(x) else str(x)  # an empty CSV cell reads back as NaN


def figure_svg(fits: pd.DataFrame, points: pd.DataFrame) -> bytes | None:
    """One panel per R (training reward, pass@1 per benchmark): each run's points of R against H and
    its fitted curve from H = 0 (the ceiling, a hollow marker) to its largest entropy."""
    points = points[
        np.isfinite(pd.to_numeric(points["entropy"], errors="coerce"))
        & np.isfinite(pd.to_numeric(points["performance"], errors="coerce"))
    ]
    panels = list(dict.fromkeys((str(t), _text(b)) for t, b in zip(points["target"], points["benchmark"], strict=True)))
    if not panels:
        return None
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.rc_context(cast(Any, RC)):  # RC is dict[str, object]; matplotlib types its keys as Literals
        rows = (len(panels) + 1) // 2
        fig = Figure(figsize=(7.2, 2.8 * rows), dpi=100, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(rows, 2, squeeze=False).ravel()
        for ax in axes[len(panels) :]:
            ax.set_visible(False)
        for ax, (target, bench) in zip(axes, panels, strict=False):
            here = points[(points["target"] == target) & (points["benchmark"].map(_text) == bench)]
            for i, (run, d) in enumerate(here.groupby("training_run", sort=False)):
                color = f"C{i % 10}"
                h, r = d["entropy"].astype(float), 100 * d["performance"].astype(float)
                ax.plot(h, r, "o", markersize=3, color=color, label=str(run))
                fit = fits[
                    (fits["training_run"] == run) & (fits["target"] == target) & (fits["benchmark"].map(_text) == bench)
                ]
                if len(fit) and np.isfinite(float(fit["a"].iloc[0])):
                    a, b = float(fit["a"].iloc[0]), float(fit["b"].iloc[0])
                    grid = np.linspace(0.0, float(h.max()), 100)
                    ax.plot(grid, 100 * (b - a * np.exp(grid)), "--", linewidth=1.2, color=color)
                    ax.plot([0.0], [100 * (b - a)], "o", markersize=5, markerfacecolor="none", color=color)
            ax.set_xlabel("policy entropy H (nats/token)")
            ax.set_ylabel("training reward (%)" if target == "reward" else f"pass@1 on {bench} (%)")
        if points["training_run"].nunique() > 1:
            axes[0].legend(fontsize=7, frameon=False)
        return svg_bytes(fig)


def section(table: pd.DataFrame, report: Any) -> str:
    def num(x: Any) -> str:
        return "" if pd.isna(x) else f"{float(x):.3g}"

    def pct(x: Any) -> str:
        return "" if pd.isna(x) else f"{100 * float(x):.1f}"

    rows = []
    for t in table.itertuples(index=False):
        text = {c: _text(getattr(t, c)) for c in ("training_run", "algorithm", "benchmark", "note")}
        span = "" if pd.isna(t.entropy_min) else f"{num(t.entropy_min)} – {num(t.entropy_max)}"
        rows.append(
            f"<tr><td>{esc(text['training_run'])}</td><td>{esc(text['algorithm'])}</td>"
            f"<td>{esc(t.target)}</td><td>{esc(text['benchmark'] or 'training batches')}</td>"
            f"<td class=\"n\">{int(t.n_points)}</td><td class=\"n\">{span}</td>"
            f"<td class=\"n\">{num(t.a)}</td><td class=\"n\">{num(t.b)}</td>"
            f"<td class=\"n\">{pct(t.ceiling)}</td><td class=\"n\">{num(t.r2)}</td>"
            f"<td>{esc(text['note'])}</td></tr>"
        )
    html = section_table(
        "entropy-fit",
        "Entropy and performance",
        "R = −a·exp(H) + b fitted by least squares (Cui et al. 2025, “The Entropy Mechanism of Reinforcement "
        "Learning for Reasoning Language Models”); the ceiling b − a is R at H = 0, the performance the fit "
        "predicts once the policy's entropy is spent. H is the mean token entropy (nats) TRL logged on the "
        "policy's own completions at the training temperature. <i>reward</i>: each logged step's mean training "
        "reward; <i>pass@1</i>: the study's pass@1 of the base and each checkpoint, paired with the entropy "
        "logged one step later (computed before that step's update, so of the checkpoint's weights; the newest "
        "checkpoint has none). Refused with fewer than 3 points or an entropy that does not vary.",
        ["Training run", "Algorithm", "R", "Benchmark", "Points", "Entropy", "a", "b", "Ceiling (%)", "R²", "Note"],
        rows,
        4,
    )
    points = report.table("entropy_points") if report is not None else None
    svg = figure_svg(table, points) if points is not None and len(points) else None
    if svg is not None:
        b64 = base64.b64encode(svg).decode("ascii")
        html += (
            f"<figure class=\"wide\"><img alt=\"entropy and performance\" src=\"data:image/svg+xml;base64,{b64}\">"
            "<figcaption>Performance against policy entropy: the points the fits use, each fit dashed down "
            "to H = 0, where the hollow marker is its ceiling b − a.</figcaption></figure>"
        )
    return html


register(
    Analysis(
        "entropy_fit",
        COLUMNS,
        compute,
        section,
        text_columns=("training_run", "algorithm", "base_model", "target", "benchmark", "note"),
    )
)
register(
    Analysis(
        "entropy_points",
        POINT_COLUMNS,
        compute_points,
        text_columns=("training_run", "algorithm", "base_model", "target", "benchmark", "model"),
    )
)
