"""The rows a ToolBench run fills in: one per query, and one model's pass-rate outcome.

Plain data shared by the pass rate (runner.py) and the win rate (preference.py), so that neither
imports the other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from toolgrad_eval.toolbench.aggregate import Outcome
from toolgrad_eval.toolbench.answers import Answer
from toolgrad_eval.toolbench.asker import Asked
from toolgrad_eval.toolbench.verdict import Status

Source = Literal["rule", "stored", "cache", "judge", "batch", "none"]


@dataclass
class QueryRow:
    """One query of one test set: the model's pass-rate rounds and, with a reference, the comparison."""

    id: str  # "<test_set>/<query_id>"
    test_set: str
    query_id: str
    statuses: list[Status] | None = None  # one per round; None on a judge error or a missing answer
    score: float | None = None  # mean over rounds: Solved 1, Unsure 0.5, Unsolved 0
    verdict_source: Source = "none"
    unsolved_rule: str | None = None  # why Unsolved without the judge
    judge_reasons: list[str] | None = None
    judge_steps: list[int] | None = None  # requests per round: 1 (final answer) or 2 (then the details)
    judge_error: str | None = None
    input_error: str | None = None  # no readable answer
    missing_answer: bool = False  # no readable answer: left out of the pass rate unless --strict
    not_judged: bool = False
    n_steps: int | None = None
    query: str | None = None
    final_answer: str | None = None
    reference_statuses: list[Status] | None = None
    preference: Outcome | None = None
    votes_model: int | None = None
    votes_reference: int | None = None
    preference_rounds: list[str] | None = None  # per round: who got it and why ("model: status", ...)
    preference_source: str | None = None  # "stored", "status", "identical answers", "missing answer", "cache", "judge"
    preference_reasons: list[str] | None = None
    preference_error: str | None = None


@dataclass
class PassResult:
    """A model's pass-rate outcome on every query (rows keyed by id) and what it took."""

    rows: dict[str, QueryRow]
    answers: dict[str, Answer]
    asked: list[Asked]
    stored: int = 0
