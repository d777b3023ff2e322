"""Prompts made of content parts (text and images), as inspect_ai's ContentText / ContentImage.

A prompt is one of

* raw text (``str``): the engine tokenizes it as is;
* chat messages whose ``content`` is a string or a list of parts, ``{"type": "text", "text": ...}``
  and ``{"type": "image", "image": "<file path>"}`` (the part shape transformers' processors and
  chat templates read); the engine applies the model's chat template;
* :class:`TextWithImages`: raw text that already holds the model's own image placeholders
  (``<|vision_start|><|image_pad|><|vision_end|>`` for Qwen2-VL), plus the images in order.

Each engine turns these into its own request form: vLLM ``multi_modal_data``, OpenAI-compatible
servers ``image_url`` data URIs, transformers the model's processor.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from passbound.errors import ConfigError


@dataclass(frozen=True)
class TextWithImages:
    """Raw model input with image placeholders in place, and the image files they stand for."""

    text: str
    images: tuple[str, ...]


def text_part(text: str) -> dict[str, str]:
    return {"type": "text", "text": text}


def image_part(path: str) -> dict[str, str]:
    return {"type": "image", "image": path}


def prompt_images(prompt: Any) -> list[str]:
    """Every image file a prompt shows, in order (empty for text)."""
    if isinstance(prompt, TextWithImages):
        return list(prompt.images)
    if isinstance(prompt, str):
        return []
    return [
        part["image"]
        for m in prompt
        if not isinstance(m.get("content"), str)
        for part in m.get("content") or ()
        if part.get("type") == "image"
    ]


def has_images(prompt: Any) -> bool:
    return bool(prompt_images(prompt))


def _map_parts(messages: Sequence[Mapping[str, Any]], image: Any) -> list[dict[str, Any]]:
    """Messages with each image part replaced by ``image(part)``; text parts and string contents kept."""
    out = []
    for m in messages:
        content = m.get("content")
        if isinstance(content, str) or content is None:
            out.append(dict(m))
            continue
        parts = [image(p) if p.get("type") == "image" else {"type": "text", "text": p.get("text", "")} for p in content]
        out.append({**m, "content": parts})
    return out


def placeholder_messages(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Messages for a chat template: image parts become ``{"type": "image"}`` (the processor's
    placeholder), text parts stay; string contents stay strings."""
    return _map_parts(messages, lambda part: {"type": "image"})


def load_image(path: str) -> Any:
    """The image as an RGB PIL image (what vLLM and processors take)."""
    from PIL import Image

    file = Path(path)
    if not file.is_file():
        raise ConfigError(
            f"image {file} does not exist; the run directory's media/ folder is incomplete "
            "(re-run `passbound run` so the benchmark's images are copied again)"
        )
    with Image.open(file) as image:
        return image.convert("RGB")


def data_uri(path: str) -> str:
    """``data:image/...;base64,...`` for an OpenAI-compatible ``image_url`` part."""
    mime = mimetypes.guess_type(path)[0] or "image/png"
    return f"data:{mime};base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def openai_messages(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Messages in the OpenAI chat format: image parts become ``image_url`` data URIs."""
    return _map_parts(messages, lambda part: {"type": "image_url", "image_url": {"url": data_uri(part["image"])}})
