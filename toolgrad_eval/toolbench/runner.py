"""Scoring one model on ToolBench: pass rate per query (SoPR), and win rate against a reference (SoWR).

The judge's verdict on a query comes, in order, from a rule (no answer, an unreadable one, a final
step that is not ``Finish``, an empty or given-up final answer: Unsolved, no request), ToolEval's own
stored verdicts in ``pass_rate_results/`` (unless --overwrite or --ignore-stored), the cache, or
the judge. A query with a failed judgment is a judge error and leaves the means (never a silent 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Callable, Literal

from toolgrad_eval.judge.client import Judge
from toolgrad_eval.judge.task import JudgeResult
from toolgrad_eval.toolbench import aggregate
from toolgrad_eval.toolbench.answers import Answer, clip
from toolgrad_eval.toolbench.asker import Asked, ask
from toolgrad_eval.toolbench.dataset import ToolbenchData
from toolgrad_eval.toolbench.preference import judge_preferences
from toolgrad_eval.toolbench.prompt import pass_messages
from toolgrad_eval.toolbench.verdict import Status

Source = Literal["rule", "stored", "cache", "judge", "batch", "none"]
_DISPLAY = 2000
AVERAGE = "average"


@dataclass
class QueryRow:
    """One query of one test set: the model's pass-rate rounds and, with a reference, the comparison."""

    id: str  # "<test_set>/<query_id>"
    test_set: str
    query_id: str
    statuses: list[Status] | None = None  # one per round; None on a judge error
    score: float | None = None  # mean over rounds: Solved 1, Unsure 0.5, Unsolved 0
    verdict_source: Source = "none"
    unsolved_rule: str | None = None  # why Unsolved without the judge
    judge_reasons: list[str] | None = None
    judge_error: str | None = None
    input_error: str | None = None  # no readable answer (also Unsolved by rule)
    not_judged: bool = False
    n_steps: int | None = None
    query: str | None = None
    final_answer: str | None = None
    reference_statuses: list[Status] | None = None
    preference: aggregate.Outcome | None = None
    votes_model: int | None = None
    votes_reference: int | None = None
    preference_source: str | None = None  # "stored", "status", "identical answers", "missing answer", "cache", "judge"
    preference_reasons: list[str] | None = None
    preference_error: str | None = None


@dataclass
class PassResult:
    """A model's pass-rate outcome on every query (rows keyed by id) and what it took."""

    rows: dict[str, QueryRow]
    answers: dict[str, Answer]
    asked: Asked
    stored: int = 0


