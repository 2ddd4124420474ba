"""Which official handler reads a model's output which way, and the family decoders' rules.

The official checker decodes each model's output with that model's handler (see
:mod:`toolgrad_eval.bfcl.conventions`). Most prompting handlers use the shared prompting decoder
(our ``python`` format); the families here differ. Their rules, observed in bfcl-eval 2025.6.30
(v3) and 2026.3.23 (v4), are reproduced without executing anything
(:mod:`.json_families`, :mod:`.text_families`):

* ``llama-3.1`` (LlamaHandler_3_1): ``<|python_tag|>`` removed; text holding ``;`` is split there and
  each piece read as strict JSON; otherwise the text is evaluated as a Python expression (so
  ``{...}, {...}`` is a tuple of objects and ``True``/``None`` are literals; ``true`` fails). We
  evaluate literals and bounded arithmetic only. Each call is ``{"name", "parameters"}``.
* ``qwen-fc`` (QwenFCHandler; in v4 also Granite 4, Nanbeige FC, Pelican-VL FC): every
  ``<tool_call>\\n...\\n</tool_call>`` block (newlines exact), anywhere in the text, prose around
  them ignored; blocks that are not JSON are skipped (v4) or make the output decode to no call
  (v3); each call is ``{"name", "arguments"}``, arguments an object.
* ``xlam`` (SalesforceLlamaHandler, SalesforceQwenHandler): the text as JSON (a list, or one object),
  else split at ``;`` with each piece JSON; each call is ``{"name", "arguments"}``.
* ``hammer`` (HammerHandler): every three-backtick run removed, then JSON; text that is not JSON is
  no call; each call is ``{"name", "arguments"}``.
* ``bitagent`` (BitAgentHandler): the text as JSON, a list or one ``{"name", "arguments"}`` object.
* ``think-agent`` (ThinkAgentHandler): ``'`` read as ``"``; the JSON list after ``</think>``; no
  ``</think>`` is no call.
* ``glm`` (GLMHandler): first line the name, second line its JSON arguments; one line is text.
* ``granite`` (GraniteFunctionCallingHandler): pieces between ``<function_call>`` markers, each a
  JSON ``{"name", "arguments"}`` call; a piece that is not JSON stays text; ``no_function`` is text.
* ``falcon`` (Falcon3FCHandler): the JSON in the first ``<tool_call>`` block (a fence inside
  removed); v3 reads a missing tag, bad JSON or a missing key as no call, v4 fails on them.
* ``mistral-fc`` (MistralFCHandler; in v4 also Nova FC; in v3 Nova): the stored result must
  already be ``[{name: arguments}]`` and is taken as it is; anything else fails (v4) or is no call
  (v3). ``phi-fc`` (PhiFCHandler; in v4 also Arch and Granite 3 FC) also needs every item to be an
  object.
* ``gemini-fc`` (GeminiHandler, FC mode): the stored list as it is, anything else in a list.
* ``cohere`` (CohereHandler): stored ``{"tool_name", "parameters"}`` objects; not a list: no call.
  ``mining`` (MiningHandler, DMCitoHandler): stored ``{"name", "arguments"}`` objects.
* ``minicpm-fc`` (MiniCPMFCHandler): Python statements between ``<|tool_call_start|>`` and the
  last ``<|tool_call_end|>``, after the last thought, a python fence removed; each statement must
  be a call, else (or with none) the text after the calls is the result (not a call).
* ``openai-fc`` (the API handlers in function-calling mode: OpenAI, Claude, Mistral, DeepSeek, Qwen
  API, Grok, Kimi, Novita, Fireworks, Functionary, Writer...): ``[{name: "<JSON arguments>"}]``, each
  item's first key the name and its value JSON *text* (already-parsed arguments fail); an empty
  text is no call, any other text fails.

Prompting variants (then the prompting decoder of the category's language, Java and JavaScript
included): ``phi`` (PhiHandler, prompt mode: a leading json/python fence marker dropped),
``gemini`` (every tool_code fence opening and ``\\n```` removed), ``nemotron`` (the first
``<TOOLCALL>`` block; none is no call), ``gorilla`` (the text in brackets, nothing stripped),
``nexus`` (``;`` as ``,``; ``out_of_domain`` is no call), and in v3 ``claude`` (one leading space
dropped, no stripping), ``mistral`` (``\\_`` as ``_``, no stripping), ``nvidia`` (newlines
removed, a list of quoted calls unquoted) and ``databricks`` (single-quoted text unquoted, else the
text as it came).

Which handler (and mode) reads output which way is :func:`format_for`, checked handler by handler
against the official ``decode_ast`` on a corpus of output shapes (tests/bfcl/test_families.py).
``functiongemma`` (FunctionGemmaHandler): see :mod:`.functiongemma`. A handler of a later release
that none of these rules covers is named in one warning line by the runner.
"""

