"""Shared fixtures. Slow tests run only with --runslow; e2e tests (real model) always run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", default=False, help="run tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--runslow"):
        return
    skip_slow = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)


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
