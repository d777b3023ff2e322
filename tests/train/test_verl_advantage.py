"""passbound's pass@k estimators called as verl 0.9's compute_advantage calls a registered one
(ray_trainer.compute_advantage: token_level_rewards, response_mask, config, index=uid)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from passbound.train.objectives import group_advantages
from passbound.train.verl_advantage import MAX_K, estimator_name, estimators, register


def test_estimator_as_verl_calls_it() -> None:
    # two groups of 4 interleaved (verl groups rows by uid, not by position); the reward sits on the last token
    uid = np.array(["a", "b", "a", "b", "a", "b", "a", "b"], dtype=object)
    scores = [1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0]
    mask = torch.tensor([[1, 1, 1, 0]] * 8, dtype=torch.float32)
    rewards = torch.zeros(8, 4)
    rewards[:, 2] = torch.tensor(scores)
    fn = estimators()["passbound_passk_2"]
    advantages, returns = fn(token_level_rewards=rewards, response_mask=mask, config=None, index=uid)
    assert advantages.shape == (8, 4) and torch.equal(advantages, returns)
    assert (advantages[:, 3] == 0).all()  # nothing on padding
    a = group_advantages("pass@k", [scores[i] for i in (0, 2, 4, 6)], 4, 2)  # n=4, c=1, k=2
    b = group_advantages("pass@k", [scores[i] for i in (1, 3, 5, 7)], 4, 2)  # n=4, c=3, k=2: every pair passes
    assert a == pytest.approx([1.0, -1 / 3, -1 / 3, -1 / 3]) and b == [0.0] * 4
    assert advantages[:, 0].tolist() == pytest.approx([a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3]])
    pkpo, _ = estimators()["passbound_pkpo_2"](token_level_rewards=rewards, response_mask=mask, index=uid)
    assert pkpo[0, 0].item() == pytest.approx(2.0) and pkpo[2, 0].item() == 0.0
    with pytest.raises(ValueError, match="fewer than k = 8"):
        estimators()["passbound_passk_8"](token_level_rewards=rewards, response_mask=mask, index=uid)


def test_register_names_every_k() -> None:
    # verl's register_adv_est needs torch, ray and verl's whole stack, which no test environment here
    # has; this stand-in keeps its contract (a name -> decorator storing the function)
    registry: dict[str, object] = {}

    def register_adv_est(name: str):  # type: ignore[no-untyped-def]
        def decorator(fn):  # type: ignore[no-untyped-def]
            registry[name] = fn
            return fn

        return decorator

    names = register(register_adv_est)
    assert len(names) == len(registry) == 2 * MAX_K
    assert estimator_name("pass@k", 8) in registry and estimator_name("pkpo", 1) in registry
    with pytest.raises(ValueError, match="between 1 and"):
        estimator_name("pass@k", 0)
