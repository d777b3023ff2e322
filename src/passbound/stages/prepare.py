"""Plan a run: load benchmarks, record problems and provenance, refuse incompatible resumes."""

from __future__ import annotations

import platform
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

import tomli_w

from passbound import __version__
from passbound.config import StudyConfig, study_from_dict
from passbound.errors import RunDirError
from passbound.stages.media import stage_media
from passbound.store import RunDir
from passbound.types import ModelRecord, Problem

# Changing any of these invalidates samples already drawn (they would no longer be comparable).
_SAMPLING_KEYS = ("n", "temperature", "top_p", "max_tokens", "seed", "chunk_size", "adaptive")
_MODEL_KEYS = ("path", "engine", "template", "engine_options", "sampling")


def _model_record(study: StudyConfig, name: str) -> ModelRecord:
    m = study.model(name)
    base = study.base_of(m)
    return {
        "name": m.name,
        "role": m.role,
        "step": m.step,
        "base": base.name if base else None,
        "algorithm": m.algorithm,
        "path": m.path,
        "engine": m.engine,
        "template": m.template,
        "engine_options": m.engine_options,
        "sampling": study.sampling.for_model(m).model_dump(),
    }


def _check_compatible(run: RunDir, old: dict[str, Any], study: StudyConfig) -> None:
    """Refuse to mix samples drawn under different settings in one run directory."""
    old_sampling = old.get("sampling", {})
    has_samples = any(
        run.chunks("samples", m, b) for m in (x["name"] for x in old.get("models", [])) for b in run.benchmarks()
    )
    if has_samples:
        current = study.sampling.model_dump()
        for key in _SAMPLING_KEYS:
            new = current[key]
            if key in old_sampling and old_sampling[key] != new:
                raise RunDirError(
                    f"sampling.{key} changed from {old_sampling[key]!r} to {new!r}, but {run.path} already holds "
                    f"samples drawn with {old_sampling[key]!r}. Set output to a new directory, or restore {key}."
                )
    old_models = {m["name"]: m for m in old.get("models", [])}
    for m in study.models:
        prev = old_models.get(m.name)
        if prev is None or not any(run.chunks("samples", m.name, b) for b in run.benchmarks()):
            continue
        record: dict[str, Any] = dict(_model_record(study, m.name))  # compared key by key with the manifest's
        for key in _MODEL_KEYS:
            if key in prev and prev[key] != record[key]:
                raise RunDirError(
                    f"model {m.name!r}: {key} changed from {prev[key]!r} to {record[key]!r}, but {run.path} already "
                    f"holds its samples. Give the changed model a new name, or delete {run.path / 'samples' / m.name}."
                )


def prepare_run(study: StudyConfig) -> RunDir:
    """Create or reopen the run directory for ``study`` and record its problems and provenance."""
    from passbound.benchmarks import LoaderRequest, load_request

    run = RunDir(study.output)
    blocked = next((p for p in (run.path, *run.path.parents) if p.exists() and not p.is_dir()), None)
    if blocked is not None:
        raise RunDirError(
            f"output {run.path} cannot be a run directory: {blocked} is a file; "
            "set output (or --out) to a directory path"
        )
    run.path.mkdir(parents=True, exist_ok=True)
    run.clean_temp_files()
    old = run.read_manifest() if run.exists() else {}
    _check_compatible(run, old, study)

    old_benches = {b["name"]: b for b in old.get("benchmarks", [])}
    bench_records = []
    for spec in study.benchmarks:
        loaded = load_request(LoaderRequest.from_spec(spec, data_dir=study.data_dir))
        problems = stage_media(run, loaded.problems)
        prev = old_benches.get(spec.name)
        if (
            prev
            and prev.get("sha256") != loaded.sha256
            and any(run.chunks("samples", m, spec.name) for m in _all_models(old))
        ):
            _check_prefix(run, spec.name, problems)
        if run.problems_path(spec.name).is_file():
            recorded = run.read_problems(spec.name)
            if len(recorded) > len(problems) and [p.id for p in recorded[: len(problems)]] == [p.id for p in problems]:
                # A smaller limit: keep the recorded tail so samples already drawn stay verifiable.
                problems = recorded
        run.write_problems(spec.name, problems)
        bench_records.append(
            {
                "name": spec.name,
                "kind": loaded.kind,
                "source": loaded.source,
                "sha256": loaded.sha256,
                "n_problems": len(loaded.problems),
            }
        )

    manifest = dict(old)
    manifest.update(
        passbound_version=__version__,
        python=platform.python_version(),
        study_name=study.name,
        created=old.get("created", datetime.now(timezone.utc).isoformat(timespec="seconds")),
        study=study.model_dump(mode="json"),
        models=[
            {**_model_record(study, m.name), "engine_version": old.get("engine_versions", {}).get(m.name)}
            for m in study.models
        ],
        benchmarks=bench_records,
        sampling=study.sampling.model_dump(),
        k_grid=study.k_grid,
    )
    manifest.setdefault("verifier_versions", {})
    run.write_manifest(manifest)
    run.write_text("study.toml", tomli_w.dumps(study.model_dump(mode="json", exclude_none=True)))
    return run


def _all_models(manifest: dict[str, Any]) -> list[str]:
    return [m["name"] for m in manifest.get("models", [])]


def _check_prefix(run: RunDir, benchmark: str, new: Sequence[Problem]) -> None:
    """A changed benchmark is fine only if old and new agree on their common prefix (a new limit)."""
    old = run.read_problems(benchmark)
    common = min(len(old), len(new))
    key = lambda p: (p.id, p.prompt, p.target, p.media)  # noqa: E731  (media: run-relative, named by their bytes)
    if [key(p) for p in old[:common]] != [key(p) for p in new[:common]]:
        raise RunDirError(
            f"benchmark {benchmark!r} now loads different problems than those already sampled in {run.path} "
            "(its data file or options changed). Point output to a new directory, or restore the data."
        )


def study_of_run(run: RunDir) -> StudyConfig:
    """The study recorded in a run directory's manifest."""
    manifest = run.read_manifest()
    if "study" not in manifest:
        raise RunDirError(f"{run.manifest_path} records no study; re-create the run with `passbound run STUDY.toml`")
    study = study_from_dict(manifest["study"], str(run.manifest_path))
    return study.model_copy(update={"output": run.location})


def record_versions(run: RunDir, key: str, values: dict[str, Any]) -> None:
    """Merge ``values`` into the manifest's ``key`` mapping (engine versions and number formats,
    verifier versions)."""
    manifest = run.read_manifest()
    merged = dict(manifest.get(key, {}))
    merged.update(values)
    manifest[key] = merged
    if key == "engine_versions":
        for m in manifest.get("models", []):
            if m["name"] in merged:
                m["engine_version"] = merged[m["name"]]
    run.write_manifest(manifest)
