"""pass@k past n: a beta-binomial fit per (model, benchmark) predicts pass@k for k > n.

Two tables (see ``passbound.metrics.beta_passk`` for the model and its references):

- ``passk_beyond_n``: the prediction at the study's k grid up to n (beside the measured unbiased
  value, to show the fit) and at 2n, 4n, ... up to ``[analysis] extrapolate`` × n, with a
  bootstrap interval over problems;
- ``passk_beyond_n_check``: the run checking itself: fitted on the first quarter of each
  problem's samples, the prediction at every k of the grid up to n against the value measured on
  all n samples, and whether the interval covers it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from passbound.analyses import Analysis, AnalysisInputs, ordered_groups, per_problem_counts, register
from passbound.metrics.beta_passk import beyond_n
from passbound.metrics.passk import pass_at_k_matrix
from passbound.report_kit import ci, code, esc, md_table, pct, section_table

COLUMNS = (
    "model",
    "role",
    "benchmark",
    "k",
    "predicted",
    "ci_low",
    "ci_high",
    "measured",
    "n_samples",
    "fit_alpha",
    "fit_beta",
)
_TOL = 1e-6  # an interval of zero width (every problem solved, or none) covers its own value
CHECK_COLUMNS = (
    "model",
    "role",
    "benchmark",
    "fit_samples",
    "n_samples",
    "k",
    "predicted",
    "ci_low",
    "ci_high",
    "measured",
    "covered",
)


def k_values(k_grid: list[int], n: int, factor: int) -> list[int]:
    """The grid up to n (n included), then doublings of n up to factor x n."""
    ks = sorted({k for k in k_grid if k <= n} | {n})
    k = n
    while factor > 1 and k * 2 <= n * factor:
        k *= 2
        ks.append(k)
    return ks


def _measured(c: np.ndarray, n: np.ndarray, ks: list[int]) -> np.ndarray:
    """Unbiased pass@k over problems where every problem has at least k samples, else NaN."""
    inside = [k for k in ks if k <= int(n.min())]
    values = pass_at_k_matrix(n, c, inside).mean(axis=0) if inside else np.array([])
    return np.array([values[inside.index(k)] if k in inside else np.nan for k in ks])


def compute(inputs: AnalysisInputs) -> pd.DataFrame:
    factor, n_boot = inputs.spec.extrapolate, inputs.spec.extrapolate_bootstrap
    rows: list[dict[str, Any]] = []
    if factor < 1 or inputs.verdicts.empty:
        return pd.DataFrame(rows, columns=list(COLUMNS))
    counts = inputs.counts
    for model, bench, g in ordered_groups(counts, inputs.models):
        c, n = g["c"].to_numpy(np.int64), g["n"].to_numpy(np.int64)
        n_min = int(n.min())
        if n_min < 2:
            continue  # one sample per problem identifies only the mean of p, not its spread
        ks = k_values(list(inputs.k_grid), n_min, factor)
        pred, low, high, (a, b) = beyond_n(c, n, ks, n_boot=n_boot, ci=inputs.spec.ci, seed=inputs.spec.seed)
        measured = _measured(c, n, ks)
        for i, k in enumerate(ks):
            rows.append(
                dict(
                    model=model,
                    role=inputs.role(model),
                    benchmark=bench,
                    k=k,
                    predicted=pred[i],
                    ci_low=low[i],
                    ci_high=high[i],
                    measured=measured[i],
                    n_samples=n_min,
                    fit_alpha=a,
                    fit_beta=b,
                )
            )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def compute_check(inputs: AnalysisInputs) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    if inputs.spec.extrapolate < 1 or inputs.verdicts.empty:
        return pd.DataFrame(rows, columns=list(CHECK_COLUMNS))
    full = inputs.counts
    for model, bench, g in ordered_groups(full, inputs.models):
        n_min = int(g["n"].min())
        m = n_min // 4
        ks = [k for k in sorted(set(inputs.k_grid) | {n_min}) if m < k <= n_min]
        if m < 2 or not ks:
            continue
        part = per_problem_counts(
            inputs.verdicts[(inputs.verdicts["model"] == model) & (inputs.verdicts["benchmark"] == bench)], max_index=m
        )
        part = part.set_index("problem_id").reindex(g["problem_id"])
        if part["n"].isna().any() or int(part["n"].min()) < m:
            continue  # some problem lacks indices 0..m-1: no clean quarter to fit on
        pred, low, high, _ = beyond_n(
            part["c"].to_numpy(np.int64),
            part["n"].to_numpy(np.int64),
            ks,
            n_boot=inputs.spec.extrapolate_bootstrap,
            ci=inputs.spec.ci,
            seed=inputs.spec.seed,
        )
        measured = _measured(g["c"].to_numpy(np.int64), g["n"].to_numpy(np.int64), ks)
        for i, k in enumerate(ks):
            covered = bool(low[i] - _TOL <= measured[i] <= high[i] + _TOL) if math.isfinite(low[i]) else None
            rows.append(
                dict(
                    model=model,
                    role=inputs.role(model),
                    benchmark=bench,
                    fit_samples=m,
                    n_samples=n_min,
                    k=k,
                    predicted=pred[i],
                    ci_low=low[i],
                    ci_high=high[i],
                    measured=measured[i],
                    covered=covered,
                )
            )
    return pd.DataFrame(rows, columns=list(CHECK_COLUMNS))


def section(table: pd.DataFrame, report: Any) -> str:
    """Predicted pass@k at the largest k and the self-check, per model and benchmark."""

    def pct(x: Any) -> str:
        return f"{100 * float(x):.1f}%"

    def interval(r: Any) -> str:
        return f"{pct(r['predicted'])} [{100 * r['ci_low']:.1f}, {100 * r['ci_high']:.1f}]"

    check = report.table("passk_beyond_n_check")
    if table.empty:
        return ""
    rows = []
    for (model, bench), g in table.groupby(["model", "benchmark"], sort=False):
        last = g.sort_values("k").iloc[-1]
        n = int(last["n_samples"])
        at_n = g[g["k"] == n].iloc[0] if (g["k"] == n).any() else None
        chk = (
            check[(check["model"] == model) & (check["benchmark"] == bench) & (check["k"] == n)]
            if not check.empty
            else check
        )
        verdict = "—"
        if len(chk):
            r = chk.iloc[0]
            hit = "covered" if str(r["covered"]) == "True" else "missed"
            verdict = f"{interval(r)} vs {pct(r['measured'])} measured ({hit}), fitted on {int(r['fit_samples'])}"
        rows.append(
            f"<tr><td>{esc(bench)}</td><td>{report.name(str(model))}</td><td class=\"n\">{n}</td>"
            f"<td class=\"n\">{'—' if at_n is None else pct(at_n['measured'])}</td>"
            f"<td class=\"n\">{int(last['k'])}</td><td class=\"n\">{interval(last)}</td><td>{verdict}</td></tr>"
        )
    return section_table(
        "beyond-n",
        "pass@k past n (predicted)",
        "A beta-binomial fit of each model's per-problem success probabilities (Schaeffer et al. "
        "2025; Kazdan et al. 2025) predicts pass@k beyond the samples drawn; the curves draw it "
        "dotted past n. Interval: bootstrap over problems. Self-check: the same fit on the first "
        "quarter of each problem's samples, predicting pass@n, against pass@n measured on all of "
        "them. The fit assumes no problem is impossible, so far past n it leans high.",
        ["Benchmark", "Model", "n", "pass@n measured", "k", "pass@k predicted", "Self-check at n"],
        rows,
        2,
    )


def markdown(table: pd.DataFrame, run: Any) -> list[str]:
    """Measured pass@n and the predicted pass@k at the largest k, per model and benchmark."""
    rows = []
    for (model, bench), g in table.groupby(["model", "benchmark"], sort=False):
        last = g.sort_values("k").iloc[-1]
        n = int(last["n_samples"])
        at_n = g.loc[g["k"] == n, "measured"]
        rows.append(
            [
                code(bench),
                code(model),
                str(n),
                pct(float(at_n.iloc[0])) if len(at_n) else "—",
                str(int(last["k"])),
                pct(float(last["predicted"])),
                ci(float(last["ci_low"]), float(last["ci_high"])),
            ]
        )
    return (
        ["## pass@k past n (beta-binomial prediction)", ""]
        + md_table(
            ["benchmark", "model", "n", "pass@n measured (%)", "k", "pass@k predicted (%)", "CI"], rows, {2, 3, 4, 5}
        )
        + [""]
    )


register(Analysis("passk_beyond_n", COLUMNS, compute, section, markdown=markdown))
register(Analysis("passk_beyond_n_check", CHECK_COLUMNS, compute_check))
