"""`passbound train`: RLVR with TRL (GRPO and its loss variants, RLOO) rewarded by passbound's own
verifier, checkpoints every N steps, curves to CSV, and a study over the base and every
checkpoint that `passbound run` studies as a training series (role ``checkpoint``, ``step``).

Resumable: TRL writes ``checkpoints/checkpoint-<step>/`` (weights, tokenizer, optimizer and
trainer state); a rerun after a kill resumes from the newest one, and a larger ``steps`` continues
a finished run.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import tomli_w

from passbound.errors import MissingDependencyError
from passbound.progress import console
from passbound.train.config import TrainConfig

CURVE_COLUMNS = ("step", "reward", "reward_std", "pass_rate", "kl", "entropy", "completion_length", "loss")
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


def checkpoints(output: Path) -> list[tuple[int, Path]]:
    """(step, folder) of every complete checkpoint, oldest first."""
    folder = output / "checkpoints"
    if not folder.is_dir():
        return []
    found = [
        (int(m.group(1)), p)
        for p in folder.iterdir()
        if (m := _CHECKPOINT.match(p.name)) and (p / "trainer_state.json").is_file()
    ]
    return sorted(found)


def _dataset(config: TrainConfig) -> tuple[Any, str]:
    from datasets import Dataset

    from passbound.benchmarks import load_benchmark
    from passbound.prompts import get_template
    from passbound.train.rewards import refuse_visible_tests

    d = config.data
    loaded = load_benchmark(
        d.benchmark,
        path=d.path,
        limit=d.limit,
        split=d.split,
        options={**d.options, **({"split": d.split} if d.benchmark == "synthetic" else {})},
    )
    refuse_visible_tests(loaded.problems, allowed=config.reward.allow_visible_tests)
    template = get_template(config.model.template)
    rows = [{"prompt": template.render(p), "answer": p.target} for p in loaded.problems]
    return Dataset.from_list(rows), loaded.kind


def bf16_autocast(device: str, precision: str) -> bool:
    """bfloat16 autocast (weights and optimizer stay float32) on GPU and on CPUs with native bf16
    arithmetic, float32 on other CPUs: the engines' rule (engines/cpu_format.py, measured for vLLM:
    bf16 ~5x slower without native support); not yet timed against float32 for training."""
    if precision != "auto":
        return precision == "bfloat16"
    if device == "gpu":
        return True
    from passbound.engines.cpu_format import cpu_number_format

    chosen = cpu_number_format({})
    console.print(
        f"train: number format {'bfloat16 autocast' if chosen.dtype == 'bfloat16' else 'float32'} ({chosen.reason})"
    )
    return chosen.dtype == "bfloat16"


def write_curves(log_history: list[dict[str, Any]], path: Path, reward_name: str) -> Path:
    """One row per logged step: reward mean/std, pass rate (= mean reward: rewards are 0/1), KL,
    entropy, mean completion length, loss."""
    rows = []
    for h in log_history:
        if "step" not in h or f"rewards/{reward_name}/mean" not in h:
            continue
        rows.append(
            {
                "step": h["step"],
                "reward": h.get("reward"),
                "reward_std": h.get("reward_std"),
                "pass_rate": h.get(f"rewards/{reward_name}/mean"),
                "kl": h.get("kl"),
                "entropy": h.get("entropy"),
                "completion_length": h.get("completions/mean_length"),
                "loss": h.get("loss"),
            }
        )
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(CURVE_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)
    return path


def write_study(config: TrainConfig, output: Path) -> Path:
    """study.toml: the base and every checkpoint, as a training series `passbound run` studies."""
    engine = "hf" if config.training.device == "cpu" else "vllm"
    base = {
        "name": "base",
        "path": config.model.path,
        "role": "base",
        "engine": engine,
        "template": config.model.template,
    }
    a = config.algorithm
    algorithm = a.name + (f"/{a.loss_type}" if a.loss_type else "") + (f", beta={a.beta:g}" if a.beta else "")
    if config.training.objective != "grpo":
        algorithm += f", {config.training.objective} k={config.training.k}"
    models = [base] + [
        {
            "name": f"step-{step}",
            "path": str(folder),
            "role": "checkpoint",
            "step": step,
            "base": "base",
            "engine": engine,
            "template": config.model.template,
            "algorithm": algorithm,
            "training_curves": str(output / "curves.csv"),
        }
        for step, folder in checkpoints(output)
    ]
    benches = config.study.benchmarks or [{"name": config.data.benchmark, "split": "test"}]
    study = {
        "name": f"{config.name}-study",
        "output": str(output / "study-run"),
        "models": models,
        "benchmarks": benches,
        "sampling": {
            "n": config.study.n,
            "max_tokens": config.study.max_tokens,
            "temperature": config.study.temperature,
            "seed": config.training.seed,
        },
    }
    path = output / "study.toml"
    path.write_text(tomli_w.dumps(study), encoding="utf-8")
    return path


def train(config: TrainConfig) -> dict[str, Path]:
    """Train (or resume), then write curves.csv and study.toml; returns their paths."""
    try:
        from transformers import TrainerCallback
        from trl import GRPOConfig, GRPOTrainer, RLOOConfig, RLOOTrainer
    except ImportError as exc:
        raise MissingDependencyError(exc.name or "trl", "train", "passbound train") from None
    from passbound.models import resolve_model
    from passbound.train.rewards import VerifierReward

    output = Path(config.output)
    output.mkdir(parents=True, exist_ok=True)
    data, kind = _dataset(config)
    curves = output / "curves.csv"
    done = checkpoints(output)
    if done and done[-1][0] >= config.training.steps:
        # Already trained that far. Resuming a Trainer at max_steps would still run one more step
        # (seen: a rerun of a finished 16-step run made checkpoint-17), so nothing is loaded.
        console.print(
            f"train: {done[-1][1]} is at step {done[-1][0]} >= steps = {config.training.steps}; "
            "nothing to train (raise steps to continue)"
        )
        state = json.loads((done[-1][1] / "trainer_state.json").read_text(encoding="utf-8"))
        write_curves(state.get("log_history", []), curves, f"passbound_{kind}")
        return {"curves": curves, "study": write_study(config, output)}
    t, a = config.training, config.algorithm
    common: dict[str, Any] = dict(
        output_dir=str(output / "checkpoints"),
        max_steps=t.steps,
        learning_rate=t.learning_rate,
        per_device_train_batch_size=t.batch_size,
        num_generations=a.num_generations,
        max_completion_length=t.max_completion_length,
        temperature=t.temperature,
        seed=t.seed,
        beta=a.beta,
        save_strategy="steps",
        save_steps=t.save_every,
        logging_steps=1,
        report_to=[],
        use_cpu=t.device == "cpu",
        bf16=bf16_autocast(t.device, t.precision),
        use_vllm=t.device == "gpu",
    )
    if t.device == "gpu":
        common["vllm_mode"] = "colocate"
    objective: dict[str, Any] = {}  # the pass@k trainer's own arguments
    args: GRPOConfig | RLOOConfig
    trainer_class: Any  # GRPOTrainer, its pass@k subclass or RLOOTrainer, each with its own args type
    if a.name == "grpo":
        if a.loss_type is not None:
            common["loss_type"] = a.loss_type
        args, trainer_class = GRPOConfig(**common), GRPOTrainer
        if t.objective != "grpo":  # GRPO with pass@k advantages (train/objectives.py)
            from passbound.train.passk_trainer import PassAtKGRPOTrainer  # lazy: it subclasses trl's trainer

            trainer_class, objective = PassAtKGRPOTrainer, {"objective": t.objective, "k": t.k}
    else:
        args, trainer_class = RLOOConfig(**common), RLOOTrainer
    from passbound.prompts import get_template

    stop = getattr(get_template(config.model.template), "stop", ())
    with VerifierReward(
        kind,
        gold_column="answer",
        timeout=config.reward.timeout,
        verifier_options=config.reward.options,
        stop=stop,
        allow_visible_tests=config.reward.allow_visible_tests,
    ) as reward:

        class Curves(TrainerCallback):  # curves.csv after every logged step: a kill keeps them
            def on_log(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
                write_curves(state.log_history, curves, reward.__name__)

        trainer = trainer_class(
            model=resolve_model(config.model.path),
            reward_funcs=[reward],
            args=args,
            train_dataset=data,
            callbacks=[Curves()],
            **objective,
        )
        if done:  # complete checkpoints only: trainer_state.json is the last file a save writes
            console.print(f"train: resuming from {done[-1][1]}")
        # The newest complete checkpoint by path: TRL's own "latest" would pick a folder a kill left half-written.
        trainer.train(resume_from_checkpoint=str(done[-1][1]) if done else None)
        if not checkpoints(output) or checkpoints(output)[-1][0] != trainer.state.global_step:
            trainer.save_model(str(output / "checkpoints" / f"checkpoint-{trainer.state.global_step}"))
            trainer.state.save_to_json(
                str(output / "checkpoints" / f"checkpoint-{trainer.state.global_step}" / "trainer_state.json")
            )
        write_curves(trainer.state.log_history, curves, reward.__name__)
    return {"curves": curves, "study": write_study(config, output)}
