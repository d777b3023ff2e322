"""Sampling stage: n completions per problem per model, committed one chunk of problems at a time."""

from __future__ import annotations

import hashlib
from collections import Counter
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


Todo = tuple[str, int, list[Problem], int, int]  # (benchmark, chunk, problems, samples each, first index)


def _pending(run: RunDir, study: StudyConfig, model: ModelSpec) -> list[Todo]:
    """What is still to sample: whole chunks without a shard, the problems an imported shard does
    not cover (``passbound import`` may fill a chunk only in part), and, with adaptive sampling,
    round two for the problems its plan chose once round one is verified."""
    params = study.sampling.for_model(model)
    first = params.first_round()
    todo: list[Todo] = []
    for spec in study.benchmarks:
        chunks = chunked(active_problems(run, study, spec.name), study.sampling.chunk_size)
        done = set(run.chunks("samples", model.name, spec.name))
        plan = _round_two(run, study, model, spec.name, chunks, done) if study.sampling.adaptive else set()
        for i, chunk in enumerate(chunks):
            if i not in done:
                todo.append((spec.name, i, chunk, first, 0))
                continue
            have = run.read_shard("samples", model.name, spec.name, i, columns=["problem_id"])["problem_id"].to_pylist()
            count = Counter(have)
            missing = [p for p in chunk if p.id not in count]
            if missing:
                todo.append((spec.name, i, missing, first, 0))
            top_up = [p for p in chunk if p.id in plan and count.get(p.id, 0) == first]
            if top_up:
                todo.append((spec.name, i, top_up, params.n - first, first))
    return todo


def _round_two(run: RunDir, study: StudyConfig, model: ModelSpec, benchmark: str, chunks: list[list[Problem]],
               done: set[int]) -> set[str]:
    """The problems adaptive sampling tops up to n; chosen once from round one's verdicts and
    recorded in the manifest, so a resumed run tops up the same ones."""
    from passbound.metrics.adaptive import second_round
    from passbound.stages.prepare import record_versions

    recorded = run.read_manifest().get("adaptive_plans", {}).get(model.name, {})
    if benchmark in recorded:
        return set(recorded[benchmark])
    if len(done) < len(chunks) or any(not run.has_shard("verdicts", model.name, benchmark, i) for i in range(len(chunks))):
        return set()  # round one is not sampled and verified everywhere yet
    params = study.sampling.for_model(model)
    first = params.first_round()
    verdicts = run.read_all("verdicts", models=[model.name], benchmarks=[benchmark]).to_pandas()
    verdicts = verdicts[verdicts["index"] < first]
    passed = verdicts.assign(ok=verdicts["status"].eq("pass")).groupby("problem_id")["ok"].sum()
    problems = [p for chunk in chunks for p in chunk]
    c0 = [int(passed.get(p.id, 0)) for p in problems]
    assert study.sampling.adaptive is not None
    chosen = sorted(problems[i].id for i in second_round(c0, first, params.n, study.sampling.adaptive.budget))
    plans = dict(run.read_manifest().get("adaptive_plans", {}))
    record_versions(run, "adaptive_plans", {model.name: {**plans.get(model.name, {}), benchmark: chosen}})
    console.print(f"sample: adaptive round two for {model.name}/{benchmark}: {len(chosen)} of {len(problems)} "
                  f"problems topped up from {first} to {params.n} samples")
    return set(chosen)


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
                  todo: list[Todo], show_progress: bool) -> int:
    params = study.sampling.for_model(model)
    total = sum(len(chunk) for _, _, chunk, _, _ in todo)
    written = 0
    with progress_bar(f"sample {model.name}", total, enabled=show_progress) as advance:
        for benchmark, index, chunk, count, offset in todo:
            # Round two draws with its own per-problem seeds: its samples are new draws, not a replay.
            seeds = [problem_seed(params.seed, benchmark, p.id if offset == 0 else f"{p.id}/from-{offset}")
                     for p in chunk]
            prompts = [template.render(p) for p in chunk]
            results = engine.generate(
                prompts,
                n=count,
                temperature=params.temperature,
                top_p=params.top_p,
                max_tokens=params.max_tokens,
                seeds=seeds,
                stop=list(template.stop) or None,
                on_progress=advance,
            )
            if len(results) != len(chunk) or any(len(r) != count for r in results):
                raise RunDirError(
                    f"engine {model.engine!r} returned {[len(r) for r in results]} completions for {len(chunk)} prompts "
                    f"(expected {count} each); nothing was written for this chunk"
                )
            rows = [
                Sample(model.name, benchmark, p.id, offset + j, c.text, c.finish_reason, c.n_tokens, seed, c.logprob)
                for p, seed, comps in zip(chunk, seeds, results)
                for j, c in enumerate(comps)
            ]
            table = samples_to_table(rows)
            if run.has_shard("samples", model.name, benchmark, index):  # an imported chunk, or round two
                table = pa.concat_tables([run.read_shard("samples", model.name, benchmark, index), table])
            run.write_shard("samples", model.name, benchmark, index, table)
            written += len(rows)
    return written
