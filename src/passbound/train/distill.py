"""Distillation data by rejection sampling: a teacher's verified-correct samples, as SFT rows.

Yue et al. (2025) contrast RLVR with distillation from a stronger teacher, which does widen the
boundary. `passbound distill RUN --teacher M` keeps only the teacher's samples whose verdict is
``pass`` (never a sample without a verdict), at most ``max_per_problem`` per problem (lowest
indices first, so the choice is reproducible), and writes them as chat-format SFT rows
``{"messages": [user prompt as the teacher saw it, assistant completion], "benchmark",
"problem_id", "index"}`` that TRL's SFTTrainer reads. Optionally it trains a student on them
(:func:`train_student`): a folder that transformers and vLLM load, to add to a study with role
``distill``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from passbound.errors import ConfigError, DataError
from passbound.store import RunDir


def _prompt_messages(rendered: Any) -> list[dict[str, str]]:
    if isinstance(rendered, str):
        return [{"role": "user", "content": rendered}]
    return [dict(m) for m in rendered]


def sft_rows(run: RunDir, teacher: str, *, max_per_problem: int | None = None) -> list[dict[str, Any]]:
    """The teacher's passing samples as SFT rows (see the module docstring)."""
    from passbound.cot._run import read_texts
    from passbound.prompts import get_template

    models = {m["name"]: m for m in run.read_manifest().get("models", [])}
    if teacher not in models:
        raise ConfigError(f"--teacher {teacher!r} is not a model of this run; its models: {', '.join(models) or 'none'}")
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
            rows.append({"messages": _prompt_messages(template.render(problems[pid]))
                         + [{"role": "assistant", "content": text["text"]}],
                         "benchmark": str(bench), "problem_id": str(pid), "index": int(index)})
    return rows


def write_sft(rows: list[dict[str, Any]], out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    tmp.replace(out)
    return out


def train_student(rows: list[dict[str, Any]], student: str, out_dir: Path, *, steps: int = 10,
                  learning_rate: float = 1e-5, batch_size: int = 2, seed: int = 0) -> Path:
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
    args = SFTConfig(output_dir=str(out_dir / "trainer"), max_steps=steps, learning_rate=learning_rate,
                     per_device_train_batch_size=batch_size, seed=seed, use_cpu=not cuda, report_to=[],
                     logging_steps=1, save_strategy="no", bf16=False)
    data = Dataset.from_list([{"messages": r["messages"]} for r in rows])
    trainer = SFTTrainer(model=resolve_model(student), train_dataset=data, args=args)
    trainer.train()
    final = out_dir / "model"
    trainer.save_model(str(final))
    trainer.processing_class.save_pretrained(str(final))
    return final
