"""Scoring one model on ToolBench: pass rate per query (SoPR), and win rate against a reference (SoWR).

The verdict of a query in a round comes, in order, from a rule (a final step that is not
``Finish``, an empty or given-up final answer: Unsolved, no request), ToolEval's own stored
verdicts in ``pass_rate_results/`` (unless --overwrite or --ignore-stored), the cache, or the
judge. The judge is asked as ToolEval asks it: first the query and the final answer only; only in
a round where that says Unsure, a second request with the whole answer decides the round
(``PassJudges``; a single request with everything is our option). A query with no readable answer
is left out of the pass rate as ToolEval leaves it out (``strict``: counted Unsolved). A query
with a failed judgment is a judge error and leaves the means (never a silent 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Callable

from toolgrad_eval.judge.client import Judge
from toolgrad_eval.judge.task import JudgeResult
from toolgrad_eval.record_schema import ToolbenchResult, refused_as_error
from toolgrad_eval.toolbench import aggregate
from toolgrad_eval.toolbench.answers import Answer, clip
from toolgrad_eval.toolbench.asker import Asked, ask
from toolgrad_eval.toolbench.dataset import ToolbenchData
from toolgrad_eval.toolbench.preference import judge_preferences
from toolgrad_eval.toolbench.prompt import answer_messages, details_messages, pass_messages
from toolgrad_eval.toolbench.rows import PassResult, QueryRow

_DISPLAY = 2000
AVERAGE = "average"
TWO_STEP, SINGLE = "tooleval-two-step", "single-request (ours)"


@dataclass(frozen=True)
class PassJudges:
    """The pass-rate judge(s): ToolEval's two steps (``details`` set), or one request (ours)."""

    first: Judge  # the final-answer step, or the single request
    details: Judge | None = None  # asked only in a round where ``first`` said Unsure

    @property
    def protocol(self) -> str:
        return TWO_STEP if self.details is not None else SINGLE

    @property
    def all(self) -> list[Judge]:
        return [self.first] if self.details is None else [self.first, self.details]


@dataclass
class ToolbenchRun:
    model: str
    rows: list[QueryRow]
    result: ToolbenchResult  # the run record's summary, less what write_run_record adds
    warnings: list[str] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, Any]:
        """The summary's keys and values as written (a new dict each time: change ``result`` instead)."""
        return self.result.record()


def evaluate_toolbench(
    data: ToolbenchData,
    model: str,
    judges: PassJudges,
    *,
    reference: str | None = None,
    preference_judge: Judge | None = None,
    strict: bool = False,
    num_process: int = 1,
    use_stored: bool = True,
    on_progress: Callable[[str], Callable[[int, int], None] | None] = lambda phase: None,
) -> ToolbenchRun:
    """Score ``model`` on every test set it answered; with ``reference``, compare the two as well.

    ``judges`` ask the pass-rate templates, ``preference_judge`` the preference one (all share the
    cache and, when the caller makes them, one cost meter). Raises DatasetError on an unreadable
    layout, JudgeAborted on an unrecoverable endpoint error; every verdict received is cached.
    """
    judge = judges.first
    use_stored = use_stored and not judge.overwrite
    data.check_model(model)
    test_sets = data.model_test_sets(model)
    if reference is not None:
        data.check_model(reference)
    ids = {s: data.test_ids(s) for s in test_sets}
    warnings: list[str] = []
    scoring = _Scoring(data, judges, strict, num_process, use_stored)
    mine = scoring.pass_rate(model, ids, on_progress(f"Pass rate {model}"), warnings)
    sopr = _pass_summary(mine, test_sets)
    asks = list(mine.asked)
    sowr: dict[str, Any] = {}
    if reference is not None and preference_judge is not None:
        theirs = scoring.pass_rate(reference, ids, on_progress(f"Pass rate {reference}"), [])
        k = preference_judge.settings.samples
        stored = (
            {f"{s}/{q}": votes for s in test_sets for q, votes in data.stored_tallies(reference, model, s, k).items()}
            if use_stored
            else {}
        )
        asked = judge_preferences(
            preference_judge, mine, theirs, num_process, on_progress(f"Win rate {model} vs {reference}"), stored
        )
        sowr = _win_summary(mine, test_sets, asked, reference, theirs)
        asks += [*theirs.asked, asked]
    rows = [mine.rows[i] for s in test_sets for i in (f"{s}/{q}" for q in ids[s])]
    with refused_as_error(f"ToolBench run of {model!r}"):
        result = ToolbenchResult(
            **sopr,
            **sowr,
            **_run_facts(data, model, reference, test_sets, rows, judges, preference_judge, strict),
            stored_verdicts=mine.stored,
            stored_verdicts_ignored=not use_stored,
            n_to_judge=sum(a.owners_to_judge for a in asks),  # prompts the cache could not answer (all templates)
            cache_hits=sum(a.cache_hits for a in asks),
            judge_requests=sum(a.requests for a in asks),
            judge_seconds=round(sum(a.seconds for a in asks), 3),
            judge_tokens=judge.tokens,
            **judge.meter.summary(),
            **judge.stats(),
        )
    warnings += [r.input_error for r in rows if r.input_error][:50]
    return ToolbenchRun(model, rows, result, warnings)


