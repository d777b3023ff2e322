"""passbound's pass@k objectives (train/objectives.py) as verl advantage estimators.

verl (0.9) picks ``algorithm.adv_estimator`` from the registry of
``verl.trainer.ppo.core_algos.register_adv_est`` and calls the function with
``token_level_rewards`` (batch, response length), ``response_mask``, ``index`` (the group id of
each row: verl's ``uid``) and ``config`` (``algorithm``). verl's own ``grpo_passk`` is a
different estimator (only each group's best response gets an advantage), so these are
registered under their own names, with k in the name because verl passes no other setting:
``passbound_passk_<k>`` (Chen et al. 2025) and ``passbound_pkpo_<k>`` (Walder & Karkhanis 2025),
for k = 1 .. MAX_K.

verl imports this module in every Ray worker when ``VERL_USE_EXTERNAL_MODULES`` names it (its
``import verl`` runs ``import_external_libs``); `passbound verl export` sets that in the
launch config's Ray runtime environment. Imported where verl is not (`passbound verl export`),
it registers nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from passbound.train.objectives import group_advantages

MAX_K = 1024
PREFIX = {"pass@k": "passbound_passk_", "pkpo": "passbound_pkpo_"}
MODULE = "passbound.train.verl_advantage"


def estimator_name(objective: str, k: int) -> str:
    """verl's ``algorithm.adv_estimator`` value for a pass@k objective."""
    if objective not in PREFIX:
        raise ValueError(f"unknown pass@k objective {objective!r}; choose from {', '.join(PREFIX)}")
    if not 1 <= k <= MAX_K:
        raise ValueError(f"k must be between 1 and {MAX_K}; got {k}")
    return f"{PREFIX[objective]}{k}"


def compute_advantage(
    objective: str, k: int, token_level_rewards: Any, response_mask: Any, index: Any, **_: Any
) -> tuple[Any, Any]:
    """(advantages, returns), both (batch, response length): each row's group advantage on its
    response tokens. Rows are grouped by ``index`` (verl's uid; rows of a group need not be adjacent)."""
    import torch

    scores = token_level_rewards.sum(dim=-1).tolist()
    groups: dict[Any, list[int]] = {}
    for row, uid in enumerate(index):
        groups.setdefault(uid, []).append(row)
    values = [0.0] * len(scores)
    for rows in groups.values():
        if len(rows) < k:
            raise ValueError(
                f"{PREFIX[objective]}{k}: a group has {len(rows)} responses, fewer than k = {k}; "
                "set actor_rollout_ref.rollout.n >= k"
            )
        for row, value in zip(rows, group_advantages(objective, [scores[r] for r in rows], len(rows), k), strict=True):
            values[row] = value
    with torch.no_grad():
        advantages = (
            torch.tensor(values, dtype=token_level_rewards.dtype, device=token_level_rewards.device).unsqueeze(-1)
            * response_mask
        )
    return advantages, advantages


def estimators() -> dict[str, Callable[..., tuple[Any, Any]]]:
    """Every name this module registers, with its function (verl's call signature)."""
    out: dict[str, Callable[..., tuple[Any, Any]]] = {}
    for objective in PREFIX:
        for k in range(1, MAX_K + 1):

            def estimator(
                token_level_rewards: Any,
                response_mask: Any,
                index: Any = None,
                config: Any = None,
                _objective: str = objective,
                _k: int = k,
                **kwargs: Any,
            ) -> tuple[Any, Any]:
                if index is None:
                    raise ValueError("pass@k advantages need verl's group ids (uid) to find each group")
                return compute_advantage(_objective, _k, token_level_rewards, response_mask, index)

            out[estimator_name(objective, k)] = estimator
    return out


def register(register_adv_est: Callable[[str], Callable[[Any], Any]] | None = None) -> list[str]:
    """Register every estimator with verl (``register_adv_est`` defaults to verl's own); returns the names."""
    if register_adv_est is None:
        from verl.trainer.ppo import core_algos

        registrar: Callable[[str], Callable[[Any], Any]] = core_algos.register_adv_est
    else:
        registrar = register_adv_est
    names = []
    for name, fn in estimators().items():
        registrar(name)(fn)
        names.append(name)
    return names


if "verl" in sys.modules:  # imported by verl's import_external_libs (VERL_USE_EXTERNAL_MODULES)
    register()
