"""Reward throughput of a GRPO batch: passbound's VerifierReward against TRL's accuracy_reward.

Both are called exactly as GRPOTrainer calls a reward function (chat completions, the gold as a
dataset column), on batches shaped like a GRPO step: B prompts x G completions. The prompts are
MATH500 problems; each group holds the reference solution's own text (correct, its answer boxed),
the same text with the boxed answer replaced by another problem's answer (wrong), and short
"the answer is X" variants, so a batch mixes passes and fails as training does. TRL's reward
(trl.rewards.accuracy_reward: math-verify's parse/verify per completion, in the calling thread)
is the named baseline (given the gold in math mode, ``$...$``, which its LaTeX parser needs;
it skips a row, None, whose gold it cannot parse); the ratio is passbound's completions/s over TRL's. Verdicts are compared
completion by completion, and every disagreement is printed with the gold.

    python perf/reward_throughput.py [--groups 64] [--group-size 8] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from passbound.benchmarks import last_boxed
from passbound.train import VerifierReward

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def problems(limit: int) -> list[dict]:
    rows = [json.loads(line) for line in (DATA / "math500" / "test.jsonl").read_text().splitlines()]
    return [r for r in rows if last_boxed(r["solution"])][:limit]


def group(row: dict, other: dict, size: int) -> list[str]:
    """One GRPO group: correct and wrong completions in a fixed rotation."""
    solution, gold, wrong = row["solution"], row["answer"], other["answer"]
    boxed = last_boxed(solution) or gold
    forms = [
        solution,
        solution.replace(f"\\boxed{{{boxed}}}", f"\\boxed{{{wrong}}}"),
        f"Working through it step by step, the answer is $\\boxed{{{gold}}}$.",
        f"I think the answer is $\\boxed{{{wrong}}}$.",
        f"The final answer is {gold}.",
        "I am not sure how to finish this.",
    ]
    return [forms[i % len(forms)] for i in range(size)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--groups", type=int, default=64, help="prompts per GRPO step (B)")
    parser.add_argument("--group-size", type=int, default=8, help="completions per prompt (G)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--steps", type=int, default=3, help="batches timed (distinct problems each)")
    args = parser.parse_args()
    from trl.rewards import accuracy_reward

    rows = problems(args.groups * args.steps + 1)
    batches = []
    for s in range(args.steps):
        chosen = rows[s * args.groups : (s + 1) * args.groups]
        texts, golds = [], []
        for i, row in enumerate(chosen):
            for text in group(row, rows[(s * args.groups + i + 1) % len(rows)], args.group_size):
                texts.append([{"role": "assistant", "content": text}])
                golds.append(row["answer"])
        batches.append((texts, golds))

    ours, theirs, t_ours, t_theirs = [], [], 0.0, 0.0
    with VerifierReward("math", gold_column="answer", workers=args.workers) as reward:
        reward(completions=[[{"role": "assistant", "content": "\\boxed{1}"}]], answer=["1"])  # pool start-up
        for texts, golds in batches:
            start = time.perf_counter()
            ours += reward(completions=texts, answer=golds)
            t_ours += time.perf_counter() - start
            start = time.perf_counter()
            theirs += accuracy_reward(texts, [f"${g}$" for g in golds])  # TRL parses the gold as LaTeX
            t_theirs += time.perf_counter() - start
    n = sum(len(t) for t, _ in batches)
    golds = [g for _, gs in batches for g in gs]
    texts = [t[0]["content"] for ts, _ in batches for t in ts]
    differ = [(g, t[-80:], a, b) for g, t, a, b in zip(golds, texts, ours, theirs) if a != b]
    print(f"{args.steps} GRPO batches of {args.groups} x {args.group_size} = {n} completions (MATH500)")
    print(
        f"passbound VerifierReward ({args.workers} workers): {n / t_ours:8.1f} completions/s  "
        f"(mean reward {sum(ours) / n:.3f})"
    )
    print(
        f"TRL accuracy_reward (baseline):     {n / t_theirs:8.1f} completions/s  "
        f"(mean reward {sum(x or 0 for x in theirs) / n:.3f})"
    )
    skipped = sum(b is None for b in theirs)
    print(
        f"ratio passbound / TRL: {t_theirs / t_ours:.2f}x; verdicts differ on {len(differ)} of {n} "
        f"({skipped} of them TRL skipped: gold it cannot parse)"
    )
    for gold, tail, a, b in differ[:20]:
        print(f"  gold {gold!r}: passbound {a}, TRL {b}: ...{tail!r}")


if __name__ == "__main__":
    main()
