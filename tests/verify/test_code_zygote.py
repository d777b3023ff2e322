"""The warm sandboxed server (zygote) keeps every isolation property of one sandbox per program.

One property per test: nothing a program leaves behind (processes, files) reaches the next
program; a program that kills the server or overruns costs the sandbox, never a verdict; no
later candidate can find an earlier run's nonce (or its own) in its memory; the host side caps
output and deadlines from outside. Real bubblewrap sandboxes and real HumanEval data; skipped
only where the machine has no tier with a pid namespace (the server refuses such tiers).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
import time
from pathlib import Path

import pytest

from passbound.benchmarks import load_benchmark
from passbound.sandbox import SandboxServer, ServerUnavailable, sandbox_capabilities
from passbound.types import Problem
from passbound.verify import code as code_module
from passbound.verify.code import CodeVerifier, harness_source

OPTIONS = dict(min_time_limit=1.0, per_set_timeout=3.0, reference_timeout=20.0, memory_mb=512, max_output_mb=4,
               cache_dir="", check_timeout=3.0)  # fmt: skip

pytestmark = pytest.mark.skipif(not sandbox_capabilities()["pid_namespace"],
                                reason="no sandbox tier with a pid namespace here: programs run one sandbox each")  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def _no_warm_sandbox_from_earlier_modules() -> None:
    """These tests count this process's server work dirs: close the warm sandboxes that earlier
    test modules left in the grader's cache (they stay warm on purpose between gradings)."""
    with code_module._SERVERS_LOCK:
        for server, _lock in code_module._SERVERS.values():
            if server is not None:
                server.close()
        code_module._SERVERS.clear()


@pytest.fixture(scope="module")
def plain(shared_data: Path) -> Problem:
    return load_benchmark("humaneval", data_dir=shared_data, limit=1).problems[0]


@pytest.fixture()
def verifier() -> CodeVerifier:
    return CodeVerifier(**OPTIONS)


def server_of(verifier: CodeVerifier) -> SandboxServer:
    server, _ = code_module._server_for(verifier)
    assert server is not None, "the code verifier did not get a sandboxed server on a pid-namespace tier"
    return server


def wrong(problem: Problem, body: str) -> str:
    return f"def {problem.metadata['entry_point']}(*args, **kwargs):\n{body}    return None\n"


def test_processes_and_files_left_behind_never_reach_the_next_program(verifier: CodeVerifier, plain: Problem) -> None:
    # A double-forked, setsid daemon keeps writing next to the work dir; files in and above it.
    leaver = wrong(plain, (
        "    import os, time\n    open('mine.txt', 'w').write('x')\n    open('../left.txt', 'w').write('x')\n"
        "    if os.fork() == 0:\n        os.setsid()\n        if os.fork() == 0:\n"
        "            for _ in range(2000):\n                open('../daemon.txt', 'w').write('alive')\n"
        "                time.sleep(0.01)\n        os._exit(0)\n    time.sleep(0.1)\n"))  # fmt: skip
    # Correct only if it sees nothing of the leaver: no extra file above its own run dir, and
    # nothing recreated while it waits.
    looker = plain.target.replace(
        f"def {plain.metadata['entry_point']}(", "def _solve(", 1) + (
        f"\ndef {plain.metadata['entry_point']}(*a, **k):\n    import os, time\n    time.sleep(0.05)\n"
        "    above = sorted(os.listdir('..'))\n"
        "    if set(above) - {'home', 'program.py'} or os.listdir('.'):\n        return None\n"
        "    return _solve(*a, **k)\n")  # fmt: skip
    server = server_of(verifier)
    before = server.runs
    assert verifier.check(plain, leaver).status == "fail"
    result = verifier.check(plain, looker)
    assert result.status == "pass", result.detail
    assert server.runs == before + 2 and server._proc is not None  # both ran on the same server


def test_a_program_that_kills_the_server_gets_no_pass_and_the_next_one_does(
    verifier: CodeVerifier, plain: Problem
) -> None:
    killer = wrong(plain, "    import os, signal\n    os.kill(-1, signal.SIGKILL)\n")
    server = server_of(verifier)
    verifier.check(plain, plain.target)  # the server is up
    pid = server._proc.pid  # type: ignore[union-attr]
    assert verifier.check(plain, killer).status in ("error", "fail")
    assert verifier.check(plain, plain.target).status == "pass"
    # As root the server gives each run a pid namespace of its own: the kill reached only the run
    # (without root it runs as the program's uid, dies, and a fresh one starts).
    assert server._proc is not None
    assert server._proc.pid == pid if os.geteuid() == 0 else server._proc.pid != pid


