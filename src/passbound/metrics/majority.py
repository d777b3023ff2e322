"""maj@k: is the most common answer among k samples correct? (self-consistency, Wang et al. 2023)

Answers are compared as normalised strings (``normalise_answer``); a sample with no extracted
answer never votes, so it can never win. An answer counts as correct when any sample that gave
it passed the verifier (verifiers are deterministic per (problem, answer), so in practice all
of its samples agree).

Estimator (``maj_at_k_matrix``): with n samples per problem, maj@k is the expectation over a
uniformly random k-subset of "the plurality answer of the subset is correct", with ties between
equally frequent answers broken uniformly at random. It is computed

- exactly for k = 1 (the share of samples whose answer is correct),
- exactly for k = n (one subset; a tie of t answers of which r are correct scores r / t),
- otherwise by seeded Monte-Carlo: ``draws`` random permutations per problem, whose first k
  entries are uniform random k-subsets for every k at once (nested prefixes), ties broken by
  an independent uniform priority per (draw, answer). Standard error <= 0.5/sqrt(draws) per
  problem, and shrinks further when averaged over problems.

NaN where k > n. ``majority_vote`` (one list of answers) breaks ties by first appearance.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

_MAX_CELLS = 4_000_000  # elements per Monte-Carlo work array (bounds memory per chunk)


def normalise_answer(answer: str | None) -> str | None:
    """The voting key of an extracted answer: None (no vote) for a missing, NaN or empty answer,
    else :func:`passbound.verify.math.normalize_answer` (spacing, ``\\dfrac``/``\\left`` spellings,
    surrounding ``$`` and a final period), so answers the math verifier treats as one spelling vote
    together. Deliberately one key for every benchmark, whatever its verifier: choice letters and
    programs are grouped by this math spelling too, which is what maj@k and diversity have always
    measured. It only groups votes; whether an answer is correct is the verdict's ``status``."""
    if answer is None or (isinstance(answer, float) and np.isnan(answer)):
        return None
    from passbound.verify.math import normalize_answer

    return normalize_answer(str(answer)) or None


def majority_vote(answers: Sequence[str | None]) -> str | None:
    """The most frequent normalised answer; ties go to the one that appears first. None if no
    sample has an answer. (Shuffle the list first if you want a random tie-break.)"""
    norm = [a for a in (normalise_answer(x) for x in answers) if a is not None]
    if not norm:
        return None
    counts = Counter(norm)
    top = max(counts.values())
    return next(a for a in norm if counts[a] == top)


def maj_at_k(
    answers: Sequence[str | None],
    passed: Sequence[bool],
    ks: int | Sequence[int],
    *,
    draws: int = 1000,
    seed: int = 0,
) -> float | npt.NDArray[np.float64]:
    """Expected maj@k for one problem from its n samples' answers and pass flags (see module
    docstring for the estimator). Returns a float for a scalar k, else an array over ``ks``."""
    if len(answers) != len(passed):
        raise ValueError(f"answers and passed must have the same length, got {len(answers)} and {len(passed)}")
    norm = pd.Series([normalise_answer(a) for a in answers], dtype=object)
    codes, uniques = pd.factorize(norm, use_na_sentinel=True)
    ok = np.asarray(passed, dtype=bool)
    correct = np.zeros((1, max(len(uniques), 1)), dtype=bool)
    valid = codes >= 0
    correct[0, codes[valid & ok]] = True
    k_list = [int(k) for k in np.atleast_1d(ks)]
    out = maj_at_k_matrix(codes[None, :], np.array([len(codes)]), correct, k_list, draws=draws, seed=seed)[0]
    return float(out[0]) if np.isscalar(ks) else out


