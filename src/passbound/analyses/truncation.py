"""Samples that hit the token cap, per model and benchmark: ``truncation.csv``.

A sample whose ``finish_reason`` is ``"length"`` stopped at ``max_tokens``: a failure to answer,
not a wrong answer. Reasoning models hit the cap far more often than base models (one peer
measured 19-37% of reasoning traces), so two models whose cap-hit rates differ by more than a few
points are compared at a budget as much as at a boundary. The table gives the share with a
Wilson interval, pass@1 on all samples and on finished samples only, and the lengths of passing
and failing samples; the report warns when the models on a benchmark differ by more than
``WARN_SPREAD`` in cap-hit rate. ``n_reasoning_unclosed`` counts the samples that named no answer
because their reasoning never closed (``passbound.verify.reasoning``): cut off while thinking,
whatever finish reason the engine gave.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import pandas as pd

from passbound.analyses import Analysis, AnalysisInputs, register
from passbound.metrics._counts import model_order
from passbound.report_kit import code, esc, pct, section_table
from passbound.verify.reasoning import REASONING_NOT_CLOSED

COLUMNS = (
    "model",
    "role",
    "benchmark",
    "max_tokens",
    "n_samples",
    "n_length",
    "length_share",
    "length_ci_low",
    "length_ci_high",
    "pass_at_1",
    "pass_at_1_finished",
    "mean_tokens_pass",
    "median_tokens_pass",
    "mean_tokens_fail",
    "median_tokens_fail",
    "n_reasoning_unclosed",
)
WARN_SPREAD = 0.05  # cap-hit rates further apart than this on one benchmark: the curves compare budgets
LENGTH = "length"  # the finish_reason of a sample cut at max_tokens (vLLM, OpenAI)


def wilson(hits: int, n: int, level: float) -> tuple[float, float]:
    """Wilson score interval for a binomial share (Wilson 1927): sound at 0 and n hits, where the
    normal approximation collapses to a point."""
    if n == 0:
        return math.nan, math.nan
    z = NormalDist().inv_cdf(1.0 - (1.0 - level) / 2.0)
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def _stat(values: pd.Series, how: str) -> float:
    values = values.dropna()
    return float(getattr(values, how)()) if len(values) else math.nan


def _row(model: str, bench: str, g: pd.DataFrame, inputs: AnalysisInputs, max_tokens: Any) -> dict[str, Any]:
    passed = g["status"].eq("pass")
    capped = g["finish_reason"].eq(LENGTH).fillna(False).astype(bool)
    per_problem = (
        g.assign(passed=passed, finished=~capped, passed_finished=passed & ~capped)
        .groupby("problem_id", sort=False, observed=True)[["passed", "finished", "passed_finished"]]
        .agg(["sum", "size"])
    )
    rate = per_problem[("passed", "sum")] / per_problem[("passed", "size")]
    finished = per_problem[("finished", "sum")]
    finished_rate = (per_problem[("passed_finished", "sum")] / finished)[finished > 0]
    low, high = wilson(int(capped.sum()), len(g), inputs.spec.ci)
    tokens = g["n_tokens"]
    unclosed = g["status"].eq("no_answer") & g["detail"].eq(REASONING_NOT_CLOSED) if "detail" in g else passed & False
    return dict(
        model=model,
        role=inputs.role(model),
        benchmark=bench,
        max_tokens=max_tokens,
        n_samples=len(g),
        n_length=int(capped.sum()),
        length_share=float(capped.mean()),
        length_ci_low=low,
        length_ci_high=high,
        pass_at_1=float(rate.mean()),
        pass_at_1_finished=float(finished_rate.mean()) if len(finished_rate) else math.nan,
        mean_tokens_pass=_stat(tokens[passed], "mean"),
        median_tokens_pass=_stat(tokens[passed], "median"),
        mean_tokens_fail=_stat(tokens[~passed], "mean"),
        median_tokens_fail=_stat(tokens[~passed], "median"),
        n_reasoning_unclosed=int(unclosed.sum()),
    )


def compute(inputs: AnalysisInputs) -> pd.DataFrame | None:
    if inputs.verdicts.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    frame = inputs.verdicts_with_lengths
    caps = {str(m["name"]): m.get("max_tokens") for m in inputs.models}
    rank = {m: i for i, m in enumerate(model_order(inputs.models, frame["model"].astype(str).unique()))}
    groups = sorted(
        frame.groupby(["model", "benchmark"], sort=True, observed=True),
        key=lambda kv: (rank[str(kv[0][0])], str(kv[0][1])),
    )
    rows = [_row(str(m), str(b), g, inputs, caps.get(str(m))) for (m, b), g in groups]
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table["max_tokens"] = pd.array(
        [None if v is None or v != v else int(v) for v in table["max_tokens"]], dtype="Int64"
    )
    return table


def spread_warnings(table: pd.DataFrame) -> list[tuple[str, str, float, str, float]]:
    """(benchmark, model with the most cap hits, its share, the one with the fewest, its share)
    wherever the two differ by more than ``WARN_SPREAD``."""
    out = []
    for bench, g in table.groupby("benchmark", sort=False):
        shares = g["length_share"].astype(float)
        if len(g) > 1 and float(shares.max() - shares.min()) > WARN_SPREAD:
            hi, lo = g.loc[shares.idxmax()], g.loc[shares.idxmin()]
            out.append((str(bench), str(hi.model), float(hi.length_share), str(lo.model), float(lo.length_share)))
    return out


def _tokens(x: Any) -> str:
    return "—" if pd.isna(x) else f"{float(x):,.0f}"


def section(table: pd.DataFrame, report: Any) -> str:
    if table.empty:
        return ""
    rows = [
        f"<tr><td>{esc(r.benchmark)}</td><td>{report.name(str(r.model))}</td>"
        f"<td class=\"n\">{_tokens(r.max_tokens)}</td><td class=\"n\">{int(r.n_length)} of {int(r.n_samples)}</td>"
        f"<td class=\"n\">{pct(float(r.length_share))} [{pct(float(r.length_ci_low))}, {pct(float(r.length_ci_high))}]"
        f"</td><td class=\"n\">{pct(float(r.pass_at_1))}</td><td class=\"n\">{pct(float(r.pass_at_1_finished))}</td>"
        f"<td class=\"n\">{_tokens(r.mean_tokens_pass)} / {_tokens(r.median_tokens_pass)}</td>"
        f"<td class=\"n\">{_tokens(r.mean_tokens_fail)} / {_tokens(r.median_tokens_fail)}</td></tr>"
        for r in table.itertuples()
    ]
    html = section_table(
        "truncation",
        "Truncation: samples that hit the token cap",
        "A sample whose finish reason is <code>length</code> stopped at <code>max_tokens</code>: it failed to "
        "answer, it did not answer wrongly. Read beside the pass@k curves: a model that often hits the cap is "
        "measured at this budget more than at its boundary (<code>budget_passk.csv</code> gives pass@k at smaller "
        "budgets). Shares with a Wilson interval; pass@1 on finished samples leaves the capped ones out.",
        [
            "Benchmark",
            "Model",
            "max_tokens",
            "Hit the cap",
            "Share (%)",
            "pass@1 (%)",
            "pass@1 finished (%)",
            "Tokens pass (mean / median)",
            "Tokens fail (mean / median)",
        ],
        rows,
        2,
    )
    warnings = [
        f"<p class=\"warn\">On {esc(b)}, {report.name(hi)} hits the cap in {pct(hs)}% of samples and "
        f"{report.name(lo)} in {pct(ls)}%: their curves then compare budgets, not boundaries.</p>"
        for b, hi, hs, lo, ls in spread_warnings(table)
    ]
    unclosed = [
        f"{report.name(str(r.model))} on {esc(r.benchmark)}: {int(r.n_reasoning_unclosed)} of {int(r.n_samples)}"
        for r in table.itertuples()
        if r.n_reasoning_unclosed > 0
    ]
    if unclosed:  # only where it happened: a run without reasoning models shows nothing more
        warnings.append(
            "<p>Samples whose reasoning never closed (no answer, counted as failures; "
            "<code>n_reasoning_unclosed</code>): " + "; ".join(unclosed) + ".</p>"
        )
    return html + "".join(warnings)


def markdown(table: pd.DataFrame, run: Any) -> list[str]:
    """summary.md says it only when the cap-hit rates of compared models differ by more than a few points."""
    lines = [
        f"- **Truncation:** on {code(b)}, {code(hi)} hits the token cap in {pct(hs)}% of samples and {code(lo)} "
        f"in {pct(ls)}%: their curves then compare budgets, not boundaries (see `truncation.csv`)."
        for b, hi, hs, lo, ls in spread_warnings(table)
    ]
    return lines + [""] if lines else []


register(
    Analysis(
        "truncation", COLUMNS, compute, section, nav=("truncation", "Truncation"), markdown=markdown, beside_curves=True
    )
)
