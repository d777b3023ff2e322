"""pass@k advantages (Chen et al. 2025) and PKPO's unbiased pass@k gradient weights (Walder &
Karkhanis 2025): hand-computed groups, the papers' sign and sum properties, PKPO's closed form
against its definition over every k-subset, and its unbiasedness against the exact gradient of
pass@k for a Bernoulli policy."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest

from passbound.errors import ConfigError
from passbound.train.config import load_train_config
from passbound.train.objectives import (
    RewardNotBinary,
    group_advantages,
    group_pass_at_k,
    passk_advantages,
    pkpo_advantages,
)


def test_passk_hand_computed_group() -> None:
    # n=4, c=1, k=2: ρ = 1 - C(3,2)/C(4,2) = 1/2, σ = 1/2; positive (1 - 1/2)/(1/2) = 1;
    # negative (1 - 1/2 - C(2,1)/C(3,1))/(1/2) = (1/2 - 2/3)·2 = -1/3
    assert group_pass_at_k(4, 1, 2) == 0.5
    assert passk_advantages([True, False, False, False], 2) == pytest.approx([1.0, -1 / 3, -1 / 3, -1 / 3])
    # n=8, c=2, k=4: ρ = 1 - C(6,4)/C(8,4) = 1 - 15/70 = 11/14, σ = sqrt(11·3)/14;
    # positive (3/14)/σ; negative (3/14 - C(5,3)/C(7,3))/σ = (3/14 - 10/35)/σ = (-1/14)/σ
    sigma = math.sqrt(33) / 14
    adv = passk_advantages([True, True] + [False] * 6, 4)
    assert adv == pytest.approx([3 / 14 / sigma] * 2 + [-1 / 14 / sigma] * 6)


@pytest.mark.parametrize("n", [2, 3, 4, 8, 16])
def test_passk_signs_and_sum(n: int) -> None:
    for k in range(1, n + 1):
        for c in range(n + 1):
            adv = passk_advantages([i < c for i in range(n)], k)
            assert sum(adv) == pytest.approx(0.0, abs=1e-9), (n, c, k)  # the paper's zero-sum group
            if c in (0, n) or n - c < k:  # ρ ∈ {0, 1}: σ = 0, no signal
                assert adv == [0.0] * n, (n, c, k)
                continue
            assert all(a > 0 for a in adv[:c]) and all(a < 0 for a in adv[c:]), (n, c, k, adv)


def test_passk_k1_is_grpo_with_population_std() -> None:
    correct = [True, False, True, False, False]
    r = [float(x) for x in correct]
    mean = sum(r) / len(r)
    std = math.sqrt(sum((x - mean) ** 2 for x in r) / len(r))
    assert passk_advantages(correct, 1) == pytest.approx([(x - mean) / std for x in r])


def _weight_over_grpo(n: int, c: int, k: int) -> float:
    """λ in passk_advantages = λ · GRPO's (r - mean)/std (population std) for a group with c of n right."""
    correct = [i < c for i in range(n)]
    return passk_advantages(correct, k)[0] / passk_advantages(correct, 1)[0]


@pytest.mark.parametrize("n", [4, 8])
def test_passk_is_grpo_reweighted_per_group(n: int) -> None:
    """Binary rewards give two-valued, zero-sum advantages, so within one group pass@k's are GRPO's
    times λ(c) > 0: a step over a single group differs from GRPO only in scale, which Adam divides
    out (the demo's first pass@k run, one prompt per step, matched GRPO's weights to 6e-7). The
    objective acts across groups: λ falls as c rises, 0 once every k-subset holds a right answer."""
    for k in range(2, n):
        weights = []
        for c in range(1, n):
            correct = [i < c for i in range(n)]
            adv, grpo = passk_advantages(correct, k), passk_advantages(correct, 1)
            ratio = _weight_over_grpo(n, c, k)
            assert adv == pytest.approx([ratio * g for g in grpo], abs=1e-12), (n, c, k)
            weights.append(ratio)
        solved_by_every_subset = [w for c, w in enumerate(weights, 1) if n - c < k]
        assert solved_by_every_subset == [0.0] * len(solved_by_every_subset)
        live = [w for c, w in enumerate(weights, 1) if n - c >= k]
        assert all(a > b > 0 for a, b in zip(live, live[1:])), (n, k, weights)  # harder groups weigh more


def _pkpo_by_definition(correct: list[bool], k: int) -> list[float]:
    """n/C(n,k) Σ over k-subsets I containing i of [max_I f - max_{I without i} f]: PKPO's
    gradient weight with its k-1 leave-one-out baseline, computed from every subset."""
    n = len(correct)
    out = []
    for i in range(n):
        total = 0
        for subset in itertools.combinations(range(n), k):
            if i in subset:
                rest = [correct[j] for j in subset if j != i]
                total += int(any(correct[j] for j in subset)) - int(any(rest))
        out.append(n * total / math.comb(n, k))
    return out


