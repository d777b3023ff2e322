"""Run directories on object storage: ``output = "s3://bucket/run"`` (any URI pyarrow.fs opens).

Object stores have no rename, but an upload is atomic: an object appears whole when its PUT (or
multipart upload) completes, or not at all. So the commit protocol carries over unchanged: each
process works on a private local copy of the run directory, writes every file there atomically
as before, and commits it by uploading it whole; the remote objects are the ledger. A shard
exists remotely, so it is done; a process killed before its upload loses only that file, and
its local copy is thrown away. Opening a run downloads the remote files (all of them, or the
prefixes a worker needs); the manifest, problems, study.toml and shards are uploaded the moment
they are written, other outputs (tables, report, figures) when the stage that wrote them ends
(``RunDir.sync``) and, as a safety net, when the process exits.

Credentials and endpoint come from the usual AWS variables (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_ENDPOINT_URL`` for S3-compatible servers such as SeaweedFS or
MinIO) or from URI options (``s3://bucket/run?endpoint_override=host:port&scheme=http``).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from passbound.errors import RunDirError

_OPEN: list[RemoteRun] = []  # synced and removed at exit (a strong reference: GC must not skip one)


def is_uri(location: str | os.PathLike[str]) -> bool:
    """``s3://…``, ``gs://…`` and the like; ``file://`` and plain paths are local."""
    text = str(location)
    scheme, sep, _ = text.partition("://")
    return bool(sep) and scheme.isalnum() and scheme.lower() != "file"


def remove_stale_copies(root: Path) -> int:
    """Delete the working copies of processes that are gone: a killed process (a Ray actor is
    ended with SIGKILL) never runs its exit hook, so the next process on the machine cleans up."""
    removed = 0
    for folder in root.glob("passbound-run-*-*"):
        pid = folder.name.split("-")[2]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
        except PermissionError:  # alive, someone else's
            continue
    return removed


def _is_temp(rel: str) -> bool:
    return Path(rel).name.startswith(".") and ".tmp-" in Path(rel).name


class RemoteRun:
    """The remote half of a run directory on object storage, and its local working copy."""

    def __init__(self, uri: str) -> None:
        import pyarrow.fs as pafs

        self.uri = uri.rstrip("/")
        try:
            self.fs, root = pafs.FileSystem.from_uri(self.uri)
        except Exception as exc:  # noqa: BLE001 - bad scheme, bucket name, missing credentials
            raise RunDirError(
                f"cannot open {self.uri}: {exc}; check the URI and the AWS_* variables "
                "(AWS_ENDPOINT_URL for an S3-compatible server)"
            ) from None
        self.root = root.rstrip("/")
        base = os.environ.get("PASSBOUND_REMOTE_CACHE") or tempfile.gettempdir()
        remove_stale_copies(Path(base))
        self.local = Path(tempfile.mkdtemp(prefix=f"passbound-run-{os.getpid()}-", dir=base))
        _OPEN.append(self)

    def _key(self, rel: str) -> str:
        return f"{self.root}/{rel}"

    def _remote_files(self, prefix: str = "") -> dict[str, tuple[int, int]]:
        """rel path -> (size, mtime in ns) of every remote object under ``prefix``."""
        import pyarrow.fs as pafs

        base = self._key(prefix).rstrip("/")
        try:
            infos = self.fs.get_file_info(pafs.FileSelector(base, recursive=True, allow_not_found=True))
        except OSError as exc:
            raise RunDirError(
                f"cannot list {self.uri}: {exc}; is the storage server reachable and the bucket there?"
            ) from None
        if prefix and not infos:  # a single object, not a folder
            info = self.fs.get_file_info(base)
            infos = [info] if info.type == pafs.FileType.File else []
        out = {}
        for info in infos:
            if info.type == pafs.FileType.File:
                rel = info.path[len(self.root) + 1 :]
                if not _is_temp(rel):
                    out[rel] = (info.size, info.mtime_ns or 0)
        return out

    def pull(self, prefixes: Iterable[str] = ("",)) -> int:
        """Download what the remote has and the local copy lacks (or holds in another version);
        drop local shards the remote does not have (their upload never happened)."""
        fetched = 0
        for prefix in prefixes:
            remote = self._remote_files(prefix)
            for rel, (size, mtime) in remote.items():
                local = self.local / rel
                if local.is_file() and local.stat().st_size == size and local.stat().st_mtime_ns == mtime:
                    continue
                local.parent.mkdir(parents=True, exist_ok=True)
                tmp = local.with_name(f".{local.name}.tmp-{os.getpid()}")
                with self.fs.open_input_stream(self._key(rel)) as src, open(tmp, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                os.utime(tmp, ns=(mtime, mtime))
                os.replace(tmp, local)
                fetched += 1
            root = self.local / prefix
            if root.is_dir():
                for path in root.rglob("chunk-*.parquet"):
                    if path.relative_to(self.local).as_posix() not in remote:
                        path.unlink()
        return fetched

    def push(self, path: Path) -> None:
        """Commit one local file: upload it whole; the object appears when the upload completes."""
        rel = path.relative_to(self.local).as_posix()
        try:
            with open(path, "rb") as src, self.fs.open_output_stream(self._key(rel)) as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except OSError as exc:
            raise RunDirError(
                f"could not upload {rel} to {self.uri}: {exc}; the local copy is kept in {self.local}, "
                "re-run the command once the storage is reachable"
            ) from None
        info = self.fs.get_file_info(self._key(rel))
        if info.mtime_ns:
            os.utime(path, ns=(info.mtime_ns, info.mtime_ns))

    def sync(self) -> int:
        """Upload every local file that the remote lacks or holds in another version."""
        remote = self._remote_files()
        pushed = 0
        for path in sorted(p for p in self.local.rglob("*") if p.is_file()):
            rel = path.relative_to(self.local).as_posix()
            if _is_temp(rel):
                continue
            stat = path.stat()
            if remote.get(rel) != (stat.st_size, stat.st_mtime_ns):
                self.push(path)
                pushed += 1
        return pushed

    def close(self) -> None:
        shutil.rmtree(self.local, ignore_errors=True)
        if self in _OPEN:
            _OPEN.remove(self)


@atexit.register
def _sync_at_exit() -> None:
    """Upload what the stages left unsynced, then drop the local copies."""
    for remote in list(_OPEN):
        try:
            remote.sync()
        except Exception:  # noqa: BLE001 - the storage went away: nothing more can be saved at exit
            pass
        remote.close()
