"""BFCL v4's agentic categories (web search, memory), scored from the result files alone.

An agentic entry is one user question the model answered over several steps, calling tools (a web
search engine, a memory store) along the way. BFCL judges only the final text: the *last step that
does not decode to a function call* must contain one of the expected answers. Nothing is executed
and nothing is fetched here: the tool calls in the middle are never looked at, only whether each
step decodes to a call under the model's own conventions. The rules, as bfcl-eval 2026.3.23 applies
them (BFCL v3 has no agentic categories):

* The ``result`` of a line must be a list holding one turn (a list of steps); anything else is
  ``agentic:inference_error``.
* Each step is decoded with the model's reader; a step that fails to decode, or decodes to no call,
  is a text reply. No text reply at all, or a last one that is empty (``""``, ``[]``, ``None``...),
  is ``agentic:no_last_message``. (A turn given as one string is a sequence of one-character steps
  to the official loop, none of which decodes to a call: its last character is the reply.)
* The reply (its first item if it is a list; any non-string as Python's ``str`` shows it) and each
  expected answer are normalised alike: ``, . / - _ * ^ ( )`` removed, lower-cased, ``'`` read as
  ``"``. One answer found as a whole word (regex word boundaries on both sides) passes; none is
  ``agentic:answer_not_found``.
* Both web-search categories ask the questions of ``BFCL_v4_web_search.json``, the three memory
  back-ends those of ``BFCL_v4_memory.json``; BFCL renames the ids per category
  (``web_search_3`` -> ``web_search_no_snippet_3``, ``memory_0-customer-0`` ->
  ``memory_kv_0-customer-0``), and the result files carry the renamed ids.
* Memory prerequisite conversations (``BFCL_v4_memory_<backend>_prereq_result.json``) only fill the
  memory the questions read; they are not scored (see ``layout``).

Steps are read as the official loop reads them, with the handler's ``decode_execute``
(:func:`toolgrad_eval.bfcl.multi_turn.calls.execution_calls`, the multi-turn scorer's reader), not
``decode_ast``: the two read a few shapes differently (Qwen FC arguments given as JSON text are a
call to the first, an empty dict argument is none), and tests/bfcl/test_agentic_differential.py
holds such steps. Score-file lines show the calls as ``decode_execute`` writes them.

Where we differ, on purpose: a missing or duplicated id fails that entry (``toolgrad:*`` error
types, as for single-turn) where the official run stops; a turn that is not a list, string or object
(the official loop crashes on it) is ``toolgrad:malformed_result``. Score-file lines keep the
official keys but not the inference log nor the instructions BFCL adds to the prompt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Sequence

from toolgrad_eval.bfcl import scorefile
from toolgrad_eval.bfcl.aggregate import CategoryScore
from toolgrad_eval.bfcl.categories import AGENTIC_SOURCE, MEMORY
from toolgrad_eval.bfcl.data import BfclData, Entry
from toolgrad_eval.bfcl.multi_turn.calls import execution_calls
from toolgrad_eval.bfcl.layout import ResultFile
from toolgrad_eval.bfcl.results import LineProblem, read_result_file, unsent_warnings
from toolgrad_eval.bfcl.scoring import CategoryOutcome
from toolgrad_eval.bfcl.verdict import Verdict

__all__ = [
    "ANSWER_NOT_FOUND",
    "INFERENCE_ERROR",
    "NO_LAST_MESSAGE",
    "AgenticCheck",
    "agentic_entries",
    "check_agentic",
    "contains_answer",
    "normalise",
    "score_agentic",
]

INFERENCE_ERROR = "agentic:inference_error"
NO_LAST_MESSAGE = "agentic:no_last_message"
ANSWER_NOT_FOUND = "agentic:answer_not_found"

# The memory scenarios whose question ids BFCL renames per back-end (every scenario of the data).
MEMORY_SCENARIOS = ("student", "customer", "finance", "healthcare", "notetaker")
_DROPPED = re.compile(r"[,./\-_*^()]")


_EXAMPLES = 5  # ids or lines quoted in one warning, as for single-turn


def _examples(items: list[str]) -> str:
    return ", ".join(items[:_EXAMPLES]) + (f", ... ({len(items)} in all)" if len(items) > _EXAMPLES else "")


def _line_warnings(where: str, problems: list[LineProblem], total: int) -> list[str]:
    out = [f"{where}:{p.line}: {p.message}; line skipped" for p in problems[:_EXAMPLES]]
    if total > _EXAMPLES:
        out.append(f"{where}: {total - _EXAMPLES} more malformed lines skipped")
    return out


def normalise(text: str) -> str:
    """BFCL's answer normalisation: drop ``, . / - _ * ^ ( )``, lower-case, ``'`` as ``"``."""
    return _DROPPED.sub("", text).lower().replace("'", '"')


