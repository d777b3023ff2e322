"""The test harness that runs *inside* the sandbox, plus the wire codec both sides share.

This file is shipped verbatim into the sandbox as its ``__main__`` (stdlib only, no passbound
imports) and is also imported by the trusted grader for ``encode``/``decode``. The harness
does not judge anything: it forks the candidate's process first, then sends it each test input
and reports what came back, timed by its own clock and tagged with a per-run nonce, on a private
copy of stdout. The grader compares (see code.py).

Run-time files in the working directory, read and deleted by the harness (never by the
candidate's process, which is forked before and gets the program over a pipe): ``spec.json``
and ``solution.py``.

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


class _OutputLimit(BaseException):
    pass


# The candidate runs in a child process of the harness; they speak one JSON line per message
# over two pipes. The child never holds the nonce, the private stdout copy or the spec file (it
# is forked before they are read), so nothing it does can write or rewrite a record; the harness
# times each call by its own clock, outside the candidate's process, with the result serialised
# inside the timed span, and kills the child at the limit.
MAX_REPLY_BYTES = 1 << 30


_EOF = object()  # the child is gone (it exited or was killed from inside)
_CAP = object()  # the child sent more than any result may be


def _read_line(fd, buf, deadline, cap):
    """One newline-terminated message from ``fd``: None on timeout, ``_CAP`` past ``cap`` bytes,
    ``_EOF`` when the writer is gone."""
    import os
    import select
    import time

    while b"\n" not in buf[0]:
        left = None if deadline == float("inf") else deadline - time.monotonic()
        if len(buf[0]) > cap:
            return _CAP
        if left is not None and left <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            return None
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return _EOF
        buf[0] += chunk
    line, _, rest = buf[0].partition(b"\n")
    buf[0] = rest
    return line


def _candidate(req_fd, res_fd):
    """The child: load the candidate, then answer one request per line. Never returns."""
    import builtins
    import io
    import os
    import sys

    write, dumps, loads = os.write, json.dumps, json.loads
    buf = [b""]

    def reply(obj):
        try:
            data = dumps(obj)
        except BaseException as exc:  # noqa: BLE001 - cyclic / absurdly nested
            data = dumps({"s": "ok", "o": {"~x": "unencodable (%s)" % type(exc).__name__}})
        write(res_fd, data.encode() + b"\n")

    def describe(exc):
        return ("%s: %s" % (type(exc).__name__, exc))[:300]

    line = _read_line(req_fd, buf, float("inf"), MAX_REPLY_BYTES)
    if line is None or line is _EOF:
        os._exit(0)
    spec = loads(line)
    mode, source = spec["mode"], spec["source"]
    digest_tests, digest_over = set(spec.get("digest") or ()), spec.get("digest_over")

    def payload(i, value):
        if i in digest_tests:
            return {"h": digest(value)[0]}
        if digest_over is not None:  # the reference run: big plain outputs travel as digests
            flags = set()
            h, size = digest(value, flags)
            if size > digest_over and not flags and not is_floats(value):
                return {"h": h, "n": size}
        return {"o": encode(value)}

    try:
        code = compile(source, "solution.py", "exec", dont_inherit=True)
        if mode == "stdio":
            preamble = compile(LCB_PREAMBLE, "preamble.py", "exec", dont_inherit=True)
        else:
            g = {"__name__": "solution", "__builtins__": builtins}
            if mode == "lcb_call":
                exec(LCB_PREAMBLE, g)
            exec(code, g)
            if mode == "lcb_call" and "class Solution" in source:
                fn = getattr(g["Solution"](), spec["entry_point"])
            else:
                fn = g[spec["entry_point"]]
    except BaseException as exc:  # noqa: BLE001 - SyntaxError, import errors, SystemExit ...
        reply({"s": "exc", "e": describe(exc)})
        os._exit(0)
    reply({"s": "ok"})
    max_bytes = spec["max_output_bytes"]

    class Capped(io.BytesIO):
        def write(self, b):
            if self.tell() + len(b) > max_bytes:
                raise _OutputLimit()
            return io.BytesIO.write(self, b)

        def close(self):  # a program that closes stdout keeps what it wrote
            pass

    def run_one(i, req):
        """The reply for one test: {"s": ...} first, so the harness can read the status cheaply."""
        try:
            if mode == "stdio":
                path = "stdin.%d" % i
                with open(path, "w", encoding="utf-8") as f:
                    f.write(req)
                fd = os.open(path, os.O_RDONLY)
                os.dup2(fd, 0)
                os.close(fd)
                os.remove(path)
                out = Capped()
                sys.stdin = open(0, "r", encoding="utf-8", closefd=False)
                sys.stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
                g = {"__name__": "__main__", "__builtins__": builtins}
                try:
                    exec(preamble, g)
                    exec(code, g)
                except SystemExit:  # exit() after printing the answer is normal for stdin programs
                    pass
                sys.stdout.flush()
                value = out.getvalue().decode("utf-8", "replace")
            else:
                value = fn(*req[0], **req[1])
            result = {"s": "ok"}
            result.update(payload(i, value))
            return result
        except _OutputLimit:
            return {"s": "output_limit"}
        except BaseException as exc:  # noqa: BLE001 - the candidate's exceptions, SystemExit too
            return {"s": "exc", "e": describe(exc)}

    while True:
        line = _read_line(req_fd, buf, float("inf"), MAX_REPLY_BYTES)
        if line is None or line is _EOF:
            os._exit(0)
        req = loads(line)
        if "tests" in req:
            # A batch: every input decoded first, "ready", then one reply per test in order; the
            # harness times each test as the gap between two replies.
            tests = req["tests"] if mode == "stdio" else [(decode(a), {}) for a in req["tests"]]
            reply({"s": "ready"})
            for i, test in enumerate(tests):
                reply(run_one(i, test))
            continue
        args, kwargs = decode(req["args"]), decode(req.get("kwargs") or {"~d": []})
        reply(run_one(req["i"], (args, kwargs)))


class _Child:
    """The harness's handle on the candidate process: send a request, time the reply, kill."""

    def __init__(self, pid, req_fd, res_fd):
        self.pid, self.req_fd, self.res_fd, self.buf = pid, req_fd, res_fd, [b""]
        self.cap = MAX_REPLY_BYTES

    def ask(self, message, limit):
        """(reply, seconds by the harness's clock): a dict, None on timeout, ``_EOF`` when the
        candidate's process ended (an exit or a crash: no result, so never a pass)."""
        import os
        import time

        start = time.monotonic()
        try:
            os.write(self.req_fd, json.dumps(message).encode() + b"\n")
        except OSError:
            return _EOF, time.monotonic() - start
        line = _read_line(self.res_fd, self.buf, start + limit, self.cap)
        elapsed = time.monotonic() - start
        if line is _CAP:
            return {"s": "output_limit"}, elapsed
        if line is None or line is _EOF:
            return line, elapsed
        try:
            reply = json.loads(line)
        except (ValueError, RecursionError, MemoryError):
            return {"s": "exc", "e": "malformed reply"}, elapsed
        if not isinstance(reply, dict) or reply.get("s") not in ("ok", "exc", "output_limit", "ready"):
            return {"s": "exc", "e": "malformed reply"}, elapsed
        return reply, elapsed

    def kill(self):
        import os
        import signal

        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except OSError:
            pass


