"""What lets one program's state outlive it is refused or replaced, on every tier and on a server.

SysV IPC and POSIX message queues (objects that outlive every process and hold host memory
outside every rlimit) are refused by the seccomp filter on every tier; a warm server whose loop
is gone or reports a run it could not clean up is replaced, and the next program is run on the
fresh one (not graded on a sandbox it did not break); a warm sandbox's writable place is a
size-capped tmpfs and its own files are read-only.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _sandbox_helpers import tier_params

from passbound.sandbox import SandboxServer, run_program, sandbox_capabilities

TIERS = tier_params()

IPC = r'''
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
calls = {"shmget": lambda: libc.shmget(0, 1 << 20, 0o1600), "msgget": lambda: libc.msgget(0, 0o1600),
         "semget": lambda: libc.semget(0, 1, 0o1600), "mq_open": lambda: libc.mq_open(b"/q", 0o100 | 2, 0o600, None)}
for name, call in calls.items():
    ctypes.set_errno(0)
    print(name, call(), ctypes.get_errno())
'''


@pytest.mark.parametrize("tier", TIERS)
def test_sysv_ipc_and_message_queues_are_refused(tier: tuple[str, str]) -> None:
    if not sandbox_capabilities(tier[1], tier[0])["no_user_namespaces"]:
        pytest.skip("no seccomp filter on this machine")
    r = run_program(IPC, isolation=tier[0], python=tier[1], timeout=20)
    assert r.status == "ok", r.stderr
    for line in r.stdout.splitlines():
        name, result, errno = line.split()
        assert result == "-1" and errno == "1", line  # EPERM


# A loop that follows the server contract; its request bodies are commands.
LOOP = r'''
import os, sys
tag, served = sys.argv[-1], 0
os.write(1, (tag + " ready\n").encode())
while True:
    header = b""
    while not header.endswith(b"\n"):
        byte = os.read(0, 1)
        if not byte:
            sys.exit(0)
        header += byte
    body = os.read(0, int(header)).decode()
    served += 1
    if body == "die-on-second" and served == 2:
        os._exit(0)  # gone before the run began: what a loop that found its sandbox damaged does
    out, clean = body, 1
    if body == "dirty":
        clean = 0
    if body == "fill":
        written = 0
        try:
            with open("fill.bin", "wb") as f:
                while written < (64 << 20):
                    f.write(b"x" * (1 << 20))
                    f.flush()
                    written += 1 << 20
        except OSError:
            pass
        out = str(written)
    if body == "script":
        try:
            open("../program.py", "a").write("# kept\n")
            out = "writable"
        except OSError:
            out = "read-only"
    os.write(1, (out + "\n%s end 0 %d\n" % (tag, clean)).encode())
'''


@pytest.fixture()
def server():
    if not sandbox_capabilities()["pid_namespace"]:
        pytest.skip("no tier with a pid namespace here")
    with SandboxServer(LOOP, memory_mb=256, max_processes=4, disk_mb=8) as s:
        yield s


def test_a_program_after_a_vanished_loop_is_run_on_a_fresh_sandbox(server: SandboxServer) -> None:
    assert server.request(b"die-on-second", timeout=10).stdout == "die-on-second"
    second = server.request(b"die-on-second", timeout=10)  # the loop leaves on reading it
    assert second.status == "ok" and second.stdout == "die-on-second"


def test_a_run_the_loop_could_not_clean_up_costs_the_sandbox(server: SandboxServer) -> None:
    assert server.request(b"dirty", timeout=10).stdout == "dirty"
    pid = server._proc.pid if server._proc else None
    assert server.request(b"next", timeout=10).stdout == "next"
    assert server._proc is not None and server._proc.pid != pid


def test_the_writable_place_is_capped_and_the_script_read_only(server: SandboxServer) -> None:
    if server.tier.name != "bwrap":
        pytest.skip("the tmpfs cap is bubblewrap's (other tiers' runs get theirs from the code harness)")
    assert int(server.request(b"fill", timeout=30).stdout) <= 8 << 20
    assert server.request(b"script", timeout=10).stdout == "read-only"