def contains_answer(reply: str, answers: Sequence[str]) -> bool:
    """True when one of ``answers`` appears in ``reply`` as a whole word, both normalised."""
    text = normalise(reply)
    # A literal (escaped) answer between word boundaries: linear in the reply, whatever it holds.
    return any(re.search(rf"\b{re.escape(normalise(answer))}\b", text) for answer in answers)


@dataclass(frozen=True)
class AgenticCheck:
    """One entry's verdict with what the score-file line shows."""

    verdict: Verdict
    reply: Any = None  # the last step that decodes to no call (None: none)
    calls: tuple[Any, ...] = ()  # the steps after the reply (all, when there is none), decoded


def _step_calls(step: Any, fmt: str | None, version: str) -> list[str] | None:
    """The step's calls as BFCL's ``decode_execute`` writes them, or None when it decodes to no call
    (a text reply). The official loop reads steps with ``decode_execute``, not ``decode_ast``."""
    concrete = fmt or ("python" if isinstance(step, str) else "fc")
    try:
        calls = execution_calls(step, concrete, "v3" if version == "v3" else "v4")
    except Exception:  # noqa: BLE001 - any failure to decode makes the step a text reply, as officially
        return None
    return None if not calls or (len(calls) == 1 and not calls[0]) else calls


def check_agentic(result: Any, answers: Sequence[str], *, fmt: str | None, version: str = "v4") -> AgenticCheck:
    """The official verdict for one agentic entry's raw ``result`` (see the module notes).

    ``fmt`` names the reader of the model's steps (a family or generic format); None reads a text
    step with the prompting decoder and a structured one as stored function calls."""
    if not isinstance(result, list) or len(result) != 1:
        return AgenticCheck(Verdict.fail(INFERENCE_ERROR, "The result is not a list of one turn of model responses."))
    turn = result[0]
    if isinstance(turn, str):
        steps: list[Any] = [turn[-1]] if turn else []  # one-character steps: never a call
    elif isinstance(turn, dict):
        steps = list(turn)
    elif isinstance(turn, list):
        steps = turn
    else:
        return AgenticCheck(
            Verdict.fail(scorefile.MALFORMED_RESULT, f"The turn is a {type(turn).__name__}, not a list of steps.")
        )
    # Only the last text reply matters: read from the end, and stop there (the official loop reads
    # every step; the verdict is the same, and a long turn costs one decode instead of hundreds).
    reply: Any = None
    calls: list[Any] = []
    for step in reversed(steps):
        decoded = _step_calls(step, fmt, version)
        if decoded is None:
            reply = step
            break
        calls.insert(0, decoded)
    if not reply:
        return AgenticCheck(
            Verdict.fail(NO_LAST_MESSAGE, "No step of the turn is a text reply (every step is a function call)."),
            reply,
            tuple(calls),
        )
    text = reply[0] if isinstance(reply, list) else reply
    text = text if isinstance(text, str) else str(text)
    if contains_answer(text, answers):
        return AgenticCheck(Verdict.ok(), reply, tuple(calls))
    return AgenticCheck(
        Verdict.fail(ANSWER_NOT_FOUND, "None of the expected answers is in the last text reply."),
        reply,
        tuple(calls),
    )


def agentic_entries(data: BfclData, category: str) -> list[Entry]:
    """The questions of ``category`` with BFCL's per-category ids, in data order."""
    source = AGENTIC_SOURCE[category]
    out = []
    for entry in data.entries(category):
        question = dict(entry.question)
        if category in MEMORY:
            if question.get("scenario") not in MEMORY_SCENARIOS:
                out.append(entry)  # BFCL leaves such an id as it is
                continue
            question["involved_classes"] = [f"MemoryAPI_{category[len('memory_') :]}"]
        question["id"] = entry.id.replace(source, category)
        out.append(replace(entry, id=question["id"], question=question))
    return out