def test_a_run_over_its_budget_costs_the_sandbox_and_leaves_no_work_dir(verifier: CodeVerifier, plain: Problem) -> None:
    spinner = "while True:\n    pass\n" + plain.target
    server = server_of(verifier)
    verifier.check(plain, plain.target)
    old_dir = next(p for p in os.listdir(tempfile.gettempdir()) if p.startswith(f"passbound-zyg-{os.getpid()}-"))
    start = time.monotonic()
    assert verifier.check(plain, spinner).status == "timeout"
    assert time.monotonic() - start < verifier.item_timeout(plain)
    assert not os.path.exists(os.path.join(tempfile.gettempdir(), old_dir))
    assert verifier.check(plain, plain.target).status == "pass"
    assert server._proc is not None


def _request(mode: str, source: str, tests: list, nonce: str) -> bytes:
    spec = {"mode": mode, "tests": tests, "limits": [5.0] * len(tests), "entry_point": "f", "load_limit": 5.0,
            "nonce": nonce, "max_output_bytes": 1 << 20}  # fmt: skip
    return json.dumps({"spec": spec, "source": source, "cpu_seconds": 10}).encode()


def test_no_candidate_finds_an_earlier_or_its_own_nonce_in_its_memory() -> None:
    # Every 32-hex string in the candidate's own writable memory (read with ctypes: a
    # non-dumpable process may not open its own /proc/self/mem); the request that carried its
    # nonce was read by the harness after the candidate's process was forked.
    scan = (
        "def f():\n    import ctypes, re\n    probe = ''.join(['c0ffee'] * 6)[:32]\n    found = set()\n"
        "    for line in open('/proc/self/maps').read().splitlines():\n"
        "        lo, hi = (int(x, 16) for x in line.split()[0].split('-'))\n"
        "        if not line.split()[1].startswith('rw') or hi - lo > 1 << 26:\n            continue\n"
        "        data = ctypes.string_at(lo, hi - lo)\n"
        "        found.update(m.decode() for m in re.findall(rb'[0-9a-f]{32}', data))\n"
        "    return sorted(found)\n")  # fmt: skip
    nonces = [secrets.token_hex(16) for _ in range(3)]
    with SandboxServer(harness_source(), argv=["zygote"], memory_mb=512, max_processes=4) as server:
        seen: list[str] = []
        for nonce in nonces:
            result = server.request(_request("function", scan, [[]], nonce), timeout=30)
            records = [json.loads(line.split(" ", 1)[1]) for line in result.stdout.splitlines()
                       if line.startswith(nonce + " ")]  # fmt: skip
            test = next(r for r in records if r.get("k") == "test")
            assert test["s"] == "ok", test
            seen.extend(test["o"])
        assert "c0ffee" * 5 + "c0" in seen  # the scan does find a hex string made at run time
        assert not set(nonces) & set(seen)


# A minimal program speaking the server contract, to test the host side on its own.
_ECHO = r'''
import os, sys
tag = sys.argv[-1]
os.write(1, (tag + " ready\n").encode())
while True:
    header = b""
    while not header.endswith(b"\n"):
        byte = os.read(0, 1)
        if not byte:
            sys.exit(0)
        header += byte
    body = os.read(0, int(header)) if int(header) else b""
    if body == b"flood":
        while True:
            os.write(1, b"x" * 65536)
    if body == b"hang":
        import time
        time.sleep(60)
    os.write(1, body + ("\n%s end 0 1\n" % tag).encode())
'''


def test_server_output_cap_and_deadline_are_enforced_from_outside() -> None:
    with SandboxServer(_ECHO, memory_mb=256, max_processes=4, max_output_bytes=1 << 20) as server:
        assert server.request(b"hello", timeout=10).stdout == "hello"
        pid = server._proc.pid  # type: ignore[union-attr]
        flood = server.request(b"flood", timeout=10)
        assert flood.status == "output_limit" and len(flood.stdout) <= 1 << 20
        start = time.monotonic()
        assert server.request(b"hang", timeout=1.0).status == "timeout"
        assert time.monotonic() - start < 5
        assert server.request(b"again", timeout=10).stdout == "again"
        assert server._proc is not None and server._proc.pid != pid


def test_tiers_without_a_pid_namespace_get_no_server() -> None:
    with pytest.raises(ServerUnavailable, match="pid namespace"):
        SandboxServer(_ECHO, isolation="none")


def test_the_server_work_dir_holds_only_the_program_between_runs(plain: Problem) -> None:
    verifier = CodeVerifier(**OPTIONS)
    assert verifier.check(plain, plain.target).status == "pass"
    dirs = [p for p in Path(tempfile.gettempdir()).iterdir() if re.match(rf"passbound-zyg-{os.getpid()}-", p.name)]
    assert len(dirs) == 1
    # The harness, root's and read-only, and the mount point of the runs' tmpfs; nothing else.
    assert sorted(os.listdir(dirs[0])) == ["home", "program.py"]
    assert os.listdir(dirs[0] / "home") == []
    for path in (dirs[0], dirs[0] / "program.py"):
        assert path.stat().st_uid == os.getuid() and not path.stat().st_mode & 0o022


