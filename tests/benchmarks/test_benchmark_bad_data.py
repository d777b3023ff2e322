"""Bad benchmark files fail with a DataError that names the file and what to fix."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from passbound.benchmarks import load_benchmark
from passbound.errors import DataError


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_missing_data_dir_folder_names_paths_tried_and_data_dir(tmp_path):
    with pytest.raises(DataError) as err:
        load_benchmark("aime24", data_dir=tmp_path)
    msg = str(err.value)
    assert str(tmp_path / "aime24" / "test.jsonl") in msg and "--data-dir" in msg


def test_missing_path(tmp_path):
    with pytest.raises(DataError, match="does not exist") as err:
        load_benchmark("aime24", path=tmp_path / "nope.jsonl")
    assert str(tmp_path / "nope.jsonl") in str(err.value)


def test_folder_without_split_file(tmp_path):
    (tmp_path / "amc23").mkdir()
    with pytest.raises(DataError, match="test.jsonl") as err:
        load_benchmark("amc23", path=tmp_path / "amc23")
    assert str(tmp_path / "amc23") in str(err.value)


def test_invalid_json_names_the_line(tmp_path):
    f = tmp_path / "aime24" / "test.jsonl"
    write_jsonl(f, [{"id": 1, "problem": "p", "answer": "1"}])
    with f.open("a") as fh:
        fh.write('{"id": 2, "problem": "q", "answer": \n')
    with pytest.raises(DataError) as err:
        load_benchmark("aime24", data_dir=tmp_path)
    assert str(f) in str(err.value) and "invalid JSON on line 2" in str(err.value)


def test_non_object_line(tmp_path):
    f = tmp_path / "x.jsonl"
    f.write_text('{"problem": "p", "answer": "1"}\n[1, 2]\n')
    with pytest.raises(DataError, match="line 2 is a JSON list"):
        load_benchmark("amc23", path=f)


def test_missing_gold_field_names_file_line_and_field(tmp_path):
    f = write_jsonl(tmp_path / "t.jsonl", [{"id": 1, "problem": "p", "answer": "1"}, {"id": 2, "problem": "q"}])
    with pytest.raises(DataError) as err:
        load_benchmark("aime24", path=f)
    msg = str(err.value)
    assert str(f) in msg and "line 2" in msg and "'answer'" in msg and "fix that row" in msg


def test_gsm8k_answer_without_hashes(tmp_path):
    write_jsonl(tmp_path / "gsm8k" / "test.jsonl", [{"question": "q", "answer": "no final answer"}])
    with pytest.raises(DataError, match="####") as err:
        load_benchmark("gsm8k", data_dir=tmp_path)
    assert "line 1" in str(err.value)


def test_minerva_solution_without_boxed(tmp_path):
    f = write_jsonl(tmp_path / "m.jsonl", [{"problem": "q", "solution": "it is 3", "idx": 0}])
    with pytest.raises(DataError, match="boxed") as err:
        load_benchmark("minerva_math", path=f)
    assert str(f) in str(err.value)


def test_olympiadbench_empty_answer_list(tmp_path):
    f = write_jsonl(tmp_path / "o.jsonl", [{"id": 5, "question": "q", "final_answer": []}])
    with pytest.raises(DataError, match="final_answer") as err:
        load_benchmark("olympiadbench", path=f)
    assert "line 1" in str(err.value)


def test_empty_file(tmp_path):
    f = tmp_path / "empty.jsonl"
    f.write_text("\n\n")
    with pytest.raises(DataError, match="no rows") as err:
        load_benchmark("aime24", path=f)
    assert str(f) in str(err.value)


def test_duplicate_ids_name_both_lines(tmp_path):
    rows = [
        {"id": 7, "problem": "a", "answer": "1"},
        {"id": 8, "problem": "b", "answer": "2"},
        {"id": 7, "problem": "c", "answer": "3"},
    ]
    f = write_jsonl(tmp_path / "d.jsonl", rows)
    with pytest.raises(DataError) as err:
        load_benchmark("aime24", path=f)
    msg = str(err.value)
    assert str(f) in msg and "duplicate id '7'" in msg and "line 3" in msg and "line 1" in msg


def test_bad_data_is_caught_even_beyond_the_limit(tmp_path):
    rows = [{"problem": "a", "answer": "1"}, {"problem": "b"}]
    f = write_jsonl(tmp_path / "g.jsonl", rows)
    with pytest.raises(DataError, match="line 2"):
        load_benchmark("amc23", path=f, limit=1)


def test_unsupported_extension(tmp_path):
    f = tmp_path / "bench.csv"
    f.write_text("problem,answer\n")
    with pytest.raises(DataError, match="unsupported file type"):
        load_benchmark("amc23", path=f)


# ---------------------------------------------------------------- generic loader and formats


def test_generic_jsonl_for_unregistered_name(tmp_path):
    f = write_jsonl(tmp_path / "mine.jsonl", [{"question": "1+1?", "target": "2"}, {"prompt": "2+2?", "answer": 4.0}])
    bench = load_benchmark("my-bench", path=f)
    assert [(p.id, p.prompt, p.target) for p in bench.problems] == [("0", "1+1?", "2"), ("1", "2+2?", "4")]
    assert bench.name == "my-bench" and bench.source == f"local:{f.resolve()}"


def test_generic_needs_question_and_answer_fields(tmp_path):
    f = write_jsonl(tmp_path / "mine.jsonl", [{"id": "a", "text": "1+1?", "answer": "2"}])
    with pytest.raises(DataError) as err:
        load_benchmark("my-bench", path=f)
    msg = str(err.value)
    assert "'problem' or 'question' or 'prompt'" in msg and "line 1" in msg and str(f) in msg
    g = write_jsonl(tmp_path / "mine2.jsonl", [{"id": "a", "question": "1+1?", "solution": "2"}])
    with pytest.raises(DataError, match="'answer' or 'target'"):
        load_benchmark("my-bench", path=g)


def test_parquet_gzip_and_json_read_the_same_rows(tmp_path):
    rows = [{"id": 1, "problem": "p1", "answer": 3.0}, {"id": 2, "problem": "p2", "answer": 2.5}]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "a.parquet")
    with gzip.open(tmp_path / "a.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    (tmp_path / "a.json").write_text(json.dumps(rows))
    (tmp_path / "m.json").write_text(
        json.dumps({"1": {"problem": "p1", "answer": 3.0}, "2": {"problem": "p2", "answer": 2.5}})
    )
    loaded = [load_benchmark("amc23", path=tmp_path / n) for n in ("a.parquet", "a.jsonl.gz", "a.json", "m.json")]
    assert len({b.sha256 for b in loaded}) == 1
    assert [p.target for p in loaded[0].problems] == ["3", "2.5"]


def test_truncated_gzip_is_a_data_error(tmp_path):
    f = tmp_path / "t.jsonl.gz"
    with gzip.open(f, "wt") as fh:
        fh.write(json.dumps({"problem": "p", "answer": "1"}) + "\n" * 1000)
    f.write_bytes(f.read_bytes()[:20])
    with pytest.raises(DataError, match="cannot read") as err:
        load_benchmark("amc23", path=f)
    assert str(f) in str(err.value)


def test_generic_folder_under_data_dir(tmp_path):
    write_jsonl(tmp_path / "mine" / "test.jsonl", [{"id": "a", "problem": "1+1?", "answer": "2"}])
    bench = load_benchmark("mine", data_dir=tmp_path)
    assert [(p.id, p.target) for p in bench.problems] == [("a", "2")]
    assert bench.source == f"local:{(tmp_path / 'mine' / 'test.jsonl').resolve()}"
