"""Bounded line reads: how the harness and the candidate's process read each other's messages.

Why a module of its own: both sides of the two pipes use it (the candidate's process for its
requests, the harness for the replies it times), and it is where a reply's deadline and size
cap are enforced: a reader never waits past its deadline nor buffers past its cap.
"""

_EOF = object()  # the child is gone (it exited or was killed from inside)
_CAP = object()  # the child sent more than any result may be
_STOP = object()  # the host asked the run to stop (its verdict is already decided)


def _read_line(fd, buf, deadline, cap, stop_fd=None):
    """One newline-terminated message from ``fd``: None on timeout, ``_CAP`` past ``cap`` bytes,
    ``_EOF`` when the writer is gone, ``_STOP`` when ``stop_fd`` (the zygote's request pipe,
    which carries nothing else during a run) has a byte to read (the byte is left there)."""
    import os
    import select
    import time

    while b"\n" not in buf[0]:
        left = None if deadline == float("inf") else deadline - time.monotonic()
        if len(buf[0]) > cap:
            return _CAP
        if left is not None and left <= 0:
            return None
        ready, _, _ = select.select([fd] if stop_fd is None else [fd, stop_fd], [], [], left)
        if not ready:
            return None
        if stop_fd is not None and stop_fd in ready:
            return _STOP
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return _EOF
        buf[0] += chunk
    line, _, rest = buf[0].partition(b"\n")
    buf[0] = rest
    return line
