"""Errors a user can hit. The CLI prints them without a traceback and exits with code 2."""

from __future__ import annotations


class PassboundError(Exception):
    """A problem the user can fix (bad study file, bad data file, missing dependency).

    The message must say what is wrong *and* what to do about it.
    """

    exit_code = 2


class ConfigError(PassboundError):
    """The study file or a command-line option is invalid."""


class DataError(PassboundError):
    """A benchmark file is missing, unreadable or malformed."""


class MissingDependencyError(PassboundError):
    """An optional dependency is not installed; the message carries the install command."""

    def __init__(self, package: str, extra: str | None = None, purpose: str = "") -> None:
        hint = f"pip install 'passbound[{extra}]'" if extra else f"pip install {package}"
        what = f" (needed for {purpose})" if purpose else ""
        super().__init__(f"{package} is not installed{what}. Install it with: {hint}")
        self.package = package


class RunDirError(PassboundError):
    """The run directory is inconsistent with the study (e.g. changed sampling parameters)."""
