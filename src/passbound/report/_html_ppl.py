"""report.html section for perplexity (perplexity.csv + ppl figures); answer diversity is a
registered analysis (passbound/analyses/diversity.py).

The section is "" when its table is empty or missing (no ``passbound ppl`` run), so the page
simply has one section fewer. User text
(model, scorer and benchmark names) is escaped.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from passbound.report_kit import as_float as _f
from passbound.report_kit import esc as _e
from passbound.report_kit import kfmt

if TYPE_CHECKING:
    import pandas as pd

    from passbound.report._data import RunData

Name = Callable[[str], str]


def _num(x: Any, digits: int = 2) -> str:
    v = _f(x)
    return f"<td class=\"n\">{'—' if math.isnan(v) else f'{v:.{digits}f}'}</td>"


def _benches(run: RunData, df: pd.DataFrame) -> list[str]:
    present = list(dict.fromkeys(df["benchmark"]))
    return [b for b in run.benchmarks if b in present] + [b for b in present if b not in run.benchmarks]


def _table(head: list[str], rows: list[str], first_numeric: int) -> str:
    ths = "".join(f"<th class=\"n\">{h}</th>" if i >= first_numeric else f"<th>{h}</th>" for i, h in enumerate(head))
    return (
        f"<div class=\"scroll\"><table class=\"wide dense\"><thead><tr>{ths}</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div>"
    )


def perplexity_section(run: RunData, name: Name, svgs: dict[str, bytes]) -> str:
    """Figure per benchmark and the perplexity.csv table (median and quartiles, mean, entropy)."""
    df = run.perplexity
    if df.empty:
        return ""
    out = [
        "<h2 id=\"perplexity\">Perplexity</h2><p class=\"note\">PPL<sub>m</sub>(Y|x) = exp(−(1/T) "
        "Σ<sub>t</sub> log p<sub>m</sub>(y<sub>t</sub> | x, y<sub>&lt;t</sub>)) of scorer m on another model's "
        "completions Y (completion tokens only; prompt rendered as for sampling). If the base model "
        "finds an RL model's completions no less likely than its own, RL reweights what the base "
        "already produces (Yue et al., 2025, §4.1). Entropy: the model's mean token entropy on its own "
        "samples at its sampling temperature (nats).</p>"
    ]
    head = [
        "Benchmark",
        "Scorer",
        "Scored samples of",
        "Samples",
        "Median PPL",
        "Q25",
        "Q75",
        "Mean PPL",
        "Mean log PPL",
        "Mean entropy",
    ]
    rows = []
    for bench in _benches(run, df):
        svg = svgs.get(f"ppl:{bench}")
        if svg is not None:
            b64 = base64.b64encode(svg).decode("ascii")
            out.append(
                f"<figure><img alt=\"perplexity distributions on {_e(bench)}\" "
                f"src=\"data:image/svg+xml;base64,{b64}\"><figcaption>Per-sample log PPL on {_e(bench)}: "
                "violins show the distribution, boxes the quartiles and median.</figcaption></figure>"
            )
        for i, r in enumerate(df[df["benchmark"] == bench].itertuples()):
            rows.append(
                f"<tr><td class=\"grp\">{_e(bench) if i == 0 else ''}</td><td>{name(str(r.scorer))}</td>"
                f"<td>{name(str(r.of_model))}</td><td class=\"n\">{kfmt(_f(r.n_samples))}</td>"
                + "".join(_num(getattr(r, c)) for c in ("median_ppl", "q25", "q75", "mean_ppl"))
                + _num(r.mean_log_ppl, 3)
                + _num(r.mean_entropy, 3)
                + "</tr>"
            )
    return "".join(out) + _table(head, rows, 3)


def ppl_nav(run: RunData) -> list[tuple[str, str]]:
    """(anchor, label) for the sections this module will render."""
    return [("perplexity", "Perplexity")] if not run.perplexity.empty else []


def ppl_sections(run: RunData, name: Name, svgs: dict[str, bytes]) -> list[str]:
    """The perplexity section, when the run has perplexity.csv (diversity: passbound/analyses/)."""
    return [p for p in (perplexity_section(run, name, svgs),) if p]
