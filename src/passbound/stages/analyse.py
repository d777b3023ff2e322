"""Analysis stage: pass@k with CIs, ΔSE, maj@k and per-benchmark tables, written as CSV."""

from __future__ import annotations

from pathlib import Path

from passbound.config import StudyConfig
from passbound.progress import console
from passbound.stages.sample import active_problems
from passbound.store import RunDir


def analyse_run(study: StudyConfig, run: RunDir) -> dict[str, Path]:
    """Compute every table from the committed verdicts and write ``<table>.csv`` files."""
    from passbound.metrics.analysis import analyse_verdicts

    names = [m.name for m in study.models]
    verdicts = run.read_all("verdicts", models=names).to_pandas()
    unverified = run.count_rows("samples", names) - len(verdicts)
    keep = {b.name: {p.id for p in active_problems(run, study, b.name)} for b in study.benchmarks}
    if len(verdicts):
        mask = [pid in keep.get(bench, ()) for bench, pid in zip(verdicts["benchmark"], verdicts["problem_id"])]
        verdicts = verdicts[mask]
    if unverified > 0:
        console.print(f"[yellow]analyse: {unverified} samples have no verdict yet; run `passbound verify`[/]")
    models = []
    for m in study.models:
        base = study.base_of(m)
        models.append({"name": m.name, "role": m.role, "step": m.step, "base": base.name if base else None})
    tables = analyse_verdicts(
        verdicts, models, study.k_grid, n_boot=study.analysis.bootstrap, ci=study.analysis.ci, seed=study.analysis.seed
    )
    paths = {}
    for name, frame in tables.items():
        paths[name] = run.write_text(f"{name}.csv", frame.to_csv(index=False))
    return paths
