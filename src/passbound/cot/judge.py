"""An LLM judge for the reasoning of correct-answer samples (CoT validity, Yue et al. 2025 §C).

A right final answer can come from wrong reasoning (a lucky guess, cancelling errors, an answer
that does not follow from the work); at large k such samples inflate pass@k. The judge reads the
problem, the reference answer and one correct-answer sample, and must end with
``VERDICT: VALID`` or ``VERDICT: INVALID``; anything else is recorded as ``unknown`` (and counts
as not valid in CoT-pass@k). It runs through passbound's engine registry at temperature 0.

Judgments live in ``RUN/judgments/<model>/<benchmark>.parquet``, rewritten atomically after
every batch, so a killed judge loses at most one batch and a re-run judges only what is missing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pandas as pd
import pyarrow as pa

from passbound.cot._run import Key, check_names, load_verdicts, read_texts, run_models, truncate
from passbound.cot.drilldown import hard_threshold, problem_counts_frame
from passbound.engines.base import GenerationSettings, call_generate
from passbound.errors import ConfigError
from passbound.progress import console, progress_bar
from passbound.store import RunDir, atomic_write_table
from passbound.store.side_tables import JUDGMENT_SCHEMA, judgment_map, judgments_path, read_judgments

TEMPLATE_VERSION = "cot-judge-1"
JUDGE_TEMPLATE = """You are checking a worked solution to a problem. Its final answer matches the reference answer. \
Decide whether the REASONING is valid: every step follows from the previous ones, the computations are right, \
and the final answer is derived from the work rather than guessed, asserted without support, or reached through \
errors that happen to cancel.

Problem:
{problem}

Reference answer: {target}

Solution to check:
{solution}

Explain your assessment in a few sentences. Then write a final line that is exactly \
"VERDICT: VALID" or "VERDICT: INVALID"."""
JUDGMENTS = ("valid", "invalid", "unknown")
SCHEMA = JUDGMENT_SCHEMA
# "VERDICT: VALID", "**Verdict:** invalid", "verdict = `VALID`", "Final verdict - Invalid."
_VERDICT = re.compile(r"verdict\W{0,6}\s*(in|not\s+)?valid\b", re.IGNORECASE)
_LOOSE = re.compile(r"^\W*(in|not\s+)?valid\W*$", re.IGNORECASE)


def judge_prompt(problem: str, target: str, solution: str, max_chars: int | None = 24_000) -> str:
    """The judge's input for one sample; a very long solution keeps its head and tail."""
    text, _ = truncate(solution, max_chars)
    return JUDGE_TEMPLATE.format(problem=problem.strip(), target=str(target).strip(), solution=text.strip())


def parse_verdict(output: str) -> str:
    """``valid`` / ``invalid`` from the judge's text, else ``unknown``.

    The last ``VERDICT: ...`` wins (a judge may quote the format before answering); failing
    that, a final line that is only "VALID" or "INVALID" is accepted.
    """
    matches = list(_VERDICT.finditer(output or ""))
    if matches:
        return "invalid" if matches[-1].group(1) else "valid"
    lines = [ln for ln in (output or "").strip().splitlines() if ln.strip()]
    if lines and (m := _LOOSE.match(lines[-1].strip())):
        return "invalid" if m.group(1) else "valid"
    return "unknown"


def has_cot_data(run: RunDir) -> bool:
    """Whether the run holds any judgment or human verdict (then analyse writes cot_passk.csv)."""
    from passbound.cot.annotations import annotations_path

    return annotations_path(run).is_file() or any((run.path / "judgments").glob("*/*.parquet"))


@dataclass(frozen=True)
class JudgeSpec:
    """Which model judges, through which engine, with which options."""

    path: str
    engine: str
    options: dict[str, Any]
    label: str


def resolve_judge(run: RunDir, judge: str, engine: str | None, options: dict[str, Any]) -> JudgeSpec:
    """A study model's name reuses its path, engine and options; anything else is a model path or hub id."""
    for m in run_models(run):
        if m["name"] == judge:
            own_engine = str(m.get("engine") or "vllm")
            # the study model's options belong to its own engine; another engine gets only the given ones
            base = (m.get("engine_options") or {}) if engine in (None, own_engine) else {}
            return JudgeSpec(str(m["path"]), engine or own_engine, {**base, **options}, judge)
    return JudgeSpec(judge, engine or "vllm", dict(options), judge)


