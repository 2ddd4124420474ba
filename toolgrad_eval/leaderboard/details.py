"""What a model's page shows: error types with counts, failing entries, judge reasons.

Everything here is model or judge text, so it is hostile: it is cleaned of characters that
cannot be written as UTF-8 (a lone surrogate in a BFCL score file crashes BFCL's own writer) and
truncated for display. Escaping is the renderer's job (jinja2 autoescape).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from toolgrad_eval.bfcl.categories import NO_ANSWER, to_v4
from toolgrad_eval.errors import InputFileError
from toolgrad_eval.fileio import loads_bounded
from toolgrad_eval.leaderboard.runs import Run
from toolgrad_eval.leaderboard.text import clean_text
from toolgrad_eval.leaderboard.toolbench import QueryView, toolbench_queries

# Failing entries listed per run (the counts always cover all of them): a few of every error
# type rather than the first few hundred, which would all be one category.
MAX_FAILURES = 300
MAX_PER_ERROR_TYPE = 30


@dataclass(frozen=True)
class Failure:
    """A failed BFCL entry as the official-format score file describes it."""

    id: str
    category: str
    error_type: str
    reason: str
    question: str
    output: str
    expected: str


@dataclass(frozen=True)
class SampleView:
    """One ToolGrad-5k sample: rule metrics, the judge's reason and the texts it judged."""

    id: str
    recall: float | None
    success_rate: float | None
    qor: float | None
    judge_reason: str
    query: str
    response: str
    error: str


@dataclass(frozen=True)
class RunDetails:
    run: Run
    error_counts: list[tuple[str, int]]
    failures: list[Failure] = field(default_factory=list)
    samples: list[SampleView] = field(default_factory=list)
    n_failed: int = 0  # what FAILED_WHAT[benchmark] says it counts
    notes: list[str] = field(default_factory=list)
    queries: list[QueryView] = field(default_factory=list)  # ToolBench
    # ToolBench with a reference: (outcome, queries) for win, tie, loss. Not error types.
    preferences: list[tuple[str, int]] = field(default_factory=list)

    @property
    def failed_what(self) -> str:
        return FAILED_WHAT[self.run.benchmark]


# What a run's n_failed counts, as the index's "Failed" column says it.
FAILED_WHAT = {
    "bfcl": "entries failed",
    "toolgrad5k": "samples with an error",
    "toolbench": "queries unsolved in every round",
}
PREFERENCES = ("win", "tie", "loss")


def run_details(run: Run) -> RunDetails:
    if run.benchmark == "toolbench":
        return _toolbench_details(run)
    return _bfcl_details(run) if run.benchmark == "bfcl" else _toolgrad5k_details(run)


def _toolbench_details(run: Run) -> RunDetails:
    """The query views, with the win/tie/loss tallies against the reference kept apart from the
    error types (an outcome of the comparison is not an error)."""
    counts, queries, _with_error = toolbench_queries(run)
    tally = Counter(row.get("preference") for row in run.samples)
    outcome_keys = {f"against the reference: {p}" for p in PREFERENCES}
    errors = [(name, n) for name, n in counts if name not in outcome_keys]
    preferences = [(p, tally[p]) for p in PREFERENCES] if any(tally[p] for p in PREFERENCES) else []
    unsolved = sum(1 for row in run.samples if _num(row.get("score")) == 0.0)
    notes = [] if run.has_per_sample else ["No per-query results were found next to the summary."]
    return RunDetails(run, errors, queries=queries, n_failed=unsolved, notes=notes, preferences=preferences)


# Per-sample error fields of a ToolGrad-5k run record, and how the page names them.
_TOOLGRAD5K_ERRORS = {
    "prediction_error": "prediction error",
    "judge_error": "judge error",
    "input_error": "input error",
}


def _toolgrad5k_details(run: Run) -> RunDetails:
    counts: Counter[str] = Counter()
    samples = []
    for row in run.samples:
        errors = [key for key in _TOOLGRAD5K_ERRORS if row.get(key)]
        counts.update(_TOOLGRAD5K_ERRORS[key] for key in errors)
        error = join_sentences(clean_text(row[key], 300) for key in errors)
        recall, success_rate = _num(row.get("recall")), _num(row.get("success_rate"))
        if recall is not None and recall < 1:
            counts["missed ground-truth tools (recall < 1)"] += 1
        if success_rate is not None and success_rate < 1:
            counts["failed tool calls (success rate < 1)"] += 1
        samples.append(
            SampleView(
                id=clean_text(row.get("id"), 200),
                recall=recall,
                success_rate=success_rate,
                qor=_num(row.get("qor")),
                judge_reason=clean_text(row.get("judge_reason")),
                query=clean_text(row.get("query")),
                response=clean_text(row.get("response")),
                error=error,
            )
        )
    # Worst first: that is what someone opening the page is looking for.
    samples.sort(key=lambda s: (s.qor if s.qor is not None else -1.0, s.id))
    notes = [] if run.has_per_sample else ["No per-sample results were found next to the summary."]
    return RunDetails(
        run, counts.most_common(), samples=samples, n_failed=sum(1 for s in samples if s.error), notes=notes
    )


