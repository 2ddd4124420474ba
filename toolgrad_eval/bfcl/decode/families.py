"""Decoders of the model families whose official handler reads output its own way.

The official checker decodes each model's output with that model's handler (see
:mod:`toolgrad_eval.bfcl.conventions`). Most prompting handlers use the shared prompting decoder
(our ``python`` format) and OpenAI-style function-calling handlers the shared FC decoder (``fc``);
the families here differ, and their rules, observed in bfcl-eval 2025.6.30 (v3) and 2026.3.23 (v4),
are reproduced without executing anything:

* ``llama-3.1`` (LlamaHandler_3_1): ``<|python_tag|>`` removed; text holding ``;`` is split there and
  each piece read as strict JSON; otherwise the text is evaluated as a Python expression (so
  ``{...}, {...}`` is a tuple of objects and ``True``/``None`` are literals; ``true`` fails). We
  evaluate literals and bounded arithmetic only. Each call is ``{"name", "parameters"}``.
* ``qwen-fc`` (QwenFCHandler): every ``<tool_call>\\n...\\n</tool_call>`` block (newlines exact),
  anywhere in the text, prose around them ignored; blocks that are not JSON are skipped (v4) or
  make the output decode to no call (v3); each call is ``{"name", "arguments"}``.
* ``xlam`` (SalesforceLlamaHandler, SalesforceQwenHandler): the text as JSON (a list, or one object),
  else split at ``;`` with each piece JSON; each call is ``{"name", "arguments"}``.
* ``mistral-fc`` (MistralFCHandler; in v4 also Arch, Granite 3 FC, Phi FC and Nova in FC mode): the
  stored result must already be ``[{name: arguments}]`` and is taken as it is (arguments left as
  stored); text fails to decode (v4) or decodes to no call (v3, MistralFCHandler).
* ``openai-fc`` (the API handlers in function-calling mode: OpenAI, Claude, Mistral, DeepSeek, Qwen
  API, Grok, Kimi, Novita, Fireworks, Functionary, Writer...): ``[{name: "<JSON arguments>"}]``, each
  item's first key the name and its value JSON *text* (already-parsed arguments fail); an empty
  text is no call, any other text fails.

* ``hammer`` (HammerHandler): every three-backtick run removed, then JSON; text that is not JSON is
  no call; each call is ``{"name", "arguments"}``.
* ``phi`` (PhiHandler, prompt mode): a leading three-backtick ``json`` or ``python`` fence marker
  is dropped (after stripping whitespace), then the shared prompting decoder reads the rest.

Which handler (and mode) reads output which way is :func:`format_for`, checked handler by handler
against the official ``decode_ast`` on a corpus of output shapes (tests/bfcl/test_families.py).
Prompting handlers (Gemma, Qwen, Llama, Phi, the API handlers in prompt mode...) use the shared
prompting decoder, our ``python`` format.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any, Literal

from toolgrad_eval.bfcl.decode.arithmetic import SizeBudget, evaluate
from toolgrad_eval.bfcl.decode.errors import DecodeError
from toolgrad_eval.bfcl.decode.python_calls import MAX_INPUT_CHARS, parse_expression
from toolgrad_eval.bfcl.decode.structured import decode_fc_calls

Version = Literal["v3", "v4"]
FAMILY_OF_HANDLER = {
    "HammerHandler": "hammer",
    "LlamaHandler_3_1": "llama-3.1",
    "QwenFCHandler": "qwen-fc",
    "SalesforceLlamaHandler": "xlam",
    "SalesforceQwenHandler": "xlam",
    "MistralFCHandler": "mistral-fc",
}
FAMILIES = tuple(sorted({*FAMILY_OF_HANDLER.values(), "openai-fc", "phi"}))
# Handlers whose function-calling mode stores OpenAI-style calls with JSON-text arguments.
_OPENAI_FC = frozenset({
    "ClaudeHandler", "DeepSeekAPIHandler", "FireworksHandler", "FunctionaryHandler", "GLMAPIHandler", "GrokHandler",
    "KimiHandler", "MistralHandler", "NanbeigeAPIHandler", "NovitaHandler", "OpenAICompletionsHandler",
    "OpenAIHandler", "OpenAIResponsesHandler", "QwenAPIHandler", "QwenAgentNoThinkHandler", "QwenAgentThinkHandler",
    "WriterHandler",
})
# Handlers that take the stored call list as it is, in FC mode (bfcl-eval 2026.3.23 only).
_STORED_LIST_V4 = frozenset({"ArchHandler", "Granite3FCHandler", "PhiFCHandler", "NovaHandler"})
# Handlers whose prompt mode reads text with the shared prompting decoder, per data version.
_PROMPTING = {
    "v4": frozenset({
        "BielikHandler", "ClaudeHandler", "DeepSeekAPIHandler", "DeepseekReasoningHandler", "GeminiHandler",
        "GemmaHandler", "GoGoAgentHandler", "GrokHandler", "KimiHandler", "LingAPIHandler", "LlamaHandler",
        "MiniCPMHandler", "MistralHandler", "NovitaHandler", "NvidiaHandler", "OpenAIResponsesHandler",
        "QwenAPIHandler", "QwenHandler",
    }),
    "v3": frozenset({
        "BielikHandler", "DeepSeekAPIHandler", "DeepseekReasoningHandler", "GeminiHandler", "GemmaHandler",
        "GoGoAgentHandler", "GrokHandler", "LingAPIHandler", "LlamaHandler", "MiniCPMHandler", "NovitaHandler",
        "OpenAIHandler", "QwenAPIHandler", "QwenHandler", "WriterHandler",
    }),
}


def format_for(handler: str | None, is_fc_model: bool | None, version: Version) -> str | None:
    """How the official ``handler`` reads a result in this mode, as one of our formats; None when
    that reading is not reproduced yet (the generic decoders then guess per result file)."""
    if handler is None:
        return None
    if handler in FAMILY_OF_HANDLER:  # these handlers read output the same way in either mode
        return FAMILY_OF_HANDLER[handler]
    if is_fc_model and handler in _OPENAI_FC:
        return "openai-fc"
    if is_fc_model and version == "v4" and handler in _STORED_LIST_V4:
        return "mistral-fc"
    if not is_fc_model and handler in _PROMPTING[version]:
        return "python"
    if not is_fc_model and handler == "PhiHandler":
        return "phi"
    return None


def phi_text(result: Any) -> Any:
    """PhiHandler's pre-processing before the shared prompting decoder."""
    if not isinstance(result, str):
        return result
    text = result.strip()
    for marker in ("```json", "```python"):
        if text.startswith(marker):
            text = text[len(marker):]
    return text
