"""Resource limits and the bootstrap that applies them inside the sandboxed interpreter.

Why a bootstrap instead of ``preexec_fn``: ``preexec_fn`` is not safe in a threaded parent, and
rlimits set before bubblewrap creates its user namespace would also count the host user's
processes against ``RLIMIT_NPROC``. The bootstrap runs as the first code of the sandboxed
``python -c``: it lowers the hard limits, drops to the sandbox uid (which clears every capability,
so the limits cannot be raised again), fixes ``sys.path`` and executes the program in a fresh
``__main__`` namespace (not via ``runpy``, whose imports cost ~10 ms per run).
The untrusted code never runs with privileges or without limits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Per-run limits. ``memory_mb`` caps the address space of *each* process (RLIMIT_AS)."""

    timeout: float
    memory_mb: int = 1024
    max_processes: int = 64  # threads count too (RLIMIT_NPROC counts tasks)
    max_file_mb: int = 64
    max_open_files: int = 256
    max_output_bytes: int = 1 << 20

    def __post_init__(self) -> None:
        if not self.timeout > 0:
            raise ValueError(f"timeout must be > 0 seconds, got {self.timeout!r}")
        for name in ("memory_mb", "max_processes", "max_file_mb", "max_open_files"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)!r}")
        if self.max_output_bytes < 0:
            raise ValueError(f"max_output_bytes must be >= 0, got {self.max_output_bytes!r}")

    def rlimits(self, *, processes: bool) -> list[tuple[str, int, int]]:
        """(resource name, soft, hard) triples. CPU: SIGXCPU one second after the wall timeout
        would have fired (a backstop for a host that stalls), SIGKILL one second later."""
        cpu = math.ceil(self.timeout) + 1
        limits = [
            ("RLIMIT_CPU", cpu, cpu + 1),
            ("RLIMIT_AS", self.memory_mb << 20, self.memory_mb << 20),
            ("RLIMIT_FSIZE", self.max_file_mb << 20, self.max_file_mb << 20),
            ("RLIMIT_NOFILE", self.max_open_files, self.max_open_files),
            ("RLIMIT_CORE", 0, 0),
        ]
        if processes:
            limits.append(("RLIMIT_NPROC", self.max_processes, self.max_processes))
        return limits


