"""Shared fixtures, and what a run runs: a test marked `slow` runs only with --runslow, whatever
else it is marked; a test marked `e2e` (real model, real engines) runs by default unless it is
also `slow`. The header of every run says how many tests of each kind it skips."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", default=False, help="run tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    slow = [item for item in items if "slow" in item.keywords]
    e2e = [item for item in items if "e2e" in item.keywords]
    runs_slow = config.getoption("--runslow")
    config.stash[_PLAN] = (
        f"passbound: {len(items)} tests collected; {len(e2e)} e2e, of which "
        f"{sum('slow' in i.keywords for i in e2e)} also slow; {len(slow)} slow "
        + ("run (--runslow)" if runs_slow else "skipped (run them with --runslow)")
    )
    if runs_slow:
        return
    for item in slow:
        kind = "slow e2e" if "e2e" in item.keywords else "slow"
        item.add_marker(pytest.mark.skip(reason=f"{kind}: run with --runslow"))


_PLAN = pytest.StashKey[str]()


def pytest_report_collectionfinish(config: pytest.Config) -> str:
    """One line that says what this run runs and what it skips (slow tests, e2e or not)."""
    return config.stash.get(_PLAN, "")


def shared_data_dir() -> Path:
    return Path(os.environ.get("PASSBOUND_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real benchmark files (../shared/data); the suite fails loudly if they are missing."""
    path = shared_data_dir()
    assert path.is_dir(), f"benchmark data not found at {path}; set PASSBOUND_SHARED_DATA"
    return path


@pytest.fixture(scope="session")
def embedded_model() -> Path:
    """SmolLM2-135M-Instruct converted to safetensors (once per machine, cached)."""
    from passbound.models.embedded import embedded_model_path

    return embedded_model_path()


@pytest.fixture(scope="session")
def tiny_vl(embedded_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Idefics3 vision-language model on SmolLM2's tokenizer (tests/_tiny_vl.py)."""
    from _tiny_vl import build_tiny_vl

    return build_tiny_vl(tmp_path_factory.mktemp("tiny-vl"), embedded_model)
