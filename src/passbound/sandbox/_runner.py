"""Run one untrusted Python program: spawn, pump output under a cap, enforce the deadline, clean up."""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from passbound.sandbox._isolation import Tier, kill_uid, select_tier, uid_slot
from passbound.sandbox._limits import Limits, boot_code

Status = Literal["ok", "timeout", "error", "oom", "output_limit"]
PROGRAM = "program.py"
# After the program exits, how long to keep draining pipes that an escaped child still holds.
_DRAIN_S = 0.2
_READ_CHUNK = 1 << 16


@dataclass(frozen=True)
class SandboxResult:
    """Outcome of one run. ``stdout``/``stderr`` are decoded (UTF-8, replace) and capped."""

    status: Status
    exit_code: int | None
    signal: int | None
    stdout: str
    stderr: str
    duration_s: float


def remove_tree(path: Path) -> None:
    """Remove a work dir whatever the program left in it: trees deeper than any path or recursion
    limit (``shutil.rmtree`` raises RecursionError on a 1,500-deep tree), unreadable modes.

    GNU/BSD ``rm -rf`` walks with directory file descriptors (fts), so depth costs it nothing; a
    Python walk by file descriptor is the fallback where no ``rm`` exists. Never raises.
    """
    rm = shutil.which("rm")
    if rm is not None:
        try:
            subprocess.run([rm, "-rf", "--", str(path)], capture_output=True, timeout=120, check=False)
        except (OSError, subprocess.SubprocessError):
            pass
    if os.path.lexists(path):
        _remove_by_fd(str(path))


def _remove_by_fd(path: str) -> None:
    """Iterative removal with ``dir_fd`` (no recursion, no long paths)."""
    try:
        os.chmod(path, 0o700)
        stack: list[tuple[int, int | None, str]] = [
            (os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW), None, "")
        ]
    except OSError:
        return
    stuck: set[tuple[int, str]] = set()  # (depth, name) of directories that would not go
    while stack:
        fd, parent_fd, name = stack[-1]
        child = None
        try:
            with os.scandir(fd) as entries:
                for entry in entries:
                    if (len(stack), entry.name) in stuck:
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        child = entry.name
                        break
                    try:
                        os.unlink(entry.name, dir_fd=fd)
                    except OSError:
                        pass
        except OSError:
            pass
        if child is not None:
            try:
                os.chmod(child, 0o700, dir_fd=fd, follow_symlinks=False)
            except (OSError, NotImplementedError):
                pass
            try:
                stack.append((os.open(child, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd), fd, child))
                continue
            except OSError:
                child = None
        stack.pop()
        os.close(fd)
        try:
            if parent_fd is None:
                os.rmdir(path)
            else:
                os.rmdir(name, dir_fd=parent_fd)
        except OSError:
            stuck.add((len(stack), name))


