"""Score one multi-turn result file: the official runner's per-entry flow, then the checker.

Per entry, as BFCL's multi-turn runner does: a result that is not a list fails
(``multi_turn:inference_error``; in v3 the entry is then also checked for its length, as there);
a turn count other than the ground truth's means the model was stopped during inference
(``multi_turn:force_terminated``); otherwise every step of every turn is decoded the handler's
``decode_execute`` way (a step that fails or holds no call is dropped) and the turns are checked
(:mod:`.checker`) on the era's simulators, in a bounded worker (:mod:`.bounded`). Every question
is one entry: an id without a usable line fails with our ``toolgrad:*`` types, as in the
single-turn categories. Score-file lines carry the official keys in the official order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from toolgrad_eval.bfcl import scorefile
from toolgrad_eval.bfcl.aggregate import CategoryScore
from toolgrad_eval.bfcl.data import BfclData, Entry
from toolgrad_eval.bfcl.decode import DecodeError
from toolgrad_eval.bfcl.layout import ResultFile
from toolgrad_eval.bfcl.multi_turn.bounded import run_bounded
from toolgrad_eval.bfcl.multi_turn.calls import execution_calls
from toolgrad_eval.bfcl.multi_turn.checker import check_entry
from toolgrad_eval.bfcl.multi_turn.simulators import (
    CLASS_MODULES,
    SimulatorsNotFoundError,
    load_classes,
    simulator_dir,
)
from toolgrad_eval.bfcl.results import read_result_file, unsent_warnings
from toolgrad_eval.bfcl.scoring import CategoryOutcome

__all__ = ["INFERENCE_ERROR", "FORCE_TERMINATED", "MULTI_TURN", "decode_turns", "score_multi_turn"]

Version = Literal["v3", "v4"]
MULTI_TURN = ("multi_turn_base", "multi_turn_miss_func", "multi_turn_miss_param", "multi_turn_long_context")
INFERENCE_ERROR = "multi_turn:inference_error"
FORCE_TERMINATED = "multi_turn:force_terminated"
MAX_TURNS, MAX_STEPS = 1_000, 10_000  # per entry; real entries have under 10 turns and 20 steps a turn


def decode_turns(result: list[Any], fmt: str, version: Version) -> list[list[list[str]]]:
    """Per turn, the decoded steps that hold calls (failed or empty steps dropped, as officially)."""
    turns = []
    steps_seen = 0
    for turn in result:
        decoded_turn = []
        for step in turn if isinstance(turn, list) else []:
            steps_seen += 1
            if steps_seen > MAX_STEPS:
                break
            try:
                calls = execution_calls(step, fmt, version)
            except (DecodeError, RecursionError, MemoryError):
                continue
            if calls:
                decoded_turn.append(calls)
        turns.append(decoded_turn)
    return turns


def score_multi_turn(rf: ResultFile, data: BfclData, model: str, *, fmt: str) -> CategoryOutcome:
    """Check every entry of one multi-turn result file; never raises for bad model output."""
    out = CategoryOutcome(rf, fmt=fmt)
    version: Version = "v3" if rf.version == "v3" else "v4"
    missing_data = data.missing_file(rf.category)
    if missing_data is not None:
        out.warnings.append(f"{rf.path}: category not scored: {missing_data} not found")
        return out
    try:
        classes = load_classes(simulator_dir(data.root, version))
    except SimulatorsNotFoundError as exc:  # an older fetch: the single-turn categories still score
        out.warnings.append(f"{rf.path}: category not scored: {exc}")
        return out
    entries = data.entries(rf.category)
    content = read_result_file(rf.path, {e.id for e in entries})
    out.latencies.extend(content.latencies)
    if content.n_problems:
        out.issues["malformed_lines"] = content.n_problems
        out.warnings.extend(f"{rf.path}:{p.line}: {p.message}; line skipped" for p in content.problems[:5])
    out.warnings.extend(unsent_warnings(rf.path, content))
    broken = {p.id: p for p in reversed(content.problems) if p.id is not None}

    docs = _FunctionDocs(data.root)
    lines: dict[str, list[dict[str, Any]]] = {}
    jobs: list[tuple[Entry, list[list[list[str]]]]] = []
    raws: dict[str, Any] = {}
    for entry in entries:
        copies = content.copies.get(entry.id)
        truth = entry.answer or []
        if not copies:
            problem = broken.get(entry.id)
            if problem is not None:
                kind, message = scorefile.MALFORMED_RESULT, f"{rf.path.name} line {problem.line}: {problem.message}"
            else:
                out.issues["missing"] = out.issues.get("missing", 0) + 1
                kind, message = scorefile.MISSING_RESULT, f"No result for this id in {rf.path.name}."
            lines[entry.id] = [_inference_line(entry, model, rf.name, kind, message, None, version, "")]
            continue
        if entry.id in content.conflicting:
            out.issues["conflicting"] = out.issues.get("conflicting", 0) + 1
            message = f"This id appears {content.n_copies[entry.id]} times in {rf.path.name} with different results."
            raw_all = [c.result for c in copies]
            lines[entry.id] = [
                _inference_line(entry, model, rf.name, scorefile.DUPLICATE_RESULT, message, raw_all, version, "")
            ]
            continue
        raw = copies[0].result
        log = ""  # the result file's inference log is not kept by our reader (the official copies it here)
        own: list[dict[str, Any]] = []
        if not isinstance(raw, list):
            msg = "Error during inference phase. Model did not output a list of model responses."
            own.append(_inference_line(entry, model, rf.name, INFERENCE_ERROR, msg, raw, version, log, docs))
            if version == "v4" or not hasattr(raw, "__len__"):
                lines[entry.id] = own
                continue
        if len(raw) != len(truth) or len(raw) > MAX_TURNS:
            msg = (
                "Model was force-terminated during inference phase. The length of the model result turns "
                f"({len(raw)}) does not match the length of the ground truth turns ({len(truth)})."
            )
            own.append(_inference_line(entry, model, rf.name, FORCE_TERMINATED, msg, raw, version, log, docs))
            lines[entry.id] = own
            continue
        if own:  # v3: a text as long as the turns goes on to be checked, as officially
            lines[entry.id] = own
            raw = list(raw)
        raws[entry.id] = raw
        jobs.append((entry, decode_turns(raw, fmt, version)))

    def check(job: tuple[Entry, list[list[list[str]]]]) -> dict[str, Any]:
        entry, decoded = job
        return check_entry(classes, entry.question, decoded, entry.answer or [], model=model, version=version)

    for (entry, decoded), verdict in zip(jobs, run_bounded(jobs, check)):
        if verdict.get("valid"):
            out.correct += 1  # v3 counts a text result of the right length that checks out, besides its error line
            continue
        verdict = _capped(dict(verdict))
        verdict.pop("valid", None)
        line: dict[str, Any] = {
            "id": entry.id,
            "model_name": model,
            "test_category": rf.name,
            "valid": False,
            "error": verdict,
            "prompt": _prompt(entry, docs),
            "model_result_raw": _shown_turns(raws[entry.id]),
            "model_result_decoded": decoded,
            "possible_answer": entry.answer,
        }
        line["inference_log"] = ""
        lines.setdefault(entry.id, []).append(line)

    for entry in entries:
        for line in lines.get(entry.id, []):
            out.failures.append(line)
        failed = lines.get(entry.id)
        out.rows.append(
            {
                "id": entry.id,
                "category": rf.category,
                "valid": not failed,
                "error_type": failed[0]["error"]["error_type"] if failed else None,
                "error": [] if not failed else scorefile.scrub_text([_message(failed[0])]),
            }
        )
    out.score = CategoryScore(out.correct / len(entries) if entries else 0.0, len(entries))
    return out


def _shown_turns(turns: list[Any]) -> list[Any]:
    """The raw turns as written to the score file: each step bounded on its own (a huge step becomes
    its cut JSON text), the turns-of-steps shape kept, as BFCL's lines have it."""
    return [[scorefile.shown(step) for step in t] if isinstance(t, list) else scorefile.shown(t) for t in turns]


