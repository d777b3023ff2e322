"""`passbound import`: the three formats, every bad input stops with exit 2 and writes nothing.

No model is loaded here: every model's samples come from the file (the study's model path is a
placeholder that would fail to load, so a test that sampled by mistake would fail).
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from passbound.store import RunDir

STUDY = """
name = "imports"
output = "{out}"
[[models]]
name = "other-tool"
path = "/nonexistent/model"
role = "base"
engine = "hf"
[[benchmarks]]
name = "synthetic"
limit = 6
options = {{ n_problems = 6, levels = [1] }}
[sampling]
n = 3
chunk_size = 2
[analysis]
bootstrap = 50
"""


def passbound(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "passbound", *args], capture_output=True, text=True)


def in_process(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str]:
    """The CLI entry point in this process (the many bad-input cases; the rest use a subprocess)."""
    from passbound.cli import main

    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


@pytest.fixture
def study(tmp_path: Path) -> Path:
    path = tmp_path / "study.toml"
    path.write_text(STUDY.format(out=tmp_path / "run"))
    return path


@pytest.fixture(scope="module")
def problems() -> list:
    from passbound.benchmarks import load_benchmark

    return list(load_benchmark("synthetic", limit=6, options={"n_problems": 6, "levels": [1]}).problems)


def rows_for(problems: list, n: int = 3) -> list[dict]:
    """j = 0 answers correctly, the others wrong: pass@1 = 1/3 on every problem."""
    return [{"benchmark": "synthetic", "problem_id": p.id, "index": j,
             "text": f"The answer is \\boxed{{{p.target if j == 0 else p.target + '1'}}}.", "n_tokens": 9}
            for p in problems for j in range(n)]  # fmt: skip


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_jsonl_import_is_verified_and_analysed_without_sampling(tmp_path: Path, study: Path, problems: list) -> None:
    src = write_jsonl(tmp_path / "samples.jsonl", rows_for(problems))
    done = passbound("import", str(study), str(src), "--model", "other-tool")
    assert done.returncode == 0, done.stderr
    run = RunDir(tmp_path / "run")
    assert run.chunks("samples", "other-tool", "synthetic") == [0, 1, 2]
    manifest = run.read_manifest()
    assert manifest["imports"][0]["rows"] == 18 and manifest["imports"][0]["format"] == "jsonl"
    assert manifest["engine_versions"]["other-tool"] == "imported (jsonl)"

    res = passbound("run", str(study), "--no-progress")
    assert res.returncode == 0, res.stderr
    assert "nothing to do" in res.stdout + res.stderr  # no engine was loaded (its path does not exist)
    import pandas as pd

    passk = pd.read_csv(tmp_path / "run" / "passk.csv")
    at1 = passk[passk["k"] == 1]["pass_at_k"].item()
    at3 = passk[passk["k"] == 3]["pass_at_k"].item()
    assert at1 == pytest.approx(1 / 3) and at3 == pytest.approx(1.0)

    again = passbound("import", str(study), str(src), "--model", "other-tool")
    assert again.returncode == 2 and "already holds samples" in again.stderr


def _broken(problems: list) -> dict[str, tuple[list[dict] | str, str]]:
    good = rows_for(problems)
    dup = good + [dict(good[0])]
    missing = [r for r in good if not (r["problem_id"] == problems[1].id and r["index"] == 2)]
    beyond = good + [dict(good[0], index=3)]
    no_text = [dict(r) for r in good]
    del no_text[4]["text"]
    number_text = [dict(r) for r in good]
    number_text[5]["text"] = 42
    unknown = good + [dict(good[0], problem_id="no-such-problem")]
    bench = [dict(r, benchmark="math500") for r in good]
    negative = [dict(r) for r in good]
    negative[0]["index"] = -1
    surrogate = [dict(r) for r in good]
    surrogate[-1]["text"] = "\udc80"  # valid JSON, not storable UTF-8; the last row, after good chunks
    huge = [dict(r) for r in good]
    huge[-1]["n_tokens"] = 2**40
    return {
        "duplicate index": (dup, "duplicate sample indices"),
        "missing index": (missing, "missing sample indices"),
        "index beyond n": (beyond, "beyond the study's n = 3"),
        "no text": (no_text, "field 'text' is missing"),
        "text not a string": (number_text, "field 'text' is a int"),
        "unknown problem": (unknown, "no-such-problem"),
        "unknown benchmark": (bench, "benchmarks that are not in this study"),
        "negative index": (negative, "must be between 0 and"),
        "not json": ("{\"benchmark\": \"synthetic\"\nnot json\n", "not valid JSON"),
        "lone surrogate in the last row": (surrogate, "lone surrogate"),
        "n_tokens beyond int32 in the last row": (huge, "must be between 0 and"),
        "nested too deep": ("[" * 100_000 + "\n", "passbound can read"),
        "empty": ("\n\n", "holds no completions"),
    }


BAD_CASES = [
    "duplicate index",
    "missing index",
    "index beyond n",
    "no text",
    "text not a string",
    "unknown problem",
    "unknown benchmark",
    "negative index",
    "not json",
    "empty",
    "lone surrogate in the last row",
    "n_tokens beyond int32 in the last row",
    "nested too deep",
]


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_input_exits_2_and_writes_nothing(
    tmp_path: Path, study: Path, problems: list, case: str, capsys: pytest.CaptureFixture
) -> None:
    rows, message = _broken(problems)[case]
    src = tmp_path / "bad.jsonl"
    if isinstance(rows, str):
        src.write_text(rows)
    elif case == "lone surrogate in the last row":
        src.write_text("".join(json.dumps(r) + "\n" for r in rows))  # json.dumps escapes it as \udc80
    else:
        write_jsonl(src, rows)
    code, err = in_process(capsys, "import", str(study), str(src), "--model", "other-tool")
    assert code == 2, (code, err)
    assert message in " ".join(err.split()), err
    assert not (tmp_path / "run").exists(), "a failed import must not create the run directory"


def test_unknown_model_and_format_are_usage_errors(tmp_path: Path, study: Path, problems: list) -> None:
    src = write_jsonl(tmp_path / "s.jsonl", rows_for(problems))
    res = passbound("import", str(study), str(src), "--model", "nobody")
    assert res.returncode == 2 and "nobody" in res.stderr
    res = passbound("import", str(study), str(src), "--model", "other-tool", "--format", "csv")
    assert res.returncode == 2
    res = passbound("import", str(study), str(src), "--model", "other-tool", "--format", "lm-eval")
    assert res.returncode == 2 and "--benchmark" in res.stderr
    assert not (tmp_path / "run").exists()


def test_lm_eval_harness_samples_by_position(tmp_path: Path, study: Path, problems: list) -> None:
    """lm-eval's --log_samples rows: doc_id is the dataset position, resps one list per request."""
    lines = [{"doc_id": i, "doc": {"problem": p.prompt, "answer": p.target}, "target": p.target,
              "arguments": {"gen_args_0": {"arg_0": "...", "arg_1": {"until": ["</s>"]}}},
              "resps": [[f"\\boxed{{{p.target}}}", "no idea", f"\\boxed{{{p.target}}}"]],
              "filtered_resps": [f"\\boxed{{{p.target}}}"], "doc_hash": "x", "prompt_hash": "y"}
             for i, p in enumerate(problems)]  # fmt: skip
    src = tmp_path / "samples_synthetic_2026-12-02T00-00-00.jsonl.gz"
    with gzip.open(src, "wt") as fh:
        fh.writelines(json.dumps(line) + "\n" for line in lines)
    res = passbound(
        "import", str(study), str(src), "--model", "other-tool", "--format", "lm-eval", "--benchmark", "synthetic"
    )
    assert res.returncode == 0, res.stderr
    samples = RunDir(tmp_path / "run").read_all("samples").to_pandas()
    assert len(samples) == 18
    first = samples[(samples["problem_id"] == problems[2].id) & (samples["index"] == 1)]
    assert first["text"].item() == "no idea"

    # A file whose order differs from the study's is caught by its question text.
    shuffled = [dict(line, doc_id=(line["doc_id"] + 1) % len(lines)) for line in lines]
    other = write_jsonl(tmp_path / "shuffled.jsonl", shuffled)
    study2 = tmp_path / "study2.toml"
    study2.write_text(STUDY.format(out=tmp_path / "run2"))
    res = passbound(
        "import", str(study2), str(other), "--model", "other-tool", "--format", "lm-eval", "--benchmark", "synthetic"
    )
    assert res.returncode == 2 and "different problem than the file's question" in res.stderr
    assert res.stderr.count(f"{other}:1:") == 1  # one line, three generations: reported once
    assert not (tmp_path / "run2").exists()


