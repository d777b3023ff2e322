"""Per-problem accuracy histograms: exact end bins, half-open tenths, every bin present."""

from __future__ import annotations

import numpy as np
import pandas as pd
from _boundary_data import MODELS, rows, study_verdicts

from passbound.metrics.boundary import problem_counts
from passbound.metrics.histogram import BINS, accuracy_bin, accuracy_histogram


def test_bin_labels() -> None:
    assert [b[0] for b in BINS] == [
        "0",
        "(0,0.1]",
        "(0.1,0.2]",
        "(0.2,0.3]",
        "(0.3,0.4]",
        "(0.4,0.5]",
        "(0.5,0.6]",
        "(0.6,0.7]",
        "(0.7,0.8]",
        "(0.8,0.9]",
        "(0.9,1)",
        "1",
    ]


def test_bin_edges_are_exact() -> None:
    n = [10, 10, 10, 10, 10, 10, 1024, 1024, 1024, 3]
    c = [0, 1, 2, 3, 9, 10, 1, 922, 1023, 1]
    # 0.3 is in (0.2,0.3]; 922/1024 = 0.9004 is above 0.9; 1023/1024 is not 1; 1/3 in (0.3,0.4]
    assert accuracy_bin(n, c).tolist() == [0, 1, 2, 3, 9, 11, 1, 10, 10, 4]


def test_histogram_table() -> None:
    v = pd.concat([study_verdicts(), pd.DataFrame(rows("B", "code", {"a": 3, "b": 10}, n=10))])
    df = accuracy_histogram(problem_counts(v), MODELS)
    assert list(df.groupby(["model", "benchmark"], sort=False).size().index) == [
        ("B", "code"),
        ("B", "math"),
        ("R", "math"),
        ("D", "math"),
    ]
    assert (df.groupby(["model", "benchmark"]).size() == 12).all()
    b = df[(df["model"] == "B") & (df["benchmark"] == "math")].set_index("bin")
    # B on math, n = 4: accuracies 0.5, 0, 0.25, 0, 1
    assert b["n_problems"].to_dict() == {
        "0": 2,
        "(0,0.1]": 0,
        "(0.1,0.2]": 0,
        "(0.2,0.3]": 1,
        "(0.3,0.4]": 0,
        "(0.4,0.5]": 1,
        "(0.5,0.6]": 0,
        "(0.6,0.7]": 0,
        "(0.7,0.8]": 0,
        "(0.8,0.9]": 0,
        "(0.9,1)": 0,
        "1": 1,
    }
    assert b.loc["0", "fraction"] == 0.4 and b.loc["(0.2,0.3]", "lo"] == 0.2 and b.loc["1", "hi"] == 1.0
    r = df[(df["model"] == "R")].set_index("bin")  # accuracies 1, .25, 0, 0, 1, .75 over 6 problems
    assert r.loc["1", "n_problems"] == 2 and r.loc["(0.7,0.8]", "n_problems"] == 1
    assert np.isclose(r["fraction"].sum(), 1.0) and np.isclose(r.loc["0", "fraction"], 2 / 6)
    code = df[(df["model"] == "B") & (df["benchmark"] == "code")].set_index("bin")
    assert code.loc["(0.2,0.3]", "n_problems"] == 1 and code.loc["1", "n_problems"] == 1
