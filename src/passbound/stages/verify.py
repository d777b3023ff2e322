"""Verification stage: a verdict shard for every sample shard, re-done when the verifier changes."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from passbound.config import StudyConfig
from passbound.errors import RunDirError
from passbound.progress import console, progress_bar
from passbound.store import RunDir
from passbound.store.rundir import verdicts_to_table
from passbound.types import Problem, Verdict


def _stale(run: RunDir, model: str, benchmark: str, chunk: int, versions: dict[str, str], force: bool) -> str | None:
    """"all" to (re)grade the chunk, "missing" to grade only samples added since its verdicts
    (round two of adaptive sampling, an imported chunk completed by sampling), None if current."""
    if force or not run.has_shard("verdicts", model, benchmark, chunk):
        return "all"
    recorded = pq.read_table(run.shard_path("verdicts", model, benchmark, chunk), columns=["verifier_version"])
    if set(pc.unique(recorded["verifier_version"]).to_pylist()) - set(versions.values()):
        return "all"
    if recorded.num_rows != pq.read_metadata(run.shard_path("samples", model, benchmark, chunk)).num_rows:
        return "missing"
    return None


def verify_run(study: StudyConfig, run: RunDir, *, models: Sequence[str] | None = None, force: bool = False,
               show_progress: bool = True) -> int:
    """Grade every sample that has no up-to-date verdict; return how many were graded."""
    from passbound.stages.prepare import record_versions
    from passbound.verify import GradingPool

    problems: dict[str, dict[str, Problem]] = {}
    todo: list[tuple[str, str, int, str]] = []
    for benchmark in run.benchmarks():
        problems[benchmark] = {p.id: p for p in run.read_problems(benchmark)}
    configured = study.verify.verifiers({p.kind for ps in problems.values() for p in ps.values()})
    versions = {kind: verifier.version for kind, verifier in configured.items()}
    for model in (m.name for m in study.models if models is None or m.name in models):
        for benchmark in problems:
            for chunk in run.chunks("samples", model, benchmark):
                mode = _stale(run, model, benchmark, chunk, versions, force)
                if mode is not None:
                    todo.append((model, benchmark, chunk, mode))
    if not todo:
        console.print("verify: nothing to do, every sample has a current verdict")
        return 0
    def rows(kind: str, t: tuple[str, str, int, str]) -> int:
        return pq.read_metadata(run.shard_path(kind, *t[:3])).num_rows

    total = sum(rows("samples", t) - (rows("verdicts", t) if t[3] == "missing" else 0) for t in todo)
    graded = 0
    with GradingPool(timeout=study.verify.timeout, workers=study.verify.workers, verifiers=configured) as pool, \
            progress_bar("verify", total, enabled=show_progress) as advance:
        for model, benchmark, chunk, mode in todo:
            samples = run.read_shard("samples", model, benchmark, chunk).to_pylist()
            kept: list[dict] = []
            if mode == "missing":
                kept = run.read_shard("verdicts", model, benchmark, chunk).to_pylist()
                graded_keys = {(v["problem_id"], v["index"]) for v in kept}
                samples = [s for s in samples if (s["problem_id"], s["index"]) not in graded_keys]
            try:
                shard_problems = [problems[benchmark][s["problem_id"]] for s in samples]
            except KeyError as exc:
                raise RunDirError(
                    f"samples of {model}/{benchmark} chunk {chunk} name problem {exc.args[0]!r}, which is not in "
                    f"{run.problems_path(benchmark)}; the run directory was edited by hand"
                ) from None
            results = pool.grade(shard_problems, [s["text"] for s in samples], on_progress=advance)
            verdicts = [
                Verdict(model, benchmark, s["problem_id"], s["index"], r.status, r.extracted, versions[p.kind], r.detail)
                for s, p, r in zip(samples, shard_problems, results)
            ]
            table = verdicts_to_table(verdicts)
            if kept:
                table = pa.concat_tables([pa.Table.from_pylist(kept, schema=table.schema), table])
            run.write_shard("verdicts", model, benchmark, chunk, table)
            graded += len(verdicts)
    record_versions(run, "verifier_versions", versions)
    return graded
