"""Shared bits for the sandbox tests: which tiers work here, and a /proc scan for stragglers."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from passbound.sandbox import sandbox_capabilities

# A system interpreter readable by an unprivileged uid lets the uid/unshare tiers drop privileges
# even when sys.executable lives under /root (pyenv); fall back to sys.executable.
_SYSTEM_PY = next((p for p in ("/usr/bin/python3", "/usr/local/bin/python3") if os.path.exists(p)), sys.executable)
_COMBOS = [("bwrap", sys.executable), ("unshare", _SYSTEM_PY), ("uid", _SYSTEM_PY), ("none", sys.executable)]


def available_tiers() -> list[tuple[str, str]]:
    """(isolation, python) pairs that work on this machine. A tier named in
    $PASSBOUND_REQUIRED_TIERS (CI: bwrap,unshare) that does not work is an error, not a skip."""
    required = {t for t in os.environ.get("PASSBOUND_REQUIRED_TIERS", "").split(",") if t}
    found = []
    for isolation, python in _COMBOS:
        try:
            sandbox_capabilities(python, isolation)
        except RuntimeError as exc:
            if isolation in required:
                raise RuntimeError(
                    f"sandbox tier {isolation} is required here (PASSBOUND_REQUIRED_TIERS) and does not work: {exc}"
                ) from exc
            continue
        found.append((isolation, python))
    return found


def tier_params() -> list[object]:
    return [pytest.param(t, id=t[0]) for t in available_tiers()]


def caps(tier: tuple[str, str]) -> dict[str, object]:
    return sandbox_capabilities(tier[1], tier[0])


def require(tier: tuple[str, str], *needed: str) -> dict[str, object]:
    """Skip unless the tier provides every protection in ``needed`` (never assume it does)."""
    c = caps(tier)
    missing = [n for n in needed if not c[n]]
    if missing:
        pytest.skip(f"tier {tier[0]} lacks {', '.join(missing)}; the test would not be safe/meaningful")
    return c


def procs_with(marker: str) -> list[int]:
    """Pids of live (non-zombie) processes whose command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


def wait_gone(marker: str, within: float = 2.0) -> list[int]:
    """Processes with ``marker`` still alive after ``within`` s (dying takes a moment)."""
    end = time.monotonic() + within
    while (left := procs_with(marker)) and time.monotonic() < end:
        time.sleep(0.05)
    return left


def zombie_children() -> list[int]:
    """Zombie processes whose parent is this (test) process."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] == "Z" and int(fields[1]) == os.getpid():
            found.append(int(entry.name))
    return found