from __future__ import annotations

from typing import Any, Callable, Literal

from toolgrad_eval.bfcl.decode import json_families as j
from toolgrad_eval.bfcl.decode.functiongemma import decode_functiongemma
from toolgrad_eval.bfcl.decode import text_families as t

Version = Literal["v3", "v4"]
Syntax = Literal["python", "java", "javascript"]

# Handlers that read output the same way in either mode (mode-specific rules are below).
FAMILY_OF_HANDLER = {
    "BitAgentHandler": "bitagent",
    "CohereHandler": "cohere",
    "DMCitoHandler": "mining",
    "Falcon3FCHandler": "falcon",
    "FunctionGemmaHandler": "functiongemma",
    "GLMHandler": "glm",
    "GorillaHandler": "gorilla",
    "GraniteFunctionCallingHandler": "granite",
    "GraniteHandler": "granite",  # v3's name for it
    "HammerHandler": "hammer",
    "LlamaHandler_3_1": "llama-3.1",
    "MiningHandler": "mining",
    "MiniCPMFCHandler": "minicpm-fc",
    "MistralFCHandler": "mistral-fc",
    "NemotronHandler": "nemotron",
    "NexusHandler": "nexus",
    "PhiFCHandler": "phi-fc",
    "QwenFCHandler": "qwen-fc",
    "SalesforceLlamaHandler": "xlam",
    "SalesforceQwenHandler": "xlam",
    "ThinkAgentHandler": "think-agent",
}
# Handlers whose function-calling mode stores OpenAI-style calls with JSON-text arguments.
_OPENAI_FC = frozenset(
    {
        "ClaudeHandler",
        "DeepSeekAPIHandler",
        "FireworksHandler",
        "FunctionaryHandler",
        "GLMAPIHandler",
        "GrokHandler",
        "KimiHandler",
        "MistralHandler",
        "NanbeigeAPIHandler",
        "NovitaHandler",
        "OpenAICompletionsHandler",
        "OpenAIHandler",
        "OpenAIResponsesHandler",
        "QwenAPIHandler",
        "QwenAgentNoThinkHandler",
        "QwenAgentThinkHandler",
        "WriterHandler",
    }
)
# Per release: handlers whose FC mode takes the stored call list as it is, handlers whose FC mode
# reads Qwen-style <tool_call> blocks, and prompt-mode handlers with their own pre-processing.
_STORED_LIST_FC = {
    "v4": {"ArchHandler": "phi-fc", "Granite3FCHandler": "phi-fc", "NovaHandler": "mistral-fc"},
    "v3": {},
}
_QWEN_STYLE_FC = {"v4": frozenset({"Granite4FCHandler", "NanbeigeFCHandler", "PelicanVLFCHandler"}), "v3": frozenset()}
_PROMPT_VARIANT = {
    "v4": {"GeminiHandler": "gemini", "PhiHandler": "phi"},
    "v3": {
        "ClaudeHandler": "claude",
        "DatabricksHandler": "databricks",
        "GeminiHandler": "gemini",
        "MistralHandler": "mistral",
        "NovaHandler": "mistral-fc",
        "NvidiaHandler": "nvidia",
        "PhiHandler": "phi",
    },
}
# Handlers that read text with the shared prompting decoder: in prompt mode, per release, and
# LlamaHandler in both modes (its FC mode is prompted the same way).
_PROMPTING = {
    "v4": frozenset(
        {
            "BielikHandler",
            "ClaudeHandler",
            "DeepSeekAPIHandler",
            "DeepseekReasoningHandler",
            "GemmaHandler",
            "GoGoAgentHandler",
            "GrokHandler",
            "KimiHandler",
            "LingAPIHandler",
            "LlamaHandler",
            "MiniCPMHandler",
            "MistralHandler",
            "NovitaHandler",
            "NvidiaHandler",
            "OpenAIResponsesHandler",
            "QwenAPIHandler",
            "QwenHandler",
        }
    ),
    "v3": frozenset(
        {
            "BielikHandler",
            "DeepSeekAPIHandler",
            "DeepseekReasoningHandler",
            "GemmaHandler",
            "GoGoAgentHandler",
            "GrokHandler",
            "LingAPIHandler",
            "LlamaHandler",
            "MiniCPMHandler",
            "NovitaHandler",
            "OpenAIHandler",
            "QwenAPIHandler",
            "QwenHandler",
            "WriterHandler",
        }
    ),
}

