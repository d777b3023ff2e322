"""Ends an engine's helper processes when the passbound process that owns them is killed.

vLLM runs its engine core and workers as processes of their own. A ``kill -9`` of passbound (how
schedulers and impatient people stop a run; resuming is designed for it) leaves them behind,
reparented to init, each holding its model weights and KV cache: measured here, a 3 GB
``VLLM::Worker`` still at ~90% CPU minutes later. Nothing runs in a SIGKILLed process, so a small
watcher in its own session notes the owner's descendants every half second and, once the owner
is gone, kills the ones it last saw. It exits with the owner; a normal ``close`` has already
ended them.

    python -m passbound.engines._reaper OWNER_PID
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

_STARTED: set[int] = set()


def watch(owner: int, interval: float = 0.5) -> None:
    import psutil

    try:
        parent = psutil.Process(owner)
    except psutil.NoSuchProcess:
        return
    seen: list[psutil.Process] = []
    while True:
        try:
            if parent.status() == psutil.STATUS_ZOMBIE:
                break
            seen = [p for p in parent.children(recursive=True) if p.pid != os.getpid()]
        except psutil.NoSuchProcess:
            break
        time.sleep(interval)
    for process in seen:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass


def start_reaper() -> None:
    """Start the watcher for this process (once); it needs psutil, which vLLM itself requires."""
    if os.getpid() in _STARTED:
        return
    _STARTED.add(os.getpid())
    subprocess.Popen(
        [sys.executable, "-m", "passbound.engines._reaper", str(os.getpid())],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )


if __name__ == "__main__":
    watch(int(sys.argv[1]))
