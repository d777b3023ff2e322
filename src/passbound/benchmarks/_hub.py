"""Loading a benchmark from the Hugging Face hub at a pinned revision.

A revision pin (a commit sha) makes a study reproducible: the same study file reads the same
rows next year. ``datasets`` is optional (``pip install 'passbound[hub]'``) and imported only
here, when a benchmark is not read from local files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from passbound.errors import DataError
from passbound.registry import require


@dataclass(frozen=True)
class HubSource:
    """Where a benchmark lives on the hub: ``load_dataset(repo, config, revision=..., split=...)``."""

    repo: str
    revision: str
    config: str | None = None
    splits: dict[str, str] = field(default_factory=lambda: {"test": "test"})  # our split -> hub split

    def describe(self) -> str:
        return f"hub:{self.repo}@{self.revision}"


def load_hub_rows(hub: HubSource, split: str, name: str) -> tuple[list[tuple[str, dict[str, Any]]], str]:
    """Rows of ``hub`` for our ``split`` (labelled "row N") and the source string to record."""
    if split not in hub.splits:
        raise DataError(
            f"benchmark {name!r} has no {split!r} split on the hub ({hub.repo}); use one of: "
            f"{', '.join(sorted(hub.splits))}."
        )
    datasets = require("datasets", "hub", f"loading benchmark {name!r} from the Hugging Face hub")
    try:
        ds = datasets.load_dataset(hub.repo, hub.config, revision=hub.revision, split=hub.splits[split])
    except Exception as exc:  # network, auth, missing revision: all mean "could not get the data"
        raise DataError(
            f"benchmark {name!r}: could not load {hub.repo} (revision {hub.revision}) from the Hugging Face hub: "
            f"{exc}. Without network access, download the file once and pass it with path=... or --data-dir."
        ) from exc
    rows = [(f"row {i}", dict(row)) for i, row in enumerate(ds, start=1)]
    if not rows:
        raise DataError(f"benchmark {name!r}: {hub.repo}@{hub.revision} split {hub.splits[split]!r} is empty.")
    return rows, hub.describe()
