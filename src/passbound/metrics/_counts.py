"""Per-problem sample and pass counts, the input every boundary analysis starts from.

The solvable-set analyses (overlap, support, accuracy histograms, series) only need, for each
(model, benchmark, problem), how many samples were verified (n) and how many passed (c). One
pass over the verdicts table computes them all: columns are factorised once (hashing, in C),
rows become one int64 key, and ``np.bincount`` sums them; nothing loops per row in Python.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from passbound.errors import DataError
from passbound.types import STATUSES

REQUIRED = ("model", "benchmark", "problem_id", "status")
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Counts:
    """One (model, benchmark): problem codes (sorted, index into ``ProblemCounts.ids``), n, c."""

    problem: IntArray
    n: IntArray
    c: IntArray


@dataclass
class ProblemCounts:
    """All (model, benchmark) groups of a verdicts table; problem ids sorted as strings."""

    ids: npt.NDArray[np.object_]
    groups: dict[tuple[str, str], Counts] = field(default_factory=dict)

    @property
    def models(self) -> list[str]:
        return sorted({m for m, _ in self.groups})

    @property
    def benchmarks(self) -> list[str]:
        return sorted({b for _, b in self.groups})

    def get(self, model: str, benchmark: str) -> Counts | None:
        return self.groups.get((model, benchmark))


def _factorize(col: pd.Series, name: str, sort: bool) -> tuple[IntArray, pd.Index]:
    codes, uniques = pd.factorize(col, sort=sort, use_na_sentinel=True)
    if np.any(codes < 0):
        raise DataError(f"verdicts column {name!r} has missing values; every verdict row needs a {name}")
    return codes.astype(np.int64), pd.Index(uniques)


def natural_key(text: str) -> tuple[list[str | int], str]:
    """Sort key that orders "p2" before "p10" (digit runs compare as numbers)."""
    parts = re.split(r"(\d+)", text)  # text, digits, text, ...: same types at same positions
    return [int(p) if i % 2 else p for i, p in enumerate(parts)], text


def problem_counts(verdicts: pd.DataFrame) -> ProblemCounts:
    """Count samples (n) and passes (c) per (model, benchmark, problem) in one vectorised pass.

    Only ``status == "pass"`` counts as correct. Problem ids are compared as strings, so an id
    read as ``7`` in one table and ``"7"`` in another is the same problem; they are ordered
    naturally ("p2" before "p10"), which is the order every table lists them in.
    """
    missing = [c for c in REQUIRED if c not in verdicts.columns]
    if missing:
        raise DataError(f"verdicts table lacks column(s) {missing}; expected at least {list(REQUIRED)}")
    if len(verdicts) == 0:
        return ProblemCounts(ids=np.array([], dtype=object))
    model, model_names = _factorize(verdicts["model"], "model", sort=True)
    bench, bench_names = _factorize(verdicts["benchmark"], "benchmark", sort=True)
    raw, raw_ids = _factorize(verdicts["problem_id"], "problem_id", sort=False)
    status, status_names = _factorize(verdicts["status"], "status", sort=False)
    unknown = sorted(set(map(str, status_names)) - set(STATUSES))
    if unknown:
        raise DataError(f"verdicts have unknown status value(s) {unknown}; allowed: {', '.join(STATUSES)}")
    as_str = [str(u) for u in raw_ids]
    ids = sorted(set(as_str), key=natural_key)
    position = {s: i for i, s in enumerate(ids)}
    prob = np.array([position[s] for s in as_str], dtype=np.int64)[raw]
    passed = np.zeros(len(status_names), dtype=np.float64)
    passed[[i for i, s in enumerate(status_names) if s == "pass"]] = 1.0

    n_bench, n_prob = len(bench_names), len(ids)
    key = (model * n_bench + bench) * n_prob + prob
    size = len(model_names) * n_bench * n_prob
    if size <= max(10 * len(key), 10_000_000):
        n_all = np.bincount(key, minlength=size)
        c_all = np.bincount(key, weights=passed[status], minlength=size)
        keys = np.flatnonzero(n_all)
        n, c = n_all[keys], c_all[keys]
    else:  # very sparse key space: sort instead of a dense count array
        keys, inverse = np.unique(key, return_inverse=True)
        n = np.bincount(inverse)
        c = np.bincount(inverse, weights=passed[status])
    c = np.rint(c).astype(np.int64)
    mb = keys // n_prob
    bounds = np.flatnonzero(np.r_[True, mb[1:] != mb[:-1], True])
    out = ProblemCounts(ids=np.asarray(ids, dtype=object))
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        g = int(mb[lo])
        name = (str(model_names[g // n_bench]), str(bench_names[g % n_bench]))
        out.groups[name] = Counts(problem=keys[lo:hi] % n_prob, n=n[lo:hi].astype(np.int64), c=c[lo:hi])
    return out


def shared(a: Counts, b: Counts) -> tuple[IntArray, Counts, Counts]:
    """The problems both groups have samples for: (problem codes, a's counts, b's counts)."""
    common, ia, ib = np.intersect1d(a.problem, b.problem, assume_unique=True, return_indices=True)
    return (common, Counts(common, a.n[ia], a.c[ia]), Counts(common, b.n[ib], b.c[ib]))


def model_order(models: Sequence[dict[str, Any]], present: Iterable[str]) -> list[str]:
    """Models in the order the study lists them, then unlisted ones (sorted); only present ones."""
    present = set(present)
    listed = [str(m["name"]) for m in models if str(m["name"]) in present]
    return listed + sorted(present - set(listed))


def non_base_with_base(models: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """(model, base) for every listed model that is not a base and names a base, in list order."""
    return [(str(m["name"]), str(m["base"])) for m in models
            if m.get("role", "other") != "base" and m.get("base") not in (None, "")]


def k_max(ks: Sequence[int], n_min: int) -> int | None:
    """Largest k of the grid that every problem has samples for (None if none fits)."""
    fit = [k for k in ks if k <= n_min]
    return fit[-1] if fit else None


def frame(rows: list[dict[str, Any]], columns: Sequence[str], ints: Iterable[str] = (),
          bools: Iterable[str] = (), strings: Iterable[str] = ()) -> pd.DataFrame:
    """Rows -> DataFrame with exactly ``columns``; nullable Int64 so a missing k stays NA."""
    df = pd.DataFrame(rows, columns=list(columns))
    ints, bools, strings = set(ints), set(bools), set(strings)
    for col in df.columns:
        if col in ints:
            df[col] = pd.array([None if v is None or (isinstance(v, float) and np.isnan(v)) else int(v)
                                for v in df[col]], dtype="Int64")
        elif col in bools:
            df[col] = df[col].astype(bool)
        elif col in strings:
            df[col] = df[col].astype(object)
        else:
            df[col] = df[col].astype(np.float64)
    return df
