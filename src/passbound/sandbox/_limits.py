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
_passbound_boot(%r)
"""


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
    }
    return _BOOT % (cfg,)
