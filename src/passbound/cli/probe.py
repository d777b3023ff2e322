"""`passbound probe`: the contamination probe (does a model complete the benchmark's statements?)."""

from __future__ import annotations

from pathlib import Path

import click

from passbound.cli._common import data_dir_option, out_option, progress_option, study_with_overrides
from passbound.progress import console


@click.command()
@click.argument("study_file", metavar="STUDY.toml", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--model", "models", multiple=True, help="Probe only this model (repeatable; default: all).")
@click.option(
    "--fraction",
    type=float,
    default=0.6,
    show_default=True,
    help="Share of each problem statement the model is shown (by words).",
)
@click.option("--max-tokens", type=int, default=256, show_default=True, help="Tokens the model may continue for.")
@out_option
@data_dir_option
@progress_option
def probe(
    study_file: Path,
    models: tuple[str, ...],
    fraction: float,
    max_tokens: int,
    out: Path | None,
    data_dir: Path | None,
    no_progress: bool,
) -> None:
    """Show each model the first part of every problem; measure how much of the rest it reproduces and
    how often it answers correctly anyway. Writes RUN/probe/ and contamination.csv (Wu et al. 2025)."""
    from passbound.stages import prepare_run
    from passbound.stages.analyse import write_side_analysis
    from passbound.stages.probe import probe_run

    study = study_with_overrides(study_file, out, data_dir)
    if max_tokens < 1:
        raise click.BadParameter("must be at least 1", param_hint="--max-tokens")
    run = prepare_run(study)
    done = probe_run(
        study, run, models=list(models) or None, fraction=fraction, max_tokens=max_tokens, show_progress=not no_progress
    )
    write_side_analysis(study, run, "contamination")  # `passbound analyse` recomputes it too
    console.print(f"probe: {done} problems probed; see {run.path / 'contamination.csv'}")
    click.echo((run.path / "contamination.csv").read_text())


COMMANDS = [probe]
