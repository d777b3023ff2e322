"""Answer diversity: how many distinct final answers a model gives per problem.

A model that RL has sharpened tends to repeat one answer across its n samples (Yue et al., 2025,
§4: RL narrows the output distribution), so the number of distinct extracted answers per
problem falls while pass@1 rises. Answers are compared after the same normalisation majority
voting uses (:func:`passbound.metrics.majority.normalise_answer`); samples with no answer do
not count as an answer. "Distinct correct" counts distinct answers among passing samples (more
than one means several surface forms of the right answer, or a verifier that accepts several).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ("model", "benchmark", "n_problems", "n_samples", "mean_distinct", "median_distinct",
           "mean_distinct_frac", "mean_distinct_correct", "n_problems_with_correct", "no_answer_rate")


def distinct_per_problem(verdicts: pd.DataFrame) -> pd.DataFrame:
    """One row per (model, benchmark, problem): samples, distinct answers, distinct correct answers."""
    import pandas as pd

    from passbound.metrics.majority import normalise_answer

    if verdicts.empty:
        return pd.DataFrame(columns=["model", "benchmark", "problem_id", "n_samples", "n_distinct", "n_correct",
                                     "n_distinct_correct", "n_no_answer"])
    df = verdicts[["model", "benchmark", "problem_id", "status", "extracted"]].copy()
    df["answer"] = [normalise_answer(a) for a in df["extracted"]]
    df["passed"] = df["status"] == "pass"
    df["correct_answer"] = df["answer"].where(df["passed"])
    g = df.groupby(["model", "benchmark", "problem_id"], sort=False)
    return pd.DataFrame({
        "n_samples": g.size(),
        "n_distinct": g["answer"].nunique(dropna=True),
        "n_correct": g["passed"].sum(),
        "n_distinct_correct": g["correct_answer"].nunique(dropna=True),
        "n_no_answer": g["answer"].apply(lambda s: int(s.isna().sum())),
    }).reset_index()


def diversity_table(verdicts: pd.DataFrame) -> pd.DataFrame:
    """Per model and benchmark: mean/median distinct answers per problem, their share of the
    samples, distinct answers among correct samples (over problems with a pass), no-answer rate."""
    import pandas as pd

    per = distinct_per_problem(verdicts)
    rows = []
    for (model, bench), g in per.groupby(["model", "benchmark"], sort=False):
        solved = g[g["n_correct"] > 0]
        rows.append({
            "model": model, "benchmark": bench, "n_problems": len(g), "n_samples": int(g["n_samples"].sum()),
            "mean_distinct": float(g["n_distinct"].mean()), "median_distinct": float(g["n_distinct"].median()),
            "mean_distinct_frac": float((g["n_distinct"] / g["n_samples"]).mean()),
            "mean_distinct_correct": float(solved["n_distinct_correct"].mean()) if len(solved) else float("nan"),
            "n_problems_with_correct": len(solved),
            "no_answer_rate": float(g["n_no_answer"].sum() / g["n_samples"].sum()),
        })
    return pd.DataFrame(rows, columns=list(COLUMNS))
