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

    pending: list[bytes] = []
    last = [time.monotonic()]

    def flush():
        data = memoryview(b"".join(pending))
        del pending[:]
        last[0] = time.monotonic()
        while data:
            data = data[os.write(out_fd, data) :]

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

    mode, limits = spec["mode"], spec["limits"]
    # A zygote's request carries the tests as JSON text (``tests_raw``), sent on as it is.
    raw = spec.pop("tests_raw", None)
    n_tests = len(spec["tests"]) if raw is None else int(spec["n_tests"])
    child.cap = 2 * spec["max_output_bytes"] + (1 << 20)  # what the sandbox could pass on anyway
    load = {
        "mode": mode,
        "source": source,
        "entry_point": spec.get("entry_point"),
        "digest": spec.get("digest"),
        "digest_over": spec.get("digest_over"),
        "set_starts": spec.get("set_starts"),
        "max_output_bytes": spec["max_output_bytes"],
    }
    if mode == "check":
        # The test code (trusted prompt + check) runs here, in the harness, never in the child.
        test_globals: dict = {"__builtins__": dict(builtins.__dict__), "__name__": "harness_test"}
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
        # check() is timed like a test (``_Clock``), the harness's own waits for a CPU left out
        # too: it runs the asserts between the candidate's calls.
        limit, wall_factor = limits[0], float(spec.get("wall_factor") or 1.0)
        clock = _Clock(child.pid, stop_fd is not None, harness_too=True)
        start = time.monotonic()
        mark = clock.mark(start)

        class _Failed(Exception):
            pass

        def candidate(*args, **kwargs):
            message = {"i": 0, "args": encode(list(args)), "kwargs": encode(dict(kwargs))}
            reply, _ = child.ask(message, max(0.0, start + limit - time.monotonic()))
            while reply is None:  # past the limit in wall time: is it in charged time?
                now = time.monotonic()
                used = clock.charged(mark, now)
                if used >= limit or now - start >= wall_factor * limit:
                    raise _TimeLimit()
                reply = child.answer(min(start + wall_factor * limit, now + max(0.005, limit - used)))
            if reply is _EOF:
                raise _Ended()
            if reply["s"] != "ok" or "o" not in reply:
                raise _Failed(str(reply.get("e", reply["s"]))[:300])
            return decode(reply["o"])

        try:
            check(candidate)
            now = time.monotonic()
            if now - start > limit and clock.charged(mark, now) > limit:
                raise _TimeLimit()  # the asserts themselves took too long
        except _TimeLimit:
            emit({"k": "test", "i": 0, "s": "timeout", "t": limits[0]})
            return
        except _Ended:
            return
        except BaseException as exc:  # noqa: BLE001 - a failed assertion, the candidate's errors
            emit({"k": "test", "i": 0, "s": "exc", "e": ("%s: %s" % (type(exc).__name__, exc))[:300]})
            return
        emit({"k": "test", "i": 0, "s": "ok", "t": min(limit, clock.charged(mark, time.monotonic())), "o": None})
        emit({"k": "done"})
        return

    # Test 0's clock starts as the batch is sent, not at "ready": the candidate's code can run
    # before "ready" (a patched ``decode`` in its process), and work done there must be timed.
    clock = _Clock(child.pid, stop_fd is not None)
    wall_factor = float(spec.get("wall_factor") or 1.0)
    start = time.monotonic()
    mark = clock.mark(start)
    batch = b'{"tests": ' + raw + b"}" if raw is not None else None
    reply, _ = child.ask({"tests": spec.get("tests")}, spec["load_limit"], batch)
    if reply is _EOF:
        return
    if reply is None or reply.get("s") != "ready":
        emit({"k": "load", "s": "exc", "e": "the program did not take its tests"})
        return
    # All tests together get ``tests_budget`` seconds (evalplus's per-set budgets), charged the same way.
    budget = float(spec.get("tests_budget") or float("inf"))
    run_start, run_mark = start, mark

    def over_budget(now):
        return now - run_start > budget and clock.charged(run_mark, now) > budget

    for i in range(n_tests):
        if b"\n" not in child.buf[0]:
            before_wait()
        # Past its limit in wall time, a test goes on while its load-free time (``_Clock``) is
        # under the limit, up to wall_factor x the limit in wall time.
        limit, deadline = limits[i], min(start + limits[i], run_start + budget)
        while True:
            line = _read_line(child.res_fd, child.buf, deadline, child.cap, stop_fd)
            now = time.monotonic()
            if line is not None:
                break
            used = clock.charged(mark, now)
            run_used = clock.charged(run_mark, now) if now - run_start >= budget else None
            if used >= limit or (run_used is not None and run_used >= budget) or now - start >= wall_factor * limit:
                break
            nxt = now + max(0.005, limit - used)
            nxt = min(nxt, run_start + budget if run_used is None else now + max(0.005, budget - run_used))
            deadline = min(start + wall_factor * limit, nxt)
        if line is not None and line is not _STOP and over_budget(now):
            line = None  # the tests' budget ran out during this one
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
        took = now - start
        if took > limit * 0.5 or spec.get("cpu_times"):  # a fast test passes on its wall time
            took = clock.charged(mark, now)
        # The child's fields, then the harness's own: a JSON object keeps the last of duplicate
        # keys, so "k", "i" and "t" are the harness's whatever the child wrote. A line that is not
        # one JSON object makes the whole record unreadable: no record, never a pass.
        write(out_fd, prefix + line[:-1] + (', "k": "test", "i": %d, "t": %r}\n' % (i, took)).encode())
        if not line.startswith(b'{"s": "ok"'):
            return
        start = now
        mark = clock.mark(now, mark)
    emit({"k": "done"})


