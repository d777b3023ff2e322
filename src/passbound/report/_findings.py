"""Headline findings per benchmark, computed once and worded once for HTML and Markdown.

The question the report answers first (Yue et al., 2025, Sec. 3): which model is best when
allowed one try (pass@1), which is best with many tries (pass@k_max, the *reasoning boundary*),
where the curves cross, and how large the sampling-efficiency gap
ΔSE = pass@k_max(base) − pass@1(RL) is.  k_max for the "best at k_max" claim is the largest k
every model on that benchmark was sampled enough for, so models are compared at the same k.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from passbound.report._notices import NoAnswerShare, no_answer_shares
from passbound.report_kit import as_float as _f
from passbound.report_kit import ci, kfmt, pct, pts

if TYPE_CHECKING:
    from passbound.report._data import RunData

TIE_EPS = 1e-9


@dataclass(frozen=True)
class Standing:
    """One model's pass@k on a benchmark at a given k."""

    model: str
    value: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class Crossover:
    """Where a trained model's pass@k curve crosses its base's (on their shared problems)."""

    model: str
    base_model: str
    k: float | None  # first k where the order of the two curves at k = 1 flips; None if never
    model_wins_at_1: bool
    base_wins_at_kmax: bool
    interval: tuple[float, float, float] | None = None  # crossover.csv's bootstrap (low, high, share crossing)


@dataclass(frozen=True)
class DeltaSE:
    rl_model: str
    base_model: str
    k_max: int
    base_pass_at_kmax: float
    rl_pass_at_1: float
    delta_se: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class PairedDiff:
    """model − reference at one k, with its paired-bootstrap CI."""

    model: str
    reference: str
    k: int
    diff: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class Solvable:
    """A trained model's solvable set (k = n) against its base's, on one benchmark."""

    model: str
    base_model: str
    subset: bool  # every problem the model solves, the base solves too
    n_problems: int
    expansion: int  # solved by the model only
    shrinkage: int  # solved by the base only


@dataclass
class BenchmarkFindings:
    benchmark: str
    n_problems: int | None
    k_max: int | None
    best_at_1: list[Standing] = field(default_factory=list)
    runner_up_at_1: Standing | None = None
    best_at_kmax: list[Standing] = field(default_factory=list)
    runner_up_at_kmax: Standing | None = None
    crossovers: list[Crossover] = field(default_factory=list)
    delta_se: list[DeltaSE] = field(default_factory=list)
    paired: list[tuple[PairedDiff | None, PairedDiff | None]] = field(default_factory=list)
    solvable: list[Solvable] = field(default_factory=list)
    visible_only: tuple[int, int] | None = None  # (problems graded on shown tests only, of problems)
    no_answer: list[NoAnswerShare] = field(default_factory=list)  # models mostly without a readable answer


def _truthy(x: object) -> bool:
    if isinstance(x, str):
        return x.strip().lower() in ("true", "1", "yes")
    return bool(x) and not (isinstance(x, float) and math.isnan(x))


def common_k_max(run: RunData, benchmark: str) -> int | None:
    """Largest k at which every model on ``benchmark`` has a finite pass@k."""
    df = run.passk[(run.passk["benchmark"] == benchmark) & run.passk["pass_at_k"].notna()]
    if df.empty:
        return None
    per_model = df.groupby("model")["k"].max()
    return int(per_model.min())


def _ranking(run: RunData, benchmark: str, k: int) -> tuple[list[Standing], Standing | None]:
    """Best model(s) at k (ties kept together) and the best of the rest."""
    df = run.passk[(run.passk["benchmark"] == benchmark) & (run.passk["k"] == k)]
    df = df[df["pass_at_k"].notna()]
    order = {m: i for i, m in enumerate(run.models)}
    rows = sorted(
        (Standing(str(r.model), _f(r.pass_at_k), _f(r.ci_low), _f(r.ci_high)) for r in df.itertuples()),
        key=lambda s: (-s.value, order.get(s.model, len(order))),
    )
    if not rows:
        return [], None
    top = [s for s in rows if s.value >= rows[0].value - TIE_EPS]
    rest = rows[len(top) :]
    return top, (rest[0] if rest else None)


def _paired_at(run: RunData, benchmark: str, model: str, ref: str, k: int | None) -> PairedDiff | None:
    df = run.paired[
        (run.paired["benchmark"] == benchmark)
        & (run.paired["model"] == model)
        & (run.paired["reference"] == ref)
        & run.paired["diff"].notna()
    ]
    if df.empty or k is None:
        return None
    exact = df[df["k"] == k]
    row = exact.iloc[0] if len(exact) else df.loc[df["k"].idxmax()] if k > 1 else None
    if row is None:
        return None
    return PairedDiff(model, ref, int(row["k"]), _f(row["diff"]), _f(row["ci_low"]), _f(row["ci_high"]))


