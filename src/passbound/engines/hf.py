"""transformers ``generate`` engine: slow, but needs only torch and runs anywhere (CPU float32).

Prompts are generated one at a time, with the n samples of a prompt in one batch under an RNG
seeded with that prompt's seed (inside ``torch.random.fork_rng``, so the caller's global RNG is
untouched). A prompt's completions therefore depend only on (prompt, seed, parameters), never
on which other prompts share the call, which keeps chunked and resumed runs reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import version as dist_version
from typing import Any

from passbound.engines.base import (
    GenerationSettings,
    ProgressFn,
    PromptInput,
    check_request,
    is_chat,
    pop_options,
    processor_inputs,
    render_chat,
    truncate_at_stop,
)
from passbound.engines.cpu_format import NumberFormat, cpu_number_format
from passbound.errors import ConfigError
from passbound.models import declares_vision
from passbound.prompts.parts import prompt_images
from passbound.registry import require
from passbound.types import Completion

_OWN_OPTIONS = {"device": "cpu", "dtype": None, "max_batch": 64, "logprobs": True}


class HFEngine:
    """``AutoModelForCausalLM.generate`` behind passbound's Engine protocol.

    Options: ``device`` ("cpu"), ``dtype`` (on CPU: bfloat16 where the processor has native
    bfloat16 arithmetic, else float32; see passbound.engines.cpu_format), ``max_batch`` (at most this many
    sequences per ``generate`` call; n is split into such slices under the same seeded RNG),
    ``logprobs`` (True: score each completion's cumulative log-prob under the raw model
    distribution, as vLLM reports it, with one teacher-forced pass); the rest go to
    ``from_pretrained``.
    """

    name = "hf"

    def __init__(self, model: str, **options: Any) -> None:
        from passbound.models import resolve_model

        self._torch = require("torch", "hf", "the hf engine")
        transformers = require("transformers", "hf", "the hf engine")
        own = pop_options(options, _OWN_OPTIONS)
        self.device = str(own["device"])
        self.max_batch = max(1, int(own["max_batch"]))
        self.want_logprobs = bool(own["logprobs"])
        self.model_path = resolve_model(model)
        if self.device == "cpu":
            self.number_format = cpu_number_format(own)
        else:
            explicit = own["dtype"] not in (None, "auto")
            self.number_format = NumberFormat(
                str(own["dtype"]) if explicit else "float32",
                "set in engine_options" if explicit else "hf engine default",
            )
        dtype = getattr(self._torch, self.number_format.dtype)
        self.accepts_images = bool(declares_vision(self.model_path))
        if self.accepts_images:  # a vision-language model: its processor turns images into pixel inputs
            self.processor = transformers.AutoProcessor.from_pretrained(self.model_path)
            self.tokenizer = self.processor.tokenizer
            self.model = transformers.AutoModelForImageTextToText.from_pretrained(
                self.model_path, dtype=dtype, **options
            )
        else:
            self.processor = None
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(self.model_path)
            self.model = transformers.AutoModelForCausalLM.from_pretrained(self.model_path, dtype=dtype, **options)
        self.model.to(self.device).eval()
        config = self.model.generation_config
        eos = config.eos_token_id if config.eos_token_id is not None else self.tokenizer.eos_token_id
        self.eos_ids = set(eos if isinstance(eos, list) else [eos]) - {None}
        self.pad_id = config.pad_token_id if config.pad_token_id is not None else next(iter(self.eos_ids), 0)

    def version(self) -> str:
        return f"transformers {dist_version('transformers')}"

    def encode(self, prompt: PromptInput) -> list[int]:
        """Token ids; a rendered chat template already holds its special tokens."""
        return self.inputs(prompt)[0]

    def inputs(self, prompt: PromptInput) -> tuple[list[int], dict[str, Any]]:
        """Token ids and the processor's image tensors (pixel values, grids; none for text)."""
        images = prompt_images(prompt)
        if images:
            if self.processor is None:
                raise ConfigError(f"{self.model_path} is a text-only model; it cannot be given image prompts")
            return processor_inputs(self.processor, prompt, self.device)
        if is_chat(prompt):
            return list(self.tokenizer.encode(render_chat(self.tokenizer, prompt), add_special_tokens=False)), {}
        return list(self.tokenizer.encode(render_chat(self.tokenizer, prompt))), {}

    def generate(
        self,
        prompts: Sequence[PromptInput],
        *,
        n: int,
        settings: GenerationSettings,
        seeds: Sequence[int],
        on_progress: ProgressFn | None = None,
    ) -> list[list[Completion]]:
        check_request(prompts, n=n, seeds=seeds)
        kwargs = self.generate_kwargs(settings)
        results = []
        for prompt, seed in zip(prompts, seeds):
            results.append(self._one_prompt(*self.inputs(prompt), n, seed, kwargs, settings.stop))
            if on_progress:
                on_progress(1)
        return results

    def generate_kwargs(self, settings: GenerationSettings) -> dict[str, Any]:
        """The settings as ``model.generate`` keywords: sampling with top-k off, or greedy."""
        kwargs: dict[str, Any] = {"max_new_tokens": settings.max_tokens, "pad_token_id": self.pad_id}
        if settings.is_greedy:
            kwargs["do_sample"] = False
        else:
            kwargs.update(do_sample=True, temperature=settings.temperature, top_p=settings.top_p, top_k=0)
        if settings.stop:
            kwargs.update(stop_strings=list(settings.stop), tokenizer=self.tokenizer)
        return kwargs

    def _one_prompt(
        self,
        ids: list[int],
        extra: dict[str, Any],
        n: int,
        seed: int,
        kwargs: dict[str, Any],
        stop: Sequence[str] | None,
    ) -> list[Completion]:
        torch = self._torch
        prompt = torch.tensor([ids], device=self.device)
        completions: list[Completion] = []
        with torch.random.fork_rng(devices=[]), torch.inference_mode():
            torch.manual_seed(seed)
            for start in range(0, n, self.max_batch):
                size = min(self.max_batch, n - start)
                out = self.model.generate(
                    prompt.expand(size, -1),
                    attention_mask=torch.ones(size, len(ids), dtype=torch.long, device=self.device),
                    **_repeat(extra, size),
                    **kwargs,
                )
                completions += [self._completion(ids, row.tolist(), stop, extra) for row in out[:, len(ids) :]]
        return completions

    def _completion(
        self, prompt_ids: list[int], generated: list[int], stop: Sequence[str] | None, extra: dict[str, Any]
    ) -> Completion:
        """Cut at the first EOS/pad (padding follows a finished sequence), then at a stop string.

        ``n_tokens`` counts the EOS token, as vLLM does; a stop string ends the sequence
        without an EOS, so its padding is not counted.
        """
        end = next((i for i, t in enumerate(generated) if t in self.eos_ids or t == self.pad_id), len(generated))
        tokens = generated[:end]
        text, stopped = truncate_at_stop(self.tokenizer.decode(tokens, skip_special_tokens=True), stop)
        if stopped:
            reason, counted = "stop", tokens
        elif end < len(generated):
            reason, counted = "stop", generated[: end + 1]
        else:
            reason, counted = "length", tokens
        logprob = self._logprob(prompt_ids, counted, extra) if self.want_logprobs else None
        return Completion(text=text, finish_reason=reason, n_tokens=len(counted), logprob=logprob)

    def _logprob(self, prompt_ids: list[int], tokens: list[int], extra: dict[str, Any]) -> float | None:
        """Sum of log p(token | prefix) under the unmodified model (no temperature or top-p)."""
        if not tokens:
            return 0.0
        torch = self._torch
        seq = torch.tensor([prompt_ids + tokens], device=self.device)
        with torch.inference_mode():
            logits = self.model(input_ids=seq, **extra).logits[0, len(prompt_ids) - 1 : -1].float()
        logp = torch.log_softmax(logits, dim=-1).gather(1, seq[0, len(prompt_ids) :, None])
        return float(logp.sum())

    def close(self) -> None:
        self.model = None
        self.processor = None
        import gc

        gc.collect()


def _repeat(extra: dict[str, Any], size: int) -> dict[str, Any]:
    """Image tensors for ``size`` copies of one prompt: repeated along the first dimension (a
    batch of images, or Qwen2-VL's concatenated patches, which the grid tensor then splits)."""
    return {k: v.repeat(size, *([1] * (v.dim() - 1))) for k, v in extra.items()}
