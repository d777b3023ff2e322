"""`passbound demo --full`'s plan: a pass@k-objective training beside the GRPO one, from the same
base with the same budget, and a study that holds the base, both trainings' checkpoints and the
SFT student (the run itself is timed in docs/measurements.md, too long for a test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from passbound.train.demo_full import OBJECTIVES, FullDemo, full_study, train_config


def test_the_two_trainings_differ_only_in_the_objective(tmp_path: Path) -> None:
    demo = FullDemo(out=tmp_path)
    grpo, passk = (train_config(demo, objective) for objective in OBJECTIVES)
    assert (grpo.training.objective, grpo.training.k) == ("grpo", None)
    assert (passk.training.objective, passk.training.k) == ("pass@k", demo.k)
    assert 1 <= demo.k < demo.group  # k = group would leave no pass@k signal
    # one group a step: pass@k = GRPO up to a scale Adam divides out (test_objectives)
    assert demo.prompts_per_step >= 2
    assert Path(grpo.output) != Path(passk.output)  # each its own checkpoints and curves
    # the same budget: everything but the objective (and where it writes) is equal
    same = {"objective": "grpo", "k": None}
    assert passk.training.model_copy(update=same) == grpo.training
    assert (passk.model, passk.data, passk.algorithm, passk.reward) == (
        grpo.model,
        grpo.data,
        grpo.algorithm,
        grpo.reward,
    )
    assert grpo.training.batch_size == demo.group * demo.prompts_per_step
    assert grpo.algorithm.num_generations == demo.group


def test_k_must_leave_the_group_a_signal(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"k \(8\) must be in \[1, group\)"):
        train_config(FullDemo(out=tmp_path, k=8, group=8), "pass@k")
    with pytest.raises(ValueError, match="objective must be one of"):
        train_config(FullDemo(out=tmp_path), "pkpo")


def test_the_study_holds_base_both_trainings_and_the_student(tmp_path: Path) -> None:
    demo = FullDemo(out=tmp_path, engine="hf")
    saved = {
        "grpo": [(3, tmp_path / "grpo" / "c3"), (6, tmp_path / "grpo" / "c6")],
        "pass@k": [(3, tmp_path / "passk" / "c3"), (6, tmp_path / "passk" / "c6")],
    }
    study = full_study(demo, saved, tmp_path / "distill" / "model")
    by_name = {m.name: m for m in study.models}
    assert list(by_name) == ["base", "grpo-step-3", "grpo-step-6", "passk-step-3", "passk-step-6", "distill-sft"]
    checkpoints = [m for m in study.models if m.role == "checkpoint"]
    assert {study.base_of(m).name for m in checkpoints} == {"base"}  # both trainings from the same base
    assert by_name["grpo-step-6"].algorithm == "grpo/dapo"
    assert by_name["passk-step-6"].algorithm == f"grpo/dapo, pass@k k={demo.k}"
    assert by_name["passk-step-3"].training_curves == str(tmp_path / "passk" / "curves.csv")
    assert by_name["passk-step-3"].step == 3 and by_name["passk-step-3"].path == str(tmp_path / "passk" / "c3")
    assert by_name["distill-sft"].role == "distill"
    assert study.sampling.n == demo.n and study.benchmarks[0].limit == demo.problems
