"""Distillation data by rejection sampling: a teacher's verified-correct samples, as SFT rows.

Yue et al. (2025) contrast RLVR with distillation from a stronger teacher, which does widen the
boundary. `passbound distill RUN --teacher M` keeps only the teacher's samples whose verdict is
``pass`` (never a sample without a verdict), at most ``max_per_problem`` per problem (lowest
indices first, so the choice is reproducible), and writes them as SFT rows that TRL's
SFTTrainer reads: ``{"messages": [the prompt as the teacher saw it, its completion], ...}`` for a
chat template, ``{"prompt", "completion", ...}`` for a raw-text one, each with "benchmark",
"problem_id", "index". `--references` takes the problems' reference solutions instead
(:func:`reference_rows`). Optionally it trains a student on them (:func:`train_student`): a
folder that transformers and vLLM load, to add to a study with role ``distill``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from passbound.errors import ConfigError, DataError
from passbound.store import RunDir
from passbound.types import Problem


def sft_row(rendered: Any, completion: str, **ids: Any) -> dict[str, Any]:
    """One SFT row in the form the student will be prompted in: a raw-text template (few-shot)
    gives a prompt/completion pair (TRL trains on the completion only, and the student sees the
    same text at study time); a chat template gives chat messages."""
    if isinstance(rendered, str):
        return {"prompt": rendered, "completion": completion, **ids}
    return {"messages": [dict(m) for m in rendered] + [{"role": "assistant", "content": completion}], **ids}


def reference_rows_of(problems: Sequence[Problem], template: str) -> list[dict[str, Any]]:
    """SFT rows from the problems' own reference solutions (``metadata["solution"]``: the synthetic
    generator's step-by-step solutions, MATH's worked solutions): a teacher that knows more than
    any sampled model, the study's distillation contrast without a teacher model. Problems
    without one are skipped."""
    from passbound.prompts import get_template

    chosen = get_template(template)
    rows = []
    for p in problems:
        solution = (p.metadata or {}).get("solution")
        if isinstance(solution, str) and solution.strip():
            rows.append(sft_row(chosen.render(p), solution.strip(), benchmark=p.benchmark, problem_id=p.id, index=-1))
    return rows


def reference_rows(run: RunDir, template: str, *, benchmarks: list[str] | None = None) -> list[dict[str, Any]]:
    """:func:`reference_rows_of` every problem of the run (or of ``benchmarks``)."""
    rows = [
        r for bench in benchmarks or run.benchmarks() for r in reference_rows_of(run.read_problems(bench), template)
    ]
    if not rows:
        raise DataError(
            f"{run.path}: no problem of {', '.join(benchmarks or run.benchmarks())} has a reference "
            "solution (metadata 'solution'); distil from a teacher's samples instead (--teacher)"
        )
    return rows


def sft_rows(run: RunDir, teacher: str, *, max_per_problem: int | None = None) -> list[dict[str, Any]]:
    """The teacher's passing samples as SFT rows (see the module docstring)."""
    from passbound.cot._run import read_texts
    from passbound.prompts import get_template

    models = {m["name"]: m for m in run.read_manifest().get("models", [])}
    if teacher not in models:
        raise ConfigError(
            f"--teacher {teacher!r} is not a model of this run; its models: {', '.join(models) or 'none'}"
        )
    if max_per_problem is not None and max_per_problem < 1:
        raise ConfigError("--max-per-problem must be at least 1")
    template = get_template(models[teacher].get("template") or "chat")
    verdicts = run.read_all("verdicts", models=[teacher]).to_pandas()
    if verdicts.empty:
        raise DataError(f"{run.path} has no verdicts for {teacher!r}: run `passbound verify` first")
    passed = verdicts[verdicts["status"] == "pass"].sort_values(["benchmark", "problem_id", "index"])
    if max_per_problem is not None:
        passed = passed.groupby(["benchmark", "problem_id"], sort=False).head(max_per_problem)
    rows = []
    for bench, group in passed.groupby("benchmark", sort=True):
        problems = {p.id: p for p in run.read_problems(str(bench))}
        texts = read_texts(run, teacher, str(bench), set(zip(group["problem_id"], group["index"].astype(int))))
        for pid, index in zip(group["problem_id"], group["index"].astype(int)):
            text = texts.get((pid, index))
            if text is None:
                continue  # a verdict whose sample shard is gone: nothing to train on
            rows.append(
                sft_row(
                    template.render(problems[pid]),
                    text["text"],
                    benchmark=str(bench),
                    problem_id=str(pid),
                    index=int(index),
                )
            )
    return rows


def write_sft(rows: list[dict[str, Any]], out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    tmp.replace(out)
    return out


def train_student(
    rows: list[dict[str, Any]],
    student: str,
    out_dir: Path,
    *,
    steps: int = 10,
    learning_rate: float = 1e-5,
    batch_size: int = 2,
    seed: int = 0,
) -> Path:
    """SFT of ``student`` on ``rows`` with TRL's SFTTrainer (CPU when no GPU); returns the saved
    model folder (weights + tokenizer), loadable by transformers and vLLM."""
    try:
        import torch
        from datasets import Dataset
        from trl import SFTConfig, SFTTrainer
    except ImportError as exc:
        from passbound.errors import MissingDependencyError

        raise MissingDependencyError(exc.name or "trl", "train", "training a student") from None
    from passbound.models import resolve_model

    if not rows:
        raise DataError("no SFT rows: the teacher has no passing samples to distil")
    cuda = torch.cuda.is_available()
    args = SFTConfig(
        output_dir=str(out_dir / "trainer"),
        max_steps=steps,
        learning_rate=learning_rate,
        per_device_train_batch_size=batch_size,
        seed=seed,
        use_cpu=not cuda,
        report_to=[],
        logging_steps=1,
        save_strategy="no",
        bf16=False,
    )
    keys = ("messages",) if "messages" in rows[0] else ("prompt", "completion")
    if any(k not in r for r in rows for k in keys):
        raise DataError("SFT rows mix chat messages and prompt/completion pairs; use one template for all")
    data = Dataset.from_list([{k: r[k] for k in keys} for r in rows])
    trainer = SFTTrainer(model=resolve_model(student), train_dataset=data, args=args)
    trainer.train()
    final = out_dir / "model"
    trainer.save_model(str(final))
    tokenizer = trainer.processing_class
    if tokenizer is None:  # SFTTrainer loads the student's tokenizer; without it the folder is unusable
        raise RuntimeError(f"SFT of {student} has no tokenizer to save beside the model")
    tokenizer.save_pretrained(str(final))
    return final
