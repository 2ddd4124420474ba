"""The run record's schema, defined once: pydantic models, from which ``docs/run-record.schema.json``
is generated (``python -m toolgrad_eval.record_schema > docs/run-record.schema.json``; a test keeps
the file current), with which records are validated (``validate_record``), and from which the judged
benchmarks' summaries are built.

A run record is a folder with ``summary.json`` (one object) and ``per_sample.jsonl`` (one object
per sample), written by :func:`toolgrad_eval.record.write_run_record`. Every key a summary is written
with is declared here; a record as read may carry more (one made by a later version or by hand: they
are allowed). Rows pin the keys readers use (the rest are the fields of the runners' row dataclasses).
The ``schema`` key names this version; a change that breaks a reader gets a new one.

How a summary is written, per benchmark. ``summary.json`` is ``write_run_record``'s provenance
(``schema``, ``tool_version``, ``created_at``, ``command``), then the runner's part, then the rows'
digest. For ToolGrad-5k and ToolBench the runner's part is a :class:`RecordPart` model
(``Toolgrad5kResult``, ``ToolbenchResult``) that the runner constructs: an undeclared or missing key or a
value of the wrong type is an error where it is built (and a mypy error for a misspelt keyword), and
``RecordPart.record()`` is what is written (the fields given, in declaration order). The full models
(``Toolgrad5kSummary``: the part plus provenance and digest) are what readers check. BFCL scoring never
imports pydantic (~100 ms against a ~1 s run), so its runner builds the pydantic-free frozen dataclass
``bfcl/record_summary.BfclRecordSummary`` (a key missing or unknown is a ``TypeError`` there) and
``BfclResult`` here carries the types, ranges and descriptions: a test fails when the two declare
different keys, and readers check BFCL records with the model when they load them.

The models are applied where records cross a boundary: a judged benchmark's record is checked again before
it is written (``record.write_run_record``: provenance and rows), and every record when it is read for a
report or a diff (``leaderboard/runs.py``: ``summary_problems`` / ``row_problems``, which let a record lack
keys its readers do not need but never hold a value of the wrong type or out of range).
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Iterator, Literal, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, TypeAdapter, ValidationError

SCHEMA_ID = "toolgrad-eval/run/v1"
Fraction = Annotated[float, Field(ge=0, le=1)]
Percent = Annotated[float, Field(ge=0, le=100)]
_P = TypeVar("_P", bound="RecordPart")

# strict: "yes" is not a bool, "3" not a count; NaN and Infinity are not numbers a record may publish
_STRICT = ConfigDict(strict=True, allow_inf_nan=False)


class _Open(BaseModel):
    """A record as read: keys this version does not declare are allowed (a later or hand-made record)."""

    model_config = ConfigDict(extra="allow", **_STRICT)


class RecordPart(BaseModel):
    """A part of a summary that a writer constructs: every key declared, every value of its type."""

    model_config = ConfigDict(extra="forbid", **_STRICT)

    def record(self) -> dict[str, Any]:
        """The keys given, in declaration order, as JSON values (a key with a default is written only when given)."""
        return self.model_dump(by_alias=True, mode="json", exclude_unset=True)

    def with_fields(self: _P, **fields: Any) -> _P:
        """A copy with ``fields`` set, validated like the original."""
        with refused_as_error(f"{type(self).__name__} of {getattr(self, 'model', '?')!r}"):
            return self.model_validate({**self.model_dump(exclude_unset=True), **fields})


@contextmanager
def refused_as_error(what: str) -> Iterator[None]:
    """A summary part its model refuses stops the run with one line (a ToolgradError), before anything is
    written: a value no record may hold (NaN, a count below 0), or a key that drifted from the model."""
    try:
        yield
    except ValidationError as exc:
        from toolgrad_eval.errors import ToolgradError

        problems = "; ".join(_problems(exc, missing=True)[:_SHOWN_PROBLEMS])
        raise ToolgradError(
            f"{what}: the run summary does not match the record schema ({problems}), so no record was written "
            "(paid judgments are in the cache: running again costs nothing)"
        ) from None


class _Provenance(RecordPart):
    """Written by ``record.write_run_record`` for every benchmark (``record.provenance``)."""

    schema_: Literal["toolgrad-eval/run/v1"] = Field(alias="schema", description="Version of this record format.")
    tool_version: str = Field(description="toolgrad-eval version that wrote the record.")
    created_at: str = Field(description="ISO-8601 UTC time of the run.")
    command: str = Field(description="The command line, with API keys removed.")


class _Digest(_Provenance):
    """What ``write_run_record`` adds to a benchmark's part: provenance, and the rows' digest. The last
    base of each full summary model, which reads records: keys it does not declare are allowed there."""

    model_config = ConfigDict(extra="allow")

    per_sample_sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        description=(
            "SHA-256 of the per_sample.jsonl written with this summary: rows that do not match were left by an "
            "interrupted write."
        ),
    )


class _Result(RecordPart):
    """What every benchmark's runner writes."""

    benchmark: str
    model: str = Field(description="The evaluated model's name (its folder under prediction/ or result/).")
    dataset: str = Field(description="The --dataset path as given.")
    synthetic: bool = Field(
        description="True when the dataset declares itself synthetic (demo data, not model results)."
    )
    n_samples: NonNegativeInt = Field(description="Scored samples: test ids, BFCL entries or ToolBench queries.")
    warnings: list[str] = Field(
        default_factory=list, description="Problems with single samples or files; the run went on."
    )


