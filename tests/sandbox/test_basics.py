"""Ordinary programs behave as under plain ``python``: I/O, exit codes, files, environment."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _sandbox_helpers import caps, tier_params

from passbound.sandbox import Limits, Sandbox, SandboxResult, run_program, sandbox_capabilities

TIERS = tier_params()


@pytest.mark.parametrize("tier", TIERS)
def test_stdin_to_stdout(tier: tuple[str, str]) -> None:
    src = "import sys\nfor line in sys.stdin:\n    print(int(line) * 2)\nprint('done', file=sys.stderr)\n"
    r = run_program(src, stdin="1\n2\n21\n", timeout=10, isolation=tier[0], python=tier[1])
    assert (r.status, r.exit_code, r.signal) == ("ok", 0, None)
    assert r.stdout == "2\n4\n42\n"
    assert r.stderr == "done\n"
    assert 0 < r.duration_s < 10


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("exit_stmt", ["import sys; sys.exit(0)", "import os; os._exit(0)"])
def test_early_exit_zero_is_ok(tier: tuple[str, str], exit_stmt: str) -> None:
    """Exiting early is a clean exit here; the test harness decides it is not a pass."""
    r = run_program(f"print('a', flush=True)\n{exit_stmt}\nprint('b')\n", timeout=10,
                    isolation=tier[0], python=tier[1])  # fmt: skip
    assert (r.status, r.exit_code, r.signal, r.stdout) == ("ok", 0, None, "a\n")


@pytest.mark.parametrize("tier", TIERS)
def test_nonzero_exit_and_exception_are_errors(tier: tuple[str, str]) -> None:
    r = run_program("import sys; sys.exit(3)", timeout=10, isolation=tier[0], python=tier[1])
    assert (r.status, r.exit_code) == ("error", 3)
    r = run_program("def f():\n    raise KeyError('boom')\nf()\n", timeout=10, isolation=tier[0], python=tier[1])
    assert (r.status, r.exit_code) == ("error", 1)
    assert r.stderr.rstrip().endswith("KeyError: 'boom'")
    assert "program.py\", line 2, in f" in r.stderr


def test_extra_files_are_importable_and_main_is_main() -> None:
    src = "import helper\nprint(__name__, helper.double(21), open('data/in.txt').read())\n"
    files = {"helper.py": "def double(x):\n    return 2 * x\n", "data/in.txt": "payload"}
    r = run_program(src, extra_files=files, timeout=10)
    assert (r.status, r.stdout) == ("ok", "__main__ 42 payload\n")


def test_extra_files_cannot_escape_workdir() -> None:
    for bad in ("../evil.py", "/etc/evil.py", "a/../../evil.py"):
        with pytest.raises(ValueError, match="relative path"):
            run_program("pass", extra_files={bad: "x"}, timeout=5)


def test_workdir_is_fresh_private_and_removed() -> None:
    src = "import os, sys\nprint(os.getcwd()); print(sys.path[0]); print(sorted(os.listdir('.')))\nopen('junk', 'w').write('x')\n"
    r1 = run_program(src, timeout=10)
    r2 = run_program(src, timeout=10)
    cwd1, path0, listing = r1.stdout.splitlines()
    assert path0 == cwd1, "the program's directory is sys.path[0]"
    assert listing == "['program.py']", "nothing else in a fresh workdir (no stale files)"
    assert cwd1 != r2.stdout.splitlines()[0]
    assert not os.path.exists(cwd1), "workdir removed after the run"


def test_environment_is_clean_and_extendable() -> None:
    src = "import os, sys\nprint(sorted(os.environ)); print(os.environ['PYTHONHASHSEED'], hash('abc'), sys.flags.no_user_site, os.environ.get('EXTRA'))\n"
    r = run_program(src, timeout=10, env={"EXTRA": "yes"})
    names, rest = r.stdout.splitlines()
    assert set(eval(names)) <= {
        "PATH",
        "LANG",
        "LC_ALL",
        "HOME",
        "TMPDIR",
        "PWD",
        "PYTHONHASHSEED",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONUTF8",
        "PYTHONIOENCODING",
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "EXTRA",
        "PYTHONPATH",
    }  # fmt: skip  (PYTHONPATH: numpy's own folder, nothing else)
    seed, h, no_user_site, extra = rest.split()
    assert (seed, no_user_site, extra) == ("0", "1", "yes")
    assert h == run_program(src, timeout=10, env={"EXTRA": "yes"}).stdout.split()[-3], "hashing is deterministic"


def test_sandbox_object_and_result_are_frozen() -> None:
    sb = Sandbox(memory_mb=512, max_output_bytes=10)
    r = sb.run("print('0123456789abc')", timeout=10)
    assert isinstance(r, SandboxResult)
    assert (r.status, r.stdout) == ("output_limit", "0123456789")
    with pytest.raises(AttributeError):
        r.status = "ok"  # type: ignore[misc]
    assert sb.capabilities() == sandbox_capabilities(sys.executable, "auto")


def test_bad_limits_say_what_to_fix() -> None:
    with pytest.raises(ValueError, match="timeout must be > 0"):
        Limits(timeout=0)
    with pytest.raises(ValueError, match="memory_mb must be >= 1"):
        Limits(timeout=1, memory_mb=0)
    with pytest.raises(ValueError, match="isolation must be one of"):
        sandbox_capabilities(sys.executable, "docker")


def test_capabilities_are_reported_honestly() -> None:
    """The auto tier is the first one that works; on a root machine with bwrap it is bwrap."""
    c = sandbox_capabilities()
    assert c["isolation"] in ("bwrap", "unshare", "uid", "none")
    assert c["rlimits"] and c["clean_env"] and c["process_group"]
    if c["isolation"] == "bwrap":
        assert c["private_filesystem"] and c["network_namespace"] and c["pid_namespace"]
    if c["isolation"] == "none":
        assert not c["network_namespace"] and not c["pid_namespace"]
    assert isinstance(caps(("none", sys.executable))["notes"], list)
