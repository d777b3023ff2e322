"""The test harness that runs *inside* the sandbox, plus the wire codec both sides share.

This file is shipped verbatim into the sandbox as its ``__main__`` (stdlib only, no passbound
imports) and is also imported by the trusted grader for ``encode``/``decode``. The harness
does not judge anything: it runs the candidate on each test input and reports what came out,
tagged with a per-run nonce, on a private copy of stdout. The grader compares (see code.py).

Run-time files in the working directory (deleted by the harness before any candidate code runs,
so the candidate cannot read the nonce from disk): ``spec.json`` and ``solution.py``.

Modes: ``function`` (evalplus: call ``entry_point(*args)``), ``lcb_call`` (LiveCodeBench
LeetCode-style: ``Solution().fn_name(*args)``), ``stdio`` (run the program as ``__main__`` once
per input with that stdin, capture stdout), ``check`` (plain HumanEval: ``check(candidate)``).

Record lines: ``<nonce> {"k": "load"|"test"|"done", ...}``; a test record has ``i`` (index),
``s`` ("ok", "exc", "timeout", "output_limit"), ``o`` (encoded output) or ``h`` (its digest),
``t`` (seconds), ``e`` (the exception).

Large outputs: evalplus has references whose outputs run to 100-250 MB (HumanEval/15, /130,
Mbpp/255). For tests listed in ``spec["digest"]`` the harness sends ``digest(value)`` instead of
the value: SHA-256 of a canonical text in which values that are ``==`` get the same text
(``1``, ``1.0`` and ``True`` alike; dict and set order ignored; tuples still differ from lists),
so equal digests mean equal values. The reference run picks those tests itself
(``spec["digest_over"]``: outputs whose canonical text is longer than that, unless
float-valued, NaN or unserialisable, which need the full comparison).
"""

import hashlib
import json
import math

# ----------------------------------------------------------------------------- wire codec
# JSON with tags for what JSON cannot say. A JSON object on the wire is always a tag, so the
# encoding is unambiguous; only plain builtin types cross (anything else becomes an opaque
# marker that equals nothing), so no object with a rigged __eq__ reaches the grader.

_BIG = 1 << 63


def encode(x, depth=0):
    """A JSON-able tree for ``x`` (plain types only; subclasses are reduced to their base)."""
    if depth > 200:
        raise ValueError("nested too deeply")
    t = type(x)
    if x is None or t is bool or t is str:
        return x
    if t is int:
        return x if -_BIG < x < _BIG else {"~i": hex(x)}  # hex: no int->str digit limit
    if t is float:
        return x if math.isfinite(x) else {"~f": repr(x)}
    d = depth + 1
    if t is list:
        return [encode(v, d) for v in x]
    if t is tuple:
        return {"~t": [encode(v, d) for v in x]}
    if t is dict:
        return {"~d": [[encode(k, d), encode(v, d)] for k, v in x.items()]}
    if t is set or t is frozenset:
        return {"~s" if t is set else "~z": [encode(v, d) for v in x]}
    if t is complex:
        return {"~c": [encode(x.real, d), encode(x.imag, d)]}
    if t is bytes:
        return {"~b": x.hex()}
    # Subclasses (IntEnum, Counter, namedtuple, numpy scalars ...) as their plain value.
    for base in (bool, int, float, str, complex, bytes, tuple, list, dict, frozenset, set):
        if isinstance(x, base):
            return encode(dict(x.items()) if base is dict else base(x), depth)
    if t.__module__ == "numpy" and hasattr(x, "item") and getattr(x, "shape", None) == ():
        return encode(x.item(), depth)
    return {"~x": t.__name__[:80]}


class Opaque:
    """A value that did not cross the wire (e.g. a generator): not None, equal only to itself."""

    __slots__ = ("type_name",)

    def __init__(self, type_name):
        self.type_name = type_name

    def __repr__(self):
        return "<unserialisable %s>" % self.type_name


