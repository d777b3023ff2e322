"""The study's pass@k tables (Yue et al. 2025, §2-3) as registered analyses.

``passk``, ``delta_se``, ``paired``, ``crossover``, ``majk`` and ``summary`` come from one call to
:func:`passbound.metrics.study_tables.analyse_counts`, shared by the six declarations. They are the
report's frame (headline, curves, ΔSE, results, pass@k table), which ``passbound.report`` renders
around the other sections, so they declare no section of their own here.
"""

from __future__ import annotations

import pandas as pd

from passbound.analyses import AnalysisInputs, register_tables
from passbound.metrics.study_tables import COLUMNS

REQUIRED = ("passk", "summary")  # the report's headline and results cannot be written without them
ADDED = {"crossover": ("crossover_ci_low", "crossover_ci_high", "crossing_share")}  # runs analysed before lack them


def _tables(inputs: AnalysisInputs) -> dict[str, pd.DataFrame]:
    from passbound.metrics.study_tables import analyse_counts

    return analyse_counts(inputs.problem_counts, inputs.models, inputs.k_grid, **inputs.options)


register_tables("passk_tables", _tables, COLUMNS, required=REQUIRED, added=ADDED)
