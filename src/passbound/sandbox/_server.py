"""A sandboxed interpreter that serves many runs: the host side of a zygote.

Starting a sandbox costs ~30-100 ms (namespaces, mounts, interpreter start-up, imports) where
a program's tests often take less. A ``SandboxServer`` starts one sandboxed interpreter (same
tier, limits, seccomp filter and uid drop as ``Sandbox.run``) running a program that loops:
read a request, fork, serve it, then kill every other process in the sandbox and empty the
writable places before the next one. The program implements that loop (see the code
harness's ``zygote`` mode); this side frames requests, enforces each run's deadline and output
cap from outside, and throws the whole sandbox away whenever a run overruns, the loop dies, the
loop reports that a run left something behind, or after ``max_runs`` runs.

Every run must start from the same state (a program's verdict may not depend on what ran
before it): the server's own files are root-owned and read-only (a read-only bind under
bubblewrap), the only writable place is a size-capped tmpfs, and where the tier drops to a
per-run uid the loop stays root and gives each run namespaces and a tmpfs of its own (see the
harness's ``zygote``). A request that finds the sandbox gone before its run began (the loop
left after a damaged run, or died) is sent once more to a fresh sandbox: the program that
came next is run, not graded on a sandbox it did not break.

Contract with the program (started as ``program.py <argv...>`` in the work dir): it writes
``<tag> ready\\n`` when it is ready, reads requests from fd 0 as ``<length>\\n<bytes>``, and ends
each run's output with ``\\n<tag> end <wait status> <clean>\\n`` (clean 0: the loop is leaving,
the run left something it could not remove). The tag is its last argument; the one before is
a JSON object: the per-run
``uid`` (or null), ``home`` (the run's working directory), ``disk_mb`` and ``inodes`` (its tmpfs)
and ``scratch`` (world-writable host directories a run gets fresh, where the tier shares the host's
files). A ``!`` on fd 0 during a run (sent
when ``request``'s ``watch`` says so) asks it to end that run early; a ``!`` that arrives after
the run ended must be skipped before the next request's header. Only tiers with a pid
namespace run a server (its clean-up signals every process it can see, which must be the
sandbox's alone).
"""

from __future__ import annotations

import json
import os
import secrets
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from passbound.sandbox._isolation import select_tier, uid_slot
from passbound.sandbox._limits import Limits, boot_code
from passbound.sandbox._runner import PROGRAM, SandboxResult, clean_env, remove_tree

_PREFIX = "passbound-zyg-"
_READY_S = 30.0
_READ_CHUNK = 1 << 16


class ServerUnavailable(RuntimeError):
    """This tier cannot host a server (no pid namespace); run programs one by one instead."""