@pytest.mark.parametrize("n", [2, 4, 6])
def test_pkpo_closed_form_equals_subset_definition(n: int) -> None:
    for k in range(2, n + 1):
        for c in range(n + 1):
            correct = [i < c for i in range(n)]
            assert pkpo_advantages(correct, k) == pytest.approx(_pkpo_by_definition(correct, k)), (n, c, k)


def test_pkpo_hand_computed_and_k1_is_rloo() -> None:
    # n=4, c=1, k=2: the correct sample's weight is k·C(n-c, k-1)/C(n-1, k-1) = 2·3/3 = 2; wrong ones 0
    assert pkpo_advantages([True, False, False, False], 2) == [2.0, 0.0, 0.0, 0.0]
    assert pkpo_advantages([True, True, True, True], 2) == [0.0] * 4  # every subset already passes
    assert pkpo_advantages([True, False, False, False], 1) == pytest.approx([1.0, -1 / 3, -1 / 3, -1 / 3])


@pytest.mark.parametrize(("n", "k", "p"), [(4, 2, 0.3), (6, 3, 0.1), (5, 1, 0.6), (5, 5, 0.2)])
def test_pkpo_is_unbiased_for_a_bernoulli_policy(n: int, k: int, p: float) -> None:
    """E[(1/n)·Σ_i A_i ∇log p(x_i)] over all 2^n outcomes equals d pass@k / dθ for a Bernoulli(p =
    sigmoid θ) policy: ∇_θ log p(x) = x - p and pass@k = 1 - (1-p)^k, so the gradient is k(1-p)^(k-1)·p(1-p)."""
    expected = 0.0
    for outcome in itertools.product([False, True], repeat=n):
        prob = math.prod(p if x else 1 - p for x in outcome)
        adv = pkpo_advantages(list(outcome), k)
        expected += prob * sum(a * (float(x) - p) for a, x in zip(adv, outcome, strict=True)) / n
    assert expected == pytest.approx(k * (1 - p) ** (k - 1) * p * (1 - p), rel=1e-9)


def test_group_advantages_layout_and_bad_rewards() -> None:
    rewards: list[float | None] = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert group_advantages("pass@k", rewards, 4, 2) == pytest.approx([1.0, -1 / 3, -1 / 3, -1 / 3, 0, 0, 0, 0])
    # a row without a reward is left out of n and c, and gets 0: n=3, c=1, k=2 for the rest
    with_none = group_advantages("pass@k", [1.0, None, 0.0, 0.0], 4, 2)
    assert with_none[1] == 0.0 and with_none[0] > 0 > with_none[2] and sum(with_none) == pytest.approx(0.0)
    assert group_advantages("pkpo", [float("nan"), 1.0, 0.0, 0.0], 4, 4) == [0.0] * 4  # 3 scored < k
    with pytest.raises(RewardNotBinary, match="0 or 1"):
        group_advantages("pass@k", [0.5, 0.0, 1.0, 0.0], 4, 2)
    with pytest.raises(ValueError, match="groups of 4"):
        group_advantages("pass@k", [0.0] * 6, 4, 2)
    with pytest.raises(ValueError, match="1 <= k <= n"):
        passk_advantages([True, False], 3)


BASE = """
[model]
path = "embedded"
[data]
benchmark = "synthetic"
[algorithm]
name = "{name}"
num_generations = 4
[training]
batch_size = 8
{training}
"""


@pytest.mark.parametrize(
    ("training", "name", "message"),
    [
        ('objective = "pass@k"', "grpo", "needs training.k"),
        ('objective = "pass@k"\nk = 5', "grpo", "training.k (5) must be at most algorithm.num_generations (4)"),
        ('objective = "pkpo"\nk = 0', "grpo", "training.k: Input should be greater than or equal to 1"),
        ("k = 2", "grpo", "training.k is the k of objective"),
        ('objective = "pass@k"\nk = 2', "rloo", 'set algorithm.name = \\"grpo\\"'),
        ('objective = "pass@2"', "grpo", "training.objective"),
    ],
)
def test_objective_config_errors(tmp_path: Path, training: str, name: str, message: str) -> None:
    path = tmp_path / "train.toml"
    path.write_text(BASE.format(name=name, training=training))
    with pytest.raises(ConfigError) as err:
        load_train_config(path)
    assert message.replace('\\"', '"') in str(err.value)


def test_objective_config_default_and_valid(tmp_path: Path) -> None:
    path = tmp_path / "train.toml"
    path.write_text(BASE.format(name="grpo", training=""))
    assert load_train_config(path).training.objective == "grpo"  # today's behaviour unless asked
    path.write_text(BASE.format(name="grpo", training='objective = "pass@k"\nk = 4'))
    t = load_train_config(path).training
    assert (t.objective, t.k) == ("pass@k", 4)
