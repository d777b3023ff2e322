"""`passbound plan`: the size and cost of a study before (or while) it runs."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from passbound.cli._common import data_dir_option, out_option, progress_option, study_with_overrides
from passbound.errors import ConfigError


def _si(x: float, unit: str = "") -> str:
    for scale, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{x / scale:.2f} {prefix}{unit}"
    return f"{x:.0f} {unit}".rstrip()


@click.command()
@click.argument("study_file", metavar="STUDY.toml", type=click.Path(dir_okay=False, path_type=Path))
@out_option
@data_dir_option
@click.option(
    "--problems", multiple=True, metavar="BENCHMARK=N", help="Problem count of a benchmark that cannot be loaded here."
)
@click.option(
    "--mean-tokens",
    multiple=True,
    metavar="[MODEL=]N",
    help="Mean completion length in tokens (default: measured in the run directory, else max_tokens).",
)
@click.option(
    "--throughput",
    multiple=True,
    metavar="[MODEL=]TOK_PER_S",
    help="Output tokens per second of one engine replica; gives GPU-hours.",
)
@click.option(
    "--gpus-per-replica",
    multiple=True,
    metavar="[MODEL=]G",
    help="GPUs one replica holds (tensor parallel); default 1.",
)
@click.option("--bytes-per-token", type=float, help="Stored bytes per generated token (default: measured, else 1.0).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON instead of a table.")
@progress_option  # accepted like every stage command's, so scripts can pass it everywhere; plan draws none
def plan(
    study_file: Path,
    out: Path | None,
    data_dir: Path | None,
    problems: tuple[str, ...],
    mean_tokens: tuple[str, ...],
    throughput: tuple[str, ...],
    gpus_per_replica: tuple[str, ...],
    bytes_per_token: float | None,
    as_json: bool,
    no_progress: bool,
) -> None:
    """Problems, samples, generated tokens, GPU-hours and storage of a study; nothing is sampled."""
    from passbound.planning import parse_keyed, plan_study

    study = study_with_overrides(study_file, out, data_dir)
    models = {m.name for m in study.models}
    # parse_keyed returns float-typed values; cast=int made them ints already
    counts = {
        k: int(v)
        for k, v in parse_keyed(
            problems, "--problems", {b.name for b in study.benchmarks}, int, noun="benchmark"
        ).items()
    }
    if "*" in counts:
        raise ConfigError("--problems needs a benchmark name: --problems BENCHMARK=N")
    if bytes_per_token is not None and bytes_per_token <= 0:
        raise ConfigError("--bytes-per-token must be positive")
    result = plan_study(
        study,
        problems=counts,
        mean_tokens=parse_keyed(mean_tokens, "--mean-tokens", models),
        throughput=parse_keyed(throughput, "--throughput", models),
        gpus_per_replica={
            k: int(v) for k, v in parse_keyed(gpus_per_replica, "--gpus-per-replica", models, int).items()
        },
        bytes_per_token=bytes_per_token,
    )
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    console = Console()  # the plan is the command's output: stdout, wide enough for its columns in a log
    if not console.is_terminal:
        console = Console(width=160)
    table = Table(title=f"plan: {study.name}", title_justify="left")
    for column in (
        "model",
        "benchmark",
        "problems",
        "samples",
        "done",
        "mean tokens",
        "tokens",
        "GPU-h left",
        "storage",
    ):
        table.add_column(column, justify="left" if column in ("model", "benchmark") else "right")
    for r in result.rows:
        table.add_row(
            r.model,
            r.benchmark,
            f"{r.problems:,}",
            f"{r.samples:,}",
            f"{r.samples_done:,}",
            f"{r.mean_tokens:,.0f} ({r.tokens_source})",
            _si(r.tokens),
            _gpu_hours(r.gpu_hours),
            _si(r.storage_bytes, "B"),
        )
    table.add_section()
    table.add_row(
        "total",
        "",
        f"{result.problems:,}",
        f"{result.total('samples'):,.0f}",
        f"{result.total('samples_done'):,.0f}",
        "",
        _si(result.total("tokens") or 0),
        _gpu_hours(result.total("gpu_hours")),
        _si(result.total("storage_bytes") or 0, "B"),
    )
    console.print(table)
    console.print(f"storage at {result.bytes_per_token:.2f} bytes per token ({result.bytes_source})")
    if result.total("gpu_hours") is None:
        console.print("give --throughput TOK_PER_S (one replica's output tokens per second) for GPU-hours")


def _gpu_hours(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


COMMANDS = [plan]
