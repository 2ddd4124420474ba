"""Run records: the single source of truth for one evaluated model on one benchmark.

A run record is a folder holding two files, written atomically:

``summary.json``
    One JSON object. Common keys for every benchmark::

        schema          "toolgrad-eval/run/v1"
        benchmark       "toolgrad5k" | "bfcl"
        model           the evaluated model's name (the folder name under prediction/ or result/)
        dataset         the --dataset path as given
        synthetic       true when the dataset declares itself synthetic (demo data)
        n_samples       number of scored samples (test ids / BFCL entries)
        tool_version    toolgrad-eval version
        created_at      ISO-8601 UTC time of the run
        command         the command line, API keys never included
        per_sample_sha256  SHA-256 of the per_sample.jsonl written with it (a record whose rows
                        do not match was left by an interrupted write)

    ToolGrad-5k adds ``recall``, ``precision``, ``success_rate``, ``qor`` (QoR on 0..100, the
    others on 0..1), ``success_rate_mode``, ``n_success_rate`` (samples in the Success Rate mean),
    ``n_qor``, ``n_input_errors``, ``n_prediction_errors``, ``n_judge_errors``, ``n_not_judged``
    (left unjudged by --max-cost), ``n_to_judge``, ``judge_requests`` (HTTP requests this run),
    ``judge_seconds`` (from the first sample that needed the judge to the last verdict: the SDK's
    start-up and the reading of later samples included), ``judge_tokens``, ``prompt_tokens``,
    ``completion_tokens``, ``cost_usd`` (replies that reported no usage at their estimate:
    ``replies_without_usage``), ``cost_saved_usd``, ``max_cost_usd``, ``budget_reached``,
    ``price``, ``judge_samples``, ``judge_temperature``, ``concurrency``, ``cache_hits``,
    ``stored_verdicts``, ``stored_verdicts_ignored`` (--overwrite or --ignore-stored),
    ``judge_model``, ``judge_template``, ``judge_template_sha256``, ``split``, ``response_key``
    and, when relevant, ``endpoints``, ``batch``, ``overwrite_run_started`` and
    ``overwrite_run_resumed`` (--overwrite), ``qor_judge_*`` (judge-noise statistics with
    --judge-samples) and ``compare`` (--compare_model).

    BFCL adds ``data_version`` ("v3" | "v4"), ``categories`` ({category: {accuracy,
    correct_count, total_count, score_file}}), ``aggregates`` (the model-card columns, each
    a number in [0, 1] or null when a category it needs is missing), ``data_source``,
    ``formats``, ``error_types``, ``warnings``, ``not_scored`` and ``leaderboard_csvs``.

``per_sample.jsonl``
    One JSON object per sample. ToolGrad-5k rows: ``id``, ``recall``, ``precision``,
    ``success_rate`` (null when the sample drops out of that mean), ``qor`` (null on a judge
    error), ``verdict_source`` ("stored" | "cache" | "judge" | "batch" | "none"),
    ``judge_reason``, ``response_scores``, ``num_requests``, ``prediction_error``,
    ``judge_error``, ``input_error``, ``not_judged``, ``qor_samples``, ``qor_std``,
    ``qor_spread``, ``judge_tokens`` (prompt/completion tokens paid this run for the sample's
    verdict; null when it came from the cache or a stored verdict), ``query`` and ``response``
    (both truncated for display). BFCL rows: ``id``, ``category``, ``valid``,
    ``error_type``, ``error``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import shlex
import sys
from pathlib import Path
from typing import Any, Iterable, Mapping

from toolgrad_eval import __version__
from toolgrad_eval.fileio import atomic_write_text, remove_stale_temporaries
from toolgrad_eval.redact import redact_url

SCHEMA = "toolgrad-eval/run/v1"
SUMMARY_FILE = "summary.json"
PER_SAMPLE_FILE = "per_sample.jsonl"

_SECRET_FLAGS = ("--api-key", "--api_key", "--openai-api-key")


def redacted_command(argv: Iterable[str] | None = None) -> str:
    """The command line as typed, with the value of any key-like option replaced."""
    args = list(sys.argv if argv is None else argv)
    out: list[str] = []
    hide_next = False
    for arg in args:
        if hide_next:
            out.append("***")
            hide_next = False
            continue
        name, eq, _ = arg.partition("=")
        if name in _SECRET_FLAGS:
            if eq:
                out.append(f"{name}=***")
            else:
                out.append(arg)
                hide_next = True
            continue
        if arg.startswith("sk-"):
            out.append("***")
            continue
        out.append(redact_url(arg))
    if out:
        out[0] = Path(out[0]).name
    return shlex.join(out)


def provenance() -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "tool_version": __version__,
        "created_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "command": redacted_command(),
    }


def refuse_other_models_record(output: Path, benchmark: str, model: str, overwrite: bool) -> None:
    """A run-record folder holding another model's record (an --output shared by mistake, two names
    that used to map to one folder) is not replaced without --overwrite."""
    try:
        existing = json.loads((output / SUMMARY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none yet, or unreadable: nothing worth keeping
        return
    if not isinstance(existing, dict) or overwrite:
        return
    other, other_benchmark = existing.get("model"), existing.get("benchmark")
    if isinstance(other, str) and (other, other_benchmark) != (model, benchmark):
        from toolgrad_eval.errors import ConfigError

        raise ConfigError(f"{output}: holds the {other_benchmark} run record of {other!r}; not replacing it with "
                          f"{model!r}'s (choose another --output, or pass --overwrite)")


def write_run_record(output: Path, summary: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]) -> None:
    """Serialise both files first (a value JSON cannot hold fails before anything is replaced),
    then write the rows, then the summary, so a summary never points at missing rows. The summary
    carries the rows' SHA-256: a crash between the two writes leaves new rows beside the old
    summary, which readers can tell (``rows_match_summary``)."""
    rows_text = "".join(json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n" for row in rows)
    summary_text = json.dumps({**provenance(), **summary, "per_sample_sha256": _digest(rows_text)},
                              indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    for name, text in ((PER_SAMPLE_FILE, rows_text), (SUMMARY_FILE, summary_text)):
        remove_stale_temporaries(output / name)
        atomic_write_text(output / name, text)


def rows_match_summary(summary: Mapping[str, Any], rows_text: str) -> bool:
    """False when the summary names other rows than these (records from before the digest match)."""
    digest = summary.get("per_sample_sha256")
    return not isinstance(digest, str) or _digest(rows_text) == digest


def _digest(rows_text: str) -> str:
    return hashlib.sha256(rows_text.encode("utf-8")).hexdigest()
