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
from toolgrad_eval.bfcl.layout import ResultFile
from toolgrad_eval.bfcl.match import Format, check_entry, detect_format
from toolgrad_eval.bfcl.results import LineProblem, ResultEntry, read_result_file
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


def _line_warnings(where: str, problems: list[LineProblem]) -> list[str]:
    out = [f"{where}:{p.line}: {p.message}; line skipped" for p in problems[:_EXAMPLES]]
    if len(problems) > _EXAMPLES:
        more = len(problems) - _EXAMPLES
        out.append(f"{where}: {more} more malformed {'line' if more == 1 else 'lines'} skipped")
    return out


def score_category(rf: ResultFile, data: BfclData, model: str, *, fmt: str = "auto") -> CategoryOutcome:
    """Check every entry of one result file against ``data``; never raises for bad model output."""
    out = CategoryOutcome(rf)
    where = str(rf.path)
    if not data.has(rf.category):
        out.warnings.append(f"{where}: the BFCL {rf.version} data in {data.root} has no {rf.name} questions; "
                            "category not scored")
        return out
    content = read_result_file(rf.path)
    entries = data.entries(rf.category)
    data_ids = {e.id for e in entries}
    by_id: dict[str, list[ResultEntry]] = {}
    for r in content.entries:
        by_id.setdefault(r.id, []).append(r)
        lat = r.record.get("latency")
        if isinstance(lat, (int, float)) and not isinstance(lat, bool):
            out.latencies.append(float(lat))
    broken = {p.id: p for p in reversed(content.problems) if p.id is not None}
    out.warnings.extend(_line_warnings(where, content.problems))

    if not data_ids & (by_id.keys() | broken.keys()):
        out.warnings.append(f"{where}: none of its {len(by_id)} ids is a BFCL {rf.version} {rf.name} id "
                            f"(e.g. {_examples(sorted(by_id))}); category not scored")
        return out
    extra = sorted(i for i in by_id if i not in data_ids)
    if extra:
        out.issues["extra"] = len(extra)
        out.warnings.append(f"{where}: {_ids(len(extra))} not in the BFCL {rf.version} data, ignored: "
                            f"{_examples(extra)}")
    if content.problems:
        out.issues["malformed_lines"] = len(content.problems)

    results = [r.result for r in content.entries]
    out.fmt = detect_format(results) if fmt == "auto" else fmt
    missing: list[str] = []
    conflicting: list[str] = []
    for entry in entries:
        copies = by_id.get(entry.id)
        if not copies:
            problem = broken.get(entry.id)
            if problem is not None:
                verdict = Verdict.fail(scorefile.MALFORMED_RESULT, f"{rf.path.name} line {problem.line}: {problem.message}")
            else:
                missing.append(entry.id)
                verdict = Verdict.fail(scorefile.MISSING_RESULT, f"No result for this id in {rf.path.name}.")
            raw = None
        elif len(copies) > 1 and any(c.result != copies[0].result for c in copies[1:]):
            conflicting.append(entry.id)
            lines = ", ".join(str(c.line) for c in copies)
            verdict = Verdict.fail(scorefile.DUPLICATE_RESULT,
                                   f"This id appears {len(copies)} times in {rf.path.name} (lines {lines}) with different results.")
            raw = [c.result for c in copies]
        else:
            raw = copies[0].result
            verdict = _check(rf, entry, raw, out.fmt, rf.version)
        _record(out, rf, entry, model, verdict, raw)

    crashed = [r["id"] for r in out.rows if r["error_type"] == scorefile.CHECKER_ERROR]
    if crashed:
        out.warnings.append(f"{where}: the checker failed internally on {_ids(len(crashed))}, counted as failed "
                            f"(a toolgrad-eval bug; please report): {_examples(crashed)}")
    duplicated = sorted(i for i, c in by_id.items() if len(c) > 1 and i in data_ids)
    if missing:
        out.issues["missing"] = len(missing)
        out.warnings.append(f"{where}: no result for {len(missing)} of the {len(entries)} BFCL {rf.version} {rf.name} "
                            f"ids, counted as failed: {_examples(missing)}")
    if duplicated:
        out.issues["duplicated"] = len(duplicated)
        same = [i for i in duplicated if i not in conflicting]
        if conflicting:
            out.issues["conflicting"] = len(conflicting)
            out.warnings.append(f"{where}: {_ids(len(conflicting))} given more than once with different results, "
                                f"counted as failed: {_examples(conflicting)}")
        if same:
            out.warnings.append(f"{where}: {_ids(len(same))} given more than once with identical results, "
                                f"scored once: {_examples(same)}")
    out.score = CategoryScore(out.correct / len(entries), len(entries))
    return out


def _check(rf: ResultFile, entry: Entry, raw: Any, fmt: str, version: str) -> Verdict:
    try:
        return check_entry(rf.category, entry.question, entry.answer, raw,
                           fmt=cast(Format, fmt), version=cast(Version, version))
    except Exception as exc:  # one entry must never stop a run; the row says what happened
        return Verdict.fail(scorefile.CHECKER_ERROR, f"Internal checker error: {type(exc).__name__}: {exc}")


def _record(out: CategoryOutcome, rf: ResultFile, entry: Entry, model: str, verdict: Verdict, raw: Any) -> None:
    if verdict.valid:
        out.correct += 1
        out.rows.append({"id": entry.id, "category": rf.category, "valid": True, "error_type": None, "error": []})
        return
    errors = list(verdict.errors)
    error_type = verdict.error_type or scorefile.CHECKER_ERROR
    out.failures.append(scorefile.failed_entry(
        entry_id=entry.id, model=model, test_category=rf.name, category=rf.category, version=rf.version, error=errors,
        error_type=error_type, prompt=entry.question, answer=entry.answer, raw=raw, decoded=verdict.decoded,
    ))
    out.rows.append({"id": entry.id, "category": rf.category, "valid": False, "error_type": error_type,
                     "error": scorefile.scrub_text([scorefile.shown(e) for e in errors])})
