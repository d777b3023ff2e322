"""The reasoning-boundary tables as registered analyses: ``overlap``, ``accuracy_hist``, ``series``,
``algorithms``, ``support`` and ``support_problems``, all from one
:func:`passbound.metrics.boundary.boundary_tables` call shared by the declarations.

Their HTML sections come with figures and read several of these tables at once
(``passbound.report._html_boundary``); the support table's Markdown lines are declared here.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from passbound.analyses import AnalysisInputs, register_tables
from passbound.metrics.boundary import BOUNDARY_COLUMNS
from passbound.report_kit import code, kfmt, md_table, pct


def _tables(inputs: AnalysisInputs) -> dict[str, pd.DataFrame]:
    from passbound.metrics.boundary import boundary_tables

    return boundary_tables(inputs.problem_counts, inputs.models, inputs.k_grid, **inputs.options)


def support_markdown(table: pd.DataFrame, run: Any) -> list[str]:
    """Support per problem vs the base at k = n: preserved, expanded, shrunk, whether model ⊆ base, and
    the Invisible Leash rates (Wu et al. 2025): support retained and newly discovered."""
    rows = [
        [
            code(r.benchmark),
            code(r.model),
            code(r.base_model),
            kfmt(r.n_problems),
            kfmt(r.n_preserved),
            kfmt(r.n_expansion),
            kfmt(r.n_shrinkage),
            kfmt(r.n_neither),
            "yes" if int(r.n_expansion) == 0 else "no",
            pct(float(r.support_retention_rate)),
            pct(float(r.new_discovery_rate)),
        ]
        for r in table.itertuples()
    ]
    return (
        ["## Support vs the base (k = n)", ""]
        + md_table(
            [
                "benchmark",
                "model",
                "base",
                "problems",
                "preserved",
                "expansion",
                "shrinkage",
                "neither",
                "model ⊆ base",
                "retained (%)",
                "new (%)",
            ],
            rows,
            {3, 4, 5, 6, 7, 9, 10},
        )
        + [""]
    )


register_tables("boundary", _tables, BOUNDARY_COLUMNS, markdown={"support": support_markdown})
