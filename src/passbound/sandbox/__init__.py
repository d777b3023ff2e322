"""Run one untrusted Python program safely and fast (the base of code grading).

``run_program(source, timeout=...)`` -> ``SandboxResult``; ``sandbox_capabilities()`` says which
protections are active on this machine. See ``Sandbox`` for what it does and does not protect.
"""

from __future__ import annotations

import sys

from passbound.sandbox._isolation import TIERS, select_tier
from passbound.sandbox._limits import Limits
from passbound.sandbox._runner import SandboxResult, clean_env, execute
from passbound.sandbox._server import SandboxServer, ServerUnavailable

__all__ = [
    "TIERS",
    "Limits",
    "Sandbox",
    "SandboxResult",
    "SandboxServer",
    "ServerUnavailable",
    "clean_env",
    "run_program",
    "sandbox_capabilities",
]


class Sandbox:
    """Runs untrusted Python programs, one subprocess each, under the strongest tier available.

    Every run gets: its own session/process group, killed as a whole (SIGKILL) at the wall-clock
    deadline and after the program ends, so nothing outlives the call; rlimits on CPU time,
    address space (per process), file size, open files, processes, core dumps (0); a fresh
    temp working directory, deleted afterwards; a clean environment (PATH, LANG, HOME=workdir,
    PYTHONHASHSEED=0 ...; nothing from the host); ``python -s`` with ``sys.path[0]`` = the temp
    dir; stdout/stderr read incrementally and capped (the run is killed on overflow).

    Tiers (``sandbox_capabilities()["isolation"]``), strongest first: ``bwrap`` (bubblewrap:
    read-only host filesystem with private /tmp and hidden /root, /home, /run; pid, network,
    ipc, uts namespaces; dies with its parent; as root, a per-run unprivileged uid so
    RLIMIT_NPROC binds), ``unshare`` (namespaces without filesystem isolation), ``uid``
    (unprivileged uid only), ``none`` (limits only). Force one with ``isolation=`` or the env
    var PASSBOUND_SANDBOX_ISOLATION.

    Cost per run (trivial program, 2-core box under load average ~10, interleaved rounds):
    bare ``subprocess.run([python, "-c", "pass"])`` 36 ms; ``none`` 48 ms; ``uid`` 50 ms;
    ``unshare`` 93 ms; ``bwrap`` 100 ms. On a quiet box: bare 12 ms, ``unshare --net --pid``
    +10 ms, bwrap +25-50 ms (mount and network namespace set-up and tear-down in the kernel).

    What it does NOT protect against:

    * kernel exploits and container escapes (there is no seccomp filter and no VM boundary);
      run untrusted code at scale in a throwaway VM/container as well;
    * CPU side channels (Spectre and kin) and timing attacks on co-located work;
    * reading world-readable host files: with ``bwrap`` everything outside /root, /home, /tmp,
      /run is visible read-only (e.g. /etc, /work, the benchmark data, other datasets); with
      ``unshare``/``uid``/``none`` the whole filesystem is visible and, without a uid drop,
      writable (``none`` as root can do anything root can);
    * total memory: RLIMIT_AS is per process, so up to ``max_processes x memory_mb`` (no cgroup
      memory limit); and the host's load while a fork bomb spins until the deadline;
    * disk fill inside the temp dir beyond ``max_file_mb`` per file (many files can add up);
    * without a network namespace (tiers ``uid``/``none``) the program has the host's network;
    * a program that exits early, patches builtins or fakes output: that is the harness's job.
    """

    def __init__(
        self,
        *,
        isolation: str = "auto",
        python: str = sys.executable,
        memory_mb: int = 1024,
        max_processes: int = 64,
        max_output_bytes: int = 1 << 20,
    ) -> None:
        self.isolation = isolation
        self.python = python
        self.memory_mb = memory_mb
        self.max_processes = max_processes
        self.max_output_bytes = max_output_bytes

    def capabilities(self) -> dict[str, object]:
        """Which protections are active for this interpreter (probes once, then cached)."""
        return select_tier(self.python, self.isolation).capabilities()

    def run(
        self,
        source: str,
        *,
        timeout: float,
        stdin: str | None = None,
        extra_files: dict[str, str] | None = None,
        env: dict[str, str] | None = None,
    ) -> SandboxResult:
        limits = Limits(
            timeout=timeout,
            memory_mb=self.memory_mb,
            max_processes=self.max_processes,
            max_output_bytes=self.max_output_bytes,
        )
        return execute(
            source, limits=limits, stdin=stdin, extra_files=extra_files, python=self.python,
            env=env, isolation=self.isolation,
        )  # fmt: skip


def run_program(
    source: str,
    *,
    stdin: str | None = None,
    timeout: float,
    memory_mb: int = 1024,
    max_output_bytes: int = 1 << 20,
    extra_files: dict[str, str] | None = None,
    python: str = sys.executable,
    env: dict[str, str] | None = None,
    max_processes: int = 64,
    isolation: str = "auto",
) -> SandboxResult:
    """Run ``source`` as ``__main__`` in a sandbox; ``extra_files`` (relative path -> text) go
    next to it and are importable; ``env`` adds variables to the clean environment."""
    sandbox = Sandbox(
        isolation=isolation, python=python, memory_mb=memory_mb, max_processes=max_processes,
        max_output_bytes=max_output_bytes,
    )  # fmt: skip
    return sandbox.run(source, timeout=timeout, stdin=stdin, extra_files=extra_files, env=env)


def sandbox_capabilities(python: str = sys.executable, isolation: str = "auto") -> dict[str, object]:
    """Which protections are active here, e.g. ``{"isolation": "bwrap", "pid_namespace": True,
    ...}``; ``notes`` explains why stronger tiers were not used."""
    return select_tier(python, isolation).capabilities()
