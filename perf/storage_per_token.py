"""Stored bytes per generated token, the constant behind `passbound plan`'s storage estimate.

Completions are the reference solutions of MATH500 and OlympiadBench (1,175 distinct texts of real
mathematical prose, ~480 tokens each with SmolLM2's tokenizer), committed through RunDir as the
sample stage does (samples and verdicts shards, zstd Parquet), at several rows per shard:
a study's shard holds chunk_size x n rows (16 x 256 = 4,096 at paper scale), so the Parquet
footers weigh less the bigger n is.

    python perf/storage_per_token.py
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from transformers import AutoTokenizer

from passbound.models.embedded import embedded_model_path
from passbound.planning import DEFAULT_BYTES_PER_TOKEN
from passbound.store import RunDir
from passbound.store.rundir import samples_to_table, verdicts_to_table
from passbound.types import Sample, Verdict

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def reference_solutions() -> list[str]:
    texts = []
    for name in ("math500", "olympiadbench"):
        for line in (DATA / name / "test.jsonl").read_text().splitlines():
            solution = json.loads(line)["solution"]
            texts.append(" ".join(solution) if isinstance(solution, list) else str(solution))
    return texts


def bytes_per_token(texts: list[str], tokens: list[int], rows_per_shard: int) -> float:
    run = RunDir(tempfile.mkdtemp())
    size = 0
    for chunk, start in enumerate(range(0, len(texts), rows_per_shard)):
        rows = [
            Sample("m", "b", f"p{start + i}", 0, text, "stop", tokens[start + i], 12345)
            for i, text in enumerate(texts[start : start + rows_per_shard])
        ]
        size += run.write_shard("samples", "m", "b", chunk, samples_to_table(rows)).stat().st_size
        verdicts = [Verdict("m", "b", r.problem_id, r.index, "pass", "1", "math-verify") for r in rows]
        size += run.write_shard("verdicts", "m", "b", chunk, verdicts_to_table(verdicts)).stat().st_size
    return size / sum(tokens)


def main() -> None:
    tokenizer = AutoTokenizer.from_pretrained(embedded_model_path())
    texts = reference_solutions()
    tokens = [len(tokenizer(t)["input_ids"]) for t in texts]
    print(f"{len(texts)} completions, {sum(tokens):,} tokens ({sum(tokens) / len(texts):.0f} each)")
    for rows in (16, 256, 1024):
        print(f"  {rows:5d} rows per shard: {bytes_per_token(texts, tokens, rows):.3f} bytes/token")
    print(f"passbound plan's default: {DEFAULT_BYTES_PER_TOKEN} bytes/token")


if __name__ == "__main__":
    main()
