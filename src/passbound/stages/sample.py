"""Sampling stage: n completions per problem per model, committed one chunk of problems at a time.

The driver reads the chunk tasks still to draw from the run directory (``sample_chunks``), hands them to a runner
(this process by default, Ray with ``[runner] kind = "ray"``) that samples and commits each
chunk's shard (``chunk_sampler``), and alone writes the manifest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from passbound.config import ModelSpec, StudyConfig
from passbound.progress import console, progress_bar
from passbound.stages.chunk_sampler import ChunkSampler
from passbound.stages.sample_chunks import (
    ChunkTask,
    active_problems,
    chunked,
    chunks_to_sample,
    problem_seed,
    prompts_in_flight,
)
from passbound.store import RunDir

__all__ = ["ChunkTask", "active_problems", "chunked", "chunks_to_sample", "problem_seed", "sample_run"]


def _engine_key(model: ModelSpec) -> tuple[str, str, str]:
    return (model.engine, model.path, repr(sorted(model.engine_options.items())))


def sample_run(
    study: StudyConfig, run: RunDir, *, models: Sequence[str] | None = None, show_progress: bool = True
) -> int:
    """Draw every missing sample of the study; return how many completions were written.

    Models that share engine, path and options share one loaded engine (one vLLM start).
    """
    from passbound.registry import engines
    from passbound.stages.prepare import record_versions

    selected = [m for m in study.models if models is None or m.name in models]
    work = [(m, chunks_to_sample(run, study, m)) for m in selected]
    work = [(m, todo) for m, todo in work if todo]
    if not work:
        console.print("sample: nothing to do, every sample is already committed")
        return 0
    _check_before_sampling(study, run, work)
    if study.runner.kind == "ray":
        return _sample_on_ray(study, run, work, show_progress)
    written = 0
    loaded: dict[tuple[str, str, str], Any] = {}
    remaining_users: dict[tuple[str, str, str], int] = {}
    for m, _ in work:
        remaining_users[_engine_key(m)] = remaining_users.get(_engine_key(m), 0) + 1
    try:
        for model, todo in work:
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
            written += _sample_model(study, run, model, engine, todo, show_progress)
            remaining_users[key] -= 1
            if remaining_users[key] == 0:
                loaded.pop(key).close()
    finally:
        for engine in loaded.values():
            engine.close()
    return written


def _check_before_sampling(study: StudyConfig, run: RunDir, work: list[tuple[ModelSpec, list[ChunkTask]]]) -> None:
    """Image problems need their images, a template that shows them and a model that sees them;
    all of it is checked for every model before the first one is loaded."""
    from passbound.prompts import get_template
    from passbound.stages.media import check_images_can_be_shown, check_media

    for model, todo in work:
        benchmarks = sorted({t.benchmark for t in todo})
        problems = [p for b in benchmarks for p in active_problems(run, study, b)]
        check_media(run, problems)
        check_images_can_be_shown(model, get_template(model.template), problems)


def _sample_on_ray(
    study: StudyConfig, run: RunDir, work: list[tuple[ModelSpec, list[ChunkTask]]], show_progress: bool
) -> int:
    from passbound.stages.prepare import record_versions
    from passbound.stages.ray_runner import sample_model_on_ray

    written = 0
    for model, todo in work:
        console.print(f"sample: {model.name} on Ray, {study.runner.replicas} replica(s) of {model.path}")
        with progress_bar(
            f"sample {model.name}", sum(len(t.problem_ids) for t in todo), enabled=show_progress
        ) as advance:
            rows, facts = sample_model_on_ray(study, run, model, todo, advance)
        written += rows
        if facts:
            record_versions(run, "engine_versions", {model.name: facts["version"]})
            if facts.get("number_format") is not None:
                record_versions(run, "engine_number_formats", {model.name: facts["number_format"]})
    return written


def _sample_model(
    study: StudyConfig, run: RunDir, model: ModelSpec, engine: Any, todo: list[ChunkTask], show_progress: bool
) -> int:
    sampler = ChunkSampler(study, run, model.name, engine)
    total = sum(len(task.problem_ids) for task in todo)
    written = 0
    with progress_bar(f"sample {model.name}", total, enabled=show_progress) as advance:
        if study.runner.stream:
            for task in sampler.stream(todo, prompts_in_flight(study), on_progress=advance):
                written += task.samples
        else:
            for task in todo:
                written += sampler.sample(task, on_progress=advance)
    return written
