"""What the report must say about how a run's numbers came about, worded once for HTML and Markdown.

- Sampling settings per model: a model whose samples were imported (``passbound import``) was
  sampled by another tool, so the study's settings (its default top_p and seed) say nothing about
  it; the report shows what the imported file states (recorded in the manifest's import entry) and
  "unknown" for the rest.
- Samples without an answer: a model whose samples mostly name no answer the verifier can read
  (another tool's prompt asked for plain prose, not ``\\boxed{}`` or an answer phrase) gets pass@k
  near 0 that measures the answer format, not the model; past a quarter of its samples the report
  says so and names the option that reads such answers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from passbound.report_kit import pct
from passbound.types import STATUSES

if TYPE_CHECKING:
    from passbound.report._data import RunData

NO_ANSWER_SHARE = 0.25  # more than this share of a model's samples without an answer is reported

# (key, label in the page, label in summary.md): the settings the header shows for every model
# (unknown when an import does not state them), then those shown only where a file states them.
SHOWN = (("n", "n"), ("temperature", "T"), ("top_p", "top-p"), ("max_tokens", "max tokens"), ("seed", "seed"))
STATED_ONLY = (("top_k", "top-k"), ("min_p", "min-p"), ("do_sample", "do_sample"))
UNKNOWN = "unknown"


@dataclass(frozen=True)
class ImportedSampling:
    """The sampling settings of one import: what its file states, in passbound's names."""

    model: str
    fmt: str
    benchmarks: tuple[str, ...]
    settings: tuple[tuple[str, Any], ...]  # (key, value) in SHOWN then STATED_ONLY order; value may be UNKNOWN
    partial: bool  # the model also has sampled problems (drawn with the study's settings)


def _value(x: Any) -> str:
    return str(x).lower() if isinstance(x, bool) else str(x)


def _imported_problems(manifest: dict[str, Any]) -> dict[str, dict[str, int]]:
    """model -> benchmark -> problems imported, over all of the model's imports."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for entry in manifest.get("imports") or []:
        for bench, count in (entry.get("problems") or {}).items():
            out[str(entry.get("model"))][str(bench)] += int(count)
    return out


def imported_sampling(run: RunData) -> list[ImportedSampling]:
    """One entry per import in the manifest, in import order."""
    m = run.manifest
    n_problems = {str(b.get("name")): b.get("n_problems") for b in m.get("benchmarks", [])}
    covered = _imported_problems(m)
    n_of = {str(x.get("name")): (x.get("sampling") or {}).get("n") for x in m.get("models", [])}
    out = []
    for entry in m.get("imports") or []:
        model = str(entry.get("model"))
        stated = dict(entry.get("sampling") or {})  # runs imported before settings were recorded state none
        stated.setdefault("n", n_of.get(model) or (m.get("sampling") or {}).get("n", UNKNOWN))
        settings = [(key, stated.get(key, UNKNOWN)) for key, _ in SHOWN]
        settings += [(key, stated[key]) for key, _ in STATED_ONLY if key in stated]
        partial = any(covered[model].get(b, 0) < (n or 0) for b, n in n_problems.items())
        out.append(
            ImportedSampling(
                model,
                str(entry.get("format", "?")),
                tuple(sorted(entry.get("problems") or {})),
                tuple(settings),
                partial,
            )
        )
    return out


def sampled_models(run: RunData) -> list[str]:
    """Models some of whose samples were drawn by this study (with its sampling settings)."""
    partial = {s.model for s in imported_sampling(run) if s.partial}
    imported = {str(e.get("model")) for e in run.manifest.get("imports") or []}
    return [
        str(x.get("name"))
        for x in run.manifest.get("models", [])
        if str(x.get("name")) not in imported or str(x.get("name")) in partial
    ]


def describe_import(
    s: ImportedSampling, name: Callable[[str], str], labels: dict[str, str], literal: Callable[[str], str]
) -> str:
    """``name`` imported from FORMAT (benchmarks): its settings as the file states them. ``literal``
    writes what came from the file or the study (benchmark names, values) safely for the page."""
    where = f" ({', '.join(map(literal, s.benchmarks))})" if s.benchmarks else ""
    values = ", ".join(f"{labels[k]} = {literal(_value(v))}" for k, v in s.settings)
    rest = "; its other problems sampled with the study's settings" if s.partial else ""
    return f"{name(s.model)} imported from {literal(s.fmt)}{where}: {values}{rest}"


def labels(page: bool) -> dict[str, str]:
    """The settings' labels in the page (short) or in summary.md (the settings' own names)."""
    return {key: (label if page else key) for key, label in SHOWN + STATED_ONLY}


@dataclass(frozen=True)
class NoAnswerShare:
    """A model on a benchmark whose samples name no answer more than NO_ANSWER_SHARE of the time."""

    model: str
    benchmark: str
    n_no_answer: int
    n_samples: int
    option: str | None  # the verifier option that reads answers written another way, if one would


def _math_extraction(manifest: dict[str, Any]) -> str:
    verify = (manifest.get("study") or {}).get("verify") or {}
    return str((verify.get("math") or {}).get("extraction", "strict"))


def no_answer_shares(run: RunData, benchmark: str) -> list[NoAnswerShare]:
    """Models on ``benchmark`` with more than a quarter of their verified samples without an answer."""
    kinds = {str(b.get("name")): b.get("kind") for b in run.manifest.get("benchmarks", [])}
    lenient_reads = kinds.get(benchmark) in ("math", "vision") and _math_extraction(run.manifest) != "lenient"
    option = '[verify.math] extraction = "lenient"' if lenient_reads else None
    order = {m: i for i, m in enumerate(run.models)}
    out = []
    rows = run.summary[run.summary["benchmark"] == benchmark]
    for r in sorted(rows.itertuples(), key=lambda r: order.get(str(r.model), len(order))):
        counts = [getattr(r, f"n_{s}", 0) for s in STATUSES]
        if any(c != c for c in counts):  # NaN: a run analysed before the counts existed
            continue
        total, none = int(sum(counts)), int(getattr(r, "n_no_answer", 0))
        if total and none / total > NO_ANSWER_SHARE:
            out.append(NoAnswerShare(str(r.model), benchmark, none, total, option))
    return out


def describe_no_answer(x: NoAnswerShare, name: Callable[[str], str], literal: Callable[[str], str]) -> str:
    """The warning for one model: the share, what it does to pass@k, and what would read them."""
    text = (
        f"{name(x.model)}: {x.n_no_answer} of {x.n_samples} samples ({pct(x.n_no_answer / x.n_samples)}%) "
        "name no answer the verifier could read; they count as failures, so its pass@k measures the answer "
        "format as much as the model"
    )
    if x.option is not None:
        text += (
            f". If it writes its answers without \\boxed{{}} or an answer phrase, {literal(x.option)} in "
            "the study file also reads the last math expression or number; set it and run the study again"
        )
    return text
