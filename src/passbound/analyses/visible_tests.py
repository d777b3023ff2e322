"""Problems graded only on tests their prompt shows, per model and benchmark: ``visible_tests.csv``.

A lookup table of a statement's worked examples passes such a problem (``benchmarks.visible``),
so its pass rate is an upper bound. The table counts them among each model's problems and gives
pass@1 on them and on the rest apart, so the size of the bound can be read off; the report puts
a warning beside each benchmark it lists (``report._findings``). A run without such problems
writes no table; a run analysed before the table existed has none either.
"""

from __future__ import annotations

import math

import pandas as pd

from passbound.analyses import Analysis, AnalysisInputs, ordered_groups, register

COLUMNS = ("model", "role", "benchmark", "n_problems", "n_visible_only", "pass_at_1_visible_only", "pass_at_1_other")


def _mean(rates: pd.Series) -> float:
    return float(rates.mean()) if len(rates) else math.nan


def compute(inputs: AnalysisInputs) -> pd.DataFrame | None:
    benchmarks = {bench for bench, _ in inputs.visible_only}
    counts = inputs.counts if len(inputs.verdicts) else None
    if not benchmarks or counts is None:
        return None
    counts = counts[counts["benchmark"].isin(benchmarks)]
    shown = [(str(b), str(p)) in inputs.visible_only for b, p in zip(counts["benchmark"], counts["problem_id"])]
    counts = counts.assign(shown=shown, rate=counts["c"] / counts["n"])
    rows = []
    for model, bench, group in ordered_groups(counts, inputs.models):
        on_shown = group["rate"][group["shown"]]
        rows.append(
            {
                "model": model,
                "role": inputs.role(model),
                "benchmark": bench,
                "n_problems": len(group),
                "n_visible_only": len(on_shown),
                "pass_at_1_visible_only": _mean(on_shown),
                "pass_at_1_other": _mean(group["rate"][~group["shown"]]),
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


register(Analysis("visible_tests", COLUMNS, compute))