# A decoded record is forged input to the grader: bounded in depth, and a set or dict whose
# members collide in hash (ints that are equal modulo 2**61 - 1) would make building it quadratic.
MAX_DECODE_DEPTH = 250
_COLLISION_CHECK_AT = 512


def decode(v, depth=0):
    """The Python value for an ``encode`` tree (raises ValueError on malformed or hostile input)."""
    if depth > MAX_DECODE_DEPTH:
        raise ValueError("nested too deeply")
    t = type(v)
    d = depth + 1
    if t is list:
        return [decode(x, d) for x in v]
    if t is not dict:
        return v
    if len(v) != 1:
        raise ValueError("malformed tagged value")
    (tag, body), = v.items()
    if tag == "~t":
        return tuple(decode(x, d) for x in body)
    if tag == "~d":
        pairs = [(decode(k, d), decode(x, d)) for k, x in body]
        _refuse_collisions([k for k, _ in pairs])
        return dict(pairs)
    if tag in ("~s", "~z"):
        members = [decode(x, d) for x in body]
        _refuse_collisions(members)
        return set(members) if tag == "~s" else frozenset(members)
    if tag == "~i":
        return int(body, 16)
    if tag == "~f":
        return float(body)
    if tag == "~c":
        return complex(decode(body[0], d), decode(body[1], d))
    if tag == "~b":
        return bytes.fromhex(body)
    if tag == "~x":
        return Opaque(str(body))
    raise ValueError("unknown tag %r" % tag)


def _refuse_collisions(members):
    """Raise on members whose hashes mostly coincide (no real output has that; building it is
    quadratic). Counting distinct hashes is linear: equal hashes are equal ints."""
    if len(members) < _COLLISION_CHECK_AT:
        return
    try:
        distinct = len({hash(m) for m in members})
    except TypeError:
        raise ValueError("unhashable set member") from None
    if distinct * 10 < len(members) * 9:
        raise ValueError("set or dict members collide in hash")


# ----------------------------------------------------------------------------- digests


def _leaf(x, flags):
    """Canonical text of a scalar (``==`` values get the same text: 1, 1.0, True, 1+0j)."""
    t = type(x)
    if t is str:
        return json.dumps(x)
    if t is bool:
        return "1" if x else "0"
    if t is int:
        return repr(x) if -_BIG < x < _BIG else '{"~i": "%s"}' % hex(x)
    if t is float:
        if x != x:
            flags.add("nan")
            return '{"~f": "nan"}'
        if math.isinf(x):
            return '{"~f": "%r"}' % x
        return _leaf(int(x), flags) if x.is_integer() else repr(x)
    if x is None:
        return "null"
    if t is complex:
        if x.imag == 0:
            return _leaf(x.real, flags)
        return '{"~c": [%s, %s]}' % (_leaf(x.real, flags), _leaf(x.imag, flags))
    if t is bytes:
        return '{"~b": "%s"}' % x.hex()
    return None


def _canon(x, flags, depth=0):
    """Canonical text of any value: containers by structure (dict and set items sorted)."""
    if depth > 200:
        raise ValueError("nested too deeply")
    leaf = _leaf(x, flags)
    if leaf is not None:
        return leaf
    t = type(x)
    if t is list or t is tuple:
        return "".join(_sequence(x, flags, depth))
    if t is dict:
        items = sorted(_canon(k, flags, depth + 1) + ": " + _canon(v, flags, depth + 1) for k, v in x.items())
        return "{" + ", ".join(items) + "}"
    if t is set or t is frozenset:
        return "s{" + ", ".join(sorted(_canon(v, flags, depth + 1) for v in x)) + "}"
    plain = decode(encode(x))  # subclasses, numpy scalars -> plain values; others -> Opaque
    if type(plain) is Opaque:
        flags.add("opaque")
        return '{"~x": %s}' % json.dumps(plain.type_name)
    return _canon(plain, flags, depth + 1)


