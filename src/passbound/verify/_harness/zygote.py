"""The harness's entry points: one run per interpreter (``_main``), or a zygote serving many.

Why a module of its own: it owns the process lifecycle around a run (fork the harness, which
forks the candidate before reading the request; afterwards kill every other process in the
sandbox and empty the writable places), and the ``__main__`` block that the sandbox runs.
"""

import json

from .candidate import _fork_candidate
from .driver import _drive, _private_stdout

# ``program.py zygote <tag>``: one interpreter serves run after run (see passbound.sandbox's
# SandboxServer for the host side). Requests arrive on fd 0 as ``<length>\n<JSON>``; each run's
# records go to fd 1, then ``\n<tag> end <wait status>\n`` once every process of the run is
# gone and the writable places are empty again. The zygote itself never reads a request: per
# run it forks a harness, which forks the candidate and only then reads the request, so no
# process a candidate could inherit from ever held a nonce. During a run the host may write one
# ``!`` on fd 0 (stop: the verdict is decided); the harness then ends the run, and a ``!`` that
# arrives after the run ended is skipped before the next request's header.


def _read_request(fd):
    """One framed request from ``fd`` (read exactly, never past it), or None at end of input.
    A ``!`` before the header is a stop for an earlier run that came after it ended: skipped."""
    import os

    header = b""
    while not header.endswith(b"\n"):
        byte = os.read(fd, 1)
        if not byte or len(header) > 20:
            return None
        if byte == b"!" and not header:
            continue
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
        _drive(child, builtins, request["spec"], request["source"], _private_stdout(), stop_fd=0)
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
    # Most runs leave an empty run dir or a few plain files: gone without starting a process.
    for entry in extra:
        try:
            if os.path.isdir(entry) and not os.path.islink(entry):
                os.rmdir(entry)
            else:
                os.unlink(entry)
        except OSError:
            pass  # not empty, no permission ...: rm below
    extra = [p for p in extra if os.path.lexists(p)]
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


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["zygote"]:
        _zygote(sys.argv[2])
    else:
        _main()