class SandboxServer:
    """One long-lived sandboxed interpreter; ``request`` sends it a run and returns its output.

    Not thread-safe: one caller at a time (``CodeVerifier`` keeps one per worker and falls back
    to one-shot runs when it is busy).
    """

    def __init__(
        self,
        source: str,
        *,
        argv: list[str] | None = None,
        isolation: str = "auto",
        python: str = sys.executable,
        memory_mb: int = 1024,
        max_processes: int = 64,
        max_output_bytes: int = 1 << 20,
        lifetime_cpu_s: float = 3600.0,
        max_runs: int = 2000,
        disk_mb: int = 256,
        inodes: int = 16384,
    ) -> None:
        self.tier = select_tier(python, isolation)
        if not self.tier.pid_namespace:
            raise ServerUnavailable(f"tier {self.tier.name!r} has no pid namespace")
        self.source, self.argv, self.python = source, list(argv or []), python
        # The server itself is one more process of the sandbox uid.
        self.limits = Limits(timeout=lifetime_cpu_s, memory_mb=memory_mb, max_processes=max_processes + 1,
                             max_output_bytes=max_output_bytes)  # fmt: skip
        self.max_runs = max_runs
        self.disk_mb, self.inodes = disk_mb, inodes
        self.runs = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._stack: ExitStack | None = None
        self._tag = ""

    # -- lifecycle ---------------------------------------------------------------------------

    def _start(self) -> None:
        _sweep_orphans()
        stack = ExitStack()
        try:
            uid = stack.enter_context(uid_slot()) if self.tier.drop_uid else None
            workdir = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-"))
            stack.callback(remove_tree, workdir)
            # Root-owned and read-only to the program: nothing in it is kept for a later run.
            os.chmod(workdir, 0o755)
            (workdir / PROGRAM).write_text(self.source, encoding="utf-8")
            os.chmod(workdir / PROGRAM, 0o444)
            home = workdir / "home"
            home.mkdir(mode=0o755)
            if uid is None:  # the program runs as this user: it owns the home (a tmpfs under bwrap)
                os.chmod(home, 0o1777)
            self._tag = secrets.token_hex(8)
            cfg = {
                "uid": uid,
                "home": str(home),
                "disk_mb": self.disk_mb,
                "inodes": self.inodes,
                "scratch": _scratch_dirs() if self.tier.name != "bwrap" else [],
            }
            rl = self.limits.rlimits(processes=self.tier.processes_limited)
            # With a per-run uid the loop stays root (it never runs the program) and drops per run.
            boot = boot_code(path=str(workdir / PROGRAM), workdir=str(workdir), rlimits=rl, uid=None,
                             argv=[*self.argv, json.dumps(cfg), self._tag])  # fmt: skip
            proc = subprocess.Popen(
                self.tier.command(self.python, boot, str(workdir), home=(str(home), self.disk_mb)),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=home,
                env=clean_env(str(home)), start_new_session=True, close_fds=True,
            )  # fmt: skip
            stack.callback(_stop, proc)
            self._proc, self._stack, self.runs = proc, stack, 0
            out, why = self._read_until(f"{self._tag} ready\n".encode(), time.monotonic() + _READY_S, 1 << 16)
            if why:
                raise ServerUnavailable(f"the sandboxed server did not start ({why})")
        except BaseException:
            self._proc = None
            self._stack = None
            stack.close()
            raise

    def close(self) -> None:
        """Stop the server and remove its work dir (nothing of it outlives this call)."""
        stack, self._stack, self._proc = self._stack, None, None
        if stack is not None:
            stack.close()

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- runs ------------------------------------------------------------------------------

    def request(
        self, payload: bytes, *, timeout: float, watch: Callable[[bytes], bool] | None = None, fresh: bool = False
    ) -> SandboxResult:
        """Send one run; its output up to the end marker, as a ``SandboxResult``. A run past
        ``timeout`` or the output cap kills the whole sandbox (the next request starts anew);
        ``fresh`` starts a new sandbox for this run (a timeout's confirmation must not see the
        sandbox of the run it confirms).

        ``watch`` sees the output as it arrives, in pieces, up to the output cap (so all of a
        run's output whenever that is under the cap); the first time it returns True the server
        is sent one ``!`` on its request pipe: the program's cue to end the run early (the code
        harness stops at it; the run still ends as usual, with its end marker and clean-up)."""
        if fresh or self._proc is None or self._proc.poll() is not None or self.runs >= self.max_runs:
            self.close()
            self._start()
        result = self._request(payload, timeout, watch)
        if result is None:  # the sandbox was gone before the run began: not this program's doing
            self.close()
            self._start()
            result = self._request(payload, timeout, watch)
        return result or SandboxResult("error", None, None, "", "", 0.0)

    def _request(self, payload: bytes, timeout: float, watch: Callable[[bytes], bool] | None) -> SandboxResult | None:
        """One run on the current sandbox; None when the sandbox ended before the run sent a byte."""
        assert self._proc is not None and self._proc.stdin is not None
        self.runs += 1
        start = time.monotonic()
        deadline = start + timeout
        marker = f"\n{self._tag} end ".encode()
        try:
            _write_all(self._proc.stdin.fileno(), b"%d\n" % len(payload) + payload, deadline)
        except OSError:  # the server is gone
            self.close()
            return None
        except TimeoutError:
            self.close()
            return SandboxResult("timeout", None, signal.SIGKILL, "", "", time.monotonic() - start)
        out, why = self._read_until(marker, deadline, self.limits.max_output_bytes, line=True, watch=watch)
        duration = time.monotonic() - start
        if why:
            self.close()
            if why == "ended" and not out:
                return None
            status = {"timeout": "timeout", "output_limit": "output_limit"}.get(why, "error")
            text = out.decode("utf-8", errors="replace")
            return SandboxResult(status, None, signal.SIGKILL if status != "error" else None, text, "", duration)  # type: ignore[arg-type]
        body, _, tail = out.rpartition(marker)
        fields = tail.split()
        exit_code, sig = _decode_status(int(fields[0]) if fields else 0)
        if fields[1:2] != [b"1"]:
            self.close()  # the run left something behind: the next program gets a fresh sandbox
        stdout = body.decode("utf-8", errors="replace")
        return SandboxResult("ok" if exit_code == 0 else "error", exit_code, sig, stdout, "", duration)

    def _read_until(
        self, marker: bytes, deadline: float, cap: int, line: bool = False, watch: Callable[[bytes], bool] | None = None
    ) -> tuple[bytes, str]:
        """Read stdout until ``marker`` (and, with ``line``, the newline after it); (bytes, why):
        why is "" when found, else "timeout", "output_limit" or "ended"."""
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        buf = bytearray()
        stopped = False
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while True:
                found = buf.find(marker, max(0, len(buf) - _READ_CHUNK - len(marker)))
                if found >= 0 and (not line or buf.find(b"\n", found + len(marker)) >= 0):
                    return bytes(buf), ""
                if len(buf) > cap + len(marker) + 32:
                    return bytes(buf[:cap]), "output_limit"
                left = deadline - time.monotonic()
                if left <= 0:
                    return bytes(buf[:cap]), "timeout"
                if not sel.select(timeout=left):
                    continue
                chunk = os.read(fd, _READ_CHUNK)
                if not chunk:
                    return bytes(buf[:cap]), "ended"
                if watch is not None and len(buf) < cap and watch(chunk[: cap - len(buf)]) and not stopped:
                    stopped = True
                    self._stop_run(deadline)
                buf += chunk

    def _stop_run(self, deadline: float) -> None:
        """Ask the running program to end its run early (a lost stop only costs time)."""
        assert self._proc is not None and self._proc.stdin is not None
        try:
            _write_all(self._proc.stdin.fileno(), b"!", deadline)
        except (OSError, TimeoutError):
            pass  # the server is gone or stuck: the read below ends it as usual


