"""The harness script's first lines: the work dir off ``sys.path``, then every standard-library
module the harness uses imported now, before any candidate exists.

Why: the candidate's process can write to the work dir (and the run folders under it), and the
sandbox's boot puts the work dir first on ``sys.path``. A module the harness imported later from
there, inside a function, would be the candidate's code running in the harness: a planted
``signal.py`` made plain HumanEval's ``check()`` (which the harness runs) a no-op for every later
run on a zygote (reproduced; tests/verify/test_code_zygote.py). Both measures hold on their own:
an import of an already-loaded module never reads the disk, and with the work dir off the path
a module loaded late (by the standard library itself) is still found only where it belongs.
"""

import os
import sys

if __name__ == "__main__":  # the sandbox's script; the grader imports this package and keeps its path
    _own_dir = os.path.realpath(os.path.dirname(os.path.abspath(__file__)))
    sys.path[:] = [
        p for p in sys.path if p not in ("", ".") and not (os.path.realpath(p) + os.sep).startswith(_own_dir + os.sep)
    ]

import builtins  # noqa: F401 - loaded now, used by the modules below
import io  # noqa: F401
import resource  # noqa: F401
import select  # noqa: F401
import signal  # noqa: F401
import socket  # noqa: F401 - the zygote brings up a run's loopback
import subprocess  # noqa: F401
import time  # noqa: F401

try:
    import ctypes  # noqa: F401 - the zygote's prctl, unshare and mount; without it there is no zygote
    import fcntl  # noqa: F401
except ImportError:
    pass
