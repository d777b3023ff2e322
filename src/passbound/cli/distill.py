"""`passbound distill`: SFT data from a teacher's verified-correct samples, optionally a student."""

from __future__ import annotations

from pathlib import Path

import click

from passbound.progress import console


@click.command()
@click.argument("run_dir", metavar="RUN_DIR", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--teacher", help="The run's model whose passing samples become SFT data.")
@click.option(
    "--references",
    is_flag=True,
    help="Use the problems' reference solutions (e.g. the synthetic generator's step-by-step ones) instead.",
)
@click.option(
    "--template",
    default="chat",
    show_default=True,
    help="With --references: the prompt template the student will be studied with.",
)
@click.option(
    "--out",
    "-o",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="SFT data file (JSONL of chat messages).",
)
@click.option("--max-per-problem", type=int, help="At most this many samples per problem (lowest indices).")
@click.option("--student", help="Also train this model on the data (a local folder, 'embedded' or a hub id).")
@click.option("--steps", type=int, default=10, show_default=True, help="SFT steps for --student.")
@click.option("--learning-rate", type=float, default=1e-5, show_default=True)
def distill(
    run_dir: Path,
    teacher: str | None,
    references: bool,
    template: str,
    out: Path,
    max_per_problem: int | None,
    student: str | None,
    steps: int,
    learning_rate: float,
) -> None:
    """Rejection sampling: keep only TEACHER's samples that passed (or, with --references, the
    problems' reference solutions), write them as SFT data, and with --student fine-tune a student
    on them (add its folder to a study with role = "distill")."""
    from passbound.errors import ConfigError
    from passbound.store import RunDir
    from passbound.train.distill import reference_rows, sft_rows, train_student, write_sft

    if (teacher is None) == (not references):
        raise ConfigError("give one source of SFT data: --teacher MODEL (its passing samples) or --references")
    if references:
        rows = reference_rows(RunDir(run_dir), template)
        source = "reference solutions"
    else:
        assert teacher is not None  # the check above: no --references means a --teacher
        rows = sft_rows(RunDir(run_dir), teacher, max_per_problem=max_per_problem)
        source = f"passing samples of {teacher!r}"
    write_sft(rows, out)
    problems = len({(r["benchmark"], r["problem_id"]) for r in rows})
    console.print(f"distill: {len(rows)} {source} on {problems} problems -> {out}")
    if student:
        folder = train_student(
            rows, student, out.parent / f"{out.stem}-student", steps=steps, learning_rate=learning_rate
        )
        console.print(f"distill: student saved to {folder}; add it to a study as a model with role = \"distill\"")


COMMANDS = [distill]
