"""Click options shared by the commands; kept free of heavy imports (`passbound grade` starts fast)."""

from __future__ import annotations

from pathlib import Path

import click

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Read benchmarks from this folder (one sub-folder per benchmark) instead of the Hugging Face hub.",
)
out_option = click.option(
    "--out",
    "-o",
    "out",
    metavar="DIR|URI",
    help="Run directory, or an object-storage URI such as s3://bucket/run (overrides the study's `output`).",
)
progress_option = click.option("--no-progress", is_flag=True, help="Hide progress bars (e.g. in logs).")
