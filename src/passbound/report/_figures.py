"""pass@k curves, one figure per benchmark, as PNG and SVG.

Drawn on a log2 k axis like Yue et al. (2025, Fig. 1-2): the interesting events (RL ahead at
small k, base ahead at large k) happen decades apart in k.  Uses matplotlib's object API with the
Agg canvas (no pyplot, so no global figure state and no GUI backend), imported inside functions
so ``import passbound`` stays cheap.  Output is deterministic: fixed SVG hash salt, no dates or
software versions in the file metadata.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from passbound.report_kit import PNG_METADATA, RC, svg_bytes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from passbound.report._data import RunData


class FigureFiles(TypedDict):
    """One written figure: its two files and the SVG bytes the HTML page inlines."""

    png: Path
    svg: Path
    svg_bytes: bytes


def figure_stem(benchmark: str, prefix: str = "passk_") -> str:
    """File-name-safe stem for a benchmark's figure (benchmark names are user input)."""
    return prefix + (re.sub(r"[^A-Za-z0-9._-]+", "_", benchmark).strip("._") or "benchmark")


def model_colors(run: RunData) -> dict[str, str]:
    """A stable colour per model: qualitative palette, checkpoints along a sequential ramp.

    The same model keeps its colour in every benchmark's figure.
    """
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    models = run.models
    ckpts = [m for m in models if run.role(m) == "checkpoint"]
    others = [m for m in models if m not in ckpts]
    palette = colormaps["tab10" if len(others) <= 10 else "tab20"]
    colors = {m: to_hex(palette(i % palette.N)) for i, m in enumerate(others)}
    ramp = colormaps["viridis"]
    for i, m in enumerate(ckpts):
        colors[m] = to_hex(ramp(0.1 + 0.8 * i / max(1, len(ckpts) - 1)))
    return colors


def passk_figure(run: RunData, benchmark: str, colors: dict[str, str]) -> Figure:
    """pass@k (%) vs k on a log2 axis, CI band per model, base models dashed, predicted past n dotted."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator, NullLocator

    fig = Figure(figsize=(6.6, 4.1), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    df = run.passk[(run.passk["benchmark"] == benchmark) & run.passk["pass_at_k"].notna()]
    k_all: list[float] = []
    for model in run.models:
        d = df[df["model"] == model].sort_values("k")
        if d.empty:
            continue
        role = run.role(model)
        k = d["k"].to_numpy(dtype=float)
        y = 100 * d["pass_at_k"].to_numpy(dtype=float)
        k_all.extend(k)
        color = colors.get(model, "#444444")
        style = {"base": "--", "distill": "-."}.get(role, "-")
        step = run.step(model)
        detail = f"{role}, step {step}" if role == "checkpoint" and step is not None else role
        label = f"{model} ({detail})" if detail else model
        ax.plot(
            k,
            y,
            linestyle=style,
            color=color,
            linewidth=1.8 if role != "base" else 1.6,
            marker="o" if len(k) <= 16 else None,
            markersize=3,
            label=label,
        )
        lo, hi = d["ci_low"].to_numpy(dtype=float), d["ci_high"].to_numpy(dtype=float)
        if np.isfinite(lo).any() and np.isfinite(hi).any():
            ax.fill_between(k, 100 * lo, 100 * hi, color=color, alpha=0.15, linewidth=0)
        k_all.extend(_predicted_past_n(ax, run, model, benchmark, color))
    _chance_curve(ax, run, benchmark)
    ax.set_xscale("log", base=2)
    if k_all:
        k_lo, k_hi = min(k_all), max(k_all)
        exps = range(int(math.floor(math.log2(k_lo))), int(math.ceil(math.log2(k_hi))) + 1)
        ticks = [2.0**e for e in exps]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.set_xticklabels([str(int(t)) for t in ticks])
        ax.set_xlim(k_lo / 1.15, k_hi * 1.15)
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_ylim(0.0, min(101.0, max(5.0, ax.get_ylim()[1])))  # 0 is the honest floor
    ax.set_xlabel("k (samples per problem, log2 scale)")
    ax.set_ylabel("pass@k (%)")
    n = df["n_problems"].max() if len(df) else None
    title = benchmark if n is None or (isinstance(n, float) and math.isnan(n)) else f"{benchmark}  ({int(n)} problems)"
    ax.set_title(title, loc="left", fontweight="bold")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", frameon=False, fontsize=8.5)
    return fig


def _chance_curve(ax: Axes, run: RunData, benchmark: str) -> None:
    """A uniform guesser's pass@k on the benchmark's multiple-choice problems (chance.csv), grey."""
    table = run.table("chance")
    if table.empty:
        return
    d = table[table["benchmark"] == benchmark]
    if d.empty:
        return
    d = d[d["model"] == d["model"].iloc[0]].sort_values("k")
    ax.plot(
        d["k"].to_numpy(dtype=float),
        100 * d["chance_pass_at_k"].to_numpy(dtype=float),
        linestyle=(0, (1, 2)),
        color="#8a8f98",
        linewidth=1.6,
        label="uniform guess (multiple choice)",
    )


def _predicted_past_n(ax: Axes, run: RunData, model: str, benchmark: str, color: str) -> list[float]:
    """The beta-binomial prediction from k = n on (passk_beyond_n.csv), dotted, lighter band."""
    import numpy as np

    table = run.table("passk_beyond_n")
    if table.empty:
        return []
    d = table[(table["model"] == model) & (table["benchmark"] == benchmark)].sort_values("k")
    d = d[d["k"] >= d["n_samples"]]
    if len(d) < 2:
        return []
    k = d["k"].to_numpy(dtype=float)
    ax.plot(k, 100 * d["predicted"].to_numpy(dtype=float), linestyle=":", color=color, linewidth=1.5)
    lo, hi = d["ci_low"].to_numpy(dtype=float), d["ci_high"].to_numpy(dtype=float)
    if np.isfinite(lo).all() and np.isfinite(hi).all():
        ax.fill_between(k, 100 * lo, 100 * hi, color=color, alpha=0.07, linewidth=0)
    return list(k)


def write_figures(run: RunData, out_dir: Path) -> dict[str, FigureFiles]:
    """Write figures/passk_<benchmark>.{png,svg}; return paths and the SVG bytes per benchmark."""
    import matplotlib

    out_dir.mkdir(parents=True, exist_ok=True)
    colors = model_colors(run)
    result: dict[str, FigureFiles] = {}
    used: set[str] = set()
    with matplotlib.rc_context(RC):
        for bench in run.benchmarks:
            fig = passk_figure(run, bench, colors)
            stem = figure_stem(bench)
            while stem in used:  # two names that sanitise alike must not overwrite each other
                stem += "_"
            used.add(stem)
            png, svg = out_dir / f"{stem}.png", out_dir / f"{stem}.svg"
            fig.savefig(png, format="png", dpi=150, metadata=PNG_METADATA)
            data = svg_bytes(fig)
            svg.write_bytes(data)
            result[bench] = {"png": png, "svg": svg, "svg_bytes": data}
    return result
