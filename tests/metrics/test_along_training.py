"""Problems first solved, lost and regained along checkpoints, on a hand-computed case."""

from __future__ import annotations

import pandas as pd
from _boundary_data import rows

from passbound.analyses import AnalysisInputs
from passbound.analyses.along_training import compute
from passbound.config import AnalysisSpec

# solved (c > 0) per problem:      a  b  c  d  e
#   B  (base)                      1  0  0  1  0
#   s10                            1  1  0  0  0   first: b;  lost: d
#   s20                            0  1  1  1  0   first: c;  lost: a;  regained: d
#   s30                            1  0  1  1  0   first: -;  lost: b;  regained: a
SOLVED = {"B": "10010", "s10": "11000", "s20": "01110", "s30": "10110"}
MODELS = [
    {"name": "B", "role": "base", "step": None, "base": None},
    {"name": "s30", "role": "checkpoint", "step": 30, "base": "B"},  # listed out of order on purpose
    {"name": "s10", "role": "checkpoint", "step": 10, "base": "B"},
    {"name": "s20", "role": "checkpoint", "step": 20, "base": "B"},
    {"name": "other", "role": "rl", "step": None, "base": "B"},
]  # no step: not part of the sequence


def verdicts() -> pd.DataFrame:
    out = []
    for model, bits in {**SOLVED, "other": "11111"}.items():
        out += rows(model, "math", {pid: 2 * int(bit) for pid, bit in zip("abcde", bits)})
    return pd.DataFrame(out)


def test_first_solved_lost_regained_by_hand() -> None:
    table = compute(AnalysisInputs(verdicts(), MODELS, [1, 4], AnalysisSpec()))
    assert list(table["model"]) == ["B", "s10", "s20", "s30"]
    assert list(table["step"]) == [0, 10, 20, 30]
    assert list(table["n_solved"]) == [2, 2, 3, 3] and set(table["n_problems"]) == {5}
    assert list(table["first_solved_ids"]) == ["", "b", "c", ""]
    assert list(table["lost_ids"]) == ["", "d", "a", "b"]
    assert list(table["regained_ids"]) == ["", "", "d", "a"]
    assert list(table["first_solved"]) == [0, 1, 1, 0] and list(table["lost"]) == [0, 1, 1, 1]
    assert list(table["regained"]) == [0, 0, 1, 1]


def test_no_checkpoints_no_rows() -> None:
    models = [m for m in MODELS if m["role"] != "checkpoint"]
    v = verdicts()
    assert compute(AnalysisInputs(v[v["model"].isin(["B", "other"])], models, [1], AnalysisSpec())).empty


def test_section_lists_every_checkpoint() -> None:
    from types import SimpleNamespace

    from passbound.analyses.along_training import section

    table = compute(AnalysisInputs(verdicts(), MODELS, [1, 4], AnalysisSpec()))
    html = section(table, SimpleNamespace(name=lambda s: f"<b>{s}</b>"))  # the report's name formatter
    assert 'id="along-training"' in html and html.count("<tr>") == 1 + 4
    assert section(table.iloc[0:0], SimpleNamespace(name=str)) == ""


def test_summary_md_lines_count_each_checkpoint() -> None:
    from passbound.analyses.along_training import markdown

    table = compute(AnalysisInputs(verdicts(), MODELS, [1, 4], AnalysisSpec()))
    lines = markdown(table, None)
    rows = [line for line in lines if line.startswith("| `")]
    assert lines[0].startswith("## Along training") and len(rows) == len(table) == 4
    first = table.iloc[-1]
    assert rows[-1].endswith(f"| {int(first.first_solved)} | {int(first.lost)} | {int(first.regained)} |")


def test_a_checkpoint_without_verdicts_on_a_benchmark_adds_no_rows_there() -> None:
    v = pd.concat([verdicts(), pd.DataFrame(rows("B", "code", {"x": 1}))], ignore_index=True)
    table = compute(AnalysisInputs(v, MODELS, [1, 4], AnalysisSpec()))
    assert set(table["benchmark"]) == {"math"}
