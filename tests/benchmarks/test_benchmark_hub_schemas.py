"""The hub copies are pinned, and their schemas (which differ from the local Qwen files) parse.

No network here, so each test writes rows shaped like the pinned hub revision to a local
Parquet file (the format the hub serves) and loads it through the same benchmark parser.
"""

from __future__ import annotations

import re
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from passbound.benchmarks import MATH_BENCHMARKS, load_benchmark
from passbound.errors import DataError, MissingDependencyError


def write_parquet(tmp_path, name, rows):
    path = tmp_path / f"{name}.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def test_every_hub_source_is_pinned_to_a_commit():
    for bench in MATH_BENCHMARKS:
        assert bench.hub is not None, bench.name
        assert re.fullmatch(r"[0-9a-f]{40}", bench.hub.revision), (bench.name, bench.hub.revision)
        assert "test" in bench.hub.splits
        assert bench.hub.describe() == f"hub:{bench.hub.repo}@{bench.hub.revision}"


def test_hub_without_datasets_prints_the_install_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "datasets", None)  # makes `import datasets` fail
    with pytest.raises(MissingDependencyError, match=r"pip install 'passbound\[hub\]'"):
        load_benchmark("aime24")


def test_hub_split_that_does_not_exist():
    with pytest.raises(DataError, match="no 'train' split"):
        load_benchmark("aime24", split="train")


def test_math_ai_aime24_has_no_answer_field_so_the_boxed_solution_is_used(tmp_path):
    rows = [{"id": 60, "problem": "p", "solution": "so $x=2$ and \\boxed{204}.", "url": "u"}]
    bench = load_benchmark("aime24", path=write_parquet(tmp_path, "aime", rows))
    assert bench.problems[0].target == "204" and bench.problems[0].id == "60"


def test_math_ai_minervamath_question_and_answer_fields(tmp_path):
    rows = [{"question": "How far?", "answer": "4.5e33"}, {"question": "How long?", "answer": "20.39"}]
    bench = load_benchmark("minerva_math", path=write_parquet(tmp_path, "minerva", rows))
    assert [(p.id, p.prompt, p.target) for p in bench.problems] == [
        ("0", "How far?", "4.5e33"),
        ("1", "How long?", "20.39"),
    ]


def test_hothan_olympiadbench_list_column(tmp_path):
    rows = [
        {"id": 1664, "question": "q", "final_answer": ["$69$,$84$"], "unit": None},
        {"id": 2, "question": "r", "final_answer": ["$3$", "$4$"], "unit": None},
    ]
    bench = load_benchmark("olympiadbench", path=write_parquet(tmp_path, "olympiad", rows))
    assert [p.target for p in bench.problems] == ["69, 84", "3, 4"]


def test_olympiadbench_list_stored_as_text(tmp_path):
    rows = [{"id": 1, "question": "q", "final_answer": "['$2n$']"}]
    assert load_benchmark("olympiadbench", path=write_parquet(tmp_path, "o", rows)).problems[0].target == "2n"


def test_math_ai_amc23_question_and_float_answer(tmp_path):
    rows = [
        {"id": 0, "question": "q", "answer": 27.0, "url": "u"},
        {"id": 1, "question": "r", "answer": 0.5, "url": "u"},
    ]
    bench = load_benchmark("amc23", path=write_parquet(tmp_path, "amc", rows))
    assert [p.target for p in bench.problems] == ["27", "0.5"]
