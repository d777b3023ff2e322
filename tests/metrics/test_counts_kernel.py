"""The counts kernel against counts worked out by hand: n, c, adaptive rounds, answer groups, and
the three problem orders the analyses rely on (natural, problem-list, first row)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from passbound.analyses import AnalysisInputs, per_problem_counts
from passbound.config import AnalysisSpec
from passbound.cot.drilldown import problem_counts_frame
from passbound.errors import DataError
from passbound.metrics.counts import TABLE_COLUMNS, build_counts
from passbound.metrics.diversity import distinct_per_problem
from passbound.metrics.study_tables import analyse_counts, analyse_verdicts


def verdicts() -> pd.DataFrame:
    """Problem list order p10, p2 (not natural order); rl's rows come before base's."""
    rows = []

    def add(model: str, pid: str, samples: list[tuple[str | None, str]]) -> None:
        for i, (ans, status) in enumerate(samples):
            rows.append(
                {"model": model, "benchmark": "math", "problem_id": pid, "index": i, "status": status, "extracted": ans}
            )

    # rl, p10: round one (indices 0, 1) "7" pass, "8" fail; round two "7" pass, "7 " pass (same answer), none
    add("rl", "p10", [("7", "pass"), ("8", "fail"), ("7", "pass"), ("7 ", "pass"), (None, "no_answer")])
    # rl, p2: round one only, both wrong with distinct answers
    add("rl", "p2", [("\\frac{1}{2}", "fail"), ("3", "fail")])
    # base, p2 then p10 (base lists them the other way round)
    add("base", "p2", [("3", "fail"), ("4", "pass")])
    add("base", "p10", [("9", "timeout"), ("9", "fail")])
    return pd.DataFrame(rows)


def test_n_c_and_rounds_by_hand() -> None:
    k = build_counts(verdicts(), first=2)
    assert list(k.ids) == ["p2", "p10"]  # natural order: 2 before 10
    assert list(k.groups) == [("base", "math"), ("rl", "math")]
    rl = k.groups[("rl", "math")]
    assert list(k.ids[rl.problem]) == ["p2", "p10"]
    assert rl.n.tolist() == [2, 5] and rl.c.tolist() == [0, 3]
    assert rl.n_first.tolist() == [2, 2] and rl.c_first.tolist() == [0, 1]  # indices < 2
    assert rl.rounds.tolist() == [1, 2]  # p10 was topped up in round two
    base = k.groups[("base", "math")]
    assert base.n.tolist() == [2, 2] and base.c.tolist() == [1, 0]
    assert base.status_counts["timeout"] == 1 and base.status_counts["pass"] == 1
    plain = build_counts(verdicts()).groups[("rl", "math")]
    assert plain.n_first.tolist() == plain.n.tolist() and plain.rounds.tolist() == [1, 1]  # not adaptive: one round


def test_answer_groups_by_hand() -> None:
    rl = build_counts(verdicts()).groups[("rl", "math")]
    # p2: "\frac{1}{2}" and "3", both wrong; p10: "7" (x3 after normalising "7 "), "8", one sample with none
    assert rl.n_answers.tolist() == [2, 2]
    assert rl.n_correct_answers.tolist() == [0, 1]
    assert rl.n_no_answer.tolist() == [0, 1]
    sizes = rl.answer_sizes()
    assert sorted(sizes[0][sizes[0] > 0].tolist()) == [1, 1]
    assert sorted(sizes[1][sizes[1] > 0].tolist()) == [1, 3]
    seven = rl.answers[1, 0]
    assert rl.answers[1].tolist() == [seven, 1 - seven, seven, seven, -1]  # verdict-row order, -1 = no answer
    assert rl.answer_correct[1, seven] and not rl.answer_correct[1, 1 - seven]
    per = distinct_per_problem(verdicts())
    assert per["n_distinct"].tolist() == [2, 2, 2, 1] and per["n_no_answer"].tolist() == [1, 0, 0, 0]


def test_orders_the_analyses_rely_on() -> None:
    k = build_counts(verdicts())
    base = k.groups[("base", "math")]
    assert list(k.ids[base.problem]) == ["p2", "p10"]  # natural
    assert list(k.ids[base.ordered("seen").problem]) == ["p10", "p2"]  # where each id first appears (rl's rows)
    assert list(k.ids[base.ordered("first_row").problem]) == ["p2", "p10"]  # where base's own rows start
    rows = k.table("first_row")
    assert list(zip(rows["model"], rows["problem_id"], strict=True)) == [
        ("rl", "p10"),
        ("rl", "p2"),
        ("base", "p2"),
        ("base", "p10"),
    ]
    table = k.table()
    assert list(table.columns[: len(TABLE_COLUMNS)]) == list(TABLE_COLUMNS)
    assert list(zip(table["model"], table["problem_id"], strict=True)) == [
        ("base", "p10"),
        ("base", "p2"),
        ("rl", "p10"),
        ("rl", "p2"),
    ]  # sorted as the ids are spelt
    old = per_problem_counts(verdicts())
    assert old.equals(table[["model", "benchmark", "problem_id", "n", "c"]])
    assert problem_counts_frame(verdicts())["n"].tolist() == [5, 2, 2, 2]


def test_integer_and_string_ids_are_one_problem() -> None:
    v = verdicts()
    v["problem_id"] = v["problem_id"].str[1:].astype(object)
    v.loc[v["model"] == "base", "problem_id"] = v.loc[v["model"] == "base", "problem_id"].astype(int)
    k = build_counts(v)
    assert list(k.ids) == ["2", "10"] and k.groups[("base", "math")].n.tolist() == [2, 2]


def test_shared_by_every_analysis_of_a_run() -> None:
    inputs = AnalysisInputs(
        verdicts=verdicts(),
        models=[
            {"name": "base", "role": "base", "step": None, "base": None},
            {"name": "rl", "role": "rl", "step": None, "base": "base"},
        ],
        k_grid=[1, 2],
        spec=AnalysisSpec(bootstrap=10),
        adaptive_first=2,
    )
    assert inputs.problem_counts is inputs.problem_counts  # built once
    assert inputs.counts["c_first"].tolist() == [0, 1, 1, 0]  # base p10, base p2, rl p10, rl p2
    tables = analyse_counts(inputs.problem_counts, inputs.models, inputs.k_grid, n_boot=10)
    again = analyse_verdicts(verdicts(), inputs.models, inputs.k_grid, n_boot=10, adaptive_first=2)
    for name, table in tables.items():
        pd.testing.assert_frame_equal(table, again[name])
    assert np.isclose(tables["summary"].set_index("model").loc["rl", "pass_at_1"], (0 / 2 + 3 / 5) / 2)


def test_bad_tables_are_data_errors() -> None:
    with pytest.raises(DataError, match="lacks column"):
        build_counts(verdicts().drop(columns="extracted"))
    with pytest.raises(DataError, match="lacks column.*index"):
        build_counts(verdicts().drop(columns="index"), first=2, answers=False)
    with pytest.raises(DataError, match="answer groups"):
        analyse_counts(build_counts(verdicts(), answers=False), [], [1])
    assert build_counts(verdicts().drop(columns="extracted"), answers=False).groups[("rl", "math")].n.tolist() == [2, 5]