def clean_env(workdir: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """A fresh environment: nothing from the host (no HOME, tokens, proxies), single-threaded
    numeric libraries (so RLIMIT_AS and RLIMIT_NPROC hold), deterministic hashing."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": workdir,
        "TMPDIR": workdir,
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUTF8": "1",
        "PYTHONIOENCODING": "utf-8",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    env.update(extra or {})
    return env


def _write_files(workdir: Path, files: dict[str, str], uid: int | None) -> None:
    for name, text in files.items():
        rel = PurePosixPath(name)
        if rel.is_absolute() or ".." in rel.parts or not rel.parts:
            raise ValueError(f"extra_files name must be a relative path inside the sandbox: {name!r}")
        target = workdir.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    if uid is not None:
        for root, dirs, names in os.walk(workdir):
            for entry in [root, *(os.path.join(root, n) for n in dirs + names)]:
                os.chown(entry, uid, uid)


def _pump(proc: subprocess.Popen[bytes], deadline: float, cap: int) -> tuple[bytes, bytes, str]:
    """Read both pipes incrementally until EOF; returns (stdout, stderr, why-stopped).

    why: "" (exited), "timeout", "output_limit" or "exited" (the program exited but something it
    left behind still held a pipe). Buffers never exceed ``cap + 1`` bytes each.
    """
    assert proc.stdout is not None and proc.stderr is not None  # started with stdout=PIPE, stderr=PIPE
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    bufs = {out_fd: bytearray(), err_fd: bytearray()}  # keyed by descriptor, as each selector key gives it
    sel = selectors.DefaultSelector()
    for stream in (proc.stdout, proc.stderr):
        os.set_blocking(stream.fileno(), False)
        sel.register(stream, selectors.EVENT_READ)
    why, exited_at = "", None
    try:
        while sel.get_map():
            now = time.monotonic()
            if now >= deadline:
                why = "timeout"
                break
            if exited_at is None and proc.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at > _DRAIN_S:
                why = "exited"
                break
            for key, _ in sel.select(timeout=min(deadline - now, 0.1)):
                try:
                    chunk = os.read(key.fd, _READ_CHUNK)
                except BlockingIOError:
                    continue
                if not chunk:
                    sel.unregister(key.fileobj)
                    continue
                buf = bufs[key.fd]
                buf += chunk[: cap + 1 - len(buf)]
                if len(buf) > cap:
                    why = "output_limit"
                    break
            if why:
                break
    finally:
        sel.close()
    return bytes(bufs[out_fd][:cap]), bytes(bufs[err_fd][:cap]), why


def _kill(proc: subprocess.Popen[bytes], uid: int | None) -> None:
    """SIGKILL the whole process group, and (per-run uid) anything that left it via setsid."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if uid is not None:
        kill_uid(uid)


def _decode_exit(tier: Tier, returncode: int) -> tuple[int | None, int | None]:
    """(exit_code, signal). bwrap and the unshare tier's sh report a signal as 128 + signum."""
    if returncode < 0:
        return None, -returncode
    if tier.name in ("bwrap", "unshare") and 128 < returncode < 128 + 65:
        return None, returncode - 128
    return returncode, None


def _status(why: str, exit_code: int | None, sig: int | None, stderr: str) -> Status:
    if why == "output_limit":
        return "output_limit"
    if why == "timeout" or sig == signal.SIGXCPU:
        return "timeout"
    tail = stderr.rstrip().rsplit("\n", 1)[-1]
    if tail.startswith("MemoryError") or "Cannot allocate memory" in tail:
        return "oom"
    return "ok" if exit_code == 0 else "error"


def execute(
    source: str,
    *,
    limits: Limits,
    stdin: str | None = None,
    extra_files: dict[str, str] | None = None,
    python: str = sys.executable,
    env: dict[str, str] | None = None,
    isolation: str = "auto",
) -> SandboxResult:
    """Run ``source`` as ``__main__`` in a fresh temp dir under the strongest available tier."""
    tier = select_tier(python, isolation)
    with ExitStack() as stack:
        uid = stack.enter_context(uid_slot()) if tier.drop_uid else None
        workdir = Path(tempfile.mkdtemp(prefix="passbound-sbx-"))
        stack.callback(remove_tree, workdir)
        os.chmod(workdir, 0o700)
        files = dict(extra_files or {})
        files[PROGRAM] = source
        if stdin is not None:
            files[".stdin"] = stdin
        _write_files(workdir, files, uid)
        stdin_f = open(workdir / ".stdin", "rb") if stdin is not None else subprocess.DEVNULL
        if stdin is not None:
            stack.callback(stdin_f.close)  # type: ignore[union-attr]
        rl = limits.rlimits(processes=tier.processes_limited)
        boot = boot_code(path=str(workdir / PROGRAM), workdir=str(workdir), rlimits=rl, uid=uid)
        start = time.monotonic()
        proc = subprocess.Popen(
            tier.command(python, boot, str(workdir)), stdin=stdin_f, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, cwd=workdir, env=clean_env(str(workdir), env),
            start_new_session=True, close_fds=True,
        )  # fmt: skip
        deadline = start + limits.timeout
        try:
            out, err, why = _pump(proc, deadline, limits.max_output_bytes)
            if not why:  # pipes closed; the program may still be running
                try:
                    proc.wait(timeout=max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    why = "timeout"
        finally:
            # Always: nothing of the program may outlive the call. With a pid namespace the
            # kernel kills everything in it when its init dies; without one, hunt the uid.
            _kill(proc, None if tier.pid_namespace else uid)
            returncode = proc.wait()
            proc.stdout.close()  # type: ignore[union-attr]
            proc.stderr.close()  # type: ignore[union-attr]
        duration = time.monotonic() - start
    exit_code, sig = _decode_exit(tier, returncode)
    if why in ("timeout", "output_limit"):
        exit_code, sig = None, signal.SIGKILL
    stdout = out.decode("utf-8", errors="replace")
    stderr = err.decode("utf-8", errors="replace")
    return SandboxResult(_status(why, exit_code, sig, stderr), exit_code, sig, stdout, stderr, duration)
