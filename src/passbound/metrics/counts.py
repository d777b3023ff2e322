"""The counts kernel: a verdicts table (one row per completion) -> per (model, benchmark, problem)
counts, built once per analyse run and read by every analysis, the CoT drill-down and the metrics.

Per problem it holds the samples ``n`` and passes ``c`` (only ``status == "pass"`` passes), the
samples and passes of adaptive round one (``n_first``, ``c_first``: sample indices < ``first``),
and the answer groups: each sample's normalised answer as an id (``answers``, -1 = no answer) and
whether any sample with that answer passed (``answer_correct``), for maj@k and answer diversity.

Built for 10^7+ rows: columns are factorised once (hashing, in C), rows are sorted once by an
int64 key (model, benchmark, problem) and the rest is ``reduceat``/``bincount`` on integer codes;
Python loops run only over (model, benchmark) groups and unique answer strings.

Problem ids are compared as strings (an id read as ``7`` in one table and ``"7"`` in another is
one problem) and each group lists its problems in natural order ("p2" before "p10"), the order
every table shows them in. Two other orders are kept because bootstrap intervals resample
problems by position, so an analysis must see them in the order it always has: ``seen`` (where
the problem id first appears in the verdicts: the analyse stage's problem-list order) and
``first_row`` (where the (model, benchmark, problem) first appears).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from passbound.errors import DataError
from passbound.metrics.majority import normalise_answer
from passbound.types import STATUSES

REQUIRED = ("model", "benchmark", "problem_id", "status")  # "index" too with ``first``; "extracted" for answers
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
TABLE_COLUMNS = ("model", "benchmark", "problem_id", "n", "c", "n_first", "c_first", "rounds")
ANSWER_COLUMNS = ("n_answers", "n_correct_answers", "n_no_answer")  # in ``ProblemCounts.table`` with answers


def natural_key(text: str) -> tuple[list[str | int], str]:
    """Sort key that orders "p2" before "p10" (digit runs compare as numbers)."""
    parts = re.split(r"(\d+)", text)  # text, digits, text, ...: same types at same positions
    return [int(p) if i % 2 else p for i, p in enumerate(parts)], text


@dataclass(frozen=True)
class Counts:
    """Samples (n) and passes (c) per problem; ``problem`` codes index ``ProblemCounts.ids``."""

    problem: IntArray
    n: IntArray
    c: IntArray


@dataclass(frozen=True)
class Group(Counts):
    """Everything counted for one (model, benchmark), one entry (or matrix row) per problem."""

    model: str
    benchmark: str
    n_first: IntArray  # samples with index < first (adaptive round one); = n when the run is not adaptive
    c_first: IntArray  # passes among them
    seen: IntArray  # rank of the problem id's first appearance in the verdicts (problem-list order)
    first_row: IntArray  # verdict row where this (model, benchmark, problem) first appears
    status_counts: dict[str, int]
    answers: IntArray  # [P, max n] answer id of each sample in verdict-row order, -1 = no answer / no sample
    answer_correct: BoolArray  # [P, m] answer id -> some sample with that answer passed
    # (both [P, 0] when the kernel was built with answers=False)

    @property
    def rounds(self) -> IntArray:
        """Sampling rounds per problem: 2 where round two topped the problem up beyond round one."""
        return np.where(self.n > self.n_first, 2, 1).astype(np.int64)

    @property
    def n_answers(self) -> IntArray:
        """Distinct normalised answers per problem (answer ids are 0..m-1 within a problem)."""
        return (self.answers.max(axis=1, initial=-1) + 1).astype(np.int64)

    @property
    def n_correct_answers(self) -> IntArray:
        """Distinct normalised answers given by a passing sample, per problem."""
        return self.answer_correct.sum(axis=1).astype(np.int64)

    @property
    def n_no_answer(self) -> IntArray:
        """Samples with no extracted answer, per problem (padding beyond n is not a sample)."""
        return (self.n - (self.answers >= 0).sum(axis=1)).astype(np.int64)

    def answer_sizes(self) -> IntArray:
        """[P, m] how many samples gave each answer id (the answer groups' sizes)."""
        m = self.answer_correct.shape[1]
        rows, width = self.answers.shape
        col = np.where(self.answers >= 0, self.answers, m)
        flat = (np.arange(rows)[:, None] * (m + 1) + col).ravel()
        return np.bincount(flat, minlength=rows * (m + 1)).reshape(rows, m + 1)[:, :m].astype(np.int64)

    def ordered(self, by: Literal["seen", "first_row"]) -> Group:
        """The same group with its problems in problem-list order (``seen``) or first-row order."""
        order = np.argsort(self.seen if by == "seen" else self.first_row, kind="stable")
        return replace(
            self,
            problem=self.problem[order],
            n=self.n[order],
            c=self.c[order],
            n_first=self.n_first[order],
            c_first=self.c_first[order],
            seen=self.seen[order],
            first_row=self.first_row[order],
            answers=self.answers[order],
            answer_correct=self.answer_correct[order],
        )


@dataclass
class ProblemCounts:
    """Every (model, benchmark) group of a verdicts table, models then benchmarks sorted by name."""

    ids: npt.NDArray[np.object_]  # problem ids as strings, natural order; a Group's ``problem`` indexes it
    raw_ids: pd.Index = field(default_factory=lambda: pd.Index([], dtype=object))  # id as the verdicts spell it
    groups: dict[tuple[str, str], Group] = field(default_factory=dict)
    first: int | None = None  # round one's samples per problem when the run sampled adaptively
    answers: bool = True  # the groups hold answer groups (``build_counts(answers=True)``)

    @property
    def models(self) -> list[str]:
        return sorted({m for m, _ in self.groups})

    @property
    def benchmarks(self) -> list[str]:
        return sorted({b for _, b in self.groups})

    def get(self, model: str, benchmark: str) -> Group | None:
        return self.groups.get((model, benchmark))

    def table(self, order: Literal["sorted", "first_row"] = "sorted") -> pd.DataFrame:
        """One row per (model, benchmark, problem): ``TABLE_COLUMNS``. ``sorted``: by model,
        benchmark and problem id as the verdicts spell it; ``first_row``: in verdict-row order."""
        return self._sorted_table if order == "sorted" else self._row_table

    @cached_property
    def _row_table(self) -> pd.DataFrame:
        groups = list(self.groups.values())
        columns = TABLE_COLUMNS + (ANSWER_COLUMNS if self.answers else ())
        if not groups:
            return pd.DataFrame({c: pd.Series(dtype=object if c in columns[:3] else np.int64) for c in columns})
        cols: dict[str, list[npt.NDArray[np.generic]]] = {c: [] for c in columns}
        first_row = []
        for g in groups:
            size = g.problem.size
            cols["model"].append(np.full(size, g.model, dtype=object))
            cols["benchmark"].append(np.full(size, g.benchmark, dtype=object))
            cols["problem_id"].append(self.raw_ids.take(g.problem).to_numpy())
            for name in columns[3:]:
                cols[name].append(np.asarray(getattr(g, name), dtype=np.int64))
            first_row.append(g.first_row)
        df = pd.DataFrame({c: np.concatenate(v) for c, v in cols.items()})
        return df.iloc[np.argsort(np.concatenate(first_row), kind="stable")].reset_index(drop=True)

    @cached_property
    def _sorted_table(self) -> pd.DataFrame:
        return self._row_table.sort_values(["model", "benchmark", "problem_id"], kind="stable").reset_index(drop=True)


def _codes(col: pd.Series, name: str, sort: bool) -> tuple[IntArray, pd.Index]:
    codes, uniques = pd.factorize(col, sort=sort, use_na_sentinel=True)
    if np.any(codes < 0):
        raise DataError(f"verdicts column {name!r} has missing values; every verdict row needs a {name}")
    return codes.astype(np.int64), pd.Index(uniques)


def build_counts(verdicts: pd.DataFrame, first: int | None = None, *, answers: bool = True) -> ProblemCounts:
    """Count every (model, benchmark, problem) of ``verdicts`` in one vectorised pass.

    ``first``: the run sampled adaptively with ``first`` samples per problem in round one; round
    one's counts are those of sample indices < first. ``answers=False`` skips the answer groups
    (normalising every distinct answer string) for callers that need n and c alone.
    """
    need = REQUIRED + (("index",) if first is not None else ()) + (("extracted",) if answers else ())
    missing = [c for c in need if c not in verdicts.columns]
    if missing:
        raise DataError(f"verdicts table lacks column(s) {missing}; expected at least {list(need)}")
    if len(verdicts) == 0:
        return ProblemCounts(ids=np.array([], dtype=object), first=first, answers=answers)
    model, model_names = _codes(verdicts["model"], "model", sort=True)
    bench, bench_names = _codes(verdicts["benchmark"], "benchmark", sort=True)
    raw, raw_ids = _codes(verdicts["problem_id"], "problem_id", sort=False)  # raw code = first-appearance rank
    status_raw, status_names = _codes(verdicts["status"], "status", sort=False)
    unknown = sorted(set(map(str, status_names)) - set(STATUSES))
    if unknown:
        raise DataError(f"verdicts have unknown status value(s) {unknown}; allowed: {', '.join(STATUSES)}")
    status = np.array([STATUSES.index(s) for s in status_names], dtype=np.int64)[status_raw]
    as_str = [str(u) for u in raw_ids]
    ids = sorted(set(as_str), key=natural_key)
    position = {s: i for i, s in enumerate(ids)}
    code_of_raw = np.array([position[s] for s in as_str], dtype=np.int64)
    seen_of_code = np.full(len(ids), len(as_str), dtype=np.int64)
    np.minimum.at(seen_of_code, code_of_raw, np.arange(len(as_str), dtype=np.int64))

    n_bench, n_prob = len(bench_names), len(ids)
    key = (model * n_bench + bench) * n_prob + code_of_raw[raw]
    order = np.argsort(key, kind="stable")  # stable: rows of a problem keep their verdict order
    skey = key[order]
    new = np.empty(skey.size, dtype=bool)
    new[0], new[1:] = True, skey[1:] != skey[:-1]
    starts = np.flatnonzero(new)
    gid = np.cumsum(new) - 1  # problem-group id of each sorted row
    n = np.diff(np.append(starts, skey.size))
    passed = status[order] == 0
    c = np.add.reduceat(passed.astype(np.int64), starts)
    if first is None:
        n_first, c_first = n, c
    else:
        early = verdicts["index"].to_numpy(dtype=np.int64)[order] < first
        n_first = np.add.reduceat(early.astype(np.int64), starts)
        c_first = np.add.reduceat((passed & early).astype(np.int64), starts)
    g_mb, g_prob = skey[starts] // n_prob, skey[starts] % n_prob
    mb_status = np.bincount(g_mb[gid] * len(STATUSES) + status[order], minlength=(g_mb.max() + 1) * len(STATUSES))
    if answers:
        local, correct_flat, pair_start, pair_group = _answer_ids(
            verdicts["extracted"], order, gid, passed, len(starts)
        )
        pos = np.arange(skey.size) - starts[gid]

    out = ProblemCounts(
        ids=np.asarray(ids, dtype=object), raw_ids=raw_ids.take(seen_of_code), first=first, answers=answers
    )
    mb_bounds = np.flatnonzero(np.r_[True, g_mb[1:] != g_mb[:-1], True])
    for g0, g1 in zip(mb_bounds[:-1], mb_bounds[1:], strict=True):
        mb = int(g_mb[g0])
        table, correct = np.zeros((g1 - g0, 0), dtype=np.int64), np.zeros((g1 - g0, 0), dtype=bool)
        if answers:
            r0, r1 = starts[g0], (starts[g1] if g1 < len(starts) else skey.size)
            table = np.full((g1 - g0, int(n[g0:g1].max())), -1, dtype=np.int64)
            table[gid[r0:r1] - g0, pos[r0:r1]] = local[r0:r1]
            # correct[p, a]: pairs are sorted by group, answer ids within a group are 0..m-1.
            p0, p1 = np.searchsorted(pair_group, [g0, g1])
            correct = np.zeros((g1 - g0, max(int(local[r0:r1].max(initial=-1)) + 1, 1)), dtype=bool)
            pg = pair_group[p0:p1]
            correct[pg - g0, np.arange(p0, p1) - pair_start[pg]] = correct_flat[p0:p1]
        counts = mb_status[mb * len(STATUSES) : (mb + 1) * len(STATUSES)]
        name = (str(model_names[mb // n_bench]), str(bench_names[mb % n_bench]))
        out.groups[name] = Group(
            problem=g_prob[g0:g1],
            n=n[g0:g1],
            c=c[g0:g1],
            model=name[0],
            benchmark=name[1],
            n_first=n_first[g0:g1],
            c_first=c_first[g0:g1],
            seen=seen_of_code[g_prob[g0:g1]],
            first_row=order[starts[g0:g1]].astype(np.int64),
            status_counts={s: int(v) for s, v in zip(STATUSES, counts, strict=True)},
            answers=table,
            answer_correct=correct,
        )
    return out


def _answer_ids(
    extracted: pd.Series,
    order: IntArray,
    gid: IntArray,
    passed: BoolArray,
    n_groups: int,
) -> tuple[IntArray, BoolArray, IntArray, IntArray]:
    """Per sorted row: answer id within its problem (-1 = none). Also, per (problem, answer)
    pair sorted by problem: whether it is correct, where its problem's pairs start, its problem.

    Only unique raw strings are normalised in Python; rows are mapped through integer codes.
    """
    raw_codes, raw_uniques = pd.factorize(extracted, use_na_sentinel=True)
    norm = pd.Series([normalise_answer(u) for u in raw_uniques], dtype=object)
    norm_codes, norm_uniques = pd.factorize(norm, use_na_sentinel=True)
    norm_of_row = np.where(raw_codes >= 0, norm_codes[np.maximum(raw_codes, 0)] if len(norm_codes) else -1, -1)
    norm_of_row = norm_of_row[order].astype(np.int64)
    valid = norm_of_row >= 0
    n_norm = max(len(norm_uniques), 1)
    pair_key = np.where(valid, gid * n_norm + norm_of_row, -1)
    pair_ids, pair_keys = pd.factorize(pair_key[valid], sort=True)  # sorted => grouped by problem
    pair_keys = np.asarray(pair_keys, dtype=np.int64)
    pair_group = pair_keys // n_norm
    pair_start = np.searchsorted(pair_group, np.arange(n_groups))  # first pair of each problem
    local_valid = np.arange(len(pair_keys))[pair_ids] - pair_start[pair_group[pair_ids]]
    local = np.full(gid.size, -1, dtype=np.int64)
    local[valid] = local_valid
    correct = np.bincount(pair_ids, weights=passed[valid], minlength=len(pair_keys)) > 0
    return local, correct, pair_start, pair_group


def shared(a: Counts, b: Counts) -> tuple[IntArray, Counts, Counts]:
    """The problems both groups have samples for: (problem codes, a's counts, b's counts)."""
    common, ia, ib = np.intersect1d(a.problem, b.problem, assume_unique=True, return_indices=True)
    return (common, Counts(common, a.n[ia], a.c[ia]), Counts(common, b.n[ib], b.c[ib]))
