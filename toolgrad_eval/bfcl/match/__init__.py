"""BFCL rule-based matching: one entry's raw model output in, one :class:`Verdict` out.

``check_entry`` reproduces the official checker's verdict (``valid`` and ``error_type``) for the
single-turn categories, without its dependencies and without executing model output:

* AST categories decode the output, require BFCL's call shape, then match the calls (see
  :mod:`.calls` for simple/multiple/parallel, :mod:`.call` for one call, :mod:`.values`).
* ``irrelevance``/``live_irrelevance`` pass when the output does not decode to at least one call;
  ``live_relevance`` passes when it does. The official runner always decodes these with the
  Python-call decoder (for prompting models), whatever the category's language.

Known deviations from the official checker (everything else agrees entry for entry; see
``tests/bfcl/test_differential.py``):

* Model output is never executed. Arithmetic inside arguments is evaluated only on literals (and
  ``str``/``int``/``abs``/``round``... of literals) within size bounds; names such as ``math.pi``,
  other calls, and results past the bounds make the entry ``ast_decoder:decoder_failed`` where the
  official ``eval`` may resolve them, run them, or hang (``9**9**9``).
* Inputs are bounded: 1,000,000 characters for Python calls and JSON, 200,000 for Java and
  JavaScript, JSON arguments 500 levels deep; beyond that the entry fails to decode.
* Java and JavaScript are parsed by our own parsers, not tree-sitter. Well-formed outputs and the
  tree-sitter error repairs seen in practice agree; on randomly corrupted real outputs about one
  in 10,000 verdicts differs (tree-sitter invents a repair we do not, or the reverse).
* Where the official checker raises and its whole run stops (types it cannot convert such as
  ``Set``/``Queue``, answers naming an undefined function), the entry fails with
  ``checker:unsupported_input``.
* The generic ``fc`` and ``json`` formats stand in for the official per-family decoders when the
  model's handler is unknown: ``fc`` accepts arguments as JSON text (like the OpenAI handler) or
  as objects (like the Mistral handler) and assumes the model wrote ``.`` as ``_`` in names
  (``underscore_to_dot``); ``json`` accepts the union of the common shapes. A registry model's
  runner passes its family's own format instead (:mod:`toolgrad_eval.bfcl.decode.families`).
"""

from __future__ import annotations

from typing import Any, Literal, Sequence

from toolgrad_eval.bfcl.decode import DecodeError, decode, is_call_list, is_empty_output, json_safe
from toolgrad_eval.bfcl.decode.structured import unwrap_text
from toolgrad_eval.bfcl.match.call import CallRules, Language, UnsupportedInput
from toolgrad_eval.bfcl.match.calls import match_calls, structure_of
from toolgrad_eval.bfcl.verdict import ErrorType, Verdict

__all__ = ["Format", "check_entry", "detect_format", "language_of"]

# "python", "json" and "fc" are the generic decoders; the others are model families whose official
# handler reads output its own way (decode/families.py), chosen from the model's conventions.
Concrete = Literal[
    "python",
    "json",
    "fc",
    "bitagent",
    "claude",
    "cohere",
    "databricks",
    "falcon",
    "functiongemma",
    "gemini",
    "gemini-fc",
    "glm",
    "gorilla",
    "granite",
    "hammer",
    "llama-3.1",
    "minicpm-fc",
    "mining",
    "mistral",
    "mistral-fc",
    "nemotron",
    "nexus",
    "nvidia",
    "openai-fc",
    "phi",
    "phi-fc",
    "qwen-fc",
    "think-agent",
    "xlam",
]
Format = Literal["auto", Concrete]
Version = Literal["v3", "v4"]

_IRRELEVANCE = frozenset({"irrelevance", "live_irrelevance"})
_RELEVANCE = frozenset({"live_relevance"})


def language_of(category: str) -> Language:
    """Call syntax and type rules of a (v4-named) category."""
    if category == "simple_java":
        return "java"
    if category == "simple_javascript":
        return "javascript"
    return "python"


