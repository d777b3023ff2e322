"""`passbound ppl`: perplexity of models' completions under a scorer model (Yue et al., 2025, §4.1)."""

from __future__ import annotations

from pathlib import Path

import click

from passbound.cli._common import progress_option
from passbound.progress import console


@click.command()
@click.argument("target", metavar="RUN_DIR|STUDY.toml|URI")
@click.option(
    "--scorer", required=True, help="Model that scores: a model of the study, a local folder, 'embedded' or a hub id."
)
@click.option(
    "--of", "of", multiple=True, required=True, help="Model of the study whose samples are scored (repeatable)."
)
@click.option(
    "--engine",
    default="hf",
    show_default=True,
    help="A perplexity scorer (`passbound list scorers`): hf, transformers teacher forcing (also gives "
    "token entropy); vllm, prompt log-probs; or a registered third-party scorer.",
)
@click.option("--limit", type=click.IntRange(min=1), help="Score at most N samples per problem (the first N).")
@click.option(
    "--template", help="Prompt template (default: the scorer's template in the study, else the scored model's)."
)
@progress_option
def ppl(
    target: Path,
    scorer: str,
    of: tuple[str, ...],
    engine: str,
    limit: int | None,
    template: str | None,
    no_progress: bool,
) -> None:
    """Score the samples of each --of model under --scorer: PPL = exp(−mean log p(completion token)).

    Writes perplexity/<scorer>__<of>/<benchmark>.parquet (one row per sample) and perplexity.csv.
    A model scoring its own samples with --engine hf also gets its mean token entropy at its
    sampling temperature. Resumes: shards already scored are skipped.
    """
    from passbound.cli._common import resolve_target
    from passbound.stages.perplexity import score_perplexity, summarise_perplexity

    study, rd = resolve_target(target)
    scored = score_perplexity(
        study,
        rd,
        scorer=scorer,
        of=list(of),
        engine=engine,
        limit=limit,
        template=template,
        show_progress=not no_progress,
    )
    path = summarise_perplexity(rd)
    console.print(f"ppl: scored {scored} samples" + (f"; summary in {path}" if path else ""))


COMMANDS = [ppl]