def maj_at_k_matrix(
    codes: npt.NDArray[np.integer],
    n_samples: npt.NDArray[np.integer],
    correct: npt.NDArray[np.bool_],
    ks: Sequence[int],
    *,
    draws: int = 64,
    seed: int | np.random.Generator = 0,
) -> npt.NDArray[np.float64]:
    """maj@k for P problems at every k in ``ks``: returns [P, len(ks)].

    ``codes[p, i]`` is the answer id (0..m-1) of sample i of problem p, or -1 for no answer;
    only the first ``n_samples[p]`` entries of row p are used. ``correct[p, a]`` says whether
    answer a of problem p is correct.
    """
    codes = np.asarray(codes, dtype=np.int64)
    n_arr = np.asarray(n_samples, dtype=np.int64)
    correct = np.asarray(correct, dtype=bool)
    k_arr = np.asarray(list(ks), dtype=np.int64)
    if np.any(k_arr < 1):
        raise ValueError("every k must be >= 1")
    if draws < 1:
        raise ValueError(f"draws must be >= 1, got {draws}")
    n_prob, width = codes.shape
    out = np.full((n_prob, k_arr.size), np.nan)
    if n_prob == 0 or k_arr.size == 0:
        return out
    in_range = np.arange(width)[None, :] < n_arr[:, None]
    codes = np.where(in_range, codes, -1)
    m = max(correct.shape[1], int(codes.max(initial=-1)) + 1, 1)
    if correct.shape[1] < m:
        correct = np.pad(correct, ((0, 0), (0, m - correct.shape[1])))

    mc_ks = sorted({int(k) for k in k_arr if 1 < k < n_arr.max()})
    if mc_ks:
        mc = _monte_carlo(codes, n_arr, correct, mc_ks, draws, np.random.default_rng(seed))
        for i, k in enumerate(k_arr):
            if k in mc_ks:
                out[:, i] = mc[:, mc_ks.index(int(k))]

    # Exact cases, overwriting Monte-Carlo where they apply.
    rows = np.arange(n_prob)[:, None]
    sample_ok = (codes >= 0) & correct[rows, np.maximum(codes, 0)]
    with np.errstate(invalid="ignore", divide="ignore"):
        exact_1 = sample_ok.sum(axis=1) / n_arr
    full_counts = _count_rows(codes, m)
    top = full_counts.max(axis=1, keepdims=True)
    tied = (full_counts == top) & (top > 0)
    with np.errstate(invalid="ignore"):
        exact_n = np.where(top[:, 0] > 0, (tied & correct[:, :m]).sum(axis=1) / np.maximum(tied.sum(axis=1), 1), 0.0)
    for i, k in enumerate(k_arr):
        out[:, i] = np.where(k == n_arr, exact_n, out[:, i])
        if k == 1:
            out[:, i] = exact_1
        out[k > n_arr, i] = np.nan
    return out


def _count_rows(codes: npt.NDArray[np.integer], m: int) -> npt.NDArray[np.int64]:
    """Per-row counts of answer ids 0..m-1 (no-answer entries, -1, are dropped)."""
    rows, width = codes.shape
    col = np.where(codes >= 0, codes, m)
    flat = (np.arange(rows)[:, None] * (m + 1) + col).ravel()
    return np.bincount(flat, minlength=rows * (m + 1)).reshape(rows, m + 1)[:, :m]


def _monte_carlo(
    codes: npt.NDArray[np.integer],
    n_arr: npt.NDArray[np.int64],
    correct: npt.NDArray[np.bool_],
    ks: list[int],
    draws: int,
    rng: np.random.Generator,
) -> npt.NDArray[np.float64]:
    """Monte-Carlo maj@k for 1 < k < n (see module docstring); returns [P, len(ks)].

    Problems are processed in chunks of equal n (so each row is shuffled in place with
    ``Generator.permuted``, no gather) and similar answer counts (so vote arrays stay narrow).
    """
    out = np.full((codes.shape[0], len(ks)), np.nan)
    n_answers = codes.max(axis=1) + 1  # answers actually present per problem
    for n_val in np.unique(n_arr):
        use = [j for j, k in enumerate(ks) if k < n_val]
        if not use:
            continue
        same_n = np.flatnonzero(n_arr == n_val)
        same_n = same_n[np.argsort(n_answers[same_n], kind="stable")]
        chunk = max(1, _MAX_CELLS // (draws * max(int(n_val), int(n_answers[same_n].max()) + 1)))
        for start in range(0, same_n.size, chunk):
            idx = same_n[start : start + chunk]
            out[np.ix_(idx, np.asarray(use, dtype=np.intp))] = _monte_carlo_chunk(
                codes[idx, :n_val], correct[idx], [ks[j] for j in use], draws, rng
            )
    return out


def _monte_carlo_chunk(
    codes: npt.NDArray[np.integer],
    correct: npt.NDArray[np.bool_],
    ks: list[int],
    draws: int,
    rng: np.random.Generator,
) -> npt.NDArray[np.float64]:
    """Problems with the same n: one shuffle per draw, then votes over nested prefixes."""
    p = codes.shape[0]
    m = max(int(codes.max(initial=-1)) + 1, 1)
    ok = correct[:, :m]
    rows = p * draws
    # Shuffled answer ids per draw; no-answer (-1) goes to a spare column m that never wins.
    sampled = rng.permuted(np.repeat(np.where(codes >= 0, codes, m), draws, axis=0), axis=1)
    base = (np.arange(rows, dtype=np.int64) * (m + 1))[:, None]
    counts = np.zeros(rows * (m + 1), dtype=np.int64)
    priority = rng.random((rows, m))  # uniform tie-break among equally frequent answers
    problem_of_row = np.repeat(np.arange(p), draws)
    out = np.empty((p, len(ks)))
    done = 0
    for j, k in enumerate(ks):
        counts += np.bincount((base + sampled[:, done:k]).ravel(), minlength=rows * (m + 1))
        done = k
        votes = counts.reshape(rows, m + 1)[:, :m]
        winner = np.argmax(votes + priority, axis=1)
        hit = (votes.max(axis=1) > 0) & ok[problem_of_row, winner]
        out[:, j] = hit.reshape(p, draws).mean(axis=1)
    return out
