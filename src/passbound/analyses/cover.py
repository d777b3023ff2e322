"""cover@τ, the share of problems solved in at least a share τ of their samples: ``cover.csv``.

cover@τ = mean over problems of [c/n ≥ τ] (Dragoi et al. 2025, "Beyond Pass@k: Breadth-Depth
Metrics for Reasoning Boundaries"), as a curve over τ = 0, 1/STEPS, ..., 1. Low τ measures breadth
(cover@τ for τ ≤ 1/n is the share solved at least once, pass@n), high τ depth; a sharpened model
loses the first and gains the second. The area under the curve over (0, 1] is pass@1. The share is
compared in integers, so a problem exactly at τ counts. Bootstrap intervals over problems.
"""

from __future__ import annotations

import base64
from typing import Any

import pandas as pd

from passbound.analyses import Analysis, AnalysisInputs, ordered_groups, register
from passbound.metrics._counts import frame
from passbound.metrics.bootstrap import bootstrap_ci
from passbound.metrics.reliability import cover_matrix
from passbound.report_kit import RC, esc, pct, section_table, svg_bytes

COLUMNS = ("model", "role", "benchmark", "tau", "cover", "ci_low", "ci_high")
TEXT = ("model", "role", "benchmark")
STEPS = 20  # τ on a grid of 0.05
SHOWN = (0.25, 0.5, 0.75, 1.0)  # the report's table; the figure and the CSV have every τ


def compute(inputs: AnalysisInputs) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    opts = inputs.options
    for model, bench, g in ordered_groups(inputs.counts, inputs.models):
        per_problem = cover_matrix(g["n"].to_numpy(), g["c"].to_numpy(), STEPS)
        low, high = bootstrap_ci(per_problem, opts["n_boot"], opts["ci"], opts["seed"])
        rows += [
            dict(
                model=model,
                role=inputs.role(model),
                benchmark=bench,
                tau=i / STEPS,
                cover=float(v),
                ci_low=lo,
                ci_high=hi,
            )
            for i, (v, lo, hi) in enumerate(zip(per_problem.mean(axis=0), low, high, strict=True))
        ]
    return frame(rows, COLUMNS, strings=TEXT)


def figure_svg(table: pd.DataFrame) -> bytes:
    """cover@τ against τ, one line per (model, benchmark)."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    several = table["benchmark"].nunique() > 1
    rc: dict[Any, Any] = dict(RC)  # matplotlib's stub wants its literal key names
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(4.8, 2.8), dpi=100, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        for (model, bench), g in table.groupby(["model", "benchmark"], sort=False):
            ax.plot(
                g["tau"],
                100 * g["cover"],
                marker="o",
                markersize=2,
                linewidth=1.3,
                label=f"{model} · {bench}" if several else str(model),
            )
        ax.set_xlabel("reliability threshold τ (share of samples right)")
        ax.set_ylabel("cover@τ (% of problems)")
        ax.legend(fontsize=7, frameon=False)
        return svg_bytes(fig)


def section(table: pd.DataFrame, report: Any) -> str:
    rows = []
    for (bench, model), g in table.groupby(["benchmark", "model"], sort=False):
        at = {round(float(t) * STEPS): float(v) for t, v in zip(g["tau"], g["cover"], strict=True)}
        cells = "".join(f"<td class=\"n\">{pct(at.get(round(t * STEPS), float('nan')))}</td>" for t in SHOWN)
        rows.append(f"<tr><td>{esc(bench)}</td><td>{report.name(str(model))}</td>{cells}</tr>")
    html = section_table(
        "cover",
        "cover@τ: problems solved reliably",
        "cover@τ is the share of problems whose samples are right at least a share τ of the time (Dragoi et al. "
        "2025): low τ is breadth, high τ depth. The curve's area over τ is pass@1. The figure has every τ on a "
        f"grid of 1/{STEPS}; <code>cover.csv</code> adds bootstrap intervals over problems.",
        ["Benchmark", "Model", *[f"τ = {t:g} (%)" for t in SHOWN]],
        rows,
        2,
    )
    b64 = base64.b64encode(figure_svg(table)).decode("ascii")
    return html + (
        f"<figure><img alt=\"cover@τ against τ\" src=\"data:image/svg+xml;base64,{b64}\">"
        "<figcaption>cover@τ: the share of problems solved in at least a share τ of their samples."
        "</figcaption></figure>"
    )


register(Analysis("cover", COLUMNS, compute, section, text_columns=TEXT, nav=("cover", "Cover@τ")))
