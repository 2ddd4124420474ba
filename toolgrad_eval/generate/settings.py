"""The generation settings recorded beside a generated run, and what scoring reads from them.

``toolgrad-eval generate`` writes ``RUN/result/<model>/toolgrad-generate.json``: how the result files
were made (mode, name mangling, prompt and its hash, model, sampling settings) and, per invocation,
how many entries each server answered. Scoring reads it so that a generated run is decoded the way
it was generated with no flag: FC mode stored OpenAI-style calls with JSON-text arguments and names
with ``.`` written as ``_``; prompt mode stored the model's text, read with the shared prompting
decoder. A resumed run must have the same settings, or its results would mix two ways of asking.

The file is ours, in a folder other tools write too: it is checked with a strict pydantic schema
(imported only when the file exists: every BFCL scoring run looks for it), and a file that does not
validate is an error naming it. In memory the settings are plain dataclasses.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from toolgrad_eval.errors import InputFileError
from toolgrad_eval.fileio import atomic_write_json, read_json

if TYPE_CHECKING:
    from toolgrad_eval.bfcl.data import BfclData

__all__ = [
    "SETTINGS_FILE",
    "GenerationSettings",
    "Invocation",
    "PromptInfo",
    "check_question_data",
    "read_settings",
    "scoring_format",
    "write_settings",
]

SETTINGS_FILE = "toolgrad-generate.json"
SCHEMA = "toolgrad-eval/generate/v1"
MAX_INVOCATIONS = 100  # invocations kept in the file (a run resumed many times keeps its latest ones)

Mode = Literal["fc", "prompt"]


@dataclass(frozen=True)
class PromptInfo:
    source: Literal["official", "toolgrad", "file"]
    origin: str  # the file it was read from, or "built in"
    sha256: str
    doc_style: Literal["json-indent-4", "python-repr"]


@dataclass(frozen=True)
class Invocation:
    """One ``generate`` command over this folder: what it sent and who answered."""

    started_at: str
    finished_at: str | None = None
    sent: int = 0  # entries sent this time (entries already in the files were skipped)
    errors: int = 0  # of them, recorded as errors
    servers: list[dict[str, Any]] = field(default_factory=list)  # url (redacted), requests, served, failures
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True)
class GenerationSettings:
    """What decides the content of the result files; a resumed run must match it exactly."""

    model: str  # the name sent to the server
    mode: Mode
    dots_to_underscores: bool  # FC mode: function names sent (and answered) with "." written as "_"
    bfcl_version: Literal["v3", "v4"]
    bfcl_eval_release: str
    temperature: float
    max_tokens: int | None
    system_prompt: PromptInfo | None  # prompt mode only
    tool_version: str
    invocations: tuple[Invocation, ...] = ()
    # {category: "sha256:<hex>"} of the question files the results answer (absent in older files);
    # compared per category (a resume may add categories), so not part of identity()
    question_data: dict[str, str] = field(default_factory=dict)

    def identity(self) -> dict[str, Any]:
        """The fields a resumed run must share with the files' first run."""
        data = self.as_dict()
        for key in ("invocations", "tool_version", "schema", "question_data"):
            data.pop(key)
        if data["system_prompt"]:  # the same prompt read from another copy of bfcl-eval is the same prompt
            data["system_prompt"].pop("origin")
        return data

    def as_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            **dataclasses.asdict(self),
            "invocations": [dataclasses.asdict(i) for i in self.invocations],
        }


def settings_path(model_dir: Path) -> Path:
    return Path(model_dir) / SETTINGS_FILE


def read_settings(model_dir: Path) -> GenerationSettings | None:
    """The settings of a generated run folder; None when it was not made by ``generate``."""
    path = settings_path(model_dir)
    if not path.is_file():
        return None
    raw = read_json(path)
    from pydantic import ValidationError

    try:
        checked = _schema().model_validate(raw).model_dump(by_alias=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise InputFileError(path, f"not a toolgrad-eval generation settings file: {where}: {first['msg']}") from None
    checked.pop("schema")
    prompt = checked.pop("system_prompt")
    invocations = tuple(Invocation(**i) for i in checked.pop("invocations"))
    return GenerationSettings(
        **checked, system_prompt=PromptInfo(**prompt) if prompt else None, invocations=invocations
    )


def write_settings(model_dir: Path, settings: GenerationSettings) -> None:
    kept = dataclasses.replace(settings, invocations=settings.invocations[-MAX_INVOCATIONS:])
    atomic_write_json(settings_path(model_dir), kept.as_dict())


def check_question_data(settings: GenerationSettings, model_dir: Path, data: BfclData, categories: list[str]) -> None:
    """Refuse to score generated results against other question data than they answer (one line):
    the scorer's ``data`` for the ``categories`` it scores."""
    for category in categories:
        recorded = settings.question_data.get(category)
        if recorded is None:  # generated by an older version: nothing to compare
            continue
        digest = data.question_digest(category)
        if digest != recorded:
            path = data.question_file(category)
            raise InputFileError(
                path,
                f"not the question data {model_dir} was generated from ({category}: {recorded[:19]}, "
                f"this file {digest[:19]}); score with the data it was generated with (--bfcl-data), "
                "or generate again with this data (--overwrite)",
            )


def scoring_format(settings: GenerationSettings) -> tuple[str, bool]:
    """How scoring reads a generated run: (``--format`` value, ``underscore_to_dot``).

    FC mode stored ``[{name: "<JSON arguments>"}]`` (or the text when no call came back), exactly
    what the official OpenAI function-calling handler stores: the ``openai-fc`` reading. Prompt mode
    stored text in BFCL's prompted call syntax: the shared prompting decoder (``python``)."""
    if settings.mode == "fc":
        return "openai-fc", settings.dots_to_underscores
    return "python", False


@functools.lru_cache(maxsize=1)
def _schema() -> Any:
    from pydantic import BaseModel, ConfigDict, Field

    class Strict(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)

    class PromptFile(Strict):
        source: Literal["official", "toolgrad", "file"]
        origin: str
        sha256: str
        doc_style: Literal["json-indent-4", "python-repr"]

    class InvocationFile(Strict):
        started_at: str
        finished_at: str | None = None
        sent: int = Field(0, ge=0)
        errors: int = Field(0, ge=0)
        servers: list[dict[str, Any]] = Field(default_factory=list)
        prompt_tokens: int = Field(0, ge=0)
        completion_tokens: int = Field(0, ge=0)

    class SettingsFile(Strict):
        model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)
        schema_: Literal["toolgrad-eval/generate/v1"] = Field(alias="schema")
        model: str
        mode: Literal["fc", "prompt"]
        dots_to_underscores: bool
        bfcl_version: Literal["v3", "v4"]
        bfcl_eval_release: str
        temperature: float
        max_tokens: int | None
        system_prompt: PromptFile | None
        tool_version: str
        invocations: list[InvocationFile] = Field(default_factory=list)
        question_data: dict[str, str] = Field(default_factory=dict)

    return SettingsFile