def _fork_candidate():
    """Fork the candidate's process (before any secret is read) and return the harness's handle."""
    import os

    req_r, req_w = os.pipe()
    res_r, res_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        # The child keeps only its two pipes: stdin, stdout and stderr go to /dev/null (in a
        # zygote fd 0 carries the next requests, fd 1 every run's records).
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        keep = {0, 1, 2, req_r, res_w}
        for fd in range(3, max(keep) + 64):
            if fd not in keep:
                try:
                    os.close(fd)
                except OSError:
                    pass
        try:
            _candidate(req_r, res_w)
        finally:
            os._exit(0)
    os.close(req_r)
    os.close(res_w)
    return _Child(pid, req_w, res_r)


def _private_stdout():
    """A private copy of stdout for the records; fds 1 and 2 then point at /dev/null."""
    import os

    out_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    return out_fd


def _main():
    """One run per interpreter: the spec and the program come as files in the work dir."""
    import builtins
    import os

    child = _fork_candidate()
    try:
        with open("spec.json", encoding="utf-8") as f:
            spec = json.load(f)
        with open("solution.py", encoding="utf-8") as f:
            source = f.read()
        os.remove("spec.json")
        os.remove("solution.py")
        _drive(child, builtins, spec, source, _private_stdout())
    finally:
        child.kill()


