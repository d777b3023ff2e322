"""Perplexity figures: the distribution of per-sample log-PPL per (scorer, scored model) pair.

One figure per benchmark, violins with a box inside (median, quartiles), like Yue et al.
(2025, Fig. 6), which compare the base model's perplexity on its own samples with its
perplexity on the RL model's: if RL's completions sit inside the base's low-perplexity region,
RL is reweighting what the base already produces. log-PPL (= mean NLL per token, in nats) is
plotted rather than PPL because PPL is heavy-tailed. The per-sample values come from the
``perplexity/`` shards that ``passbound ppl`` writes; runs without them get no figure.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from passbound.report._figures import figure_stem
from passbound.report_kit import PNG_METADATA, RC, svg_bytes

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from passbound.report._data import RunData


def pair_label(scorer: str, of: str) -> str:
    """How a pair reads in figures and tables: 'base on rl' = base's perplexity of rl's samples."""
    return f"{scorer} on {of}"


def load_samples(run_dir: Path) -> pd.DataFrame:
    """Per-sample perplexity rows of a run (empty when ``passbound ppl`` never ran)."""
    from passbound.store.side_tables import read_perplexity

    return read_perplexity(run_dir)


def ppl_figure(df: pd.DataFrame, benchmark: str, colors: dict[str, str]) -> Figure | None:
    """Horizontal violins + boxes of log-PPL, one row per pair, coloured by the scored model."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    sub = df[(df["benchmark"] == benchmark) & df["nll"].notna()]
    pairs = list(dict.fromkeys(zip(sub["scorer"], sub["of_model"])))
    if not pairs:
        return None
    data = [sub[(sub["scorer"] == s) & (sub["of_model"] == o)]["nll"].to_numpy() for s, o in pairs]
    fig = Figure(figsize=(6.6, 1.3 + 0.55 * len(pairs)), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    y = list(range(len(pairs)))[::-1]  # first pair on top
    violins = ax.violinplot(data, positions=y, orientation="horizontal", showextrema=False, widths=0.8)
    # matplotlib's stubs type "bodies" as one Collection; it is a list of PolyCollection, one per pair
    for body, (_, of) in zip(violins["bodies"], pairs):  # type: ignore[call-overload]
        body.set_facecolor(colors.get(of, "#7b8fb0"))
        body.set_alpha(0.35)
        body.set_linewidth(0)
    ax.boxplot(
        data,
        positions=y,
        orientation="horizontal",
        widths=0.22,
        showfliers=False,
        patch_artist=True,
        boxprops={"facecolor": "white", "linewidth": 0.8},
        medianprops={"color": "#1d2127"},
        whiskerprops={"linewidth": 0.8},
        capprops={"linewidth": 0.8},
    )
    ax.set_yticks(y, [f"{pair_label(s, o)}  (n={len(d)})" for (s, o), d in zip(pairs, data)])
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("log PPL = mean negative log-likelihood per completion token (nats)")
    ax.set_title(f"{benchmark}: perplexity of completions", loc="left", fontweight="bold")
    return fig


def write_ppl_figures(run: RunData, out_dir: Path, colors: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Write figures/ppl_<benchmark>.{png,svg} for benchmarks with scores; keys ``ppl:<benchmark>``."""
    import matplotlib

    df = load_samples(run.run_dir)
    out: dict[str, dict[str, Any]] = {}
    if df.empty:
        return out
    benches = [b for b in run.benchmarks if (df["benchmark"] == b).any()]
    benches += [b for b in dict.fromkeys(df["benchmark"]) if b not in benches]
    used: set[str] = set()
    with matplotlib.rc_context(RC):
        for bench in benches:
            fig = ppl_figure(df, bench, colors)
            if fig is None:
                continue
            stem = figure_stem(bench, prefix="ppl_")
            while stem in used:  # two names that sanitise alike must not overwrite each other
                stem += "_"
            used.add(stem)
            out_dir.mkdir(parents=True, exist_ok=True)
            png, svg = out_dir / f"{stem}.png", out_dir / f"{stem}.svg"
            fig.savefig(png, format="png", dpi=150, metadata=PNG_METADATA)
            data = svg_bytes(fig)
            svg.write_bytes(data)
            out[f"ppl:{bench}"] = {"png": png, "svg": svg, "svg_bytes": data}
    return out