def _write_all(fd: int, data: bytes, deadline: float) -> None:
    view = memoryview(data)
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_WRITE)
        while view:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            if sel.select(timeout=left):
                view = view[os.write(fd, view[: 1 << 16]) :]


def _decode_status(status: int) -> tuple[int | None, int | None]:
    code = os.waitstatus_to_exitcode(status)
    return (None, -code) if code < 0 else (code, None)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Close the request pipe (the loop exits), then kill the whole sandbox regardless."""
    for stream in (proc.stdin, proc.stdout):
        try:
            stream.close()  # type: ignore[union-attr]
        except OSError:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def _scratch_dirs() -> list[str]:
    """World-writable directories of the host's file system that a run gets fresh (tiers without
    a private root; the run's home is made again inside one that holds it)."""
    found = []
    for path in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock"):
        try:
            if os.stat(path).st_mode & 0o002:
                found.append(path)
        except OSError:
            continue
    return found


def _sweep_orphans() -> None:
    """Remove the work dirs of servers whose host process died without closing them (a grading
    worker killed for overrunning): their sandboxes died with them (bwrap --die-with-parent)."""
    root = Path(tempfile.gettempdir())
    try:
        names = [n for n in os.listdir(root) if n.startswith(_PREFIX)]
    except OSError:
        return
    for name in names:
        try:
            pid = int(name[len(_PREFIX) :].split("-", 1)[0])
            os.kill(pid, 0)
        except ProcessLookupError:
            remove_tree(root / name)
        except (ValueError, PermissionError):
            continue
