"""The run record's schema, defined once: pydantic models, from which ``docs/run-record.schema.json``
is generated (``python -m toolgrad_eval.record_schema > docs/run-record.schema.json``; a test keeps
the file current) and with which records are validated (``validate_record``).

A run record is a folder with ``summary.json`` (one object) and ``per_sample.jsonl`` (one object
per sample), written by :func:`toolgrad_eval.record.write_run_record`. Only the keys other tools
rely on are pinned here; a summary may carry more (they are allowed, and documented where they are
made). The ``schema`` key names this version; a change that breaks a reader gets a new one.

The models are applied where records cross a boundary: a judged benchmark's record is checked before
it is written (``record.write_run_record``), and every record when it is read for a report or a diff
(``leaderboard/runs.py``: ``summary_problems`` / ``row_problems``, which let a record lack keys its
readers do not need but never hold a value of the wrong type or out of range). Not imported on the BFCL
scoring path: pydantic's import would cost every BFCL run ~100 ms.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, TypeAdapter, ValidationError

SCHEMA_ID = "toolgrad-eval/run/v1"
Fraction = Annotated[float, Field(ge=0, le=1)]


class _Open(BaseModel):
    # strict: "yes" is not a bool, "3" not a count; NaN and Infinity are not numbers a record may publish
    model_config = ConfigDict(extra="allow", strict=True, allow_inf_nan=False)


class _Summary(_Open):
    schema_: Literal["toolgrad-eval/run/v1"] = Field(alias="schema", description="Version of this record format.")
    model: str = Field(description="The evaluated model's name (its folder under prediction/ or result/).")
    dataset: str = Field(description="The --dataset path as given.")
    synthetic: bool = Field(
        description="True when the dataset declares itself synthetic (demo data, not model results)."
    )
    n_samples: NonNegativeInt = Field(description="Scored samples: test ids, BFCL entries or ToolBench queries.")
    tool_version: str = Field(description="toolgrad-eval version that wrote the record.")
    created_at: str = Field(description="ISO-8601 UTC time of the run.")
    command: str = Field(description="The command line, with API keys removed.")
    per_sample_sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        description=(
            "SHA-256 of the per_sample.jsonl written with this summary: rows that do not match were left by an "
            "interrupted write."
        ),
    )
    warnings: list[str] = Field(
        default_factory=list, description="Problems with single samples or files; the run went on."
    )


class _Judged(_Summary):
    """What every judged benchmark records about its judge."""

    judge_model: str
    judge_template: str = Field(
        description="Template id (judges/<id>.json); with its SHA-256, part of every cache key."
    )
    judge_template_sha256: str
    judge_samples: int = Field(ge=1, description="Judgments per sample (--judge-samples).")
    judge_requests: NonNegativeInt = Field(description="HTTP requests sent to the judge this run.")
    cache_hits: NonNegativeInt
    stored_verdicts: NonNegativeInt = Field(description="Verdicts taken from the prediction files.")
    prompt_tokens: NonNegativeInt
    completion_tokens: NonNegativeInt
    cost_usd: float | None = Field(ge=0, description="Paid this run; null when the judge model has no price.")
    cost_saved_usd: float | None = Field(
        default=None, ge=0, description="What the cached verdicts reused this run would have cost."
    )
    max_cost_usd: float | None = Field(default=None, ge=0)
    budget_reached: bool = Field(description="--max-cost stopped the run before every sample was judged.")
    n_judge_errors: NonNegativeInt
    n_not_judged: NonNegativeInt = Field(description="Samples left unjudged by --max-cost (left out of the means).")
    partial: bool = Field(
        default=False,
        description=(
            "The means are not a result: judge errors above max_judge_errors, or samples left unjudged by "
            "--max-cost (the command exits 4 or 3; the report marks the judged values 'partial: n of N judged')."
        ),
    )
    n_judged: NonNegativeInt | None = Field(default=None, description="Samples with a verdict: the n of the means.")
    n_needing_judgment: NonNegativeInt | None = Field(
        default=None, description="Samples that needed a verdict (readable inputs): the N of 'n of N judged'."
    )
    max_judge_errors: Fraction | None = Field(
        default=None, description="--max-judge-errors: the share of judge errors above which the run is partial."
    )


class Toolgrad5kSummary(_Judged):
    benchmark: Literal["toolgrad5k"]
    split: str
    response_key: str
    recall: Fraction | None = Field(description="Mean tool recall over samples with a readable prediction.")
    precision: Fraction | None
    success_rate: Fraction | None = Field(description="Mean share of successful calls (see success_rate_mode).")
    qor: float | None = Field(
        description=(
            "Mean QoR over judged samples: the judge's scores clipped to 0..100, verdicts stored in prediction files "
            "used as given (as the reference evaluator does)."
        )
    )
    success_rate_mode: Literal["reference", "strict"]
    n_success_rate: NonNegativeInt = Field(description="Samples in the Success Rate mean.")
    n_qor: NonNegativeInt = Field(description="Samples in the QoR mean.")
    n_input_errors: NonNegativeInt
    n_prediction_errors: NonNegativeInt
    n_to_judge: NonNegativeInt
    compare: dict[str, Any] | None = Field(default=None, description="--compare_model: paired t-tests per metric.")


class BfclCategory(BaseModel):
    model_config = ConfigDict(strict=True, allow_inf_nan=False)

    accuracy: Fraction
    correct_count: NonNegativeInt
    total_count: NonNegativeInt
    score_file: str = Field(description="BFCL's own score file for the category, relative to the record.")


class BfclSummary(_Summary):
    benchmark: Literal["bfcl"]
    data_version: Literal["v3", "v4"]
    data_source: str
    categories: dict[str, BfclCategory] = Field(description="Categories scored (single-turn, agentic), by v4 name.")
    aggregates: dict[str, Fraction | None] = Field(
        description=(
            "The model-card columns (BFCL's overall formulas); null when a category a column needs is missing."
        )
    )
    overall: dict[str, Any] | None = Field(
        default=None,
        description=(
            "BFCL's Overall Accuracy (a category not scored counts 0, as BFCL counts it): accuracy, "
            "label ('partial' when a category was not scored), missing_categories, and per part its "
            "accuracy, weight and scored/missing categories."
        ),
    )
    error_types: dict[str, NonNegativeInt] = Field(description="Failed entries per BFCL error_type.")
    conventions: dict[str, Any] = Field(
        description=(
            "How outputs were decoded: the registry model, its handler, FC or prompt, underscore_to_dot, decoder family."
        )
    )
    formats: dict[str, str] = Field(default_factory=dict, description="Decoding used per category.")
    not_scored: list[str] = Field(
        default_factory=list, description="Result files found but not scored (multi-turn, agentic)."
    )


Percent = Annotated[float, Field(ge=0, le=100)]


class ToolbenchSummary(_Judged):
    benchmark: Literal["toolbench"]
    test_sets: list[str] = Field(description="Test sets scored (G1_instruction, ...), in order.")
    sopr: dict[str, Percent | None] = Field(description="Solvable Pass Rate in percent, per test set and 'average'.")
    sopr_std: dict[str, float | None] = Field(description="Standard deviation of SoPR over the judging rounds.")
    sopr_ci: dict[str, list[float] | None] = Field(description="95% bootstrap CI over queries, [low, high].")
    sopr_n: dict[str, NonNegativeInt] = Field(description="Queries per test set.")
    reference_model: str | None = Field(default=None, description="--reference_model: the win rate's reference.")
    sowr: dict[str, Percent | None] | None = Field(
        default=None,
        description=("Solvable Win Rate against reference_model in percent (ties as StableToolBench counts them)."),
    )


RunSummary = Annotated[Union[Toolgrad5kSummary, BfclSummary, ToolbenchSummary], Field(discriminator="benchmark")]


class Toolgrad5kRow(_Open):
    id: str
    recall: Fraction | None
    precision: Fraction | None
    success_rate: Fraction | None = Field(description="Null when the sample drops out of that mean.")
    qor: float | None = Field(description="Null on a judge error or when not judged; a stored verdict as given.")
    verdict_source: Literal["stored", "cache", "judge", "batch", "none"]
    judge_reason: str | None
    prediction_error: str | None
    judge_error: str | None
    input_error: str | None


class ToolbenchRow(_Open):
    id: str = Field(description="<test set>/<query id>.")
    test_set: str
    query_id: str
    statuses: list[Literal["Solved", "Unsure", "Unsolved"]] | None = Field(
        description="One verdict per judging round; null on a judge error."
    )
    score: Annotated[float, Field(ge=0, le=1)] | None = Field(
        description="Solved 1, Unsure 0.5, Unsolved 0, averaged over rounds."
    )
    verdict_source: str
    preference: Literal["win", "tie", "loss"] | None = Field(default=None, description="Against the reference model.")


class BfclRow(_Open):
    id: str
    category: str
    valid: bool
    error_type: str | None = Field(description="BFCL's error_type for a failed entry, null when it passed.")
    error: list[str] | str | None


_SUMMARY = TypeAdapter(RunSummary)
_ROWS: dict[str, TypeAdapter[Any]] = {
    "toolgrad5k": TypeAdapter(Toolgrad5kRow),
    "bfcl": TypeAdapter(BfclRow),
    "toolbench": TypeAdapter(ToolbenchRow),
}


def validate_record(folder: Path) -> BaseModel:
    """Read and validate the run record in ``folder`` (its summary and every row); raise
    ``pydantic.ValidationError`` or ``ValueError`` on the first problem. Returns the summary."""
    summary = _SUMMARY.validate_json((folder / "summary.json").read_bytes())
    rows = _ROWS.get(summary.benchmark)
    if rows is not None:
        for n, line in enumerate((folder / "per_sample.jsonl").read_text(encoding="utf-8").splitlines(), 1):
            try:
                rows.validate_json(line)
            except ValueError as exc:
                raise ValueError(f"{folder / 'per_sample.jsonl'}:{n}: {exc}") from None
    return summary


# What a reader cannot do without. Other keys a record may lack (one written before they were added, one
# made by hand) are checked only when present: wrong types and values out of range are problems.
_REQUIRED_SUMMARY = ("schema", "benchmark", "model")
_REQUIRED_ROW = {
    "toolgrad5k": ("id", "recall", "qor"),
    "bfcl": ("id", "category", "valid"),
    "toolbench": ("id", "test_set", "score"),
}
_SHOWN_PROBLEMS = 3


def _problems(exc: ValidationError, skip: int = 0) -> list[str]:
    """The errors that are not a missing key, as ``where: what`` (at most a few, the input cut short)."""
    out = []
    for error in exc.errors(include_url=False):
        if error["type"] != "missing":
            where = ".".join(str(part) for part in error["loc"][skip:]) or "the record"
            out.append(f"{where}: {error['msg']}")
    return out


def summary_problems(summary: dict[str, Any]) -> list[str]:
    """What in a loaded ``summary.json`` object breaks the schema (a value of the wrong type or out of
    range, a benchmark not ours); keys it lacks are not problems unless a reader needs them."""
    missing = [f"{key}: missing" for key in _REQUIRED_SUMMARY if key not in summary]
    if missing:
        return missing
    try:
        _SUMMARY.validate_python(summary)
    except ValidationError as exc:
        # the first part of each location is the benchmark (the union's tag): left out
        return _problems(exc, skip=1)[:_SHOWN_PROBLEMS]
    return []


def row_problems(benchmark: str, row: dict[str, Any]) -> list[str]:
    """What in one per-sample row breaks the row model of ``benchmark`` (a row of another benchmark
    lacks keys its readers need: a summary claiming another benchmark than its rows)."""
    missing = [f"{key}: missing" for key in _REQUIRED_ROW.get(benchmark, ()) if key not in row]
    if missing:
        return missing
    adapter = _ROWS.get(benchmark)
    if adapter is None:
        return []
    try:
        adapter.validate_python(row)
    except ValidationError as exc:
        return _problems(exc)[:_SHOWN_PROBLEMS]
    return []


class RunRecord(BaseModel):
    """A run-record folder: ``summary.json`` is ``summary``, each line of ``per_sample.jsonl`` one of ``rows``."""

    summary: RunSummary
    rows: list[Union[Toolgrad5kRow, BfclRow, ToolbenchRow]] = Field(
        description="The row model of the summary's benchmark."
    )


def json_schema() -> dict[str, Any]:
    """The JSON Schema published in ``docs/run-record.schema.json``."""
    schema = RunRecord.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


if __name__ == "__main__":
    sys.stdout.write(json.dumps(json_schema(), indent=2, sort_keys=True) + "\n")