_QWEN_TOOL_CALL = re.compile(r"<tool_call>\n(.*?)\n</tool_call>", re.DOTALL)


def _text(result: Any) -> str:
    if not isinstance(result, str):
        raise DecodeError(f"expected the model's text, got {type(result).__name__}")
    if len(result) > MAX_INPUT_CHARS:
        raise DecodeError(f"output longer than {MAX_INPUT_CHARS} characters")
    return result


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise DecodeError(f"not JSON: {exc}") from None


def _calls(objects: Any, arguments_key: str) -> list[dict[Any, Any]]:
    """``[{name: arguments}]`` from call objects, failing where the handler's indexing fails."""
    if isinstance(objects, (str, bytes)) or not hasattr(objects, "__iter__"):
        if objects in ("", b""):  # iterating it finds no call
            return []
        raise DecodeError(f"expected call objects, got {type(objects).__name__}")
    calls = []
    for item in objects:
        if not isinstance(item, dict) or "name" not in item or arguments_key not in item:
            raise DecodeError(f'each call must be an object with "name" and "{arguments_key}"')
        name = item["name"]
        try:
            calls.append({name: item[arguments_key]})
        except TypeError:  # an unhashable name (a list, an object): the handler fails here too
            raise DecodeError("a call's name is not a valid key") from None
    return calls


def decode_llama_3_1(result: Any) -> list[dict[Any, Any]]:
    text = _text(result).replace("<|python_tag|>", "")
    if ";" in text:
        objects: Any = [_json(piece) for piece in text.split(";")]
    else:
        objects = _literal(text)
        if isinstance(objects, dict):
            objects = [objects]
    return _calls(objects, "parameters")


def _literal(text: str) -> Any:
    """What the official ``eval`` gives for literal text, bounded; names and calls fail."""
    node: ast.AST = parse_expression(text)
    return evaluate(node, SizeBudget())


def decode_qwen_fc(result: Any, version: Version) -> list[dict[Any, Any]]:
    text = _text(result)
    objects: list[Any] = []
    for block in _QWEN_TOOL_CALL.findall(text):
        try:
            objects.append(json.loads(block))
        except (ValueError, RecursionError):
            if version == "v3":  # kept as text: the whole output then counts as no call
                return []
    if any(not isinstance(item, dict) for item in objects):
        if version == "v3":
            return []
        raise DecodeError("a <tool_call> block is not a call object")
    calls = _calls(objects, "arguments")
    for call in calls:
        if not isinstance(next(iter(call.values())), dict):
            raise DecodeError('"arguments" must be an object')
    return calls


def decode_xlam(result: Any) -> list[dict[Any, Any]]:
    text = _text(result)
    try:
        objects = json.loads(text)
        if not isinstance(objects, list):
            objects = [objects]
    except ValueError:
        objects = [_json(piece.strip()) for piece in text.split(";")]
    except RecursionError:
        raise DecodeError("JSON nested too deeply") from None
    return _calls(objects, "arguments")


def decode_hammer(result: Any) -> list[dict[Any, Any]]:
    text = _text(result).replace("```", "")
    try:
        objects = json.loads(text)
    except (ValueError, RecursionError):
        return []  # not JSON: the handler reads no call
    return _calls(objects, "arguments")


def decode_mistral_fc(result: Any, version: Version) -> Any:
    if not isinstance(result, list):
        if version == "v3":
            return []
        raise DecodeError("the model did not return a list of function calls")
    return result


def decode_openai_fc(result: Any) -> list[dict[Any, Any]]:
    """The generic FC decoder, with the OpenAI handlers' two differences: an empty text or object
    is no call (iterating it finds none), and arguments must be JSON text."""
    if isinstance(result, (str, dict)) and not result:
        return []
    if isinstance(result, list) and any(isinstance(item, dict) and item and not isinstance(next(iter(item.values())), str)
                                        for item in result):
        raise DecodeError("function-call arguments must be JSON text")
    return decode_fc_calls(result)


def decode_family(family: str, result: Any, version: Version) -> Any:
    if family == "llama-3.1":
        return decode_llama_3_1(result)
    if family == "qwen-fc":
        return decode_qwen_fc(result, version)
    if family == "xlam":
        return decode_xlam(result)
    if family == "hammer":
        return decode_hammer(result)
    if family == "mistral-fc":
        return decode_mistral_fc(result, version)
    if family == "openai-fc":
        return decode_openai_fc(result)
    raise ValueError(f"unknown decoder family {family!r}")
