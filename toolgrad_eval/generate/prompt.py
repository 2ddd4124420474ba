"""The system prompt of prompt mode: the official one, read as data from the user's bfcl-eval, or ours.

For results comparable with the official leaderboard a prompted model must see BFCL's own system
prompt. It lives in ``bfcl_eval/constants/default_prompts.py`` of the bfcl-eval release whose data
is used. That file is *parsed* with :mod:`ast` and only string and dict literals (and ``+`` of
strings, and names bound to them) are read from it: nothing of the package is imported or run.

* v3 (bfcl-eval 2025.6.30): ``DEFAULT_SYSTEM_PROMPT`` with a ``{functions}`` slot, filled with the
  Python ``repr`` of the function list (what ``str.format`` of a list gives).
* v4 (bfcl-eval 2026.3.23): the prompt is assembled from parts: ``DEFAULT_SYSTEM_PROMPT_FORMAT``
  names a return format, tag use, doc format, layout and style; the style's persona, task, call
  format and multi-turn text go into the layout template, and the functions are written as JSON
  indented by 4. Only the JSON doc format (the default) is reproduced.

Where the file is looked for: beside the data (``bfcl-data fetch`` keeps it there), in the
``bfcl_eval`` package folder the data came from, or in an installed ``bfcl_eval``. Without it, our
own prompt (same contract, our words) is used, and the run's settings say which one, with a hash.
``--system-prompt FILE`` replaces both: ``{functions}`` in it is replaced by the JSON function docs
(appended when the file has no such slot).

A prompt in the question itself (some live entries carry a system message) is kept after ours, as
the official generator does.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Literal

from toolgrad_eval.errors import ConfigError

__all__ = [
    "OFFICIAL_FILE",
    "SystemPrompt",
    "fill",
    "find_official",
    "from_file",
    "official_prompt",
    "our_prompt",
    "read_literals",
    "with_system_prompt",
]

OFFICIAL_FILE = "default_prompts.py"
FUNCTIONS_SLOT = "{functions}"
_MAX_PROMPT_FILE = 1024 * 1024
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(\w+)\}")

Source = Literal["official", "toolgrad", "file"]

_OURS = (
    "You can call functions to answer the user. The functions you may call are listed below as JSON.\n"
    "Answer with the calls only, written as a Python list of calls with keyword arguments, for example "
    "[get_weather(city='Paris', unit='celsius'), get_time(zone='CET')]. Write nothing else.\n"
    "Call as many functions as the request needs, each with the argument values the user gave. If no function "
    "fits the request, or a required value is missing, do not call any: say so in plain words instead.\n\n"
    "Functions:\n{functions}\n"
)


@dataclass(frozen=True)
class SystemPrompt:
    """A system prompt with a slot for the functions; ``render`` fills it for one entry."""

    source: Source
    origin: str  # the file it was read from, or "built in"
    template: str  # holds FUNCTIONS_SLOT once
    doc_style: Literal["json-indent-4", "python-repr"]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(f"{self.doc_style}\n{self.template}".encode()).hexdigest()

    def render(self, functions: list[dict[str, Any]]) -> str:
        docs = repr(functions) if self.doc_style == "python-repr" else json.dumps(functions, indent=4)
        head, _, tail = self.template.partition(FUNCTIONS_SLOT)
        return head + docs + tail

    def describe(self) -> str:
        names = {
            "official": "the official BFCL prompt",
            "toolgrad": "toolgrad-eval's own prompt",
            "file": "--system-prompt",
        }
        return f"{names[self.source]} ({self.origin}, sha256 {self.sha256[:12]})"

    def as_dict(self) -> dict[str, str]:
        return {"source": self.source, "origin": self.origin, "sha256": self.sha256, "doc_style": self.doc_style}


def with_system_prompt(messages: list[dict[str, Any]], prompt: str) -> list[dict[str, Any]]:
    """The question's messages with ``prompt`` first (before the question's own system text, if any)."""
    out = [dict(m) for m in messages]
    if out and out[0].get("role") == "system":
        out[0]["content"] = f"{prompt}\n\n{out[0].get('content', '')}"
    else:
        out.insert(0, {"role": "system", "content": prompt})
    return out


def our_prompt() -> SystemPrompt:
    return SystemPrompt("toolgrad", "built in", _OURS, "json-indent-4")


def from_file(path: Path) -> SystemPrompt:
    """``--system-prompt FILE``: its text, ``{functions}`` replaced by the JSON docs (appended when absent)."""
    try:
        if path.stat().st_size > _MAX_PROMPT_FILE:
            raise ConfigError(f"{path}: system prompt file larger than {_MAX_PROMPT_FILE} bytes")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: --system-prompt file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the --system-prompt file ({exc})") from None
    if FUNCTIONS_SLOT not in text:
        text = text.rstrip("\n") + "\n\n" + FUNCTIONS_SLOT + "\n"
    return SystemPrompt("file", str(path), text, "json-indent-4")  # render fills the first slot only


def find_official(version: str, data_root: Path, installed: Path | None) -> Path | None:
    """The ``default_prompts.py`` of the bfcl-eval copy the data came from, else of an installed one."""
    candidates = [data_root / OFFICIAL_FILE, data_root.parent / "constants" / OFFICIAL_FILE]
    if installed is not None:
        candidates.append(installed.parent / "constants" / OFFICIAL_FILE)
    return next((c for c in candidates if c.is_file()), None)


def official_prompt(path: Path, version: str) -> SystemPrompt:
    """The official prompt of data ``version`` from ``path``; ConfigError when the file cannot give it."""
    try:
        source = path.read_text(encoding="utf-8")
        values = _literals(ast.parse(source, filename=str(path)))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read the official prompt ({exc})") from None
    build: Callable[[dict[str, Any]], tuple[str, Literal["json-indent-4", "python-repr"]]]
    build = _v3_template if version == "v3" else _v4_template
    try:
        template, style = build(values)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: not the BFCL {version} prompt layout ({exc})") from None
    if template.count(FUNCTIONS_SLOT) != 1:
        raise ConfigError(f"{path}: the BFCL {version} prompt has no single {{functions}} slot")
    return SystemPrompt("official", str(path), template, style)


def read_literals(path: Path) -> dict[str, Any]:
    """The module-level string/dict literals of the official prompts file (parsed, never run)."""
    try:
        return _literals(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read the official prompts ({exc})") from None


def fill(template: str, **values: str) -> str:
    """``template`` with its named slots filled (``str.format`` for named string slots only)."""
    return _fill(template, **values)


def _v3_template(values: dict[str, Any]) -> tuple[str, Literal["json-indent-4", "python-repr"]]:
    template = values["DEFAULT_SYSTEM_PROMPT"]
    if not isinstance(template, str):
        raise TypeError("DEFAULT_SYSTEM_PROMPT is not a string")
    return _fill(template, functions=FUNCTIONS_SLOT), "python-repr"


def _v4_template(values: dict[str, Any]) -> tuple[str, Literal["json-indent-4", "python-repr"]]:
    settings = dict(part.split("=", 1) for part in values["DEFAULT_SYSTEM_PROMPT_FORMAT"].split("&"))
    if settings["func_doc_fmt"] != "json":
        raise ValueError(f"function docs as {settings['func_doc_fmt']!r} are not reproduced")
    style = values["PROMPT_STYLE_TEMPLATES"][settings["style"]]
    return_format = settings["ret_fmt"]
    call_part = style["tool_call_with_tag" if settings["tool_call_tag"] == "True" else "tool_call_no_tag"]
    tool_call_format = _fill(
        call_part,
        output_format=values["OUTPUT_FORMAT_MAPPING"][return_format],
        param_types=values["PARAM_TYPE_MAPPING"][return_format],
    )
    available = _fill(style["available_tools"], format="json", functions=FUNCTIONS_SLOT)
    layout = values["PROMPT_TEMPLATE_MAPPING"][settings["prompt_fmt"]]
    return _fill(
        layout,
        persona=style["persona"],
        task=style["task"],
        tool_call_format=tool_call_format,
        multiturn_behavior=style["multiturn_behavior"],
        available_tools=available,
    ), "json-indent-4"


def _fill(template: str, **values: str) -> str:
    """``str.format`` for named string slots only (no attribute or index lookups on untrusted text)."""
    if not isinstance(template, str):
        raise TypeError("template is not a string")

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        name = match.group(1)
        if name not in values or not isinstance(values[name], str):
            raise KeyError(name)
        return values[name]

    return _PLACEHOLDER.sub(replace, template)


def _literals(tree: ast.Module) -> dict[str, Any]:
    """Module-level names bound to string/dict/list literals, ``+`` of strings, or earlier such names."""
    values: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                values[node.targets[0].id] = _value(node.value, values, 0)
            except ValueError:
                continue  # not a literal we read (a call, an f-string...): not needed
    return values


def _value(node: ast.expr, known: dict[str, Any], depth: int) -> Any:
    if depth > 20:
        raise ValueError("expression too deep")
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool)):
        return node.value
    if isinstance(node, ast.Name) and node.id in known:
        return known[node.id]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _value(node.left, known, depth + 1), _value(node.right, known, depth + 1)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        raise ValueError("+ of non-strings")
    if isinstance(node, ast.Dict) and all(k is not None for k in node.keys):
        return {
            _value(k, known, depth + 1): _value(v, known, depth + 1)  # type: ignore[arg-type]
            for k, v in zip(node.keys, node.values)
        }
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_value(item, known, depth + 1) for item in node.elts]
    raise ValueError(f"not a literal: {type(node).__name__}")