@dataclass
class ToolbenchRun:
    model: str
    rows: list[QueryRow]
    summary: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def evaluate_toolbench(
    data: ToolbenchData,
    model: str,
    judge: Judge,
    *,
    reference: str | None = None,
    preference_judge: Judge | None = None,
    num_process: int = 1,
    use_stored: bool = True,
    on_progress: Callable[[str], Callable[[int, int], None] | None] = lambda phase: None,
) -> ToolbenchRun:
    """Score ``model`` on every test set it answered; with ``reference``, compare the two as well.

    ``judge`` uses the pass-rate template, ``preference_judge`` the preference one (both share
    the cache and, when the caller makes them, one cost meter). Raises DatasetError on an unreadable
    layout, JudgeAborted on an unrecoverable endpoint error; every verdict received is cached.
    """
    use_stored = use_stored and not judge.overwrite
    data.check_model(model)
    test_sets = data.model_test_sets(model)
    if reference is not None:
        data.check_model(reference)
    ids = {s: data.test_ids(s) for s in test_sets}
    warnings: list[str] = []
    mine = _pass_rate(data, model, ids, judge, num_process, use_stored, on_progress(f"Pass rate {model}"), warnings)
    summary = _pass_summary(mine, test_sets)
    asks = [mine.asked]
    if reference is not None and preference_judge is not None:
        theirs = _pass_rate(
            data, reference, ids, judge, num_process, use_stored, on_progress(f"Pass rate {reference}"), []
        )
        k = preference_judge.settings.samples
        stored = (
            {f"{s}/{q}": votes for s in test_sets for q, votes in data.stored_tallies(reference, model, s, k).items()}
            if use_stored
            else {}
        )
        asked = judge_preferences(
            preference_judge, mine, theirs, num_process, on_progress(f"Win rate {model} vs {reference}"), stored
        )
        summary.update(_win_summary(mine, test_sets, asked, reference, theirs))
        asks += [theirs.asked, asked]
    rows = [mine.rows[i] for s in test_sets for i in (f"{s}/{q}" for q in ids[s])]
    scored = [r for r in rows if r.score is not None]
    summary.update(
        {
            "benchmark": "toolbench",
            "model": model,
            "reference_model": reference,
            "dataset": str(data.root),
            "synthetic": data.synthetic,
            "test_sets": test_sets,
            "missing_test_sets": [s for s in data.test_sets() if s not in test_sets],
            "n_samples": len(rows),
            "n_scored": len(scored),
            "n_unsolved_by_rule": sum(r.unsolved_rule is not None for r in rows),
            "n_input_errors": sum(r.input_error is not None for r in rows),
            "n_judge_errors": sum(r.judge_error is not None and not r.not_judged for r in rows),
            "n_not_judged": sum(r.not_judged for r in rows),
            "n_to_judge": sum(a.owners_to_judge for a in asks),  # prompts the cache could not answer (both templates)
            "stored_verdicts": mine.stored,
            "stored_verdicts_ignored": not use_stored,
            "cache_hits": sum(a.cache_hits for a in asks),
            "judge_requests": sum(a.requests for a in asks),
            "judge_seconds": round(sum(a.seconds for a in asks), 3),
            "judge_samples": judge.settings.samples,
            "judge_temperature": judge.temperature,
            "judge_model": judge.settings.model,
            "judge_template": judge.template.id,
            "judge_template_sha256": judge.template.sha256,
            "judge_tokens": judge.tokens,
            **judge.meter.summary(),
            **judge.stats(),
        }
    )
    if preference_judge is not None and reference is not None:
        summary["preference_template"] = preference_judge.template.id
        summary["preference_template_sha256"] = preference_judge.template.sha256
    warnings += [r.input_error for r in rows if r.input_error][:50]
    return ToolbenchRun(model, rows, summary, warnings)


def _pass_rate(
    data: ToolbenchData,
    model: str,
    ids: dict[str, list[str]],
    judge: Judge,
    num_process: int,
    use_stored: bool,
    on_progress: Callable[[int, int], None] | None,
    warnings: list[str],
) -> PassResult:
    k = judge.settings.samples
    rows: dict[str, QueryRow] = {}
    answers: dict[str, Answer] = {}
    prompts: dict[str, list[dict[str, str]]] = {}
    stored_count = 0
    for test_set, query_ids in ids.items():
        found = data.answers(model, test_set, query_ids)
        if found.file_problem:
            warnings.append(found.file_problem)
        stored = data.stored_statuses(model, test_set) if use_stored else {}
        for query_id in query_ids:
            row = rows[f"{test_set}/{query_id}"] = QueryRow(f"{test_set}/{query_id}", test_set, query_id)
            answer = found.answers.get(query_id)
            if answer is None:
                row.input_error = found.problem(query_id)
                _by_rule(row, "no readable answer", k)
                continue
            answers[row.id] = answer
            row.n_steps, row.query, row.final_answer = (
                len(answer.steps),
                clip(answer.query, _DISPLAY),
                clip(answer.final_answer, _DISPLAY),
            )
            rule = answer.unsolved_without_judge()
            saved = stored.get(query_id, [])
            if rule is not None:
                _by_rule(row, rule, k)
            elif len(saved) >= k and all(s is not None for s in saved[:k]):
                row.statuses, row.verdict_source = [s for s in saved[:k] if s is not None], "stored"
                row.score = aggregate.query_score(row.statuses)
                stored_count += 1
            else:
                prompts[_owner(model, row.id)] = pass_messages(judge.template, answer)
    asked = ask(judge, prompts, num_process=num_process, on_progress=on_progress)
    for row in rows.values():
        if _owner(model, row.id) in prompts:
            _apply(row, asked.of(_owner(model, row.id)), k)
    return PassResult(rows, answers, asked, stored_count)


