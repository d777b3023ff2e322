"""The contamination probe: statement splitting and reproduction scores by hand, then a real model
(SmolLM2 through the hf engine) probed through the CLI into RUN/probe/ and contamination.csv."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from passbound.stages.probe import reproduction, split_statement


def test_split_at_a_word_boundary() -> None:
    text = "Find the  smallest positive integer n such that n^2 ends in 44."
    prefix, rest = split_statement(text, 0.6)  # 12 words -> the first ceil(7.2) = 8
    assert prefix == "Find the  smallest positive integer n such that"
    assert rest == "n^2 ends in 44."
    assert split_statement("one", 0.6) is None and split_statement("a b", 0.01) == ("a", "b")


def test_reproduction_scores_by_hand() -> None:
    exact, rouge = reproduction("that n^2 ends in 44.", "that n^2 ends in 44. We try n = 12: 144.")
    assert exact and rouge == pytest.approx(1.0)
    exact, rouge = reproduction("that n^2 ends in 44.", "that n ends in 7, then we add")
    # tokens: rest [that, n, 2, ends, in, 44]; head of 5 words -> [that, n, ends, in, 7]: LCS 4
    assert not exact and rouge == pytest.approx(2 * (4 / 5) * (4 / 6) / (4 / 5 + 4 / 6))
    assert reproduction("a b c", "x y z") == (False, 0.0)
    assert not reproduction("What is 9 + 6", "What is 9 + 60?")[0]  # words, not characters


STUDY = """
name = "probe"
output = "{out}"
[[models]]
name = "smol"
path = "{model}"
role = "base"
engine = "hf"
[[benchmarks]]
name = "gsm8k"
limit = 3
[sampling]
n = 1
"""


@pytest.mark.e2e
def test_probe_through_the_cli(tmp_path: Path, embedded_model: Path, shared_data: Path) -> None:
    study = tmp_path / "study.toml"
    study.write_text(STUDY.format(out=tmp_path / "run", model=embedded_model))
    args = [
        sys.executable,
        "-m",
        "passbound",
        "probe",
        str(study),
        "--data-dir",
        str(shared_data),
        "--max-tokens",
        "24",
        "--no-progress",
    ]
    done = subprocess.run(args, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "run" / "contamination.csv")
    assert list(table["model"]) == ["smol"] and table["n_problems"].item() == 3
    assert 0 <= table["rouge_l_mean"].item() <= 1 and 0 <= table["partial_accuracy"].item() <= 1
    rows = pd.read_parquet(tmp_path / "run" / "probe" / "smol" / "gsm8k.parquet")
    assert len(rows) == 3 and (rows["fraction"] == 0.6).all() and rows["completion"].str.len().gt(0).all()
    assert (rows["prefix_words"] > rows["rest_words"]).all()
    again = subprocess.run(args, capture_output=True, text=True)
    assert again.returncode == 0 and "0 problems probed" in " ".join((again.stdout + again.stderr).split())
    bad = subprocess.run(args[:-3] + ["--fraction", "1.5"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--fraction" in bad.stderr


def test_contamination_section_renders_the_table() -> None:
    from types import SimpleNamespace

    from passbound.analyses.contamination import COLUMNS, section

    table = pd.DataFrame(
        [
            dict(
                model="m<1>",
                benchmark="gsm8k",
                fraction=0.6,
                n_problems=3,
                exact_match_rate=1 / 3,
                rouge_l_mean=0.5,
                rouge_l_median=0.4,
                partial_accuracy=0.0,
            )
        ],
        columns=list(COLUMNS),
    )
    html = section(table, SimpleNamespace(name=lambda s: s.replace("<", "&lt;").replace(">", "&gt;")))
    assert 'id="contamination"' in html and "33.3%" in html and "m&lt;1&gt;" in html and "60%" in html
    from passbound.analyses.contamination import markdown

    md = "\n".join(markdown(table, None))
    assert "| `gsm8k` | `m<1>` | 60.0 | 3 | 33.3 | 0.500 | 0.0 |" in md  # names in code spans, rates in %
