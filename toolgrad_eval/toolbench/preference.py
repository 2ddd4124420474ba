"""Win rate: each query's candidate answer against the reference's, one comparison per round, as ToolEval.

Per query and round (facts from StableToolBench ``eval_preference.py`` and its evaluator's
``normalized_openai_completions``): when the reference has no answer the candidate gets the round
(also when neither has one); when only the candidate has none the reference gets it. Otherwise
the two answers' pass-rate statuses of that round decide first (Solved beats Unsure beats
Unsolved); with equal statuses the two answers are shown once, in a random order, and the judge
picks one; two identical answers are not shown, the one placed first gets the round. The order
is a seeded choice per (query, round), so a re-run asks the same prompts and the cache answers.
The rounds are tallied per query: more for the candidate is a win, as many a tie, fewer a loss.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, Literal, Mapping

from toolgrad_eval.judge.client import Judge
from toolgrad_eval.toolbench import aggregate
from toolgrad_eval.toolbench.answers import clip
from toolgrad_eval.toolbench.asker import Asked, ask
from toolgrad_eval.toolbench.prompt import preference_messages
from toolgrad_eval.toolbench.rows import PassResult, QueryRow

Side = Literal["model", "reference"]
_REASONS_KEPT = 4


def model_first(row_id: str, round_: int) -> bool:
    """Whether the candidate is shown first (answer_0) in this round: a fair coin seeded by the
    query and the round (``random.Random`` of a string is the same on every platform and run)."""
    return random.Random(f"toolbench-order/{row_id}/{round_}").random() < 0.5


@dataclass(frozen=True)
class _Round:
    winner: Side | None  # None: the judge decides (owner names the prompt asked)
    why: str
    owner: str | None = None


def judge_preferences(
    judge: Judge,
    mine: PassResult,
    theirs: PassResult,
    num_process: int,
    on_progress: Callable[[int, int], None] | None,
    stored: Mapping[str, tuple[int, int]] | None = None,
) -> Asked:
    """Fill each row of ``mine`` with its preference outcome; returns what the judge was asked.
    ``stored``: ToolEval's own tallies by row id (model's votes, reference's), used as they are."""
    k = judge.settings.samples
    prompts: dict[str, list[dict[str, str]]] = {}
    rounds: dict[str, list[int]] = {}
    plans: dict[str, list[_Round]] = {}
    for row_id, row in mine.rows.items():
        other = theirs.rows[row_id]
        row.reference_statuses = other.statuses
        if stored and row_id in stored:
            row.votes_model, row.votes_reference = stored[row_id]
            row.preference_source, row.preference = "stored", aggregate.outcome(*stored[row_id])
            continue
        plan = _plan(row, other, mine, theirs, k)
        if plan is None:
            continue
        plans[row_id] = plan
        for r, decision in enumerate(plan):
            if decision.owner is not None:
                rounds.setdefault(decision.owner, []).append(r)
                if decision.owner not in prompts:
                    ours, reference = mine.answers[row_id], theirs.answers[row_id]
                    first, second = (ours, reference) if decision.owner.endswith(":model_first") else (reference, ours)
                    prompts[decision.owner] = preference_messages(judge.template, ours.query, first, second)
    asked = ask(judge, prompts, num_process=num_process, on_progress=on_progress, rounds=rounds)
    for row_id, plan in plans.items():
        _tally(mine.rows[row_id], plan, asked)
    return asked


def _plan(row: QueryRow, other: QueryRow, mine: PassResult, theirs: PassResult, k: int) -> list[_Round] | None:
    """How each round is decided, or None (and a preference error) when it cannot be."""
    if row.id not in theirs.answers:
        return [_Round("model", "missing answer")] * k
    if row.id not in mine.answers:
        return [_Round("reference", "missing answer")] * k
    if row.statuses is None or other.statuses is None or min(len(row.statuses), len(other.statuses)) < k:
        row.preference_error = "no pass-rate status to compare in every round (a pass-rate judge error)"
        return None
    identical = mine.answers[row.id].same_as(theirs.answers[row.id])
    plan = []
    for r in range(k):
        better = aggregate.decided_by_status(row.statuses[r], other.statuses[r])
        first: Side = "model" if model_first(row.id, r) else "reference"
        if better is not None:
            plan.append(_Round("model" if better == "candidate" else "reference", "status"))
        elif identical:
            plan.append(_Round(first, "identical answers"))
        else:
            plan.append(_Round(None, "judge", f"{row.id}:{first}_first"))
    return plan


def _tally(row: QueryRow, plan: list[_Round], asked: Asked) -> None:
    """Rounds won per side; a missing judgment makes the query a preference error."""
    votes = {"model": 0, "reference": 0}
    described, reasons, errors, sources = [], [], [], set()
    for r, decision in enumerate(plan):
        winner, why = decision.winner, decision.why
        if decision.owner is not None:
            result = asked.at(decision.owner, r)
            if result is None or result.verdict is None:
                errors.append(result.error or "no verdict" if result is not None else "missing judgment")
                continue
            sources.add(result.source)
            why = "cache" if result.source == "cache" else "judge"
            model_shown_first = decision.owner.endswith(":model_first")
            # better_answer is a position: 0 is whoever was shown first in this round.
            winner = "model" if (result.verdict.better_answer == 0) == model_shown_first else "reference"
            if len(reasons) < _REASONS_KEPT:
                order = "model first" if model_shown_first else "reference first"
                reasons.append(f"round {r} ({order}): {clip(result.verdict.reason, 1000)}")
        if winner is None:  # every round without a winner has an owner (asked above)
            continue
        votes[winner] += 1
        described.append(f"{winner} ({why})")
    whys = {d.why for d in plan}
    row.preference_source = ("judge" if sources - {"cache"} else "cache") if "judge" in whys else "+".join(sorted(whys))
    row.preference_rounds, row.preference_reasons = described, reasons
    if errors:
        row.preference_error = "; ".join(dict.fromkeys(errors))
        return
    row.votes_model, row.votes_reference = votes["model"], votes["reference"]
    row.preference = aggregate.outcome(votes["model"], votes["reference"])
