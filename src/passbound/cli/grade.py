"""`passbound grade`: grade ad-hoc completions with the study's own verifier."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import click

from passbound.cli._common import data_dir_option, progress_option
from passbound.progress import console, progress_bar


@click.command()
@click.argument("in_file", metavar="IN.jsonl", type=click.Path(dir_okay=False, path_type=Path))
@data_dir_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write results here (default: stdout).")
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Hard per-item timeout in seconds.")
@click.option("--workers", type=int, default=0, show_default=True, help="Grading processes; 0 = all cores.")
@click.option("--extraction", type=click.Choice(["strict", "lenient"]), default="strict", show_default=True,
              help="Math answers: strict (\\boxed{} and answer phrases) or lenient (also the last math "
                   "expression / number). Part of verifier_version.")
@progress_option
def grade(in_file: Path, data_dir: Path | None, output: Path | None, timeout: float, workers: int, extraction: str,
          no_progress: bool) -> None:
    """Grade completions in IN.jsonl; one JSON row out per row in, in input order.

    \b
    Rows are {"benchmark": ..., "problem_id": ..., "completion": ...} (gold answer taken from the
    benchmark) or {"gold": ..., "completion": ...}. Output rows add "status" (pass / fail /
    timeout / no_answer / error), "extracted", "gold", "detail" and "verifier_version".
    """
    from passbound.grade import grade_rows, read_grade_rows

    rows = read_grade_rows(in_file)
    with progress_bar("grade", len(rows), enabled=not no_progress and output is not None) as advance:
        results = grade_rows(rows, data_dir=data_dir, timeout=timeout, workers=workers, on_progress=advance,
                             verifier_options={"math": {"extraction": extraction}})
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in results)
    if output is None:
        sys.stdout.write(lines)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(lines, encoding="utf-8")
        counts = Counter(r["status"] for r in results)
        console.print(f"grade: {len(results)} rows -> {output} ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))})")


COMMANDS = [grade]
