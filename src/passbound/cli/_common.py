"""Options and target resolution shared by the stage commands."""

from __future__ import annotations

from pathlib import Path

from passbound.cli._options import data_dir_option, out_option, progress_option
from passbound.config import StudyConfig, load_study
from passbound.errors import ConfigError
from passbound.store import RunDir

__all__ = ["data_dir_option", "out_option", "progress_option", "resolve_target", "study_with_overrides"]


def study_with_overrides(study_file: Path, out: str | Path | None, data_dir: Path | None) -> StudyConfig:
    from passbound.store.remote import is_uri

    study = load_study(study_file)
    update = {}
    if out is not None:
        if not is_uri(out) and Path(out).is_file():
            raise ConfigError(f"--out {out} is a file; give a directory (new or a run directory) or an s3:// URI")
        update["output"] = str(out) if is_uri(out) else str(Path(out).resolve())
    if data_dir is not None:
        if not data_dir.is_dir():
            raise ConfigError(f"--data-dir {data_dir} is not a directory")
        update["data_dir"] = str(data_dir.resolve())
    return study.model_copy(update=update) if update else study


def resolve_target(target: str | Path, out: Path | None = None) -> tuple[StudyConfig, RunDir]:
    """TARGET is a study .toml (its output directory is used), a run directory or a run's URI."""
    from passbound.stages import study_of_run
    from passbound.store.remote import is_uri

    if is_uri(target):
        run = RunDir(str(target))
        if not run.exists():
            raise ConfigError(f"{target} holds no run (no manifest.json); start one with `passbound run STUDY.toml`")
        return study_of_run(run), run
    target = Path(target)
    if target.is_file():
        study = study_with_overrides(target, out, None)
        run = RunDir(study.output)
        if not run.exists():
            raise ConfigError(
                f"{run.path} has no run yet; start it with `passbound run {target}` or `passbound sample {target}`"
            )
        return study_of_run(run), run
    if target.is_dir():
        run = RunDir(target)
        return study_of_run(run), run
    raise ConfigError(f"{target} does not exist; give a study .toml file or a run directory")
