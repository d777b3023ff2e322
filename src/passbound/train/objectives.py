"""Training objectives beyond pass@1: per-group advantages that aim RL at pass@k, from the number
of correct samples in each group of n (rewards are passbound's 0/1 verdicts).

* ``pass@k`` (Chen et al. 2025, "Pass@k Training for Adaptively Balancing Exploration and
  Exploitation of Large Reasoning Models", analytic advantages): with ρ = 1 - C(n-c, k)/C(n, k)
  the group's pass@k and σ = sqrt(ρ(1 - ρ)), a correct sample gets (1 - ρ)/σ and a wrong one
  (1 - ρ - C(n-c-1, k-1)/C(n-1, k-1))/σ; σ = 0 (no correct sample, or every k-subset holds one)
  gives zeros. The group's advantages sum to 0, correct ones are > 0, wrong ones ≤ 0, and k = 1
  is GRPO's (r - mean)/std with the population std.
* ``pkpo`` (Walder & Karkhanis 2025, "Pass@K Policy Optimization"): the unbiased pass@k policy
  gradient Σ_i s_i ∇log p(x_i), whose binary-reward weights are s_i = k/n (correct) and
  (k/n)·ρ(n-1, c, k-1) (wrong), minus the paper's leave-one-out "k-1" baseline (the pass@(k-1)
  of the other n-1 samples, scaled alike; it does not depend on x_i, so the gradient stays
  unbiased). In closed form: a correct sample gets k·C(n-c, k-1)/C(n-1, k-1), a wrong one 0.
  For k = 1 the k-1 baseline is empty and the leave-one-out mean of the others is used (RLOO).
  Advantages are scaled by n because TRL's and verl's losses average over the group.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

Objective = Literal["grpo", "pass@k", "pkpo"]
OBJECTIVES: tuple[str, ...] = ("grpo", "pass@k", "pkpo")


class RewardNotBinary(ValueError):
    """pass@k objectives count correct samples; a reward other than 0 or 1 has no count."""


def _ratio(top: int, bottom: int, k: int) -> float:
    """C(top, k) / C(bottom, k), exact (0 when top < k)."""
    return math.comb(top, k) / math.comb(bottom, k) if top >= k else 0.0


def group_pass_at_k(n: int, c: int, k: int) -> float:
    """ρ = 1 - C(n-c, k)/C(n, k): the unbiased pass@k of a group with c correct of n (Chen et al. 2021)."""
    return 1.0 - _ratio(n - c, n, k)


def passk_advantages(correct: Sequence[bool], k: int) -> list[float]:
    """Chen et al. 2025's analytic pass@k advantage of each sample of one group."""
    n, c = len(correct), sum(correct)
    _check(n, k)
    rho = group_pass_at_k(n, c, k)
    sigma = math.sqrt(max(rho * (1.0 - rho), 0.0))
    if sigma < 1e-12:  # no correct sample (ρ = 0) or every k-subset has one (ρ = 1): nothing to prefer
        return [0.0] * n
    positive = (1.0 - rho) / sigma
    negative = (1.0 - rho - _ratio(n - c - 1, n - 1, k - 1)) / sigma
    return [positive if ok else negative for ok in correct]


def pkpo_advantages(correct: Sequence[bool], k: int) -> list[float]:
    """Walder & Karkhanis 2025's unbiased pass@k gradient weights (k-1 leave-one-out baseline), times n."""
    n, c = len(correct), sum(correct)
    _check(n, k)
    if k == 1:  # RLOO: each sample's reward minus the mean of the others'
        if n == 1:
            return [0.0]
        return [(float(ok) * (n - 1) - (c - ok)) / (n - 1) for ok in correct]
    # n·(k/n)·[1 - ρ(n-1, c-1, k-1)] for a correct sample; a wrong one leaves every subset's max unchanged
    positive = k * _ratio(n - c, n - 1, k - 1)
    return [positive if ok else 0.0 for ok in correct]


def _check(n: int, k: int) -> None:
    if k < 1 or k > n:
        raise ValueError(f"pass@k advantages need 1 <= k <= n (the group size); got k={k}, n={n}")


def group_advantages(objective: str, rewards: Sequence[float | None], group: int, k: int) -> list[float]:
    """Advantages of consecutive groups of ``group`` rewards (TRL's and verl's layout). Rewards
    must be 0/1; a None or NaN (no reward for that row) is left out of its group's n and c and gets 0."""
    if objective not in ("pass@k", "pkpo"):
        raise ValueError(f"unknown pass@k objective {objective!r}; choose pass@k or pkpo")
    if group < 1 or len(rewards) % group:
        raise ValueError(f"{len(rewards)} rewards do not split into groups of {group}")
    advantage = passk_advantages if objective == "pass@k" else pkpo_advantages
    out: list[float] = []
    for start in range(0, len(rewards), group):
        chunk = rewards[start : start + group]
        scored = [i for i, r in enumerate(chunk) if r is not None and not math.isnan(r)]
        bad = [chunk[i] for i in scored if chunk[i] not in (0.0, 1.0)]
        if bad:
            raise RewardNotBinary(
                f"{objective} advantages count correct samples and need rewards of 0 or 1; "
                f"got {bad[0]!r} (use objective = \"grpo\" for graded rewards)"
            )
        values = [0.0] * len(chunk)
        if len(scored) >= k:  # fewer scored samples than k: no pass@k to estimate, no signal
            for i, a in zip(scored, advantage([chunk[i] == 1.0 for i in scored], k), strict=True):
                values[i] = a
        out.extend(values)
    return out