_PLAIN: dict[str, Callable[[Any], Any]] = {
    "bitagent": j.decode_bitagent,
    "cohere": j.decode_cohere,
    "functiongemma": decode_functiongemma,
    "gemini-fc": j.decode_gemini_fc,
    "glm": j.decode_glm,
    "granite": t.decode_granite,
    "hammer": j.decode_hammer,
    "llama-3.1": j.decode_llama_3_1,
    "minicpm-fc": t.decode_minicpm_fc,
    "mining": j.decode_mining,
    "openai-fc": j.decode_openai_fc,
    "think-agent": j.decode_think_agent,
    "xlam": j.decode_xlam,
}
_BY_VERSION: dict[str, Callable[[Any, Version], Any]] = {
    "falcon": t.decode_falcon,
    "mistral-fc": j.decode_stored_list,
    "phi-fc": j.decode_phi_fc,
    "qwen-fc": t.decode_qwen_fc,
}
_BY_SYNTAX: dict[str, Callable[[Any, Syntax, Version], Any]] = {
    "claude": t.decode_claude,
    "databricks": t.decode_databricks,
    "gemini": t.decode_gemini,
    "gorilla": t.decode_gorilla,
    "mistral": t.decode_mistral,
    "nemotron": t.decode_nemotron,
    "nexus": t.decode_nexus,
    "nvidia": t.decode_nvidia,
    "phi": t.decode_phi,
}
FAMILIES = tuple(sorted({*_PLAIN, *_BY_VERSION, *_BY_SYNTAX}))


def format_for(handler: str | None, is_fc_model: bool | None, version: Version) -> str | None:
    """How the official ``handler`` reads a result in this mode, as one of our formats; None when
    that reading is not reproduced yet (the generic decoders then guess per result file)."""
    if handler is None:
        return None
    if handler in FAMILY_OF_HANDLER:
        return FAMILY_OF_HANDLER[handler]
    if is_fc_model:
        if handler == "GeminiHandler":
            return "gemini-fc"
        if handler in _OPENAI_FC:
            return "openai-fc"
        if handler in _STORED_LIST_FC[version]:
            return _STORED_LIST_FC[version][handler]
        if handler in _QWEN_STYLE_FC[version]:
            return "qwen-fc"
        return "python" if handler == "LlamaHandler" else None
    if handler in _PROMPT_VARIANT[version]:
        return _PROMPT_VARIANT[version][handler]
    return "python" if handler in _PROMPTING[version] else None


def decode_family(family: str, result: Any, syntax: Syntax, version: Version) -> Any:
    """``result`` decoded the way ``family``'s official handler decodes it (see the module notes)."""
    if family in _PLAIN:
        return _PLAIN[family](result)
    if family in _BY_VERSION:
        return _BY_VERSION[family](result, version)
    if family in _BY_SYNTAX:
        return _BY_SYNTAX[family](result, syntax, version)
    raise ValueError(f"unknown decoder family {family!r}")
