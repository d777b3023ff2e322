"""`passbound train`: RLVR with TRL and passbound's verifier as the reward, then a study file."""

from __future__ import annotations

from pathlib import Path

import click

from passbound.progress import console


@click.command()
@click.argument("config_file", metavar="CONFIG.toml", type=click.Path(dir_okay=False, path_type=Path))
def train(config_file: Path) -> None:
    """Train with GRPO (loss variants) or RLOO, rewarded by the benchmark's passbound verifier;
    checkpoints every N steps, curves.csv, and study.toml over the base and every checkpoint.
    A rerun resumes from the newest checkpoint. See passbound/train/config.py for the format."""
    from passbound.train.config import load_train_config
    from passbound.train.run import train as run_training

    paths = run_training(load_train_config(config_file))
    console.print(f"train: curves in {paths['curves']}; study the checkpoints with `passbound run {paths['study']}`")


COMMANDS = [train]
