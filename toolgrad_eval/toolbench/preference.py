"""Win rate: each query's candidate answer against the reference's, every round asked in both orders.

Per query (facts from StableToolBench ``eval_preference.py`` and ToolEval's evaluator): an answer
missing on one side loses every round; two identical answers tie without asking; when the majority
pass-rate statuses differ, the better status wins every round without asking; otherwise the judge
picks the better answer. We ask each round twice, candidate first and reference first, so a judge
that favours a position casts one vote each way (a tie) instead of deciding the query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Mapping

from toolgrad_eval.judge.client import Judge
from toolgrad_eval.toolbench import aggregate
from toolgrad_eval.toolbench.answers import clip
from toolgrad_eval.toolbench.asker import Asked, ask
from toolgrad_eval.toolbench.prompt import preference_messages

if TYPE_CHECKING:  # runner imports this module; the types are annotations only
    from toolgrad_eval.toolbench.runner import PassResult, QueryRow

ORDERS = ("candidate_first", "reference_first")
_REASONS_KEPT = 4


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
    for row_id, row in mine.rows.items():
        other = theirs.rows[row_id]
        row.reference_statuses = other.statuses
        if stored and row_id in stored:
            row.votes_model, row.votes_reference = stored[row_id]
            row.preference_source, row.preference = "stored", aggregate.outcome(*stored[row_id])
            continue
        decided = _without_judge(row, other, mine, theirs)
        if decided is not None:
            source, candidate_votes, reference_votes = decided
            row.preference_source, row.votes_model, row.votes_reference = (
                source,
                candidate_votes * 2 * k,
                reference_votes * 2 * k,
            )
            row.preference = aggregate.outcome(row.votes_model, row.votes_reference)
            continue
        ours, reference = mine.answers[row_id], theirs.answers[row_id]
        prompts[f"{row_id}:{ORDERS[0]}"] = preference_messages(judge.template, ours.query, ours, reference)
        prompts[f"{row_id}:{ORDERS[1]}"] = preference_messages(judge.template, ours.query, reference, ours)
    asked = ask(judge, prompts, num_process=num_process, on_progress=on_progress)
    for row_id, row in mine.rows.items():
        if f"{row_id}:{ORDERS[0]}" in prompts:
            _count(row, asked, k)
    return asked


def _without_judge(row: QueryRow, other: QueryRow, mine: PassResult, theirs: PassResult) -> tuple[str, int, int] | None:
    """(why, candidate's share, reference's share) when the judge is not needed, else None."""
    has_mine, has_theirs = row.id in mine.answers, row.id in theirs.answers
    if not has_mine or not has_theirs:
        return "missing answer", int(has_mine), int(has_theirs)
    if mine.answers[row.id].same_as(theirs.answers[row.id]):
        return "identical answers", 1, 1
    if row.statuses is None or other.statuses is None:
        return None  # a pass-rate judge error: the judge compares them as they are
    winner = aggregate.decided_by_status(aggregate.majority(row.statuses), aggregate.majority(other.statuses))
    if winner is None:
        return None
    return "status", int(winner == "candidate"), int(winner == "reference")


def _count(row: QueryRow, asked: Asked, k: int) -> None:
    """Votes over every round and both orders; a missing judgment makes the query a preference error."""
    candidate = reference = 0
    reasons: list[str] = []
    errors: list[str] = []
    sources: set[str] = set()
    for order in ORDERS:
        results = asked.of(f"{row.id}:{order}")
        for result in results:
            sources.add(result.source)
            if result.verdict is None:
                errors.append(result.error or "no verdict")
                continue
            # better_answer is a position: 0 is whoever was shown first in this order.
            candidate_won = (result.verdict.better_answer == 0) == (order == "candidate_first")
            candidate += candidate_won
            reference += not candidate_won
            if len(reasons) < _REASONS_KEPT:
                reasons.append(f"{order}: {clip(result.verdict.reason, 1000)}")
        if len(results) < k:
            errors.append("missing judgments")
    row.preference_source = "judge" if "judge" in sources or "batch" in sources else "cache"
    row.preference_reasons = reasons
    if errors:
        row.preference_error = "; ".join(dict.fromkeys(errors))
        return
    row.votes_model, row.votes_reference = candidate, reference
    row.preference = aggregate.outcome(candidate, reference)
