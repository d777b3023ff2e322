"""Perplexity of one model's completions under another (Yue et al., 2025, §4.1), and token entropy.

For a prompt x and a completion y = (y_1..y_T) scored by model m:

    NLL_m(Y|x) = −(1/T) Σ_t log p_m(y_t | x, y_<t)        PPL_m(Y|x) = exp(NLL_m(Y|x))

Only completion tokens count; the prompt is rendered exactly as the sampling engines render it
(raw text tokenized with the tokenizer's special tokens; chat messages through the tokenizer's
chat template, tokenized without them), then the completion text is tokenized on its own
(no special tokens) and appended. Re-tokenizing the text can split it differently from the
sampled tokens at the prompt/completion seam; both backends share that tokenization, so they
score the same token ids. The end-of-sequence token is not scored (the sample text holds none).

Two backends, registered in ``passbound.registry.scorers`` under the names of the engines they
score with (a third-party engine can add its own scorer there, or through the entry-point group
``passbound.scorers``), created lazily so ``import passbound`` never imports torch or vLLM:

- ``hf``: transformers teacher forcing, batched (right padding, which a causal model ignores
  for the real positions), float32 on CPU by default. Also returns the mean token entropy
  H_t = −Σ_v q_t(v) log q_t(v) with q_t = softmax(logits_t / T) over the completion
  positions: with the model scoring its own samples at its sampling temperature T this is the
  per-token entropy of the distribution it sampled from (top-p truncation not applied).
- ``vllm``: ``LLM.generate`` with ``SamplingParams(max_tokens=1, prompt_logprobs=0)`` on the
  prompt + completion token ids; vLLM returns the raw (temperature-free) log-prob of every
  prompt token, of which we keep the completion positions. No entropy (that needs the whole
  distribution at every position).

A prompt with images is scored with them: the hf backend runs the model's processor (its image
tokens and pixel inputs, one sample per pass), the vllm backend sends ``multi_modal_data`` and
keeps the last T prompt positions of the expanded prompt.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from passbound.engines.base import PromptInput, is_chat, processor_inputs, render_chat
from passbound.errors import ConfigError
from passbound.prompts.parts import load_image, prompt_images
from passbound.registry import scorers

BACKENDS = ("hf", "vllm")  # the built-in scorers; ``scorers.names()`` lists every registered one


@dataclass(frozen=True)
class TokenScore:
    """One completion's score: mean NLL per token, token count, PPL = exp(nll), mean entropy."""

    nll: float
    n_tokens: int
    ppl: float
    entropy: float | None = None


def score_from_logprobs(logprobs: Sequence[float], entropies: Sequence[float] | None = None) -> TokenScore:
    """PPL = exp(−mean log p); an empty completion has no tokens and NaN scores."""
    n = len(logprobs)
    if n == 0:
        return TokenScore(math.nan, 0, math.nan, math.nan if entropies is not None else None)
    nll = -math.fsum(logprobs) / n
    ent = math.fsum(entropies) / n if entropies is not None else None
    return TokenScore(nll, n, math.exp(nll), ent)


def encode_pair(tokenizer: Any, prompt: PromptInput, completion: str) -> tuple[list[int], list[int]]:
    """(prompt ids, completion ids), the prompt tokenized as passbound's engines tokenize it."""
    if is_chat(prompt):
        prompt_ids = list(tokenizer.encode(render_chat(tokenizer, prompt), add_special_tokens=False))
    else:
        prompt_ids = list(tokenizer.encode(render_chat(tokenizer, prompt)))
    return prompt_ids, list(tokenizer.encode(completion, add_special_tokens=False))


