"""Sampling stage: n completions per problem per model, committed one chunk of problems at a time."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from passbound.config import ModelSpec, StudyConfig
from passbound.errors import RunDirError
from passbound.progress import console, progress_bar
from passbound.store import RunDir
from passbound.store.rundir import samples_to_table
from passbound.types import Problem, Sample


def problem_seed(study_seed: int, benchmark: str, problem_id: str) -> int:
    """A per-problem seed: results of one problem never depend on which others share its batch."""
    digest = hashlib.sha256(f"{study_seed}/{benchmark}/{problem_id}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


def chunked(problems: Sequence[Problem], size: int) -> list[list[Problem]]:
    return [list(problems[i : i + size]) for i in range(0, len(problems), size)]


def active_problems(run: RunDir, study: StudyConfig, benchmark: str) -> list[Problem]:
    """The problems this study covers (the recorded file may hold more, from a larger earlier limit)."""
    manifest = run.read_manifest()
    n = next((b["n_problems"] for b in manifest.get("benchmarks", []) if b["name"] == benchmark), None)
    problems = run.read_problems(benchmark)
    return problems if n is None else problems[:n]


def _pending(run: RunDir, study: StudyConfig, model: ModelSpec) -> list[tuple[str, int, list[Problem]]]:
    """(benchmark, chunk, problems still to sample): whole chunks without a shard, and the problems
    an imported shard does not cover (``passbound import`` may fill a chunk only in part)."""
    todo = []
    for spec in study.benchmarks:
        chunks = chunked(active_problems(run, study, spec.name), study.sampling.chunk_size)
        done = set(run.chunks("samples", model.name, spec.name))
        for i, chunk in enumerate(chunks):
            if i not in done:
                todo.append((spec.name, i, chunk))
                continue
            have = set(run.read_shard("samples", model.name, spec.name, i, columns=["problem_id"])["problem_id"].to_pylist())
            missing = [p for p in chunk if p.id not in have]
            if missing:
                todo.append((spec.name, i, missing))
    return todo


def _engine_key(model: ModelSpec) -> tuple[str, str, str]:
    return (model.engine, model.path, repr(sorted(model.engine_options.items())))


def sample_run(study: StudyConfig, run: RunDir, *, models: Sequence[str] | None = None, show_progress: bool = True) -> int:
    """Draw every missing sample of the study; return how many completions were written.

    Models that share engine, path and options share one loaded engine (one vLLM start).
    """
    from passbound.prompts import get_template
    from passbound.registry import engines
    from passbound.stages.prepare import record_versions

    selected = [m for m in study.models if models is None or m.name in models]
    plan = [(m, _pending(run, study, m)) for m in selected]
    plan = [(m, todo) for m, todo in plan if todo]
    if not plan:
        console.print("sample: nothing to do, every sample is already committed")
        return 0
    written = 0
    loaded: dict[tuple[str, str, str], Any] = {}
    remaining_users = {}
    for m, _ in plan:
        remaining_users[_engine_key(m)] = remaining_users.get(_engine_key(m), 0) + 1
    try:
        for model, todo in plan:
            key = _engine_key(model)
            if key not in loaded:
                console.print(f"sample: loading {model.path} with engine {model.engine!r}")
                loaded[key] = engines.create(model.engine, model=model.path, **model.engine_options)
                if getattr(loaded[key], "number_format", None) is not None:  # printed once per engine
                    console.print(f"sample: number format {loaded[key].number_format}")
            engine = loaded[key]
            record_versions(run, "engine_versions", {model.name: engine.version()})
            number_format = getattr(engine, "number_format", None)  # CPU engines (vllm, hf)
            if number_format is not None:
                record_versions(run, "engine_number_formats", {model.name: number_format.as_dict()})
            written += _sample_model(study, run, model, engine, get_template(model.template), todo, show_progress)
            remaining_users[key] -= 1
            if remaining_users[key] == 0:
                loaded.pop(key).close()
    finally:
        for engine in loaded.values():
            engine.close()
    return written


def _sample_model(study: StudyConfig, run: RunDir, model: ModelSpec, engine: Any, template: Any,
                  todo: list[tuple[str, int, list[Problem]]], show_progress: bool) -> int:
    params = study.sampling.for_model(model)
    total = sum(len(chunk) for _, _, chunk in todo)
    written = 0
    with progress_bar(f"sample {model.name}", total, enabled=show_progress) as advance:
        for benchmark, index, chunk in todo:
            seeds = [problem_seed(params.seed, benchmark, p.id) for p in chunk]
            prompts = [template.render(p) for p in chunk]
            results = engine.generate(
                prompts,
                n=params.n,
                temperature=params.temperature,
                top_p=params.top_p,
                max_tokens=params.max_tokens,
                seeds=seeds,
                stop=list(template.stop) or None,
                on_progress=advance,
            )
            if len(results) != len(chunk) or any(len(r) != params.n for r in results):
                raise RunDirError(
                    f"engine {model.engine!r} returned {[len(r) for r in results]} completions for {len(chunk)} prompts "
                    f"(expected {params.n} each); nothing was written for this chunk"
                )
            rows = [
                Sample(model.name, benchmark, p.id, j, c.text, c.finish_reason, c.n_tokens, seed, c.logprob)
                for p, seed, comps in zip(chunk, seeds, results)
                for j, c in enumerate(comps)
            ]
            table = samples_to_table(rows)
            if run.has_shard("samples", model.name, benchmark, index):  # completing an imported chunk
                table = pa.concat_tables([run.read_shard("samples", model.name, benchmark, index), table])
            run.write_shard("samples", model.name, benchmark, index, table)
            written += len(rows)
    return written
