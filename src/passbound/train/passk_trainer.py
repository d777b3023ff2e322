"""TRL's GRPOTrainer with pass@k advantages (train/objectives.py) in place of its group-normalised ones.

TRL 1.16 has no advantage hook: ``_generate_and_score_completions`` computes rewards (through
``_calculate_rewards``, gathered over processes) and the advantages in one method. This subclass
keeps the rewards that method computed and, after it returns, replaces this process's slice of
``advantages`` (and the logged ones) with the objective's. Everything else (generation, loss
variants, clipping, KL, logging of rewards) is GRPO's own. torch and trl load when the class is
first asked for (``PassAtKGRPOTrainer``, a module ``__getattr__``, PEP 562), so the module imports
with the core dependencies alone.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from passbound.train.objectives import group_advantages


@cache
def _trainer_class() -> type:
    import torch
    from trl import GRPOTrainer

    class PassAtKGRPOTrainer(GRPOTrainer):
        """GRPO whose advantages aim at pass@k: ``objective`` is "pass@k" (Chen et al. 2025) or "pkpo"."""

        def __init__(self, *args: Any, objective: str, k: int, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.passk_objective, self.passk_k = objective, k
            self._passk_rewards: torch.Tensor | None = None

        def _calculate_rewards(
            self, inputs: Any, prompts: Any, completions: Any, completion_ids_list: Any
        ) -> torch.Tensor:
            rewards = super()._calculate_rewards(inputs, prompts, completions, completion_ids_list)
            self._passk_rewards = rewards  # (all processes' rows, reward functions)
            return rewards

        def _generate_and_score_completions(self, inputs: list[dict[str, Any]]) -> dict[str, Any]:
            self._passk_rewards = None
            output = super()._generate_and_score_completions(inputs)
            per_func = self._passk_rewards
            if per_func is None:
                raise RuntimeError(
                    "TRL's GRPOTrainer scored completions without _calculate_rewards; the pass@k "
                    "objective needs the rewards (is this TRL version supported?)"
                )
            weights = self.reward_weights.to(per_func.device)
            unscorable = torch.isnan(per_func).all(dim=1)
            rewards = (per_func * weights.unsqueeze(0)).nansum(dim=1)
            group = self.num_generations if self.model.training else self.num_generations_eval
            values = [None if skip else float(r) for r, skip in zip(rewards.tolist(), unscorable.tolist(), strict=True)]
            advantages = torch.tensor(
                group_advantages(self.passk_objective, values, group, self.passk_k),
                dtype=output["advantages"].dtype,
                device=output["advantages"].device,
            )
            local = len(output["advantages"])
            start = self.accelerator.process_index * local
            output["advantages"] = advantages[start : start + local]
            logged = self._logs["advantages"]  # the deque GRPO just extended with its own advantages
            for _ in range(min(len(advantages), len(logged))):
                logged.pop()
            logged.extend(advantages.tolist())
            return output

    return PassAtKGRPOTrainer


def __getattr__(name: str) -> Any:
    if name == "PassAtKGRPOTrainer":
        return _trainer_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