class HFScorer:
    """Teacher-forced scoring with transformers; ``max_batch_tokens`` bounds padded tokens per pass."""

    name = "hf"
    gives_entropy = True  # the whole distribution at every position: token entropy comes free

    def __init__(
        self, model: str, *, device: str = "cpu", dtype: str = "float32", max_batch_tokens: int = 2048, **options: Any
    ) -> None:
        from passbound.models import resolve_model
        from passbound.registry import require

        self._torch = require("torch", "hf", "perplexity with the hf backend")
        transformers = require("transformers", "hf", "perplexity with the hf backend")
        self.device = device
        self.max_batch_tokens = max(1, int(max_batch_tokens))
        self.model_path = resolve_model(model)
        from passbound.models import declares_vision

        if declares_vision(self.model_path):  # a vision-language model: images through its processor
            self.processor = transformers.AutoProcessor.from_pretrained(self.model_path)
            self.tokenizer = self.processor.tokenizer
            self.model = transformers.AutoModelForImageTextToText.from_pretrained(
                self.model_path, dtype=getattr(self._torch, dtype), **options
            )
        else:
            self.processor = None
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(self.model_path)
            self.model = transformers.AutoModelForCausalLM.from_pretrained(
                self.model_path, dtype=getattr(self._torch, dtype), **options
            )
        self.model.to(device).eval()
        pad = self.tokenizer.pad_token_id
        self.pad_id = pad if pad is not None else (self.tokenizer.eos_token_id or 0)

    def encode(self, prompt: PromptInput, completion: str) -> tuple[list[int], list[int]]:
        return encode_pair(self.tokenizer, prompt, completion)

    def score_ids(
        self, pairs: Sequence[tuple[list[int], list[int]]], temperature: float | None = None
    ) -> list[TokenScore]:
        """Score (prompt ids, completion ids) pairs; entropy at ``temperature`` when it is given."""
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        out: list[TokenScore | None] = [None] * len(pairs)
        batch: list[int] = []
        longest = 0
        for i in order:
            length = len(pairs[i][0]) + len(pairs[i][1])
            if batch and max(longest, length) * (len(batch) + 1) > self.max_batch_tokens:
                self._score_batch([pairs[j] for j in batch], batch, out, temperature)
                batch, longest = [], 0
            batch.append(i)
            longest = max(longest, length)
        if batch:
            self._score_batch([pairs[j] for j in batch], batch, out, temperature)
        return out  # type: ignore[return-value]

    def _score_batch(
        self,
        pairs: list[tuple[list[int], list[int]]],
        where: list[int],
        out: list[TokenScore | None],
        temperature: float | None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        torch = self._torch
        seqs = [p + c for p, c in pairs]
        width = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(seqs), width), dtype=torch.long)
        for r, s in enumerate(seqs):
            ids[r, : len(s)] = torch.tensor(s)
            mask[r, : len(s)] = 1
        with torch.inference_mode():
            logits = self.model(
                input_ids=ids.to(self.device), attention_mask=mask.to(self.device), **(extra or {})
            ).logits
            for r, (p, c) in enumerate(pairs):
                if not c:
                    out[where[r]] = score_from_logprobs([], [] if temperature is not None else None)
                    continue
                # logits at position t predict token t+1: completion token j sits at len(p)+j.
                rows = logits[r, len(p) - 1 : len(p) + len(c) - 1].float()
                target = torch.tensor(c, device=rows.device)
                logp = torch.log_softmax(rows, dim=-1).gather(1, target[:, None])[:, 0]
                ent = token_entropy(torch, rows, temperature) if temperature is not None else None
                out[where[r]] = score_from_logprobs(
                    logp.double().tolist(), None if ent is None else ent.double().tolist()
                )

    def score(
        self, prompts: Sequence[PromptInput], completions: Sequence[str], temperature: float | None = None
    ) -> list[TokenScore]:
        """Text prompts in padded batches; each prompt with images alone, with its pixel inputs."""
        with_images = [i for i, p in enumerate(prompts) if prompt_images(p)]
        text = [i for i in range(len(prompts)) if i not in set(with_images)]
        out: list[TokenScore | None] = [None] * len(prompts)
        for i, score in zip(text, self.score_ids([self.encode(prompts[i], completions[i]) for i in text], temperature)):
            out[i] = score
        for i in with_images:
            if self.processor is None:
                raise ConfigError(f"{self.model_path} is a text-only model; it cannot score samples of image prompts")
            ids, extra = processor_inputs(self.processor, prompts[i], self.device)
            pair = (ids, list(self.tokenizer.encode(completions[i], add_special_tokens=False)))
            self._score_batch([pair], [i], out, temperature, extra)
        return out  # type: ignore[return-value]

    def close(self) -> None:
        self.model = None
        self.processor = None


