"""Judge prompt templates: versioned data in ``judges/``, shipped inside the wheel.

A template is a JSON file validated with a strict schema. Its id (``<name>-v<version>``) and the
SHA-256 of its canonical JSON are recorded with every verdict; bump ``version`` whenever the
behaviour changes.

Untrusted text (the user query, the model's trace and response) is placed inside tag-delimited
blocks; any occurrence of a block's own tags inside the text is neutralised so the model's
output cannot close its block early and speak as the grader's instructions.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Collection, Protocol, Sequence

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from toolgrad_eval.errors import ConfigError
from toolgrad_eval.judge.fence import fence

DEFAULT_TEMPLATE = "qor-v1"
# What JudgeTemplate.render gives a template's user text (benchmarks rendering their own blocks
# name theirs when they load it).
RENDER_VARIABLES = ("query", "trace", "response", "reference")
_BLOCK_TAGS = ("user_query", "tool_use_trace", "assistant_response", "ground_truth_response")


class TraceStep(Protocol):
    """One tool call of the model's trace, as the prompt shows it (a benchmark's own call type
    fits structurally; the judge imports no benchmark)."""

    @property
    def tool(self) -> str: ...
    @property
    def tool_input(self) -> Any: ...
    @property
    def succeeded(self) -> bool: ...
    @property
    def response(self) -> Any: ...
    @property
    def error(self) -> str | None: ...


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query_chars: int = Field(gt=0)
    response_chars: int = Field(gt=0)
    reference_chars: int = Field(gt=0)
    trace_chars: int = Field(gt=0)
    tool_output_chars: int = Field(gt=0)


class TemplateFile(BaseModel):
    """The schema every file in judges/ must satisfy."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    version: int = Field(ge=1)
    description: str
    temperature: float = Field(ge=0, le=2)
    schema_name: str = Field(pattern=r"^[a-zA-Z0-9_-]{1,64}$")
    schema_: dict[str, Any] = Field(alias="schema")
    limits: Limits
    system: str
    user: str


@dataclass(frozen=True)
class JudgeTemplate:
    id: str
    sha256: str
    spec: TemplateFile

    @property
    def schema(self) -> dict[str, Any]:
        return self.spec.schema_

    @property
    def temperature(self) -> float:
        return self.spec.temperature

    def response_format(self) -> dict[str, Any]:
        """Chat Completions structured output: a strict JSON schema."""
        return {
            "type": "json_schema",
            "json_schema": {"name": self.spec.schema_name, "strict": True, "schema": self.spec.schema_},
        }

    def render(self, *, query: str, calls: Sequence[TraceStep], response: str, reference: str) -> list[dict[str, str]]:
        limits = self.spec.limits
        user = self._render_user(
            query=_fence(_clip(query, limits.query_chars)),
            trace=_fence(render_trace(calls, limits.tool_output_chars, limits.trace_chars)),
            response=_fence(_clip(response, limits.response_chars)),
            reference=_fence(_clip(reference, limits.reference_chars)),
        )
        return [{"role": "system", "content": self.spec.system}, {"role": "user", "content": user}]

    def render_blocks(self, tags: Sequence[str], **blocks: str) -> list[dict[str, str]]:
        """Render a benchmark's own template: every value is fenced against every tag in ``tags``, so
        untrusted text cannot close its block early. Clipping to ``spec.limits`` is the caller's."""
        user = self._render_user(**{name: fence(text, tags) for name, text in blocks.items()})
        return [{"role": "system", "content": self.spec.system}, {"role": "user", "content": user}]

    def _render_user(self, **values: str) -> str:
        """The user text; a variable the caller does not give is one line, not a jinja2 traceback
        (load_template checks it first when told the variables)."""
        from jinja2 import UndefinedError

        try:
            return str(_compiled(self.spec.user).render(**values))
        except UndefinedError as exc:
            raise ConfigError(
                f"judge template {self.id}: {exc.message} (this run provides {', '.join(sorted(values))})"
            ) from None


