"""passbound: did training expand what a model can solve, or only sharpen what it already could?

Importing passbound is cheap: heavy engines (vLLM, torch) load only when used.
"""

from __future__ import annotations

__version__ = "0.1.0"

from passbound.metrics.passk import pass_at_k  # noqa: E402  (public API)
from passbound.types import Completion, Problem, Sample, Verdict  # noqa: E402

__all__ = ["Completion", "Problem", "Sample", "Verdict", "__version__", "pass_at_k"]
