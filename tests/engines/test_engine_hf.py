"""hf engine (transformers generate, CPU float32) on the same slice as the vllm engine.

transformers decodes far slower than vLLM on CPU, so this module samples 16 tokens, not 32,
and keeps the number of generate calls small.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from passbound.engines import GenerationSettings
from passbound.registry import engines

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def engine(embedded_model: Path):
    eng = engines.create("hf", model=str(embedded_model))
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def sampling(sampling: dict) -> dict:
    return {**sampling, "settings": replace(sampling["settings"], max_tokens=16)}


@pytest.fixture(scope="module")
def first(engine, slice_prompts, sampling) -> list:
    seen: list[int] = []
    results = engine.generate(slice_prompts, **sampling, on_progress=seen.append)
    assert seen == [1] * len(slice_prompts)
    return results


def test_version_names_transformers(engine) -> None:
    assert engine.version().startswith("transformers ")


def test_n_completions_per_prompt_with_valid_fields(first, slice_prompts, sampling, check_schema) -> None:
    check_schema(first, len(slice_prompts), sampling["n"], sampling["settings"].max_tokens)
    assert all(isinstance(c.logprob, float) for per in first for c in per)
    assert all(len({c.text for c in per}) > 1 for per in first)


def test_seed_reproducible_regardless_of_batch(engine, first, slice_prompts, sampling, texts) -> None:
    # prompts 2 and 0, in that order, without prompt 1: each still gets exactly its first-call samples
    picked = engine.generate(
        [slice_prompts[2], slice_prompts[0]], **{**sampling, "seeds": [sampling["seeds"][2], sampling["seeds"][0]]}
    )
    assert texts(picked) == [texts(first)[2], texts(first)[0]]


def test_different_seed_different_texts(engine, first, slice_prompts, sampling, texts) -> None:
    other = engine.generate(slice_prompts[:1], **{**sampling, "seeds": [sampling["seeds"][0] + 1000]})
    assert texts(other) != texts(first)[:1]


def test_global_rng_is_left_alone(engine, slice_prompts, sampling) -> None:
    import torch

    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    engine.generate(slice_prompts[:1], n=1, settings=replace(sampling["settings"], max_tokens=4), seeds=[5])
    assert torch.equal(torch.rand(3), expected)


def test_stop_strings_truncate_and_finish_with_stop(engine) -> None:
    results = engine.generate(
        ["Count from 1 to 20, separated by commas: 1, 2, 3,"],
        n=2,
        settings=GenerationSettings.greedy(16, stop=[","]),
        seeds=[0],
    )
    for c in results[0]:
        assert "," not in c.text and c.finish_reason == "stop" and 1 <= c.n_tokens < 16


def test_max_batch_splits_n_without_changing_the_count(embedded_model, slice_prompts, sampling, check_schema) -> None:
    small = engines.create("hf", model=str(embedded_model), max_batch=3, logprobs=False)
    try:
        settings = replace(sampling["settings"], max_tokens=8)
        results = small.generate(slice_prompts[:1], n=sampling["n"], settings=settings, seeds=sampling["seeds"][:1])
    finally:
        small.close()
    check_schema(results, 1, sampling["n"], 8)
    assert all(c.logprob is None for c in results[0])
