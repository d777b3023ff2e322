"""report.html's CoT drill-down to samples (CoT-pass@k is a registered analysis: passbound/analyses/cot_passk.py).

Unlike the other sections, the drill-down reads the run directory itself (problems, verdicts,
sample texts, judgments, annotations/human.jsonl): it shows data, not a metric. Its size is
capped (MAX_PROBLEMS per benchmark, MAX_SAMPLES correct samples per model per problem, texts cut
to MAX_CHARS) so a report over n=1024 samples stays small; ``passbound drilldown`` gives all.

The only script in the report lives here: a few lines of inline JavaScript that filter hard
problems, record "valid / invalid" clicks in the page and download them as JSON (a Blob behind
a download link), which ``passbound annotate RUN --import FILE`` appends to the run. It fetches
nothing, so the page still works from file:// on an air-gapped machine. All run text is escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from passbound.report_kit import esc as _e
from passbound.report_kit import pct, thumbnail_uri

if TYPE_CHECKING:
    from passbound.cot.drilldown import DrillProblem
    from passbound.report._data import RunData

Name = Callable[[str], str]
MAX_PROBLEMS = 50
MAX_SAMPLES = 3
MAX_CHARS = 4096

STYLE = """<style>
#drilldown .dd-tools { margin:8px 0 14px; display:flex; gap:14px; align-items:center; flex-wrap:wrap; }
#drilldown.dd-hard-only details.dd-problem[data-hard="0"] { display:none; }
#drilldown details.dd-problem { border:1px solid var(--rule); border-radius:4px; margin:6px 0; padding:4px 10px; }
#drilldown details.dd-problem summary { white-space:normal; }
#drilldown .dd-badge { background:#b3261e; color:#fff; border-radius:3px; padding:0 5px; font-size:0.8em; }
#drilldown img.dd-image { max-width:min(100%, 480px); height:auto; display:block; margin:4px 0 8px;
  border:1px solid var(--line, #ccc); }
#drilldown pre.dd-text { white-space:pre-wrap; word-break:break-word; background:var(--head); padding:8px;
  margin:4px 0 10px; font-size:0.84em; max-height:28em; overflow:auto; }
#drilldown .dd-sample { border-left:3px solid var(--rule); padding-left:8px; margin:6px 0; }
#drilldown .dd-sample[data-human="valid"] { border-left-color:#2e7d32; }
#drilldown .dd-sample[data-human="invalid"] { border-left-color:#b3261e; }
#drilldown button[aria-pressed="true"] { font-weight:700; outline:2px solid #2c5aa0; }
#drilldown h4 { margin:12px 0 4px; font-size:0.95em; }
#drilldown details code { display:inline; margin:0; }
</style>"""

SCRIPT = """<script>
(function () {
  var sec = document.getElementById("drilldown");
  if (!sec) { return; }
  var recorded = {};
  var count = document.getElementById("dd-count");
  document.getElementById("dd-hard-only").addEventListener("change", function (ev) {
    sec.classList.toggle("dd-hard-only", ev.target.checked);
  });
  sec.addEventListener("click", function (ev) {
    var button = ev.target.closest("button[data-verdict]");
    if (!button) { return; }
    var s = button.closest(".dd-sample");
    var key = JSON.stringify([s.dataset.model, s.dataset.benchmark, s.dataset.problem, s.dataset.index]);
    recorded[key] = {el: s, verdict: button.dataset.verdict};
    s.dataset.human = button.dataset.verdict;
    s.querySelectorAll("button[data-verdict]").forEach(function (b) {
      b.setAttribute("aria-pressed", b === button ? "true" : "false");
    });
    count.textContent = Object.keys(recorded).length + " verdict(s) recorded in this page; export them before closing it.";
  });
  document.getElementById("dd-export").addEventListener("click", function () {
    var verdicts = Object.keys(recorded).map(function (k) {
      var r = recorded[k], s = r.el, note = s.querySelector("input.dd-note");
      return {model: s.dataset.model, benchmark: s.dataset.benchmark, problem_id: s.dataset.problem,
              index: parseInt(s.dataset.index, 10), verdict: r.verdict, note: note ? note.value : ""};
    });
    var doc = {format: "passbound-cot-verdicts", version: 1, run: sec.dataset.run,
               exported: new Date().toISOString(), verdicts: verdicts};
    var blob = new Blob([JSON.stringify(doc, null, 2)], {type: "application/json"});
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "verdicts.json";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  });
})();
</script>"""


def _has_verdicts(run: RunData) -> bool:
    from passbound.store import RunDir

    store = RunDir(run.run_dir)
    return store.exists() and store.chunks_any("verdicts")


def drilldown_nav(run: RunData) -> list[tuple[str, str]]:
    """The drill-down's (anchor, label) nav link, when ``drilldown_sections`` renders it."""
    return [("drilldown", "Drill-down")] if _has_verdicts(run) else []


def drilldown_sections(run: RunData, name: Name) -> list[str]:
    """The drill-down, when the run has verdicts (CoT-pass@k is an analysis: passbound/analyses/cot_passk.py)."""
    return [drilldown_section(run, name)] if _has_verdicts(run) else []


def _load_problems(run: RunData) -> tuple[list[DrillProblem], str]:
    """The drill-down table the report stage stored (the report never recomputes it)."""
    from passbound.cot.drilldown import DrillProblem
    from passbound.errors import PassboundError
    from passbound.store.side_tables import read_drilldown

    try:
        records = read_drilldown(run.run_dir)
    except PassboundError as exc:
        return [], f"The drill-down could not be read: {exc}"
    if records is None:
        return [], (
            f"This run has no drill-down table yet; `passbound report {run.run_dir}` writes it "
            "(it reads the verdicts, judgments and human verdicts)."
        )
    return [DrillProblem.from_record(r) for r in records], ""


