"""Run-directory shards: atomic commits, leftovers of killed writes, round trips."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from passbound.store import RunDir
from passbound.store.rundir import samples_to_table, verdicts_to_table
from passbound.types import Problem, Sample, Verdict


def _samples(model: str, bench: str, pids: list[str], n: int) -> list[Sample]:
    return [
        Sample(model, bench, pid, j, f"text {pid} {j} \\boxed{{{j}}}", "stop", 7, 42, -1.5)
        for pid in pids
        for j in range(n)
    ]


def test_shards_round_trip_and_list(tmp_path: Path) -> None:
    run = RunDir(tmp_path)
    run.write_shard("samples", "m", "b", 0, samples_to_table(_samples("m", "b", ["1", "2"], 3)))
    run.write_shard("samples", "m", "b", 2, samples_to_table(_samples("m", "b", ["5"], 3)))
    assert run.chunks("samples", "m", "b") == [0, 2]
    table = run.read_all("samples")
    assert table.num_rows == 9
    assert table.column("text").to_pylist()[0] == "text 1 0 \\boxed{0}"
    assert run.count_rows("samples", ["m"]) == 9
    assert run.count_rows("samples", ["other"]) == 0


def test_killed_write_leaves_no_shard_and_is_cleaned(tmp_path: Path) -> None:
    run = RunDir(tmp_path)
    final = run.shard_path("verdicts", "m", "b", 0)
    final.parent.mkdir(parents=True)
    # What a write killed before its rename leaves behind: a temp file, never the final name.
    (final.parent / f".{final.name}.tmp-12345").write_bytes(b"PAR1 truncated")
    assert run.chunks("verdicts", "m", "b") == []
    assert run.clean_temp_files() == 1
    assert list(final.parent.iterdir()) == []


def test_verdicts_and_problems_round_trip(tmp_path: Path) -> None:
    run = RunDir(tmp_path)
    problems = [Problem("a", "b", "1+1?", "2", metadata={"level": 1}), Problem("c", "b", "x?", "\\frac{1}{2}")]
    run.write_problems("b", problems)
    assert run.read_problems("b") == problems
    assert run.read_problems("b")[0].metadata == {"level": 1}
    v = [
        Verdict("m", "b", "a", 0, "pass", "2", "math-1", ""),
        Verdict("m", "b", "a", 1, "no_answer", None, "math-1", ""),
    ]
    path = run.write_shard("verdicts", "m", "b", 0, verdicts_to_table(v))
    assert pq.read_table(path).column("extracted").to_pylist() == ["2", None]
    assert run.benchmarks() == ["b"]
