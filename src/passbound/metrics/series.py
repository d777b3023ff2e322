"""Training-step series and the RL-algorithm comparison (Yue et al. 2025, §4.3-4.4, Table 2,
Fig. 7).

The study tracks pass@1 and pass@k_max along RL training: pass@1 climbs while pass@k_max
stalls or falls, i.e. training narrows the reasoning boundary. Its algorithm table compares
PPO, GRPO, RLOO, ... by pass@1, pass@k_max and the sampling-efficiency gap
ΔSE = base pass@k_max − model pass@1.

k_max is shared within each table and benchmark (the largest grid k every compared model has
samples for), so rows are comparable. pass@k per problem uses the unbiased estimator
(``pass_at_k_matrix``); CIs are percentile bootstraps over problems (``bootstrap_ci``, and
``paired_bootstrap_diff`` for ΔSE on the problems model and base share).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from passbound.metrics._counts import frame, k_max, non_base_with_base
from passbound.metrics.bootstrap import bootstrap_ci, paired_bootstrap_diff
from passbound.metrics.counts import Counts, ProblemCounts, shared
from passbound.metrics.passk import pass_at_k_matrix
from passbound.types import ModelRecord

SERIES_COLUMNS = [
    "benchmark",
    "base_model",
    "model",
    "role",
    "step",
    "n_problems",
    "pass_at_1",
    "pass_at_1_ci_low",
    "pass_at_1_ci_high",
    "pass_at_kmax",
    "pass_at_kmax_ci_low",
    "pass_at_kmax_ci_high",
    "k_max",
]
ALGORITHM_COLUMNS = [
    "benchmark",
    "model",
    "role",
    "base_model",
    "n_problems",
    "pass_at_1",
    "pass_at_kmax",
    "k_max",
    "base_pass_at_1",
    "base_pass_at_kmax",
    "delta_se",
    "delta_se_ci_low",
    "delta_se_ci_high",
    "crossover_k",
]
_STRINGS = {"benchmark", "base_model", "model", "role"}
_TIE_TOL = 1e-12  # same tolerance as analyse_verdicts' crossover: base >= model counts as ahead


def _common_k_max(groups: Sequence[Counts | None], ks: list[int]) -> int | None:
    present = [g for g in groups if g is not None and g.n.size]
    return k_max(ks, min(int(g.n.min()) for g in present)) if present else None


def _step_of(info: ModelRecord, is_base: bool) -> int | None:
    """A checkpoint's step; the series' base model is step 0 unless it has its own step."""
    step = info.get("step")
    if step is None or (isinstance(step, float) and np.isnan(step)):
        return 0 if is_base else None
    return int(step)


def training_series(
    counts: ProblemCounts,
    models: Sequence[ModelRecord],
    k_grid: Sequence[int],
    *,
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """The ``series`` table: pass@1 and pass@k_max with CIs per checkpoint, sorted by step.

    One series per base model that checkpoints name; the base itself is step 0 unless it has a
    step. Checkpoints without a base form a series with an empty ``base_model``.
    """
    ks = sorted({int(k) for k in k_grid})
    info = {str(m["name"]): m for m in models}
    series: dict[str, list[str]] = {}
    for m in models:
        if m.get("role") == "checkpoint":
            base = "" if m.get("base") in (None, "") else str(m["base"])
            members = series.setdefault(base, [base] if base in info else [])
            members.append(str(m["name"]))
    rows: list[dict[str, Any]] = []
    for bench in counts.benchmarks:
        for base, members in series.items():
            groups = {m: counts.get(m, bench) for m in members}
            km = _common_k_max(list(groups.values()), ks)
            for model, g in groups.items():
                if g is None:
                    continue
                role = str(info[model].get("role", "other"))
                per = np.stack([g.c / g.n, _pass_at(g, km)], axis=1)
                low, high = bootstrap_ci(per, n_boot, ci, seed)
                mean = per.mean(axis=0)
                rows.append(
                    dict(
                        benchmark=bench,
                        base_model=base,
                        model=model,
                        role=role,
                        step=_step_of(info[model], model == base),
                        n_problems=int(g.n.size),
                        pass_at_1=mean[0],
                        pass_at_1_ci_low=low[0],
                        pass_at_1_ci_high=high[0],
                        pass_at_kmax=mean[1],
                        pass_at_kmax_ci_low=low[1],
                        pass_at_kmax_ci_high=high[1],
                        k_max=km,
                    )
                )
    df = frame(rows, SERIES_COLUMNS, ints={"step", "n_problems", "k_max"}, strings=_STRINGS)
    return df.sort_values(["benchmark", "base_model", "step"], kind="stable", na_position="last").reset_index(drop=True)


def _pass_at(g: Counts, k: int | None) -> np.ndarray:
    if k is None:
        return np.full(g.n.size, np.nan)
    return pass_at_k_matrix(g.n, g.c, [k])[:, 0]


def algorithm_table(
    counts: ProblemCounts,
    models: Sequence[ModelRecord],
    k_grid: Sequence[int],
    *,
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """The ``algorithms`` table: every non-base model with its base's numbers beside it.

    pass@1 / pass@k_max are over the model's own problems; ΔSE (with a paired CI) and the
    crossover k (``crossing_k``: first grid k where the curves' order at k = 1 flips; empty if
    it never does) use the problems the model and its base share. Non-base models without a base get an empty ``base_model``.
    """
    ks = sorted({int(k) for k in k_grid})
    base_of = dict(non_base_with_base(models))
    rows: list[dict[str, Any]] = []
    for bench in counts.benchmarks:
        entries = [
            m for m in models if m.get("role", "other") != "base" and counts.get(str(m["name"]), bench) is not None
        ]
        names = {str(m["name"]) for m in entries} | {
            base_of[str(m["name"])] for m in entries if str(m["name"]) in base_of
        }
        km = _common_k_max([counts.get(n, bench) for n in sorted(names)], ks)
        for m in entries:
            name = str(m["name"])
            g = counts.get(name, bench)
            assert g is not None
            row: dict[str, Any] = dict(
                benchmark=bench,
                model=name,
                role=str(m.get("role", "other")),
                base_model=base_of.get(name, ""),
                n_problems=int(g.n.size),
                pass_at_1=float((g.c / g.n).mean()),
                pass_at_kmax=float(_pass_at(g, km).mean()),
                k_max=km,
            )
            b = counts.get(base_of[name], bench) if name in base_of else None
            if b is not None:
                row.update(_versus_base(g, b, ks, km, n_boot, ci, seed))
            rows.append(row)
    return frame(rows, ALGORITHM_COLUMNS, ints={"n_problems", "k_max", "crossover_k"}, strings=_STRINGS)


def _versus_base(
    g: Counts, b: Counts, ks: list[int], km: int | None, n_boot: int, ci: float, seed: int
) -> dict[str, Any]:
    """Base numbers, ΔSE with a paired CI, and the crossover k, on the problems both share."""
    common, gm, gb = shared(g, b)
    if common.size == 0:
        return {}
    out: dict[str, Any] = dict(
        base_pass_at_1=float((b.c / b.n).mean()), base_pass_at_kmax=float(_pass_at(b, km).mean())
    )
    if km is not None:
        d, lo, hi = paired_bootstrap_diff(_pass_at(gb, km), gm.c / gm.n, n_boot, ci, seed)
        out.update(delta_se=float(d[0]), delta_se_ci_low=float(lo[0]), delta_se_ci_high=float(hi[0]))
    fit = [k for k in ks if k <= min(int(gm.n.min()), int(gb.n.min()))]
    if fit:
        mean_m = pass_at_k_matrix(gm.n, gm.c, fit).mean(axis=0)
        mean_b = pass_at_k_matrix(gb.n, gb.c, fit).mean(axis=0)
        out["crossover_k"] = crossing_k(fit, mean_m, mean_b)
    return out


def crossing_k(ks: Sequence[int], model: np.ndarray, base: np.ndarray) -> int | None:
    """First k at which the order of the two curves differs from their order at the first k.

    Model ahead at the first k: the first k where the base reaches it (base >= model; the RL
    curve "crosses its base" there). Base ahead or level at the first k: the first k where the
    model gets strictly ahead. None when the order never changes: a base that leads at every k
    has no crossing (reporting its first k as one would misread as "RL led, then lost").
    """
    model_leads = model > base + _TIE_TOL
    flipped = ~model_leads if model_leads[0] else model_leads
    return int(ks[int(np.argmax(flipped))]) if flipped.any() else None
