"""The test harness that runs *inside* the sandbox, split by responsibility; ``source()`` is
the one script the sandbox runs.

The harness does not judge anything: it forks the candidate's process first, then sends it each
test input and reports what came back, timed by its own clock and tagged with a per-run nonce,
on a private copy of stdout. The grader compares (see code.py).

How it gets there: the sandbox runs one stdlib-only program as its ``__main__`` (``program.py``
in the work dir; no passbound package, no site-packages there). ``source()`` assembles it from
the modules below, in order, with their package-relative imports dropped, so in the sandbox they
share one ``__main__`` namespace exactly as a single file would. No harness module is ever
imported from the work dir: the candidate's process can write there, so a module loaded from it
after the fork could be the candidate's code. The trusted grader imports the same modules as a
package (``codec`` for ``encode``/``decode``): one definition for both sides.

* ``preload``: the work dir off ``sys.path`` and every standard-library module loaded up front.
* ``codec``: the wire codec (plain builtin types only) and the canonical digests.
* ``protocol``: bounded line reads with deadlines and size caps.
* ``candidate``: the candidate's process (forked before any secret is read) and the handle on it.
* ``driver``: one run's records, timed from outside the candidate's process.
* ``zygote``: the entry points (one run per interpreter, or a server of many) and ``__main__``.

Run-time files in the working directory, read and deleted by the harness (never by the
candidate's process, which is forked before and gets the program over a pipe): ``spec.json``
and ``solution.py``.

Modes: ``function`` (evalplus: call ``entry_point(*args)``), ``lcb_call`` (LiveCodeBench
LeetCode-style: ``Solution().fn_name(*args)``), ``stdio`` (run the program as ``__main__`` once
per input with that stdin, capture stdout), ``check`` (plain HumanEval: ``check(candidate)``).

Record lines: ``<nonce> {"k": "load"|"test"|"done", ...}``; a test record has ``i`` (index),
``s`` ("ok", "exc", "timeout", "output_limit"), ``o`` (encoded output) or ``h`` (its digest),
``t`` (seconds, charged without waiting for a CPU: ``driver._Clock``), ``e`` (the exception).
"""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

MODULES = ("preload", "codec", "protocol", "candidate", "driver", "zygote")  # each before those that use it


@lru_cache(maxsize=1)
def source() -> str:
    """The harness as one script: the modules' text in order, less their relative imports.

    Raises ValueError where that would not mean what the package means: a relative import that
    is not a plain top-level ``from .module import name`` on one line (of a name that an earlier
    module defines), or a name that two modules define (in one namespace the later would replace
    the earlier)."""
    parts: list[str] = []
    owner: dict[str, str] = {}  # top-level name -> the module that defines it
    for name in MODULES:
        text = Path(__file__).with_name(name + ".py").read_text(encoding="utf-8")
        tree = ast.parse(text)
        drop = set()
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.level:
                if (
                    node.level != 1
                    or node.module not in MODULES[: MODULES.index(name)]
                    or node.lineno != node.end_lineno
                    or any(a.asname for a in node.names)
                    or any(owner.get(a.name) != node.module for a in node.names)
                ):
                    raise ValueError(f"_harness/{name}.py:{node.lineno}: not a plain sibling import")
                drop.add(node.lineno)
            for defined in _defined(node):
                if owner.setdefault(defined, name) != name:
                    raise ValueError(f"_harness: {defined!r} is defined in {owner[defined]} and {name}")
        nested = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level and n.lineno not in drop]
        if nested:
            raise ValueError(f"_harness/{name}.py:{nested[0].lineno}: a relative import outside the top level")
        lines = text.splitlines(keepends=True)
        parts.append("".join(line for i, line in enumerate(lines, 1) if i not in drop))
    return "# Assembled by passbound.verify._harness.source(): edit the modules there.\n" + "\n\n".join(parts)


def _defined(node: ast.stmt) -> list[str]:
    """The names a top-level statement defines (imports aside: importing twice is harmless)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    return []
