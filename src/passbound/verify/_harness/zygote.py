"""The harness's entry points: one run per interpreter (``_main``), or a zygote serving many.

Why a module of its own: it owns the process lifecycle around a run, and the ``__main__`` block
that the sandbox runs. A zygote's runs must be independent draws (pass@k's estimator assumes
it, and a policy under RL learns to pass on state an earlier sample left), so where the zygote
is root (bubblewrap or unshare as root) every run starts in namespaces of its own, made by
forking: new pid, IPC, network and mount namespaces, a fresh size-capped tmpfs as its home, a
fresh /proc, then the drop to the per-run uid (where the tier has one). When the run's first
process exits the kernel kills the rest; its files, IPC objects, sockets and pid counter go with
its namespaces, and the zygote (root, in another pid namespace) is out of the program's reach.
Elsewhere (bubblewrap without root, whose /tmp is the sandbox's own)
the zygote runs as the program's uid and sweeps instead: kill every other process, empty every
writable place, check its own limits and priority, and leave (a fresh sandbox) when anything
differs from the start.
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
    # The JSON request, then (after its first newline) the tests' JSON, kept as text: the harness
    # passes it on to the candidate's process as it is (see ``_drive``).
    head, newline, tests = b"".join(body).partition(b"\n")
    request = json.loads(head)
    if newline:
        request["spec"]["tests_raw"] = tests
    return request


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
            subprocess.run(
                argv + extra,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )
        except OSError:
            break
        if not any(os.path.lexists(p) for p in extra):
            return True
    return False


# Linux constants (sched.h, mount.h, if.h).
_NEWNS, _NEWPID, _NEWIPC, _NEWNET = 0x20000, 0x20000000, 0x08000000, 0x40000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 32, 4096, 16384, 1 << 18


def _mount(libc, source, target, fstype, flags, data=None):
    import ctypes

    enc = [x.encode() if isinstance(x, str) else x for x in (source, target, fstype, data)]
    if libc.mount(enc[0], enc[1], enc[2], flags, enc[3]) != 0:
        raise OSError(ctypes.get_errno(), "mount %s" % target)


def _enter_run(libc, cfg):
    """In a run's first process (pid 1 of its own pid namespace, still root): the run's own
    mounts, its loopback, then the drop to the sandbox uid. Raises where any step fails."""
    import fcntl
    import os
    import socket
    import struct

    uid, home = cfg.get("uid"), cfg["home"]
    _mount(libc, None, "/", None, _MS_REC | _MS_PRIVATE)
    opts = "size=%dm,nr_inodes=%d" % (cfg["disk_mb"], cfg["inodes"])
    for scratch in cfg.get("scratch") or ():  # world-writable host dirs (no private root): fresh too
        _mount(libc, "tmpfs", scratch, "tmpfs", _MS_NOSUID | _MS_NODEV, opts + ",mode=1777")
    os.makedirs(home, 0o755, exist_ok=True)  # inside a fresh /tmp, made again (root's, 0755 parents)
    owner = ",uid=%d,gid=%d" % (uid, uid) if uid is not None else ""
    _mount(libc, "tmpfs", home, "tmpfs", _MS_NOSUID | _MS_NODEV, opts + ",mode=0700" + owner)
    _mount(libc, "proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
    _mount(libc, "/proc/sys", "/proc/sys", None, _MS_BIND | _MS_REC)
    _mount(libc, None, "/proc/sys", None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
    try:  # as in the sandbox's own network namespace: loopback up (SIOCSIFFLAGS, UP|LOOPBACK|RUNNING)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            fcntl.ioctl(sock, 0x8914, struct.pack("16sH22x", b"lo", 0x1 | 0x8 | 0x40))
    except OSError:
        pass  # no loopback only fails programs that use one
    os.chdir(home)
    if uid is None:  # a tier without a per-run uid: the program runs as root, as in a one-shot run
        return
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (uid, uid, uid) or os.getgroups():
        raise OSError("passbound sandbox: privilege drop failed")


def _in_namespaces(libc, cfg, serve):
    """A run in namespaces of its own (the zygote's child, root until ``_enter_run``): returns
    the wait status of the run's first process, passed on as this process's own."""
    import os
    import signal

    if libc.unshare(_NEWNS | _NEWPID | _NEWIPC | _NEWNET) != 0:
        return 71
    pid = os.fork()
    if pid == 0:
        code = 72
        try:
            _enter_run(libc, cfg)
            code = serve()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)  # its pid namespace, so every process of the run, is gone
    if os.WIFSIGNALED(status):
        signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
        os.kill(os.getpid(), os.WTERMSIG(status))
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 70


def _pids():
    import os

    return {n for n in os.listdir("/proc") if n.isdigit()}


def _own_state():
    """What a program running as the zygote's uid could change about the zygote (its limits,
    priority, scheduling, CPUs) and every later run would inherit."""
    import os
    import resource

    limits = [resource.getrlimit(getattr(resource, n)) for n in dir(resource) if n.startswith("RLIMIT_")]
    return (limits, os.getpriority(os.PRIO_PROCESS, 0), os.sched_getscheduler(0), os.sched_getaffinity(0))


def _zygote(tag, cfg=None):
    import ctypes
    import os

    cfg = cfg or {}
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    # Root: namespaces per run. Never a sweep as root: where the tier shares the host's files
    # (unshare), emptying /tmp would empty the host's.
    fresh = os.geteuid() == 0 and bool(cfg.get("home"))
    home = cfg.get("home") or os.getcwd()
    if fresh:
        pid = os.fork()  # a first, empty run: namespaces and mounts must work here, or no zygote
        if pid == 0:
            os._exit(_in_namespaces(libc, cfg, lambda: 0))
        if os.waitpid(pid, 0)[1] != 0:
            return
    # /tmp is writable where the sandbox has its own user namespace; the work dir may be in it.
    above = {os.path.relpath(home, "/tmp").split(os.sep)[0]} if home.startswith("/tmp/") else set()
    baseline = (_pids(), _own_state())
    os.write(1, ("%s ready\n" % tag).encode())
    while True:
        pid = os.fork()
        if pid == 0:
            code = 70
            try:
                if fresh:
                    code = _in_namespaces(libc, cfg, _serve_one)
                else:
                    os.chdir(home)
                    os.mkdir("run", 0o700)  # the same name every run: nothing says how many came before
                    os.chdir("run")
                    code = _serve_one()
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        if not fresh:
            _kill_the_rest()
        # Before the next program: nothing left of this one, else a fresh sandbox for it.
        clean = fresh or (_empty(home) and os.geteuid() != 0 and _empty("/tmp", above) and _empty("/dev/shm"))
        clean = clean and _pids() <= baseline[0] and _own_state() == baseline[1]
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 3:
            return
        os.write(1, ("\n%s end %d %d\n" % (tag, status, int(clean))).encode())
        if not clean:
            _kill_the_rest()
            return  # the host starts a fresh sandbox for the next program


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
        _zygote(sys.argv[-1], json.loads(sys.argv[2]) if len(sys.argv) > 3 else None)
    else:
        _main()
