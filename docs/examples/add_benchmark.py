"""A benchmark: times-table questions, generated (no data file), graded by the math verifier.

A benchmark is a loader registered by name: it takes one ``LoaderRequest`` (the study's
``[[benchmarks]]`` entry: ``name``, ``path``, ``limit``, ``split``, ``options``, plus the study's
``data_dir``) and returns a ``LoadedBenchmark``.
"""

from __future__ import annotations

from passbound.benchmarks import LoadedBenchmark, LoaderRequest, content_sha256
from passbound.errors import ConfigError
from passbound.registry import benchmarks
from passbound.types import Problem


@benchmarks.register("times_tables", "a x b for a, b in 2..max_factor (options: max_factor)")
def load_times_tables(request: LoaderRequest) -> LoadedBenchmark:
    options = dict(request.options)
    max_factor = options.pop("max_factor", 12)
    if options:  # an unknown option is a mistake in the study file: say which
        raise ConfigError(f"times_tables: unknown option(s) {sorted(options)}; the only option is max_factor")
    split = request.split_or("test")  # the split asked for, or this benchmark's default
    if split != "test":
        raise ConfigError(f"times_tables has only a 'test' split (got {split!r})")
    if request.path is not None:
        raise ConfigError("times_tables is generated, not read from a file; remove its path")
    problems = [
        Problem(id=f"{a}x{b}", benchmark="times_tables", prompt=f"What is {a} times {b}?", target=str(a * b))
        for a in range(2, max_factor + 1)
        for b in range(a, max_factor + 1)
    ][: request.limit]  # the request has already checked that limit is None or positive
    # Problem ids must be unique and stable; the hash of (id, prompt, target) is recorded in the
    # manifest, so a run knows when its data changed.
    return LoadedBenchmark(
        name="times_tables",
        kind="math",
        problems=tuple(problems),
        source=f"generated:max_factor={max_factor}",
        sha256=content_sha256(problems),
    )
