"""Solvable-set overlap between two models (Yue et al. 2025, §3.3 and Table 4).

A problem is *solvable* by a model when at least one of its n samples passed, i.e. pass@k at
k = n is positive. The study's central check is whether the RL model's solvable set is a
subset of its base model's: if so, RL re-weighted answers the base could already reach rather
than teaching it to solve new problems. Only problems both models have samples for count.

Pairs compared: each non-base model against its base (``relation = "base"``), and each pair
of non-base models that share a base, in the order the study lists them (``"sibling"``; e.g.
RL vs distilled from the same base, or two checkpoints of one run).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from passbound.metrics._counts import ProblemCounts, frame, non_base_with_base, shared

COLUMNS = ["benchmark", "model", "reference", "relation", "n_problems", "n_both", "n_model_only",
           "n_reference_only", "n_neither", "model_subset_of_reference", "model_only_ids",
           "reference_only_ids"]
_INTS = {"n_problems", "n_both", "n_model_only", "n_reference_only", "n_neither"}
_STRINGS = {"benchmark", "model", "reference", "relation", "model_only_ids", "reference_only_ids"}


def comparison_pairs(models: Sequence[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(model, reference, relation) pairs: model vs its base, then siblings sharing a base."""
    with_base = non_base_with_base(models)
    pairs = [(m, b, "base") for m, b in with_base]
    by_base: dict[str, list[str]] = {}
    for m, b in with_base:
        by_base.setdefault(b, []).append(m)
    for siblings in by_base.values():
        pairs += [(a, b, "sibling") for a, b in combinations(siblings, 2)]
    return pairs


def solvable_overlap(counts: ProblemCounts, models: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """The ``overlap`` table: per benchmark and pair, how the two solvable sets (k = n) relate.

    ``model_subset_of_reference`` is True when no problem is solved by the model alone (an
    empty solvable set is a subset of anything). Ids are joined with a space, sorted.
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
            rows.append(dict(
                benchmark=bench, model=model, reference=ref, relation=relation,
                n_problems=int(common.size), n_both=int(np.sum(sa & sb)), n_model_only=int(only_a.sum()),
                n_reference_only=int(only_b.sum()), n_neither=int(np.sum(~sa & ~sb)),
                model_subset_of_reference=not bool(only_a.any()),
                model_only_ids=" ".join(counts.ids[common[only_a]]),
                reference_only_ids=" ".join(counts.ids[common[only_b]]),
            ))
    return frame(rows, COLUMNS, ints=_INTS, bools={"model_subset_of_reference"}, strings=_STRINGS)
