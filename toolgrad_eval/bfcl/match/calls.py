"""Match a decoded list of calls against an entry's answer: simple, multiple, parallel.

* **simple** (``simple_*``, ``live_simple``): exactly one call, checked against the one answer.
* **multiple** (``multiple``, ``live_multiple``): as many calls as answers (always one); only
  the first call is checked, against the schema of the function the answer names.
* **parallel** (any category with ``parallel`` in its name): as many calls as answers, matched
  in any order. Official algorithm, kept because it decides borderline verdicts: answers are
  taken in order and each claims the *first* still-unclaimed call that satisfies it (greedy,
  no backtracking); the first answer that finds no call fails the entry.
"""

from __future__ import annotations

from typing import Any, Literal, Mapping, Sequence

from toolgrad_eval.bfcl.match.call import CallRules, UnsupportedInput, check_call
from toolgrad_eval.bfcl.match.values import Mismatch, mismatch
from toolgrad_eval.bfcl.verdict import ErrorType

Structure = Literal["simple", "multiple", "parallel"]


def structure_of(category: str) -> Structure:
    if "parallel" in category:
        return "parallel"
    if "multiple" in category:
        return "multiple"
    return "simple"


def _schema_for(functions: Sequence[Mapping[str, Any]], expected: Mapping[str, Any]) -> Mapping[str, Any]:
    name = next(iter(expected))
    for function in functions:
        if function.get("name") == name:
            return function
    raise UnsupportedInput(f"the answer names {name!r}, which the question does not define")


def match_calls(
    structure: Structure,
    functions: Sequence[Mapping[str, Any]],
    calls: Sequence[Mapping[Any, Any]],
    answers: Sequence[Mapping[str, Any]],
    rules: CallRules,
) -> Mismatch | None:
    if structure == "simple":
        if len(calls) != 1:
            return mismatch(ErrorType.SIMPLE_WRONG_COUNT, f"Expected exactly one call, got {len(calls)}.")
        return check_call(functions[0], calls[0], answers[0], rules)
    if structure == "multiple":
        if len(calls) != len(answers):
            return mismatch(ErrorType.MULTIPLE_WRONG_COUNT, f"Expected {len(answers)} call(s), got {len(calls)}.")
        return check_call(_schema_for(functions, answers[0]), calls[0], answers[0], rules)
    return _match_any_order(functions, calls, answers, rules)


def _match_any_order(
    functions: Sequence[Mapping[str, Any]],
    calls: Sequence[Mapping[Any, Any]],
    answers: Sequence[Mapping[str, Any]],
    rules: CallRules,
) -> Mismatch | None:
    if len(calls) != len(answers):
        return mismatch(ErrorType.PARALLEL_WRONG_COUNT, f"Expected {len(answers)} calls, got {len(calls)}.")
    unclaimed = list(range(len(calls)))
    for answer_index, expected in enumerate(answers):
        schema = _schema_for(functions, expected)
        reasons = []
        for call_index in unclaimed:
            problem = check_call(schema, calls[call_index], expected, rules)
            if problem is None:
                unclaimed.remove(call_index)
                break
            reasons.append(f"call {call_index}: {problem.error_type}: {' '.join(problem.errors)}")
        else:
            return Mismatch(
                ErrorType.PARALLEL_NO_MATCH,
                (
                    f"No call among {unclaimed} matches expected call {answer_index} ({next(iter(expected))!r}).",
                    *reasons,
                ),
            )
    return None