def benchmark_findings(run: RunData, benchmark: str) -> BenchmarkFindings:
    """Everything the summary says about one benchmark."""
    k_max = common_k_max(run, benchmark)
    summ = run.summary[run.summary["benchmark"] == benchmark]
    n_problems = int(summ["n_problems"].max()) if len(summ) and summ["n_problems"].notna().any() else None
    bf = BenchmarkFindings(benchmark, n_problems, k_max)
    bf.best_at_1, bf.runner_up_at_1 = _ranking(run, benchmark, 1)
    if k_max is not None:
        bf.best_at_kmax, bf.runner_up_at_kmax = _ranking(run, benchmark, k_max)
    for r in run.crossover[run.crossover["benchmark"] == benchmark].itertuples():
        wins_at_1 = _truthy(r.model_wins_at_1)
        ck = _crossing(run, benchmark, str(r.model), str(r.base_model), wins_at_1, _f(r.crossover_k))
        share = _f(getattr(r, "crossing_share", None))
        interval = (
            (_f(r.crossover_ci_low), _f(r.crossover_ci_high), share)
            if ck is not None and ck == _f(r.crossover_k) and share is not None and not math.isnan(share)
            else None
        )  # only where the crossing described is the one the table bootstrapped
        bf.crossovers.append(
            Crossover(str(r.model), str(r.base_model), ck, wins_at_1, _truthy(r.base_wins_at_kmax), interval)
        )
    for r in run.delta_se[run.delta_se["benchmark"] == benchmark].itertuples():
        bf.delta_se.append(
            DeltaSE(
                str(r.rl_model),
                str(r.base_model),
                int(_f(r.k_max)),
                _f(r.base_pass_at_kmax),
                _f(r.rl_pass_at_1),
                _f(r.delta_se),
                _f(r.ci_low),
                _f(r.ci_high),
            )
        )
    pairs = run.paired.loc[run.paired["benchmark"] == benchmark, ["model", "reference"]]
    for model, ref in dict.fromkeys(map(tuple, pairs.astype(str).values.tolist())):
        bf.paired.append((_paired_at(run, benchmark, model, ref, 1), _paired_at(run, benchmark, model, ref, k_max)))
    bf.solvable = _solvable(run, benchmark)
    bf.visible_only = _visible_only(run, benchmark)
    bf.no_answer = no_answer_shares(run, benchmark)
    return bf


def _visible_only(run: RunData, benchmark: str) -> tuple[int, int] | None:
    """(n graded only on tests the prompt shows, n problems) from visible_tests.csv: the model
    with the most problems (models that cover only part of a benchmark count fewer)."""
    table = run.tables.get("visible_tests")
    if table is None or table.empty:
        return None
    rows = table[(table["benchmark"] == benchmark) & (table["n_visible_only"].astype(float) > 0)]
    if rows.empty:
        return None
    top = rows.loc[rows["n_problems"].astype(float).idxmax()]
    return int(top["n_visible_only"]), int(top["n_problems"])


def describe_visible_only(counts: tuple[int, int]) -> str:
    """The warning a benchmark with problems graded only on tests its prompt shows carries."""
    shown, total = counts
    return (
        f"{shown} of {total} problems are graded only on tests shown in the prompt; their pass rates are an upper bound"
    )


def _crossing(run: RunData, benchmark: str, model: str, base: str, model_wins_at_1: bool, csv_k: float) -> float | None:
    """First k where the order of model and base at k = 1 flips, or None if it never does.

    crossover.csv holds the first k where the base reaches the model, which is k = 1 whenever
    the base already leads there (not a crossing). paired.csv (model − base per k, on shared
    problems) tells when a trailing model gets ahead; without it such a model gets None.
    """
    if model_wins_at_1:
        return None if math.isnan(csv_k) else csv_k
    p = run.paired[
        (run.paired["benchmark"] == benchmark)
        & (run.paired["model"] == model)
        & (run.paired["reference"] == base)
        & run.paired["diff"].notna()
    ]
    ahead = sorted(_f(k) for k, d in zip(p["k"], p["diff"]) if _f(d) > TIE_EPS)
    return ahead[0] if ahead else None


