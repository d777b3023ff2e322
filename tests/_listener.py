"""A TCP listener on the host's loopback that records whatever connects: the witness in tests
that sandboxed code cannot reach the host's network. Importable from any test module."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def host_listener() -> Iterator[tuple[int, list[bytes]]]:
    """Yield (port, received): ``received`` gets one entry per connection (its first bytes)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    received: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                received.append(conn.recv(100) or b"<connected>")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], received
    finally:
        time.sleep(0.3)  # a connection attempt still in flight lands before we stop looking
        stop.set()
        thread.join()
        listener.close()
