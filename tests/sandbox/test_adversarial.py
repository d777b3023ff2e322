"""One adversarial property per test, run under every isolation tier that works here.

A test that would endanger the host under a weak tier (kill(-1) as root, a fork bomb without a
process limit) is skipped for that tier, after checking what the tier reports, never assumed.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from _listener import host_listener

sys.path.insert(0, str(Path(__file__).parent))
from _sandbox_helpers import require, tier_params, wait_gone, zombie_children

from passbound.sandbox import run_program

TIERS = tier_params()
SLACK = 2.0  # seconds allowed past the timeout (start-up, kill, reaping) on a loaded 2-core box


def _run(tier: tuple[str, str], src: str, **kw: object):
    kw.setdefault("timeout", 10)
    return run_program(src, isolation=tier[0], python=tier[1], **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("tier", TIERS)
def test_infinite_loop_with_children_is_killed_promptly(tier: tuple[str, str]) -> None:
    marker = f"loop-{uuid.uuid4().hex}"
    src = (
        "import os, subprocess, sys\nprint(os.getcwd(), flush=True)\n"
        f"kids = [subprocess.Popen([sys.executable, '-c', 'while True: pass  # {marker}']) for _ in range(3)]\n"
        "while True:\n    pass\n"
    )
    # Zombies left by earlier tests in this process (a server fixture, say) are not this run's.
    zombies_before = set(zombie_children())
    r = _run(tier, src, timeout=1.5)
    assert r.status == "timeout" and r.signal == signal.SIGKILL and r.exit_code is None
    assert 1.5 <= r.duration_s < 1.5 + SLACK
    workdir = r.stdout.split()[0]
    assert wait_gone(marker) == [], "children of the program survived"
    assert wait_gone(workdir) == [], "the program (or its wrapper) survived"
    assert set(zombie_children()) - zombies_before == set(), "the sandbox left unreaped children"


@pytest.mark.parametrize("tier", TIERS)
def test_setsid_double_fork_escapee_is_killed(tier: tuple[str, str]) -> None:
    c = require(tier, "host_signal_safe")
    if not (c["pid_namespace"] or c["unprivileged_uid"]):
        pytest.skip("needs a pid namespace or a per-run uid to find escapees")
    marker = f"escape-{uuid.uuid4().hex}"
    src = (
        "import os, sys, time\n"
        "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
        f"        os.execv(sys.executable, [sys.executable, '-c', 'import time\\nwhile True: time.sleep(1)  # {marker}'])\n"
        "    os._exit(0)\n"
        "time.sleep(0.3)\nprint('parent done')\n"
    )
    r = _run(tier, src, timeout=5)
    assert (r.status, r.stdout) == ("ok", "parent done\n")
    assert r.duration_s < 3, "an escapee holding the pipes must not stall the run until the deadline"
    assert wait_gone(marker) == [], "a setsid()'d grandchild outlived the run"


@pytest.mark.parametrize("tier", TIERS)
def test_fork_bomb_is_contained(tier: tuple[str, str]) -> None:
    require(tier, "processes_limit")
    src = (
        "import os, time\nprint(os.getcwd(), flush=True)\n"
        "while True:\n    try:\n        os.fork()\n    except OSError:\n        time.sleep(0.01)\n"
    )
    r = _run(tier, src, timeout=3, max_processes=32)
    assert r.status == "timeout"
    assert r.duration_s < 3 + SLACK
    assert wait_gone(r.stdout.split()[0]) == [], "fork bomb processes survived the run"
    assert _run(tier, "print('alive')").stdout == "alive\n", "host can still start sandboxes"


@pytest.mark.parametrize("tier", TIERS)
def test_fork_bomb_does_not_starve_concurrent_runs(tier: tuple[str, str]) -> None:
    """Each run has its own uid (or user namespace), so one bomb cannot use up another's
    RLIMIT_NPROC, as it would if every sandbox ran as ``nobody``."""
    require(tier, "processes_limit")
    bomb = "import os, time\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        time.sleep(0.01)\n"
    worker = (
        "import os\npids = [os.fork() or os._exit(0) for _ in range(8)]\nprint(len([os.waitpid(p, 0) for p in pids]))\n"
    )
    bomber = threading.Thread(target=_run, args=(tier, bomb), kwargs={"timeout": 3, "max_processes": 16})
    bomber.start()
    try:
        time.sleep(0.5)  # let the bomb reach its limit
        results = [_run(tier, worker, max_processes=16) for _ in range(4)]
    finally:
        bomber.join()
    assert [(r.status, r.stdout) for r in results] == [("ok", "8\n")] * 4


@pytest.mark.parametrize("tier", TIERS)
def test_process_limit_binds(tier: tuple[str, str]) -> None:
    """RLIMIT_NPROC really binds (as root it would not, hence the uid drop / user namespace)."""
    require(tier, "processes_limit")
    src = (
        "import os, time\nn = 0\nfor _ in range(200):\n    try:\n        pid = os.fork()\n"
        "    except OSError:\n        break\n    if pid == 0:\n        time.sleep(10)\n        os._exit(0)\n"
        "    n += 1\nprint(n)\n"
    )
    r = _run(tier, src, max_processes=20)
    assert r.status == "ok"
    assert 0 < int(r.stdout) < 20


@pytest.mark.parametrize("tier", TIERS)
def test_memory_bomb_is_oom_and_host_is_fine(tier: tuple[str, str]) -> None:
    src = "chunks = []\nwhile True:\n    chunks.append(b'x' * (64 << 20))\n"
    r = _run(tier, src, memory_mb=256)
    assert r.status == "oom", r.stderr[-500:]
    assert r.exit_code == 1 and r.stderr.rstrip().endswith("MemoryError")
    assert _run(tier, "print(sum(range(10)))").stdout == "45\n"


@pytest.mark.parametrize("tier", TIERS)
def test_deep_recursion_is_an_error_not_a_host_crash(tier: tuple[str, str]) -> None:
    # Recursion through a C function (map) uses the C stack, which a huge limit lets overflow.
    src = "import sys\nsys.setrecursionlimit(10**8)\ndef f(n):\n    return list(map(f, [n + 1]))\nf(0)\n"
    r = _run(tier, src)
    assert r.status == "error"
    # The C stack overflows: SIGSEGV (or a RecursionError on interpreters that guard the C stack).
    assert r.signal == signal.SIGSEGV or "RecursionError" in r.stderr, (r.signal, r.stderr[-300:])


@pytest.mark.parametrize("tier", TIERS)
def test_writes_outside_workdir_fail_or_stay_invisible(tier: tuple[str, str]) -> None:
    c = require(tier, "rlimits")
    if not (c["private_filesystem"] or c["unprivileged_uid"]):
        pytest.skip(f"tier {tier[0]} runs as root on the host filesystem")
    tag = uuid.uuid4().hex
    targets = [f"/root/pwned-{tag}", f"/etc/pwned-{tag}", str(Path(__file__).parent / f"pwned-{tag}")]
    if c["private_filesystem"]:
        targets += [f"/tmp/pwned-{tag}", f"/var/tmp/pwned-{tag}", f"/dev/shm/pwned-{tag}"]
    src = (
        f"targets = {targets!r}\n"
        "for t in targets:\n    try:\n        open(t, 'w').write('pwned')\n        print('wrote', t)\n"
        "    except OSError as e:\n        print('failed', t, type(e).__name__)\n"
    )
    r = _run(tier, src)
    assert r.status == "ok", r.stderr
    leaked = [t for t in targets if os.path.exists(t)]
    for t in leaked:
        os.unlink(t)
    assert leaked == [], f"the program wrote to the host: {leaked}"


@pytest.mark.parametrize("tier", TIERS)
def test_host_environment_secrets_are_invisible(tier: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    secret = f"sk-fake-{uuid.uuid4().hex}"
    monkeypatch.setenv("PASSBOUND_FAKE_SECRET", secret)
    monkeypatch.setenv("HF_TOKEN", secret)
    src = "import os\nprint(dict(os.environ))\n"
    if require(tier, "rlimits")["host_signal_safe"]:  # the program cannot read host /proc/<pid>/environ
        src += (
            f"for pid in ['{os.getpid()}', str(os.getppid()), *[p for p in os.listdir('/proc') if p.isdigit()]]:\n"
            "    try:\n        print(open(f'/proc/{pid}/environ', 'rb').read())\n"
            "    except OSError:\n        pass\n"
        )
    r = _run(tier, src)
    assert r.status == "ok", r.stderr
    assert "PATH" in r.stdout  # the program did print its environment
    assert secret not in r.stdout + r.stderr


@pytest.mark.parametrize("tier", TIERS)
def test_network_to_host_listener_is_blocked(tier: tuple[str, str]) -> None:
    require(tier, "network_namespace")
    with host_listener() as (port, received):
        src = (
            "import socket\ntry:\n"
            f"    s = socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
            "    s.sendall(b'pwned')\n    print('connected')\n"
            "except OSError as e:\n    print('blocked', type(e).__name__)\n"
        )
        r = _run(tier, src)
    assert r.stdout.startswith("blocked"), r.stdout + r.stderr
    assert received == []


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize(
    "attack", ["os.kill(os.getppid(), 9)", "os.killpg(0, 9)", "os.kill(-1, 9)"], ids=["ppid", "killpg0", "minus1"]
)
def test_killing_the_parent_leaves_the_host_alive(tier: tuple[str, str], attack: str) -> None:
    # Only where the program cannot reach host processes: as root, kill(-1) would kill everything.
    require(tier, "host_signal_safe")
    sentinel = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        r = _run(
            tier,
            f"import os, time\ntry:\n    {attack}\nexcept OSError as e:\n    print(type(e).__name__)\ntime.sleep(0.2)\n",
        )
        assert sentinel.poll() is None, "a host process was killed"
        assert os.getppid() > 1 and os.kill(os.getppid(), 0) is None, "the test runner's parent is alive"
        assert r.status in ("ok", "error")  # the program may have killed itself
    finally:
        sentinel.kill()
        sentinel.wait()


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_gigabytes_of_output_hit_the_cap(tier: tuple[str, str], stream: str) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
    src = f"import os\nchunk = b'x' * (1 << 20)\nfor _ in range(4096):\n    os.write({1 if stream == 'stdout' else 2}, chunk)\n"
    r = _run(tier, src, max_output_bytes=1 << 20)
    assert r.status == "output_limit" and r.signal == signal.SIGKILL
    assert len(getattr(r, stream)) == 1 << 20
    assert r.duration_s < 5, "killed as soon as the cap was passed, not after 4 GiB"
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 64 * 1024, "host memory grew"