def test_limit_of_rlvr_outputs(tmp_path: Path, study: Path, problems: list) -> None:
    """The study's math_eval.py rows: idx, question, code (n completions), finish_reason."""
    lines = [{"idx": i, "question": p.prompt, "gt": p.target, "code": [f"\\boxed{{{p.target}}}", "x", "y"],
              "pred": [p.target, "", ""], "finish_reason": ["stop", "length", "stop"]}
             for i, p in enumerate(problems[:4])]  # fmt: skip
    src = write_jsonl(tmp_path / "test_qwen-boxed_-1_seed0_t0.6_s0_e-1.jsonl", lines)
    res = passbound(
        "import", str(study), str(src), "--model", "other-tool", "--format", "limit-of-rlvr", "--benchmark", "synthetic"
    )
    assert res.returncode == 0, res.stderr
    assert "partly covered" not in res.stdout + res.stderr  # problems 0-3 fill chunks 0 and 1 exactly
    run = RunDir(tmp_path / "run")
    assert run.chunks("samples", "other-tool", "synthetic") == [0, 1]
    table = run.read_all("samples").to_pandas()
    assert sorted(table["finish_reason"].unique()) == ["length", "stop"]
    assert table["seed"].isna().all()  # not drawn by passbound: no seed to claim


def test_corrupt_gzip_and_bad_positions_exit_2(tmp_path: Path, study: Path, problems: list) -> None:
    good = gzip.compress("".join(json.dumps(r) + "\n" for r in rows_for(problems)).encode())
    truncated = tmp_path / "cut.jsonl.gz"
    truncated.write_bytes(good[: len(good) // 2])
    res = passbound("import", str(study), str(truncated), "--model", "other-tool")
    assert res.returncode == 2 and "corrupt or truncated" in res.stderr, res.stderr
    for key in ("\u00b2", "-1", "\u0661"):  # superscript two, negative, Arabic-Indic one
        rows = [dict(r, problem_id=key if i == 0 else str(i % 6)) for i, r in enumerate(rows_for(problems))]
        src = write_jsonl(tmp_path / "pos.jsonl", rows)
        res = passbound("import", str(study), str(src), "--model", "other-tool", "--ids", "position")
        assert res.returncode == 2 and "non-negative integer positions" in res.stderr, (key, res.stderr)
        assert "Traceback" not in res.stderr
    assert not (tmp_path / "run").exists()


def test_a_refused_import_leaves_an_existing_run_untouched(tmp_path: Path, study: Path, problems: list) -> None:
    src = write_jsonl(tmp_path / "s.jsonl", rows_for(problems))
    assert passbound("import", str(study), str(src), "--model", "other-tool").returncode == 0
    manifest = (tmp_path / "run" / "manifest.json").read_bytes()
    again = passbound("import", str(study), str(src), "--model", "other-tool")
    assert again.returncode == 2 and (tmp_path / "run" / "manifest.json").read_bytes() == manifest


def test_reimport_after_deleting_samples_refuses_their_stale_verdicts(
    tmp_path: Path, study: Path, problems: list
) -> None:
    """Verdicts of deleted samples have the imported samples' keys and row count: verify would keep
    them and passk.csv would grade the new texts with the old verdicts."""
    import shutil

    first = write_jsonl(tmp_path / "first.jsonl", rows_for(problems))
    assert passbound("import", str(study), str(first), "--model", "other-tool").returncode == 0
    done = passbound("verify", str(tmp_path / "run"), "--no-progress")
    assert done.returncode == 0, done.stderr
    shutil.rmtree(tmp_path / "run" / "samples" / "other-tool")
    before = sorted(p.relative_to(tmp_path) for p in (tmp_path / "run").rglob("*") if p.is_file())
    manifest = (tmp_path / "run" / "manifest.json").read_bytes()

    wrong = [dict(r, text="no answer") for r in rows_for(problems)]
    res = passbound("import", str(study), str(write_jsonl(tmp_path / "second.jsonl", wrong)), "--model", "other-tool")
    assert res.returncode == 2, res.stderr
    assert "verdicts" in res.stderr and "no longer there" in " ".join(res.stderr.split())
    assert sorted(p.relative_to(tmp_path) for p in (tmp_path / "run").rglob("*") if p.is_file()) == before
    assert (tmp_path / "run" / "manifest.json").read_bytes() == manifest


def _lm_eval_lines(problems: list, doc: Callable[[object], object]) -> list[dict]:
    return [{"doc_id": i, "doc": doc(p), "resps": [["a", "b", "c"]]} for i, p in enumerate(problems)]


def test_positions_are_checked_whatever_the_question_field_is_called(
    tmp_path: Path, study: Path, problems: list, capsys: pytest.CaptureFixture
) -> None:
    """lm-eval's aime24 docs say "Problem": a file in another order must still be caught, and a
    file whose rows carry no question at all needs --no-check-question to be trusted."""
    lm_eval = ("--model", "other-tool", "--format", "lm-eval", "--benchmark", "synthetic")
    shuffled = [
        dict(line, doc_id=5 - line["doc_id"])
        for line in _lm_eval_lines(problems, lambda p: {"ID": p.id, "Problem": p.prompt})
    ]
    code, err = in_process(capsys, "import", str(study), str(write_jsonl(tmp_path / "a.jsonl", shuffled)), *lm_eval)
    assert code == 2 and "different problem than the file's question" in err, err

    bare = write_jsonl(tmp_path / "b.jsonl", _lm_eval_lines(problems, lambda p: {"Answer": p.target}))
    code, err = in_process(capsys, "import", str(study), str(bare), *lm_eval)
    assert code == 2 and "carry no question text" in " ".join(err.split()), err
    assert not (tmp_path / "run").exists()
    code, err = in_process(capsys, "import", str(study), str(bare), *lm_eval, "--no-check-question")
    assert code == 0, err


def test_a_write_that_fails_midway_exits_2_and_takes_back_its_shards(
    tmp_path: Path, study: Path, problems: list, capsys: pytest.CaptureFixture
) -> None:
    """Chunk 2's place is taken by a folder, so its write fails after chunks 0 and 1 are written:
    no traceback, and no shard left behind to refuse the retry as a second import."""
    folder = tmp_path / "run" / "samples" / "other-tool" / "synthetic"
    (folder / "chunk-000002.parquet").mkdir(parents=True)
    src = write_jsonl(tmp_path / "s.jsonl", rows_for(problems))
    code, err = in_process(capsys, "import", str(study), str(src), "--model", "other-tool")
    assert code == 2 and "cannot write the import" in " ".join(err.split()), err
    assert sorted(p.name for p in folder.iterdir()) == ["chunk-000002.parquet"]

    (folder / "chunk-000002.parquet").rmdir()
    code, err = in_process(capsys, "import", str(study), str(src), "--model", "other-tool")
    assert code == 0, err
    assert RunDir(tmp_path / "run").chunks("samples", "other-tool", "synthetic") == [0, 1, 2]


def test_a_key_given_twice_in_one_row_exits_2(
    tmp_path: Path, study: Path, problems: list, capsys: pytest.CaptureFixture
) -> None:
    """json.loads keeps the last of two "text" values; the importer must not pick one silently."""
    lines = [json.dumps(r) for r in rows_for(problems)]
    lines[4] = lines[4].replace('"text": ', '"text": "first", "text": ', 1)
    src = tmp_path / "twice.jsonl"
    src.write_text("\n".join(lines) + "\n")
    code, err = in_process(capsys, "import", str(study), str(src), "--model", "other-tool")
    assert code == 2 and f"{src}:5: field 'text' appears twice" in " ".join(err.split()), err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"finish_reason": [1, "stop", "length"]}, "finish_reason 0 is a int, expected a string or null"),
        ({"code": [["a", "b", "c"]]}, "completion 0 in 'code' is a list, expected a string"),
    ],
)
def test_limit_of_rlvr_odd_entries_exit_2(
    tmp_path: Path, study: Path, problems: list, change: dict, message: str, capsys: pytest.CaptureFixture
) -> None:
    """A finish reason that is not a string was dropped unseen; a nested 'code' list was reported
    as a finish_reason problem."""
    lines = [{"idx": i, "question": p.prompt, "code": ["a", "b", "c"], "finish_reason": ["stop", "stop", "length"]}
             for i, p in enumerate(problems)]  # fmt: skip
    lines[2].update(change)
    src = write_jsonl(tmp_path / "rlvr.jsonl", lines)
    code, err = in_process(
        capsys,
        "import",
        str(study),
        str(src),
        "--model",
        "other-tool",
        "--format",
        "limit-of-rlvr",
        "--benchmark",
        "synthetic",
    )
    assert code == 2 and f"{src}:3: {message}" in " ".join(err.split()), err
    assert not (tmp_path / "run").exists()


