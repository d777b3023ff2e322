"""`passbound grade`: grade ad-hoc completions with the study's own verifier."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from passbound.cli._options import data_dir_option, progress_option


@click.command()
@click.argument("in_file", metavar="IN.jsonl", type=click.Path(dir_okay=False, path_type=Path))
@data_dir_option
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write results here (default: stdout)."
)
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Hard per-item timeout in seconds.")
@click.option("--workers", type=int, default=0, show_default=True, help="Grading processes; 0 = all cores.")
@click.option(
    "--extraction",
    type=click.Choice(["strict", "lenient"]),
    default="strict",
    show_default=True,
    help="Math answers: strict (\\boxed{} and answer phrases) or lenient (also the last math "
    "expression / number). Part of verifier_version.",
)
@progress_option
def grade(
    in_file: Path,
    data_dir: Path | None,
    output: Path | None,
    timeout: float,
    workers: int,
    extraction: str,
    no_progress: bool,
) -> None:
    """Grade completions in IN.jsonl; one JSON row out per row in, in input order.

    \b
    Rows are {"benchmark": ..., "problem_id": ..., "completion": ...} (gold answer taken from the
    benchmark) or {"gold": ..., "completion": ...}. Output rows add "status" (pass / fail /
    timeout / no_answer / error), "extracted", "gold", "detail" and "verifier_version".
    """
    from passbound.grade import grade_file

    options = {"math": {"extraction": extraction}}
    bar: contextlib.AbstractContextManager[Callable[[int], None] | None] = contextlib.nullcontext(None)
    if not no_progress and output is not None:
        from passbound.progress import progress_bar

        bar = progress_bar("grade", _count_lines(in_file))
    with bar as advance:
        if output is None:
            grade_file(
                in_file,
                sys.stdout.buffer,
                data_dir=data_dir,
                timeout=timeout,
                workers=workers,
                on_progress=advance,
                verifier_options=options,
            )
            sys.stdout.flush()
            return
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(f".{output.name}.{os.getpid()}.partial")
        try:
            with open(partial, "wb") as fh:
                counts = grade_file(
                    in_file,
                    fh,
                    data_dir=data_dir,
                    timeout=timeout,
                    workers=workers,
                    on_progress=advance,
                    verifier_options=options,
                )
            os.replace(partial, output)  # the input may be the output: it is read to the end first
        finally:
            partial.unlink(missing_ok=True)
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    click.echo(f"grade: {sum(counts.values())} rows -> {output} ({summary})", err=True)


def _count_lines(path: Path) -> int:
    """Rows for the progress bar (an upper bound: blank lines count), without parsing JSON."""
    if not path.is_file():
        return 0
    with open(path, "rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 22), b""))


COMMANDS = [grade]