def _drive(child, builtins, spec, source, out_fd):
    """Send the candidate its program and tests; write a record per result on ``out_fd``
    (collected and written in large pieces: one write per test would wake the host per test)."""
    import os

    pending = []

    def write(fd, data):
        pending.append(data)
        if len(pending) >= 256:
            os.write(fd, b"".join(pending))
            del pending[:]

    try:
        _drive_records(child, builtins, spec, source, out_fd, write)
    finally:
        data = memoryview(b"".join(pending))
        while data:
            data = data[os.write(out_fd, data):]


def _drive_records(child, builtins, spec, source, out_fd, write):
    import time

    nonce = spec.pop("nonce")
    dumps = json.dumps
    prefix = ("\n" + nonce + " ").encode()

    def emit(record):
        write(out_fd, prefix + dumps(record).encode() + b"\n")

    mode, limits, tests = spec["mode"], spec["limits"], spec["tests"]
    child.cap = 2 * spec["max_output_bytes"] + (1 << 20)  # what the sandbox could pass on anyway
    load = {"mode": mode, "source": source, "entry_point": spec.get("entry_point"),
            "digest": spec.get("digest"), "digest_over": spec.get("digest_over"),
            "max_output_bytes": spec["max_output_bytes"]}
    if mode == "check":
        # The test code (trusted prompt + check) runs here, in the harness, never in the child.
        test_globals = {"__builtins__": dict(builtins.__dict__), "__name__": "harness_test"}
        exec(compile(spec["prompt"] + "\n" + spec["test"], "test.py", "exec"), test_globals)
        check = test_globals["check"]
        load["mode"] = "function"
    reply, _ = child.ask(load, spec["load_limit"])
    if reply is _EOF:
        return  # the program ended while loading: no load record, an error
    if reply is None:
        emit({"k": "load", "s": "timeout"})
        return
    if reply["s"] != "ok":
        emit({"k": "load", "s": "exc", "e": str(reply.get("e", "?"))[:300]})
        return
    emit({"k": "load", "s": "ok"})

    if mode == "check":
        deadline = time.monotonic() + limits[0]

        class _Failed(Exception):
            pass

        def candidate(*args, **kwargs):
            message = {"i": 0, "args": encode(list(args)), "kwargs": encode(dict(kwargs))}
            reply, _ = child.ask(message, max(0.0, deadline - time.monotonic()))
            if reply is _EOF:
                raise _Ended()
            if reply is None:
                raise _TimeLimit()
            if reply["s"] != "ok" or "o" not in reply:
                raise _Failed(str(reply.get("e", reply["s"]))[:300])
            return decode(reply["o"])

        start = time.monotonic()
        try:
            check(candidate)
        except _TimeLimit:
            emit({"k": "test", "i": 0, "s": "timeout", "t": limits[0]})
            return
        except _Ended:
            return
        except BaseException as exc:  # noqa: BLE001 - a failed assertion, the candidate's errors
            emit({"k": "test", "i": 0, "s": "exc", "e": ("%s: %s" % (type(exc).__name__, exc))[:300]})
            return
        emit({"k": "test", "i": 0, "s": "ok", "t": time.monotonic() - start, "o": None})
        emit({"k": "done"})
        return

    reply, _ = child.ask({"tests": tests}, spec["load_limit"])
    if reply is _EOF:
        return
    if reply is None or reply.get("s") != "ready":
        emit({"k": "load", "s": "exc", "e": "the program did not take its tests"})
        return
    start = time.monotonic()
    for i in range(len(tests)):
        line = _read_line(child.res_fd, child.buf, start + limits[i], child.cap)
        now = time.monotonic()
        if line is _EOF:
            return  # the program ended: no record, an error
        if line is None:
            emit({"k": "test", "i": i, "s": "timeout", "t": limits[i]})
            return
        if line is _CAP:
            emit({"k": "test", "i": i, "s": "output_limit"})
            return
        if not (line.startswith(b'{"s": "') and line.endswith(b"}")):
            emit({"k": "test", "i": i, "s": "exc", "e": "malformed reply"})
            return
        # The child's fields, then the harness's own: a JSON object keeps the last of duplicate
        # keys, so "k", "i" and "t" are the harness's whatever the child wrote. A line that is not
        # one JSON object makes the whole record unreadable: no record, never a pass.
        write(out_fd, prefix + line[:-1] + (', "k": "test", "i": %d, "t": %r}\n' % (i, now - start)).encode())
        if not line.startswith(b'{"s": "ok"'):
            return
        start = now
    emit({"k": "done"})