def test_a_chunk_completed_around_imported_problems_gives_the_same_passk(
    tmp_path: Path, study: Path, problems: list, capsys: pytest.CaptureFixture
) -> None:
    """A chunk an import filled in part is completed by sampling after the imported rows, so its
    problems are out of list order; the bootstrap resampled problems in row order and moved the
    intervals of passk.csv away from those of the same samples sampled."""
    from passbound.analyses import registered
    from passbound.config import load_study
    from passbound.stages.analyse import analysis_inputs

    rows = [
        {
            "benchmark": "synthetic",
            "problem_id": p.id,
            "index": j,  # problem i passes i % 4 of 3 times
            "text": f"\\boxed{{{p.target if j < i % 4 else 'none'}}}",
        }
        for i, p in enumerate(problems)
        for j in range(3)
    ]
    run = tmp_path / "run"
    for args in (
        ("import", str(study), str(write_jsonl(tmp_path / "s.jsonl", rows)), "--model", "other-tool"),
        ("verify", str(run), "--no-progress"),
    ):
        code, err = in_process(capsys, *args)
        assert code == 0, err
    passk = next(a for a in registered() if a.name == "passk")
    config, rundir = load_study(study), RunDir(run)
    sampled = passk.run(analysis_inputs(config, rundir))

    for kind in ("samples", "verdicts"):  # chunk 0 as sampling leaves it around an imported second problem
        table = rundir.read_shard(kind, "other-tool", "synthetic", 0)
        rundir.write_shard(
            kind,
            "other-tool",
            "synthetic",
            0,
            pa.concat_tables([table.filter(pc.equal(table["problem_id"], problems[j].id)) for j in (1, 0)]),
        )
    assert passk.run(analysis_inputs(config, rundir)).equals(sampled)