# A module named like one the harness imports late (inside a function), planted where the
# harness's import would look first. Imported in the harness, it makes plain HumanEval's check()
# (run by the harness) a no-op for this run and every later one, then hands back the real module.
PLANTED = '''
import importlib, sys
_main = sys.modules["__main__"]
_compile = compile
def _no_check(src, filename, *args, **kwargs):
    if filename == "test.py":
        src = "def check(candidate):\\n    pass\\n"
    return _compile(src, filename, *args, **kwargs)
_main.compile = _no_check
_saved = list(sys.path)
sys.path[:] = [p for p in sys.path if p not in ("", ".") and "passbound-" not in p and "/run" not in p]
del sys.modules[__name__]
sys.modules[__name__] = importlib.import_module(__name__)
sys.path[:] = _saved
'''


def test_modules_planted_in_the_work_dir_are_never_imported_by_the_harness(
    verifier: CodeVerifier, plain: Problem
) -> None:
    names = (
        "signal",
        "select",
        "subprocess",
        "resource",
        "ctypes",
        "selectors",
        "time",
        "threading",
        "io",
        "json",
        "random",
        "tempfile",
        "shutil",
        "struct",
        "errno",
        "stat",
        "fcntl",
        "traceback",
        "linecache",
    )
    planter = wrong(
        plain,
        "    import os\n    for d in ('.', '..', '../..'):\n"
        f"        for name in {names!r}:\n            try:\n"
        f"                open(os.path.join(d, name + '.py'), 'w').write({PLANTED!r})\n"
        "            except OSError:\n                pass\n",
    )
    wrong_answer = wrong(plain, "")
    for _ in range(3):  # the planting run, then later runs on the same server
        assert verifier.check(plain, planter).status in ("fail", "error")
        assert verifier.check(plain, wrong_answer).status in ("fail", "error")
    assert verifier.check(plain, plain.target).status == "pass"


@pytest.fixture(scope="module")
def plus(shared_data: Path) -> Problem:
    return load_benchmark("humaneval_plus", data_dir=shared_data, limit=1).problems[0]


def test_a_run_stops_at_its_first_wrong_output_and_the_sandbox_serves_the_next(
    verifier: CodeVerifier, plus: Problem
) -> None:
    # Wrong from the first test on, then 0.3 s per test (each under its 1 s limit): judged to the
    # end that runs into the run's budget and costs the sandbox; stopped at the first wrong output
    # it takes a fraction of a second on the same sandbox.
    ep = plus.metadata["entry_point"]
    slow_wrong = f"_calls = []\n\ndef {ep}(*args):\n    import time\n    if _calls:\n        time.sleep(0.3)\n" \
                 "    _calls.append(1)\n    return 'wrong'\n"  # fmt: skip
    verifier.reference(plus)  # computed first: not part of the timing
    server = server_of(verifier)
    assert verifier.check(plus, plus.target).status == "pass"
    pid, runs = server._proc.pid, server.runs  # type: ignore[union-attr]
    start = time.monotonic()
    result = verifier.check(plus, slow_wrong)
    assert result.status == "fail" and result.detail.startswith("base test 0:"), result
    assert time.monotonic() - start < 2.0
    # A stop that arrives after its run ended is skipped before the next request's header.
    server._proc.stdin.write(b"!!")  # type: ignore[union-attr]
    server._proc.stdin.flush()  # type: ignore[union-attr]
    assert verifier.check(plus, plus.target).status == "pass"
    assert server._proc.pid == pid and server.runs == runs + 2  # type: ignore[union-attr]


def test_outputs_travel_as_digests_only_where_evalplus_compares_exactly(verifier: CodeVerifier, plus: Problem) -> None:
    # evalplus sets atol = 1e-6 at the first float-valued expected output of a test set, and it
    # sticks for the rest of that set: [1, 2] then matches [1, 2.0000000001] by np.allclose. In
    # the next set it starts at 0 again (exact, so a digest can stand for the value).
    outputs = "[0.5, [1, 2], [1, 2]]"
    meta = {**plus.metadata, "entry_point": "f", "base_input": [[0], [1]], "plus_input": [[2]], "atol": 0}
    problem = Problem(id="digests", benchmark=plus.benchmark, prompt="", target=f"def f(x):\n    return {outputs}[x]\n",
                      kind=plus.kind, metadata=meta)  # fmt: skip
    ref = verifier.reference(problem)
    assert ref["base"][0] == 0.5 and ref["base"][1] == [1, 2]  # raw: compared with a tolerance
    assert isinstance(ref["plus"][0], code_module.Digest)
    near = "[0.5, [1, 2.0000000001], [1, 2]]"
    assert verifier.check(problem, f"def f(x):\n    return {near}[x]\n").status == "pass"
    near_in_plus = "[0.5, [1, 2], [1, 2.0000000001]]"
    result = verifier.check(problem, f"def f(x):\n    return {near_in_plus}[x]\n")
    assert result.status == "fail" and result.detail.startswith("plus test 0:"), result
