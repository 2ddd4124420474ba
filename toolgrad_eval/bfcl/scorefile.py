"""BFCL score files: one JSON line of totals, then one line per failed entry.

The failed-entry lines carry the same keys, in the same order, as bfcl-eval's checker writes them
(AST categories: ``model_result_raw`` / ``model_result_decoded`` / ``possible_answer``; relevance
categories: ``model_result`` / ``decoded_result``), so tools that read BFCL score files read ours.
Two things differ on purpose: every line is valid JSON (no ``NaN``; a lone surrogate such as
``\\ud83d`` from a model's output is written as an escape instead of crashing the writer, as BFCL's
does), and entries we could not check (no result, a malformed line) carry our own
``toolgrad:*`` error types.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

from toolgrad_eval.bfcl.categories import NO_ANSWER, file_prefix
from toolgrad_eval.bfcl.decode.shapes import decoded_size
from toolgrad_eval.fileio import atomic_write_text

# Our own error types, for entries the matchers never saw.
MISSING_RESULT = "toolgrad:missing_result"
MALFORMED_RESULT = "toolgrad:malformed_result"
DUPLICATE_RESULT = "toolgrad:duplicate_result"
CHECKER_ERROR = "toolgrad:checker_error"

_SURROGATE = re.compile("[\ud800-\udfff]")
# The most of one entry's model output, decoded value or error message written to a score file or
# run record. A hostile output must not turn into gigabyte score files; real outputs are far
# shorter (the longest raw result in the published runs we test with is under 20,000 characters).
MAX_SHOWN_CHARS = 50_000
TRUNCATED = "[... truncated by toolgrad-eval: {} more characters]"
_DECODER_FAILED = "ast_decoder:decoder_failed"
_WRONG_FORMAT = "ast_decoder:decoder_wrong_output_format"


def score_path(score_root: Path, model: str, rel_dir: Path, version: str, name: str) -> Path:
    """``<score_root>/<model>/<same sub-folder as the result file>/BFCL_<v>_<name>_score.json``."""
    return score_root / model / rel_dir / f"{file_prefix(version)}_{name}_score.json"


def header(correct: int, total: int, scored_with: dict[str, Any] | None = None) -> dict[str, Any]:
    """The totals line; ``scored_with`` (the decoding and model conventions used) follows the official
    keys, so a reader of the score file alone can tell how its verdicts were reached."""
    head: dict[str, Any] = {
        "accuracy": correct / total if total else 0.0,
        "correct_count": correct,
        "total_count": total,
    }
    if scored_with is not None:
        head["scored_with"] = scored_with
    return head


def failed_entry(
    *,
    entry_id: str,
    model: str,
    test_category: str,
    category: str,
    version: str,
    error: list[str],
    error_type: str,
    prompt: Mapping[str, Any],
    answer: Any,
    raw: Any,
    decoded: Any,
) -> dict[str, Any]:
    """One failed-entry line, shaped like bfcl-eval's for the category and the kind of failure.

    ``test_category`` is the name the run uses (v3 "simple"); ``category`` the v4 name. The key
    order of (ir)relevance lines changed between BFCL v3 and v4; we follow the run's version.
    """
    base: dict[str, Any] = {"id": entry_id, "model_name": model, "test_category": test_category, "valid": False}
    raw, decoded, error = shown(raw), shown(decoded), [shown(e) for e in error]
    if category in NO_ANSWER:
        if version == "v3":
            return {
                **base,
                "error": error,
                "error_type": error_type,
                "prompt": prompt,
                "model_result": raw,
                "decoded_result": decoded,
            }
        return {
            **base,
            "prompt": prompt,
            "model_result": raw,
            "decoded_result": decoded,
            "error": error,
            "error_type": error_type,
        }
    base.update(error=error, error_type=error_type, prompt=prompt)
    if error_type == _WRONG_FORMAT:
        # bfcl-eval wraps both in str() here so odd decoder output stays serialisable.
        return {**base, "model_result_raw": str(raw), "model_result_decoded": str(decoded), "possible_answer": answer}
    if error_type == _DECODER_FAILED or error_type.startswith("toolgrad:"):
        return {**base, "model_result_raw": raw, "possible_answer": answer}
    return {**base, "model_result_raw": raw, "model_result_decoded": decoded, "possible_answer": answer}


def shown(value: Any, limit: int = MAX_SHOWN_CHARS) -> Any:
    """``value`` as written to a score file or run record: unchanged when it is small, else its JSON
    text cut at ``limit`` characters with a marker saying how much was left out."""
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + TRUNCATED.format(len(value) - limit)
    fits = _plain_fits(value, limit)
    if fits is None:
        fits = decoded_size(value, limit) <= limit
    if fits:
        return value
    text = dumps_line(value)  # bounded: decoded values are at most MAX_DECODED_SIZE
    return text[:limit] + TRUNCATED.format(len(text) - limit)


def _plain_fits(value: Any, limit: int) -> bool | None:
    """Whether ``decoded_size(value, limit) <= limit``, answered fast for what a score file mostly
    holds (lists and dicts of str, int, float, bool and None); None for anything else (other types,
    nesting deeper than decoded_size follows), which decoded_size then answers.

    The same count: a container is 1 plus 1 per element (a dict's keys and values both), a string 1
    plus its length, anything else 1; a value reached through several references once per reference.
    Each element is counted when its container is opened, so the walk stops after at most ``limit``
    elements plus one container's."""
    total = 1
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        kind = type(item)
        if kind is str:
            total += len(item)
        elif kind is list or kind is dict:
            if depth > _MAX_SIZE_DEPTH:
                return None
            total += 2 * len(item) if kind is dict else len(item)
            if total > limit:
                return False
            if kind is dict:
                for key, child in item.items():
                    stack.append((key, depth + 1))
                    stack.append((child, depth + 1))
            else:
                stack.extend([(child, depth + 1) for child in item])
        elif not (kind is int or kind is float or kind is bool or item is None):
            return None
        if total > limit:
            return False
    return True


_MAX_SIZE_DEPTH = 1000  # decoded_size's: a container nested deeper does not fit


def _plain(value: Any) -> Any:
    """Make a value JSON-safe: non-finite floats and unknown objects become strings (as bfcl-eval does)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def dumps_line(obj: Any) -> str:
    """One JSON line that is always valid JSON and always encodable as UTF-8."""
    try:
        line = json.dumps(obj, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        obj = _plain(obj)
        line = json.dumps(obj, ensure_ascii=False, allow_nan=False)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate: ASCII escapes keep the exact code units and give a valid UTF-8 file.
        line = json.dumps(obj, ensure_ascii=True, allow_nan=False)
    return line


def render(head: Mapping[str, Any], failures: Iterable[Mapping[str, Any]], *, shared_prompts: bool = False) -> str:
    """The score file's text. ``shared_prompts``: the failures' prompts are questions several runs in
    this process share (:mod:`toolgrad_eval.bfcl.many`): each is encoded once (the same text)."""
    line = _failure_line if shared_prompts else dumps_line
    return "".join(line(row) + "\n" for row in (head, *failures))


# A failed-entry line's ``prompt`` is the whole BFCL question (the function docs): two thirds of the
# time a score file takes to write. Questions are shared, never changed, data (one object per entry
# of a data version, kept by BfclData); when several models' runs share them and fail the same
# entries, each question is encoded once per process (measured: 6 models' score files 305-363 ms
# to 201-296 ms; for one model alone the extra step only costs, so it is not taken). Keyed by identity, the object kept with its
# text so that the identity stays its own; cleared when it grows past a run's worth of questions.
_PROMPT_TEXT: dict[int, tuple[Any, str]] = {}
_PROMPT_TEXT_MAX = 20_000
# Stands in for the prompt while the rest of a line is encoded, then is replaced by the prompt's
# text: random per process, so no model output can hold it.
_PLACEHOLDER = "\x00toolgrad-prompt-" + os.urandom(16).hex()
_PLACEHOLDER_JSON = json.dumps(_PLACEHOLDER, ensure_ascii=False)


def _failure_line(row: Mapping[str, Any]) -> str:
    """``dumps_line(row)``, the same text, with the prompt's encoding reused (see _PROMPT_TEXT)."""
    prompt = row.get("prompt")
    if type(prompt) is not dict:
        return dumps_line(row)
    try:
        cached = _PROMPT_TEXT.get(id(prompt))
        if cached is None or cached[0] is not prompt:
            if len(_PROMPT_TEXT) >= _PROMPT_TEXT_MAX:
                _PROMPT_TEXT.clear()
            cached = _PROMPT_TEXT[id(prompt)] = (prompt, json.dumps(prompt, ensure_ascii=False, allow_nan=False))
        rest = json.dumps({**row, "prompt": _PLACEHOLDER}, ensure_ascii=False, allow_nan=False)
        line = rest.replace(_PLACEHOLDER_JSON, cached[1], 1)
        line.encode("utf-8")
    except ValueError:  # NaN, a lone surrogate (UnicodeEncodeError): the general writer's own ways
        return dumps_line(row)
    except TypeError:  # a value JSON cannot hold
        return dumps_line(row)
    return line


def write(path: Path, head: Mapping[str, Any], failures: Iterable[Mapping[str, Any]]) -> None:
    atomic_write_text(path, render(head, failures))


def scrub_text(value: Any) -> Any:
    """Replace lone surrogates in strings (nested) with U+FFFD, for records written as UTF-8 text."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:
            return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {k: scrub_text(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub_text(v) for v in value]
    return value


def read_header(path: Path) -> dict[str, Any] | None:
    """The totals line of an existing score file, or None when it is unreadable."""
    try:
        with path.open(encoding="utf-8") as handle:
            first = handle.readline()
        head = json.loads(first)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if (
        not isinstance(head, dict)
        or not isinstance(head.get("accuracy"), (int, float))
        or not isinstance(head.get("total_count"), int)
    ):
        return None
    return head