def test_analysing_a_partial_import_says_which_problems_it_covers(
    tmp_path: Path, study: Path, problems: list, capsys: pytest.CaptureFixture
) -> None:
    """Two of six problems imported, verified and analysed without `run`: passk.csv covers two
    problems, and the analyse stage says so rather than leave it to n_problems."""
    import pandas as pd

    rows = [r for r in rows_for(problems) if r["problem_id"] in {problems[0].id, problems[1].id}]
    run = tmp_path / "run"
    for args in (
        ("import", str(study), str(write_jsonl(tmp_path / "s.jsonl", rows)), "--model", "other-tool"),
        ("verify", str(run), "--no-progress"),
    ):
        code, err = in_process(capsys, *args)
        assert code == 0, err
    code, err = in_process(capsys, "analyse", str(run))
    assert code == 0, err
    assert "other-tool/synthetic has verdicts for 2 of 6 problems" in " ".join(err.split())
    assert set(pd.read_csv(run / "passk.csv")["n_problems"]) == {2}
    rows = [r for r in rows_for(problems) if r["problem_id"] not in {problems[0].id, problems[1].id}]
    for args in (
        ("import", str(study), str(write_jsonl(tmp_path / "rest.jsonl", rows)), "--model", "other-tool"),
        ("verify", str(run), "--no-progress"),
    ):
        code, err = in_process(capsys, *args)
        assert code == 0, err
    code, err = in_process(capsys, "analyse", str(run))
    assert code == 0 and "has verdicts for" not in err  # every problem covered: nothing to say
