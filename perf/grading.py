"""Grading throughput: GradingPool vs MathVerifier in one process vs plain math-verify.

Items are realistic: every gold answer of the six math benchmarks, written right (boxed, "The
answer is", "$...$", \\dfrac, 0.5 for \\frac{1}{2}, 18,000, extra spaces), wrong (a perturbed
digit, another problem's answer), or not at all, sampled per problem with repeats the way n=256
samples repeat (a few distinct answers per problem, each many times, inside different text).

    python perf/grading.py                 # 50,000 items (takes a while: (c) is slow)
    python perf/grading.py --items 2000    # smoke test

Prints items/s for (a) GradingPool, (b) MathVerifier item by item (verdicts must equal (a)),
(c) ``verify(parse(gold), parse(completion))`` item by item, where (c) differs from (b) with
counts per reason, and what the exact-string fast path saves.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import time
from collections import Counter, defaultdict
from fractions import Fraction
from pathlib import Path

from passbound.benchmarks import load_benchmark
from passbound.types import Problem
from passbound.verify import GradingPool, MathVerifier

BENCHMARKS = ("gsm8k", "math500", "aime24", "amc23", "minerva_math", "olympiadbench")
REPO = Path(__file__).resolve().parents[1]
FILLER = (
    "Let me set up the quantities first. We have $a + b = 12$ and $ab = 35$, so "
    "$(a-b)^2 = 144 - 140 = 4$. Checking the edge cases: when $x = 0$ the expression is $\\frac{3}{4}$, "
    "and for large $x$ it tends to $1$. Combining the two cases carefully gives the count. "
)


def format_variants(gold: str) -> list[str]:
    """Other correct spellings of ``gold`` a model might write."""
    out = []
    if "\\frac" in gold:
        out.append(gold.replace("\\frac", "\\dfrac"))
    if re.search(r"[+=(]", gold):  # extra spaces (not around commas: "10,\\!080" is one number)
        out.append(re.sub(r"\s*([+=(])\s*", r" \1 ", gold))
    frac = re.fullmatch(r"\\frac\{(-?\d+)\}\{(\d+)\}", gold)
    if frac:
        value = Fraction(int(frac.group(1)), int(frac.group(2)))
        if len(str(float(value))) < 10:
            out.append(str(float(value)))
    if re.fullmatch(r"-?\d+\.\d+", gold):
        value = Fraction(gold)
        out.append(f"\\frac{{{value.numerator}}}{{{value.denominator}}}")
    if re.fullmatch(r"\d{4,}", gold):
        out.append(f"{int(gold):,}")
    if re.fullmatch(r"-?\d+", gold):
        out.append(f"{gold}.0")
    return out


def wrong_variants(gold: str, other: str) -> list[str]:
    out = []
    digits = [m.start() for m in re.finditer(r"\d", gold)]
    for pos in digits[:2]:
        out.append(gold[:pos] + str((int(gold[pos]) + 1 + len(out)) % 10) + gold[pos + 1 :])
    if other != gold:
        out.append(other)
    return out or ["\\text{no}"]


def make_items(problems: list[Problem], n_items: int, seed: int = 0) -> tuple[list[Problem], list[str], list[str]]:
    """(problems, completions, variant kind): at least ``n_items``, the same number per problem."""
    rng = random.Random(seed)
    per_problem = max(1, -(-n_items // len(problems)))
    items: list[Problem] = []
    completions: list[str] = []
    kinds: list[str] = []
    for idx, p in enumerate(problems):
        gold = p.target
        other = problems[(idx * 7919 + 13) % len(problems)].target
        formats = format_variants(gold)
        wrongs = wrong_variants(gold, other)
        question = p.prompt[:300].replace("\\boxed", "")
        accuracy = rng.choice([0.05, 0.2, 0.5, 0.8, 0.95])  # per-problem pass rate, as at n=256
        for j in range(per_problem):
            # The question restated (minus any \boxed it quotes), then some reasoning.
            prefix = f"{question}\n\n{FILLER * rng.randint(1, 4)}Sample {j}.\n"
            r = rng.random()
            if r < 0.08:
                kind, text = "no_answer", prefix + rng.choice(["I am not sure how to finish.", "So \\boxed{12"])
            elif r < 0.08 + 0.92 * accuracy:
                kind = rng.choices(["boxed", "phrase", "dollar", "format"], [6, 2, 1, 2 if formats else 0])[0]
                text = (
                    prefix
                    + {
                        "boxed": f"So the answer is $\\boxed{{{gold}}}$.",
                        "phrase": f"The answer is {gold}.",
                        "dollar": f"Final Answer: The final answer is ${gold}$. I hope it is correct.",
                        "format": f"Therefore the answer is \\boxed{{{rng.choice(formats) if formats else gold}}}.",
                    }[kind]
                )
            else:
                kind, text = "wrong", prefix + f"Hence $\\boxed{{{rng.choice(wrongs)}}}$."
            items.append(p)
            completions.append(text)
            kinds.append(kind)
    return items, completions, kinds


def run_pool(problems, completions, workers):
    with GradingPool(workers=workers) as pool:
        started = time.perf_counter()
        pool.start()
        startup = time.perf_counter() - started
        started = time.perf_counter()
        results = pool.grade(problems, completions)
        return results, time.perf_counter() - started, startup, pool.stats


def run_in_process(problems, completions, verifier):
    started = time.perf_counter()
    results = [verifier.grade(p.target, c) for p, c in zip(problems, completions)]
    return results, time.perf_counter() - started


def run_plain(problems, completions):
    from math_verify import parse, verify

    gold_cache: dict[str, list] = {}
    started = time.perf_counter()
    verdicts = []
    for p, c in zip(problems, completions):
        verdicts.append(verify(parse(p.target), parse(c)))
    elapsed = time.perf_counter() - started
    for p in problems:
        if p.target not in gold_cache:
            gold_cache[p.target] = parse(p.target)
    return verdicts, elapsed, gold_cache


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument(
        "--plain-items", type=int, default=0, help="run (c) on every k-th item so that this many run (0: all)"
    )
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--data-dir", default=os.environ.get("PASSBOUND_SHARED_DATA", REPO.parent / "shared" / "data"))
    args = parser.parse_args()

    problems = [p for name in BENCHMARKS for p in load_benchmark(name, data_dir=args.data_dir).problems]
    items, completions, kinds = make_items(problems, args.items)
    n = len(items)
    print(f"{n} items over {len(problems)} problems; kinds {dict(Counter(kinds))}")
    print(f"cores: {len(os.sched_getaffinity(0))}; verifier {MathVerifier().version}")

    pool_results, t_pool, startup, stats = run_pool(items, completions, args.workers)
    print(f"(a) GradingPool: {t_pool:.1f} s, {n / t_pool:,.0f} items/s (worker start {startup:.1f} s, not counted)")
    print(
        f"    stats: no_answer {stats.no_answer}, fast path {stats.quick}, distinct pairs graded {stats.unique_jobs}, "
        f"timeouts {stats.timeouts}, errors {stats.deaths}"
    )

    verifier = MathVerifier()
    local_results, t_local = run_in_process(items, completions, verifier)
    print(f"(b) MathVerifier in one process: {t_local:.1f} s, {n / t_local:,.0f} items/s")
    mismatches = [i for i in range(n) if local_results[i] != pool_results[i]]
    print(f"    (a) == (b) on all {n} verdicts: {not mismatches}")
    for i in mismatches[:5]:
        print(f"    differs: {items[i].benchmark}/{items[i].id} a={pool_results[i]} b={local_results[i]}")

    step = max(1, n // args.plain_items) if args.plain_items else 1
    sample = list(range(0, n, step))
    plain, t_plain, gold_parsed = run_plain([items[i] for i in sample], [completions[i] for i in sample])
    rate_plain = len(sample) / t_plain
    print(f"(c) plain math-verify: {t_plain:.1f} s for {len(sample)} items, {rate_plain:,.0f} items/s")
    print(
        f"ratios: (a)/(b) = {n / t_pool / (n / t_local):.1f}x, (a)/(c) = {n / t_pool / rate_plain:.1f}x, "
        f"(b)/(c) = {n / t_local / rate_plain:.1f}x"
    )

    reasons: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    for i, c_pass in zip(sample, plain):
        b = local_results[i]
        if b.passed == c_pass:
            continue
        c = "pass" if c_pass else "fail"
        if not gold_parsed[items[i].target] and not c_pass:
            reason = f"plain parse(gold) found nothing; b={b.status}"
        else:
            reason = f"{kinds[i]}: b={b.status} c={c}"
        reasons[reason] += 1
        if len(examples[reason]) < 3:
            examples[reason].append(f"gold={items[i].target!r} extracted={b.extracted!r} tail={completions[i][-60:]!r}")
    print(f"(b) vs (c): {sum(reasons.values())} of {len(sample)} verdicts differ")
    for reason, count in reasons.most_common():
        print(f"  {count:6d}  {reason}")
        for example in examples[reason]:
            print(f"          e.g. {example}")

    # What the fast path buys: grade its hits again through math-verify.
    quick_pairs = {(p.target, r.extracted) for p, r in zip(items, local_results) if r.detail == "exact match"}
    slow = MathVerifier(fast_path=False)
    started = time.perf_counter()
    disagree = [(g, a) for g, a in quick_pairs if slow.check(g, a).status != "pass"]
    t_slow = time.perf_counter() - started
    hits = sum(r.detail == "exact match" for r in local_results)
    per_pair = t_slow / max(1, len(quick_pairs))
    print(
        f"fast path: {hits} items ({hits / n:.0%}), {len(quick_pairs)} distinct pairs; math-verify on those "
        f"pairs takes {per_pair * 1000:.1f} ms each ({t_slow:.1f} s), i.e. {hits * per_pair:.1f} s for (b) "
        f"without dedupe; math-verify rejects {len(disagree)} of them: {sorted(disagree)[:5]}"
    )


if __name__ == "__main__":
    main()
