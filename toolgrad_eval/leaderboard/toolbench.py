"""What a model's page shows for a ToolBench run: every query's verdicts, the judge's reasons, and the
comparison with the reference. All of it is model or judge text: cleaned and truncated here,
escaped by the renderer."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from toolgrad_eval.leaderboard.runs import Run
from toolgrad_eval.leaderboard.text import clean_text

MAX_QUERIES_SHOWN = 2000  # per run; the counts always cover every query


@dataclass(frozen=True)
class QueryView:
    id: str
    test_set: str
    statuses: str  # one letter per round: S(olved), U(nsure), X (unsolved)
    score: float | None  # 0..100
    source: str
    reason: str  # the rule that decided it, or the judge's reasons
    query: str
    final_answer: str
    preference: str  # win / tie / loss, with the votes; "" without a reference
    preference_reason: str
    error: str


_LETTER = {"Solved": "S", "Unsure": "U", "Unsolved": "X"}


def toolbench_queries(run: Run) -> tuple[list[tuple[str, int]], list[QueryView], int]:
    """(outcome counts, queries worst first, queries with an error)."""
    counts: Counter[str] = Counter()
    views = []
    for row in run.samples:
        views.append(_view(row, counts))
    views.sort(key=lambda v: (v.score if v.score is not None else -1.0, v.test_set, v.id))
    return counts.most_common(), views[:MAX_QUERIES_SHOWN], sum(1 for v in views if v.error)


def _view(row: Mapping[str, Any], counts: Counter[str]) -> QueryView:
    statuses = row.get("statuses") if isinstance(row.get("statuses"), list) else []
    rule = row.get("unsolved_rule")
    errors = [clean_text(row.get(k), 300) for k in ("input_error", "judge_error", "preference_error") if row.get(k)]
    if rule:
        counts[f"Unsolved by rule: {clean_text(rule, 200)}"] += 1
    for key, label in (("judge_error", "judge error"), ("preference_error", "preference judge error")):
        if row.get(key):
            counts[label] += 1
    preference = row.get("preference")
    if preference in ("win", "tie", "loss"):
        counts[f"against the reference: {preference}"] += 1
        preference = f"{preference} ({row.get('votes_model')}–{row.get('votes_reference')}, {clean_text(row.get('preference_source'), 50)})"
    score = row.get("score")
    return QueryView(
        id=clean_text(row.get("query_id") or row.get("id"), 200),
        test_set=clean_text(row.get("test_set"), 100),
        statuses="".join(_LETTER.get(str(s), "?") for s in statuses[:50]),
        score=100.0 * score if isinstance(score, (int, float)) and not isinstance(score, bool) else None,
        source=clean_text(row.get("verdict_source"), 20),
        reason=clean_text(rule) if rule else _joined(row.get("judge_reasons")),
        query=clean_text(row.get("query")),
        final_answer=clean_text(_final_text(row.get("final_answer"))),
        preference=clean_text(preference) if preference else "",
        preference_reason=_rounds(row.get("preference_rounds"), _joined(row.get("preference_reasons"))),
        error="; ".join(errors),
    )


def _final_text(value: Any) -> Any:
    """The text inside ToolEval's final_answer (the Finish call's arguments as JSON), else the value as
    recorded; the row holds it clipped, so this decoding is bounded."""
    if not isinstance(value, str) or not value.startswith("{"):
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    inner = decoded.get("final_answer") if isinstance(decoded, dict) else None
    return inner if isinstance(inner, str) and inner else value


def _rounds(rounds: Any, reasons: str) -> str:
    """Who got each round and how (status, identical answers, missing answer, judge), then the reasons."""
    if not isinstance(rounds, Sequence) or isinstance(rounds, str) or not rounds:
        return reasons
    listed = ", ".join(f"{r}: {clean_text(w, 60)}" for r, w in enumerate(rounds[:20]))
    return clean_text(f"rounds {listed}" + (f" | {reasons}" if reasons else ""))


def _joined(reasons: Any) -> str:
    if not isinstance(reasons, Sequence) or isinstance(reasons, str):
        return ""
    unique = list(dict.fromkeys(clean_text(r, 1000) for r in reasons[:8]))
    return clean_text(" | ".join(unique))