def score_agentic(rf: ResultFile, data: BfclData, model: str, *, fmt: str | None) -> CategoryOutcome:
    """Check every entry of one agentic result file; never raises for bad model output."""
    out = CategoryOutcome(rf)
    where = str(rf.path)
    missing_data = data.missing_file(rf.category)
    if missing_data is not None:
        out.warnings.append(
            f"{where}: category not scored: the BFCL {rf.version} data has no {rf.name} questions or answers "
            f"({missing_data} not found)"
        )
        return out
    entries = agentic_entries(data, rf.category)
    data_ids = {e.id for e in entries}
    content = read_result_file(rf.path, data_ids)
    out.latencies.extend(content.latencies)
    out.warnings.extend(_line_warnings(where, content.problems, content.n_problems))
    out.warnings.extend(unsent_warnings(where, content))
    if content.n_problems:
        out.issues["malformed_lines"] = content.n_problems
    if content.n_entries and not content.copies and not data_ids & {p.id for p in content.problems}:
        out.warnings.append(
            f"{where}: none of its {content.n_entries} id{'' if content.n_entries == 1 else 's'} is a BFCL {rf.version} {rf.name} id "
            f"(e.g. {_examples(content.extra_ids)}); category not scored"
        )
        return out
    if content.n_extra_lines:
        out.issues["extra"] = content.n_extra_lines
        out.warnings.append(
            f"{where}: lines with ids not in the {rf.name} data, ignored: {_examples(content.extra_ids)}"
        )
    out.fmt = fmt or "per step"
    broken = {p.id: p for p in reversed(content.problems) if p.id is not None}
    missing: list[str] = []
    for entry in entries:
        copies = content.copies.get(entry.id)
        raw: Any = None
        if not copies:
            problem = broken.get(entry.id)
            if problem is None:
                missing.append(entry.id)
                message = (scorefile.MISSING_RESULT, f"No result for this id in {rf.path.name}.")
            else:
                message = (scorefile.MALFORMED_RESULT, f"{rf.path.name} line {problem.line}: {problem.message}")
            check = AgenticCheck(Verdict.fail(*message))
        elif entry.id in content.conflicting:
            raw = [c.result for c in copies]
            check = AgenticCheck(
                Verdict.fail(
                    scorefile.DUPLICATE_RESULT,
                    f"This id appears {content.n_copies[entry.id]} times in {rf.path.name} with different results.",
                )
            )
        else:
            raw = copies[0].result
            try:
                check = check_agentic(raw, entry.answer or [], fmt=fmt, version=rf.version)
            except Exception as exc:  # noqa: BLE001 - one entry must never stop a run
                check = AgenticCheck(
                    Verdict.fail(scorefile.CHECKER_ERROR, f"Internal checker error: {type(exc).__name__}: {exc}")
                )
        _record(out, rf, entry, model, check, raw)
    if missing:
        out.issues["missing"] = len(missing)
        out.warnings.append(
            f"{where}: no result for {len(missing)} of the {len(entries)} BFCL {rf.version} {rf.name} ids, "
            f"counted as failed: {_examples(missing)}"
        )
    if content.conflicting:
        out.issues["conflicting"] = len(content.conflicting)
    out.score = CategoryScore(out.correct / len(entries), len(entries))
    return out


def _record(out: CategoryOutcome, rf: ResultFile, entry: Entry, model: str, check: AgenticCheck, raw: Any) -> None:
    verdict = check.verdict
    if verdict.valid:
        out.correct += 1
        out.rows.append({"id": entry.id, "category": rf.category, "valid": True, "error_type": None, "error": []})
        return
    out.failures.append(failed_line(rf, entry, model, check, raw))
    out.rows.append(
        {
            "id": entry.id,
            "category": rf.category,
            "valid": False,
            "error_type": verdict.error_type,
            "error": scorefile.scrub_text([scorefile.shown(e) for e in verdict.errors]),
        }
    )


def failed_line(rf: ResultFile, entry: Entry, model: str, check: AgenticCheck, raw: Any) -> dict[str, Any]:
    """One failed-entry line with the official keys, in the official order, for its error type
    (the error type sits inside ``error``, as bfcl-eval writes agentic lines)."""
    verdict = check.verdict
    error_type = verdict.error_type or scorefile.CHECKER_ERROR
    base: dict[str, Any] = {"id": entry.id, "model_name": model, "test_category": rf.name, "valid": False}
    messages = [scorefile.shown(e) for e in verdict.errors]
    prompt = {k: v for k, v in entry.question.items() if k != "function"}
    if error_type == ANSWER_NOT_FOUND:
        reply = check.reply[0] if isinstance(check.reply, list) else check.reply
        text = reply if isinstance(reply, str) else str(reply)
        return {
            **base,
            "error": {
                "error_message": messages[0],
                "error_type": error_type,
                "details": {
                    "model_response": scorefile.shown(text),
                    "possible_answers": entry.answer,
                    "standardized_model_response": scorefile.shown(normalise(text)),
                    "standardized_possible_answers": [normalise(a) for a in entry.answer or []],
                },
            },
            "prompt": entry.question.get("question"),
            "model_result_raw": scorefile.shown(raw),
            "last_non_fc_message": scorefile.shown(check.reply),
            "possible_answer": entry.answer,
        }
    line = {
        **base,
        "error": {"error_message": messages, "error_type": error_type},
        "prompt": prompt,
        "model_result": scorefile.shown(raw),
    }
    if error_type == NO_LAST_MESSAGE:
        line["model_result_decoded"] = scorefile.shown(list(check.calls))
    line["possible_answer"] = entry.answer
    return line
