"""Models passbound can run without downloading anything (the embedded default)."""

from __future__ import annotations

from passbound.models.embedded import default_cache_root, embedded_model_path, gguf_path

# Names a study file may give as a model path to mean the embedded model.
EMBEDDED_NAMES = ("embedded", "smollm2-135m-instruct")


def resolve_model(model: str) -> str:
    """Map an embedded model's name to its (converted-on-first-use) folder; other names pass through."""
    return str(embedded_model_path()) if model in EMBEDDED_NAMES else model


__all__ = ["EMBEDDED_NAMES", "default_cache_root", "embedded_model_path", "gguf_path", "resolve_model"]