def _run_facts(
    data: ToolbenchData,
    model: str,
    reference: str | None,
    test_sets: list[str],
    rows: list[QueryRow],
    judges: PassJudges,
    preference_judge: Judge | None,
    strict: bool,
) -> dict[str, Any]:
    """What was scored and how (the protocol and the judge's settings, for the record and the report)."""
    judge = judges.first
    facts: dict[str, Any] = {
        "benchmark": "toolbench",
        "model": model,
        "reference_model": reference,
        "dataset": str(data.root),
        "synthetic": data.synthetic,
        "test_sets": test_sets,
        "missing_test_sets": [s for s in data.test_sets() if s not in test_sets],
        "n_samples": len(rows),
        "n_scored": sum(r.score is not None for r in rows),
        "n_unsolved_by_rule": sum(r.unsolved_rule is not None for r in rows),
        "n_input_errors": sum(r.input_error is not None for r in rows),
        "n_missing_answers": sum(r.missing_answer for r in rows),
        "strict": strict,
        "n_judge_errors": sum(r.judge_error is not None and not r.not_judged for r in rows),
        "n_not_judged": sum(r.not_judged for r in rows),
        "pass_protocol": judges.protocol,
        "judge_samples": judge.settings.samples,
        "judge_temperature": judge.temperature,
        # round k is sent with seed k (round 0 without one, so that one round shares K=1's cache)
        "judge_seeds": [k if k > 0 else None for k in range(judge.settings.samples)],
        "judge_model": judge.settings.model,
        "judge_template": judge.template.id,
        "judge_template_sha256": judge.template.sha256,
    }
    if judges.details is not None:
        facts["details_template"] = judges.details.template.id
        facts["details_template_sha256"] = judges.details.template.sha256
    if preference_judge is not None and reference is not None:
        facts["preference_template"] = preference_judge.template.id
        facts["preference_template_sha256"] = preference_judge.template.sha256
        facts["preference_temperature"] = preference_judge.temperature
        facts["preference_protocol"] = "tooleval-one-order"  # one comparison per round, seeded random order
    return facts


@dataclass(frozen=True)
class _Scoring:
    data: ToolbenchData
    judges: PassJudges
    strict: bool
    num_process: int
    use_stored: bool

    def pass_rate(
        self,
        model: str,
        ids: dict[str, list[str]],
        on_progress: Callable[[int, int], None] | None,
        warnings: list[str],
    ) -> PassResult:
        k = self.judges.first.settings.samples
        rows: dict[str, QueryRow] = {}
        answers: dict[str, Answer] = {}
        pending: dict[str, Answer] = {}  # owner -> the answer the judge must see
        stored_count = 0
        for test_set, query_ids in ids.items():
            found = self.data.answers(model, test_set, query_ids)
            if found.file_problem:
                warnings.append(found.file_problem)
            stored = self.data.stored_statuses(model, test_set) if self.use_stored else {}
            for query_id in query_ids:
                row = rows[f"{test_set}/{query_id}"] = QueryRow(f"{test_set}/{query_id}", test_set, query_id)
                answer = found.answers.get(query_id)
                if answer is None:
                    row.input_error, row.missing_answer = found.problem(query_id), True
                    if self.strict:
                        _by_rule(row, "no readable answer (--strict)", k)
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
                    pending[_owner(model, row.id)] = answer
        first, second = self._ask(pending, on_progress)
        for row in rows.values():
            owner = _owner(model, row.id)
            if owner in pending:
                _apply(row, [first.at(owner, r) for r in range(k)], [second.at(owner, r) for r in range(k)])
        return PassResult(rows, answers, [first, second], stored_count)

    def _ask(self, pending: dict[str, Answer], on_progress: Callable[[int, int], None] | None) -> tuple[Asked, Asked]:
        """The first step for every pending answer, then the second for the rounds it left Unsure."""
        first_judge, details = self.judges.first, self.judges.details
        render = pass_messages if details is None else answer_messages
        prompts = {owner: render(first_judge.template, answer) for owner, answer in pending.items()}
        first = ask(first_judge, prompts, num_process=self.num_process, on_progress=on_progress)
        if details is None:
            return first, Asked()
        unsure: dict[str, list[int]] = {}
        for owner in pending:
            for result in first.of(owner):
                if result.verdict is not None and result.verdict.answer_status == "Unsure":
                    unsure.setdefault(owner, []).append(result.k)
        prompts = {owner: details_messages(details.template, pending[owner]) for owner in unsure}
        return first, ask(details, prompts, num_process=self.num_process, on_progress=on_progress, rounds=unsure)


def _owner(model: str, row_id: str) -> str:
    return f"pass:{model}:{row_id}"


def _by_rule(row: QueryRow, rule: str, k: int) -> None:
    row.unsolved_rule, row.statuses, row.score, row.verdict_source = rule, ["Unsolved"] * k, 0.0, "rule"


def _apply(row: QueryRow, first: list[JudgeResult | None], second: list[JudgeResult | None]) -> None:
    """Each round's status: the first step's, or after its Unsure the second step's."""
    statuses, reasons, steps, errors = [], [], [], []
    used = [r for r in (*first, *second) if r is not None]
    for one, two in zip(first, second):
        final = two if two is not None else one
        if final is None or final.verdict is None:
            errors.append(final.error or "no verdict" if final is not None else "missing judgment")
            continue
        statuses.append(final.verdict.answer_status)
        reasons.append(clip(final.verdict.reason, _DISPLAY))
        steps.append(1 if two is None else 2)
    sources = {r.source for r in used}
    row.verdict_source = (
        "cache" if sources == {"cache"} else next((s for s in ("batch", "judge", "cache") if s in sources), "none")
    )  # type: ignore[assignment]
    if errors:
        row.judge_error = "; ".join(dict.fromkeys(errors))
        failed = [r for r in used if r.verdict is None]
        row.not_judged = bool(failed) and all(r.not_judged for r in failed)
        return
    row.statuses, row.judge_reasons, row.judge_steps = statuses, reasons, steps
    row.score = aggregate.query_score(statuses)


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
