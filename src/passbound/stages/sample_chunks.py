"""The sample chunks still to draw, as chunk tasks a runner can execute anywhere.

A task names one model, benchmark and chunk, the problems it covers, their seeds, and how many
samples each gets from which index. The tasks are read from the run directory alone, so a rerun
after a kill draws exactly the chunks that were not committed (see ``chunks_to_sample``).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from passbound.config import ModelSpec, StudyConfig
from passbound.progress import console
from passbound.store import RunDir
from passbound.types import Problem


@dataclass(frozen=True)
class ChunkTask:
    """Sample ``count`` completions (indices ``offset``..) for each problem of one chunk."""

    model: str
    benchmark: str
    chunk: int
    problem_ids: tuple[str, ...]
    seeds: tuple[int, ...]
    count: int
    offset: int

    @property
    def samples(self) -> int:
        return len(self.problem_ids) * self.count


def prompts_in_flight(study: StudyConfig) -> int:
    """Prompts kept queued in a streaming engine: two chunks' worth unless ``[runner] in_flight`` says."""
    return study.runner.in_flight or 2 * study.sampling.chunk_size


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


def _task(
    model: ModelSpec, study: StudyConfig, benchmark: str, chunk: int, problems: list[Problem], count: int, offset: int
) -> ChunkTask:
    # Round two draws with its own per-problem seeds: its samples are new draws, not a replay.
    seed = study.sampling.for_model(model).seed
    seeds = tuple(problem_seed(seed, benchmark, p.id if offset == 0 else f"{p.id}/from-{offset}") for p in problems)
    return ChunkTask(model.name, benchmark, chunk, tuple(p.id for p in problems), seeds, count, offset)


def chunks_to_sample(run: RunDir, study: StudyConfig, model: ModelSpec) -> list[ChunkTask]:
    """What is still to sample: whole chunks without a shard, the problems an imported shard does
    not cover (``passbound import`` may fill a chunk only in part), and, with adaptive sampling,
    round two for the problems chosen for it once round one is verified."""
    params = study.sampling.for_model(model)
    first = params.first_round()
    todo: list[ChunkTask] = []
    for spec in study.benchmarks:
        chunks = chunked(active_problems(run, study, spec.name), study.sampling.chunk_size)
        done = set(run.chunks("samples", model.name, spec.name))
        topped_up = _round_two(run, study, model, spec.name, chunks, done) if study.sampling.adaptive else set()
        for i, chunk in enumerate(chunks):
            if i not in done:
                todo.append(_task(model, study, spec.name, i, chunk, first, 0))
                continue
            have = run.read_shard("samples", model.name, spec.name, i, columns=["problem_id"])["problem_id"].to_pylist()
            count = Counter(have)
            missing = [p for p in chunk if p.id not in count]
            if missing:
                todo.append(_task(model, study, spec.name, i, missing, first, 0))
            top_up = [p for p in chunk if p.id in topped_up and count.get(p.id, 0) == first]
            if top_up:
                todo.append(_task(model, study, spec.name, i, top_up, params.n - first, first))
    return todo


# Below this many round-one passes the adaptive interval under-covers: 85-88% of 200 simulated runs
# held the full-budget curve at every k, against 95-96% from 5 passes on (perf/adaptive_sim.py
# shapes weak and moderate, 24 problems, n = 32, first = 4 and 8).
FEW_PASSES = 5


def _round_two(
    run: RunDir, study: StudyConfig, model: ModelSpec, benchmark: str, chunks: list[list[Problem]], done: set[int]
) -> set[str]:
    """The problems adaptive sampling tops up to n; chosen once from round one's verdicts and
    recorded in the manifest (``adaptive_plans``, a run-directory key kept as it is), so a resumed
    run tops up the same ones."""
    from passbound.metrics.adaptive import second_round
    from passbound.stages.prepare import record_versions

    recorded = run.read_manifest().get("adaptive_plans", {}).get(model.name, {})
    if benchmark in recorded:
        return set(recorded[benchmark])
    if len(done) < len(chunks) or any(
        not run.has_shard("verdicts", model.name, benchmark, i) for i in range(len(chunks))
    ):
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
    earlier = dict(run.read_manifest().get("adaptive_plans", {}))
    record_versions(run, "adaptive_plans", {model.name: {**earlier.get(model.name, {}), benchmark: chosen}})
    console.print(
        f"sample: adaptive round two for {model.name}/{benchmark}: {len(chosen)} of {len(problems)} "
        f"problems topped up from {first} to {params.n} samples"
    )
    if sum(c0) < FEW_PASSES:
        console.print(
            f"[yellow]sample: round one passed {sum(c0)} of {first * len(problems)} samples of "
            f"{model.name}/{benchmark}: pass@k past k = {first} rests mostly on the prior, and its interval "
            "can be too narrow; a larger [sampling.adaptive] first (or budget) gives it more to go on[/]"
        )
    return set(chosen)
