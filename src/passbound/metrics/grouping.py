"""Turn a verdicts table (one row per completion) into per-(model, benchmark) arrays.

Built for 10^7+ rows: every column is factorised once (hashing, in C), rows are sorted once by
an int64 key (model, benchmark, problem), and everything after that is bincount/reduceat on
integer codes. Python loops run only over (model, benchmark) groups and unique answer strings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from passbound.errors import DataError
from passbound.metrics.majority import normalise_answer
from passbound.types import STATUSES

VERDICT_COLUMNS = ("model", "benchmark", "problem_id", "index", "status", "extracted")


@dataclass
class Group:
    """All verdicts of one model on one benchmark, per problem (problems sorted by id code)."""

    model: str
    benchmark: str
    problem: npt.NDArray[np.int64]  # global problem-id codes (match across models)
    n: npt.NDArray[np.int64]  # samples per problem
    c: npt.NDArray[np.int64]  # passes per problem
    status_counts: dict[str, int]
    answers: npt.NDArray[np.int64]  # [P, max n] answer id per sample, -1 = no answer
    answer_correct: npt.NDArray[np.bool_]  # [P, m] answer id -> any sample with it passed
    c_first: npt.NDArray[np.int64] | None = None  # passes among sample indices < first (adaptive round one)


def _codes(col: pd.Series, name: str, sort: bool) -> tuple[npt.NDArray[np.int64], pd.Index]:
    codes, uniques = pd.factorize(col, sort=sort, use_na_sentinel=True)
    if np.any(codes < 0):
        raise DataError(f"verdicts column {name!r} has missing values; every verdict row needs a {name}")
    return codes.astype(np.int64), pd.Index(uniques)


def iter_groups(df: pd.DataFrame, first: int | None = None) -> Iterator[Group]:
    """Yield one Group per (model, benchmark) present in ``df``, ordered by model then benchmark.

    ``first``: also count each problem's passes among sample indices < first (``Group.c_first``)."""
    missing = [c for c in VERDICT_COLUMNS if c not in df.columns]
    if missing:
        raise DataError(f"verdicts table lacks column(s) {missing}; expected at least {list(VERDICT_COLUMNS)}")
    if len(df) == 0:
        return
    model, model_names = _codes(df["model"], "model", sort=True)
    bench, bench_names = _codes(df["benchmark"], "benchmark", sort=True)
    prob, _ = _codes(df["problem_id"], "problem_id", sort=False)
    status_raw, status_names = _codes(df["status"], "status", sort=False)
    unknown = sorted(set(map(str, status_names)) - set(STATUSES))
    if unknown:
        raise DataError(f"verdicts have unknown status value(s) {unknown}; allowed: {', '.join(STATUSES)}")
    status = np.array([STATUSES.index(s) for s in status_names], dtype=np.int64)[status_raw]

    n_bench, n_prob = len(bench_names), int(prob.max()) + 1
    key = (model * n_bench + bench) * n_prob + prob
    order = np.argsort(key, kind="stable")
    skey = key[order]
    new = np.empty(skey.size, dtype=bool)
    new[0], new[1:] = True, skey[1:] != skey[:-1]
    starts = np.flatnonzero(new)
    gid = np.cumsum(new) - 1  # problem-group id of each sorted row
    n = np.diff(np.append(starts, skey.size))
    passed = status[order] == 0
    c = np.add.reduceat(passed.astype(np.int64), starts)
    c_first = None
    if first is not None:
        early = df["index"].to_numpy(dtype=np.int64)[order] < first
        c_first = np.add.reduceat((passed & early).astype(np.int64), starts)
    pos = np.arange(skey.size) - starts[gid]
    g_mb = skey[starts] // n_prob
    g_prob = skey[starts] % n_prob
    mb_status = np.bincount(g_mb[gid] * len(STATUSES) + status[order], minlength=(g_mb.max() + 1) * len(STATUSES))
    local, correct_flat, pair_start, pair_group = _answer_ids(df["extracted"], order, gid, passed, len(starts))

    mb_bounds = np.flatnonzero(np.r_[True, g_mb[1:] != g_mb[:-1], True])
    for g0, g1 in zip(mb_bounds[:-1], mb_bounds[1:]):
        mb = int(g_mb[g0])
        r0, r1 = starts[g0], (starts[g1] if g1 < len(starts) else skey.size)
        width = int(n[g0:g1].max())
        answers = np.full((g1 - g0, width), -1, dtype=np.int64)
        answers[gid[r0:r1] - g0, pos[r0:r1]] = local[r0:r1]
        # correct[p, a]: pairs are sorted by group, answer ids within a group are 0..m-1.
        p0, p1 = np.searchsorted(pair_group, [g0, g1])
        m = max(int(local[r0:r1].max(initial=-1)) + 1, 1)
        correct = np.zeros((g1 - g0, m), dtype=bool)
        pg = pair_group[p0:p1]
        correct[pg - g0, np.arange(p0, p1) - pair_start[pg]] = correct_flat[p0:p1]
        counts = mb_status[mb * len(STATUSES) : (mb + 1) * len(STATUSES)]
        yield Group(
            model=str(model_names[mb // n_bench]),
            benchmark=str(bench_names[mb % n_bench]),
            problem=g_prob[g0:g1],
            n=n[g0:g1],
            c=c[g0:g1],
            status_counts={s: int(v) for s, v in zip(STATUSES, counts)},
            answers=answers,
            answer_correct=correct,
            c_first=None if c_first is None else c_first[g0:g1],
        )


def _answer_ids(
    extracted: pd.Series,
    order: npt.NDArray[np.int64],
    gid: npt.NDArray[np.int64],
    passed: npt.NDArray[np.bool_],
    n_groups: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
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
