"""CoT validity: drill-down to correct samples, human verdicts, an LLM judge and CoT-pass@k.

A correct final answer is not proof of reasoning (Yue et al. 2025 checked the chains of thought
of correct samples on hard problems by hand). ``drilldown`` lists a run's correct samples per
problem, hard problems first; ``annotations`` records human verdicts; ``judge`` grades the
reasoning with any passbound engine; ``passk`` recomputes pass@k counting only valid reasoning.
"""

from passbound.cot.drilldown import DrillModel, DrillProblem, DrillSample, drilldown, hard_threshold
from passbound.cot.judge import JUDGE_TEMPLATE, judge_prompt, parse_verdict
from passbound.cot.passk import cot_passk, cot_passk_for_run

__all__ = [
    "JUDGE_TEMPLATE",
    "DrillModel",
    "DrillProblem",
    "DrillSample",
    "cot_passk",
    "cot_passk_for_run",
    "drilldown",
    "hard_threshold",
    "judge_prompt",
    "parse_verdict",
]
