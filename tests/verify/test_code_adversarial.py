"""Programs that cheat or attack, graded the way a study grades them: CodeVerifier in GradingPool.

One property per test, on the real HumanEval+ problem HumanEval/0 (``has_close_elements``, 8 base
and ~100 plus tests). Each attack gets its status and never "pass", and afterwards the same pool
grades the correct solution as "pass" (nothing the attack did outlived it). The sandbox-level
versions of these attacks are in tests/sandbox/test_adversarial.py; these check what the *grader*
makes of them. No doubles: real sandboxed processes, real data.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from _listener import host_listener

sys.path.insert(0, str(Path(__file__).parent))
from _code_programs import fenced

from passbound.benchmarks import load_benchmark
from passbound.types import Problem
from passbound.verify import GradingPool
from passbound.verify.code import CodeVerifier

SECRET_VAR = "PASSBOUND_TEST_SECRET"
SECRET = f"sk-fake-{uuid.uuid4().hex}"
# Small budgets keep a hung attack short: 1 s per test, 2 s per test set, 512 MB per process.
OPTIONS = dict(min_time_limit=1.0, per_set_timeout=2.0, reference_timeout=20.0, memory_mb=512, max_output_mb=4,
               cache_dir="")  # fmt: skip


@pytest.fixture(scope="module")
def problem(shared_data: Path) -> Problem:
    return load_benchmark("humaneval_plus", data_dir=shared_data, limit=1).problems[0]


@pytest.fixture(scope="module")
def pool() -> Iterator[GradingPool]:
    # The secret is in the environment of the test process and of every pool worker (spawned
    # after it is set), i.e. exactly where a leak through the sandbox would come from.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(SECRET_VAR, SECRET)
        with GradingPool(timeout=20, workers=2, verifiers={"code": CodeVerifier(**OPTIONS)}) as p:
            p.start(kinds=())
            yield p


def grade(pool: GradingPool, problem: Problem, program: str) -> tuple[str, str]:
    (result,) = pool.grade([problem], [fenced(program)])
    return result.status, result.detail


def assert_pool_still_grades(pool: GradingPool, problem: Problem) -> None:
    status, detail = grade(pool, problem, problem.target)
    assert status == "pass", detail
    assert pool.stats.deaths == 0 and pool.stats.timeouts == 0


def with_body(problem: Problem, body: str, *, prelude: str = "") -> str:
    """A program whose ``has_close_elements`` runs ``body`` then answers correctly."""
    return (prelude + problem.target.replace("def has_close_elements", "def _correct")
            + "\n\ndef has_close_elements(numbers, threshold):\n" + body
            + "    return _correct(numbers, threshold)\n")  # fmt: skip


# ----------------------------------------------------------------------------- exiting early


@pytest.mark.parametrize(
    "exit_call, status",
    [("import sys; sys.exit(0)", "error"), ("import os; os._exit(0)", "error"), ("raise SystemExit", "error")],
    ids=["sys.exit", "os._exit", "SystemExit"],
)
def test_exit_before_the_tests_is_an_error(pool, problem, exit_call, status) -> None:
    # The correct function is defined, then the program exits while loading: no test ever ran.
    s, detail = grade(pool, problem, problem.target + "\n" + exit_call + "\n")
    assert s == status, detail
    assert_pool_still_grades(pool, problem)


@pytest.mark.parametrize(
    "exit_call, status",
    [("import sys; sys.exit(0)", "fail"), ("import os; os._exit(0)", "error"), ("raise SystemExit(0)", "fail")],
    ids=["sys.exit", "os._exit", "SystemExit"],
)
def test_exit_during_a_test_never_passes(pool, problem, exit_call, status) -> None:
    # Exits on the 3rd call, after two correct answers: the run stops before the harness is done.
    body = f"    global _calls\n    _calls = globals().get('_calls', 0) + 1\n    if _calls == 3:\n        {exit_call}\n"
    s, detail = grade(pool, problem, with_body(problem, body))
    assert s == status and "base test 2" in detail, detail
    assert_pool_still_grades(pool, problem)


# ----------------------------------------------------------------------------- rigged comparisons


@pytest.mark.parametrize(
    "returned",
    ["Anything()", "Truthy(0)", "Everything([1])"],
    ids=["object-eq-true", "int-subclass-eq-true", "list-subclass-eq-true"],
)
def test_overriding_eq_on_returned_objects_fails(pool, problem, returned) -> None:
    prelude = (
        "class Anything:\n    def __eq__(self, other):\n        return True\n"
        "    def __ne__(self, other):\n        return False\n    __hash__ = object.__hash__\n"
        "class Truthy(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\n"
        "class Everything(list):\n    def __eq__(self, other):\n        return True\n"
    )
    s, detail = grade(pool, problem, prelude + f"def has_close_elements(numbers, threshold):\n    return {returned}\n")
    assert s == "fail" and "wrong output" in detail, detail
    assert_pool_still_grades(pool, problem)


def test_patching_builtins_never_passes(pool, problem) -> None:
    # A wrong function that rewires the builtins a naive harness relies on. The harness's own
    # json encoding then breaks too (json looks up isinstance at call time), so the run ends
    # without a single nonce-tagged record: an error, never a pass.
    program = (
        "import builtins\n"
        "builtins.isinstance = lambda *a: True\nbuiltins.AssertionError = Exception\n"
        "builtins.print = lambda *a, **k: None\n"
        "def has_close_elements(numbers, threshold):\n    return None\n"
    )
    s, detail = grade(pool, problem, program)
    assert s == "error" and "ended" in detail, detail
    assert_pool_still_grades(pool, problem)


def test_patching_json_and_the_harness_itself_fails(pool, problem) -> None:
    # The harness is __main__ in the sandbox: the program rewires its encoder so that every
    # output it reports is True, and json.dumps so that any record would claim "done".
    program = (
        "import json, sys\n"
        "json.dumps = lambda *a, **k: '{\"k\": \"done\"}'\n"
        "main = sys.modules['__main__']\n"
        "main.encode = lambda value, depth=0: True\n"
        "def has_close_elements(numbers, threshold):\n    return None\n"
    )
    s, detail = grade(pool, problem, program)
    assert s == "fail" and "wrong output" in detail, detail  # a claimed True is wrong where False is due
    assert_pool_still_grades(pool, problem)


def test_patching_builtins_cannot_defeat_plain_humaneval_asserts(pool, shared_data) -> None:
    # Plain HumanEval runs the dataset's own check() (with its asserts) inside the sandbox.
    plain = load_benchmark("humaneval", data_dir=shared_data, limit=1).problems[0]
    program = (
        "import builtins\n"
        "class Quiet(Exception):\n    pass\n"
        "builtins.AssertionError = Quiet\nbuiltins.abs = lambda x: 0\nbuiltins.len = lambda x: 0\n"
        "def has_close_elements(numbers, threshold):\n    return False\n"
    )
    s, detail = grade(pool, plain, program)
    # check() runs in the harness, outside the candidate's process: its patches reach only its own
    # process (where they may break the reply channel: an error), never the asserts.
    assert s in ("fail", "error"), detail
    assert grade(pool, plain, plain.target)[0] == "pass"


# ----------------------------------------------------------------------------- the host


@pytest.mark.parametrize(
    "attack, status",
    # The parent is the harness (the candidate runs in its child): killing it, or the process
    # group, leaves no records: an error. On a warm sandbox with per-run namespaces the harness
    # is the init of the run's pid namespace, which a kill from inside never reaches: the program
    # runs on and its 0.5 s per call overruns the test set's budget.
    [("os.kill(os.getppid(), 9)", ("error", "timeout")), ("os.killpg(0, 9)", ("error",))],
    ids=["ppid", "own-group"],
)
def test_killing_the_parent_or_group_never_passes_and_the_pool_lives(pool, problem, attack, status) -> None:
    workers = pool.worker_pids()
    s, detail = grade(pool, problem, with_body(problem, f"    import os, time\n    {attack}\n    time.sleep(0.5)\n"))
    assert s in status, detail
    assert "worker died" not in detail and pool.stats.deaths == 0
    assert all(os.kill(pid, 0) is None for pid in workers)  # every grading worker is alive
    assert_pool_still_grades(pool, problem)


def test_fork_bomb_never_passes(pool, problem) -> None:
    body = "    import os\n    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass\n"
    start = time.monotonic()
    s, detail = grade(pool, problem, with_body(problem, body))
    assert s == "timeout", detail
    assert time.monotonic() - start < 20  # the per-test alarm ends it, twice (a timeout is confirmed)
    assert_pool_still_grades(pool, problem)


def test_memory_bomb_fails_and_the_worker_survives(pool, problem) -> None:
    body = (
        "    hog = []\n    while True:\n        hog.append(bytes(64 << 20))  # calloc: fails at the limit, no memset\n"
    )
    s, detail = grade(pool, problem, with_body(problem, body))
    assert s == "fail" and "MemoryError" in detail, detail
    assert_pool_still_grades(pool, problem)


@pytest.mark.parametrize("swallow", [False, True], ids=["plain", "swallows-the-alarm"])
def test_infinite_loop_is_a_timeout(pool, problem, swallow) -> None:
    if swallow:  # catches the per-test alarm and keeps going: the run's deadline ends it
        body = (
            "    while True:\n        try:\n            while True:\n                pass\n"
            "        except BaseException:\n            pass\n"
        )
    else:
        body = "    while True:\n        pass\n"
    start = time.monotonic()
    s, detail = grade(pool, problem, with_body(problem, body))
    assert s == "timeout", detail
    assert time.monotonic() - start < 35  # a timeout is confirmed by a second run (two 9 s budgets at most)
    assert_pool_still_grades(pool, problem)


@pytest.mark.parametrize(
    "body, status",
    [
        ("    def f(n):\n        return f(n + 1)\n    f(0)\n", "fail"),
        (
            "    import sys\n    sys.setrecursionlimit(10**8)\n    def f(n):\n        return list(map(f, [n + 1]))\n    f(0)\n",
            "error",
        ),
    ],
    ids=["RecursionError", "C-stack-overflow"],
)
def test_deep_recursion_never_passes(pool, problem, body, status) -> None:
    s, detail = grade(pool, problem, with_body(problem, body))
    assert s == status, detail
    assert_pool_still_grades(pool, problem)


def test_writes_outside_the_temp_dir_do_not_reach_the_host(pool, problem) -> None:
    tag = uuid.uuid4().hex
    # /tmp is private to the run (the write succeeds there, invisibly); the rest is read-only
    # or hidden, so the program's unguarded open() raises while it loads: an error.
    targets = [f"/tmp/pwned-{tag}", f"/dev/shm/pwned-{tag}", str(Path(__file__).parent / f"pwned-{tag}"),
               f"/root/pwned-{tag}", f"/etc/pwned-{tag}"]  # fmt: skip
    prelude = f"for t in {targets!r}:\n    open(t, 'w').write('pwned')\n"
    s, detail = grade(pool, problem, prelude + problem.target)
    leaked = [t for t in targets if os.path.exists(t)]
    for t in leaked:
        os.unlink(t)
    assert leaked == []
    assert s == "error" and "failed to load" in detail, detail
    assert_pool_still_grades(pool, problem)


SNOOP = """
import os
def _visible(name):
    if name in os.environ:
        return True
    for pid in os.listdir('/proc'):
        try:
            if (name + '=').encode() in open(f'/proc/{pid}/environ', 'rb').read():
                return True
        except OSError:
            pass
    return False