# ----------------------------------------------------------------------------- zygote
# ``program.py zygote <tag>``: one interpreter serves run after run (see passbound.sandbox's
# SandboxServer for the host side). Requests arrive on fd 0 as ``<length>\n<JSON>``; each run's
# records go to fd 1, then ``\n<tag> end <wait status>\n`` once every process of the run is
# gone and the writable places are empty again. The zygote itself never reads a request: per
# run it forks a harness, which forks the candidate and only then reads the request, so no
# process a candidate could inherit from ever held a nonce.


def _read_request(fd):
    """One framed request from ``fd`` (read exactly, never past it), or None at end of input."""
    import os

    header = b""
    while not header.endswith(b"\n"):
        byte = os.read(fd, 1)
        if not byte or len(header) > 20:
            return None
        header += byte
    size, body = int(header), []
    while size > 0:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        body.append(chunk)
        size -= len(chunk)
    return json.loads(b"".join(body))


def _serve_one():
    """A zygote's run: the harness of one program (exit 3: no more requests)."""
    import builtins
    import resource

    child = _fork_candidate()
    try:
        request = _read_request(0)
        if request is None:
            return 3
        cpu = request.get("cpu_seconds")
        if cpu:  # per run: the zygote's own limit is set for its whole life
            for pid in (0, child.pid):
                resource.prlimit(pid, resource.RLIMIT_CPU, (int(cpu), int(cpu) + 1))
        _drive(child, builtins, request["spec"], request["source"], _private_stdout())
    finally:
        child.kill()
    return 0


def _kill_the_rest():
    """SIGKILL every process of the sandbox but this one (and the namespace's init), then reap
    them: as a child subreaper, whatever escaped by double-forking is our child too."""
    import os
    import signal

    for _ in range(3):
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass  # ESRCH: nothing else is left
        while True:
            try:
                os.wait()
            except ChildProcessError:
                break


def _empty(path, keep=()):
    """Delete everything in ``path`` but ``keep``; True when nothing else is left."""
    import os
    import subprocess

    try:
        extra = [os.path.join(path, n) for n in os.listdir(path) if n not in keep]
    except OSError:
        return True
    if not extra:
        return True
    for argv in (["rm", "-rf", "--"], ["chmod", "-R", "u+rwx", "--"], ["rm", "-rf", "--"]):
        try:
            subprocess.run(argv + extra, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
        except OSError:
            break
        if not any(os.path.lexists(p) for p in extra):
            return True
    return False


def _zygote(tag):
    import ctypes
    import os

    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    home = os.getcwd()
    keep = set(os.listdir(home))
    # /tmp is writable where the sandbox has its own user namespace; the work dir may be in it.
    above = {os.path.relpath(home, "/tmp").split(os.sep)[0]} if home.startswith("/tmp/") else set()
    os.write(1, ("%s ready\n" % tag).encode())
    seq = 0
    while True:
        seq += 1
        run_dir = os.path.join(home, "run%d" % seq)
        os.mkdir(run_dir, 0o700)
        pid = os.fork()
        if pid == 0:
            code = 70
            try:
                os.chdir(run_dir)
                code = _serve_one()
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        _kill_the_rest()
        clean = _empty(home, keep) and _empty("/tmp", above)
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 3:
            return
        os.write(1, ("\n%s end %d\n" % (tag, status)).encode())
        if not clean:
            return  # something would not go: the host starts a fresh sandbox



class _TimeLimit(BaseException):
    """A call past its limit (BaseException: ``except Exception`` in a test won't swallow it)."""


class _Ended(BaseException):
    """The candidate's process ended during a call."""


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["zygote"]:
        _zygote(sys.argv[2])
    else:
        _main()
