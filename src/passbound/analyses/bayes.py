"""Bayes@N (Hariri et al. 2025): pass@k as a posterior mean with a credible interval.

Each problem's success probability gets the uniform prior Beta(1, 1); the table gives the
posterior mean of the benchmark's pass@k and its equal-tailed credible interval for this
benchmark's problems, beside the unbiased estimate and its bootstrap CI in passk.csv. With few
samples the posterior pulls each problem toward 1/2 by up to 1/(n + 2) at k = 1, so on a
benchmark of mostly unsolved problems the posterior mean sits above the unbiased estimate.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from passbound.analyses import Analysis, AnalysisInputs, ordered_groups, register
from passbound.metrics.beta_passk import bayes_at_n
from passbound.report_kit import esc, section_table

COLUMNS = ("model", "role", "benchmark", "k", "posterior_mean", "cri_low", "cri_high", "n_problems", "n_samples")


def compute(inputs: AnalysisInputs) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    draws = inputs.spec.bayes_draws
    if draws < 1 or inputs.verdicts.empty:
        return pd.DataFrame(rows, columns=list(COLUMNS))
    for model, bench, g in ordered_groups(inputs.counts, inputs.models):
        c, n = g["c"].to_numpy(np.int64), g["n"].to_numpy(np.int64)
        n_min = int(n.min())
        ks = sorted({k for k in inputs.k_grid if k <= n_min} | {n_min})
        if not ks:
            continue
        mean, low, high = bayes_at_n(c, n, ks, draws=draws, ci=inputs.spec.ci, seed=inputs.spec.seed)
        for i, k in enumerate(ks):
            rows.append(
                dict(
                    model=model,
                    role=inputs.role(model),
                    benchmark=bench,
                    k=k,
                    posterior_mean=mean[i],
                    cri_low=low[i],
                    cri_high=high[i],
                    n_problems=len(g),
                    n_samples=n_min,
                )
            )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def section(table: pd.DataFrame, report: Any) -> str:
    """Bayes@N at k = 1 and the largest k, beside the unbiased estimate with its bootstrap CI."""
    if table.empty:
        return ""
    passk = report.run.passk
    rows = []
    for (model, bench), g in table.groupby(["model", "benchmark"], sort=False):
        for _, r in g[g["k"].isin([g["k"].min(), g["k"].max()])].sort_values("k").iterrows():
            k = int(r["k"])
            m = passk[(passk["model"] == model) & (passk["benchmark"] == bench) & (passk["k"] == k)]
            unbiased = (
                (
                    f"{100 * m['pass_at_k'].iloc[0]:.1f}% [{100 * m['ci_low'].iloc[0]:.1f}, "
                    f"{100 * m['ci_high'].iloc[0]:.1f}]"
                )
                if len(m)
                else "—"
            )
            rows.append(
                f"<tr><td>{esc(bench)}</td><td>{report.name(str(model))}</td><td class=\"n\">{k}</td>"
                f"<td class=\"n\">{100 * r['posterior_mean']:.1f}% [{100 * r['cri_low']:.1f}, "
                f"{100 * r['cri_high']:.1f}]</td><td class=\"n\">{unbiased}</td></tr>"
            )
    return section_table(
        "bayes",
        "Bayes@N",
        "Posterior mean of pass@k with a uniform prior per problem and its "
        "credible interval for these problems (Hariri et al. 2025), beside the unbiased estimate and "
        "its bootstrap CI over problems.",
        ["Benchmark", "Model", "k", "Bayes@N [credible]", "Unbiased [bootstrap]"],
        rows,
        2,
    )


register(Analysis("bayes_passk", COLUMNS, compute, section))