def _sequence(x, flags, depth):
    """Chunks of a list's or tuple's canonical text; all-str / all-int runs at C speed."""
    opening, closing = ("[", "]") if type(x) is list else ("(", ")")
    types = set(map(type, x))
    if types == {str} or (types == {int} and -_BIG < min(x) and max(x) < _BIG):
        yield opening + json.dumps(x)[1:-1] + closing
        return
    yield opening
    first = True
    for v in x:
        if not first:
            yield ", "
        first = False
        yield _canon(v, flags, depth + 1)
    yield closing


def digest(value, flags=None):
    """(SHA-256 hex of the canonical text of ``value``, its length in bytes). ``flags`` collects
    "nan" and "opaque": values whose digest cannot stand for them in a comparison."""
    flags = set() if flags is None else flags
    h, size = hashlib.sha256(), 0
    chunks = _sequence(value, flags, 0) if type(value) in (list, tuple) else [_canon(value, flags)]
    buf = []
    for chunk in chunks:  # the top level streams: a 1 GB output never exists as one string
        buf.append(chunk)
        if len(buf) >= 4096:
            data = "".join(buf).encode()
            h.update(data)
            size += len(data)
            buf = []
    data = "".join(buf).encode()
    h.update(data)
    return h.hexdigest(), size + len(data)


def is_floats(x):
    """evalplus's ``is_floats``: a float or a non-empty list/tuple of floats."""
    if isinstance(x, float):
        return True
    return isinstance(x, (list, tuple)) and len(x) > 0 and all(isinstance(i, float) for i in x)


# ----------------------------------------------------------------------------- harness

# LiveCodeBench prepends these to every program (lcb_runner/evaluation/testing_util.py).
LCB_PREAMBLE = (
    "from string import *\nfrom re import *\nfrom datetime import *\nfrom collections import *\n"
    "from heapq import *\nfrom bisect import *\nfrom copy import *\nfrom math import *\n"
    "from random import *\nfrom statistics import *\nfrom itertools import *\nfrom functools import *\n"
    "from operator import *\nfrom io import *\nfrom sys import *\nfrom json import *\n"
    "from builtins import *\nfrom typing import *\nimport string\nimport re\nimport datetime\n"
    "import collections\nimport heapq\nimport bisect\nimport copy\nimport math\nimport random\n"
    "import statistics\nimport itertools\nimport functools\nimport operator\nimport io\nimport sys\n"
    "import json\nsys.setrecursionlimit(50000)\n"
)


class _TimeLimit(BaseException):
    """Raised by SIGALRM inside a test (BaseException: ``except Exception`` won't swallow it)."""


class _OutputLimit(BaseException):
    pass


