"""Solvable-set overlap at k = n on hand-built verdicts, plus analyse_boundary's edge cases."""

from __future__ import annotations

import pandas as pd
import pytest
from _boundary_data import MATH, MODELS, empty_verdicts, rows, study_verdicts

from passbound.errors import DataError
from passbound.metrics.boundary import BOUNDARY_COLUMNS, analyse_boundary, problem_counts
from passbound.metrics.overlap import comparison_pairs, solvable_overlap


def _row(df: pd.DataFrame, model: str, reference: str) -> pd.Series:
    hit = df[(df["model"] == model) & (df["reference"] == reference)]
    assert len(hit) == 1, f"expected one row for {model} vs {reference}, got {len(hit)}"
    return hit.iloc[0]


def test_overlap_counts_and_ids() -> None:
    df = solvable_overlap(problem_counts(study_verdicts()), MODELS)
    assert list(df["relation"]) == ["base", "base", "sibling"]
    r = _row(df, "R", "B")  # R solves p1 p2 p5 (p6 not shared), B solves p1 p3 p5
    assert (r.n_problems, r.n_both, r.n_model_only, r.n_reference_only, r.n_neither) == (5, 2, 1, 1, 1)
    assert r.model_only_ids == "p2" and r.reference_only_ids == "p3"
    assert not r.model_subset_of_reference
    d = _row(df, "D", "B")  # D solves p1 p3: a subset of B's set; B alone solves p5
    assert (d.n_both, d.n_model_only, d.n_reference_only, d.n_neither) == (2, 0, 1, 2)
    assert d.model_subset_of_reference and d.model_only_ids == "" and d.reference_only_ids == "p5"
    assert not d.reference_subset_of_model  # B alone solves p5
    s = _row(df, "R", "D")  # siblings sharing base B
    assert (s.n_both, s.n_model_only, s.n_reference_only, s.n_neither) == (1, 2, 1, 1)
    assert s.model_only_ids == "p2 p5" and s.reference_only_ids == "p3"


def test_overlap_per_benchmark_and_natural_id_order() -> None:
    code_b = {"t2": 1, "t10": 1, "t1": 0}
    code_r = {"t2": 0, "t10": 0, "t1": 0}
    v = pd.DataFrame(rows("B", "code", code_b, n=2) + rows("R", "code", code_r, n=2))
    v = pd.concat([study_verdicts(), v], ignore_index=True)
    df = solvable_overlap(problem_counts(v), MODELS)
    code = df[df["benchmark"] == "code"]
    assert list(code["model"]) == ["R"]  # D has no code verdicts: no pair there
    r = code.iloc[0]
    assert r.reference_only_ids == "t2 t10"  # natural order, not "t10 t2"
    assert r.model_subset_of_reference and r.n_neither == 1


def test_problem_ids_match_across_types() -> None:
    v = study_verdicts({"B": {"7": 1}, "R": {"7": 0}})
    v["problem_id"] = v["problem_id"].astype(object)
    v.loc[v["model"] == "B", "problem_id"] = 7  # an int in one model's rows, a str in the other's
    df = solvable_overlap(problem_counts(v), MODELS)
    assert _row(df, "R", "B").n_problems == 1 and _row(df, "R", "B").reference_only_ids == "7"


def test_pairs_cover_every_two_models() -> None:
    models = MODELS + [
        {"name": "C1", "role": "checkpoint", "step": 50, "base": "B"},
        {"name": "X", "role": "rl", "step": None, "base": "Y"},
        {"name": "Y", "role": "base", "step": None, "base": None},
        {"name": "lone", "role": "other", "step": None, "base": None},
    ]
    pairs = comparison_pairs(models)
    assert pairs[:7] == [
        ("R", "B", "base"),
        ("D", "B", "base"),
        ("C1", "B", "base"),
        ("X", "Y", "base"),
        ("R", "D", "sibling"),
        ("R", "C1", "sibling"),
        ("D", "C1", "sibling"),
    ]
    assert pairs[7:] == [  # the rest in study order; a base model is always the reference
        ("X", "B", "other"),
        ("B", "Y", "other"),
        ("lone", "B", "other"),
        ("R", "X", "other"),
        ("R", "Y", "other"),
        ("R", "lone", "other"),
        ("D", "X", "other"),
        ("D", "Y", "other"),
        ("D", "lone", "other"),
        ("C1", "X", "other"),
        ("C1", "Y", "other"),
        ("C1", "lone", "other"),
        ("X", "lone", "other"),
        ("lone", "Y", "other"),
    ]
    assert len({frozenset(p[:2]) for p in pairs}) == len(pairs) == 7 * 6 // 2


def test_overlap_between_two_bases_and_across_families() -> None:
    # Y, a second base, solves only p3 (of p1..p5); B solves p1 p3 p5; R (base B) p1 p2 p5.
    models = MODELS + [{"name": "Y", "role": "base", "step": None, "base": None}]
    table = dict(MATH, Y={"p1": 0, "p2": 0, "p3": 3, "p4": 0, "p5": 0})
    df = solvable_overlap(problem_counts(study_verdicts(table)), models)
    assert list(df["relation"]) == ["base", "base", "sibling", "other", "other", "other"]
    by = _row(df, "B", "Y")  # two bases: the one listed first is the model
    assert (by.relation, by.n_problems, by.n_both, by.n_model_only, by.n_reference_only, by.n_neither) == (
        "other",
        5,
        1,
        2,
        0,
        2,
    )
    assert by.model_only_ids == "p1 p5" and by.reference_only_ids == ""
    assert not by.model_subset_of_reference and by.reference_subset_of_model  # Y's set ⊆ B's
    ry = _row(df, "R", "Y")  # across families: R's base is B, yet R is compared with Y too
    assert (ry.n_both, ry.n_model_only, ry.n_reference_only, ry.n_neither) == (0, 3, 1, 1)
    assert not ry.model_subset_of_reference and not ry.reference_subset_of_model
    dy = _row(df, "D", "Y")  # D solves p1 p3
    assert (dy.n_both, dy.n_model_only, dy.n_reference_only, dy.n_neither) == (1, 1, 0, 3)
    assert dy.reference_subset_of_model and dy.model_only_ids == "p1"


def test_empty_and_single_model_give_empty_tables_with_columns() -> None:
    for verdicts, models in [(empty_verdicts(), MODELS), (study_verdicts({"B": MATH["B"]}), MODELS[:1])]:
        out = analyse_boundary(verdicts, models, [1, 2, 4], n_boot=50)
        assert set(out) == set(BOUNDARY_COLUMNS)
        for name, cols in BOUNDARY_COLUMNS.items():
            assert list(out[name].columns) == cols, name
            if name != "accuracy_hist":
                assert out[name].empty, name
    single = analyse_boundary(study_verdicts({"B": MATH["B"]}), MODELS[:1], [1, 4], n_boot=50)
    assert single["accuracy_hist"]["n_problems"].sum() == 5


def test_unknown_status_and_missing_column_are_data_errors() -> None:
    v = study_verdicts()
    v.loc[0, "status"] = "passed"
    with pytest.raises(DataError, match="unknown status"):
        problem_counts(v)
    with pytest.raises(DataError, match="problem_id"):
        problem_counts(study_verdicts().drop(columns="problem_id"))
