"""pass^k, every one of k samples right: ``pass_hat_k.csv``.

pass^k = C(c, k)/C(n, k) per problem (Yao et al. 2024, τ-bench), averaged over problems, at each k
of the study's grid up to the fewest samples any problem of the (model, benchmark) has. It is
reliability beside pass@k's coverage: pass@k rises with k, pass^k falls, and at k = 1 both are
pass@1. Intervals are the percentile bootstrap over problems with the study's settings.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from passbound.analyses import Analysis, AnalysisInputs, ordered_groups, register
from passbound.metrics._counts import frame, ks_within
from passbound.metrics.bootstrap import bootstrap_ci
from passbound.metrics.reliability import pass_hat_k_matrix
from passbound.report_kit import esc, pct, section_table

COLUMNS = ("model", "role", "benchmark", "k", "value", "ci_low", "ci_high")
TEXT = ("model", "role", "benchmark")


def compute(inputs: AnalysisInputs) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    opts = inputs.options
    for model, bench, g in ordered_groups(inputs.counts, inputs.models):
        n, c = g["n"].to_numpy(), g["c"].to_numpy()
        ks = ks_within(inputs.k_grid, int(n.min()))
        if not ks:
            continue
        per_problem = pass_hat_k_matrix(n, c, ks)
        low, high = bootstrap_ci(per_problem, opts["n_boot"], opts["ci"], opts["seed"])
        rows += [
            dict(model=model, role=inputs.role(model), benchmark=bench, k=k, value=float(v), ci_low=lo, ci_high=hi)
            for k, v, lo, hi in zip(ks, per_problem.mean(axis=0), low, high, strict=True)
        ]
    return frame(rows, COLUMNS, ints=("k",), strings=TEXT)


def section(table: pd.DataFrame, report: Any) -> str:
    ks = sorted({int(k) for k in table["k"]})
    rows = []
    for (bench, model), g in table.groupby(["benchmark", "model"], sort=False):
        at = {int(r.k): float(r.value) for r in g.itertuples()}
        cells = "".join(f"<td class=\"n\">{pct(at[k]) if k in at else '—'}</td>" for k in ks)
        rows.append(f"<tr><td>{esc(bench)}</td><td>{report.name(str(model))}</td>{cells}</tr>")
    return section_table(
        "pass-hat-k",
        "pass^k: every one of k samples right",
        "pass^k = C(c, k)/C(n, k) per problem, averaged over problems (Yao et al. 2024): the chance that k "
        "samples drawn from the n are all right. Reliability beside pass@k's coverage; at k = 1 both are "
        "pass@1. Bootstrap intervals over problems are in <code>pass_hat_k.csv</code>.",
        ["Benchmark", "Model", *[f"k = {k} (%)" for k in ks]],
        rows,
        2,
    )


register(Analysis("pass_hat_k", COLUMNS, compute, section, text_columns=TEXT, nav=("pass-hat-k", "pass^k")))
