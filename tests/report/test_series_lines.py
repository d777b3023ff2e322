"""The step series figure with two trainings of one base (`demo --full`'s GRPO and pass@k): one
line per training, each starting at the shared base; one training keeps its single line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from passbound.report._data import RunData
from passbound.report._figures_boundary import _series_lines, series_figure


def _run(algorithms: dict[str, str]) -> RunData:
    steps = {"base": 0, "grpo-step-3": 3, "passk-step-3": 3, "grpo-step-6": 6, "passk-step-6": 6}
    series = pd.DataFrame(
        [
            {"benchmark": "synthetic", "base_model": "base", "model": m, "step": s, "k_max": 32}
            | dict.fromkeys(("pass_at_1", "pass_at_kmax"), 0.1 * s / 6)
            | dict.fromkeys(
                ("pass_at_1_ci_low", "pass_at_1_ci_high", "pass_at_kmax_ci_low", "pass_at_kmax_ci_high"), None
            )
            for m, s in steps.items()
        ]
    )
    models = [{"name": m, "algorithm": algorithms.get(m)} for m in steps]
    passk = pd.DataFrame({"benchmark": ["synthetic"] * len(steps), "model": list(steps)})
    return RunData(run_dir=Path("."), tables={"series": series, "passk": passk}, manifest={"models": models})


def test_two_trainings_of_one_base_are_two_lines_from_the_base() -> None:
    run = _run(
        {"grpo-step-3": "grpo/dapo", "grpo-step-6": "grpo/dapo", "passk-step-3": "pass@k", "passk-step-6": "pass@k"}
    )
    lines = _series_lines(run, run.series)
    assert [label for label, _ in lines] == ["grpo/dapo", "pass@k"]
    assert [list(d["model"]) for _, d in lines] == [
        ["base", "grpo-step-3", "grpo-step-6"],
        ["base", "passk-step-3", "passk-step-6"],
    ]
    fig = series_figure(run)
    assert fig is not None and len(fig.axes[0].get_lines()) == 4  # pass@1 and pass@k_max per training


def test_one_training_is_one_line() -> None:
    run = _run(dict.fromkeys(("grpo-step-3", "grpo-step-6", "passk-step-3", "passk-step-6"), "grpo/dapo"))
    lines = _series_lines(run, run.series)
    assert [label for label, _ in lines] == ["base"] and len(lines[0][1]) == 5