# The bootstrap is a fixed string; its one argument (a dict literal) is appended by ``boot_code``.
# It must run on any CPython >= 3.8 (the target interpreter may differ from the host's).
_BOOT = """\
def _passbound_boot(cfg):
    import os, resource, sys
    for name, soft, hard in cfg["rlimits"]:
        resource.setrlimit(getattr(resource, name), (soft, hard))
    uid = cfg["uid"]
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        if os.geteuid() != uid or os.getegid() != uid:
            raise SystemExit("passbound sandbox: privilege drop failed")
    if cfg["seccomp"]:
        _passbound_seccomp(cfg["seccomp"])
    path = cfg["path"]
    sys.path[:] = [cfg["workdir"]] + [p for p in sys.path if p not in ("", ".")]
    sys.argv[:] = [path] + cfg["argv"]
    for module in cfg["probe_imports"]:
        __import__(module)
    with open(path, "rb") as f:
        code = compile(f.read(), path, "exec", dont_inherit=True)
    g = sys.modules["__main__"].__dict__
    builtins = g["__builtins__"]
    g.clear()
    g.update(__name__="__main__", __file__=path, __builtins__=builtins, __doc__=None,
             __package__=None, __spec__=None, __loader__=None)
    exec(code, g)
def _passbound_seccomp(spec):
    # Classic BPF over seccomp_data {nr, arch, ip, args[6]}: refuse new user namespaces
    # (unshare/clone with CLONE_NEWUSER, setns), clone3 (ENOSYS: glibc falls back to clone, whose
    # flags the filter can read), kernel keyrings, PR_SET_DUMPABLE, SysV IPC and POSIX message
    # queues (objects that outlive every process and hold host memory outside every rlimit; the
    # standard library never uses them) and every other ABI (i386 int 0x80 would bypass the
    # table); allow everything else.
    import ctypes, struct
    arch, nr = spec["arch"], spec["nr"]
    EPERM, ENOSYS, ALLOW = 0x50000 | 1, 0x50000 | 38, 0x7FFF0000
    prog = []
    def stmt(code, k):
        prog.append([code, 0, 0, k])
    def jeq(k, target):
        prog.append([0x15, target, 0, k])  # jt patched to a label below
    stmt(0x20, 4)  # A = arch
    prog.append([0x15, 1, 0, arch]); stmt(0x06, EPERM)  # other ABIs (i386 via int 0x80): refused
    stmt(0x20, 0)  # A = nr
    prog.append([0x35, 0, 1, 0x40000000]); stmt(0x06, EPERM)  # x32 ABI numbers
    jumps = [("flags", nr["unshare"]), ("flags", nr["clone"]), ("enosys", nr["clone3"]),
             ("eperm", nr["setns"]), ("eperm", nr["add_key"]), ("eperm", nr["request_key"]),
             ("eperm", nr["keyctl"]), ("prctl", nr["prctl"])] + [("eperm", k) for k in spec["ipc"]]
    first = len(prog)
    for label, k in jumps:
        jeq(k, label)
    stmt(0x06, ALLOW)
    labels = {}
    labels["flags"] = len(prog)
    stmt(0x20, 16)  # A = low 32 bits of args[0]
    prog.append([0x45, 0, 1, 0x10000000]); stmt(0x06, EPERM); stmt(0x06, ALLOW)  # CLONE_NEWUSER
    labels["prctl"] = len(prog)
    stmt(0x20, 16)
    prog.append([0x15, 0, 1, 4]); stmt(0x06, EPERM); stmt(0x06, ALLOW)  # PR_SET_DUMPABLE
    labels["eperm"] = len(prog); stmt(0x06, EPERM)
    labels["enosys"] = len(prog); stmt(0x06, ENOSYS)
    for i in range(first, first + len(jumps)):
        prog[i][1] = labels[prog[i][1]] - i - 1
    raw = b"".join(struct.pack("HBBI", *ins) for ins in prog)
    buf = ctypes.create_string_buffer(raw, len(raw))
    class Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
    fprog = Prog(len(prog), ctypes.addressof(buf))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:
        raise SystemExit("passbound sandbox: seccomp filter failed (errno %%d)" %% ctypes.get_errno())
_passbound_boot(%r)
"""

# Syscall numbers the seccomp filter needs, per machine (AUDIT_ARCH value and table).
# ``ipc``: shmget shmat shmctl semget semop semctl semtimedop msgget msgsnd msgrcv msgctl mq_open.
SECCOMP_ARCHES = {
    "x86_64": {
        "arch": 0xC000003E,
        "nr": {
            "clone": 56,
            "unshare": 272,
            "setns": 308,
            "clone3": 435,
            "add_key": 248,
            "request_key": 249,
            "keyctl": 250,
            "prctl": 157,
        },
        "ipc": [29, 30, 31, 64, 65, 66, 220, 68, 69, 70, 71, 240],
    },
    "aarch64": {
        "arch": 0xC00000B7,
        "nr": {
            "clone": 220,
            "unshare": 97,
            "setns": 268,
            "clone3": 435,
            "add_key": 217,
            "request_key": 218,
            "keyctl": 219,
            "prctl": 167,
        },
        "ipc": [194, 196, 195, 190, 193, 191, 192, 186, 189, 188, 187, 180],
    },
}


def seccomp_spec() -> dict | None:
    """The filter's parameters for this machine, or None where passbound has no syscall table."""
    import platform

    return SECCOMP_ARCHES.get(platform.machine().lower())


def boot_code(
    *,
    path: str,
    workdir: str,
    rlimits: list[tuple[str, int, int]],
    uid: int | None,
    argv: list[str] | None = None,
    probe_imports: tuple[str, ...] = (),
) -> str:
    """The ``python -c`` argument that limits, de-privileges, then runs ``path`` as __main__."""
    cfg = {
        "path": path,
        "workdir": workdir,
        "rlimits": [list(r) for r in rlimits],
        "uid": uid,
        "argv": list(argv or []),
        "probe_imports": list(probe_imports),
        "seccomp": seccomp_spec(),
    }
    return _BOOT % (cfg,)
