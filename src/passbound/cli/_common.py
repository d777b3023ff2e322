"""Options and target resolution shared by the stage commands."""

from __future__ import annotations

from pathlib import Path

import click

from passbound.config import StudyConfig, load_study
from passbound.errors import ConfigError
from passbound.store import RunDir

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Read benchmarks from this folder (one sub-folder per benchmark) instead of the Hugging Face hub.",
)
out_option = click.option(
    "--out", "-o", "out", type=click.Path(file_okay=False, path_type=Path), help="Run directory (overrides the study's `output`)."
)
progress_option = click.option("--no-progress", is_flag=True, help="Hide progress bars (e.g. in logs).")


def study_with_overrides(study_file: Path, out: Path | None, data_dir: Path | None) -> StudyConfig:
    study = load_study(study_file)
    update = {}
    if out is not None:
        update["output"] = str(out.resolve())
    if data_dir is not None:
        if not data_dir.is_dir():
            raise ConfigError(f"--data-dir {data_dir} is not a directory")
        update["data_dir"] = str(data_dir.resolve())
    return study.model_copy(update=update) if update else study


def resolve_target(target: Path, out: Path | None = None) -> tuple[StudyConfig, RunDir]:
    """TARGET is a study .toml (its output directory is used) or a run directory."""
    from passbound.stages import study_of_run

    if target.is_file():
        study = study_with_overrides(target, out, None)
        run = RunDir(study.output)
        if not run.exists():
            raise ConfigError(f"{run.path} has no run yet; start it with `passbound run {target}` or `passbound sample {target}`")
        return study_of_run(run), run
    if target.is_dir():
        run = RunDir(target)
        return study_of_run(run), run
    raise ConfigError(f"{target} does not exist; give a study .toml file or a run directory")