def _main():
    import builtins
    import io
    import os
    import signal
    import sys
    import time

    with open("spec.json", encoding="utf-8") as f:
        spec = json.load(f)
    with open("solution.py", encoding="utf-8") as f:
        source = f.read()
    os.remove("spec.json")
    os.remove("solution.py")
    nonce = spec.pop("nonce")
    # Private channel: a copy of stdout; fds 1 and 2 then point at /dev/null for the candidate.
    out_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    write, dumps, perf = os.write, json.dumps, time.perf_counter
    prefix = ("\n" + nonce + " ").encode()

    def emit(record):
        write(out_fd, prefix + dumps(record).encode() + b"\n")

    def on_alarm(signum, frame):
        raise _TimeLimit()

    def run_timed(fn, limit):
        signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, limit)
        start = perf()
        try:
            return fn(), perf() - start
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    mode, limits, tests = spec["mode"], spec["limits"], spec["tests"]
    max_bytes = spec["max_output_bytes"]
    digest_tests = set(spec.get("digest") or ())
    digest_over = spec.get("digest_over")

    def payload(i, value):
        if i in digest_tests:
            return {"h": digest(value)[0]}
        if digest_over is not None:  # the reference run: big plain outputs travel as digests
            flags = set()
            h, size = digest(value, flags)
            if size > digest_over and not flags and not is_floats(value):
                return {"h": h, "n": size}
        return {"o": encode(value)}

    def describe(exc):
        return ("%s: %s" % (type(exc).__name__, exc))[:300]

    def report(i, fn):
        """Run test i and emit its record; False stops the run (first exception or timeout)."""
        try:
            value, elapsed = run_timed(fn, limits[i])
        except _TimeLimit:
            emit({"k": "test", "i": i, "s": "timeout", "t": limits[i]})
            return False
        except _OutputLimit:
            emit({"k": "test", "i": i, "s": "output_limit"})
            return False
        except BaseException as exc:  # noqa: BLE001 - the candidate's exceptions, SystemExit too
            emit({"k": "test", "i": i, "s": "exc", "e": describe(exc)})
            return False
        try:
            record = payload(i, value)
        except BaseException as exc:  # noqa: BLE001 - cyclic / absurdly nested / huge values
            record = {"o": {"~x": "unencodable (%s)" % type(exc).__name__}}
        record.update(k="test", i=i, s="ok", t=elapsed)
        emit(record)
        return True

    if mode == "check":
        # The test's globals: the (trusted) prompt and test code, with a private copy of the
        # builtins, set up before any candidate code runs.
        test_globals = {"__builtins__": dict(builtins.__dict__), "__name__": "harness_test"}
        exec(compile(spec["prompt"] + "\n" + spec["test"], "test.py", "exec"), test_globals)
        check = test_globals["check"]

    try:
        code = compile(source, "solution.py", "exec", dont_inherit=True)
        if mode == "stdio":
            preamble = compile(LCB_PREAMBLE, "preamble.py", "exec", dont_inherit=True)
        else:
            g = {"__name__": "solution", "__builtins__": builtins}
            if mode == "lcb_call":
                exec(LCB_PREAMBLE, g)
            run_timed(lambda: exec(code, g), spec["load_limit"])
            if mode == "lcb_call" and "class Solution" in source:
                fn = getattr(g["Solution"](), spec["entry_point"])
            else:
                fn = g[spec["entry_point"]]
    except _TimeLimit:
        emit({"k": "load", "s": "timeout"})
        return
    except BaseException as exc:  # noqa: BLE001 - SyntaxError, import errors, SystemExit ...
        emit({"k": "load", "s": "exc", "e": describe(exc)})
        return
    emit({"k": "load", "s": "ok"})

    if mode == "check":
        def roundtrip(*args, **kwargs):
            return decode(json.loads(dumps(encode(fn(*args, **kwargs)))))

        if report(0, lambda: check(roundtrip)):
            emit({"k": "done"})
        return

    if mode != "stdio":
        for i, args in enumerate(tests):
            args = decode(args)
            if not report(i, lambda: fn(*args)):
                return
        emit({"k": "done"})
        return

    class Capped(io.BytesIO):
        def write(self, b):
            if self.tell() + len(b) > max_bytes:
                raise _OutputLimit()
            return io.BytesIO.write(self, b)

        def close(self):  # a program that closes stdout keeps what it wrote
            pass

    real_stdin, real_stdout = sys.stdin, sys.stdout
    for i, text in enumerate(tests):
        path = "stdin.%d" % i
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        fd = os.open(path, os.O_RDONLY)
        os.dup2(fd, 0)
        os.close(fd)
        os.remove(path)
        buf = Capped()
        sys.stdin = open(0, "r", encoding="utf-8", closefd=False)
        sys.stdout = io.TextIOWrapper(buf, encoding="utf-8", write_through=True)

        def run_program():
            g = {"__name__": "__main__", "__builtins__": builtins}
            try:
                exec(preamble, g)
                exec(code, g)
            except SystemExit:  # exit() after printing the answer is normal for stdin programs
                pass
            sys.stdout.flush()
            return buf.getvalue().decode("utf-8", "replace")

        go_on = report(i, run_program)
        sys.stdin, sys.stdout = real_stdin, real_stdout
        if not go_on:
            return
    emit({"k": "done"})


if __name__ == "__main__":
    _main()
