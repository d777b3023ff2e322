"""The uniform guesser's pass@k on multiple-choice problems, beside a model's, from a real run directory."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from passbound.analyses import AnalysisInputs
from passbound.analyses.chance import compute, guess_pass_at_k
from passbound.config import AnalysisSpec
from passbound.store import RunDir
from passbound.types import Problem


def _run(tmp_path: Path) -> Path:
    run = RunDir(tmp_path / "run")
    run.write_problems(
        "mathvista",
        [
            Problem("1", "mathvista", "Which?", "A", kind="choice", metadata={"choices": ["a", "b", "c", "d"]}),
            Problem("2", "mathvista", "Which?", "B", kind="choice", metadata={"choices": ["yes", "no"]}),
            Problem("3", "mathvista", "How many?", "7", kind="math"),
        ],
    )
    run.write_problems("aime24", [Problem("x", "aime24", "Find", "1", kind="math")])
    return run.path


def _verdicts(passes: dict[tuple[str, str], int], n: int = 8) -> pd.DataFrame:
    rows = [
        {"model": "m", "benchmark": b, "problem_id": pid, "index": i, "status": "pass" if i < c else "fail"}
        for (b, pid), c in passes.items()
        for i in range(n)
    ]
    return pd.DataFrame(rows)


def test_guesser_formula() -> None:
    import numpy as np

    got = guess_pass_at_k(np.array([4, 2, 0]), 3)
    assert got == pytest.approx([1 - 0.75**3, 1 - 0.5**3, 0.0])


def test_chance_table_beside_the_model(tmp_path: Path) -> None:
    verdicts = _verdicts({("mathvista", "1"): 8, ("mathvista", "2"): 0, ("mathvista", "3"): 4, ("aime24", "x"): 1})
    inputs = AnalysisInputs(verdicts, [{"name": "m", "role": "base"}], [1, 2, 8], AnalysisSpec(), _run(tmp_path))
    table = compute(inputs)
    assert set(table["benchmark"]) == {"mathvista"}  # no multiple choice in aime24: nothing to say
    k8 = table[table["k"] == 8].iloc[0]
    assert k8["n_problems"] == 3 and k8["n_choice"] == 2
    assert k8["chance_pass_at_k"] == pytest.approx(((1 - 0.75**8) + (1 - 0.5**8)) / 3)
    assert k8["pass_at_k"] == pytest.approx((1 + 0 + 1) / 3)
    assert k8["choice_pass_at_k"] == pytest.approx(0.5)
    assert k8["chance_share"] == pytest.approx(k8["chance_pass_at_k"] / k8["pass_at_k"])
    k1 = table[table["k"] == 1].iloc[0]
    assert k1["chance_pass_at_k"] == pytest.approx((0.25 + 0.5) / 3)
    assert list(table["k"]) == [1, 2, 8]