"""


def test_host_secrets_in_the_environment_are_invisible(pool, problem) -> None:
    assert os.environ[SECRET_VAR] == SECRET  # set for this module, inherited by the pool workers
    # The program answers correctly only if it can see the variable (itself or in any /proc).
    body = "    if not _visible({!r}):\n        return None\n"
    s, detail = grade(pool, problem, with_body(problem, body.format(SECRET_VAR), prelude=SNOOP))
    assert s == "fail", detail
    # Control: the same program looking for a variable the sandbox does set (PATH) passes.
    assert grade(pool, problem, with_body(problem, body.format("PATH"), prelude=SNOOP))[0] == "pass"


def test_opening_a_socket_to_the_host_fails(pool, problem) -> None:
    with host_listener() as (port, received):
        body = f"    import socket\n    socket.create_connection(('127.0.0.1', {port}), timeout=2).sendall(b'pwned')\n"
        s, detail = grade(pool, problem, with_body(problem, body))
    assert received == []
    assert s == "fail" and "Error" in detail, detail  # OSError (network unreachable) on the first test
    assert_pool_still_grades(pool, problem)


def test_gigabytes_of_output_hit_the_cap(pool, problem) -> None:
    # 4 GiB at every descriptor it might own, its reply channel included, then the right answer:
    # the run stops at the output cap (4 MiB here) and the verdict is not a pass.
    body = ("    import os\n    chunk = b'x' * (1 << 20)\n    for _ in range(4096):\n"
            "        for fd in range(1, 16):\n            try:\n                os.write(fd, chunk)\n"
            "            except OSError:\n                pass\n")  # fmt: skip
    start = time.monotonic()
    s, detail = grade(pool, problem, with_body(problem, body))
    # Which comes first under load, the output cap or the 1 s test limit, is a race; either way
    # the run stops quickly and is no pass.
    assert (s in ("error", "fail") and ("output limit" in detail or "output_limit" in detail)) or (
        s == "timeout" and "limit" in detail
    ), detail
    assert time.monotonic() - start < 15
    assert_pool_still_grades(pool, problem)
