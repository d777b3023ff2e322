"""`passbound demo --full`: the study in miniature, with real training, offline on CPU.

Base = SmolLM2-135M-Instruct (embedded); RL = the base after GRPO on the synthetic benchmark's
train split with passbound's math verifier as the reward, and beside it the same base trained
with the same budget (steps, prompts, group, completion length, learning rate, seed) on the
pass@k objective (Chen et al. 2025; train/objectives.py): every checkpoint of both is studied, so
the report compares base, GRPO and pass@k training along training (ΔSE, support, sharpening
tax, the series); distilled
= the base after SFT on a teacher that knows more: the synthetic generator's own step-by-step
solutions of train-split problems (Yue et al. 2025 distil from a stronger model; the generator is
the strongest teacher there is for its problems). Then pass@k to k = n on the held-out test split
(disjoint from train by construction) for all of them, ΔSE, overlap, support, the step series and
the report, in one run directory. Each part resumes: training from its newest checkpoint, the
student when its folder is complete, sampling from its committed shards.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from passbound.config import StudyConfig, study_from_dict
from passbound.progress import console

TEMPLATE = "few-shot"  # the quick demo's: the 135M model keeps its answer format with it


@dataclass(frozen=True)
class FullDemo:
    """Sizes of the full demo, chosen to finish within 45 minutes on a 2-core AVX2 CPU without
    AVX-512 or AMX, both trainings included (docs/measurements.md says how that was measured)."""

    out: Path
    steps: int = 6  # steps of each training (GRPO and pass@k: the same budget)
    save_every: int = 3
    train_problems: int = 512
    # RL on level 1 only: the base solves level-2 problems ~4% of the time in 64 tokens (level 1
    # ~12%), so groups of 4 would rarely carry a reward to learn from (or tell the objectives apart)
    train_levels: tuple[int, ...] = (1,)
    train_max_tokens: int = 64  # TRL's generation cannot stop at the few-shot "Question:"; answers come well before
    group: int = 4  # completions per prompt
    # Two prompts a step (8 completions, the cost of one group of 8): within one group pass@k's
    # advantages are GRPO's times a constant that Adam divides out, so with one prompt a step both
    # trainings took the same steps (weights within 6e-7); the objective acts across groups.
    prompts_per_step: int = 2
    k: int = 2  # the pass@k objective's k (below the group)
    learning_rate: float = 1e-5
    sft_steps: int = 4
    sft_batch: int = 8
    sft_learning_rate: float = 1e-4
    problems: int = 8  # test-split problems studied
    n: int = 32
    max_tokens: int = 96
    engine: str = "vllm"


OBJECTIVES = ("grpo", "pass@k")  # the two trainings, each in its own folder under the demo's
_FOLDER = {"grpo": "grpo", "pass@k": "passk"}


def train_config(demo: FullDemo, objective: str = "grpo") -> Any:
    """One training of the demo: GRPO, or the same run with the pass@k objective (k = demo.k)."""
    from passbound.train.config import TrainConfig

    if objective not in _FOLDER:
        raise ValueError(f"objective must be one of {list(_FOLDER)} (got {objective!r})")
    if not 1 <= demo.k < demo.group:  # k = group: every group with a right answer has pass@k = 1, no signal
        raise ValueError(f"the pass@k objective's k ({demo.k}) must be in [1, group) (group = {demo.group})")
    passk = {"objective": objective, "k": demo.k} if objective != "grpo" else {}
    return TrainConfig.model_validate(
        {
            "name": f"demo-{_FOLDER[objective]}",
            "output": str((demo.out / _FOLDER[objective]).resolve()),
            "model": {"path": "embedded", "template": TEMPLATE},
            "data": {
                "benchmark": "synthetic",
                "split": "train",
                "limit": demo.train_problems,
                "options": {"n_problems": demo.train_problems, "levels": list(demo.train_levels), "seed": 0},
            },
            "algorithm": {"name": "grpo", "loss_type": "dapo", "beta": 0.0, "num_generations": demo.group},
            "training": {
                "steps": demo.steps,
                "learning_rate": demo.learning_rate,
                "batch_size": demo.group * demo.prompts_per_step,
                "max_completion_length": min(demo.train_max_tokens, demo.max_tokens),
                "temperature": 0.8,
                "seed": 0,
                "save_every": demo.save_every,
                "device": "cpu",
                **passk,
            },
        }
    )


def distilled_student(demo: FullDemo) -> Path:
    """SFT of the base on the generator's solutions of train problems (reused when already there)."""
    from passbound.benchmarks.synthetic import generate_synthetic
    from passbound.train.distill import reference_rows_of, train_student, write_sft

    folder = demo.out / "distill"
    final = folder / "model"
    if (
        (final / "config.json").is_file()
        and any(final.glob("*.safetensors"))
        and (final / "tokenizer_config.json").is_file()
    ):
        console.print(f"demo: distilled student already at {final}")
        return final
    problems = generate_synthetic(seed=0, n_problems=demo.train_problems, levels=[1, 2], split="train")
    rows = reference_rows_of(problems, TEMPLATE)
    write_sft(rows, folder / "sft.jsonl")
    console.print(f"demo: SFT of the base on {len(rows)} reference solutions ({demo.sft_steps} steps)")
    return train_student(
        rows, "embedded", folder, steps=demo.sft_steps, learning_rate=demo.sft_learning_rate, batch_size=demo.sft_batch
    )


