"""Import every passbound module with the running interpreter; exit non-zero naming each failure.

Why: pyproject declares a Python floor and a set of core dependencies; this is the check that
both are true (a 3.11-only stdlib import, or a core module importing an optional extra at module
level, fails here). `.ci/run` runs it on Python 3.10 with only the core dependencies installed;
tests/core/test_import_smoke.py runs it with the test interpreter.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback


def main() -> int:
    import passbound

    failed: list[str] = []
    names = [m.name for m in pkgutil.walk_packages(passbound.__path__, "passbound.")]
    for name in names:
        if name == "passbound.__main__":  # runs the CLI on import
            continue
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - every failure is collected and reported below
            failed.append(f"{name}:\n{traceback.format_exc(limit=3)}")
    print(f"import smoke: Python {sys.version.split()[0]}, {len(names) - 1} modules, {len(failed)} failed")
    for failure in failed:
        print(failure, file=sys.stderr)
    return 1 if failed or len(names) < 50 else 0


if __name__ == "__main__":
    sys.exit(main())
