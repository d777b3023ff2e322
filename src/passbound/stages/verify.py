"""Verification stage: a verdict shard for every sample shard, re-done when the verifier changes."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow.compute as pc
import pyarrow.parquet as pq

from passbound.config import StudyConfig
from passbound.progress import console, progress_bar
from passbound.stages.shard_grader import ShardGrader, ShardTodo, load_problems, opened_reasoning, problem_kinds
from passbound.store import RunDir


def _stale(run: RunDir, model: str, benchmark: str, chunk: int, versions: dict[str, str], force: bool) -> str | None:
    """ "all" to (re)grade the chunk, "missing" to grade only samples added since its verdicts
    (round two of adaptive sampling, an imported chunk completed by sampling), None if current."""
    if force or not run.has_shard("verdicts", model, benchmark, chunk):
        return "all"
    recorded = pq.read_table(run.shard_path("verdicts", model, benchmark, chunk), columns=["verifier_version"])
    if set(pc.unique(recorded["verifier_version"]).to_pylist()) - set(versions.values()):
        return "all"
    if recorded.num_rows != pq.read_metadata(run.shard_path("samples", model, benchmark, chunk)).num_rows:
        return "missing"
    return None


def shards_to_verify(
    study: StudyConfig, run: RunDir, models: Sequence[str] | None, force: bool, versions: dict[str, str]
) -> list[ShardTodo]:
    """The sample shards whose verdicts are missing or stale under the verifier ``versions``."""
    todo: list[ShardTodo] = []
    for model in (m.name for m in study.models if models is None or m.name in models):
        for benchmark in run.benchmarks():
            for chunk in run.chunks("samples", model, benchmark):
                mode = _stale(run, model, benchmark, chunk, versions, force)
                if mode is not None:
                    todo.append((model, benchmark, chunk, mode))
    return todo


def rows_to_grade(run: RunDir, todo: ShardTodo) -> int:
    def rows(kind: str) -> int:
        return pq.read_metadata(run.shard_path(kind, *todo[:3])).num_rows

    return rows("samples") - (rows("verdicts") if todo[3] == "missing" else 0)


def verify_run(
    study: StudyConfig,
    run: RunDir,
    *,
    models: Sequence[str] | None = None,
    force: bool = False,
    show_progress: bool = True,
) -> int:
    """Grade every sample that has no up-to-date verdict; return how many were graded."""
    from passbound.stages.prepare import record_versions
    from passbound.verify import GradingPool

    problems = load_problems(run)
    configured = study.verify.verifiers(problem_kinds(problems))
    versions = {kind: verifier.version for kind, verifier in configured.items()}
    todo = shards_to_verify(study, run, models, force, versions)
    if not todo:
        console.print("verify: nothing to do, every sample has a current verdict")
        return 0
    total = sum(rows_to_grade(run, t) for t in todo)
    graded = 0
    with progress_bar("verify", total, enabled=show_progress) as advance:
        if study.runner.kind == "ray":
            from passbound.stages.ray_runner import verify_on_ray

            graded = verify_on_ray(study, run, todo, versions, advance)
        else:
            with GradingPool(timeout=study.verify.timeout, workers=study.verify.workers, verifiers=configured) as pool:
                grader = ShardGrader(run, pool, versions, problems, opened_reasoning(study.models, configured))
                for t in todo:
                    graded += grader.grade(t, advance)
    record_versions(run, "verifier_versions", versions)
    return graded