class _Judging(RecordPart):
    """What every judged benchmark records about its judge (the cost meter's keys, ``judge/cost.py``; the
    concurrency and endpoint figures, ``Judge.stats``; the coverage, ``judge/coverage.py``). A judged
    result lists it first among its bases, so that it is written after the benchmark's numbers."""

    judge_model: str
    judge_template: str = Field(
        description="Template id (judges/<id>.json); with its SHA-256, part of every cache key."
    )
    judge_template_sha256: str
    judge_samples: int = Field(ge=1, description="Judgments per sample (--judge-samples).")
    judge_temperature: float
    judge_requests: NonNegativeInt = Field(description="HTTP requests sent to the judge this run.")
    judge_seconds: float = Field(ge=0, description="Wall time spent judging.")
    judge_tokens: dict[str, NonNegativeInt] = Field(
        description="Tokens of every reply received this run, invalid replies included."
    )
    cache_hits: NonNegativeInt
    stored_verdicts: NonNegativeInt = Field(description="Verdicts taken from the prediction files.")
    stored_verdicts_ignored: bool = Field(description="--ignore-stored or --overwrite set stored verdicts aside.")
    n_input_errors: NonNegativeInt
    n_to_judge: NonNegativeInt = Field(description="Samples (prompts, for ToolBench) the cache could not answer.")
    prompt_tokens: NonNegativeInt
    completion_tokens: NonNegativeInt
    cost_usd: float | None = Field(ge=0, description="Paid this run; null when the judge model has no price.")
    cost_saved_usd: float | None = Field(ge=0, description="What the cached verdicts reused this run would have cost.")
    max_cost_usd: float | None = Field(ge=0)
    budget_reached: bool = Field(description="--max-cost stopped the run before every sample was judged.")
    replies_without_usage: NonNegativeInt = Field(description="Judge replies that reported no token usage.")
    price: dict[str, Any] | None = Field(description="The judge model's price per million tokens; null when unknown.")
    concurrency: dict[str, Any] | None = Field(default=None, description="The adaptive concurrency limit's figures.")
    endpoints: list[dict[str, Any]] | None = Field(default=None, description="Per judge endpoint, when several.")
    batch: dict[str, Any] | None = Field(default=None, description="What a --batch run submitted and collected.")
    shared_cache: dict[str, NonNegativeInt] | None = Field(
        default=None, description="Waits for and takeovers of other processes' claims on a shared cache."
    )
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
    partial_reason: str | None = Field(default=None, description="Why the run is partial; null when it is not.")
    overwrite_run_started: str | None = Field(
        default=None, description="--overwrite: when the first attempt of this run started (ISO-8601)."
    )
    overwrite_run_resumed: bool | None = Field(
        default=None, description="--overwrite: an earlier attempt of this run was interrupted and resumed."
    )


class _Toolgrad5kScores(RecordPart):
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
    n_prediction_errors: NonNegativeInt
    qor_judge_std_mean: float | None = Field(
        default=None, description="--judge-samples >= 2: the per-sample standard deviation of QoR, averaged."
    )
    qor_judge_spread_mean: float | None = Field(default=None, description="The per-sample max - min QoR, averaged.")
    qor_judge_std_max: float | None = None
    n_qor_judge_samples: NonNegativeInt | None = Field(default=None, description="Samples in those figures.")


class Toolgrad5kResult(_Judging, _Toolgrad5kScores, _Result):
    """The ToolGrad-5k runner's part of ``summary.json`` (``toolgrad5k/runner.py``), written in the order
    of its fields: what was scored (``_Result``), the numbers, the judge's bookkeeping, the comparison."""

    benchmark: Literal["toolgrad5k"]
    compare: dict[str, Any] | None = Field(default=None, description="--compare_model: paired t-tests per metric.")


class Toolgrad5kSummary(Toolgrad5kResult, _Digest):
    """``summary.json`` of a ToolGrad-5k run."""

    model_config = ConfigDict(extra="allow")