def _solvable(run: RunData, benchmark: str) -> list[Solvable]:
    """Model-vs-base solvable sets from support.csv, or overlap.csv's base pairs if only it
    exists (both hold the same counts; older runs have neither, and get no lines)."""
    sup = run.support[run.support["benchmark"] == benchmark]
    if len(sup):
        return [
            Solvable(
                str(r.model),
                str(r.base_model),
                int(r.n_expansion) == 0,
                int(r.n_problems),
                int(r.n_expansion),
                int(r.n_shrinkage),
            )
            for r in sup.itertuples()
        ]
    ov = run.overlap[(run.overlap["benchmark"] == benchmark) & (run.overlap["relation"] == "base")]
    return [
        Solvable(
            str(r.model),
            str(r.reference),
            int(r.n_model_only) == 0,
            int(r.n_problems),
            int(r.n_model_only),
            int(r.n_reference_only),
        )
        for r in ov.itertuples()
    ]


def all_findings(run: RunData) -> list[BenchmarkFindings]:
    return [benchmark_findings(run, b) for b in run.benchmarks]


# ---------------------------------------------------------------- wording (shared by renderers)
# Static text below contains no HTML-special characters; renderers escape model names through
# the ``name`` callback, so the same sentences are safe in HTML and readable in Markdown.


def describe_best(best: list[Standing], runner: Standing | None, name: Callable[[str], str]) -> str:
    """'A (52.0%), ahead of B (48.0%)' or 'tie: A, B (100.0%)'."""
    if not best:
        return "—"
    if len(best) > 1:
        return f"tie: {', '.join(name(s.model) for s in best)} ({pct(best[0].value)}%)"
    s = best[0]
    text = f"{name(s.model)} ({pct(s.value)}%)"
    if runner is not None:
        text += f", ahead of {name(runner.model)} ({pct(runner.value)}%)"
    return text


def describe_crossover(c: Crossover, name: Callable[[str], str]) -> str:
    m, b = name(c.model), name(c.base_model)
    if c.k is None:
        lead = m if c.model_wins_at_1 else b
        return f"{m} vs {b}: no crossing ({lead} ahead at every k)"
    sure = _crossing_interval(c)
    if c.model_wins_at_1:
        verb = "overtakes" if c.base_wins_at_kmax else "catches up with"
        return f"{b} {verb} {m} at k = {kfmt(c.k)}{sure}"
    again = f" ({b} ahead again at the largest k)" if c.base_wins_at_kmax else ""
    return f"{m} overtakes {b} at k = {kfmt(c.k)}{sure}{again}"


def _crossing_interval(c: Crossover) -> str:
    """' (bootstrap interval k in [2, 8]; 91% of resamples cross)'; an open upper end where some
    resamples never cross."""
    if c.interval is None:
        return ""
    low, high, share = c.interval
    upper = "no crossing" if high is None or math.isnan(high) else kfmt(high)
    return f" (bootstrap interval k ∈ [{kfmt(low)}, {upper}]; {pct(share, 0)}% of resamples cross)"


def describe_delta_se(d: DeltaSE, name: Callable[[str], str], label: bool = True) -> str:
    """'ΔSE(rl) = 21.3 pts [18.0, 24.9]', or 'rl: 21.3 pts [...]' under a ΔSE heading."""
    interval = ci(d.ci_low, d.ci_high)
    head = f"ΔSE({name(d.rl_model)}) =" if label else f"{name(d.rl_model)}:"
    return f"{head} {pts(d.delta_se)} pts" + (f" {interval}" if interval else "")


def describe_solvable(s: Solvable, name: Callable[[str], str]) -> str:
    """'rl-solvable ⊆ base-solvable: no (k = n); expansion 1, shrinkage 3 of 40 problems:
    boundary shifted (net −2)', the last part saying in words what the counts mean."""
    if s.expansion == 0 and s.shrinkage == 0:
        gist = "same solvable set"
    elif s.expansion == 0:
        gist = "boundary narrowed"
    elif s.shrinkage == 0:
        gist = "boundary expanded"
    else:
        net = s.expansion - s.shrinkage
        gist = f"boundary shifted (net {'+' if net > 0 else '−' if net < 0 else '±'}{abs(net)})"
    return (
        f"{name(s.model)}-solvable ⊆ {name(s.base_model)}-solvable: "
        f"{'yes' if s.subset else 'no'} (k = n); expansion {s.expansion}, "
        f"shrinkage {s.shrinkage} of {s.n_problems} problems: {gist}"
    )


def describe_paired(p: PairedDiff, name: Callable[[str], str]) -> str:
    """'+12.0 pts [8.0, 16.0] at k = 1 (model ahead)' with a verdict from the CI."""
    interval = ci(p.ci_low, p.ci_high)
    if not math.isnan(p.ci_low) and p.ci_low > 0:
        verdict = f"{name(p.model)} ahead"
    elif not math.isnan(p.ci_high) and p.ci_high < 0:
        verdict = f"{name(p.reference)} ahead"
    else:
        verdict = "no clear difference"
    return f"{pts(p.diff, sign=True)} pts {interval} at k = {p.k} ({verdict})".replace("  ", " ")
