"""The sharpening tax, how much of the area above its pass@k curve a trained model gave up against
its base: ``sharpening_tax.csv``.

A(K) = Σ_{k<K} [pass@K - pass@k] is the area between a model's pass@k curve and its pass@K line;
S(K) = A(K)/((K-1)(1 - pass@1)) divides by the most that area can be (issue 25). A sharpened
model's curve is flatter: smaller A and S. Each row is one trained model against its base at one
K of the study's grid (2 ≤ K ≤ the fewest samples of any shared problem), over the problems both
have, with pass@k from passbound's unbiased estimator at every k = 1..K (not only the grid's).
The tax is base minus trained (positive: the trained model's curve is flatter), with a paired
percentile bootstrap over problems. S is NaN where pass@1 = 1 (no room above pass@1), and
resamples where it is undefined are left out of its interval.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from passbound.analyses import Analysis, AnalysisInputs, register
from passbound.metrics._counts import frame, non_base_with_base
from passbound.metrics.bootstrap import resample_counts
from passbound.metrics.reliability import normalised_tax, tax_areas
from passbound.report_kit import code, esc, pct, pts, section_table

COLUMNS = (
    "model",
    "role",
    "base_model",
    "benchmark",
    "K",
    "area",
    "area_base",
    "area_tax",
    "area_ci_low",
    "area_ci_high",
    "s",
    "s_base",
    "s_tax",
    "s_ci_low",
    "s_ci_high",
    "n_problems",
)
TEXT = ("model", "role", "base_model", "benchmark")
Array = npt.NDArray[np.float64]


def _interval(draws: Array, level: float) -> tuple[Array, Array]:
    """Percentile interval per column over the resamples where the value is defined (NaN if none)."""
    low, high = np.full(draws.shape[1], np.nan), np.full(draws.shape[1], np.nan)
    alpha = 100 * (1.0 - level) / 2.0
    for j in range(draws.shape[1]):
        ok = draws[:, j][np.isfinite(draws[:, j])]
        if ok.size:
            low[j], high[j] = np.percentile(ok, [alpha, 100 - alpha])
    return low, high


def _pair(
    inputs: AnalysisInputs, model: str, base: str, bench: str, m: pd.DataFrame, b: pd.DataFrame
) -> list[dict[str, Any]]:
    both = m.merge(b, on="problem_id", suffixes=("", "_base"), validate="one_to_one")
    if both.empty:
        return []
    big_ks = np.array(
        sorted({int(k) for k in inputs.k_grid if 2 <= int(k) <= int(min(both["n"].min(), both["n_base"].min()))}),
        dtype=np.int64,
    )
    if big_ks.size == 0:
        return []
    area_m, p1_m = tax_areas(both["n"].to_numpy(), both["c"].to_numpy(), big_ks)
    area_b, p1_b = tax_areas(both["n_base"].to_numpy(), both["c_base"].to_numpy(), big_ks)
    a_m, a_b = area_m.mean(axis=0), area_b.mean(axis=0)
    s_m, s_b = normalised_tax(a_m, p1_m.mean(), big_ks), normalised_tax(a_b, p1_b.mean(), big_ks)
    opts, size = inputs.options, len(both)
    nan = np.full(big_ks.size, np.nan)
    a_lo, a_hi, s_lo, s_hi = nan, nan, nan, nan
    if opts["n_boot"] > 0:
        draws = resample_counts(size, opts["n_boot"], opts["seed"]) / size  # [B, P]: the same problems for both
        boot_a_m, boot_a_b = draws @ area_m, draws @ area_b
        boot_s_m = normalised_tax(boot_a_m, (draws @ p1_m)[:, None], big_ks[None, :])
        boot_s_b = normalised_tax(boot_a_b, (draws @ p1_b)[:, None], big_ks[None, :])
        a_lo, a_hi = _interval(boot_a_b - boot_a_m, opts["ci"])
        s_lo, s_hi = _interval(boot_s_b - boot_s_m, opts["ci"])
    return [
        dict(
            model=model,
            role=inputs.role(model),
            base_model=base,
            benchmark=bench,
            K=int(big_ks[i]),
            area=a_m[i],
            area_base=a_b[i],
            area_tax=a_b[i] - a_m[i],
            area_ci_low=a_lo[i],
            area_ci_high=a_hi[i],
            s=s_m[i],
            s_base=s_b[i],
            s_tax=s_b[i] - s_m[i],
            s_ci_low=s_lo[i],
            s_ci_high=s_hi[i],
            n_problems=size,
        )
        for i in range(big_ks.size)
    ]


def compute(inputs: AnalysisInputs) -> pd.DataFrame:
    counts = inputs.counts
    groups = {
        (str(m), str(b)): g[["problem_id", "n", "c"]]
        for (m, b), g in counts.groupby(["model", "benchmark"], sort=True, observed=True)
    }
    rows: list[dict[str, Any]] = []
    for model, base in non_base_with_base(inputs.models):
        for bench in sorted({b for m, b in groups if m == model}):
            if (base, bench) in groups:
                rows += _pair(inputs, model, base, bench, groups[(model, bench)], groups[(base, bench)])
    return frame(rows, COLUMNS, ints=("K", "n_problems"), strings=TEXT)


def _largest_k(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["K"] == table.groupby(["model", "benchmark"])["K"].transform("max")]


def section(table: pd.DataFrame, report: Any) -> str:
    rows = [
        f"<tr><td>{esc(r.benchmark)}</td><td>{report.name(str(r.model))}</td><td>{report.name(str(r.base_model))}"
        f"</td><td class=\"n\">{int(r.K)}</td><td class=\"n\">{pct(float(r.s))}</td><td class=\"n\">"
        f"{pct(float(r.s_base))}</td><td class=\"n\">{pts(float(r.s_tax), sign=True)} "
        f"[{pts(float(r.s_ci_low))}, {pts(float(r.s_ci_high))}]</td><td class=\"n\">{float(r.area):.3f}</td>"
        f"<td class=\"n\">{float(r.area_base):.3f}</td></tr>"
        for r in _largest_k(table).itertuples()
    ]
    return section_table(
        "sharpening",
        "Sharpening tax: the area a trained model gave up above its pass@k curve",
        "A(K) = Σ<sub>k&lt;K</sub> [pass@K − pass@k] is the area between a model's pass@k curve and its pass@K "
        "(unbiased pass@k at every k up to K), S(K) = A(K)/((K−1)(1 − pass@1)) its share of the most it can be. "
        "The tax is base minus trained: positive where the trained model's curve is flatter (sharpened). "
        "At the largest K, with a paired bootstrap interval over problems; every K of the grid is in "
        "<code>sharpening_tax.csv</code>. S is undefined where pass@1 = 1.",
        ["Benchmark", "Model", "Base", "K", "S(K) (%)", "S(K) base (%)", "Tax S (pts)", "A(K)", "A(K) base"],
        rows,
        3,
    )


def markdown(table: pd.DataFrame, run: Any) -> list[str]:
    lines = [
        f"- **Sharpening tax** on {code(r.benchmark)} at K = {int(r.K)}: S(K) of {code(r.base_model)} minus "
        f"{code(r.model)} = {pts(float(r.s_tax), sign=True)} points [{pts(float(r.s_ci_low))}, "
        f"{pts(float(r.s_ci_high))}] (see `sharpening_tax.csv`)."
        for r in _largest_k(table).itertuples()
    ]
    return lines + [""] if lines else []


register(
    Analysis(
        "sharpening_tax",
        COLUMNS,
        compute,
        section,
        text_columns=TEXT,
        nav=("sharpening", "Sharpening tax"),
        markdown=markdown,
    )
)
