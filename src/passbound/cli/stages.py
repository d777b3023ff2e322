"""`run`, `sample`, `verify`, `analyse`, `report`: the pipeline, whole or one stage at a time."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from passbound.cli._common import data_dir_option, out_option, progress_option, resolve_target, study_with_overrides
from passbound.progress import console

if TYPE_CHECKING:
    from passbound.store import RunDir

study_argument = click.argument("study_file", metavar="STUDY.toml", type=click.Path(dir_okay=False, path_type=Path))
target_argument = click.argument("target", metavar="RUN_DIR|STUDY.toml|URI")


@click.command()
@study_argument
@out_option
@data_dir_option
@progress_option
def run(study_file: Path, out: Path | None, data_dir: Path | None, no_progress: bool) -> None:
    """Run every stage of a study: sample, verify, analyse, report."""
    from passbound.stages.study import run_study

    study = study_with_overrides(study_file, out, data_dir)
    done = run_study(study, show_progress=not no_progress)
    rd, paths = done.run, done.paths
    console.print(f"report: {_shown(rd, paths['html'])}")
    click.echo((rd.path / "summary.md").read_text())


@click.command()
@study_argument
@out_option
@data_dir_option
@click.option("--model", "models", multiple=True, help="Sample only this model (repeatable).")
@progress_option
def sample(
    study_file: Path, out: Path | None, data_dir: Path | None, models: tuple[str, ...], no_progress: bool
) -> None:
    """Draw the missing samples (n per problem, per model) into the run directory."""
    from passbound.stages import prepare_run, sample_run

    study = study_with_overrides(study_file, out, data_dir)
    for name in models:
        study.model(name)
    rd = prepare_run(study)
    written = sample_run(study, rd, models=list(models) or None, show_progress=not no_progress)
    console.print(f"sample: wrote {written} completions to {rd}")


@click.command()
@target_argument
@click.option("--force", is_flag=True, help="Re-grade every sample, even those with a current verdict.")
@click.option("--timeout", type=float, help="Hard per-item timeout in seconds (overrides the study).")
@click.option("--workers", type=int, help="Grading processes; 0 = all cores (overrides the study).")
@progress_option
def verify(target: str, force: bool, timeout: float | None, workers: int | None, no_progress: bool) -> None:
    """Grade every sample that has no verdict yet (or whose verifier changed)."""
    from passbound.stages import verify_run

    study, rd = resolve_target(target)
    update = {k: v for k, v in (("timeout", timeout), ("workers", workers)) if v is not None}
    if update:
        study = study.model_copy(update={"verify": study.verify.model_copy(update=update)})
    graded = verify_run(study, rd, force=force, show_progress=not no_progress)
    console.print(f"verify: graded {graded} samples in {rd}")


@click.command()
@target_argument
@progress_option
def analyse(target: str, no_progress: bool) -> None:
    """Compute pass@k with CIs, ΔSE, maj@k and summary tables (CSV) from the verdicts."""
    from passbound.stages import analyse_run

    study, rd = resolve_target(target)
    paths = analyse_run(study, rd)
    console.print("analyse: wrote " + ", ".join(str(p.name) for p in paths.values()))


@click.command()
@target_argument
@progress_option
def report(target: str, no_progress: bool) -> None:
    """Write report.html, summary.md and figures from the analysis tables."""
    from passbound.stages import report_run

    _, rd = resolve_target(target)
    paths = report_run(rd)
    console.print(f"report: {_shown(rd, paths['html'])}")


def _shown(rd: RunDir, path: Path) -> str:
    """Where a user finds an output: its path, or its object-storage URI."""
    return f"{rd.location}/{path.relative_to(rd.path).as_posix()}" if rd.remote is not None else str(path)


COMMANDS = [run, sample, verify, analyse, report]
