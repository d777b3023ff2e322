"""A hand-built run directory whose drill-down is known in advance.

Written the way the stages write it (RunDir APIs, a manifest holding the study), with n = 8
samples per problem so a problem is hard for a model with 1 or 2 correct samples:

    problem   B (base)   R (rl)    hard?
    p1        8/8        8/8       no
    p2        1/8        0/8       yes (B: 1)
    p3        0/8        2/8       yes (R: 2)
    p4        4/8        6/8       no
    p10       0/8        0/8       no correct sample: never listed

Expected order: p2 (rarest 1/8), p3 (2/8), then p4 (4/8), p1 (8/8). Sample texts are unique per
(model, problem, index); B's sample on p2 is long (cut in the report) and holds markup that must
be escaped.
"""

from __future__ import annotations

from pathlib import Path

from passbound.config import study_from_dict
from passbound.store import RunDir
from passbound.store.rundir import samples_to_table, verdicts_to_table
from passbound.types import Problem, Sample, Verdict

N = 8
BENCH = "math"
PASSES = {
    "B": {"p1": 8, "p2": 1, "p3": 0, "p4": 4, "p10": 0},
    "R": {"p1": 8, "p2": 0, "p3": 2, "p4": 6, "p10": 0},
}
EXPECTED_ORDER = ["p2", "p3", "p4", "p1"]
LONG_MARK = "<script>alert('x')</script>"


def text_of(model: str, pid: str, index: int) -> str:
    body = f"{model}/{pid}/#{index}: 2 + 2 = 4, so the answer is \\boxed{{4}}."
    if (model, pid, index) == ("B", "p2", 0):
        return LONG_MARK + " step " * 2000 + body  # ~12 KB
    return body


def study_dict(out: Path, engine: str = "hf", path: str = "embedded") -> dict:
    return {
        "name": "cot-test",
        "output": str(out),
        "models": [
            {"name": "B", "path": path, "role": "base", "engine": engine, "template": "chat"},
            {"name": "R", "path": path, "role": "rl", "base": "B", "engine": engine, "template": "chat"},
        ],
        "benchmarks": [{"name": BENCH}],
        "sampling": {"n": N, "chunk_size": 4},
        "analysis": {"bootstrap": 50},
    }


def make_run(out: Path) -> RunDir:
    """Write manifest, problems, samples and verdicts (two chunks of problems)."""
    study = study_from_dict(study_dict(out))
    run = RunDir(out)
    ids = list(PASSES["B"])
    run.write_manifest(
        {
            "study": study.model_dump(mode="json"),
            "study_name": study.name,
            "models": [
                {
                    "name": m.name,
                    "role": m.role,
                    "base": m.base,
                    "path": m.path,
                    "engine": m.engine,
                    "engine_options": {},
                }
                for m in study.models
            ],
            "benchmarks": [{"name": BENCH, "n_problems": len(ids)}],
            "k_grid": study.k_grid,
            "sampling": study.sampling.model_dump(),
        }
    )
    run.write_problems(BENCH, [Problem(pid, BENCH, f"What is 2 + 2? ({pid})", "4") for pid in ids])
    for model, passes in PASSES.items():
        for chunk, start in enumerate(range(0, len(ids), 4)):
            samples, verdicts = [], []
            for pid in ids[start : start + 4]:
                for i in range(N):
                    ok = i < passes[pid]
                    samples.append(Sample(model, BENCH, pid, i, text_of(model, pid, i), "stop", 20, 0))
                    verdicts.append(Verdict(model, BENCH, pid, i, "pass" if ok else "fail", "4" if ok else "5", "v1"))
            run.write_shard("samples", model, BENCH, chunk, samples_to_table(samples))
            run.write_shard("verdicts", model, BENCH, chunk, verdicts_to_table(verdicts))
    return run
