"""CoT-pass@k on cases worked out by hand, and through the analyse stage."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _cot_data import make_run

from passbound.cot import cot_passk
from passbound.cot.judge import SCHEMA, _commit
from passbound.cot.passk import COLUMNS
from passbound.stages import analyse_run, study_of_run

MODELS = [
    {"name": "A", "role": "rl", "step": None, "base": None},
    {"name": "U", "role": "base", "step": None, "base": None},
]


def verdicts(model: str, statuses: dict[str, list[str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            dict(model=model, benchmark="b", problem_id=pid, index=i, status=s, extracted="x")
            for pid, ss in statuses.items()
            for i, s in enumerate(ss)
        ]
    )


def judged(rows: list[tuple[str, str, int, str]]) -> pd.DataFrame:
    return pd.DataFrame([dict(model=m, benchmark="b", problem_id=p, index=i, judgment=j) for m, p, i, j in rows])


def human(rows: list[tuple[str, str, int, str]]) -> pd.DataFrame:
    return pd.DataFrame([dict(model=m, benchmark="b", problem_id=p, index=i, verdict=v) for m, p, i, v in rows])


def at(table: pd.DataFrame, model: str, k: int, col: str = "cot_pass_at_k") -> float:
    return float(table[(table["model"] == model) & (table["k"] == k)][col].iloc[0])


def test_known_case_judge_and_human_override() -> None:
    # 4 samples, 2 pass; the judge calls one of them invalid -> c = 1.
    v = verdicts("A", {"q": ["pass", "pass", "fail", "no_answer"]})
    j = judged([("A", "q", 0, "valid"), ("A", "q", 1, "invalid")])
    t = cot_passk(v, j, human([]), MODELS, [1, 2, 4], n_boot=50)
    assert list(t.columns) == COLUMNS
    assert at(t, "A", 1) == pytest.approx(0.25)  # c/n = 1/4
    assert at(t, "A", 2) == pytest.approx(0.5)  # 1 - C(3,2)/C(4,2) = 1 - 3/6
    assert at(t, "A", 4) == pytest.approx(1.0)
    assert at(t, "A", 1, "judged_fraction") == 1.0 and at(t, "A", 1, "n_samples") == 4
    assert set(t["model"]) == {"A"}  # an unjudged model gets no rows
    # a human says sample 1 is valid after all: it overrides the judge -> c = 2
    t2 = cot_passk(v, j, human([("A", "q", 1, "valid")]), MODELS, [1, 2], n_boot=50)
    assert at(t2, "A", 1) == pytest.approx(0.5)
    # and a human "invalid" on the judge's "valid" one -> c = 0
    t3 = cot_passk(v, j, human([("A", "q", 0, "invalid"), ("A", "q", 1, "invalid")]), MODELS, [1, 2], n_boot=50)
    assert at(t3, "A", 2) == 0.0


def test_unjudged_and_unknown_do_not_count_and_lower_judged_fraction() -> None:
    v = verdicts("A", {"q": ["pass", "pass", "pass", "fail"], "r": ["pass", "fail", "fail", "fail"]})
    j = judged([("A", "q", 0, "valid"), ("A", "q", 1, "unknown")])  # q#2 and r#0 never judged
    t = cot_passk(v, j, human([]), MODELS, [1, 4], n_boot=50)
    # c: q = 1 (only #0), r = 0 -> pass@1 = (1/4 + 0) / 2; pass@4 = (1 + 0) / 2
    assert at(t, "A", 1) == pytest.approx(0.125)
    assert at(t, "A", 4) == pytest.approx(0.5)
    assert at(t, "A", 1, "judged_fraction") == pytest.approx(1 / 4)  # 1 definite verdict of 4 correct samples
    low, high = at(t, "A", 4, "ci_low"), at(t, "A", 4, "ci_high")
    assert 0.0 <= low <= 0.5 <= high <= 1.0


def test_analyse_stage_writes_cot_passk_only_with_verdicts(tmp_path: Path) -> None:
    run = make_run(tmp_path / "run")
    study = study_of_run(run)
    analyse_run(study, run)
    assert not (run.path / "cot_passk.csv").exists()
    # R on p3 has 2 passes of 8: judge #0 valid, #1 invalid; every other correct R sample valid
    rows = [
        dict(
            model="R",
            benchmark="math",
            problem_id=p,
            index=i,
            judgment="invalid" if (p, i) == ("p3", 1) else "valid",
            judge="t",
            template="t",
            output="",
            time="",
        )
        for p, c in (("p1", 8), ("p3", 2), ("p4", 6))
        for i in range(c)
    ]
    for pid in ("p1", "p3", "p4"):
        _commit(run, "R", "math", [r for r in rows if r["problem_id"] == pid])
    assert pq_rows(run) == len(rows)
    analyse_run(study, run)
    t = pd.read_csv(run.path / "cot_passk.csv")
    plain = pd.read_csv(run.path / "passk.csv")
    assert set(t["model"]) == {"R"}
    # pass@1 per problem (p1, p2, p3, p4, p10) = (8, 0, 2, 6, 0)/8 -> CoT: (8, 0, 1, 6, 0)/8
    assert at(t, "R", 1) == pytest.approx(np.mean([1, 0, 1 / 8, 6 / 8, 0]))
    assert at(plain, "R", 1, "pass_at_k") == pytest.approx(np.mean([1, 0, 2 / 8, 6 / 8, 0]))
    assert at(t, "R", 8) == at(plain, "R", 8, "pass_at_k")  # p3 still has one valid sample
    assert at(t, "R", 1, "judged_fraction") == 1.0
    from passbound.report import write_report

    md = write_report(run.path)["summary_md"].read_text(encoding="utf-8")
    assert "## CoT-pass@k" in md
    cot_at_1 = 100 * np.mean([1, 0, 1 / 8, 6 / 8, 0])
    assert f"| `math` | `R` | 1 | {100 * np.mean([1, 0, 2 / 8, 6 / 8, 0]):.1f} | {cot_at_1:.1f} |" in md


def pq_rows(run) -> int:  # type: ignore[no-untyped-def]
    import pyarrow.parquet as pq

    return pq.read_table(run.path / "judgments" / "R" / "math.parquet", schema=SCHEMA).num_rows
