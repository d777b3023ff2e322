"""Distinct final answers per problem, on a hand-built verdicts table with known answers."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from passbound.metrics.diversity import COLUMNS, distinct_per_problem, diversity_table


def verdicts() -> pd.DataFrame:
    rows = []

    def add(model: str, pid: str, answers: list[tuple[str | None, str]]) -> None:
        for i, (ans, status) in enumerate(answers):
            rows.append(
                {
                    "model": model,
                    "benchmark": "b",
                    "problem_id": pid,
                    "index": i,
                    "status": status,
                    "extracted": ans,
                    "verifier_version": "v",
                    "detail": "",
                }
            )

    # base: p1 answers 5, "5 " (same after normalisation), 6, none -> 2 distinct, 1 correct form
    add("base", "p1", [("5", "pass"), ("5 ", "pass"), ("6", "fail"), (None, "no_answer")])
    # base: p2 answers 1, 2, 3, 4 all wrong -> 4 distinct, no correct
    add("base", "p2", [("1", "fail"), ("2", "fail"), ("3", "fail"), ("4", "fail")])
    # rl: p1 always "5" -> 1 distinct; p2 always "1" -> 1 distinct
    add("rl", "p1", [("5", "pass")] * 4)
    add("rl", "p2", [("1", "fail")] * 4)
    # rl on p3: "1/2" and "0.5" both accepted -> 2 distinct correct answers
    add("rl", "p3", [("1/2", "pass"), ("0.5", "pass"), ("$1/2$", "pass"), ("", "no_answer")])
    return pd.DataFrame(rows)


def test_distinct_per_problem_counts_normalised_answers() -> None:
    per = distinct_per_problem(verdicts()).set_index(["model", "problem_id"])
    assert per.loc[("base", "p1"), "n_distinct"] == 2  # "5" == "5 "; no answer is not an answer
    assert per.loc[("base", "p1"), "n_distinct_correct"] == 1
    assert per.loc[("base", "p1"), "n_no_answer"] == 1
    assert per.loc[("base", "p2"), "n_distinct"] == 4 and per.loc[("base", "p2"), "n_distinct_correct"] == 0
    assert per.loc[("rl", "p3"), "n_distinct"] == 2 and per.loc[("rl", "p3"), "n_distinct_correct"] == 2


def test_diversity_table_known_answer() -> None:
    t = diversity_table(verdicts()).set_index("model")
    assert list(diversity_table(verdicts()).columns) == list(COLUMNS)
    base, rl = t.loc["base"], t.loc["rl"]
    assert base["n_problems"] == 2 and base["n_samples"] == 8
    assert base["mean_distinct"] == pytest.approx(3.0) and base["median_distinct"] == pytest.approx(3.0)
    assert base["mean_distinct_frac"] == pytest.approx((2 / 4 + 4 / 4) / 2)
    assert base["mean_distinct_correct"] == pytest.approx(1.0) and base["n_problems_with_correct"] == 1
    assert base["no_answer_rate"] == pytest.approx(1 / 8)
    assert rl["mean_distinct"] == pytest.approx(4 / 3)  # (1 + 1 + 2) / 3: RL-like collapse onto one answer
    assert rl["mean_distinct_correct"] == pytest.approx(1.5)  # p1: 1, p3: 2 (p2 unsolved, excluded)
    assert rl["mean_distinct"] < base["mean_distinct"]


def test_empty_verdicts_give_an_empty_table() -> None:
    t = diversity_table(verdicts().iloc[:0])
    assert t.empty and list(t.columns) == list(COLUMNS)
    assert math.isnan(diversity_table(verdicts()[verdicts()["problem_id"] == "p2"]).iloc[0]["mean_distinct_correct"])
