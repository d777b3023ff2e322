"""The trusted grader under forged outputs, and honest programs it used to fail.

Forged outputs: a value that raises when compared (``Decimal('sNaN')``), hash-colliding set
members spread over many containers, records far larger than the expected output, a value sent
where a digest is expected. Each must end as ``fail`` quickly, and the worker's warm sandbox must
survive it. Honest programs: plain HumanEval/33 (its check() calls ``sort_third`` itself),
``quit()`` after printing, numpy. Real sandboxed runs on real benchmark rows, except the
``Verdict`` / ``Records`` unit tests, which feed the grader's own classes the records a harness
would write (no double: the classes are the real ones).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from passbound.benchmarks import load_benchmark
from passbound.sandbox import Sandbox, sandbox_capabilities
from passbound.types import Problem
from passbound.verify._code_records import Records, Verdict
from passbound.verify._harness.codec import decode
from passbound.verify.code import _SERVERS, CodeVerifier, _server_for, _server_key

P61 = (1 << 61) - 1  # ints equal modulo this have equal hashes


@pytest.fixture(scope="module")
def verifier() -> Iterator[CodeVerifier]:
    v = CodeVerifier(cache_dir="", memory_mb=1024, reference_timeout=30.0)
    yield v
    # This process's warm sandbox goes with the module (later modules count their own).
    server, _ = _server_for(v)
    if server is not None:
        server.close()
    _SERVERS.pop(_server_key(v), None)


def stdin_problem(expected: str) -> Problem:
    return Problem(
        "adhoc-stdin",
        "adhoc",
        "",
        "",
        "code",
        metadata={"fn_name": "", "tests": [{"input": "3\n", "output": expected, "testtype": "stdin"}]},
    )


def call_problem(expected: object) -> Problem:
    return Problem("adhoc-call", "adhoc", "", "", "code",
                   metadata={"fn_name": "f", "tests": [{"input": "1", "output": json.dumps(expected),
                                                        "testtype": "functional"}]})  # fmt: skip


# ----------------------------------------------------------------------------- forged outputs


def test_signalling_nan_on_stdout_is_a_fail_and_the_warm_sandbox_stays(verifier: CodeVerifier) -> None:
    problem = stdin_problem("6\n")
    assert verifier.check(problem, "print(int(input()) * 2)\n").status == "pass"
    server = _server_for(verifier)[0]
    assert server is not None, "this test needs a tier with a zygote"
    for forged in ("print('sNaN')\n", "print('1 sNaN')\n", "print('NaN')\n"):
        result = verifier.check(problem, forged)
        assert result.status == "fail", result
    assert _server_for(verifier)[0] is server  # the warm sandbox was not dropped
    assert verifier.check(problem, "print(int(input()) * 2)\n").status == "pass"


def test_an_exception_while_judging_is_a_fail_not_an_error() -> None:
    def judge(i: int, out: object) -> bool:
        raise ArithmeticError("a comparison that raises on a forged value")

    verdict = Verdict("prog", ["test 0"], [1.0], 5.0, judge)
    records = Records.parse('N {"k": "load", "s": "ok"}\nN {"s": "ok", "o": 1, "k": "test", "i": 0, "t": 0.1}\n'
                            'N {"k": "done"}\n', "N")  # fmt: skip
    assert verdict.partial(records) is not None and verdict.partial(records).status == "fail"
    assert Verdict("prog", ["test 0"], [1.0], 5.0, judge).final(records, None).status == "fail"


def _forged_sets(n_containers: int, members: int = 511) -> list[object]:
    """Encoded frozensets of ``members`` ints that all share one hash (just under any
    per-container threshold of 512)."""
    return [{"~z": [{"~i": hex(k * P61 + c)} for k in range(1, members + 1)]} for c in range(n_containers)]


def test_colliding_members_spread_over_containers_cost_bounded_time() -> None:
    started = time.monotonic()
    with pytest.raises(ValueError, match="collide"):
        decode(_forged_sets(150))
    assert time.monotonic() - started < 1.0
    # Real outputs decode: a few natural collisions (hash(-1) == hash(-2)), many sets.
    honest = [{"~s": [-1, -2, 3]} for _ in range(2000)] + [{"~d": [[i, i] for i in range(5000)]}]
    assert decode(honest)[0] == {-1, -2, 3} and len(decode(honest)[-1]) == 5000


def test_a_forged_reply_of_colliding_sets_is_a_quick_fail(verifier: CodeVerifier) -> None:
    # The candidate writes its reply itself, on the harness's pipe: 300 sets of 511 colliding
    # ints (~4 MB, under the size bound of a 60,000-int expected output).
    problem = call_problem(list(range(60_000)))
    forged = json.dumps({"s": "ok", "o": _forged_sets(300)})
    program = (
        "import os, fcntl\n"
        f"LINE = {forged!r}.encode() + b'\\n'\n"
        "class Solution:\n    def f(self, x):\n"
        "        for fd in range(3, 64):\n"
        "            try:\n                flags = fcntl.fcntl(fd, fcntl.F_GETFL)\n"
        "            except OSError:\n                continue\n"
        "            if flags & os.O_ACCMODE == os.O_WRONLY:\n"
        "                os.write(fd, LINE)\n                os._exit(0)\n"
    )
    started = time.monotonic()
    result = verifier.check(problem, program)
    elapsed = time.monotonic() - started
    assert result.status == "fail", result
    assert "malformed" in result.detail, result.detail  # refused before any set was built
    assert elapsed < 3.0, elapsed  # the run, the 4 MB record and its refusal


def test_a_record_far_larger_than_the_expected_output_is_never_parsed() -> None:
    big = json.dumps({"s": "ok", "o": list(range(200_000))})[:-1]
    text = f'N {{"k": "load", "s": "ok"}}\nN {big}, "k": "test", "i": 0, "t": 0.01}}\nN {{"k": "done"}}\n'
    records = Records.parse(text, "N", None, lambda i: 16 * 3 + 4096)
    assert records.tests[0].get("s") == "oversize" and "o" not in records.tests[0]
    verdict = Verdict("prog", ["test 0"], [1.0], 5.0, lambda i, out: True)
    assert verdict.final(records, None).status == "fail"


def test_a_value_where_a_digest_is_expected_is_not_decoded() -> None:
    value = json.dumps(_forged_sets(1, 3))
    text = (f'N {{"k": "load", "s": "ok"}}\nN {{"s": "ok", "o": {value}, "k": "test", "i": 0, "t": 0.01}}\n'
            'N {"k": "done"}\n')  # fmt: skip
    seen: list[object] = []
    verdict = Verdict("prog", ["test 0"], [1.0], 5.0, lambda i, out: seen.append(out) or True, lambda i: True)
    assert verdict.final(Records.parse(text, "N"), None).status == "fail"
    assert seen == []  # the judge never saw a decoded value


# ----------------------------------------------------------------------------- honest programs


@pytest.fixture(scope="module")
def humaneval(shared_data: Path) -> dict[str, Problem]:
    return load_benchmark("humaneval", data_dir=shared_data).by_id()


def test_plain_humaneval_33_checks_the_candidate_against_the_reference(
    verifier: CodeVerifier, humaneval: dict[str, Problem]
) -> None:
    problem = humaneval["HumanEval/33"]
    prompt, canonical = problem.metadata["prompt"], problem.metadata["canonical_solution"]
    other = (
        "    l = list(l)\n    third = sorted(l[::3])\n"
        "    return [third[i // 3] if i % 3 == 0 else v for i, v in enumerate(l)]\n"
    )
    assert verifier.check(problem, prompt + canonical).status == "pass"
    assert verifier.check(problem, prompt + other).status == "pass"
    assert verifier.check(problem, prompt + "    return list(l)\n").status == "fail"


def test_helpers_the_check_calls_are_the_prompts_not_the_candidates(
    verifier: CodeVerifier, humaneval: dict[str, Problem]
) -> None:
    # HumanEval/38's check encodes with encode_cyclic and expects decode_cyclic to invert it: a
    # candidate that redefines both as the identity must not pass.
    problem = humaneval["HumanEval/38"]
    cheat = "def encode_cyclic(s):\n    return s\n\n\ndef decode_cyclic(s):\n    return s\n"
    assert verifier.check(problem, cheat).status == "fail"
    assert verifier.check(problem, problem.target).status == "pass"


@pytest.mark.parametrize("ending", ["quit()", "exit()", "exit(0)", "quit(0)"])
def test_a_stdin_program_that_quits_after_printing_passes(verifier: CodeVerifier, ending: str) -> None:
    problem = stdin_problem("6\n")
    assert verifier.check(problem, f"print(int(input()) * 2)\n{ending}\nprint('unreachable')\n").status == "pass"
    assert verifier.check(problem, f"print(int(input()) * 3)\n{ending}\n").status == "fail"


def test_a_function_that_quits_instead_of_returning_does_not_pass(verifier: CodeVerifier) -> None:
    result = verifier.check(call_problem(2), "class Solution:\n    def f(self, x):\n        quit()\n")
    assert result.status in ("fail", "error"), result


def test_numpy_solutions_pass(verifier: CodeVerifier, shared_data: Path) -> None:
    plus = load_benchmark("humaneval_plus", data_dir=shared_data, limit=1).problems[0]  # has_close_elements
    program = (
        "import numpy as np\n\n\ndef has_close_elements(numbers, threshold):\n"
        "    a = np.sort(np.asarray(numbers, dtype=float))\n"
        "    return bool(len(a) > 1 and np.min(np.diff(a)) < threshold)\n"
    )
    assert verifier.check(plus, program).status == "pass"
    # numpy scalars come back as their plain values
    assert verifier.check(call_problem(6), "import numpy\nclass Solution:\n    def f(self, x):\n"
                                           "        return numpy.int64(x) * 6\n").status == "pass"  # fmt: skip


def _tiers() -> list[str]:
    out = []
    for tier in ("bwrap", "unshare"):
        try:
            sandbox_capabilities(isolation=tier)
        except RuntimeError:
            continue
        out.append(tier)
    return out


@pytest.mark.parametrize("tier", _tiers())
def test_only_numpy_is_importable_and_it_is_read_only(tier: str) -> None:
    probe = (
        "import numpy, os\nprint('numpy', numpy.linalg.det(numpy.eye(2)))\n"
        "for name in ('passbound', 'pydantic', 'pytest', 'math_verify'):\n"
        "    try:\n        __import__(name)\n        print('importable', name)\n"
        "    except ImportError:\n        pass\n"
        "print('writable' if os.access(numpy.__file__, os.W_OK) else 'read-only')\n"
    )
    result = Sandbox(isolation=tier, memory_mb=1024).run(probe, timeout=30)
    assert result.status == "ok", result.stderr[-400:]
    lines = result.stdout.split()
    assert lines[:2] == ["numpy", "1.0"] and "importable" not in lines
    if sandbox_capabilities(isolation=tier)["unprivileged_uid"]:
        assert lines[-1] == "read-only"
