"""`passbound verl export`: verl parquet, the reward hook and launch configs per algorithm."""

from __future__ import annotations

from pathlib import Path

import click

from passbound.progress import console


@click.group()
def verl() -> None:
    """RLVR at cluster scale with verl, rewarded by passbound's verifiers."""


@verl.command("export")
@click.argument("benchmark")
@click.option("--out", "-o", required=True, type=click.Path(path_type=Path), help="Folder to write into.")
@click.option("--model", required=True, help="The policy to train (a hub id or a folder the cluster sees).")
@click.option(
    "--template", default="chat", show_default=True, help="Prompt template; chat templates give verl's chat rows."
)
@click.option(
    "--algorithm",
    "algorithms",
    multiple=True,
    help="ppo, grpo, reinforce_plus_plus, rloo, remax, dapo "
    "(repeatable; default: all six), or passk / pkpo (GRPO with pass@k advantages; on request).",
)
@click.option(
    "--k", "k", default=4, show_default=True, type=int, help="The k of --algorithm passk / pkpo (1 <= k <= --group)."
)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help="Local benchmark folders.")
@click.option("--path", "bench_path", help="The benchmark's own local file or folder.")
@click.option("--limit", type=click.IntRange(min=1), help="First N problems of each split.")
@click.option("--group", default=8, show_default=True, type=int, help="Rollouts per prompt (group-based algorithms).")
@click.option("--kl", default=0.001, show_default=True, type=click.FloatRange(min=0), help="KL coefficient (0: off).")
@click.option("--prompt-length", default=1024, show_default=True, type=click.IntRange(min=1))
@click.option("--response-length", default=2048, show_default=True, type=click.IntRange(min=1))
@click.option("--batch-size", default=256, show_default=True, type=click.IntRange(min=1), help="Prompts per step.")
@click.option("--epochs", default=1, show_default=True, type=click.IntRange(min=1))
@click.option("--train-split", default="train", show_default=True, help="The split verl trains on.")
@click.option("--test-split", default="test", show_default=True, help="The split verl validates on.")
@click.option(
    "--allow-visible-tests",
    is_flag=True,
    help="Reward problems graded only on tests their prompt shows "
    "(copying the examples earns the reward); refused without this flag.",
)
def export_command(
    benchmark: str,
    out: Path,
    model: str,
    template: str,
    algorithms: tuple[str, ...],
    data_dir: Path | None,
    bench_path: str | None,
    limit: int | None,
    group: int,
    kl: float,
    prompt_length: int,
    response_length: int,
    batch_size: int,
    epochs: int,
    train_split: str,
    test_split: str,
    allow_visible_tests: bool,
    k: int,
) -> None:
    """Write BENCHMARK's train and test splits as verl parquet, reward.py and <algorithm>.yaml/.sh."""
    from passbound.train.verl_export import ALGORITHMS, export

    written = export(
        benchmark,
        out,
        model=model,
        template=template,
        data_dir=str(data_dir) if data_dir else None,
        path=bench_path,
        limit=limit,
        algorithms=algorithms or ALGORITHMS,
        group=group,
        kl=kl,
        prompt_length=prompt_length,
        response_length=response_length,
        batch_size=batch_size,
        epochs=epochs,
        train_split=train_split,
        test_split=test_split,
        allow_visible_tests=allow_visible_tests,
        k=k,
    )
    for path in written.values():
        console.print(f"verl export: {path}")
    first = next(p for n, p in written.items() if n.endswith(".sh"))
    console.print(f"run one on the cluster with `{first}` (verl's main_ppo with that config)")


COMMANDS = [verl]
