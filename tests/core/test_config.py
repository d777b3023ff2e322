"""Study-file validation: every error names the field and says what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from passbound.config import default_k_grid, load_study
from passbound.errors import ConfigError

GOOD = """
name = "t"
output = "out"
[[models]]
name = "base"
path = "Qwen/Qwen2.5-7B"
role = "base"
[[models]]
name = "rl"
path = "some/rl"
role = "rl"
[[benchmarks]]
name = "gsm8k"
limit = 5
[sampling]
n = 12
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "study.toml"
    p.write_text(text)
    return p


def test_good_study_resolves_paths_and_k_grid(tmp_path: Path) -> None:
    study = load_study(write(tmp_path, GOOD))
    assert study.output == str((tmp_path / "out").resolve())
    assert study.k_grid == [1, 2, 4, 8, 12]
    assert study.base_of(study.model("rl")).name == "base"
    assert study.base_of(study.model("base")) is None


def test_training_curves_resolve_against_the_study_folder(tmp_path: Path) -> None:
    text = GOOD.replace('role = "rl"', 'role = "rl"\nalgorithm = "grpo"\ntraining_curves = "train/curves.csv"')
    study = load_study(write(tmp_path, text))
    assert study.model("rl").training_curves == str((tmp_path / "train" / "curves.csv").resolve())
    assert study.model("rl").algorithm == "grpo" and study.model("base").training_curves is None


def test_default_k_grid_includes_n() -> None:
    assert default_k_grid(1) == [1]
    assert default_k_grid(16) == [1, 2, 4, 8, 16]
    assert default_k_grid(100)[-2:] == [64, 100]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda s: s.replace('role = "rl"', 'role = "rlhf"'), "models.1.role"),
        (lambda s: s.replace("n = 12", "n = 0"), "sampling.n"),
        (lambda s: s.replace("n = 12", "n = 12\ntemprature = 0.6"), "sampling.temprature: unknown field"),
        (lambda s: s.replace('name = "rl"', 'name = "base"'), "model names must be unique"),
        (lambda s: s.replace('path = "some/rl"\n', ""), "models.1.path: required field is missing"),
        (lambda s: s.replace('name = "t"', 'name = "t"\nk = [1, 64]'), "outside 1..n"),
        (lambda s: s.replace('role = "rl"', 'role = "checkpoint"'), "add step ="),
        (lambda s: s.replace('name = "rl"', 'name = "my model"'), "models.1.name"),
        (lambda s: s.replace('[[benchmarks]]\nname = "gsm8k"\nlimit = 5', ""), "benchmarks"),
        (lambda s: s.replace("[sampling]", "[sampling"), "not valid TOML"),
        (lambda s: s + "\n[runner]\nreplicas = 4\n", 'replicas only apply to kind = "ray"'),
        (lambda s: s + "\n[runner]\nkind = \"slurm\"\n", "runner.kind"),
        (lambda s: s + "\n[runner]\nin_flight = 0\n", "runner.in_flight"),
    ],
)
def test_bad_study_names_the_field(tmp_path: Path, edit, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_study(write(tmp_path, edit(GOOD)))
    assert expected in str(err.value)


def test_missing_study_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_study(tmp_path / "nope.toml")


def test_per_model_sampling_override(tmp_path: Path) -> None:
    text = GOOD.replace('role = "rl"\n', 'role = "rl"\n[models.sampling]\ntemperature = 0.2\n')
    study = load_study(write(tmp_path, text))
    assert study.sampling.for_model(study.model("rl")).temperature == 0.2
    assert study.sampling.for_model(study.model("base")).temperature == study.sampling.temperature