def detect_format(results: Sequence[Any]) -> Concrete:
    """The format of one result file, judged from its raw ``result`` values.

    Structured values (lists/dicts) mean a function-calling run: ``json`` when the calls are
    ``{"name", "arguments"}`` objects, else ``fc``. Text means a prompting run: ``json`` when
    most non-empty outputs are JSON call objects, else ``python``.
    """
    structured = [r for r in results if isinstance(r, (list, dict))]
    if structured:
        return "json" if any(_is_named_call(item) for r in structured for item in _items(r)) else "fc"
    json_votes = python_votes = 0
    for result in results:
        if not isinstance(result, str):
            continue
        text = unwrap_text(result)
        if text in ("", "[]"):
            continue
        if "<tool_call>" in result or text.startswith("{") or text.startswith("[{"):
            json_votes += 1
        else:
            python_votes += 1
    return "json" if json_votes > python_votes else "python"


def _items(result: Any) -> list[Any]:
    return result if isinstance(result, list) else [result]


def _is_named_call(item: Any) -> bool:
    if isinstance(item, dict) and isinstance(item.get("function"), dict):
        item = item["function"]
    return isinstance(item, dict) and "name" in item and ("arguments" in item or "parameters" in item)


def check_entry(
    category: str,
    question: dict[str, Any],
    answer: list[Any] | None,
    result: Any,
    *,
    fmt: Format = "auto",
    version: Version = "v4",
    underscore_to_dot: bool | None = None,
) -> Verdict:
    """The official verdict for one entry.

    ``category`` is the v4 name; ``question`` the BFCL question object (``function`` is used);
    ``answer`` the ``ground_truth`` list (``None`` for the relevance categories); ``result`` the
    raw ``result`` value of the model's result line. ``underscore_to_dot`` says that the model's
    function names use ``_`` for ``.`` (function-calling APIs forbid dots); by default it is
    assumed for the ``fc`` format only. ``fmt="auto"`` judges this one result; a runner should
    call :func:`detect_format` on the whole result file and pass the format, as BFCL decodes a
    whole file with one model's decoder.
    """
    concrete: Concrete = detect_format([result]) if fmt == "auto" else fmt
    language = language_of(category)
    if category in _IRRELEVANCE or category in _RELEVANCE:
        return _check_relevance(category, result, concrete, version)

    try:
        decoded = decode(result, concrete, language, version)
    except DecodeError as exc:
        return Verdict.fail(ErrorType.DECODER_FAILED, f"Could not decode the output: {exc}")
    safe = json_safe(decoded)
    if not is_call_list(decoded):
        return Verdict.fail(
            ErrorType.WRONG_OUTPUT_FORMAT,
            "The decoded output is not a list of {function: {argument: value}} calls.",
            decoded=safe,
        )
    rules = CallRules(language, concrete == "fc" if underscore_to_dot is None else underscore_to_dot)
    try:
        problem = match_calls(structure_of(category), question["function"], decoded, answer or [], rules)
    except (UnsupportedInput, TypeError, AttributeError, KeyError, IndexError, ValueError) as exc:
        # The official checker raises here and its whole run stops; we record the entry instead.
        return Verdict.fail(
            ErrorType.CHECKER_UNSUPPORTED, f"The question or answer cannot be checked: {exc}", decoded=safe
        )
    if problem is None:
        return Verdict.ok(safe)
    return Verdict.fail(problem.error_type, *problem.errors, decoded=safe)


def _check_relevance(category: str, result: Any, fmt: Concrete, version: Version) -> Verdict:
    try:
        decoded = decode(result, fmt, "python", version)
    except DecodeError as exc:
        has_call, decoded, reason = False, None, str(exc)
    else:
        has_call, reason = not is_empty_output(decoded), "the output holds no function call"
    safe = None if decoded is None else json_safe(decoded)
    if category in _IRRELEVANCE:
        if has_call:
            return Verdict.fail(
                ErrorType.IRRELEVANCE_DECODED,
                "The output decodes to a function call, but none of the functions fits the request.",
                decoded=safe,
            )
        return Verdict.ok(safe)
    if has_call:
        return Verdict.ok(safe)
    return Verdict.fail(
        ErrorType.RELEVANCE_NOT_DECODED,
        f"Expected at least one function call, but {reason}.",
        decoded=safe,
    )
