"""Reasoning policy: which part of a completion states the answer, for models that think first.

Reasoning models write a trace between an opening and a closing tag (``<think>`` ... ``</think>``
for DeepSeek-R1 and Qwen3; other families use other tags) and answer after it. A value boxed while
thinking is a value tried out, not the answer, so every verifier reads only what follows the last
closing tag, the split the models' own chat templates make (``content.split('</think>')[-1]``).

The rules lean towards "no answer", because a verdict is also an RL reward and a false pass is
what a policy learns:

- the last closing tag ends the reasoning (only that exact tag: ``</THINK>`` does not close);
- an opening tag after it re-opens reasoning, so there is no answer; openers are matched loosely
  (any case, spaces inside the brackets: ``<THINK>``, ``< think >``), so no variant of the tag
  hides a trace from this rule;
- ``required``: the completion must close its reasoning even when it never opened it, as a
  completion of DeepSeek-R1-Distill does (its chat template ends the prompt with ``<think>``):
  a trace cut off at ``max_tokens`` then names no answer instead of its last tried value.

A completion that names no answer for one of these reasons is graded ``no_answer`` with the
detail ``REASONING_NOT_CLOSED``, so it is counted apart from answers that could not be read.
The policy is part of each verifier's ``version``: runs graded under different policies are
never mixed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from passbound.errors import ConfigError

__all__ = ["DEFAULT", "PRESETS", "REASONING_NOT_CLOSED", "ReasoningPolicy", "no_answer_detail", "reasoning_policy"]

REASONING_NOT_CLOSED = "reasoning not closed"
# Tag pairs of model families: DeepSeek-R1 / Qwen3 / QwQ; <reasoning> (GRPO recipes, Granite);
# OpenThoughts / Bespoke-Stratos; Kimi k1.5 / VL-Thinking.
PRESETS: dict[str, tuple[str, str]] = {
    "think": ("<think>", "</think>"),
    "reasoning": ("<reasoning>", "</reasoning>"),
    "thought": ("<|begin_of_thought|>", "<|end_of_thought|>"),
    "kimi": ("◁think▷", "◁/think▷"),
}
_KEYS = frozenset({"tags", "open", "close", "required"})


@functools.lru_cache(maxsize=32)
def _loose(tag: str) -> re.Pattern[str]:
    """``tag`` in any case with any spacing next to its punctuation: ``<think>`` matches
    ``< THINK >``. No two quantifiers can take the same characters (linear)."""
    parts: list[str] = []
    for i, ch in enumerate(tag):
        if i and not (ch.isalnum() and tag[i - 1].isalnum()):
            parts.append(r"\s*")
        parts.append(re.escape(ch))
    return re.compile("".join(parts), re.IGNORECASE)


@dataclass(frozen=True)
class ReasoningPolicy:
    """Where reasoning ends: after the last ``close_tag``; ``open_tag`` after it re-opens it;
    ``required``: a completion without ``close_tag`` names no answer (the template opened it)."""

    open_tag: str = "<think>"
    close_tag: str = "</think>"
    required: bool = False

    def __post_init__(self) -> None:
        for name, tag in (("open", self.open_tag), ("close", self.close_tag)):
            if not isinstance(tag, str) or not tag.strip() or tag != tag.strip():
                raise ConfigError(
                    f"reasoning {name} tag must be non-empty text without surrounding spaces, "
                    f"not {tag!r} (e.g. reasoning = {{ open = \"<think>\", close = \"</think>\" }})"
                )
        if self.open_tag == self.close_tag or _loose(self.open_tag).search(self.close_tag):
            raise ConfigError(
                f"reasoning tags {self.open_tag!r} / {self.close_tag!r}: the closing tag must not "
                f"contain the opening one (it would re-open what it closes)"
            )
        if not isinstance(self.required, bool):
            raise ConfigError(f"reasoning required must be true or false, not {self.required!r}")

    def answer_part(self, text: str) -> str | None:
        """The text after the last closing tag (all of it when no tag is used and none is
        required); None when reasoning never closes or opens again after the last close."""
        close = text.rfind(self.close_tag) if self.close_tag[0] in text else -1  # memchr first
        if close < 0:
            if self.required:
                return None
            rest = text
        else:
            rest = text[close + len(self.close_tag) :]
        first = self.open_tag[0]
        # An uncased first character ("<", "◁") matches only itself: absent, no opener can be.
        if first.lower() == first == first.upper() and first not in rest:
            return rest
        if _loose(self.open_tag).search(rest):
            return None
        return rest

    @property
    def tag(self) -> str:
        """The policy in a verifier version ("" for the default, which the semantics version names)."""
        if self == DEFAULT:
            return ""
        return f"+reasoning={self.open_tag}..{self.close_tag}" + (",required" if self.required else "")


DEFAULT = ReasoningPolicy()


def reasoning_policy(value: Any) -> ReasoningPolicy:
    """A verifier's ``reasoning`` option as a policy: None (the default, ``<think>``), a preset
    name (``"think"``, ``"reasoning"``, ``"thought"``, ``"kimi"``), or a table with ``tags`` (a
    preset) or ``open`` and ``close``, and ``required``."""
    if value is None:
        return DEFAULT
    if isinstance(value, ReasoningPolicy):
        return value
    if isinstance(value, str):
        value = {"tags": value}
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"reasoning must be a preset name ({', '.join(PRESETS)}) or a table such as "
            f"{{ open = \"<think>\", close = \"</think>\", required = true }}, not {value!r}"
        )
    unknown = sorted(set(value) - _KEYS)
    if unknown:
        raise ConfigError(f"reasoning: unknown key(s) {unknown}; use tags (a preset), or open and close, and required")
    if "tags" in value and ("open" in value or "close" in value):
        raise ConfigError("reasoning: give either tags (a preset) or open and close, not both")
    if "tags" in value:
        if value["tags"] not in PRESETS:
            raise ConfigError(
                f"reasoning tags {value['tags']!r} is no preset; choose from {list(PRESETS)} or give open and close"
            )
        open_tag, close_tag = PRESETS[value["tags"]]
    elif "open" in value and "close" in value:
        open_tag, close_tag = value["open"], value["close"]
    elif "open" in value or "close" in value:
        raise ConfigError("reasoning: give both open and close")
    else:
        open_tag, close_tag = DEFAULT.open_tag, DEFAULT.close_tag
    return ReasoningPolicy(open_tag, close_tag, value.get("required", False))


def no_answer_detail(verifier: Any, completion: str, default: str = "no answer found") -> str:
    """Why ``verifier`` found no answer in ``completion``: ``REASONING_NOT_CLOSED`` when its
    reasoning policy reads nothing, else ``default``."""
    policy = getattr(verifier, "reasoning", None)
    if isinstance(policy, ReasoningPolicy) and policy.answer_part(completion) is None:
        return REASONING_NOT_CLOSED
    return default
