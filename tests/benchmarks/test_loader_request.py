"""Loaders take one LoaderRequest (a study's benchmark entry plus its data_dir); a plug-in loader
still written for the keyword signature loads with a DeprecationWarning, read once per loader."""

from __future__ import annotations

import warnings
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest

from passbound import registry
from passbound.benchmarks import LoadedBenchmark, LoaderRequest, content_sha256, load_benchmark, load_request
from passbound.config import BenchmarkSpec
from passbound.errors import ConfigError
from passbound.types import Problem


def _squares(split: str, upto: int, limit: int | None, source: str) -> LoadedBenchmark:
    problems = [
        Problem(id=f"{split}-{i}", benchmark="squares", prompt=f"What is {i} squared?", target=str(i * i))
        for i in range(1, upto + 1)
    ][:limit]
    return LoadedBenchmark("squares", "math", tuple(problems), source, content_sha256(problems))


def keyword_loader(
    *,
    path: str | Path | None = None,
    data_dir: str | Path | None = None,
    limit: int | None = None,
    split: str = "test",
    options: dict[str, Any] | None = None,
) -> LoadedBenchmark:
    """A loader in the keyword form that plug-ins were written in before LoaderRequest."""
    return _squares(split, int((options or {}).get("upto", 5)), limit, f"keywords:data_dir={data_dir}")


def keyword_loader_of_a_plugin(**kwargs: Any) -> LoadedBenchmark:
    """The keyword form as a plug-in package might write it, reached through its entry point."""
    return keyword_loader(**kwargs)


def request_loader(request: LoaderRequest) -> LoadedBenchmark:
    return _squares(request.split_or("test"), int(request.options.get("upto", 5)), request.limit, "request")


@pytest.fixture
def register(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Register loaders for one test; the registry is as before afterwards."""
    reg = registry.benchmarks
    reg.names()
    monkeypatch.setattr(reg, "_factories", dict(reg._factories))
    monkeypatch.setattr(reg, "_descriptions", dict(reg._descriptions))
    return reg.add


def test_a_study_entry_reaches_the_loader_as_one_request(register: Any, tmp_path: Path) -> None:
    seen: list[LoaderRequest] = []

    def loader(request: LoaderRequest) -> LoadedBenchmark:
        seen.append(request)
        return request_loader(request)

    register("squares", loader)
    spec = BenchmarkSpec(name="squares", limit=2, split="train", options={"upto": 4})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the current form warns about nothing
        loaded = load_request(LoaderRequest.from_spec(spec, data_dir=tmp_path))
    assert [p.id for p in loaded.problems] == ["train-1", "train-2"]
    assert seen == [LoaderRequest("squares", None, tmp_path, 2, "train", {"upto": 4})]
    assert load_benchmark("squares").problems[-1].target == "25"  # no split: the loader's default, test


def test_a_keyword_loader_is_called_the_old_way_and_warned_about_once(register: Any, tmp_path: Path) -> None:
    register("squares_kw", keyword_loader)
    with pytest.warns(
        DeprecationWarning, match=r"'squares_kw' \(keyword_loader\).*one passbound.benchmarks.LoaderRequest"
    ):
        first = load_benchmark("squares_kw", data_dir=tmp_path, limit=3, split="train", options={"upto": 9})
    assert [p.id for p in first.problems] == ["train-1", "train-2", "train-3"]
    assert first.source == f"keywords:data_dir={tmp_path}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = load_benchmark("squares_kw", limit=3, split="train", options={"upto": 9})
    assert caught == []  # the loader's form was read once
    assert again.sha256 == first.sha256
    # No split asked for: the keyword loader's own default applies, as before.
    assert load_benchmark("squares_kw").problems[0].id == "test-1"


def test_an_entry_point_loader_is_read_through_its_entry_point(register: Any) -> None:
    """A plug-in found by entry point is imported lazily; its signature is still read (here the old one)."""
    ep = EntryPoint(name="squares_ep", value=f"{__name__}:keyword_loader_of_a_plugin", group="passbound.benchmarks")
    register("squares_ep", registry._entry_point_factory(ep))
    with pytest.warns(DeprecationWarning, match="squares_ep"):
        loaded = load_benchmark("squares_ep", limit=1)
    assert [p.target for p in loaded.problems] == ["1"]


def test_a_request_checks_its_limit() -> None:
    with pytest.raises(ConfigError, match="limit must be a positive integer"):
        LoaderRequest("squares", limit=0)
