"""Samples are independent draws: nothing a program does on a warm sandbox reaches a later one.

The attacks are written as a policy under RL would write them: keep what a run learned (or the
outputs a correct sample computed) wherever it survives, and use it in a later sample of the
same problem; checkpoint inside a timed-out run so the confirmation run passes; break the
sandbox for whatever runs next. One class per test, each run on one verifier (one worker, one
warm sandbox: the worst case), real bubblewrap, real HumanEval+ data. Each of these passed its
attack on the tree before per-run namespaces (run with PYTHONPATH pointing at it).
"""

from __future__ import annotations

import os
import random
import subprocess
import tempfile
from pathlib import Path

import pytest

from passbound.benchmarks import load_benchmark
from passbound.metrics.passk import pass_at_k
from passbound.sandbox import sandbox_capabilities
from passbound.types import Problem
from passbound.verify import code as code_module
from passbound.verify.code import CodeVerifier

OPTIONS = dict(min_time_limit=1.0, per_set_timeout=3.0, reference_timeout=20.0, memory_mb=512, max_output_mb=4,
               cache_dir="")  # fmt: skip

pytestmark = pytest.mark.skipif(not sandbox_capabilities()["pid_namespace"],
                                reason="no sandbox tier with a pid namespace here: programs run one sandbox each")  # fmt: skip

# Where a program would keep state: every file it might write (the harness's own script one level
# up, the work dir, its home, scratch directories), SysV shared memory and a message queue.
STASH = r'''
import ctypes, os, time
_libc = ctypes.CDLL(None, use_errno=True)
_libc.shmat.restype = ctypes.c_void_p
_KEY = 0x5EED
_FILES = ["../program.py", "../stash.txt", "stash.txt", "/tmp/stash.txt", "/dev/shm/stash.txt",
          "/var/tmp/stash.txt", os.path.join(os.environ.get("HOME", "."), "stash.txt")]

def _put(text):
    for path in _FILES:
        try:
            with open(path, "a") as f:
                f.write("\n#STASH:" + text + "\n")
        except OSError:
            pass
    shmid = _libc.shmget(_KEY, 1 << 16, 0o1666)
    if shmid >= 0:
        addr = _libc.shmat(shmid, None, 0)
        if addr not in (None, 2**64 - 1):
            data = text.encode()[:60000] + b"\0"
            ctypes.memmove(addr, data, len(data))
            _libc.shmdt(ctypes.c_void_p(addr))
    qid = _libc.msgget(_KEY, 0o1666)
    if qid >= 0:
        body = text.encode()[:8000]
        msg = ctypes.create_string_buffer(8 + len(body))
        ctypes.memmove(ctypes.addressof(msg), (1).to_bytes(8, "little") + body, 8 + len(body))
        _libc.msgsnd(qid, msg, len(body), 0o4000)

def _get():
    for path in _FILES:
        try:
            with open(path) as f:
                data = f.read()
        except (OSError, UnicodeDecodeError):
            continue
        if "#STASH:" in data:
            return data.rsplit("#STASH:", 1)[1].split("\n")[0]
    shmid = _libc.shmget(_KEY, 0, 0)
    if shmid >= 0:
        addr = _libc.shmat(shmid, None, 0)
        if addr not in (None, 2**64 - 1):
            text = ctypes.string_at(addr).decode(errors="replace")
            if text:
                return text
    return None
'''


@pytest.fixture(scope="module")
def problem(shared_data: Path) -> Problem:
    return load_benchmark("humaneval_plus", data_dir=shared_data, limit=1).problems[0]  # has_close_elements


@pytest.fixture()
def verifier() -> CodeVerifier:
    return CodeVerifier(**OPTIONS)


def program(problem: Problem, body: str, tag: str = "") -> str:
    """``has_close_elements`` that runs ``body`` (which may call ``_correct`` and the stash)."""
    return (STASH + problem.target.replace("def has_close_elements", "def _correct")
            + f"\n\ndef has_close_elements(numbers, threshold):  # {tag}\n" + body)  # fmt: skip


def check(verifier: CodeVerifier, problem: Problem, source: str) -> str:
    return verifier.check(problem, source).status


