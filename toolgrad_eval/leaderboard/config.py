"""Reported reference numbers and the model configuration, as validated data files.

``benchmarks/reported/*.json`` hold numbers exactly as their source prints them, with where they
came from; ``benchmarks/models.json`` names the reported models, maps reproduced run names onto
them and lists the base -> fine-tune pairs. Both ship in the wheel as ``toolgrad_eval.benchmarks``.
"""

from __future__ import annotations

import datetime as _dt
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from toolgrad_eval.errors import ConfigError, InputFileError
from toolgrad_eval.fileio import loads_bounded, read_json
from toolgrad_eval.leaderboard.columns import COLUMNS

REPORTED_SCHEMA = "toolgrad-eval/reported/v1"
MODELS_SCHEMA = "toolgrad-eval/models/v1"
PACKAGE = "toolgrad_eval.benchmarks"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Provenance(_Strict):
    """Where reported numbers come from; ``date`` is the day they were copied from the source."""

    label: str = Field(min_length=1, max_length=40)  # short name shown in table rows
    source: str = Field(min_length=1)
    url: str
    date: _dt.date
    notes: str = ""

    @field_validator("url")
    @classmethod
    def _https(cls, url: str) -> str:
        if not url.startswith("https://"):
            raise ValueError("must be an https:// address")
        return url


class Correction(_Strict):
    """Values stored differently from how the source prints them (column -> printed value), and why."""

    printed: dict[str, float] = Field(min_length=1)
    reason: str = Field(min_length=1)


class ReportedRow(_Strict):
    model: str = Field(min_length=1)
    values: dict[str, float]
    corrections: list[Correction] = []
    notes: str = ""


class ReportedFile(_Strict):
    schema_: Literal["toolgrad-eval/reported/v1"] = Field(alias="schema")
    benchmark: Literal["bfcl", "toolgrad5k", "toolbench"]
    benchmark_version: str = Field(min_length=1)
    provenance: Provenance
    rows: list[ReportedRow] = Field(min_length=1)

    @model_validator(mode="after")
    def _columns_known(self) -> "ReportedFile":
        columns = {col.key: col for col in COLUMNS[self.benchmark]}
        for row in self.rows:
            for key, value in row.values.items():
                if key not in columns:
                    raise ValueError(
                        f"row {row.model!r}: {self.benchmark} has no column {key!r} (known: {', '.join(columns)})"
                    )
                low, high = columns[key].reported_range
                if not low <= value <= high:
                    raise ValueError(f"row {row.model!r}: {key} = {value} is outside {low}..{high}")
            for fix in row.corrections:
                for key in fix.printed:
                    if key not in row.values:
                        raise ValueError(f"row {row.model!r}: correction names {key!r}, which the row has no value for")
        return self


class ModelInfo(_Strict):
    label: str = Field(min_length=1)
    url: str | None = None
    notes: str = ""


class Pair(_Strict):
    base: str
    fine_tune: str


class ModelsFile(_Strict):
    """Reported models, run-name -> model mapping, and base -> fine-tune pairs."""

    schema_: Literal["toolgrad-eval/models/v1"] = Field(alias="schema")
    notes: str = ""
    models: dict[str, ModelInfo]
    match: dict[str, str] = {}
    pairs: list[Pair] = []

    @model_validator(mode="after")
    def _references_known(self) -> "ModelsFile":
        for run_name, model in self.match.items():
            if model not in self.models:
                raise ValueError(f"match {run_name!r} -> {model!r}: no such model in 'models'")
        for pair in self.pairs:
            for model in (pair.base, pair.fine_tune):
                if model not in self.models:
                    raise ValueError(f"pair {pair.base!r} -> {pair.fine_tune!r}: no model {model!r} in 'models'")
        return self


_M = TypeVar("_M", bound=BaseModel)


def _validate(kind: type[_M], data: Any, source: str) -> _M:
    try:
        return kind.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "top level"
        raise ConfigError(f"{source}: does not match the {kind.__name__} schema at {where}: {first['msg']}") from None


def parse_reported(data: Any, source: str) -> ReportedFile:
    return _validate(ReportedFile, data, source)


def parse_models(data: Any, source: str) -> ModelsFile:
    return _validate(ModelsFile, data, source)


def load_models_file(path: Path) -> ModelsFile:
    return parse_models(read_json(path), str(path))


def load_reported_file(path: Path) -> ReportedFile:
    return parse_reported(read_json(path), str(path))


def check_reported_models(models: ModelsFile, files: list[tuple[str, ReportedFile]]) -> None:
    """Every reported row names a configured model, and no model is reported twice per benchmark."""
    seen: dict[tuple[str, str], str] = {}
    for source, reported in files:
        for row in reported.rows:
            if row.model not in models.models:
                raise ConfigError(f"{source}: row model {row.model!r} is not listed in models.json")
            key = (reported.benchmark, row.model)
            if key in seen:
                raise ConfigError(f"{source}: {row.model!r} on {reported.benchmark} is already reported in {seen[key]}")
            seen[key] = source


def load_packaged() -> tuple[ModelsFile, list[tuple[str, ReportedFile]]]:
    """The models config and every reported file shipped with the package, as (name, file) pairs."""
    root = resources.files(PACKAGE)
    models_entry = root / "models.json"
    models = parse_models(_read_entry(models_entry, "benchmarks/models.json"), "benchmarks/models.json")
    reported: list[tuple[str, ReportedFile]] = []
    folder = root / "reported"
    if folder.is_dir():
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".json"):
                name = f"benchmarks/reported/{entry.name}"
                reported.append((name, parse_reported(_read_entry(entry, name), name)))
    check_reported_models(models, reported)
    return models, reported


def _read_entry(entry: Any, name: str) -> Any:
    try:
        text = entry.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(name, f"cannot read packaged data ({exc})") from None
    return loads_bounded(text, name)
