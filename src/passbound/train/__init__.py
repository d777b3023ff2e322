"""Training with passbound's verifiers as rewards (TRL on one machine, verl on a cluster)."""

from passbound.train.rewards import VerifierReward, completion_text

__all__ = ["VerifierReward", "completion_text"]
