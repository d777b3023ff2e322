"""Solvable-set overlap between two models (Yue et al. 2025, §3.3 and Table 4).

A problem is *solvable* by a model when at least one of its n samples passed, i.e. pass@k at
k = n is positive. The study's central check is whether the RL model's solvable set is a
subset of its base model's: if so, RL re-weighted answers the base could already reach rather
than teaching it to solve new problems. Only problems both models have samples for count.

Pairs compared: every two models of the study (the issue asks for "any two models"). First each
non-base model against its base (``relation = "base"``), then each pair of non-base models that
share a base (``"sibling"``; e.g. RL vs distilled from the same base, or two checkpoints of one
run), then every remaining pair (``"other"``: two base models, or models of different families),
in the order the study lists them. In an ``"other"`` pair with one base model, the base is the
reference; otherwise the model listed first is. Both subset flags are given, so a pair answers
"model ⊆ reference?" and "reference ⊆ model?" without a second row.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from passbound.metrics._counts import frame, non_base_with_base
from passbound.metrics.counts import ProblemCounts, shared
from passbound.types import ModelRecord

COLUMNS = [
    "benchmark",
    "model",
    "reference",
    "relation",
    "n_problems",
    "n_both",
    "n_model_only",
    "n_reference_only",
    "n_neither",
    "model_subset_of_reference",
    "model_only_ids",
    "reference_only_ids",
    "reference_subset_of_model",
]
_INTS = {"n_problems", "n_both", "n_model_only", "n_reference_only", "n_neither"}
_STRINGS = {"benchmark", "model", "reference", "relation", "model_only_ids", "reference_only_ids"}


def comparison_pairs(models: Sequence[ModelRecord]) -> list[tuple[str, str, str]]:
    """(model, reference, relation) for every two listed models, each pair once: model vs its
    base, then siblings sharing a base, then all other pairs."""
    with_base = non_base_with_base(models)
    pairs = [(m, b, "base") for m, b in with_base]
    by_base: dict[str, list[str]] = {}
    for m, b in with_base:
        by_base.setdefault(b, []).append(m)
    for siblings in by_base.values():
        pairs += [(a, b, "sibling") for a, b in combinations(siblings, 2)]
    seen = {frozenset((a, b)) for a, b, _ in pairs}
    role = {str(m["name"]): m.get("role", "other") for m in models}
    for a, b in combinations(list(role), 2):
        if a == b or frozenset((a, b)) in seen:
            continue
        if role[a] == "base" and role[b] != "base":
            a, b = b, a  # the trained model is compared against the base, never the reverse
        pairs.append((a, b, "other"))
    return pairs


def solvable_overlap(counts: ProblemCounts, models: Sequence[ModelRecord]) -> pd.DataFrame:
    """The ``overlap`` table: per benchmark and pair, how the two solvable sets (k = n) relate.

    ``model_subset_of_reference`` is True when no problem is solved by the model alone (an
    empty solvable set is a subset of anything); ``reference_subset_of_model`` the other way. Ids are joined with a space, sorted.
    """
    rows: list[dict[str, Any]] = []
    pairs = comparison_pairs(models)
    for bench in counts.benchmarks:
        for model, ref, relation in pairs:
            a, b = counts.get(model, bench), counts.get(ref, bench)
            if a is None or b is None:
                continue
            common, ca, cb = shared(a, b)
            if common.size == 0:
                continue
            sa, sb = ca.c > 0, cb.c > 0
            only_a, only_b = sa & ~sb, sb & ~sa
            rows.append(
                dict(
                    benchmark=bench,
                    model=model,
                    reference=ref,
                    relation=relation,
                    n_problems=int(common.size),
                    n_both=int(np.sum(sa & sb)),
                    n_model_only=int(only_a.sum()),
                    n_reference_only=int(only_b.sum()),
                    n_neither=int(np.sum(~sa & ~sb)),
                    model_subset_of_reference=not bool(only_a.any()),
                    model_only_ids=" ".join(counts.ids[common[only_a]]),
                    reference_only_ids=" ".join(counts.ids[common[only_b]]),
                    reference_subset_of_model=not bool(only_b.any()),
                )
            )
    return frame(
        rows, COLUMNS, ints=_INTS, bools={"model_subset_of_reference", "reference_subset_of_model"}, strings=_STRINGS
    )
