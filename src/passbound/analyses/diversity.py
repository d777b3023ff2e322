"""Answer diversity as a registered analysis: ``diversity.csv`` and its report section.

The table is :func:`passbound.metrics.diversity.diversity_table` (distinct final answers per
problem, per model and benchmark); this file declares it to the analyse stage and the report.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from passbound.analyses import Analysis, AnalysisInputs, register
from passbound.metrics.diversity import COLUMNS, diversity_table
from passbound.report_kit import as_float, esc, kfmt, section_table


def compute(inputs: AnalysisInputs) -> pd.DataFrame:
    return diversity_table(inputs.problem_counts)


def section(table: pd.DataFrame, report: Any) -> str:
    if table.empty:
        return ""

    def num(x: Any, digits: int = 2) -> str:
        v = as_float(x)
        return f"<td class=\"n\">{'—' if math.isnan(v) else f'{v:.{digits}f}'}</td>"

    present = list(dict.fromkeys(table["benchmark"]))
    listed = list(getattr(getattr(report, "run", None), "benchmarks", []) or [])
    rows = []
    for bench in [b for b in listed if b in present] + [b for b in present if b not in listed]:
        for i, r in enumerate(table[table["benchmark"] == bench].itertuples()):
            rows.append(
                f"<tr><td class=\"grp\">{esc(bench) if i == 0 else ''}</td><td>{report.name(str(r.model))}</td>"
                f"<td class=\"n\">{kfmt(as_float(r.n_problems))}</td><td class=\"n\">{kfmt(as_float(r.n_samples))}</td>"
                + num(r.mean_distinct)
                + num(r.median_distinct, 1)
                + num(r.mean_distinct_frac, 3)
                + num(r.mean_distinct_correct)
                + f"<td class=\"n\">{kfmt(as_float(r.n_problems_with_correct))}</td>"
                + num(100 * as_float(r.no_answer_rate), 1)
                + "</tr>"
            )
    return section_table(
        "diversity",
        "Answer diversity",
        "Distinct final answers per problem among its n samples (answers normalised as for majority "
        "voting; samples without an answer excluded). Distinct correct: among passing samples, "
        "averaged over problems with at least one pass. Training that sharpens the output "
        "distribution lowers diversity (Yue et al., 2025, §4).",
        [
            "Benchmark",
            "Model",
            "Problems",
            "Samples",
            "Distinct answers (mean)",
            "(median)",
            "Distinct / samples",
            "Distinct correct",
            "Problems solved",
            "No answer (%)",
        ],
        rows,
        2,
    )


register(
    Analysis(
        "diversity", COLUMNS, compute, section, text_columns=("model", "benchmark"), nav=("diversity", "Diversity")
    )
)
