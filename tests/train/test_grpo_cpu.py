"""Real TRL GRPO on CPU with passbound's reward: the step changes the weights, and the reward TRL
logged is the mean of the rewards passbound returned, which equal `passbound grade` on the same
completions.

The task is chosen so a 135M model's rewards vary within a group (GRPO learns nothing from a
group whose rewards are all equal): continuing "1, 2, 1, 2, 2, 1, 1, 2, 1," the next digit is
2 with probability 0.52 and 1 with 0.41 (measured on the embedded model), and the lenient
extraction takes the last number as the answer. Two prompts x 8 generations: all 16 rewards
equal has probability ~1e-4.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = (
    pytest.mark.slow
)  # ~90 s; `passbound train` (tests/train/test_train_cli.py) runs GRPO for real in the default run


def test_grpo_step_with_the_passbound_reward(tmp_path: Path, embedded_model: Path) -> None:
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    from passbound.grade import grade_rows
    from passbound.train import VerifierReward

    tok = AutoTokenizer.from_pretrained(str(embedded_model))
    model = AutoModelForCausalLM.from_pretrained(str(embedded_model), dtype=torch.float32)
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    data = Dataset.from_list([{"prompt": "1, 2, 1, 2, 2, 1, 1, 2, 1,", "answer": "2"}] * 2)
    seen: list[tuple[str, str, float | None]] = []
    with VerifierReward("math", workers=1, verifier_options={"extraction": "lenient"}) as reward:

        def passbound_math(prompts=None, completions=None, **columns):
            out = reward(prompts=prompts, completions=completions, **columns)
            seen.extend(zip(completions, columns["answer"], out))
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
        trainer = GRPOTrainer(
            model=model, reward_funcs=[passbound_math], train_dataset=data, args=args, processing_class=tok
        )
        trainer.train()
    assert len(seen) == 16
    rewards = [r for _, _, r in seen]
    assert 0 < sum(rewards) < 16, seen  # the group's rewards vary, so GRPO has a signal
    changed = sum(not torch.equal(before[k], v.detach()) for k, v in model.named_parameters())
    assert changed > 0
    logged = next(h for h in trainer.state.log_history if "rewards/passbound_math/mean" in h)
    assert logged["rewards/passbound_math/mean"] == pytest.approx(sum(rewards) / len(rewards))
    graded = grade_rows(
        [{"gold": g, "completion": c} for c, g, _ in seen],
        workers=1,
        verifier_options={"math": {"extraction": "lenient"}},
    )
    assert [1.0 if g["status"] == "pass" else 0.0 for g in graded] == rewards