def _capped(value: Any) -> Any:
    """Every string in a verdict's details cut at the score file's limit (execution results can echo
    a model's huge arguments); the shape kept."""
    if isinstance(value, str):
        return scorefile.shown(value)
    if isinstance(value, dict):
        return {k: _capped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_capped(v) for v in value]
    return value


def _message(line: dict[str, Any]) -> str:
    message = line["error"].get("error_message", "")
    return scorefile.shown(message[0] if isinstance(message, list) and message else str(message))  # type: ignore[no-any-return]


def _prompt(entry: Entry, docs: "_FunctionDocs | None" = None) -> dict[str, Any]:
    """The question as BFCL's runner writes it: without function docs, and (miss_func) with each
    held-out function's name replaced by its doc, as its loader hands the entry over."""
    prompt = {k: v for k, v in entry.question.items() if k != "function"}
    missed = prompt.get("missed_function")
    if docs is not None and isinstance(missed, dict):
        prompt["missed_function"] = docs.held_out(prompt.get("involved_classes") or [], missed)
    return prompt


class _FunctionDocs:
    """The simulators' function docs (``multi_turn_func_doc/``), read once per file when needed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._docs: dict[str, list[dict[str, Any]]] = {}

    def held_out(self, involved: list[str], missed: dict[str, Any]) -> dict[str, Any]:
        pool = [doc for name in involved for doc in self._of(name)]
        out: dict[str, Any] = {}
        for turn, names in missed.items():
            out[turn] = []
            for name in names if isinstance(names, list) else []:
                for i, doc in enumerate(pool):
                    if doc.get("name") == name:
                        out[turn].append(pool.pop(i))
                        break
        return out

    def _of(self, class_name: str) -> list[dict[str, Any]]:
        if class_name not in self._docs:
            path = self.root / "multi_turn_func_doc" / f"{CLASS_MODULES.get(class_name, class_name)}.json"
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
                self._docs[class_name] = [json.loads(x) for x in lines if x.strip()]
            except (OSError, ValueError):
                self._docs[class_name] = []  # the prompt keeps the names; the verdict does not depend on it
        return self._docs[class_name]


def _inference_line(
    entry: Entry,
    model: str,
    name: str,
    kind: str,
    message: str,
    raw: Any,
    version: Version,
    log: Any,
    docs: "_FunctionDocs | None" = None,
) -> dict[str, Any]:
    line: dict[str, Any] = {
        "id": entry.id,
        "model_name": model,
        "test_category": name,
        "valid": False,
        "error": {"error_message": [message], "error_type": kind},
        "prompt": _prompt(entry, docs),
        "model_result": _shown_turns(raw) if isinstance(raw, list) else scorefile.shown(raw),
        "possible_answer": entry.answer,
    }
    if version == "v4":
        line["inference_log"] = log
    return line
