"""Per-run overhead of each isolation tier (programs/s for a trivial program), printed.

Run: ``python -m pytest tests/sandbox/test_throughput.py --runslow -s``; PASSBOUND_SANDBOX_RUNS
sets the number of runs (default 200). The baseline is a bare ``subprocess.run([python, "-c",
"pass"])``: the floor any subprocess-per-program evaluator (evalplus included) pays.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _sandbox_helpers import available_tiers

from passbound.sandbox import run_program

RUNS = int(os.environ.get("PASSBOUND_SANDBOX_RUNS", "200"))


def _rates(options: dict[str, object], rounds: int = 4) -> dict[str, float]:
    """Programs/s per option, interleaved in rounds so a load spike on a shared box hits all."""
    for fn in options.values():
        fn()  # warm-up (and the tier probe, which is cached afterwards)
    spent = dict.fromkeys(options, 0.0)
    per_round = max(1, RUNS // rounds)
    for _ in range(rounds):
        for name, fn in options.items():
            start = time.perf_counter()
            for _ in range(per_round):
                fn()
            spent[name] += time.perf_counter() - start
    return {name: per_round * rounds / seconds for name, seconds in spent.items()}


@pytest.mark.slow
def test_throughput_per_tier() -> None:
    options = {}
    for python in sorted({p for _, p in available_tiers()}):
        options[f"plain subprocess.run ({python})"] = lambda python=python: subprocess.run(
            [python, "-s", "-c", "pass"], capture_output=True, check=True
        )
    for isolation, python in available_tiers():

        def one(isolation: str = isolation, python: str = python) -> None:
            r = run_program("print(1 + 1)", timeout=10, isolation=isolation, python=python)
            assert r.stdout == "2\n", r

        options[f"run_program isolation={isolation} ({python})"] = one
    rates = _rates(options)
    print(f"\nsandbox throughput, {RUNS} sequential runs of a trivial program, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}:")  # fmt: skip
    for name, rate in rates.items():
        print(f"  {name:70s} {rate:7.1f} programs/s  {1000 / rate:6.1f} ms/run")
    assert all(rate > 1.0 for rate in rates.values()), rates
