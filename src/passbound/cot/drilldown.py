"""Per-problem drill-down to the correct samples, for reading their chains of thought.

Yue et al. (2025) checked by hand whether the correct answers on *hard* problems (solved by
only a few of the n samples) came with valid reasoning: a problem a model "solves" once in 1024
tries by a lucky guess should not count as inside its reasoning boundary. This module picks, per
(benchmark, problem), each model's pass fraction and its correct samples, marks problems some
model solves rarely as hard and lists those first, and attaches the judge's and the humans'
verdicts. Only the verdict columns are scanned for the selection; sample texts are read for
the chosen rows alone.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from passbound.cot._run import check_names, load_verdicts, read_texts, run_models, truncate
from passbound.metrics.counts import build_counts, natural_key
from passbound.store import RunDir

HARD_FRACTION = 0.05  # hard: solved by at most 5% of the samples ...
HARD_MIN_COUNT = 2  # ... or by at most 2 samples, whichever allows more


def hard_threshold(n: int, max_correct: int | None = None) -> int:
    """Most correct samples (of ``n``) a model may have on a problem that counts as hard for it."""
    if max_correct is not None:
        return int(max_correct)
    return max(HARD_MIN_COUNT, int(HARD_FRACTION * n))


def problem_counts_frame(verdicts: pd.DataFrame) -> pd.DataFrame:
    """n (samples) and c (passes) per (model, benchmark, problem_id), in the order the verdicts
    list them: the counts kernel's table, without answer groups."""
    table = build_counts(verdicts, answers=False).table("first_row")
    return table[["model", "benchmark", "problem_id", "n", "c"]]


@dataclass
class DrillSample:
    """One correct sample: its text (maybe cut), the judge's and the latest human verdict."""

    index: int
    text: str
    truncated: bool = False
    n_tokens: int | None = None
    extracted: str | None = None
    judge: str | None = None
    human: str | None = None
    note: str = ""


@dataclass
class DrillModel:
    """One model on one problem: n, c and the correct samples shown."""

    model: str
    role: str
    n: int
    c: int
    hard: bool
    samples: list[DrillSample] = field(default_factory=list)

    @property
    def pass_fraction(self) -> float:
        return self.c / self.n if self.n else 0.0


@dataclass
class DrillProblem:
    """One problem with every model's pass fraction; hard if some model solves it rarely."""

    benchmark: str
    problem_id: str
    prompt: str
    target: str
    hard: bool
    models: list[DrillModel] = field(default_factory=list)
    media: list[str] = field(default_factory=list)  # run-relative image files the problem shows

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> DrillProblem:
        """Rebuild from ``asdict`` output (the drill-down table the report reads)."""
        models = [
            DrillModel(**{**m, "samples": [DrillSample(**s) for s in m.get("samples", [])]})
            for m in record.get("models", [])
        ]
        return cls(**{**record, "models": models})

    @property
    def rarest(self) -> float:
        """Smallest non-zero pass fraction over models (the sort key after hardness)."""
        fr = [m.pass_fraction for m in self.models if m.c > 0]
        return min(fr) if fr else 1.0


def drilldown(
    run: RunDir,
    *,
    models: Sequence[str] | None = None,
    benchmarks: Sequence[str] | None = None,
    hard_only: bool = False,
    max_correct: int | None = None,
    max_problems: int | None = None,
    max_samples: int | None = None,
    max_chars: int | None = None,
) -> list[DrillProblem]:
    """Problems with at least one correct sample, per benchmark hard ones first, then rarest-solved first.

    ``max_correct``: a model's problem is hard when it has 1..max_correct passes (default: at
    most 5% of its samples or 2, whichever is more). ``max_problems`` caps problems per
    benchmark, ``max_samples`` correct samples per model per problem (lowest indices),
    ``max_chars`` each text (head and tail kept). None means no cap.
    """
    from passbound.cot.annotations import latest
    from passbound.store.side_tables import judgment_map

    check_names(run, models, benchmarks)
    meta = {m["name"]: m for m in run_models(run)}
    order = list(meta)
    v = load_verdicts(run, models, benchmarks)
    if v.empty:
        return []
    counts = problem_counts_frame(v)
    solved = counts[counts["c"] > 0][["benchmark", "problem_id"]].drop_duplicates()
    bench_order = [b for b in run.benchmarks() if b in set(solved["benchmark"])]
    problems: list[DrillProblem] = []
    per_bench: dict[str, list[DrillProblem]] = {}
    for bench in bench_order:
        ids = set(solved.loc[solved["benchmark"] == bench, "problem_id"])
        recorded = {p.id: p for p in run.read_problems(bench)}
        sub = counts[(counts["benchmark"] == bench) & counts["problem_id"].isin(ids)]
        items: dict[str, DrillProblem] = {}
        for r in sub.itertuples(index=False):
            pid = str(r.problem_id)
            if pid not in items:
                p = recorded.get(pid)
                items[pid] = DrillProblem(
                    bench, pid, p.prompt if p else "", p.target if p else "", False, media=list(p.media) if p else []
                )
            hard = 0 < r.c <= hard_threshold(int(r.n), max_correct)
            role = meta[r.model].get("role") if r.model in meta else None
            items[pid].models.append(DrillModel(str(r.model), str(role or "other"), int(r.n), int(r.c), hard))
        chosen = []
        for item in items.values():
            item.hard = any(m.hard for m in item.models)
            item.models.sort(key=lambda m: order.index(m.model) if m.model in order else len(order))
            if item.hard or not hard_only:
                chosen.append(item)
        chosen.sort(key=lambda p: (not p.hard, p.rarest, natural_key(p.problem_id)))
        per_bench[bench] = chosen[:max_problems] if max_problems is not None else chosen
        problems += per_bench[bench]
    _attach_samples(run, v, problems, max_samples, max_chars, judgment_map(run), latest(run))
    return problems