def pending(
    run: RunDir,
    *,
    models: Sequence[str] | None = None,
    benchmarks: Sequence[str] | None = None,
    only_hard: bool = False,
    max_correct: int | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Correct-answer samples with no judgment yet: hardest problems first, then problem and index order."""
    check_names(run, models, benchmarks)
    v = load_verdicts(run, models, benchmarks)
    counts = problem_counts_frame(v)
    passed = v[v["status"] == "pass"].merge(counts, on=["model", "benchmark", "problem_id"])
    if passed.empty:
        return passed
    passed["hard"] = [c <= hard_threshold(int(n), max_correct) for n, c in zip(passed["n"], passed["c"])]
    if only_hard:
        passed = passed[passed["hard"]]
    done = judgment_map(run)
    keys = zip(passed["model"], passed["benchmark"], passed["problem_id"], passed["index"])
    passed = passed[[k not in done for k in keys]]
    passed = passed.assign(frac=passed["c"] / passed["n"]).sort_values(
        ["frac", "benchmark", "problem_id", "model", "index"], kind="stable"
    )
    return passed.head(limit) if limit is not None else passed


def _seed(key: Key) -> int:
    return int.from_bytes(hashlib.sha256(repr(key).encode()).digest()[:4], "little") & 0x7FFFFFFF


def _commit(run: RunDir, model: str, benchmark: str, rows: list[dict[str, Any]]) -> None:
    """Rewrite the (model, benchmark) judgments file with ``rows`` added (temp file + rename)."""
    old = read_judgments(run, model, benchmark)
    new = pd.DataFrame(rows, columns=SCHEMA.names)
    both = pd.concat([old, new], ignore_index=True) if len(old) else new
    both = both.drop_duplicates(["problem_id", "index"], keep="last")
    atomic_write_table(
        judgments_path(run, model, benchmark), pa.Table.from_pandas(both, schema=SCHEMA, preserve_index=False)
    )


def judge_run(
    run: RunDir,
    judge: JudgeSpec,
    *,
    models: Sequence[str] | None = None,
    benchmarks: Sequence[str] | None = None,
    only_hard: bool = False,
    max_correct: int | None = None,
    limit: int | None = None,
    max_tokens: int = 1024,
    batch_size: int = 32,
    chat: bool = True,
    max_chars: int | None = 24_000,
    show_progress: bool = True,
) -> int:
    """Judge every correct-answer sample that has no judgment yet; return how many were judged."""
    from passbound.registry import engines

    if max_tokens < 1 or batch_size < 1:
        raise ConfigError("--max-tokens and --batch-size must be at least 1")
    todo = pending(run, models=models, benchmarks=benchmarks, only_hard=only_hard, max_correct=max_correct, limit=limit)
    if todo.empty:
        console.print("judge: nothing to do, every selected correct-answer sample already has a judgment")
        return 0
    options = dict(judge.options)
    if judge.engine == "hf":
        options.setdefault("logprobs", False)  # the judge needs text, not the completion's log-prob
    console.print(f"judge: {len(todo)} samples; loading {judge.path} with engine {judge.engine!r}")
    engine = engines.create(judge.engine, model=judge.path, **options)
    problems = {b: {p.id: p for p in run.read_problems(b)} for b in todo["benchmark"].unique()}
    judged = 0
    try:
        with progress_bar("judge", len(todo), enabled=show_progress) as advance:
            for (model, bench), group in todo.groupby(["model", "benchmark"], sort=False):
                for start in range(0, len(group), batch_size):
                    judged += _judge_batch(
                        run,
                        engine,
                        judge,
                        str(model),
                        str(bench),
                        group.iloc[start : start + batch_size],
                        problems[bench],
                        max_tokens,
                        chat,
                        max_chars,
                        advance,
                    )
    finally:
        engine.close()
    return judged


def _judge_batch(
    run: RunDir,
    engine: Any,
    judge: JudgeSpec,
    model: str,
    bench: str,
    batch: pd.DataFrame,
    problems: dict[str, Any],
    max_tokens: int,
    chat: bool,
    max_chars: int | None,
    advance: Any,
) -> int:
    wanted = set(zip(batch["problem_id"], batch["index"].astype(int)))
    texts = read_texts(run, model, bench, wanted)
    keys = [(str(p), int(i)) for p, i in zip(batch["problem_id"], batch["index"]) if (str(p), int(i)) in texts]
    prompts: list[Any] = []
    for pid, index in keys:
        problem = problems.get(pid)
        text = judge_prompt(
            problem.prompt if problem else "", problem.target if problem else "", texts[(pid, index)]["text"], max_chars
        )
        prompts.append([{"role": "user", "content": text}] if chat else text)
    results = call_generate(
        engine,
        prompts,
        n=1,
        settings=GenerationSettings.greedy(max_tokens),
        seeds=[_seed((model, bench, p, i)) for p, i in keys],
        on_progress=advance,
    )
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    rows = [
        dict(
            model=model,
            benchmark=bench,
            problem_id=pid,
            index=index,
            judgment=parse_verdict(comps[0].text),
            judge=judge.label,
            template=TEMPLATE_VERSION,
            output=comps[0].text,
            time=now,
        )
        for (pid, index), comps in zip(keys, results)
    ]
    _commit(run, model, bench, rows)
    return len(rows)
