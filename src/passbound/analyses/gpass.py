"""G-Pass@k_τ and mG-Pass@k (Liu et al. 2024, "Are Your LLMs Capable of Stable Reasoning?"): ``gpass.csv``.

G-Pass@k_τ is the chance that at least ⌈τk⌉ (and at least one) of k samples drawn from the n are
right, the hypergeometric tail Σ_{j ≥ ⌈τk⌉} C(c, j) C(n-c, k-j)/C(n, k); τ → 0 gives pass@k and
τ = 1 gives pass^k. Rows with ``metric = "g_pass"`` hold τ in ``TAUS``; rows with ``metric =
"mg_pass"`` hold mG-Pass@k = (2/k) Σ_{i=⌈k/2⌉+1}^{k} G-Pass@k_{i/k}, the paper's area under G-Pass
over τ in (0.5, 1], with ``tau`` empty. mG-Pass starts at k = 2: at k = 1 the paper's sum is empty.
Each k of the study's grid up to the fewest samples of any problem; bootstrap over problems.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from passbound.analyses import Analysis, AnalysisInputs, ordered_groups, register
from passbound.metrics._counts import frame, ks_within
from passbound.metrics.bootstrap import bootstrap_ci
from passbound.metrics.reliability import at_least, hypergeom_tail, mg_pass_from_tail
from passbound.report_kit import esc, pct, section_table

COLUMNS = ("model", "role", "benchmark", "metric", "k", "tau", "value", "ci_low", "ci_high")
TEXT = ("model", "role", "benchmark", "metric")
TAUS = (0.25, 0.5, 0.75, 1.0)
G_PASS, MG_PASS = "g_pass", "mg_pass"


def compute(inputs: AnalysisInputs) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    opts = inputs.options
    for model, bench, g in ordered_groups(inputs.counts, inputs.models):
        n, c = g["n"].to_numpy(), g["c"].to_numpy()
        role = inputs.role(model)
        for k in ks_within(inputs.k_grid, int(n.min())):
            tail = hypergeom_tail(n, c, k)  # P(at least j of k right), j = 0..k+1
            per_problem = tail[:, [at_least(t, k) for t in TAUS]]
            labels: list[tuple[str, float]] = [(G_PASS, t) for t in TAUS]
            if k >= 2:
                per_problem = np.column_stack([per_problem, mg_pass_from_tail(tail)])
                labels.append((MG_PASS, math.nan))
            low, high = bootstrap_ci(per_problem, opts["n_boot"], opts["ci"], opts["seed"])
            rows += [
                dict(
                    model=model,
                    role=role,
                    benchmark=bench,
                    metric=metric,
                    k=k,
                    tau=tau,
                    value=float(v),
                    ci_low=lo,
                    ci_high=hi,
                )
                for (metric, tau), v, lo, hi in zip(labels, per_problem.mean(axis=0), low, high, strict=True)
            ]
    return frame(rows, COLUMNS, ints=("k",), strings=TEXT)


def section(table: pd.DataFrame, report: Any) -> str:
    rows = []
    for (bench, model, k), g in table.groupby(["benchmark", "model", "k"], sort=False):
        at = {(str(r.metric), float(r.tau)): float(r.value) for r in g.itertuples()}
        cells = [at.get((G_PASS, t)) for t in TAUS] + [next((v for (m, _), v in at.items() if m == MG_PASS), None)]
        tds = "".join(f"<td class=\"n\">{'—' if v is None else pct(v)}</td>" for v in cells)
        rows.append(
            f"<tr><td>{esc(bench)}</td><td>{report.name(str(model))}</td><td class=\"n\">{int(k)}</td>{tds}</tr>"
        )
    return section_table(
        "gpass",
        "G-Pass@k: at least a share τ of k samples right",
        "G-Pass@k<sub>τ</sub> is the chance that at least ⌈τk⌉ of k samples drawn from the n are right "
        "(Liu et al. 2024); τ → 0 is pass@k and τ = 1 is pass^k. mG-Pass@k is the paper's area under G-Pass "
        "over τ in (0.5, 1] (from k = 2). Bootstrap intervals over problems are in <code>gpass.csv</code>.",
        ["Benchmark", "Model", "k", *[f"τ = {t:g} (%)" for t in TAUS], "mG-Pass (%)"],
        rows,
        2,
    )


register(Analysis("gpass", COLUMNS, compute, section, text_columns=TEXT, nav=("gpass", "G-Pass")))
