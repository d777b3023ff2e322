"""One GenerationSettings from the study's [sampling], and engines of both shapes: ``generate``
taking ``settings`` (the Engine protocol), and one still written against the loose keywords
(temperature, top_p, max_tokens, stop), which passbound calls the old way with a DeprecationWarning.

The two engines below are real engine classes (no model): each completion's text spells out the
settings and seed it was drawn with, so a test sees exactly what reached the engine.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from passbound.cli import main
from passbound.config import ModelSpec, SamplingSpec, study_from_dict
from passbound.engines import Engine, GenerationSettings, PromptInput, call_generate, check_request
from passbound.engines.base import GenerationRequest, stream_completions, takes_loose_keywords
from passbound.errors import ConfigError
from passbound.prompts import get_template
from passbound.stages import prepare_run, sample_run
from passbound.types import Completion


def _text(prompt: PromptInput, seed: int, j: int, temperature: float, top_p: float, max_tokens: int, stop: Any) -> str:
    return f"{str(prompt)[-12:]!r} seed={seed} j={j} T={temperature} top_p={top_p} max={max_tokens} stop={stop}"


class SettingsEngine:
    """The current shape: ``generate(prompts, *, n, settings, seeds, on_progress=None)``."""

    name = "settings-shape"

    def __init__(self, model: str = "none") -> None:
        self.model = model

    def version(self) -> str:
        return "settings-shape 1"

    def generate(
        self,
        prompts: Sequence[PromptInput],
        *,
        n: int,
        settings: GenerationSettings,
        seeds: Sequence[int],
        on_progress: Any = None,
    ) -> list[list[Completion]]:
        check_request(prompts, n=n, seeds=seeds)
        s = settings
        stop = list(s.stop) if s.stop else None
        return [
            [Completion(_text(p, seed, j, s.temperature, s.top_p, s.max_tokens, stop), "stop", 3) for j in range(n)]
            for p, seed in zip(prompts, seeds)
        ]

    def close(self) -> None:
        pass


class LooseKeywordEngine:
    """The shape before GenerationSettings, as third-party engines were written against it."""

    name = "loose-shape"

    def __init__(self, model: str = "none") -> None:
        self.model = model

    def version(self) -> str:
        return "loose-shape 1"

    def generate(
        self,
        prompts: Sequence[PromptInput],
        *,
        n: int,
        temperature: float,
        top_p: float,
        max_tokens: int,
        seeds: Sequence[int],
        stop: Sequence[str] | None = None,
        on_progress: Any = None,
    ) -> list[list[Completion]]:
        check_request(prompts, n=n, temperature=temperature, top_p=top_p, max_tokens=max_tokens, seeds=seeds)
        results = []
        for p, seed in zip(prompts, seeds):
            results.append(
                [Completion(_text(p, seed, j, temperature, top_p, max_tokens, stop), "stop", 3) for j in range(n)]
            )
            if on_progress is not None:
                on_progress(1)
        return results

    def close(self) -> None:
        pass


SETTINGS = GenerationSettings(temperature=0.7, top_p=0.9, max_tokens=64, stop=["</s>"])


def test_settings_are_checked_when_built() -> None:
    for kwargs, fragment in [
        ({"max_tokens": 0}, "max_tokens"),
        ({"top_p": 0.0}, "top_p"),
        ({"top_p": 1.5}, "top_p"),
        ({"temperature": -1.0}, "temperature"),
        ({"stop": "</s>"}, "list of strings"),
    ]:
        with pytest.raises(ConfigError, match=fragment):
            GenerationSettings(**{"temperature": 1.0, "top_p": 1.0, "max_tokens": 8, **kwargs})
    assert SETTINGS.stop == ("</s>",)  # kept immutable, so the frozen settings hash
    assert GenerationSettings(1.0, 1.0, 8, stop=[]).stop is None
    assert hash(SETTINGS) == hash(GenerationSettings(0.7, 0.9, 64, ("</s>",)))


def test_built_from_the_study_sampling_with_the_model_overrides() -> None:
    sampling = SamplingSpec(n=8, temperature=0.6, top_p=0.95, max_tokens=512, seed=3)
    model = ModelSpec(name="m", path="none", sampling={"temperature": 1.0, "max_tokens": 128})
    settings = GenerationSettings.from_sampling(sampling.for_model(model), get_template("qwen-boxed").stop)
    assert (settings.temperature, settings.top_p, settings.max_tokens) == (1.0, 0.95, 128)
    assert settings.stop == tuple(get_template("qwen-boxed").stop) and settings.stop
    greedy = GenerationSettings.greedy(32)
    assert greedy.is_greedy and (greedy.top_p, greedy.max_tokens, greedy.stop) == (1.0, 32, None)
    assert not settings.is_greedy


def test_the_engine_shape_is_read_from_the_signature() -> None:
    assert not takes_loose_keywords(SettingsEngine)
    assert takes_loose_keywords(LooseKeywordEngine)
    assert isinstance(SettingsEngine(), Engine)


def test_an_engine_taking_settings_is_called_without_a_warning() -> None:
    seen: list[int] = []

    class Progress(SettingsEngine):
        def generate(self, prompts: Sequence[PromptInput], **kwargs: Any) -> list[list[Completion]]:
            kwargs["on_progress"](len(prompts))
            return super().generate(prompts, **kwargs)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        out = call_generate(SettingsEngine(), ["a", "b"], n=2, settings=SETTINGS, seeds=[5, 6])
        call_generate(Progress(), ["a", "b"], n=1, settings=SETTINGS, seeds=[5, 6], on_progress=seen.append)
    assert [c.text for c in out[1]] == [_text("b", 6, j, 0.7, 0.9, 64, ["</s>"]) for j in range(2)]
    assert seen == [2]  # **kwargs only: called the new way


def test_an_engine_with_the_loose_keywords_still_runs_and_is_told_what_to_change() -> None:
    seen: list[int] = []
    with pytest.warns(DeprecationWarning, match=r"LooseKeywordEngine.*settings: passbound.engines.GenerationSettings"):
        old = call_generate(
            LooseKeywordEngine(), ["a", "b"], n=2, settings=SETTINGS, seeds=[5, 6], on_progress=seen.append
        )
    new = call_generate(SettingsEngine(), ["a", "b"], n=2, settings=SETTINGS, seeds=[5, 6])
    assert old == new  # the same settings reached both engines
    assert seen == [1, 1]
    with pytest.warns(DeprecationWarning), pytest.raises(ConfigError, match="one seed per prompt"):
        call_generate(LooseKeywordEngine(), ["a", "b"], n=2, settings=SETTINGS, seeds=[5])


def test_stream_feeds_both_shapes_the_same_requests() -> None:
    requests = [GenerationRequest(i, f"p{i}", 1 + i % 2, 10 + i) for i in range(5)]
    new = dict(stream_completions(SettingsEngine(), requests, SETTINGS, in_flight=2))
    with pytest.warns(DeprecationWarning):
        old = dict(stream_completions(LooseKeywordEngine(), requests, SETTINGS, in_flight=2))
    assert old == new and [len(new[i]) for i in range(5)] == [1, 2, 1, 2, 1]


def test_legacy_check_request_keywords_are_still_checked() -> None:
    with pytest.raises(ConfigError, match="top_p"):
        check_request(["a"], n=1, seeds=[0], temperature=1.0, top_p=0.0, max_tokens=4)
    check_request(["a"], n=1, seeds=[0], temperature=1.0, top_p=1.0, max_tokens=4)


def _study(tmp_path: Path, engine: str, out: str) -> Any:
    return study_from_dict(
        {
            "name": "engine shapes",
            "output": str(tmp_path / out),
            "models": [
                {"name": "m", "path": "none", "engine": engine, "template": "qwen-boxed", "sampling": {"top_p": 0.5}}
            ],
            "benchmarks": [{"name": "synthetic", "limit": 3, "options": {"n_problems": 3, "levels": [1]}}],
            "sampling": {"n": 4, "chunk_size": 2, "temperature": 0.8, "max_tokens": 77, "seed": 9},
        }
    )


def test_a_study_samples_the_same_with_either_shape(tmp_path: Path) -> None:
    """The sample stage builds the settings from [sampling] (with the model's overrides and the
    template's stop strings) and gets the same samples from either engine shape."""
    samples = {}
    for label, engine in [("new", SettingsEngine), ("old", LooseKeywordEngine)]:
        study = _study(tmp_path, f"{__name__}:{engine.__name__}", label)
        run = prepare_run(study)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert sample_run(study, run, show_progress=False) == 3 * 4
        deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
        assert bool(deprecations) == (label == "old"), [str(w.message) for w in caught]
        samples[label] = pd.read_parquet(run.path / "samples").sort_values(["problem_id", "index"])
    assert samples["old"]["text"].tolist() == samples["new"]["text"].tolist()
    stop = list(get_template("qwen-boxed").stop)
    assert all(f"T=0.8 top_p=0.5 max=77 stop={stop}" in t for t in samples["new"]["text"])


def test_the_command_line_shows_the_deprecation(tmp_path: Path) -> None:
    """Python hides a DeprecationWarning raised outside __main__; `passbound` shows passbound's own."""
    study = tmp_path / "study.toml"
    study.write_text(
        f'name = "old engine"\noutput = "{(tmp_path / "run").as_posix()}"\n'
        f'[[models]]\nname = "m"\npath = "none"\nengine = "{__name__}:LooseKeywordEngine"\ntemplate = "qwen-boxed"\n'
        '[[benchmarks]]\nname = "synthetic"\nlimit = 2\noptions = { n_problems = 2, levels = [1] }\n'
        "[sampling]\nn = 2\n"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.simplefilter("ignore", DeprecationWarning)  # as Python starts outside __main__
        main(["sample", str(study), "--no-progress"])
    shown = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    assert len(shown) == 1 and "LooseKeywordEngine" in shown[0]
    assert len(pd.read_parquet(tmp_path / "run" / "samples")) == 2 * 2