def token_entropy(torch: Any, logits: Any, temperature: float) -> Any:
    """H = −Σ q log q with q = softmax(logits / T), per row; T = 0 (greedy) has entropy 0."""
    if temperature <= 0:
        return torch.zeros(logits.shape[0], dtype=logits.dtype, device=logits.device)
    logq = torch.log_softmax(logits / temperature, dim=-1)
    return -(logq.exp() * logq).sum(dim=-1)


class VLLMScorer:
    """Scoring with vLLM's prompt log-probs; built through passbound's vllm engine (same CPU settings)."""

    name = "vllm"
    gives_entropy = False  # prompt log-probs only: the sampled token's, not the distribution

    def __init__(self, model: str, **options: Any) -> None:
        from passbound.engines.vllm import VLLMEngine

        self._engine = VLLMEngine(model, logprobs=False, **options)
        self.tokenizer = self._engine.tokenizer

    def encode(self, prompt: PromptInput, completion: str) -> tuple[list[int], list[int]]:
        return encode_pair(self.tokenizer, prompt, completion)

    def score_ids(
        self,
        pairs: Sequence[tuple[list[int], list[int]]],
        temperature: float | None = None,
        images: Sequence[Sequence[str]] | None = None,
    ) -> list[TokenScore]:
        """Score pairs from vLLM's prompt log-probs (raw model distribution); no entropy. ``images``:
        per pair, the image files its prompt shows."""
        vllm = self._engine._vllm
        params = vllm.SamplingParams(max_tokens=1, prompt_logprobs=0, temperature=0.0)
        todo = [i for i, (_, c) in enumerate(pairs) if c]
        out = [score_from_logprobs([]) for _ in pairs]
        if not todo:
            return out
        limit = getattr(getattr(self._engine.llm, "llm_engine", None), "model_config", None)
        limit = getattr(limit, "max_model_len", None)
        longest = max(len(pairs[i][0]) + len(pairs[i][1]) for i in todo)
        if limit is not None and longest > limit:
            raise ConfigError(
                f"a prompt + completion has {longest} tokens but the vllm scorer's max_model_len is "
                f"{limit}; raise max_model_len in the scorer's engine_options or use --engine hf"
            )
        images = images or [[] for _ in pairs]
        requests = [
            {
                "prompt_token_ids": pairs[i][0] + pairs[i][1],
                **({"multi_modal_data": {"image": [load_image(f) for f in images[i]]}} if images[i] else {}),
            }
            for i in todo
        ]
        results = self._engine.llm.generate(requests, params, use_tqdm=False)
        for i, res in zip(todo, results):
            c = pairs[i][1]
            seq = list(res.prompt_token_ids)  # image placeholders expanded: the completion is the last len(c)
            lps = res.prompt_logprobs
            out[i] = score_from_logprobs([lps[t][seq[t]].logprob for t in range(len(seq) - len(c), len(seq))])
        return out

    def score(
        self, prompts: Sequence[PromptInput], completions: Sequence[str], temperature: float | None = None
    ) -> list[TokenScore]:
        return self.score_ids(
            [self.encode(p, c) for p, c in zip(prompts, completions)],
            temperature,
            images=[prompt_images(p) for p in prompts],
        )

    def close(self) -> None:
        self._engine.close()


@scorers.register("hf", "transformers teacher forcing; also gives token entropy")
def hf_scorer(model: str, **options: Any) -> HFScorer:
    return HFScorer(model, **options)


@scorers.register("vllm", "vLLM prompt log-probs (same CPU settings as the vllm engine); no entropy")
def vllm_scorer(model: str, **options: Any) -> VLLMScorer:
    return VLLMScorer(model, **options)


def create_scorer(backend: str, model: str, **options: Any) -> Any:
    """A scorer registered as ``backend`` (built-ins: 'hf', 'vllm'); backend libraries are imported
    only when it is built. An unknown name is a ConfigError listing the registered ones."""
    return scorers.create(backend, model, **options)
