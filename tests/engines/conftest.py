"""The tiny sampling slice every engine test runs, and the schema every engine must return."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from passbound.engines import GenerationSettings
from passbound.types import Completion

# An instruct model given a bare question as raw text mostly ends at once (EOS), so the raw-text
# prompt is a continuation; the questions go through the chat template.
RAW_PROMPT = "Once upon a time, in a small village by the sea,"
CHAT_PROMPTS = [
    [{"role": "user", "content": "What is 2+3? Put the answer in \\boxed{}."}],
    [{"role": "user", "content": "What is 7*6? Put the answer in \\boxed{}."}],
]
SLICE_N = 4
SLICE_SETTINGS = GenerationSettings(temperature=0.8, top_p=0.95, max_tokens=32)
SEEDS = [11, 12, 13]


@pytest.fixture(scope="session")
def slice_prompts() -> list:
    """One raw-text prompt and two chat prompts (chat template applied by the engine)."""
    return [RAW_PROMPT, *CHAT_PROMPTS]


def _check_schema(results: Sequence[Sequence[Completion]], n_prompts: int, n: int, max_tokens: int) -> None:
    """What the sample stage relies on: n Completions per prompt with valid, typed fields."""
    assert len(results) == n_prompts
    for per_prompt in results:
        assert len(per_prompt) == n
        for c in per_prompt:
            assert isinstance(c, Completion)
            assert isinstance(c.text, str)
            assert c.finish_reason in {"stop", "length"}, c.finish_reason
            assert isinstance(c.n_tokens, int) and 1 <= c.n_tokens <= max_tokens
            if c.finish_reason == "length":
                assert c.n_tokens == max_tokens
            assert c.logprob is None or (isinstance(c.logprob, float) and c.logprob <= 0.0)


def _texts(results: Sequence[Sequence[Completion]]) -> list[list[str]]:
    return [[c.text for c in per_prompt] for per_prompt in results]


@pytest.fixture(scope="session")
def sampling() -> dict:
    """``generate`` keywords: n=4, T=0.8, top_p=0.95, max_tokens=32, one fixed seed per slice prompt."""
    return {"n": SLICE_N, "settings": SLICE_SETTINGS, "seeds": list(SEEDS)}


@pytest.fixture(scope="session")
def check_schema():
    return _check_schema


@pytest.fixture(scope="session")
def texts():
    return _texts
