"""`passbound list`: what can be named in a study file."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

KINDS = ("benchmarks", "engines", "templates", "verifiers", "scorers")


@click.command(name="list")
@click.argument("kind", required=False, type=click.Choice(KINDS))
def list_components(kind: str | None) -> None:
    """List registered benchmarks, engines, prompt templates, verifiers and perplexity scorers."""
    from passbound import registry

    console = Console()
    for name in [kind] if kind else KINDS:
        table = Table(title=name, show_header=True, title_justify="left")
        table.add_column("name", style="bold")
        table.add_column("description")
        for item, description in getattr(registry, name).describe().items():
            table.add_row(item, description)
        console.print(table)


COMMANDS = [list_components]
