"""Family decoders for handlers that cut calls out of the model's text before reading them.

Two kinds: handlers that find tagged JSON in the text (Qwen FC, Granite, Falcon) and handlers that
pre-process the text before the prompting decoder of the category's language (Phi, Gemini,
Nemotron, Gorilla, Nexus; in v3 also Claude, Mistral, Nvidia and Databricks). Every rule is listed
in :mod:`toolgrad_eval.bfcl.decode.families`. Tags are found in one pass (:mod:`.tags`).
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from typing import Any, Literal

from toolgrad_eval.bfcl.decode.errors import DecodeError
from toolgrad_eval.bfcl.decode.java_calls import decode_java_calls
from toolgrad_eval.bfcl.decode.js_calls import decode_js_calls
from toolgrad_eval.bfcl.decode.json_families import call_objects, text_of
from toolgrad_eval.bfcl.decode.python_calls import bracketed, calls_from_source
from toolgrad_eval.bfcl.decode.tags import tagged_blocks

Version = Literal["v3", "v4"]
Syntax = Literal["python", "java", "javascript"]


def decode_qwen_fc(result: Any, version: Version) -> list[dict[Any, Any]]:
    """QwenFCHandler (in v4 also Granite 4, Nanbeige FC and Pelican-VL FC, which read alike)."""
    calls = qwen_fc_calls(result, version)
    for call in calls:
        if not isinstance(next(iter(call.values())), dict):
            raise DecodeError('"arguments" must be an object')
    return calls


def qwen_fc_calls(result: Any, version: Version) -> list[dict[Any, Any]]:
    """The ``{name: arguments}`` of each ``<tool_call>`` block, whatever ``arguments`` is: the reading
    ``decode_execute`` starts from (it then reads arguments given as JSON text), where ``decode_ast``
    requires an object."""
    objects: list[Any] = []
    for block in tagged_blocks(text_of(result), "<tool_call>\n", "\n</tool_call>"):
        try:
            objects.append(json.loads(block))
        except (ValueError, RecursionError):
            if version == "v3":  # kept as text: the whole output then counts as no call
                return []
    if any(not isinstance(item, dict) for item in objects):
        if version == "v3":
            return []
        raise DecodeError("a <tool_call> block is not a call object")
    return call_objects(objects, "arguments")


def decode_falcon(result: Any, version: Version) -> list[dict[Any, Any]]:
    """Falcon3FCHandler: the JSON (a list or one object, maybe fenced) in the first ``<tool_call>``
    block. v3 reads a missing tag, bad JSON or a missing key as no call; v4 fails on them."""
    no_call: list[dict[Any, Any]] = []
    if not isinstance(result, str):
        try:
            tagged = "<tool_call>" in result
        except TypeError:
            raise DecodeError(f"expected the model's text, got {type(result).__name__}") from None
        if tagged or version == "v4":  # v4 fails on the missing tag; a tagged non-text fails to split
            raise DecodeError("no <tool_call> block in the output")
        return no_call
    text = text_of(result)
    if "<tool_call>" not in text:
        if version == "v3":
            return no_call
        raise DecodeError("no <tool_call> block in the output")
    block = text.split("<tool_call>")[1].split("</tool_call>")[0].strip()
    if block.startswith("```") and block.endswith("```"):
        block = block.strip("`").strip()
        if block.startswith("json"):
            block = block[4:].strip()
    try:
        objects = json.loads(block)
    except ValueError:
        if version == "v3":
            return no_call
        raise DecodeError("the <tool_call> block is not JSON") from None
    except RecursionError:
        raise DecodeError("JSON nested too deeply") from None
    objects = objects if isinstance(objects, list) else [objects]
    for item in objects:
        if not isinstance(item, dict):  # indexing it raises TypeError, which no release catches
            raise DecodeError("a call is not an object")
        if ("name" not in item or "arguments" not in item) and version == "v3":
            return no_call
    return call_objects(objects, "arguments")


def decode_granite(result: Any) -> list[Any]:
    """GraniteFunctionCallingHandler: the text split at ``<function_call>``; each JSON piece is a
    call (``no_function`` is a sentence, not a call); a piece that is not JSON is kept as text."""
    decoded: list[Any] = []
    for piece in text_of(result).split("<function_call>"):
        piece = piece.strip()
        if not piece:
            continue
        try:
            item = json.loads(piece)
        except (ValueError, RecursionError):
            decoded.append(piece)
            continue
        if not isinstance(item, dict):
            raise DecodeError("a function call is not a JSON object")
        name = item.get("name", "")
        if not isinstance(name, str):
            raise DecodeError("a function name is not text")
        if name.strip() == "no_function":
            decoded.append("No function is called")
        else:
            decoded.append({name.strip(): item.get("arguments", {})})
    return decoded


def parse_calls(func: str, syntax: Syntax, version: Version) -> Any:
    """The official ``ast_parse`` of a call string that already has its outer brackets."""
    if syntax == "java":
        return decode_java_calls(func)
    if syntax == "javascript":
        return decode_js_calls(func)
    return calls_from_source(func.strip("[]'") if version == "v3" else func.strip().strip("'"))


def prompting(text: str, syntax: Syntax, version: Version) -> Any:
    """The shared prompting decoder (``default_decode_ast_prompting``) on pre-processed text."""
    return parse_calls(bracketed(text), syntax, version)


def _wrapped(text: str) -> str:
    """A missing ``[`` or ``]`` added, with nothing stripped first (older API handlers)."""
    return ("" if text.startswith("[") else "[") + text + ("" if text.endswith("]") else "]")


def decode_phi(result: Any, syntax: Syntax, version: Version) -> Any:
    """PhiHandler (prompt mode): a leading json or python fence marker dropped, then prompting."""
    text = text_of(result).strip()
    for marker in ("```json", "```python"):
        if text.startswith(marker):
            text = text[len(marker) :]
    return prompting(text, syntax, version)


def decode_gemini(result: Any, syntax: Syntax, version: Version) -> Any:
    """GeminiHandler in prompt mode: every tool_code fence opening and fence closing removed."""
    return prompting(text_of(result).replace("```tool_code\n", "").replace("\n```", ""), syntax, version)


def decode_nemotron(result: Any, syntax: Syntax, version: Version) -> Any:
    """NemotronHandler: the text in the first ``<TOOLCALL>`` block, read by the prompting decoder;
    no block is no call."""
    block = next(tagged_blocks(text_of(result), "<TOOLCALL>", "</TOOLCALL>"), None)
    return [] if block is None else prompting(block, syntax, version)


def decode_gorilla(result: Any, syntax: Syntax, version: Version) -> Any:
    """GorillaHandler: the text in brackets, nothing stripped."""
    return parse_calls("[" + text_of(result) + "]", syntax, version)


def decode_nexus(result: Any, syntax: Syntax, version: Version) -> Any:
    """NexusHandler: calls separated by ``;`` (one trailing ``;`` dropped), in brackets; a text
    naming ``out_of_domain`` that decodes is the sentence "irrelevant" (not a call)."""
    text = text_of(result)
    text = text[:-1] if text.endswith(";") else text
    decoded = parse_calls("[" + text.replace(";", ",") + "]", syntax, version)
    return "irrelevant" if "out_of_domain" in text else decoded


def decode_claude(result: Any, syntax: Syntax, version: Version) -> Any:
    """ClaudeHandler in prompt mode: v3 drops one leading space (an empty text fails) and adds the
    missing brackets without stripping anything; v4 uses the prompting decoder."""
    text = text_of(result)
    if version == "v4":
        return prompting(text, syntax, version)
    if not text:
        raise DecodeError("empty output")
    return parse_calls(_wrapped(text[1:] if text[0] == " " else text), syntax, version)


def decode_mistral(result: Any, syntax: Syntax, version: Version) -> Any:
    """MistralHandler in prompt mode: v3 reads ``\\_`` as ``_`` and adds the missing brackets without
    stripping anything; v4 uses the prompting decoder."""
    text = text_of(result)
    if version == "v4":
        return prompting(text, syntax, version)
    return parse_calls(_wrapped(text.replace("\\_", "_")), syntax, version)


def decode_nvidia(result: Any, syntax: Syntax, version: Version) -> Any:
    """NvidiaHandler: v3 removes newlines, adds the missing brackets and unquotes a list of quoted
    calls (``['f(a=1)', 'g()']``); v4 uses the prompting decoder."""
    text = text_of(result)
    if version == "v4":
        return prompting(text, syntax, version)
    text = _wrapped(text.replace("\n", ""))
    if text.startswith("['"):
        text = text.replace("['", "[").replace("', '", ", ").replace("','", ", ")
    if text.endswith("']"):
        text = text.replace("']", "]")
    return parse_calls(text, syntax, version)


_QUOTED = re.compile(r"'([^']*)'")  # linear: a quote either closes the one before it or ends the text


def decode_databricks(result: Any, syntax: Syntax, version: Version) -> Any:
    """DatabricksHandler (v3): quotes around single-quoted text removed, ``\n`` plus four spaces
    removed, brackets added, a leading ``['`` unquoted; if that does not decode, the text as it came."""
    text = text_of(result)
    func = _wrapped(_QUOTED.sub(r"\1", text).replace("\n    ", ""))
    if func.startswith("['"):
        func = func.replace("['", "[")
    try:
        return parse_calls(func, syntax, version)
    except DecodeError:
        # the official fallback hands the text to the parser as it came (Java and JavaScript: without
        # its first and last characters)
        return parse_calls(text if syntax == "python" else "[" + text[1:-1] + "]", syntax, version)


_THOUGHT_START, _THOUGHT_END = "<|thought_start|>", "<|thought_end|>"
_CALLS_START, _CALLS_END = "<|tool_call_start|>", "<|tool_call_end|>"


def decode_minicpm_fc(result: Any) -> Any:
    """MiniCPMFCHandler: Python statements between ``<|tool_call_start|>`` and the last
    ``<|tool_call_end|>`` (after the last thought; a python fence removed), each a call; anything
    else there (or no calls) gives the text after the calls, which is not a call."""
    text = text_of(result)
    if _THOUGHT_END in text and _THOUGHT_START in text:
        thought, text = text.rsplit(_THOUGHT_END, 1)
        if _THOUGHT_START not in thought:  # the handler's split finds nothing to index
            raise DecodeError("a thought ends before it starts")
    if not (_CALLS_START in text and _CALLS_END in text):
        return text.strip()
    calls_text, content = text.rsplit(_CALLS_END, 1)
    if _CALLS_START not in calls_text:
        raise DecodeError("the tool calls end before they start")
    calls_text = calls_text.split(_CALLS_START, 1)[1].strip()
    if calls_text.startswith("```"):
        calls_text = calls_text.lstrip("`").strip()
        if calls_text.startswith("python"):
            calls_text = calls_text.lstrip("python").strip()  # the handler strips these letters, not the word
    if calls_text.endswith("```"):
        calls_text = calls_text.rstrip("`").strip()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            statements = ast.parse(calls_text).body
        # Any statement with a value counts (an assignment's right side too), as the handler reads them.
        nodes: list[ast.expr] = [
            v for v in (getattr(statement, "value", None) for statement in statements) if isinstance(v, ast.Call)
        ]
        if not nodes or len(nodes) != len(statements):
            return content.strip()
        # The calls read as the prompting decoder reads a list of them (their source, re-parsed).
        return calls_from_source(ast.unparse(ast.List(elts=nodes, ctx=ast.Load())))
    except (DecodeError, SyntaxError, ValueError, MemoryError, RecursionError):
        return content.strip()
