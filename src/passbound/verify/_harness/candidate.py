"""The candidate's process: forked first, it loads the program and answers one test per line.

Why a module of its own: this is the only code that runs next to the untrusted program, and
everything that keeps it away from the records lives here: the fork happens before any secret
is read, the child keeps only its two pipes (stdin, stdout and stderr on /dev/null), and
``_Child`` is the harness's handle on it (a request, its reply timed by the harness's clock
under a size cap, and SIGKILL).
"""

import json

from .codec import decode, decode_trusted, digest, encode, is_floats
from .protocol import _CAP, _EOF, _read_line

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


def _candidate(req_fd, res_fd):
    """The child: load the candidate, then answer one request per line. Never returns."""
    import builtins
    import io
    import os
    import sys

    write, dumps, loads = os.write, json.dumps, json.loads
    buf = [b""]
    if not hasattr(builtins, "quit"):  # ``python -S`` has no site, so none of site's exit()/quit()

        def _quit(code=None):
            raise SystemExit(code)  # as site's: a stdin program that calls it has ended normally

        # typeshed types these as site's Quitter; without site, a plain function stands in
        builtins.exit = builtins.quit = _quit  # type: ignore[assignment]

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
    # The reference run: plain outputs travel as digests, except where evalplus compares with a
    # tolerance: float-valued outputs, and every later output of the same test set (evalplus's
    # atol, once set by a float-valued expected output, sticks for the rest of the set).
    set_starts, tolerant = spec.get("set_starts") or [0], set()

    def payload(i, value):
        if i in digest_tests:
            return {"h": digest(value)[0]}
        if digest_over is not None:
            test_set = sum(1 for start in set_starts if start <= i)
            if is_floats(value):
                tolerant.add(test_set)
            elif test_set not in tolerant:
                flags: set[str] = set()
                h, size = digest(value, flags)
                if size > digest_over and not flags:
                    return {"h": h, "n": size}
        return {"o": encode(value)}

    try:
        code = compile(source, "solution.py", "exec", dont_inherit=True)
        if mode == "stdio":
            preamble = compile(LCB_PREAMBLE, "preamble.py", "exec", dont_inherit=True)
        else:
            g: dict = {"__name__": "solution", "__builtins__": builtins}
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
                sys.stdin = open(0, encoding="utf-8", closefd=False)
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
        if line.startswith(b'{"tests": '):
            # A batch: every input decoded first, "ready", then one reply per test in order; the
            # harness times each test as the gap between two replies.
            tests = decode_trusted(line)["tests"]
            tests = tests if mode == "stdio" else [(a, {}) for a in tests]
            reply({"s": "ready"})
            for i, test in enumerate(tests):
                reply(run_one(i, test))
            continue
        req = loads(line)
        args, kwargs = decode(req["args"]), decode(req.get("kwargs") or {"~d": []})
        reply(run_one(req["i"], (args, kwargs)))


class _Child:
    """The harness's handle on the candidate process: send a request, time the reply, kill."""

    def __init__(self, pid, req_fd, res_fd):
        self.pid, self.req_fd, self.res_fd, self.buf = pid, req_fd, res_fd, [b""]
        self.cap = MAX_REPLY_BYTES

    def ask(self, message, limit, raw=None):
        """(reply, seconds by the harness's clock): a dict, None on timeout, ``_EOF`` when the
        candidate's process ended (an exit or a crash: no result, so never a pass). ``raw``:
        ``message`` already as one line of JSON."""
        import os
        import time

        start = time.monotonic()
        try:
            os.write(self.req_fd, (raw if raw is not None else json.dumps(message).encode()) + b"\n")
        except OSError:
            return _EOF, time.monotonic() - start
        reply = self.answer(start + limit)
        return reply, time.monotonic() - start

    def answer(self, deadline):
        """The reply to the request last sent, as ``ask`` returns it (None: not by ``deadline``)."""
        line = _read_line(self.res_fd, self.buf, deadline, self.cap)
        if line is _CAP:
            return {"s": "output_limit"}
        if line is None or line is _EOF:
            return line
        try:
            reply = json.loads(line)
        except (ValueError, RecursionError, MemoryError):
            return {"s": "exc", "e": "malformed reply"}
        if not isinstance(reply, dict) or reply.get("s") not in ("ok", "exc", "output_limit", "ready"):
            return {"s": "exc", "e": "malformed reply"}
        return reply

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
