"""The harness's side of one run: send the program and its tests, write a record per result.

Why a module of its own: this is where verdict-bearing records are made, from the harness's own
clock and under the per-run nonce, on a private copy of stdout that the candidate's process
never holds. Plain HumanEval's ``check()`` runs here too, with the candidate behind a proxy.
"""

import json

from .codec import decode, encode
from .protocol import _CAP, _EOF, _STOP, _read_line


def _private_stdout():
    """A private copy of stdout for the records; fds 1 and 2 then point at /dev/null."""
    import os

    out_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    return out_fd


# Records wait in memory and go out in large pieces (one write per test would wake the host per
# test), but never wait longer than this while the harness waits on the candidate: the host
# judges records as they come and stops a run at its first wrong output.
FLUSH_S = 0.002


def _drive(child, builtins, spec, source, out_fd, stop_fd=None):
    """Send the candidate its program and tests; write a record per result on ``out_fd``.

    ``stop_fd``: a zygote's request pipe; a byte there while the tests run (the host's verdict
    is decided: a wrong output) ends the run early. Nothing else arrives there during a run."""
    import os
    import time

    pending = []
    last = [time.monotonic()]

    def flush():
        data = memoryview(b"".join(pending))
        del pending[:]
        last[0] = time.monotonic()
        while data:
            data = data[os.write(out_fd, data):]

    def write(fd, data):
        pending.append(data)
        if len(pending) >= 256:
            flush()

    def before_wait():
        if pending and time.monotonic() - last[0] > FLUSH_S:
            flush()

    try:
        _drive_records(child, builtins, spec, source, out_fd, write, before_wait, stop_fd)
    finally:
        flush()


def _drive_records(child, builtins, spec, source, out_fd, write, before_wait, stop_fd):
    import time

    nonce = spec.pop("nonce")
    dumps = json.dumps
    prefix = ("\n" + nonce + " ").encode()

    def emit(record):
        write(out_fd, prefix + dumps(record).encode() + b"\n")

    mode, limits, tests = spec["mode"], spec["limits"], spec["tests"]
    child.cap = 2 * spec["max_output_bytes"] + (1 << 20)  # what the sandbox could pass on anyway
    load = {"mode": mode, "source": source, "entry_point": spec.get("entry_point"),
            "digest": spec.get("digest"), "digest_over": spec.get("digest_over"), "set_starts": spec.get("set_starts"),
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

    # Test 0's clock starts as the batch is sent, not at "ready": the candidate's code can run
    # before "ready" (a patched ``decode`` in its process), and work done there must be timed.
    start = time.monotonic()
    reply, _ = child.ask({"tests": tests}, spec["load_limit"])
    if reply is _EOF:
        return
    if reply is None or reply.get("s") != "ready":
        emit({"k": "load", "s": "exc", "e": "the program did not take its tests"})
        return
    for i in range(len(tests)):
        if b"\n" not in child.buf[0]:
            before_wait()
        line = _read_line(child.res_fd, child.buf, start + limits[i], child.cap, stop_fd)
        now = time.monotonic()
        if line is _STOP:
            return  # the host has its verdict: no more records, no "done"
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


class _TimeLimit(BaseException):
    """A call past its limit (BaseException: ``except Exception`` in a test won't swallow it)."""


class _Ended(BaseException):
    """The candidate's process ended during a call."""
