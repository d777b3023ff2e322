"""`passbound train CONFIG.toml`: what to train, on what, with which verifier, and the study after.

name = "grpo-synthetic"
output = "runs/grpo-synthetic"          # checkpoints/, curves.csv, study.toml
[model]
path = "embedded"                       # local folder, 'embedded' or a hub id
template = "chat"
[data]
benchmark = "synthetic"                 # its train split; gold answers become the reward's
split = "train"
limit = 256
[reward]
options = { extraction = "strict" }     # [verify.<kind>] options of the benchmark's verifier
allow_visible_tests = false             # true: reward problems graded only on tests the prompt shows
[algorithm]
name = "grpo"                           # grpo | rloo
loss_type = "dapo"                      # GRPO's loss variants: grpo, dr_grpo, dapo, bnpo, ...
beta = 0.0                              # KL coefficient; 0 = no KL term (no reference model)
num_generations = 8                     # group size
[training]
steps = 200
learning_rate = 1e-6
batch_size = 8
max_completion_length = 256
temperature = 1.0
seed = 0
objective = "grpo"                      # grpo (pass@1) | pass@k (Chen et al. 2025) | pkpo (Walder & Karkhanis 2025)
k = 4                                   # the k of pass@k / pkpo (1 <= k <= num_generations)
save_every = 50                         # a checkpoint folder every N steps
device = "cpu"                          # cpu: transformers generation; gpu: vLLM colocate
precision = "auto"                      # bf16 autocast where the hardware has it; float32 | bfloat16
[study]                                 # the study written at the end: base + every checkpoint
n = 64
benchmarks = [{ name = "synthetic", limit = 100 }]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from passbound._toml import tomllib
from passbound.errors import ConfigError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TrainModel(_Strict):
    path: str
    template: str = "chat"


class TrainData(_Strict):
    benchmark: str
    split: str = "train"
    limit: int | None = Field(default=None, gt=0)
    path: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)


class TrainReward(_Strict):
    options: dict[str, Any] = Field(default_factory=dict)
    timeout: float = Field(default=10.0, gt=0)
    allow_visible_tests: bool = False  # reward problems graded only on tests their prompt shows


class TrainAlgorithm(_Strict):
    name: Literal["grpo", "rloo"] = "grpo"
    loss_type: str | None = None  # GRPOConfig.loss_type (TRL checks the value)
    beta: float = Field(default=0.0, ge=0.0)
    num_generations: int = Field(default=8, ge=2)


class TrainSettings(_Strict):
    steps: int = Field(default=100, gt=0)
    learning_rate: float = Field(default=1e-6, gt=0)
    batch_size: int = Field(default=8, gt=0)
    max_completion_length: int = Field(default=256, gt=0)
    temperature: float = Field(default=1.0, gt=0)
    seed: int = 0
    # grpo: TRL's group-normalised advantages (pass@1); pass@k / pkpo: advantages aimed at pass@k (train/objectives.py)
    objective: Literal["grpo", "pass@k", "pkpo"] = "grpo"
    k: int | None = Field(default=None, ge=1)
    save_every: int = Field(default=50, gt=0)
    device: Literal["cpu", "gpu"] = "cpu"
    # Mixed precision: auto = bfloat16 autocast where the CPU has native bf16 (AVX512-BF16/AMX) or on GPU.
    precision: Literal["auto", "float32", "bfloat16"] = "auto"


class TrainStudy(_Strict):
    n: int = Field(default=16, gt=0)
    max_tokens: int = Field(default=512, gt=0)
    temperature: float = Field(default=0.6, ge=0)
    benchmarks: list[dict[str, Any]] = Field(default_factory=list)


class TrainConfig(_Strict):
    name: str = "train"
    output: str = "runs/train"
    model: TrainModel
    data: TrainData
    reward: TrainReward = TrainReward()
    algorithm: TrainAlgorithm = TrainAlgorithm()
    training: TrainSettings = TrainSettings()
    study: TrainStudy = TrainStudy()


def load_train_config(path: Path) -> TrainConfig:
    if not path.is_file():
        raise ConfigError(f"{path} does not exist; give a training config .toml (see `passbound train --help`)")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    try:
        config = TrainConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{path}: {problems}") from None
    output = Path(config.output)
    if not output.is_absolute():
        output = (path.parent / output).resolve()
    t, a = config.training, config.algorithm
    if t.batch_size % a.num_generations:
        raise ConfigError(
            f"{path}: training.batch_size ({t.batch_size}) must be a multiple of "
            f"algorithm.num_generations ({a.num_generations}), the group size"
        )
    if t.objective == "grpo" and t.k is not None:
        raise ConfigError(
            f"{path}: training.k is the k of objective = \"pass@k\" or \"pkpo\"; set one of them or remove k"
        )
    if t.objective != "grpo":
        if t.k is None:
            raise ConfigError(
                f"{path}: objective = \"{t.objective}\" needs training.k (1 <= k <= "
                f"algorithm.num_generations = {a.num_generations})"
            )
        if t.k > a.num_generations:
            raise ConfigError(
                f"{path}: training.k ({t.k}) must be at most algorithm.num_generations "
                f"({a.num_generations}): pass@k is estimated within each group"
            )
        if a.name != "grpo":
            raise ConfigError(
                f"{path}: objective = \"{t.objective}\" replaces GRPO's advantages; "
                f"set algorithm.name = \"grpo\" (got {a.name!r})"
            )
    return config.model_copy(update={"output": str(output)})
