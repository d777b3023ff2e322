"""Images reach the model through every engine: vLLM (multi_modal_data), transformers (the
processor) and a real OpenAI-compatible server the test starts (image_url data URIs).

The model is tests/_tiny_vl.py's random Idefics3 (no VLM weights can be downloaded here): plumbing
only. That the image reaches the model is shown by prompt token counts that include the image's
tokens and by two images giving different samples under one seed (while one image gives the same).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from _tiny_vl import TOKENS_PER_IMAGE, two_images
from _vllm_server import vllm_server
from passbound.engines import GenerationSettings
from passbound.errors import ConfigError
from passbound.prompts.parts import TextWithImages, image_part, openai_messages, text_part
from passbound.registry import engines

pytestmark = pytest.mark.e2e
QUESTION = "What is in the picture? Answer in \\boxed{}."
SAMPLING = {"n": 2, "settings": GenerationSettings(temperature=1.0, top_p=1.0, max_tokens=8)}


def chat(image: Path | None) -> list[dict]:
    parts = ([image_part(str(image))] if image else []) + [text_part(QUESTION)]
    return [{"role": "user", "content": parts}]


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return two_images(tmp_path_factory.mktemp("images"))


@pytest.fixture(scope="module")
def vllm_scorer(tiny_vl: Path) -> Iterator:
    """One vLLM start for the module: the perplexity scorer's engine is a passbound VLLMEngine."""
    from passbound.metrics.perplexity import create_scorer

    scorer = create_scorer("vllm", str(tiny_vl), max_model_len=1024, dtype="float32")
    yield scorer
    scorer.close()


@pytest.fixture(scope="module")
def vllm_engine(vllm_scorer) -> Iterator:
    return vllm_scorer._engine


def _texts(results: list) -> list[list[str]]:
    return [[c.text for c in per] for per in results]


def test_vllm_gets_the_image(vllm_engine, images) -> None:
    red, noise = images
    assert vllm_engine.accepts_images is True
    import vllm

    params = vllm.SamplingParams(max_tokens=1, seed=0)
    with_image, without = vllm_engine.llm.generate(
        [vllm_engine.engine_prompt(chat(red)), vllm_engine.engine_prompt(chat(None))], params, use_tqdm=False
    )
    assert len(with_image.prompt_token_ids) == len(without.prompt_token_ids) + TOKENS_PER_IMAGE
    out = _texts(vllm_engine.generate([chat(red), chat(noise), chat(red)], **SAMPLING, seeds=[5, 5, 5]))
    assert out[0] == out[2] and out[0] != out[1]


def test_vllm_stream_equals_generate_with_images(vllm_engine, images) -> None:
    """The streaming path (LLMEngine.add_request) sends the same image data as generate."""
    from passbound.engines.base import GenerationRequest

    prompts = [chat(images[0]), chat(images[1])]
    generated = _texts(vllm_engine.generate(prompts, **SAMPLING, seeds=[3, 4]))
    settings = SAMPLING["settings"]
    requests = [GenerationRequest(i, p, SAMPLING["n"], seed) for i, (p, seed) in enumerate(zip(prompts, [3, 4]))]
    streamed = dict(vllm_engine.stream(requests, settings, in_flight=2))
    assert [[c.text for c in streamed[i]] for i in range(2)] == generated


def test_vllm_raw_text_with_image_placeholders(vllm_engine, images, tiny_vl) -> None:
    """A text template places the model's placeholder itself (qwen-vl-boxed does for Qwen2-VL)."""
    text = "<|im_start|>user\n<image>" + QUESTION + "<|im_end|>\n<|im_start|>assistant\n"
    red, noise = images
    out = _texts(
        vllm_engine.generate(
            [TextWithImages(text, (str(red),)), TextWithImages(text, (str(noise),))], **SAMPLING, seeds=[1, 1]
        )
    )
    assert out[0] != out[1]


def test_hf_gets_the_image(tiny_vl: Path, images) -> None:
    red, noise = images
    eng = engines.create("hf", model=str(tiny_vl), dtype="float32")
    try:
        assert eng.accepts_images is True
        ids, extra = eng.inputs(chat(red))
        assert "pixel_values" in extra
        assert len(ids) == len(eng.inputs(chat(None))[0]) + TOKENS_PER_IMAGE
        out = eng.generate([chat(red), chat(noise), chat(red)], **SAMPLING, seeds=[2, 2, 2])
        assert _texts(out)[0] == _texts(out)[2] and _texts(out)[0] != _texts(out)[1]
        assert all(c.logprob is not None and c.logprob < 0 for per in out for c in per)  # scored with the image
    finally:
        eng.close()


def test_perplexity_with_images_hf_and_vllm_agree(tiny_vl: Path, images, vllm_scorer) -> None:
    """A completion is scored with the image its prompt showed: another image, another NLL; both
    backends score the same tokens the same way."""
    from passbound.metrics.perplexity import create_scorer

    red, noise = images
    prompts, completion = [chat(red), chat(noise)], ["The picture shows a red square, so \\boxed{red}."] * 2
    hf = create_scorer("hf", str(tiny_vl))
    try:
        by_hf = hf.score(prompts, completion, temperature=1.0)
    finally:
        hf.close()
    by_vllm = vllm_scorer.score(prompts, completion)
    assert by_hf[0].n_tokens == by_vllm[0].n_tokens > 5
    assert by_hf[0].nll != pytest.approx(by_hf[1].nll, rel=1e-3)
    for a, b in zip(by_hf, by_vllm):
        assert a.nll == pytest.approx(b.nll, rel=1e-3) and a.entropy is not None


@pytest.mark.slow  # CI time (72 s, a server of its own): vLLM and transformers get the image in the default run
def test_openai_server_gets_the_image(tiny_vl: Path, images, tmp_path: Path) -> None:
    red, noise = images
    with vllm_server(tiny_vl, tmp_path / "server.log", "--dtype", "float32") as url:
        eng = engines.create("openai", model=str(tiny_vl), base_url=url, api_key="EMPTY", concurrency=2)
        out = _texts(eng.generate([chat(red), chat(noise), chat(red)], **SAMPLING, seeds=[9, 9, 9]))
        assert out[0] == out[2] and out[0] != out[1]
        with pytest.raises(ConfigError, match="completions endpoint takes no images"):
            eng.generate([TextWithImages("<image>hi", (str(red),))], **SAMPLING, seeds=[1])
        from openai import OpenAI

        usage = [
            OpenAI(base_url=url, api_key="EMPTY")
            .chat.completions.create(model=str(tiny_vl), messages=m, max_tokens=1)
            .usage.prompt_tokens
            for m in (openai_messages(chat(red)), chat(None))
        ]
        assert usage[0] == usage[1] + TOKENS_PER_IMAGE
