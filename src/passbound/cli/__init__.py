"""The `passbound` command line. Each command lives in its own module; user errors exit with 2."""

from __future__ import annotations

import importlib
import sys
import warnings

import click

from passbound import __version__
from passbound.errors import PassboundError


class _Commands(click.Group):
    """Loads a command's module when it is called: `passbound grade` imports what grading needs,
    not every command's dependencies (pydantic, numpy, pyarrow, rich; ~0.2 s before any work)."""

    _loaded = False

    def _load_all(self) -> None:
        if not self._loaded:
            type(self)._loaded = True
            _register_commands()

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in _LIGHT and cmd_name not in self.commands:
            module = importlib.import_module(_LIGHT[cmd_name])
            for command in module.COMMANDS:
                self.add_command(command)
        if cmd_name not in self.commands:
            self._load_all()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_all()
        return super().list_commands(ctx)


# Commands whose module is imported alone when they are called (command name -> module).
_LIGHT = {"grade": "passbound.cli.grade"}


@click.group(
    cls=_Commands,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Start with `passbound demo` (offline, CPU), then write a study file: see README.md.",
)
@click.version_option(__version__, prog_name="passbound")
def cli() -> None:
    """Did training expand what a model can solve, or only sharpen what it could already reach?

    passbound samples many completions per problem from several models, verifies every one,
    and compares unbiased pass@k curves (with confidence intervals) from k=1 to k=n.

    \b
    Pipeline:  study.toml -> sample -> verify -> analyse -> report   (`run` does all four)
    Every stage resumes: re-running it does only the missing work.
    """


def _register_commands() -> None:
    from passbound.cli import cot, demo, distill, grade, imports, listing, plan, ppl, probe, stages, train, verl

    for module in (stages, plan, imports, grade, demo, listing, cot, ppl, probe, distill, train, verl):
        for command in module.COMMANDS:
            cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: PassboundError -> message on stderr, exit code 2."""
    # Python hides a DeprecationWarning raised outside __main__; show passbound's own (e.g. a
    # plug-in engine on the old generate keywords) once each, so a user learns what to change.
    warnings.filterwarnings("default", category=DeprecationWarning, module=r"passbound\.")
    try:
        cli.main(args=argv, prog_name="passbound", standalone_mode=False)
    except PassboundError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("interrupted; committed work is kept, re-run the same command to resume", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted; committed work is kept, re-run the same command to resume", err=True)
        sys.exit(130)
