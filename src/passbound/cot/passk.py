"""CoT-pass@k: pass@k counting only samples with a correct answer *and* valid reasoning.

Yue et al. (2025) ask whether a model's large-k coverage is real reasoning or lucky answers;
CoT-pass@k recomputes the unbiased estimator with c = samples whose verdict is ``pass`` and whose
reasoning was judged valid. A human verdict (annotations/human.jsonl) overrides the LLM judge's.
A correct sample with no verdict, or with an ``unknown`` one, does not count as valid, so when
``judged_fraction`` (share of correct samples with a valid/invalid verdict) is below 1 the value
is a lower bound. The estimator and the bootstrap are passbound's own (metrics.passk, metrics.bootstrap).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from passbound.metrics._counts import frame, model_order
from passbound.metrics.bootstrap import bootstrap_ci
from passbound.metrics.counts import build_counts
from passbound.metrics.passk import pass_at_k_matrix
from passbound.store import RunDir
from passbound.types import ModelRecord

COLUMNS = [
    "model",
    "role",
    "benchmark",
    "k",
    "cot_pass_at_k",
    "ci_low",
    "ci_high",
    "n_problems",
    "n_samples",
    "judged_fraction",
]
KEY = ["model", "benchmark", "problem_id", "index"]


def effective_verdicts(judgments: pd.DataFrame, human: pd.DataFrame) -> pd.DataFrame:
    """One reasoning verdict per sample key (columns KEY + ``reasoning``): human first, else the judge."""
    parts = []
    if len(human):
        parts.append(human[KEY].assign(reasoning=human["verdict"].to_numpy(), _rank=0))
    if len(judgments):
        parts.append(judgments[KEY].assign(reasoning=judgments["judgment"].to_numpy(), _rank=1))
    if not parts:
        return pd.DataFrame(columns=[*KEY, "reasoning"])
    both = pd.concat(parts, ignore_index=True)
    both["problem_id"] = both["problem_id"].astype(str)
    both["index"] = both["index"].astype("int64")
    both = both.sort_values("_rank", kind="stable").drop_duplicates(KEY, keep="first")
    return both.drop(columns="_rank")


def cot_passk(
    verdicts: pd.DataFrame,
    judgments: pd.DataFrame,
    human: pd.DataFrame,
    models: Sequence[ModelRecord],
    k_grid: Sequence[int],
    *,
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """The cot_passk table for every (model, benchmark) whose model has at least one reasoning verdict."""
    ks = sorted({int(k) for k in k_grid})
    reasoning = effective_verdicts(judgments, human)
    v = verdicts[[*KEY, "status"]].copy()
    v["problem_id"], v["index"] = v["problem_id"].astype(str), v["index"].astype("int64")
    v = v.merge(reasoning, on=KEY, how="left")
    correct = v["status"].eq("pass").to_numpy()
    valid = v["reasoning"].eq("valid").to_numpy()
    v["status"] = np.where(correct & valid, "pass", "fail")
    v["_correct"], v["_judged"] = correct, correct & v["reasoning"].isin(["valid", "invalid"]).to_numpy()
    judged_models = set(reasoning["model"])
    counts = build_counts(v, answers=False)
    coverage = v.groupby(["model", "benchmark"])[["_correct", "_judged"]].sum()
    meta = {str(m["name"]): m for m in models}
    order = model_order(models, counts.models)
    rows = []
    for model, bench in sorted(counts.groups, key=lambda mb: (order.index(mb[0]), mb[1])):
        if model not in judged_models:
            continue
        g = counts.groups[(model, bench)]
        per_problem = pass_at_k_matrix(g.n, g.c, ks)
        mean = per_problem.mean(axis=0)
        low, high = bootstrap_ci(per_problem, n_boot, ci, seed)
        n_correct, n_judged = coverage.loc[(model, bench)]
        fraction = float(n_judged / n_correct) if n_correct else 1.0  # nothing correct: nothing to judge
        for i, k in enumerate(ks):
            rows.append(
                dict(
                    model=model,
                    role=(meta.get(model) or ModelRecord(name=model)).get("role", "other"),
                    benchmark=bench,
                    k=k,
                    cot_pass_at_k=mean[i],
                    ci_low=low[i],
                    ci_high=high[i],
                    n_problems=g.n.size,
                    n_samples=int(g.n.min()),
                    judged_fraction=fraction,
                )
            )
    return frame(rows, COLUMNS, ints=("k", "n_problems", "n_samples"), strings=("model", "role", "benchmark"))


def cot_passk_for_run(
    run: RunDir, verdicts: pd.DataFrame, models: Sequence[ModelRecord], k_grid: Sequence[int], **options: Any
) -> pd.DataFrame | None:
    """cot_passk for the analyse stage, or None when the run has no judgment and no human verdict."""
    from passbound.cot.annotations import read_all
    from passbound.cot.judge import has_cot_data, read_judgments

    if not has_cot_data(run):
        return None
    human = pd.DataFrame(read_all(run), columns=[*KEY, "verdict"])
    human = human[human["verdict"].isin(["valid", "invalid"])]
    latest = human.drop_duplicates(KEY, keep="last")  # the last line for a sample wins
    return cot_passk(verdicts, read_judgments(run), latest, models, k_grid, **options)
