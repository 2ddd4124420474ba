"""The diff of two BFCL run records: which entries flipped, per category and overall.

Entries are paired by (category, id) from the two ``per_sample.jsonl`` files; an entry only one
run scored is counted as unpaired, never as a flip. Each flipped entry is then described from what
the runs left on disk: the failing side's score-file line gives the question, its output and the
expected answer, and the passing side's output is read from its result file (the run record
names both); what cannot be found is said, not guessed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from toolgrad_eval.bfcl.categories import AGENTIC, MULTI_TURN, SINGLE_TURN, to_v4
from toolgrad_eval.diff.significance import (
    McNemar,
    PairedDifference,
    mcnemar_exact,
    paired_difference,
)
from toolgrad_eval.errors import InputFileError, ToolgradError
from toolgrad_eval.fileio import iter_lines, loads_bounded
from toolgrad_eval.leaderboard import Run
from toolgrad_eval.leaderboard.details import error_reason, failure_of_line, resolve_score_file
from toolgrad_eval.leaderboard.text import clean_text

# Flipped entries described in full (question, outputs, answer); the ids and counts always cover all.
MAX_DETAILED = 400
PASS = "pass"  # the "error type" of a passing entry in an error-type change


@dataclass(frozen=True)
class Outcome:
    valid: bool
    error_type: str | None
    error: str


@dataclass(frozen=True)
class FlippedEntry:
    """One entry that passed in one run and failed in the other, as both runs saw it."""

    id: str
    category: str
    direction: str  # "pass_to_fail" | "fail_to_pass"
    error_type_a: str | None
    error_type_b: str | None
    reason_a: str
    reason_b: str
    question: str = ""
    output_a: str = ""
    output_b: str = ""
    expected: str = ""


@dataclass(frozen=True)
class CategoryDiff:
    category: str
    n_paired: int
    accuracy_a: float | None
    accuracy_b: float | None
    pass_to_fail: tuple[str, ...]
    fail_to_pass: tuple[str, ...]
    mcnemar: McNemar
    difference: PairedDifference  # accuracy b - a with its paired bootstrap CI and t-test

    def as_dict(self) -> dict[str, Any]:
        return {
            "n_paired": self.n_paired,
            "accuracy_a": self.accuracy_a,
            "accuracy_b": self.accuracy_b,
            "n_pass_to_fail": len(self.pass_to_fail),
            "n_fail_to_pass": len(self.fail_to_pass),
            "pass_to_fail": list(self.pass_to_fail),
            "fail_to_pass": list(self.fail_to_pass),
            **self.mcnemar.as_dict(),
            "accuracy_diff": self.difference.as_dict(),
        }


@dataclass(frozen=True)
class ErrorTypeChange:
    """Entries whose error type went from ``before`` to ``after`` (``pass`` for a passing entry)."""

    before: str
    after: str
    ids: tuple[str, ...]

    @property
    def regression(self) -> bool:
        return self.before == PASS

    def as_dict(self) -> dict[str, Any]:
        return {"before": self.before, "after": self.after, "count": len(self.ids), "ids": list(self.ids)}


@dataclass(frozen=True)
class BfclDiff:
    data_version: str | None
    categories: list[CategoryDiff]
    overall: CategoryDiff
    changes: list[ErrorTypeChange]  # regressions, fixes, other changes; most frequent first
    flipped: list[FlippedEntry]  # described entries (at most MAX_DETAILED)
    n_flipped: int
    unpaired: dict[str, int] = field(default_factory=dict)  # "only_a" / "only_b" -> entries
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "data_version": self.data_version,
            "overall": self.overall.as_dict(),
            "categories": {c.category: c.as_dict() for c in self.categories},
            "error_type_changes": [c.as_dict() for c in self.changes],
            "n_flipped": self.n_flipped,
            "flipped": [asdict(f) for f in self.flipped],
            "unpaired": dict(self.unpaired),
            "notes": list(self.notes),
        }


def outcomes(run: Run) -> dict[tuple[str, str], Outcome]:
    """(v4 category, id) -> the entry's outcome, from the run's per-sample rows."""
    version = run.data_version or "v4"
    out: dict[tuple[str, str], Outcome] = {}
    for row in run.samples:
        if "id" not in row or not isinstance(row.get("category"), str):
            continue
        valid = row.get("valid") is True
        error_type = None if valid else clean_text(row.get("error_type") or "unknown", 200)
        reason = "" if valid else error_reason(row.get("error"))
        out[(to_v4(version, row["category"]), str(row["id"]))] = Outcome(valid, error_type, reason)
    return out


def diff_bfcl(a: Run, b: Run, *, describe: bool = True) -> BfclDiff:
    """Compare B with A. ``describe=False`` skips reading score and result files (counts only)."""
    oa, ob = outcomes(a), outcomes(b)
    shared = sorted(oa.keys() & ob.keys(), key=_order)
    by_category: dict[str, list[tuple[str, str]]] = {}
    for key in shared:
        by_category.setdefault(key[0], []).append(key)
    categories = [_category(cat, keys, oa, ob) for cat, keys in by_category.items()]
    overall = _category("overall", shared, oa, ob)
    changes = _changes(shared, oa, ob)
    flipped_keys = [k for k in shared if oa[k].valid != ob[k].valid]
    notes: list[str] = []
    if describe:
        flipped = _describe(a, b, flipped_keys[:MAX_DETAILED], oa, ob, notes)
    else:
        flipped = [_bare(k, oa[k], ob[k]) for k in flipped_keys[:MAX_DETAILED]]
    if len(flipped_keys) > MAX_DETAILED:
        notes.append(f"{len(flipped_keys)} entries flipped; the first {MAX_DETAILED} are described (all are counted).")
    if a.data_version != b.data_version:
        notes.append(f"The runs use different BFCL data versions ({a.data_version} and {b.data_version}).")
    unpaired = {"only_a": len(oa.keys() - ob.keys()), "only_b": len(ob.keys() - oa.keys())}
    return BfclDiff(b.data_version, categories, overall, changes, flipped, len(flipped_keys), unpaired, notes)


_CATEGORY_ORDER = (*SINGLE_TURN, *MULTI_TURN, *AGENTIC)


def _order(key: tuple[str, str]) -> tuple[int, str, int, str]:
    """Single-turn, multi-turn, agentic, then ids in their natural order (simple_python_2 before
    simple_python_10; memory_kv_2-customer-2 before memory_kv_10-healthcare-0)."""
    category, entry = key
    rank = _CATEGORY_ORDER.index(category) if category in _CATEGORY_ORDER else len(_CATEGORY_ORDER)
    stem, _, number = entry.rpartition("_")
    number = number.split("-", 1)[0]
    return (rank, category, int(number) if number.isdigit() else -1, entry if not number.isdigit() else stem)


def _category(name: str, keys: Sequence[tuple[str, str]], oa: Mapping, ob: Mapping) -> CategoryDiff:
    down = tuple(k[1] for k in keys if oa[k].valid and not ob[k].valid)
    up = tuple(k[1] for k in keys if not oa[k].valid and ob[k].valid)
    n = len(keys)
    values_a = {f"{k[0]}\0{k[1]}": float(oa[k].valid) for k in keys}
    values_b = {f"{k[0]}\0{k[1]}": float(ob[k].valid) for k in keys}
    return CategoryDiff(
        name,
        n,
        sum(values_a.values()) / n if n else None,
        sum(values_b.values()) / n if n else None,
        down,
        up,
        mcnemar_exact(len(down), len(up)),
        paired_difference(values_a, values_b),
    )


def _changes(keys: Sequence[tuple[str, str]], oa: Mapping, ob: Mapping) -> list[ErrorTypeChange]:
    groups: dict[tuple[str, str], list[str]] = {}
    for k in keys:
        before, after = oa[k].error_type or PASS, ob[k].error_type or PASS
        if before != after:
            groups.setdefault((before, after), []).append(k[1])
    counts = Counter({pair: len(ids) for pair, ids in groups.items()})
    # Regressions, then fixes, then failures for another reason; the most frequent first in each.
    ordered = sorted(counts, key=lambda pair: (pair[0] != PASS, pair[1] != PASS, -counts[pair], pair))
    return [ErrorTypeChange(before, after, tuple(groups[(before, after)])) for before, after in ordered]


def _bare(key: tuple[str, str], a: Outcome, b: Outcome) -> FlippedEntry:
    return FlippedEntry(
        key[1], key[0], "pass_to_fail" if a.valid else "fail_to_pass", a.error_type, b.error_type, a.error, b.error
    )


def _describe(
    a: Run, b: Run, keys: list[tuple[str, str]], oa: Mapping, ob: Mapping, notes: list[str]
) -> list[FlippedEntry]:
    if not keys:
        return []
    lines_a = _failure_lines(a, notes, {k for k in keys if not oa[k].valid})
    lines_b = _failure_lines(b, notes, {k for k in keys if not ob[k].valid})
    outputs_a = _passing_outputs(a, [k for k in keys if oa[k].valid], notes)
    outputs_b = _passing_outputs(b, [k for k in keys if ob[k].valid], notes)
    out = []
    for key in keys:
        failed = lines_b.get(key) if oa[key].valid else lines_a.get(key)
        question, expected, failed_output = (
            (failed.question, failed.expected, failed.output) if failed else ("", "", "")
        )
        if oa[key].valid:
            output_a, output_b = outputs_a.get(key, ""), failed_output
        else:
            output_a, output_b = failed_output, outputs_b.get(key, "")
        bare = _bare(key, oa[key], ob[key])
        out.append(
            FlippedEntry(
                bare.id,
                bare.category,
                bare.direction,
                bare.error_type_a,
                bare.error_type_b,
                bare.reason_a,
                bare.reason_b,
                question,
                output_a,
                output_b,
                expected,
            )
        )
    return out


def _failure_lines(run: Run, notes: list[str], wanted: set[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """(category, id) -> the run's score-file description of each ``wanted`` failed entry. Score files
    are read a line at a time and only the wanted descriptions kept (short texts): a 100 MB score file
    costs one line of memory, not the file."""
    version = run.data_version or "v4"
    found: dict[tuple[str, str], Any] = {}
    for name, info in (run.summary.get("categories") or {}).items():
        category = to_v4(version, name)
        if not any(key[0] == category for key in wanted):
            continue
        path = resolve_score_file(run, info.get("score_file") if isinstance(info, dict) else None)
        if path is None:
            continue
        try:
            for line in _score_file_failures(path):
                if (category, str(line.get("id"))) in wanted:
                    failure = failure_of_line(_flat_error(line), category)
                    found[(category, failure.id)] = failure
        except ToolgradError as exc:
            notes.append(f"Score file not read: {clean_text(str(exc), 300)}")
    return found


def _flat_error(line: Mapping[str, Any]) -> Mapping[str, Any]:
    """An agentic score-file line (its error type inside ``error``, its prompt the bare turns) in the
    single-turn shape the failure reader takes."""
    error = line.get("error")
    if not isinstance(error, dict):
        return line
    prompt = line.get("prompt")
    return {
        **line,
        "error_type": error.get("error_type"),
        "error": error.get("error_message"),
        "prompt": prompt if isinstance(prompt, dict) else {"question": prompt},
    }


def _score_file_failures(path: Path) -> Iterator[Mapping[str, Any]]:
    """The failure lines of an official-format score file (the first line is its header), one at a time."""
    try:
        with path.open("rb") as handle:
            for number, raw in iter_lines(handle, path):
                if number == 1 or not raw.strip():
                    continue
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise InputFileError(f"{path}:{number}", "not valid UTF-8") from None
                row = loads_bounded(text, f"{path}:{number}")
                if isinstance(row, dict) and row.get("valid") is False:
                    yield row
    except OSError as exc:
        raise InputFileError(path, f"cannot read score file ({exc.strerror or exc})") from None


def _passing_outputs(run: Run, keys: list[tuple[str, str]], notes: list[str]) -> dict[tuple[str, str], str]:
    """The raw outputs of entries that passed, read from the run's result files (score files keep
    only failures). A result folder that moved or is gone leaves them blank, with a note."""
    if not keys:
        return {}
    from toolgrad_eval.bfcl.layout import find_run
    from toolgrad_eval.bfcl.results import read_result_file

    dataset, model = run.summary.get("dataset"), run.summary.get("model")
    try:
        if not isinstance(dataset, str) or not isinstance(model, str):
            raise ToolgradError("the run record names no dataset")
        layout = find_run(Path(dataset), model)
    except ToolgradError as exc:
        notes.append(
            f"Outputs of {clean_text(run.model, 100)}'s passing entries not shown: result files not found "
            f"({clean_text(str(exc), 200)})."
        )
        return {}
    all_ids: dict[str, set[str]] = {}
    for row in run.samples:
        if "id" in row and isinstance(row.get("category"), str):
            all_ids.setdefault(to_v4(layout.version, row["category"]), set()).add(str(row["id"]))
    wanted: dict[str, set[str]] = {}
    for category, entry in keys:
        wanted.setdefault(category, set()).add(entry)
    out: dict[tuple[str, str], str] = {}
    for rf in (*layout.files, *layout.agentic):
        if rf.category not in wanted:
            continue
        try:
            content = read_result_file(rf.path, all_ids.get(rf.category) or wanted[rf.category])
        except ToolgradError as exc:
            notes.append(clean_text(str(exc), 300))
            continue
        for entry in wanted[rf.category]:
            copies = content.copies.get(entry)
            if copies:
                out[(rf.category, entry)] = clean_text(copies[0].result)
    return out