def drilldown_section(run: RunData, name: Name) -> str:
    """``<section id="drilldown">``: per benchmark, hard problems first, each model's correct samples."""
    problems, error = _load_problems(run)
    head = (
        f"<section id=\"drilldown\" data-run=\"{_e(run.run_dir)}\">{STYLE}"
        "<h2>CoT drill-down: correct samples</h2>"
        "<p class=\"note\">Is a correct answer backed by valid reasoning? Problems that some model solves "
        "with only a few of its samples (<span class=\"dd-badge\">hard</span>: at most 5% of n, or 2) come "
        "first: their correct answers are the likeliest to be lucky (Yue et al., 2025). Mark samples "
        "<b>valid</b> or <b>invalid</b>, then <b>Export verdicts</b> and record them with "
        f"<code>passbound annotate {_e(run.run_dir)} --import verdicts.json</code>. Shown: at most "
        f"{MAX_PROBLEMS} problems per benchmark, {MAX_SAMPLES} correct samples per model and problem, "
        f"texts cut at {MAX_CHARS // 1024} KB; <code>passbound drilldown {_e(run.run_dir)} -o drill.jsonl</code> "
        "exports every correct sample in full.</p>"
        "<div class=\"dd-tools\"><label><input type=\"checkbox\" id=\"dd-hard-only\"> hard problems only"
        "</label><button type=\"button\" id=\"dd-export\">Export verdicts</button>"
        "<span id=\"dd-count\" class=\"muted\">No verdicts recorded in this page yet.</span></div>"
    )
    body = []
    if error:
        body.append(f"<p class=\"muted\">{_e(error)}</p>")
    elif not problems:
        body.append("<p class=\"muted\">No model has a correct sample on any problem: nothing to inspect.</p>")
    for bench in dict.fromkeys(p.benchmark for p in problems):
        mine = [p for p in problems if p.benchmark == bench]
        n_hard = sum(p.hard for p in mine)
        body.append(f"<h3>{_e(bench)} <small class=\"muted\">{len(mine)} problems shown, {n_hard} hard</small></h3>")
        body += [_problem(p, name, run.run_dir) for p in mine]
    return head + "".join(body) + "</section>" + SCRIPT


def _images(p: DrillProblem, run_dir: Path) -> str:
    """The problem's images as small inline JPEGs (the report stays one self-contained file)."""
    tags = []
    for m in p.media:
        uri = thumbnail_uri(Path(run_dir) / m)
        tags.append(
            f"<img class=\"dd-image\" alt=\"image of problem {_e(p.problem_id)}\" src=\"{uri}\">"
            if uri
            else f"<p class=\"muted\">image {_e(m)} is not in the run directory</p>"
        )
    return "".join(tags)


def _problem(p: DrillProblem, name: Name, run_dir: Path) -> str:
    from passbound.cot._run import truncate

    badge = " <span class=\"dd-badge\">hard</span>" if p.hard else ""
    fractions = ", ".join(f"{_e(m.model)} {m.c}/{m.n}" for m in p.models)
    prompt, _ = truncate(p.prompt, MAX_CHARS)
    parts = [
        f"<details class=\"dd-problem\" data-hard=\"{int(p.hard)}\" data-benchmark=\"{_e(p.benchmark)}\" "
        f"data-problem=\"{_e(p.problem_id)}\"><summary><b>{_e(p.problem_id)}</b>{badge} "
        f"<span class=\"muted\">correct: {fractions}</span></summary>"
        f"<h4>Problem</h4>{_images(p, run_dir)}<pre class=\"dd-text\">{_e(prompt)}</pre>"
        f"<p>Gold answer: <code>{_e(p.target)}</code></p>"
    ]
    for m in p.models:
        hard = " <span class=\"dd-badge\">hard</span>" if m.hard else ""
        parts.append(f"<h4>{name(m.model)} {m.c}/{m.n} correct ({pct(m.pass_fraction)}%){hard}</h4>")
        for s in m.samples:
            pressed = {v: "true" if s.human == v else "false" for v in ("valid", "invalid")}
            verdicts = [
                f"judge: <b>{_e(s.judge)}</b>" if s.judge else "",
                f"human: <b>{_e(s.human)}</b>" if s.human else "",
                f"note: {_e(s.note)}" if s.note else "",
            ]
            parts.append(
                f"<div class=\"dd-sample\" data-model=\"{_e(m.model)}\" data-benchmark=\"{_e(p.benchmark)}\" "
                f"data-problem=\"{_e(p.problem_id)}\" data-index=\"{s.index}\" data-human=\"{_e(s.human or '')}\">"
                f"<div>#{s.index} · answer <code>{_e(s.extracted)}</code>"
                + "".join(f" · {v}" for v in verdicts if v)
                + f" <button type=\"button\" data-verdict=\"valid\" aria-pressed=\"{pressed['valid']}\">valid</button>"
                f" <button type=\"button\" data-verdict=\"invalid\" aria-pressed=\"{pressed['invalid']}\">invalid"
                "</button> <input class=\"dd-note\" type=\"text\" placeholder=\"note (optional)\" size=\"24\">"
                + (" <span class=\"muted\">(text cut)</span>" if s.truncated else "")
                + f"</div><pre class=\"dd-text\">{_e(s.text)}</pre></div>"
            )
        if m.c > len(m.samples):
            parts.append(f"<p class=\"muted\">{m.c - len(m.samples)} more correct sample(s) not shown.</p>")
    return "".join(parts) + "</details>"