def _attach_samples(
    run: RunDir,
    v: pd.DataFrame,
    problems: list[DrillProblem],
    max_samples: int | None,
    max_chars: int | None,
    judged: dict[Any, str],
    human: dict[Any, dict[str, Any]],
) -> None:
    """Fill each (problem, model) with its correct samples, reading texts per (model, benchmark)."""
    passed = v[v["status"] == "pass"].sort_values("index", kind="stable")
    wanted = {(p.benchmark, p.problem_id) for p in problems}
    passed = passed.loc[
        [k in wanted for k in zip(passed["benchmark"], passed["problem_id"])]
    ]  # .loc: [] keeps the columns
    if max_samples is not None:
        passed = passed.groupby(["model", "benchmark", "problem_id"], sort=False).head(max_samples)
    for (model, bench), rows in passed.groupby(["model", "benchmark"], sort=False):
        keys = list(zip(rows["problem_id"], rows["index"].astype(int), rows["extracted"]))
        texts = read_texts(run, str(model), str(bench), {(p, i) for p, i, _ in keys})
        by_problem: dict[str, list[DrillSample]] = {}
        for pid, index, extracted in keys:
            t = texts.get((pid, index))
            if t is None:  # a verdict without its sample (deleted shard): nothing to show
                continue
            text, cut = truncate(t["text"], max_chars)
            key = (str(model), str(bench), pid, index)
            h = human.get(key, {})
            by_problem.setdefault(pid, []).append(
                DrillSample(
                    index,
                    text,
                    cut,
                    t["n_tokens"],
                    extracted,
                    judged.get(key),
                    h.get("verdict"),
                    str(h.get("note") or ""),
                )
            )
        for p in problems:
            if p.benchmark != bench:
                continue
            for m in p.models:
                if m.model == model:
                    m.samples = by_problem.get(p.problem_id, [])


def write_drilldown(
    run: RunDir,
    *,
    max_correct: int | None = None,
    max_problems: int | None = None,
    max_samples: int | None = None,
    max_chars: int | None = None,
) -> Path:
    """Compute the (capped) drill-down and store it as a run-directory table for the report."""
    from passbound.store.side_tables import DRILLDOWN_FILE

    problems = drilldown(
        run, max_correct=max_correct, max_problems=max_problems, max_samples=max_samples, max_chars=max_chars
    )
    return run.write_text(DRILLDOWN_FILE, json.dumps([asdict(p) for p in problems], ensure_ascii=False))


def to_jsonl(problems: Sequence[DrillProblem]) -> str:
    """One JSON line per shown correct sample, with its problem and the model's counts (full text)."""
    lines = []
    for p in problems:
        for m in p.models:
            for s in m.samples:
                lines.append(
                    json.dumps(
                        {
                            "benchmark": p.benchmark,
                            "problem_id": p.problem_id,
                            "problem_hard": p.hard,
                            "model": m.model,
                            "role": m.role,
                            "n": m.n,
                            "c": m.c,
                            "pass_fraction": m.pass_fraction,
                            "hard_for_model": m.hard,
                            "prompt": p.prompt,
                            "target": p.target,
                            **asdict(s),
                        },
                        ensure_ascii=False,
                    )
                )
    return "".join(line + "\n" for line in lines)


def to_markdown(problems: Sequence[DrillProblem], run_path: Path, max_chars: int | None = 4000) -> str:
    """A readable drill-down (terminal or editor), each sample followed by the command that records a verdict."""
    out = [f"# CoT drill-down: {run_path}\n"]
    if not problems:
        out.append("No problem has a correct sample for the selected models.\n")
    for p in problems:
        tag = " [HARD]" if p.hard else ""
        fractions = ", ".join(f"{m.model} {m.c}/{m.n}" for m in p.models)
        prompt, _ = truncate(p.prompt, max_chars)
        out.append(f"## {p.benchmark} / {p.problem_id}{tag}  ({fractions})\n\n{prompt}\n\n**Gold:** `{p.target}`\n")
        for m in p.models:
            for s in m.samples:
                verdicts = ", ".join(
                    x for x in (f"judge: {s.judge}" if s.judge else "", f"human: {s.human}" if s.human else "") if x
                )
                text, _ = truncate(s.text, max_chars)
                fence = "````" if "```" in text else "```"
                command = " ".join(
                    shlex.quote(str(x))
                    for x in (
                        "passbound",
                        "annotate",
                        run_path,
                        "--model",
                        m.model,
                        "--benchmark",
                        p.benchmark,
                        "--problem",
                        p.problem_id,
                        "--index",
                        s.index,
                    )
                )
                out.append(
                    f"### {m.model} #{s.index} (answer `{s.extracted}`{'; ' + verdicts if verdicts else ''})\n\n"
                    f"{fence}\n{text}\n{fence}\n\n`{command} --verdict valid|invalid`\n"
                )
    return "\n".join(out)
