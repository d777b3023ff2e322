"""Human verdicts: append, latest wins, import from the report's export, bad input -> exit 2, file intact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _cot_data import make_run

from passbound.cli import main
from passbound.cot import annotations, drilldown
from passbound.store import RunDir


@pytest.fixture()
def run(tmp_path: Path) -> RunDir:
    return make_run(tmp_path / "run")


def annotate(run: RunDir, *args: str) -> None:
    main(["annotate", str(run.path), *args])


def one(model: str, problem: str, index: int, verdict: str, *extra: str) -> list[str]:
    return [
        "--model",
        model,
        "--benchmark",
        "math",
        "--problem",
        problem,
        "--index",
        str(index),
        "--verdict",
        verdict,
        *extra,
    ]


def test_append_override_and_show_in_drilldown(run: RunDir) -> None:
    annotate(run, *one("B", "p2", 0, "invalid", "--note", "guessed"))
    annotate(run, *one("R", "p3", 1, "valid"))
    annotate(run, *one("R", "p3", 1, "INVALID"))  # changed mind: appended, the latest wins
    path = annotations.annotations_path(run)
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [(r["model"], r["problem_id"], r["index"], r["verdict"]) for r in lines] == [
        ("B", "p2", 0, "invalid"),
        ("R", "p3", 1, "valid"),
        ("R", "p3", 1, "invalid"),
    ]
    latest = annotations.latest(run)
    assert {k: r["verdict"] for k, r in latest.items()} == {
        ("B", "math", "p2", 0): "invalid",
        ("R", "math", "p3", 1): "invalid",
    }
    p2 = drilldown(run, hard_only=True)[0]
    assert p2.problem_id == "p2" and p2.models[0].samples[0].human == "invalid"
    assert p2.models[0].samples[0].note == "guessed"


@pytest.mark.parametrize(
    "args, message",
    [
        (one("X", "p2", 0, "valid"), "unknown model 'X'"),
        (one("B", "p2", 99, "valid"), "names no sample"),
        (one("B", "nope", 0, "valid"), "names no sample"),
        (one("B", "p2", 0, "maybe"), "use one of: valid, invalid"),
        (["--model", "B", "--verdict", "valid"], "missing --benchmark, --problem, --index"),
    ],
)
def test_bad_input_exits_2_and_leaves_file_untouched(
    run: RunDir, args: list[str], message: str, capsys: pytest.CaptureFixture
) -> None:
    annotate(run, *one("B", "p2", 0, "valid"))
    path = annotations.annotations_path(run)
    before = path.read_bytes()
    with pytest.raises(SystemExit) as exc:
        annotate(run, *args)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
    assert path.read_bytes() == before


def test_import_exported_file_all_or_nothing(run: RunDir, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    good = {
        "format": "passbound-cot-verdicts",
        "version": 1,
        "verdicts": [
            {"model": "B", "benchmark": "math", "problem_id": "p2", "index": 0, "verdict": "valid", "note": ""},
            {"model": "R", "benchmark": "math", "problem_id": "p3", "index": 0, "verdict": "invalid", "note": "n"},
        ],
    }
    bad = {
        "verdicts": good["verdicts"]
        + [{"model": "R", "benchmark": "math", "problem_id": "p3", "index": 42, "verdict": "valid"}]
    }
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    with pytest.raises(SystemExit) as exc:
        annotate(run, "--import", str(tmp_path / "bad.json"))
    assert exc.value.code == 2 and "verdict #3" in capsys.readouterr().err
    assert not annotations.annotations_path(run).exists()  # nothing of the bad file was written
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(SystemExit) as exc:
        annotate(run, "--import", str(tmp_path / "broken.json"))
    assert exc.value.code == 2
    (tmp_path / "good.json").write_text(json.dumps(good))
    annotate(run, "--import", str(tmp_path / "good.json"))
    latest = annotations.latest(run)
    assert latest[("B", "math", "p2", 0)]["verdict"] == "valid"
    assert (
        latest[("R", "math", "p3", 0)]["note"] == "n" and latest[("R", "math", "p3", 0)]["source"] == "import:good.json"
    )


def test_line_cut_by_a_crash_is_skipped_and_not_glued_onto(run: RunDir) -> None:
    annotate(run, *one("B", "p2", 0, "valid"))
    path = annotations.annotations_path(run)
    with open(path, "ab") as fh:
        fh.write(b'{"model": "B", "bench')  # a write killed half-way
    annotate(run, *one("R", "p3", 0, "invalid"))
    assert {k: r["verdict"] for k, r in annotations.latest(run).items()} == {
        ("B", "math", "p2", 0): "valid",
        ("R", "math", "p3", 0): "invalid",
    }
    assert path.read_text().splitlines()[-1].startswith('{"benchmark": "math"')  # the new line stands alone