# A correct sample that publishes what it computed, and one that only copies published answers.
PUBLISHER = "    out = _correct(numbers, threshold)\n    _put('seen')\n    return out\n"
COPIER = "    if _get() == 'seen':\n        return _correct(numbers, threshold)\n    return None\n"
# A guesser that learns from earlier samples: it passes once enough of them ran before it.
LEARNER = (
    "    seen = _get() or ''\n    n = int(seen) if seen.isdigit() else 0\n    _put(str(n + 1))\n"
    "    return _correct(numbers, threshold) if n >= 3 else None\n"
)


def test_files_and_ipc_do_not_carry_a_published_answer_to_a_later_sample(verifier, problem) -> None:
    assert check(verifier, problem, program(problem, PUBLISHER)) == "pass"
    assert check(verifier, problem, program(problem, COPIER)) == "fail"


@pytest.mark.parametrize("where", ["files", "ipc"])
def test_each_kind_of_state_alone_is_gone(verifier, problem, where) -> None:
    files = "    _put('seen')\n" if where == "files" else ""
    ipc = "    _FILES[:] = []\n    _put('seen')\n" if where == "ipc" else ""
    writer = program(problem, files + ipc + "    return None\n", where)
    reader = program(problem, ("    _FILES[:] = []\n" if where == "ipc" else "") + COPIER, where)
    assert check(verifier, problem, writer) == "fail"
    assert check(verifier, problem, reader) == "fail"


def test_a_learner_never_learns_across_samples(verifier, problem) -> None:
    statuses = [check(verifier, problem, program(problem, LEARNER, str(i))) for i in range(6)]
    assert statuses == ["fail"] * 6


def test_a_timeout_checkpoint_does_not_pass_the_confirmation_run(verifier, problem) -> None:
    # First run: leave a checkpoint, then overrun. The confirmation run would pass from it.
    body = (
        "    if _get() == 'ckpt':\n        return _correct(numbers, threshold)\n    _put('ckpt')\n    time.sleep(30)\n"
    )
    assert check(verifier, problem, program(problem, body)) == "timeout"


def test_a_program_cannot_break_the_sandbox_for_the_next_one(verifier, problem) -> None:
    """Permissions, limits, priority and CPUs of everything it can reach, and a full disk."""
    body = r'''
    import resource
    for path in (".", "..", os.environ.get("HOME", "."), "../program.py", "/tmp"):
        try:
            os.chmod(path, 0)
        except OSError:
            pass
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != os.getpid():
            pid = int(name)
            for call in (lambda: resource.prlimit(pid, resource.RLIMIT_NOFILE, (3, 3)),
                         lambda: resource.prlimit(pid, resource.RLIMIT_NPROC, (1, 1)),
                         lambda: os.setpriority(os.PRIO_PROCESS, pid, 19),
                         lambda: os.sched_setaffinity(pid, {min(os.sched_getaffinity(0))})):
                try:
                    call()
                except (OSError, ValueError):
                    pass
    try:
        with open("fill", "wb") as f:
            while True:
                f.write(b"x" * (1 << 20))
    except OSError:
        pass
    return None
'''
    assert check(verifier, problem, program(problem, body)) == "fail"
    after = verifier.check(problem, problem.target)
    assert after.status == "pass", after.detail


def test_shuffling_a_problems_samples_changes_no_verdict_and_no_pass_at_k(verifier, problem) -> None:
    bodies = {
        "publisher": PUBLISHER,
        "copier": COPIER,
        "learner": LEARNER,
        "correct": "    return _correct(numbers, threshold)\n",
        "wrong": "    return None\n",
    }
    samples = [program(problem, body, f"{name} {i}") for i in range(2) for name, body in bodies.items()]
    orders = [list(samples), list(reversed(samples))]
    orders.append(random.Random(7).sample(samples, len(samples)))
    verdicts = []
    for order in orders:
        by_program = {source: check(verifier, problem, source) for source in order}
        verdicts.append([by_program[source] for source in samples])
    assert verdicts[0] == verdicts[1] == verdicts[2]
    n = len(samples)
    ks = [pass_at_k(n, sum(s == "pass" for s in v), 4) for v in verdicts]
    assert ks[0] == ks[1] == ks[2] and sum(s == "pass" for s in verdicts[0]) == 4  # publisher, correct x2


