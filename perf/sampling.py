"""Sampling throughput of passbound's vllm engine against bare vLLM and against n=1 repetition.

Three ways to draw n samples for each of P prompts from the embedded SmolLM2-135M-Instruct,
all on the same ``vllm.LLM`` instance and with the same ``SamplingParams``:

(a) passbound's ``VLLMEngine.generate`` (one call, ``SamplingParams(n=...)`` per prompt);
(b) a bare ``LLM.generate`` with the same prompts and parameters: passbound's overhead is a/b;
(c) every prompt repeated n times with ``n=1`` (how the original study's scripts sampled):
    the gain from sharing each prompt's prefill is a/c.

Then, unless ``--no-formats``, the passbound engine's tokens/s in each number format (float32,
bfloat16) on this machine, each in a fresh engine, beside the format passbound picks for this CPU.

Run: ``python perf/sampling.py [--prompts 8 --n 16 --max-tokens 64 --repeats 1]``.
Timings on a shared 2-core machine are noisy: compare runs made back to back.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

QUESTIONS = [
    "What is {a}+{b}? Put the answer in \\boxed{{}}.",
    "A box holds {a} apples and {b} pears. How many fruits are in the box? Put the answer in \\boxed{{}}.",
    "Compute {a} times {b}. Put the answer in \\boxed{{}}.",
    "Tom has {a} marbles and gives away {b}. How many are left? Put the answer in \\boxed{{}}.",
]


def make_prompts(count: int) -> list[list[dict[str, str]]]:
    return [
        [{"role": "user", "content": QUESTIONS[i % len(QUESTIONS)].format(a=7 + 3 * i, b=2 + i)}] for i in range(count)
    ]


def timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--n", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--top-p", type=float, default=0.95)
    parser.add_argument("--repeats", type=int, default=1, help="timed rounds per method (after one warm-up call)")
    parser.add_argument("--model", default=None, help="model folder (default: the embedded SmolLM2-135M-Instruct)")
    parser.add_argument("--dtype", default="auto", help="auto: the format passbound picks for this CPU")
    parser.add_argument("--no-formats", action="store_true", help="skip the float32 vs bfloat16 comparison")
    args = parser.parse_args()

    from passbound.engines import GenerationSettings
    from passbound.engines.vllm import VLLMEngine
    from passbound.models import embedded_model_path

    model = args.model or str(embedded_model_path())
    engine = VLLMEngine(model, max_model_len=1024, dtype=args.dtype)
    llm = engine.llm
    prompts = make_prompts(args.prompts)
    seeds = list(range(1000, 1000 + args.prompts))
    engine_prompts = [engine.engine_prompt(p) for p in prompts]
    settings = GenerationSettings(args.temperature, args.top_p, args.max_tokens)

    def params(n: int, seed: int) -> Any:
        return engine.sampling_params(settings, n=n, seed=seed)

    def run_a() -> int:
        out = engine.generate(prompts, n=args.n, settings=settings, seeds=seeds)
        return sum(c.n_tokens for per in out for c in per)

    def run_b() -> int:
        out = llm.generate(engine_prompts, [params(args.n, s) for s in seeds], use_tqdm=False)
        return sum(len(c.token_ids) for o in out for c in o.outputs)

    def run_c() -> int:
        reps = [(p, s * 100_003 + j) for p, s in zip(engine_prompts, seeds) for j in range(args.n)]
        out = llm.generate([p for p, _ in reps], [params(1, s) for _, s in reps], use_tqdm=False)
        return sum(len(c.token_ids) for o in out for c in o.outputs)

    methods = {"a passbound engine": run_a, "b bare LLM.generate": run_b, "c n x (n=1)": run_c}
    run_b()  # warm-up: first-call allocations and prefix cache setup
    rates: dict[str, float] = {}
    print(
        f"model={model} prompts={args.prompts} n={args.n} max_tokens={args.max_tokens} "
        f"T={args.temperature} top_p={args.top_p} engine={engine.version()} repeats={args.repeats}"
    )
    for _ in range(args.repeats):  # interleaved, so background load hits every method alike
        for name, fn in methods.items():
            seconds, tokens = timed(fn)
            rates.setdefault(name, 0.0)
            rates[name] += tokens / seconds / args.repeats
            print(f"  {name:22s} {tokens:7d} tokens in {seconds:7.2f} s = {tokens / seconds:8.1f} tokens/s")
    a, b, c = (rates[name] for name in methods)
    print(f"mean tokens/s: a={a:.1f} b={b:.1f} c={c:.1f}")
    print(f"a/b = {a / b:.3f} (goal >= 0.95)   a/c = {a / c:.3f}")
    engine.close()
    if not args.no_formats:
        compare_formats(model, args)


def compare_formats(model: str, args: argparse.Namespace) -> None:
    """Tokens/s of the passbound engine in float32 and in bfloat16, each in a fresh engine."""
    from passbound.engines import GenerationSettings
    from passbound.engines.cpu_format import cpu_number_format
    from passbound.engines.vllm import VLLMEngine

    prompts = make_prompts(args.prompts)
    seeds = list(range(1000, 1000 + args.prompts))
    rates = {}
    for dtype in ("float32", "bfloat16"):
        engine = VLLMEngine(model, max_model_len=1024, dtype=dtype)
        kw: dict[str, Any] = {
            "n": args.n,
            "settings": GenerationSettings(args.temperature, args.top_p, args.max_tokens),
        }
        engine.generate(prompts[:1], seeds=seeds[:1], **kw)  # warm-up
        total_tokens = total_seconds = 0.0
        for _ in range(args.repeats):
            seconds, out = timed(lambda: engine.generate(prompts, seeds=seeds, **kw))
            total_tokens += sum(c.n_tokens for per in out for c in per)
            total_seconds += seconds
        engine.close()
        rates[dtype] = total_tokens / total_seconds
        print(f"  {dtype:9s} {rates[dtype]:8.1f} tokens/s (passbound engine, fresh vLLM)")
    print(
        f"bfloat16/float32 = {rates['bfloat16'] / rates['float32']:.2f}   "
        f"passbound picks {cpu_number_format({})} on this CPU"
    )


if __name__ == "__main__":
    main()
