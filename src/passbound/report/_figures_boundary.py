"""Figures for the boundary tables: solvable-set overlap, accuracy histograms, training series.

Same conventions as ``_figures``: matplotlib's object API on an Agg canvas (no pyplot state),
imported inside functions, deterministic SVG/PNG metadata, one colour per model across figures.
A figure is drawn only when its table has rows, so older runs simply get fewer figures.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from passbound.report._figures import figure_stem
from passbound.report_kit import PNG_METADATA, RC, svg_bytes

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from passbound.report._data import RunData

# Segment colours of the overlap bars: shared, gained (model only), lost (reference only), none.
OVERLAP_PARTS = (
    ("n_both", "both", "#7b8fb0"),
    ("n_model_only", "model only", "#3a9a4a"),
    ("n_reference_only", "reference only", "#e08a2c"),
    ("n_neither", "neither", "#dcdfe4"),
)


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _grid(fig: Figure, n: int) -> list[Axes]:
    """n panels in at most two columns; unused cells are hidden."""
    cols = 1 if n == 1 else 2
    rows = math.ceil(n / cols)
    axes = fig.subplots(rows, cols, squeeze=False).ravel().tolist()
    for ax in axes[n:]:
        ax.set_visible(False)
    return axes[:n]


def overlap_figure(run: RunData, benchmark: str) -> Figure | None:
    """One stacked horizontal bar per compared pair: both / model only / reference only / neither."""
    df = run.overlap[run.overlap["benchmark"] == benchmark]
    if df.empty:
        return None
    fig = _figure(6.6, 1.2 + 0.36 * len(df))
    ax = fig.add_subplot()
    labels = [f"{r.model} vs {r.reference}" for r in df.itertuples()]
    y = list(range(len(df)))[::-1]  # first pair on top
    left = [0.0] * len(df)
    for col, label, color in OVERLAP_PARTS:
        vals = df[col].astype(float).tolist()
        bars = ax.barh(y, vals, left=left, color=color, height=0.62, label=label, linewidth=0)
        total = df["n_problems"].astype(float).tolist()
        for bar, v, t in zip(bars, vals, total):
            if v > 0 and v >= 0.06 * t:  # label segments wide enough to hold a number
                ax.text(
                    bar.get_x() + bar.get_width() / 2,
                    bar.get_y() + bar.get_height() / 2,
                    str(int(v)),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="#1d2127" if col == "n_neither" else "white",
                )
        left = [a + b for a, b in zip(left, vals)]
    ax.set_yticks(y, labels)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("problems (solved = at least one passing sample among all n)")
    ax.set_xlim(0, max(left) if max(left) > 0 else 1)
    ax.set_title(f"{benchmark}: solvable-set overlap", loc="left", fontweight="bold")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=4, frameon=False, fontsize=8.5)
    return fig


def histogram_figure(run: RunData, colors: dict[str, str]) -> Figure | None:
    """Small multiples, one panel per benchmark: share of problems per accuracy bin, per model."""
    h = run.accuracy_hist
    benches = [b for b in run.benchmarks if (h["benchmark"] == b).any()]
    benches += [b for b in dict.fromkeys(h["benchmark"]) if b not in benches]
    if not benches:
        return None
    models = [m for m in run.models if (h["model"] == m).any()]
    models += [m for m in dict.fromkeys(h["model"]) if m not in models]
    cols = 1 if len(benches) == 1 else 2
    fig = _figure(6.6 if cols == 1 else 11.0, 0.6 + 2.9 * math.ceil(len(benches) / cols))
    width = 0.84 / max(1, len(models))
    for ax, bench in zip(_grid(fig, len(benches)), benches):
        sub = h[h["benchmark"] == bench]
        bins = list(dict.fromkeys(sub.sort_values("lo", kind="stable")["bin"]))
        for i, model in enumerate(models):
            d = sub[sub["model"] == model].set_index("bin")
            if d.empty:
                continue
            vals = [100 * float(d.loc[b, "fraction"]) if b in d.index else 0.0 for b in bins]
            x = [j - 0.42 + width * (i + 0.5) for j in range(len(bins))]
            ax.bar(x, vals, width=width, color=colors.get(model, "#444444"), label=model, linewidth=0)
        ax.set_xticks(range(len(bins)), bins, rotation=45, ha="right", fontsize=7.5)
        ax.grid(axis="x", visible=False)
        ax.set_ylabel("problems (%)")
        ax.set_title(bench, loc="left", fontweight="bold")
    handles, labels = fig.axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside upper center", ncols=min(6, len(labels)), frameon=False, fontsize=8.5)
    return fig


def _series_lines(run: RunData, sub: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """One line per base, or per (base, algorithm) where checkpoints of one base come from several
    trainings (`demo --full`'s GRPO and pass@k): each line starts at the shared base (step 0)."""
    lines: list[tuple[str, pd.DataFrame]] = []
    bases = list(dict.fromkeys(sub["base_model"]))
    for base in bases:
        d = sub[sub["base_model"] == base].sort_values("step", kind="stable")
        algorithms = {m: run.algorithm(str(m)) for m in d["model"] if m != base}
        kinds = list(dict.fromkeys(algorithms.values()))
        if len(kinds) <= 1:
            lines.append((base, d))
            continue
        for kind in kinds:
            keep = [m == base or algorithms.get(m) == kind for m in d["model"]]
            name = f"{base}, {kind}" if len(bases) > 1 and base else kind
            lines.append((name, d[keep]))
    return lines


def series_figure(run: RunData) -> Figure | None:
    """pass@1 (solid) and pass@k_max (dashed) against training step, per benchmark."""
    s = run.series[run.series["step"].notna()]
    benches = [b for b in run.benchmarks if (s["benchmark"] == b).any()]
    if not benches:
        return None
    cols = 1 if len(benches) == 1 else 2
    fig = _figure(6.6 if cols == 1 else 11.0, 0.4 + 2.9 * math.ceil(len(benches) / cols))
    palette = ("#2c5aa0", "#c0392b", "#3a9a4a", "#8e44ad")
    for ax, bench in zip(_grid(fig, len(benches)), benches):
        sub = s[s["benchmark"] == bench]
        lines = _series_lines(run, sub)
        for i, (label, d) in enumerate(lines):
            x = d["step"].astype(float).tolist()
            prefix = f"{label}: " if len(lines) > 1 and label else ""
            k = d["k_max"].dropna()
            k_label = f"pass@{int(k.iloc[0])}" if len(k) else "pass@k_max"
            for col, style, label in (("pass_at_1", "-", "pass@1"), ("pass_at_kmax", "--", k_label)):
                color = palette[(2 * i + (col != "pass_at_1")) % len(palette)]
                y = (100 * d[col].astype(float)).tolist()
                ax.plot(x, y, style, color=color, marker="o", markersize=3.5, label=prefix + label)
                lo, hi = d[f"{col}_ci_low"].astype(float), d[f"{col}_ci_high"].astype(float)
                if lo.notna().any():
                    ax.fill_between(x, 100 * lo, 100 * hi, color=color, alpha=0.15, linewidth=0)
        ax.set_xlabel("training step")
        ax.set_ylabel("pass rate (%)")
        ax.set_ylim(0, 101)
        ax.set_title(bench, loc="left", fontweight="bold")
        ax.legend(loc="best", frameon=False, fontsize=8)
    return fig


def write_boundary_figures(run: RunData, out_dir: Path, colors: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Write overlap_<benchmark>, accuracy_hist and series figures (PNG + SVG) that have data.

    Keys: ``overlap:<benchmark>``, ``accuracy_hist``, ``series``; values hold ``png``, ``svg``
    paths and ``svg_bytes`` for embedding.
    """
    import matplotlib

    figures: list[tuple[str, str, Figure | None]] = []
    with matplotlib.rc_context(RC):
        used: set[str] = set()
        for bench in run.benchmarks:
            stem = figure_stem(bench, prefix="overlap_")
            while stem in used:  # two names that sanitise alike must not overwrite each other
                stem += "_"
            used.add(stem)
            figures.append((f"overlap:{bench}", stem, overlap_figure(run, bench)))
        figures.append(("accuracy_hist", "accuracy_hist", histogram_figure(run, colors)))
        figures.append(("series", "series", series_figure(run)))
        out: dict[str, dict[str, Any]] = {}
        for key, stem, fig in figures:
            if fig is None:
                continue
            out_dir.mkdir(parents=True, exist_ok=True)
            png, svg = out_dir / f"{stem}.png", out_dir / f"{stem}.svg"
            fig.savefig(png, format="png", dpi=150, metadata=PNG_METADATA)
            data = svg_bytes(fig)
            svg.write_bytes(data)
            out[key] = {"png": png, "svg": svg, "svg_bytes": data}
    return out