@functools.lru_cache(maxsize=16)
def _compiled(source: str) -> Any:
    """Compiling a Jinja template costs ~1 ms; a 5,000-sample run renders the same one 5,000 times."""
    from jinja2 import Environment, StrictUndefined

    env = Environment(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)
    return env.from_string(source)


def render_trace(calls: Sequence[TraceStep], output_chars: int, total_chars: int) -> str:
    """A compact, bounded text view of the model's tool calls and what they returned."""
    if not calls:
        return "(the assistant made no tool calls)"
    lines: list[str] = []
    for number, call in enumerate(calls, start=1):
        arguments = json.dumps(call.tool_input, ensure_ascii=False, default=str)
        lines.append(f"[{number}] call {call.tool} with {_clip(arguments, output_chars)}")
        if call.succeeded:
            lines.append(f"    succeeded: {_clip(call.response, output_chars)}")
        else:
            lines.append(f"    FAILED: {_clip(call.error or 'error', output_chars)}")
    return _clip("\n".join(lines), total_chars)


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[... truncated, {len(text) - limit} more characters]"


def _fence(text: str) -> str:
    """Neutralise our block tags inside untrusted text (``<tag>`` becomes ``‹tag›``); see fence.py."""
    return fence(text, _BLOCK_TAGS)


def templates_dir() -> Path:
    return Path(str(resources.files("toolgrad_eval.judges")))


def available_templates() -> list[str]:
    return sorted(p.stem for p in templates_dir().glob("*.json"))


def load_template(name_or_path: str = DEFAULT_TEMPLATE, *, variables: Collection[str] | None = None) -> JudgeTemplate:
    """Load a shipped template by id (``qor-v1``) or any template file by path.

    ``variables``: what the run will render the user text with (``RENDER_VARIABLES`` for
    :meth:`JudgeTemplate.render`); a template using any other is refused here, in one line naming
    the template and the variable, before anything is read or paid. A template file may not claim
    the id of a shipped template with other content (its verdicts would be recorded as the shipped one's)."""
    path = Path(name_or_path)
    if not (path.suffix == ".json" and path.is_file()):
        path = templates_dir() / f"{name_or_path}.json"
        if not path.is_file():
            raise ConfigError(
                f"unknown judge template {name_or_path!r} (available: {', '.join(available_templates())})"
            )
    raw = path.read_bytes()
    try:
        spec = TemplateFile.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: invalid judge template ({where}: {first['msg']})") from None
    expected = f"{spec.name}-v{spec.version}"
    shipped = path.resolve().parent == templates_dir().resolve()
    if path.stem != expected and shipped:
        raise ConfigError(f"{path}: file name must be {expected}.json to match its name and version")
    canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    template = JudgeTemplate(id=expected, sha256=hashlib.sha256(canonical.encode()).hexdigest(), spec=spec)
    if not shipped and (templates_dir() / f"{expected}.json").is_file():
        if load_template(expected).sha256 != template.sha256:
            raise ConfigError(
                f"{path}: claims the id {expected} of a judge template shipped with toolgrad-eval, with other "
                "content; give it another name or version"
            )
    _check_user_text(path, template, variables)
    return template


def _check_user_text(path: Path, template: JudgeTemplate, variables: Collection[str] | None) -> None:
    """The user text compiles, and (``variables`` given) uses no variable the run does not provide."""
    from jinja2 import TemplateSyntaxError, meta

    try:
        compiled = _compiled(template.spec.user)
    except TemplateSyntaxError as exc:
        raise ConfigError(
            f"{path}: judge template {template.id}: its user text is not a valid Jinja template "
            f"({exc.message}, line {exc.lineno})"
        ) from None
    if variables is None:
        return
    used = meta.find_undeclared_variables(compiled.environment.parse(template.spec.user))
    unknown = sorted(used - set(variables))
    if unknown:
        raise ConfigError(
            f"{path}: judge template {template.id} uses the variable {unknown[0]!r}, which this run does not "
            f"provide (it provides {', '.join(variables)})"
        )
