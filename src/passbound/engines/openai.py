"""Engine for any OpenAI-compatible server (vLLM serve, SGLang, llama.cpp, hosted APIs).

Raw text prompts go to the completions endpoint, chat messages to the chat endpoint. Requests
run concurrently under a semaphore, are retried with exponential backoff on rate limits,
server errors and dropped connections, and are split when a server caps ``n``: a slice that
starts at sample ``j`` is sent with ``seed + j``, which is the seed vLLM gives its j-th child
sample, so on a vLLM server a split request asks for the same random streams as an unsplit one.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import threading
from collections.abc import Coroutine, Sequence
from importlib.metadata import version as dist_version
from typing import Any, TypeVar

from passbound.engines.base import (
    GenerationSettings,
    ProgressFn,
    PromptInput,
    as_messages,
    check_request,
    is_chat,
    pop_options,
)
from passbound.errors import ConfigError
from passbound.prompts.parts import TextWithImages, openai_messages
from passbound.registry import require
from passbound.types import Completion

T = TypeVar("T")
_OWN_OPTIONS: dict[str, Any] = {
    "base_url": None,
    "api_key": None,
    "concurrency": 8,
    "max_retries": 6,
    "max_n_per_request": None,
    "timeout": 600.0,
    "logprobs": True,
    "model_name": None,
    "backoff_s": 1.0,
}
# Server messages that mean "n is too large" (OpenAI, vLLM, SGLang phrase it differently).
_N_TOO_LARGE = re.compile(r"\bn\b[^.]{0,60}?(at most|less than|<=|too large|maximum|exceed|between)", re.I)
_MAX_N = re.compile(r"(?:at most|<=|maximum(?: of)?|less than or equal to|between 1 and)\s*(\d+)", re.I)


class OpenAIEngine:
    """OpenAI-compatible server behind passbound's Engine protocol.

    Options: ``base_url`` (else ``$OPENAI_BASE_URL``), ``api_key`` (else ``$OPENAI_API_KEY``,
    else "EMPTY" for local servers), ``concurrency`` (8 requests in flight), ``max_retries`` (6),
    ``max_n_per_request`` (None: as many as asked; also learned from "n too large" errors),
    ``timeout`` (s per request), ``logprobs`` (True: per-sample token counts and log-probs from
    the returned log-probs), ``model_name`` (the served name, default the study's model path),
    ``backoff_s`` (first retry delay); anything else is sent as extra request fields.
    """

    name = "openai"

    def __init__(self, model: str, **options: Any) -> None:
        self._openai = require("openai", "openai", "the openai engine")
        own = pop_options(options, _OWN_OPTIONS)
        self.model = str(own["model_name"] or model)
        self.base_url = own["base_url"] or os.environ.get("OPENAI_BASE_URL")
        self.api_key = own["api_key"] or os.environ.get("OPENAI_API_KEY") or "EMPTY"
        self.concurrency = int(own["concurrency"])
        self.max_retries = int(own["max_retries"])
        self.n_cap: int | None = int(own["max_n_per_request"]) if own["max_n_per_request"] else None
        self.timeout = float(own["timeout"])
        self.logprobs = bool(own["logprobs"])
        self.backoff_s = float(own["backoff_s"])
        self.extra_body = options
        if self.concurrency < 1 or (self.n_cap is not None and self.n_cap < 1):
            raise ConfigError("openai engine: concurrency and max_n_per_request must be at least 1")

    def version(self) -> str:
        return f"openai-server {self.model} (openai {dist_version('openai')})"

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
        if any(isinstance(p, TextWithImages) for p in prompts):
            raise ConfigError(
                "an OpenAI-compatible completions endpoint takes no images; use template "
                "'chat' (images go as image_url parts of a chat message)"
            )
        params = request_params(settings)
        if settings.is_greedy:  # one outcome (some servers refuse n > 1), so ask once and copy
            return [per * n for per in _run(self._generate_all(prompts, 1, seeds, params, on_progress))]
        return _run(self._generate_all(prompts, n, seeds, params, on_progress))

    def close(self) -> None:
        """Nothing to free: each ``generate`` call opens and closes its own HTTP client."""

    async def _generate_all(
        self,
        prompts: Sequence[PromptInput],
        n: int,
        seeds: Sequence[int],
        params: dict[str, Any],
        on_progress: ProgressFn | None,
    ) -> list[list[Completion]]:
        client = self._openai.AsyncOpenAI(
            base_url=self.base_url, api_key=self.api_key, max_retries=0, timeout=self.timeout
        )
        gate = asyncio.Semaphore(self.concurrency)

        async def one(prompt: PromptInput, seed: int) -> list[Completion]:
            result = await self._sample(client, gate, prompt, n, seed, params)
            if on_progress:
                on_progress(1)
            return result

        try:
            return list(await asyncio.gather(*(one(p, s) for p, s in zip(prompts, seeds))))
        finally:
            await client.close()

    async def _sample(
        self, client: Any, gate: asyncio.Semaphore, prompt: PromptInput, n: int, seed: int, params: dict[str, Any]
    ) -> list[Completion]:
        """All n samples of one prompt, in slices of at most ``n_cap`` (sample j gets seed + j)."""
        done: list[Completion] = []
        while len(done) < n:
            size = min(n - len(done), self.n_cap or n)
            try:
                async with gate:
                    done += await self._request(client, prompt, size, seed + len(done), params)
            except self._openai.BadRequestError as exc:
                cap = _n_cap_from_error(exc, size)
                if cap is None:
                    raise
                self.n_cap = cap  # remembered for every later request
        return done

    async def _request(
        self, client: Any, prompt: PromptInput, n: int, seed: int, params: dict[str, Any]
    ) -> list[Completion]:
        retryable = (
            self._openai.RateLimitError,
            self._openai.InternalServerError,
            self._openai.APIConnectionError,
            self._openai.APITimeoutError,
        )
        for attempt in range(self.max_retries + 1):
            try:
                if is_chat(prompt):
                    response = await client.chat.completions.create(
                        model=self.model,
                        messages=openai_messages(as_messages(prompt)),
                        n=n,
                        seed=seed,
                        extra_body=self.extra_body or None,
                        **({"logprobs": True, "top_logprobs": 0} if self.logprobs else {}),
                        **params,
                    )
                    return _from_chat(response, n)
                response = await client.completions.create(
                    model=self.model,
                    prompt=prompt,
                    n=n,
                    seed=seed,
                    extra_body=self.extra_body or None,
                    **({"logprobs": 0} if self.logprobs else {}),
                    **params,
                )
                return _from_completions(response, n)
            except retryable:
                if attempt == self.max_retries:
                    raise
                await asyncio.sleep(min(60.0, self.backoff_s * 2**attempt) * (0.5 + random.random()))
        raise AssertionError("unreachable")


def request_params(settings: GenerationSettings) -> dict[str, Any]:
    """The settings as request-body fields of both endpoints (``stop`` only when there are any)."""
    return {
        "temperature": settings.temperature,
        "top_p": settings.top_p,
        "max_tokens": settings.max_tokens,
        **({"stop": list(settings.stop)} if settings.stop else {}),
    }


def _n_cap_from_error(exc: Exception, asked: int) -> int | None:
    """The largest n a server accepts, read from its error; None if the error is about something else."""
    message = str(exc)
    if asked <= 1 or not _N_TOO_LARGE.search(message):
        return None
    found = _MAX_N.search(message)
    cap = int(found.group(1)) if found else asked // 2
    return max(1, min(cap, asked - 1))


def _usage_share(response: Any, n: int) -> int:
    """Per-sample token count when the server returns no log-probs: usage split evenly (approximate for n > 1)."""
    usage = getattr(response, "usage", None)
    total = getattr(usage, "completion_tokens", None) or 0
    return round(total / max(n, 1))


def _from_completions(response: Any, n: int) -> list[Completion]:
    out = []
    for choice in sorted(response.choices, key=lambda c: c.index):
        lp = getattr(choice, "logprobs", None)
        token_lps = list(getattr(lp, "token_logprobs", None) or []) if lp is not None else []
        out.append(_completion(choice.text, choice.finish_reason, token_lps if lp is not None else None, response, n))
    return out


def _from_chat(response: Any, n: int) -> list[Completion]:
    out = []
    for choice in sorted(response.choices, key=lambda c: c.index):
        lp = getattr(choice, "logprobs", None)
        content = getattr(lp, "content", None) if lp is not None else None
        token_lps = [t.logprob for t in content] if content is not None else None
        out.append(_completion(choice.message.content or "", choice.finish_reason, token_lps, response, n))
    return out


def _completion(
    text: str, finish_reason: str | None, token_lps: list[float | None] | None, response: Any, n: int
) -> Completion:
    if token_lps is None:
        return Completion(text=text, finish_reason=str(finish_reason or "length"), n_tokens=_usage_share(response, n))
    logprob = sum(x for x in token_lps if x is not None) if token_lps else 0.0
    return Completion(
        text=text, finish_reason=str(finish_reason or "length"), n_tokens=len(token_lps), logprob=float(logprob)
    )


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run``, or in a helper thread when the caller already runs an event loop (notebooks)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]
