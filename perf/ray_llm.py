"""passbound's Ray runner (one request per prompt, SamplingParams(n=...)) vs `ray.data.llm`'s vLLM
processor (one row per sample, prefix caching on), on the same prompts, one replica each.

`ray.data.llm`'s vLLM stage keeps only the first output of a request, so n samples of a prompt are
n rows there; passbound's replica sends one request with n and shares the prompt's prefill among
its samples. Two workloads: short prompts (synthetic word problems) and long ones (the same
problems behind a ~1,500-token preamble), where prefill is a larger share of the work. The
baseline is ray.data.llm, measured in the same run; both times include engine start-up.

    pip install "ray[data,serve]"        # ray.data.llm's vLLM stage imports ray.serve
    python perf/ray_llm.py                     # 16 problems x n = 8, 48 tokens
    python perf/ray_llm.py --problems 8 --n 4  # smoke test
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from passbound.benchmarks import load_benchmark
from passbound.models.embedded import embedded_model_path

PREAMBLE = " ".join(
    f"Rule {i}: read the problem, reason step by step, check the arithmetic twice, and give the final number in a box."
    for i in range(60)
)
ENGINE = {"dtype": "float32", "max_model_len": 4096}
STUDY = """
name = "ray-llm-{name}"
output = "{output}"
[[models]]
name = "smol"
path = "{model}"
engine = "vllm"
template = "chat"
engine_options = {engine}
[[benchmarks]]
name = "{name}"
path = "{data}"
[sampling]
n = {n}
temperature = 1.0
top_p = 1.0
max_tokens = {max_tokens}
chunk_size = 8
[runner]
kind = "ray"
replicas = 1
gpus_per_replica = 0
"""


def problems_file(root: Path, name: str, count: int, long: bool) -> Path:
    synthetic = load_benchmark("synthetic", options={"n_problems": count, "levels": [1, 2, 3]}).problems
    path = root / f"{name}.jsonl"
    with path.open("w") as fh:
        for p in synthetic:
            fh.write(
                json.dumps(
                    {"id": p.id, "problem": f"{PREAMBLE}\n\n{p.prompt}" if long else p.prompt, "answer": p.target}
                )
                + "\n"
            )
    return path


def passbound_runner(root: Path, name: str, data: Path, args: argparse.Namespace) -> float:
    study = root / f"{name}.toml"
    study.write_text(
        STUDY.format(
            name=name,
            output=root / f"run-{name}",
            model=embedded_model_path(),
            data=data,
            n=args.n,
            max_tokens=args.max_tokens,
            engine="{ " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in ENGINE.items()) + " }",
        )
    )
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "passbound", "sample", str(study), "--no-progress"],
        check=True,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - start


def ray_data_llm(data: Path, args: argparse.Namespace) -> float:
    """The baseline, in a fresh process like the CLI run: n rows per prompt, seeds 0..n-1 per prompt."""
    script = f"""
import json, ray
from transformers import AutoTokenizer
from passbound.benchmarks import load_benchmark
from passbound.prompts import get_template
from ray.data.llm import vLLMEngineProcessorConfig, build_processor
model = {str(embedded_model_path())!r}
tok = AutoTokenizer.from_pretrained(model)
template = get_template("chat")
problems = load_benchmark("bench", path={str(data)!r}).problems
rows = [{{"prompt": tok.apply_chat_template(template.render(p), tokenize=False, add_generation_prompt=True), "seed": 1000 * i + j}}
        for i, p in enumerate(problems) for j in range({args.n})]
ray.init(include_dashboard=False, log_to_driver=False)
ray.data.DataContext.get_current().enable_progress_bars = False
config = vLLMEngineProcessorConfig(model_source=model, concurrency=1, batch_size=16, chat_template_stage=False,
    placement_group_config={{"bundles": [{{"CPU": 1}}]}},
    engine_kwargs=dict({ENGINE!r}, enforce_eager=True, enable_chunked_prefill=False, enable_prefix_caching=True,
                       kv_cache_memory_bytes=2 << 30, disable_log_stats=True))
processor = build_processor(config,
    preprocess=lambda r: dict(prompt=r["prompt"], sampling_params=dict(temperature=1.0, top_p=1.0, max_tokens={args.max_tokens}, seed=r["seed"])),
    postprocess=lambda r: dict(tokens=r["num_generated_tokens"]))
out = processor(ray.data.from_items(rows)).take_all()
assert len(out) == len(rows)
"""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--problems", type=int, default=16)  # --problems 1 --n 1 --max-tokens 1: the fixed costs
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=48)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp())
    print(
        f"{args.problems} problems x n = {args.n}, max_tokens = {args.max_tokens}, one CPU replica each (chat template)"
    )
    for name, long in (("short", False), ("long", True)):
        data = problems_file(root, name, args.problems, long)
        baseline = ray_data_llm(data, args)
        ours = passbound_runner(root, name, data, args)
        print(
            f"{name:5s} prompts: ray.data.llm one row per sample (baseline) {baseline:6.1f} s, "
            f"passbound Ray runner n per request {ours:6.1f} s: {baseline / ours:.2f}x"
        )


if __name__ == "__main__":
    main()