def test_no_ipc_memory_or_disk_is_held_after_the_program(verifier, problem) -> None:
    """A program that leaves 64 MB of shared memory, a message queue and files behind: after it,
    no IPC object exists in any namespace of the sandbox and the host work dir holds nothing."""
    body = r'''
    shmid = _libc.shmget(0x600D, 64 << 20, 0o1600)
    if shmid >= 0:
        addr = _libc.shmat(shmid, None, 0)
        ctypes.memset(addr, 1, 64 << 20)
        _libc.shmdt(ctypes.c_void_p(addr))
    _FILES[:] = ["../big.bin"]
    _put("x" * 4000)
    try:
        with open("../big.bin", "wb") as f:
            f.write(b"y" * (32 << 20))
    except OSError:
        pass
    return None
'''
    assert check(verifier, problem, program(problem, body)) == "fail"
    server, _ = code_module._server_for(verifier)
    assert server is not None and server._proc is not None
    held = _ipc_objects(server._proc.pid)
    assert held == [], held
    assert _host_bytes() < 1 << 20


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            kids = [int(c) for t in os.listdir(f"/proc/{p}/task")
                    for c in Path(f"/proc/{p}/task/{t}/children").read_text().split()]  # fmt: skip
        except OSError:
            kids = []
        found += kids
        todo += kids
    return found


def _ipc_objects(pid: int) -> list[str]:
    """Every SysV IPC object in the IPC namespaces of ``pid``'s descendants (read from inside)."""
    seen, held = set(), []
    for child in _descendants(pid):
        try:
            ns = os.readlink(f"/proc/{child}/ns/ipc")
        except OSError:
            continue
        if ns in seen:
            continue
        seen.add(ns)
        for kind in ("shm", "msg", "sem"):
            out = subprocess.run(["nsenter", "-t", str(child), "-i", "cat", f"/proc/sysvipc/{kind}"],
                                 capture_output=True, text=True, timeout=30).stdout  # fmt: skip
            held += [f"{kind}: {line}" for line in out.splitlines()[1:] if line.strip()]
    return held


def _host_bytes() -> int:
    """Bytes in this process's server work dirs on the host beyond the harness script."""
    total = 0
    for d in Path(tempfile.gettempdir()).glob(f"passbound-zyg-{os.getpid()}-*"):
        for root, _, names in os.walk(d):
            total += sum(os.path.getsize(os.path.join(root, n)) for n in names if os.path.isfile(os.path.join(root, n)))
    return total - len(code_module.harness_source().encode())


def test_a_server_on_the_hosts_files_keeps_them_and_shares_no_scratch_dir(problem, tmp_path) -> None:
    """The unshare tier shows the host's file system: the server must neither empty the host's
    /tmp after a run (as root, that is every user's files: the tree before per-run namespaces
    did) nor let one program's /tmp files reach the next (each run gets its own /tmp)."""
    try:
        if not sandbox_capabilities(isolation="unshare")["pid_namespace"]:
            pytest.skip("no unshare tier here")
    except RuntimeError:
        pytest.skip("no unshare tier here")
    if "_in_namespaces" not in code_module.harness_source():  # never run this against an older tree
        pytest.skip("this tree's zygote sweeps /tmp as root: on the unshare tier that is the host's /tmp")
    canary = Path(tempfile.mkdtemp(prefix="passbound-canary-")) / "keep"
    canary.write_text("host file")
    try:
        verifier = CodeVerifier(**OPTIONS, isolation="unshare")
        writer = program(problem, "    _FILES[:] = ['/tmp/stash.txt', '/var/tmp/stash.txt', '/dev/shm/stash.txt']\n"
                                  "    _put('seen')\n    return None\n", "unshare")  # fmt: skip
        assert check(verifier, problem, writer) == "fail"
        assert check(verifier, problem, program(problem, COPIER, "unshare")) == "fail"
        assert canary.read_text() == "host file"
        assert not any(Path(d, "stash.txt").exists() for d in ("/tmp", "/var/tmp", "/dev/shm"))
    finally:
        canary.unlink(missing_ok=True)
        canary.parent.rmdir()
