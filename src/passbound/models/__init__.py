"""Models passbound can run without downloading anything (the embedded default)."""

from __future__ import annotations

import json
from pathlib import Path

from passbound.models.embedded import default_cache_root, embedded_model_path, gguf_path

# Names a study file may give as a model path to mean the embedded model.
EMBEDDED_NAMES = ("embedded", "smollm2-135m-instruct")


def resolve_model(model: str) -> str:
    """Map an embedded model's name to its (converted-on-first-use) folder; other names pass through."""
    return str(embedded_model_path()) if model in EMBEDDED_NAMES else model


def declares_vision(model_path: str) -> bool | None:
    """Whether a local model folder is a vision-language model (its config has a vision tower);
    None when that cannot be told without loading it (a hub id, a server)."""
    config = Path(resolve_model(model_path)).expanduser() / "config.json"
    if not config.is_file():
        return None
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return any(key in data for key in ("vision_config", "vision_tower", "mm_vision_tower", "visual"))


__all__ = [
    "EMBEDDED_NAMES",
    "declares_vision",
    "default_cache_root",
    "embedded_model_path",
    "gguf_path",
    "resolve_model",
]
