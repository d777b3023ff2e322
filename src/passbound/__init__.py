"""passbound: did training expand what a model can solve, or only sharpen what it already could?

Importing passbound is cheap: heavy engines (vLLM, torch) load only when used.
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import Any

from passbound.types import Completion, Problem, Sample, Verdict

__all__ = ["Completion", "Problem", "Sample", "Verdict", "__version__", "pass_at_k"]


def __getattr__(name: str) -> Any:
    """``pass_at_k`` loads numpy and pyarrow on first use: `passbound grade` never needs them."""
    if name == "pass_at_k":
        from passbound.metrics.passk import pass_at_k

        return pass_at_k
    raise AttributeError(f"module 'passbound' has no attribute {name!r}")
