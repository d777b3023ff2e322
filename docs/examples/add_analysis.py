"""An analysis: how many samples a model needed before its first correct one, per benchmark.

An analysis declares one table (``RUN/<name>.csv``: name, columns, compute) and optionally its
report section, navigation link and summary.md lines, which read the table back (the report
never recomputes). Render with ``passbound.report_kit``, never with the report's private modules.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from passbound.analyses import Analysis, AnalysisInputs, register
from passbound.report_kit import code, esc, md_table, section_table

COLUMNS = ("model", "benchmark", "n_problems", "n_solved", "mean_first_pass")


def compute(inputs: AnalysisInputs) -> pd.DataFrame:
    """mean_first_pass: over solved problems, 1 + the lowest sample index that passed."""
    verdicts = inputs.verdicts
    rows = []
    for (model, benchmark), group in verdicts.groupby(["model", "benchmark"], sort=True):
        first = group[group["status"] == "pass"].groupby("problem_id")["index"].min() + 1
        rows.append(
            {
                "model": model,
                "benchmark": benchmark,
                "n_problems": group["problem_id"].nunique(),
                "n_solved": len(first),
                "mean_first_pass": float(first.mean()) if len(first) else float("nan"),
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _cell(value: Any) -> str:
    return "—" if pd.isna(value) else f"{value:.1f}"


def section(table: pd.DataFrame, report: Any) -> str:
    rows = [
        f"<tr><td>{esc(r.benchmark)}</td><td>{report.name(str(r.model))}</td><td class=\"n\">{r.n_solved}"
        f" / {r.n_problems}</td><td class=\"n\">{_cell(r.mean_first_pass)}</td></tr>"
        for r in table.itertuples()
    ]
    return section_table(
        "first-pass",
        "Samples to the first pass",
        "Over the problems a model solved: how many of its samples, in drawn order, "
        "came before and including the first correct one.",
        ["Benchmark", "Model", "Solved", "Samples to first pass (mean)"],
        rows,
        2,
    )


def markdown(table: pd.DataFrame, run: Any) -> list[str]:
    rows = [
        [code(r.benchmark), code(r.model), f"{r.n_solved} / {r.n_problems}", _cell(r.mean_first_pass)]
        for r in table.itertuples()
    ]
    return [
        "## Samples to the first pass",
        "",
        *md_table(["benchmark", "model", "solved", "samples to first pass"], rows, {2, 3}),
        "",
    ]


register(
    Analysis(
        "first_pass",
        COLUMNS,
        compute,
        section,
        text_columns=("model", "benchmark"),
        nav=("first-pass", "First pass"),
        markdown=markdown,
    )
)