def algorithm_name(demo: FullDemo, objective: str) -> str:
    """The algorithm the report names for a training (as `passbound train`'s study.toml does)."""
    return "grpo/dapo" + (f", {objective} k={demo.k}" if objective != "grpo" else "")


def full_study(demo: FullDemo, checkpoints: dict[str, list[tuple[int, Path]]], student: Path) -> StudyConfig:
    """The base, every checkpoint of each training (``checkpoints``: objective -> (step, folder)),
    each a checkpoint of the same base, and the SFT student."""
    from passbound.models.embedded import embedded_model_path

    common: dict[str, Any] = {"engine": demo.engine, "template": TEMPLATE}
    if demo.engine == "vllm":
        common["engine_options"] = {"max_model_len": 1024}
    models = [{**common, "name": "base", "path": str(embedded_model_path()), "role": "base"}]
    models += [
        {
            **common,
            "name": f"{_FOLDER[objective]}-step-{step}",
            "path": str(folder),
            "role": "checkpoint",
            "step": step,
            "base": "base",
            "algorithm": algorithm_name(demo, objective),
            "training_curves": str(demo.out / _FOLDER[objective] / "curves.csv"),
        }
        for objective, saved in checkpoints.items()
        for step, folder in saved
    ]
    models.append({**common, "name": "distill-sft", "path": str(student), "role": "distill", "base": "base"})
    return study_from_dict(
        {
            "name": "demo --full: SmolLM2-135M-Instruct, GRPO and pass@k checkpoints and an SFT student",
            "output": str((demo.out / "study").resolve()),
            "models": models,
            "benchmarks": [
                {
                    "name": "synthetic",
                    "limit": demo.problems,
                    "options": {"n_problems": demo.problems, "levels": [1, 2], "seed": 0, "split": "test"},
                }
            ],
            "sampling": {
                "n": demo.n,
                "temperature": 0.8,
                "top_p": 0.95,
                "max_tokens": demo.max_tokens,
                "seed": 0,
                "chunk_size": 5,
            },
            "analysis": {"bootstrap": 1000, "ci": 0.95, "seed": 0},
        },
        source="passbound demo --full",
    )


def run_full_demo(demo: FullDemo, *, show_progress: bool = True) -> dict[str, Path]:
    """Train with both objectives, distil, then study; returns the report paths."""
    from passbound.stages.study import run_study
    from passbound.train.run import checkpoints, train

    demo.out.mkdir(parents=True, exist_ok=True)
    took: dict[str, float] = {}
    saved: dict[str, list[tuple[int, Path]]] = {}
    start = time.monotonic()
    for objective in OBJECTIVES:
        what = "GRPO" if objective == "grpo" else f"GRPO with the {objective} objective (k = {demo.k})"
        console.print(f"demo: {what} on {demo.train_problems} synthetic train problems, {demo.steps} steps")
        config = train_config(demo, objective)
        train(config)
        saved[objective] = checkpoints(Path(config.output))
        took["GRPO" if objective == "grpo" else objective], start = time.monotonic() - start, time.monotonic()
    student = distilled_student(demo)
    took["SFT"] = time.monotonic() - start
    study = full_study(demo, saved, student)
    done = run_study(study, show_progress=show_progress)
    took["sampling"] = done.seconds["sample"]
    took["verify, analyse, report"] = sum(s for stage, s in done.seconds.items() if stage != "sample")
    paths = done.paths
    line = ", ".join(f"{k} {v / 60:.1f} min" for k, v in took.items())
    (demo.out / "timings.txt").write_text(line + "\n", encoding="utf-8")  # this invocation's (a resume's: the rest)
    console.print(f"demo: {line}")
    return paths