def _bfcl_details(run: Run) -> RunDetails:
    version = run.data_version or "v4"
    notes: list[str] = []
    failures: list[Failure] = []
    counts: Counter[str] = Counter()
    categories = run.summary.get("categories") or {}
    for name, info in categories.items():
        category = to_v4(version, name)
        score_file = resolve_score_file(run, info.get("score_file") if isinstance(info, dict) else None)
        if score_file is None:
            if isinstance(info, dict) and info.get("score_file"):
                notes.append(f"Score file for {category} not found: {clean_text(info['score_file'], 300)}")
            continue
        for line in score_lines(score_file):
            counts[clean_text(line.get("error_type") or "unknown", 200)] += 1
            failures.append(failure_of_line(line, category))
    if not counts:
        # Without score files, per-sample rows still say what failed and why.
        for row in run.samples:
            if row.get("valid") is False:
                category = to_v4(version, str(row.get("category", "")))
                counts[clean_text(row.get("error_type") or "unknown", 200)] += 1
                failures.append(
                    Failure(
                        id=clean_text(row.get("id"), 200),
                        category=category,
                        error_type=clean_text(row.get("error_type") or "unknown", 200),
                        reason=error_reason(row.get("error")),
                        question="",
                        output="",
                        expected="",
                    )
                )
    return RunDetails(run, counts.most_common(), failures=_examples(failures), n_failed=len(failures), notes=notes)


def _examples(failures: list[Failure]) -> list[Failure]:
    taken: Counter[str] = Counter()
    shown: list[Failure] = []
    for failure in failures:
        if taken[failure.error_type] < MAX_PER_ERROR_TYPE and len(shown) < MAX_FAILURES:
            taken[failure.error_type] += 1
            shown.append(failure)
    return shown


def failure_of_line(line: Mapping[str, Any], category: str) -> Failure:
    output = line.get("model_result_raw", line.get("model_result"))
    if "possible_answer" in line:
        expected = clean_text(line["possible_answer"])
    elif category == "live_relevance":
        expected = "(at least one function call)"
    elif category in NO_ANSWER:
        expected = "(no function call: none of the functions fits)"
    else:
        expected = ""
    return Failure(
        id=clean_text(line.get("id"), 200),
        category=clean_text(line.get("test_category") or category, 100),
        error_type=clean_text(line.get("error_type") or "unknown", 200),
        reason=error_reason(line.get("error")),
        question=clean_text(_question(line.get("prompt"))),
        output=clean_text(output),
        expected=expected,
    )


def _question(prompt: Any) -> str:
    """The user turns of a BFCL prompt (``question`` is a list of turns, each a list of messages)."""
    if not isinstance(prompt, dict):
        return ""
    turns = prompt.get("question")
    texts: list[str] = []
    if isinstance(turns, list):
        for turn in turns:
            for message in turn if isinstance(turn, list) else [turn]:
                if isinstance(message, dict) and message.get("role") == "user":
                    texts.append(clean_text(message.get("content")))
    return "\n".join(texts)


def error_reason(error: Any) -> str:
    if isinstance(error, list):
        return clean_text(join_sentences(clean_text(e, 400) for e in error))
    return clean_text(error)


def join_sentences(parts: Any) -> str:
    """Join messages with "; ", but not after one that already ends a sentence (no ".;")."""
    out = ""
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if out:
            out += " " if out[-1] in ".!?;:" else "; "
        out += part
    return out


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def resolve_score_file(run: Run, score_file: Any) -> Path | None:
    """A summary's score-file path: absolute, or relative to the run folder, the dataset or here."""
    if not isinstance(score_file, str) or not score_file:
        return None
    path = Path(score_file)
    candidates = [path] if path.is_absolute() else [run.path / path, Path.cwd() / path]
    dataset = run.summary.get("dataset")
    if not path.is_absolute() and isinstance(dataset, str):
        candidates.append(Path(dataset) / path)
    return next((c for c in candidates if c.is_file()), None)


def score_lines(path: Path) -> list[Mapping[str, Any]]:
    """The failure lines of an official-format score file (the first line is the header)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"cannot read score file ({exc})") from None
    lines: list[Mapping[str, Any]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if number == 1 or not raw.strip():
            continue
        row = loads_bounded(raw, f"{path}:{number}")
        if isinstance(row, dict) and row.get("valid") is False:
            lines.append(row)
    return lines