class _ToolbenchScores(RecordPart):
    test_sets: list[str] = Field(description="Test sets scored (G1_instruction, ...), in order.")
    missing_test_sets: list[str] = Field(description="Test sets of the dataset this model has no answers for.")
    reference_model: str | None = Field(default=None, description="--reference_model: the win rate's reference.")
    sopr: dict[str, Percent | None] = Field(description="Solvable Pass Rate in percent, per test set and 'average'.")
    sopr_std: dict[str, float | None] = Field(description="Standard deviation of SoPR over the judging rounds.")
    sopr_ci: dict[str, list[float] | None] = Field(description="95% bootstrap CI over queries, [low, high].")
    sopr_rounds: dict[str, list[float]] = Field(description="SoPR of each judging round, per test set.")
    sopr_n: dict[str, NonNegativeInt] = Field(description="Queries per test set.")
    n_scored: NonNegativeInt
    n_unsolved_by_rule: NonNegativeInt = Field(description="Queries Unsolved without a judge (no Finish, gave up).")
    n_missing_answers: NonNegativeInt
    sowr: dict[str, Percent | None] | None = Field(
        default=None,
        description=("Solvable Win Rate against reference_model in percent (ties as StableToolBench counts them)."),
    )
    sowr_ci: dict[str, list[float] | None] | None = None
    sowr_tie: dict[str, float | None] | None = None
    sowr_loss: dict[str, float | None] | None = None
    sowr_n: dict[str, NonNegativeInt] | None = None
    n_preference_errors: NonNegativeInt | None = None
    stored_preferences: NonNegativeInt | None = None
    preference_requests: NonNegativeInt | None = None
    preference_cache_hits: NonNegativeInt | None = None
    reference: dict[str, Any] | None = Field(default=None, description="The reference model's SoPR, as sopr*.")


class ToolbenchResult(_Judging, _ToolbenchScores, _Result):
    """The ToolBench runner's part of ``summary.json`` (``toolbench/runner.py``), written in the order of
    its fields: what was scored (``_Result``), the numbers, the judge's bookkeeping, the protocol."""

    benchmark: Literal["toolbench"]
    strict: bool = Field(description="--strict: a query without a readable answer counts Unsolved.")
    pass_protocol: str = Field(description="How the pass-rate judge is asked (ToolEval's two steps, or one request).")
    judge_seeds: list[int | None] = Field(description="The seed sent in each judging round.")
    details_template: str | None = Field(default=None, description="The two-step protocol's second template.")
    details_template_sha256: str | None = None
    preference_template: str | None = None
    preference_template_sha256: str | None = None
    preference_temperature: float | None = None
    preference_protocol: str | None = None


class ToolbenchSummary(ToolbenchResult, _Digest):
    """``summary.json`` of a ToolBench run."""

    model_config = ConfigDict(extra="allow")


class BfclCategory(BaseModel):
    model_config = ConfigDict(strict=True, allow_inf_nan=False)

    accuracy: Fraction
    correct_count: NonNegativeInt
    total_count: NonNegativeInt
    score_file: str = Field(description="BFCL's own score file for the category, relative to the record.")


class BfclResult(_Result):
    """The BFCL runner's part of ``summary.json``: its keys are declared for the runner in
    ``bfcl/record_summary.py`` (no pydantic on the BFCL path); a test keeps the two the same."""

    benchmark: Literal["bfcl"]
    data_version: Literal["v3", "v4"]
    data_source: str
    result_dir: str | None = Field(default=None, description="The model's result folder that was scored.")
    score_dir: str | None = Field(default=None, description="BFCL's own score files, relative to the record.")
    leaderboard_csvs: list[str] = Field(default_factory=list, description="BFCL's leaderboard CSVs written.")
    generation: dict[str, Any] | None = Field(
        default=None, description="How the results were generated, when this tool generated them."
    )
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
    question_data: dict[str, str] | None = Field(
        default=None,
        description=(
            "Per category scored, 'sha256:<hex>' of the question file it was scored against: diff pairs "
            "two runs only where the categories both scored have the same questions."
        ),
    )
    conventions: dict[str, Any] = Field(
        description=(
            "How outputs were decoded: the registry model, its handler, FC or prompt, underscore_to_dot, decoder family."
        )
    )
    formats: dict[str, str] = Field(default_factory=dict, description="Decoding used per category.")
    not_scored: list[str] = Field(
        default_factory=list, description="Result files found but not scored (multi-turn, agentic)."
    )
    prerequisites_ignored: list[str] = Field(
        default_factory=list, description="Agentic memory prerequisite result files (set-up turns, not scored)."
    )


class BfclSummary(BfclResult, _Digest):
    """``summary.json`` of a BFCL run."""

    model_config = ConfigDict(extra="allow")


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


def _problems(exc: ValidationError, skip: int = 0, *, missing: bool = False) -> list[str]:
    """The errors (a missing key only with ``missing``), as ``where: what`` (the input cut short)."""
    out = []
    for error in exc.errors(include_url=False):
        if missing or error["type"] != "missing":
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