def _owner(model: str, row_id: str) -> str:
    return f"pass:{model}:{row_id}"


def _by_rule(row: QueryRow, rule: str, k: int) -> None:
    row.unsolved_rule, row.statuses, row.score, row.verdict_source = rule, ["Unsolved"] * k, 0.0, "rule"


def _apply(row: QueryRow, results: list[JudgeResult], k: int) -> None:
    sources = {r.source for r in results}
    row.verdict_source = (
        "cache" if sources == {"cache"} else next((s for s in ("batch", "judge", "cache") if s in sources), "none")
    )  # type: ignore[assignment]
    failed = [r for r in results if r.verdict is None]
    if failed or len(results) < k:
        row.judge_error = "; ".join(dict.fromkeys(r.error or "no verdict" for r in failed)) or "missing judgments"
        row.not_judged = bool(failed) and all(r.not_judged for r in failed)
        return
    row.statuses = [r.verdict.answer_status for r in results]
    row.judge_reasons = [clip(r.verdict.reason, _DISPLAY) for r in results]
    row.score = aggregate.query_score(row.statuses)


def _pass_summary(result: PassResult, test_sets: list[str]) -> dict[str, Any]:
    rates, samples = {}, []
    for test_set in test_sets:
        judged = [r for r in result.rows.values() if r.test_set == test_set and r.statuses is not None]
        rates[test_set] = aggregate.pass_rate([r.statuses for r in judged if r.statuses is not None])
        samples.append([100 * r.score for r in judged if r.score is not None])
    rates[AVERAGE] = aggregate.average(list(rates.values()), samples)
    return {
        "sopr": {name: rate.value for name, rate in rates.items()},
        "sopr_std": {name: rate.std for name, rate in rates.items()},
        "sopr_ci": {name: list(rate.ci) if rate.ci else None for name, rate in rates.items()},
        "sopr_rounds": {name: list(rate.rounds) for name, rate in rates.items() if name != AVERAGE},
        "sopr_n": {name: rate.n for name, rate in rates.items()},
    }


def _win_summary(
    mine: PassResult, test_sets: list[str], asked: Asked, reference: str, theirs: PassResult
) -> dict[str, Any]:
    rates, ties, losses, samples = {}, {}, {}, []
    for test_set in test_sets:
        decided = [r.preference for r in mine.rows.values() if r.test_set == test_set and r.preference is not None]
        rates[test_set], ties[test_set], losses[test_set] = aggregate.win_rate(decided)
        samples.append([100.0 if o == "win" else 0.0 for o in decided])
    rates[AVERAGE] = aggregate.average(list(rates.values()), samples)
    ties[AVERAGE] = _mean([ties[s] for s in test_sets])
    losses[AVERAGE] = _mean([losses[s] for s in test_sets])
    reference_rates = _pass_summary(theirs, test_sets)
    return {
        "sowr": {name: rate.value for name, rate in rates.items()},
        "sowr_ci": {name: list(rate.ci) if rate.ci else None for name, rate in rates.items()},
        "sowr_tie": ties,
        "sowr_loss": losses,
        "sowr_n": {name: rate.n for name, rate in rates.items()},
        "n_preference_errors": sum(r.preference_error is not None for r in mine.rows.values()),
        "stored_preferences": sum(r.preference_source == "stored" for r in mine.rows.values()),
        "preference_requests": asked.requests,
        "preference_cache_hits": asked.cache_hits,
        "reference": {"model": reference, **{key: reference_rates[key] for key in ("sopr", "sopr_std", "sopr_ci")}},
    }


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known and len(known) == len(values) else None


def rows_as_dicts(run: ToolbenchRun) -> list[dict[str, Any]]:
    # Every field is a str, number, None or a list of str: a shallow copy is what asdict's deep copy
    # gives, at a tenth of its cost (a third of a cached 1,000-query re-run went to it).
    names = [f.name for f in fields(QueryRow)]
    return [{name: _copied(getattr(row, name)) for name in names} for row in run.rows]


def _copied(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value
