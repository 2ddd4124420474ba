"""Score one category: line up a result file with the data by id, check each entry, keep failures.

Every question of the category is one entry, whatever the result file holds, so accuracies keep
BFCL's denominators: an id with no usable result line counts as failed (``toolgrad:missing_result``
or ``toolgrad:malformed_result``), a result line for an id the data lacks is reported and ignored,
and an id given twice with different results is failed as ambiguous. A file that shares no id
with the data (another data version, another category) is not scored at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, cast

from toolgrad_eval.bfcl import scorefile
from toolgrad_eval.bfcl.aggregate import CategoryScore
from toolgrad_eval.bfcl.data import BfclData, Entry
from toolgrad_eval.bfcl.decode.python_calls import parser_warnings_ignored
from toolgrad_eval.bfcl.layout import ResultFile
from toolgrad_eval.bfcl.match import Format, check_entry, detect_format
from toolgrad_eval.bfcl.results import LineProblem, read_result_file, unsent_warnings
from toolgrad_eval.bfcl.verdict import Verdict

Version = Literal["v3", "v4"]

_EXAMPLES = 5  # ids/lines quoted in one warning


@dataclass
class CategoryOutcome:
    file: ResultFile
    score: CategoryScore | None = None  # None: the category could not be scored
    correct: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)  # score-file lines
    rows: list[dict[str, Any]] = field(default_factory=list)  # run-record rows
    warnings: list[str] = field(default_factory=list)
    issues: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    fmt: str | None = None

    @property
    def category(self) -> str:
        return self.file.category


def _ids(n: int) -> str:
    return f"{n} id" if n == 1 else f"{n} ids"


def _examples(items: list[str]) -> str:
    shown = ", ".join(items[:_EXAMPLES])
    return shown + (f", ... ({len(items)} in all)" if len(items) > _EXAMPLES else "")


def _line_warnings(where: str, problems: list[LineProblem], total: int) -> list[str]:
    out = [f"{where}:{p.line}: {p.message}; line skipped" for p in problems[:_EXAMPLES]]
    if total > _EXAMPLES:
        more = total - _EXAMPLES
        out.append(f"{where}: {more} more malformed {'line' if more == 1 else 'lines'} skipped")
    return out


def score_category(
    rf: ResultFile,
    data: BfclData,
    model: str,
    *,
    fmt: str = "auto",
    underscore_to_dot: bool | None = None,
    family: str | None = None,
) -> CategoryOutcome:
    """Check every entry of one result file against ``data``; never raises for bad model output."""
    with parser_warnings_ignored():  # once for the category's thousands of parses
        return _score_category(rf, data, model, fmt, underscore_to_dot, family)


def _score_category(
    rf: ResultFile, data: BfclData, model: str, fmt: str, underscore_to_dot: bool | None, family: str | None
) -> CategoryOutcome:
    out = CategoryOutcome(rf)
    where = str(rf.path)
    missing_data = data.missing_file(rf.category)
    if missing_data is not None:
        what = "answers" if missing_data.parent.name == "possible_answer" else "questions"
        out.warnings.append(
            f"{where}: category not scored: the BFCL {rf.version} data has no {rf.name} {what} "
            f"({missing_data} not found)"
        )
        return out
    entries = data.entries(rf.category)
    data_ids = {e.id for e in entries}
    content = read_result_file(rf.path, data_ids)
    out.latencies.extend(content.latencies)
    if content.stopped_at is not None:
        out.issues["unread_lines"] = 1
        out.warnings.append(
            f"{where}: more than {content.stopped_at:,} lines for {len(entries)} entries; "
            f"the rest of the file was not read (ids only found there count as missing)"
        )
    broken = {p.id: p for p in reversed(content.problems) if p.id is not None}
    out.warnings.extend(_line_warnings(where, content.problems, content.n_problems))
    out.warnings.extend(unsent_warnings(where, content))

    if content.n_entries and not content.copies and not data_ids & broken.keys():
        out.warnings.append(
            f"{where}: none of its {_ids(content.n_entries)} is a BFCL {rf.version} {rf.name} id "
            f"(e.g. {_examples(content.extra_ids)}); category not scored"
        )
        return out
    if not content.n_entries:
        # Nothing readable at all: every entry fails, as with the official checker (0, not N/A).
        out.warnings.append(
            f"{where}: no readable result line ({content.n_problems} unreadable); "
            f"all {len(entries)} entries counted as failed"
        )
    if content.n_extra_lines:
        out.issues["extra"] = content.n_extra_lines
        lines = "1 line" if content.n_extra_lines == 1 else f"{content.n_extra_lines} lines"
        out.warnings.append(
            f"{where}: {lines} with ids not in the BFCL {rf.version} data, ignored: {_examples(content.extra_ids)}"
        )
    if content.n_problems:
        out.issues["malformed_lines"] = content.n_problems

    firsts = [copies[0].result for copies in content.copies.values()]
    # The model's own family decoder when its conventions name one, else the format seen in the file.
    out.fmt = fmt if fmt != "auto" else family or detect_format(firsts)
    missing: list[str] = []
    conflicting: list[str] = []
    for entry in entries:
        copies = content.copies.get(entry.id)
        if not copies:
            problem = broken.get(entry.id)
            if problem is not None:
                verdict = Verdict.fail(
                    scorefile.MALFORMED_RESULT, f"{rf.path.name} line {problem.line}: {problem.message}"
                )
            else:
                missing.append(entry.id)
                verdict = Verdict.fail(scorefile.MISSING_RESULT, f"No result for this id in {rf.path.name}.")
            raw = None
        elif entry.id in content.conflicting:
            conflicting.append(entry.id)
            lines = ", ".join(str(c.line) for c in copies)
            n = content.n_copies[entry.id]
            verdict = Verdict.fail(
                scorefile.DUPLICATE_RESULT,
                f"This id appears {n} times in {rf.path.name} (lines {lines}"
                f"{', ...' if n > len(copies) else ''}) with different results.",
            )
            raw = [c.result for c in copies]
        else:
            raw = copies[0].result
            verdict = _check(rf, entry, raw, out.fmt, rf.version, underscore_to_dot)
        _record(out, rf, entry, model, verdict, raw)

    crashed = [r["id"] for r in out.rows if r["error_type"] == scorefile.CHECKER_ERROR]
    if crashed:
        out.warnings.append(
            f"{where}: the checker failed internally on {_ids(len(crashed))}, counted as failed "
            f"(a toolgrad-eval bug; please report): {_examples(crashed)}"
        )
    duplicated = sorted(i for i, n in content.n_copies.items() if n > 1)
    if missing:
        out.issues["missing"] = len(missing)
        out.warnings.append(
            f"{where}: no result for {len(missing)} of the {len(entries)} BFCL {rf.version} {rf.name} "
            f"ids, counted as failed: {_examples(missing)}"
        )
    if duplicated:
        out.issues["duplicated"] = len(duplicated)
        same = [i for i in duplicated if i not in conflicting]
        if conflicting:
            out.issues["conflicting"] = len(conflicting)
            out.warnings.append(
                f"{where}: {_ids(len(conflicting))} given more than once with different results, "
                f"counted as failed: {_examples(conflicting)}"
            )
        if same:
            out.warnings.append(
                f"{where}: {_ids(len(same))} given more than once with identical results, "
                f"scored once: {_examples(same)}"
            )
    out.score = CategoryScore(out.correct / len(entries), len(entries))
    return out


def _check(rf: ResultFile, entry: Entry, raw: Any, fmt: str, version: str, underscore_to_dot: bool | None) -> Verdict:
    try:
        return check_entry(
            rf.category,
            entry.question,
            entry.answer,
            raw,
            fmt=cast(Format, fmt),
            version=cast(Version, version),
            underscore_to_dot=underscore_to_dot,
        )
    except Exception as exc:  # one entry must never stop a run; the row says what happened
        return Verdict.fail(scorefile.CHECKER_ERROR, f"Internal checker error: {type(exc).__name__}: {exc}")


def _record(out: CategoryOutcome, rf: ResultFile, entry: Entry, model: str, verdict: Verdict, raw: Any) -> None:
    if verdict.valid:
        out.correct += 1
        out.rows.append({"id": entry.id, "category": rf.category, "valid": True, "error_type": None, "error": []})
        return
    errors = list(verdict.errors)
    error_type = verdict.error_type or scorefile.CHECKER_ERROR
    out.failures.append(
        scorefile.failed_entry(
            entry_id=entry.id,
            model=model,
            test_category=rf.name,
            category=rf.category,
            version=rf.version,
            error=errors,
            error_type=error_type,
            prompt=entry.question,
            answer=entry.answer,
            raw=raw,
            decoded=verdict.decoded,
        )
    )
    out.rows.append(
        {
            "id": entry.id,
            "category": rf.category,
            "valid": False,
            "error_type": error_type,
            "error": scorefile.scrub_text([scorefile.shown(e) for e in errors]),
        }
    )