class _Clock:
    """A test's time with the machine's load taken out: its wall time less the time the
    candidate's main thread waited for a CPU while ready to run (/proc/<pid>/schedstat), so a
    busy machine does not make a correct program time out while sleeping and waiting still
    count; and at least the CPU time of the candidate's processes (every thread; reaped
    children; in a zygote, which has a pid namespace of its own, every other process too), so
    helpers computing in parallel count as well. Never more than the wall time."""

    STALE = 0.02  # the marks below are re-read at most this often (each costs a /proc read)

    def __init__(self, pid, whole_namespace, harness_too=False):
        import os

        self.pid, self.clock_id = pid, ((~pid) << 3) | 2  # Linux: CPUCLOCK_SCHED of a process
        self.skip = {1, os.getpid(), os.getppid()} if whole_namespace else None
        self.hz = float(os.sysconf("SC_CLK_TCK"))
        # The harness's own waits too, where it computes between the candidate's calls (check()).
        self.waiters = (pid, os.getpid()) if harness_too else (pid,)

    def mark(self, now, last=None):
        """(time, own CPU, others' CPU, queue wait) at ``now``: a test's starting point. The
        /proc readings are reused from ``last`` when fresh (lenient by at most STALE)."""
        import time

        try:
            own = time.clock_gettime(self.clock_id)
        except OSError:
            own = 0.0  # the candidate is gone: its next read is an end of file anyway
        if last is not None and now - last[0] < self.STALE:
            return (last[0], own, last[2], last[3])
        return (now, own, self.others(), self.queue_wait())

    def charged(self, mark, now):
        """Seconds charged to the test that started at ``mark`` (the wall time since ``now``'s
        own start is ``now - mark``'s time for a fresh mark, a bit more for a reused one)."""
        m = self.mark(now)
        wall = now - mark[0]
        cpu = (m[1] - mark[1]) + max(0.0, m[2] - mark[2])
        return min(wall, max(cpu, wall - max(0.0, m[3] - mark[3])))

    def queue_wait(self):
        total = 0.0
        for pid in self.waiters:
            try:
                with open("/proc/%d/schedstat" % pid, "rb") as f:
                    total += int(f.read().split()[1]) / 1e9
            except (OSError, ValueError, IndexError):
                pass
        return total

    def others(self):
        """CPU seconds (from /proc, in clock ticks) of the reaped children and other processes."""
        import os

        pids = [self.pid]
        if self.skip is not None:
            try:
                pids = [int(n) for n in os.listdir("/proc") if n.isdigit() and int(n) not in self.skip]
            except OSError:
                pass
        total = 0
        for pid in pids:
            try:
                with open("/proc/%d/stat" % pid, "rb") as f:
                    fields = f.read().rpartition(b")")[2].split()
            except OSError:
                continue  # gone meanwhile: its time is now its parent's
            ticks = [int(x) for x in fields[11:15]]  # utime stime cutime cstime
            total += sum(ticks[2:]) if pid == self.pid else sum(ticks)
        return total / self.hz


class _TimeLimit(BaseException):
    """A call past its limit (BaseException: ``except Exception`` in a test won't swallow it)."""


class _Ended(BaseException):
    """The candidate's process ended during a call."""
