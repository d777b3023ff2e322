"""PassAtKGRPOTrainer (TRL's GRPOTrainer with pass@k advantages), one real step on CPU: the
advantages TRL trains on are train/objectives.py's for the rewards passbound returned, and the
weights change.

The task is test_grpo_cpu.py's (its rewards vary within a group on the embedded model): the next
digit of "1, 2, 1, 2, 2, 1, 1, 2, 1," is 2 with probability ~0.52. Two prompts x 8 generations
with k = 2: a group gives a pass@k signal unless c = 0 or c >= 7 (~5% each group, and the run is seeded).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from passbound.train.objectives import group_advantages

pytestmark = (
    pytest.mark.slow
)  # 310-500 s each with the machine at load ~17 (2 cores); the math is in test_objectives.py


@pytest.mark.parametrize("objective", ["pass@k", "pkpo"])
def test_passk_step_trains_on_passk_advantages(tmp_path: Path, embedded_model: Path, objective: str) -> None:
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig

    from passbound.train import VerifierReward
    from passbound.train.passk_trainer import PassAtKGRPOTrainer

    tok = AutoTokenizer.from_pretrained(str(embedded_model))
    model = AutoModelForCausalLM.from_pretrained(str(embedded_model), dtype=torch.float32)
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    data = Dataset.from_list([{"prompt": "1, 2, 1, 2, 2, 1, 1, 2, 1,", "answer": "2"}] * 2)
    seen: list[float | None] = []
    with VerifierReward("math", workers=1, verifier_options={"extraction": "lenient"}) as reward:

        def passbound_math(prompts=None, completions=None, **columns):  # type: ignore[no-untyped-def]
            out = reward(prompts=prompts, completions=completions, **columns)
            seen.extend(out)
            return out

        args = GRPOConfig(
            output_dir=str(tmp_path / "out"),
            per_device_train_batch_size=16,
            num_generations=8,
            max_completion_length=2,
            max_steps=1,
            learning_rate=1e-4,
            seed=0,
            temperature=1.0,
            use_cpu=True,
            report_to=[],
            logging_steps=1,
            save_strategy="no",
            bf16=False,
        )
        trainer = PassAtKGRPOTrainer(
            model=model,
            reward_funcs=[passbound_math],
            train_dataset=data,
            args=args,
            processing_class=tok,
            objective=objective,
            k=2,
        )
        trainer.train()
    assert len(seen) == 16 and 0 < sum(r or 0 for r in seen) < 16, seen
    expected = group_advantages(objective, seen, 8, 2)
    assert any(expected), seen  # some group had a pass@k signal
    assert list(trainer._logs["advantages"]) == pytest.approx(expected)  # what GRPO's loss saw
    changed = sum(not torch.equal(before[k], v.detach()) for k, v in model.named_parameters())
    assert changed > 0
