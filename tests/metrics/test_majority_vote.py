"""maj@k: a hand-computed case, exact brute force over subsets, ties and missing answers."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pytest

from passbound.metrics import maj_at_k, maj_at_k_matrix, majority_vote, normalise_answer


def brute_force_maj(answers: list[str | None], passed: list[bool], k: int) -> float:
    """Average over all k-subsets; a tie among t answers of which r are correct scores r/t."""
    correct = {a for a, p in zip(answers, passed) if p and a is not None}
    scores = []
    for subset in itertools.combinations(range(len(answers)), k):
        votes = Counter(answers[i] for i in subset if answers[i] is not None)
        if not votes:
            scores.append(0.0)
            continue
        top = max(votes.values())
        tied = [a for a, v in votes.items() if v == top]
        scores.append(sum(a in correct for a in tied) / len(tied))
    return float(np.mean(scores))


def test_normalise_and_vote() -> None:
    assert normalise_answer(" \\frac{1}{2} ") == normalise_answer("\\frac{1} {2}") == "\\frac{1}{2}"
    assert normalise_answer("$5$.") == "5"
    assert normalise_answer("  ") is None and normalise_answer(None) is None
    assert majority_vote(["3", "4", " 4", "3 ", None, None, None]) == "3"  # tie: first seen wins
    assert majority_vote([None, None, "7"]) == "7"  # missing answers never win
    assert majority_vote([None, ""]) is None


def test_hand_computed_case() -> None:
    """answers 7,7,7,3,3,- with 7 correct. maj@2 over the 15 pairs: {7,7} x3 -> 1, {7,3} x6
    -> tie 1/2, {7,-} x3 -> 1, {3,3} -> 0, {3,-} x2 -> 0: (3 + 3 + 3) / 15 = 0.6."""
    answers = ["7", "7", "7", "3", "3", None]
    passed = [True, True, True, False, False, False]
    got = maj_at_k(answers, passed, [1, 2, 6, 7], draws=20000, seed=1)
    assert got[0] == 0.5  # exact: half the samples answer 7
    assert got[1] == pytest.approx(0.6, abs=0.015)  # Monte-Carlo, SE ~ 0.0035
    assert got[2] == 1.0  # exact: 7 has three votes of five
    assert np.isnan(got[3])  # k > n
    assert maj_at_k(answers, passed, 2, draws=20000, seed=1) == got[1]  # scalar k, same seed


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_brute_force_over_all_subsets(seed: int) -> None:
    rng = np.random.default_rng(seed)
    pool = ["1", "2", "3", None]
    answers = [pool[i] for i in rng.integers(0, 4, size=8)]
    passed = [a == "1" for a in answers]
    got = maj_at_k(answers, passed, list(range(1, 9)), draws=20000, seed=seed)
    for k in range(1, 9):
        want = brute_force_maj(answers, passed, k)
        tol = 1e-12 if k in (1, 8) else 0.02  # exact at k = 1 and k = n, Monte-Carlo between
        assert got[k - 1] == pytest.approx(want, abs=tol), (answers, k)


def test_tie_at_full_set_scores_fraction_of_tied_answers() -> None:
    got = maj_at_k(["a", "b", "c", "a", "b", "c"], [True, False, False, True, False, False], 6)
    assert got == pytest.approx(1 / 3)


def test_no_answers_never_win() -> None:
    answers = [None, None, None, "5"]
    passed = [False, False, False, True]
    assert maj_at_k(answers, passed, 4) == 1.0  # "5" is the only vote
    assert maj_at_k([None] * 4, [False] * 4, [1, 2, 4]).tolist() == [0.0, 0.0, 0.0]


def test_matrix_handles_ragged_sample_counts() -> None:
    codes = np.array([[0, 0, 1, -1], [0, 1, 1, 9]])  # row 0 has only 3 samples (the 4th is ignored)
    correct = np.array([[True, False], [True, False]])
    got = maj_at_k_matrix(codes, np.array([3, 4]), correct, [1, 3, 4], draws=4000, seed=0)
    assert got[0, 0] == pytest.approx(2 / 3) and got[0, 1] == 1.0 and np.isnan(got[0, 2])
    assert got[1, 0] == pytest.approx(1 / 4)
    assert got[1, 2] == 0.0  # answer 1 has two votes of three cast
