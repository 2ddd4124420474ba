"""A ToolBench / StableToolBench folder as users have it after inference and ToolEval's converter.

Layout (any folder holding these; StableToolBench's own names)::

    solvable_queries/test_query_ids/<test_set>.json          {"<query_id>": ..., ...}: the queries scored
    model_predictions_converted/<model>/<test_set>.json      ToolEval's converted answers (answers.py)
    answer/<model>/<test_set>/<query_id>_<method>.json       raw answers, converted here (convert.py)
    pass_rate_results/<model>/<test_set>_<model>.json        optional: ToolEval's verdicts, reused as stored
    preference_results/<test_set>_<reference>_<model>.json   optional: ToolEval's preference tallies, likewise
    SYNTHETIC.md                                             marks demo data

A model's converted file is used when it exists, else its raw folder. Input files are only read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from toolgrad_eval.detect import TOOLBENCH_CONVERTED as CONVERTED
from toolgrad_eval.detect import TOOLBENCH_RAW as RAW
from toolgrad_eval.detect import TOOLBENCH_TEST_IDS as TEST_IDS
from toolgrad_eval.detect import is_toolbench as is_toolbench  # the layout test, beside the reader
from toolgrad_eval.errors import DatasetError, InputFileError
from toolgrad_eval.fileio import read_json
from toolgrad_eval.toolbench.answers import Answer, parse_entry
from toolgrad_eval.toolbench.convert import convert_file, query_id_of
from toolgrad_eval.toolbench.entries import read_entries
from toolgrad_eval.toolbench.verdict import STATUSES, Status

PASS_RATE_RESULTS = "pass_rate_results"
PREFERENCE_RESULTS = "preference_results"
SYNTHETIC_MARKER = "SYNTHETIC.md"
# StableToolBench's six test sets, in the order its tables print them; others follow by name.
STANDARD_TEST_SETS = ("G1_instruction", "G1_category", "G1_tool", "G2_category", "G2_instruction", "G3_instruction")
MAX_QUERIES = 100_000  # per test set


def is_synthetic(root: Path) -> bool:
    return (root / SYNTHETIC_MARKER).is_file()


@dataclass
class TestSetAnswers:
    """One model's answers to one test set: by query id an Answer, or what is wrong with its entry."""

    source: Literal["converted", "raw"]
    path: Path
    answers: dict[str, Answer] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  # query id -> why its answer cannot be read
    file_problem: str | None = None  # the whole file is unreadable: every query has no answer

    def problem(self, query_id: str) -> str | None:
        if query_id in self.answers:
            return None
        return self.problems.get(query_id) or self.file_problem or f"no answer for query {query_id} in {self.path}"


@dataclass(frozen=True)
class ToolbenchData:
    root: Path

    @property
    def synthetic(self) -> bool:
        return is_synthetic(self.root)

    def test_sets(self) -> list[str]:
        folder = self.root / TEST_IDS
        names = sorted(p.stem for p in folder.glob("*.json") if p.is_file())
        if not names:
            raise DatasetError(folder, "no <test_set>.json files of test query ids")
        return [s for s in STANDARD_TEST_SETS if s in names] + [s for s in names if s not in STANDARD_TEST_SETS]

    def test_ids(self, test_set: str) -> list[str]:
        path = self.root / TEST_IDS / f"{test_set}.json"
        try:
            data = read_json(path)
        except InputFileError as exc:
            raise DatasetError(path, exc.problem) from None
        ids = list(data) if isinstance(data, (dict, list)) else None
        if ids is None or not all(isinstance(i, (str, int)) and not isinstance(i, bool) for i in ids):
            raise DatasetError(path, "expected an object keyed by query id (or a list of query ids)")
        if len(ids) > MAX_QUERIES:
            raise DatasetError(path, f"more than {MAX_QUERIES} query ids")
        return list(dict.fromkeys(str(i) for i in ids))

    def has_model(self, model: str) -> bool:
        return (self.root / CONVERTED / model).is_dir() or (self.root / RAW / model).is_dir()

    def check_model(self, model: str) -> None:
        if not self.has_model(model):
            raise DatasetError(self.root, f"no answers of {model!r} (neither {CONVERTED}/{model}/ nor {RAW}/{model}/)")

    def model_test_sets(self, model: str) -> list[str]:
        """The test sets with ids for which ``model`` has answers (a converted file or a raw folder)."""
        return [s for s in self.test_sets() if self._converted(model, s).is_file() or self._raw(model, s).is_dir()]

    def answers(self, model: str, test_set: str, wanted: list[str]) -> TestSetAnswers:
        """``model``'s answers to the queries ``wanted``; unreadable ones are recorded, never raised."""
        converted = self._converted(model, test_set)
        if converted.is_file():
            return _read_converted(converted, wanted)
        return _read_raw(self._raw(model, test_set), wanted)

    def stored_statuses(self, model: str, test_set: str) -> dict[str, list[Status | None]]:
        """ToolEval's pass-rate verdicts for ``model`` (query id -> status per round), if it left any."""
        path = self.root / PASS_RATE_RESULTS / model / f"{test_set}_{model}.json"
        if not path.is_file():
            return {}
        data = read_json(path)
        if not isinstance(data, dict):
            raise InputFileError(path, "expected an object keyed by query id")
        out: dict[str, list[Status | None]] = {}
        for query_id, entry in data.items():
            rounds = entry.get("is_solved") if isinstance(entry, dict) else None
            if not isinstance(rounds, dict):
                raise InputFileError(path, f"query {str(query_id)[:50]!r} has no is_solved object")
            out[str(query_id)] = _rounds(path, rounds)
        return out

    def stored_tallies(self, reference: str, model: str, test_set: str, rounds: int) -> dict[str, tuple[int, int]]:
        """ToolEval's preference tallies (query id -> (model's votes, reference's votes)) for the
        queries whose first ``rounds`` rounds it completed; one vote per round, one order only."""
        path = self.root / PREFERENCE_RESULTS / f"{test_set}_{reference}_{model}.json"
        if not path.is_file():
            return {}
        data = read_json(path)
        if not isinstance(data, dict):
            raise InputFileError(path, "expected an object keyed by query id")
        out = {}
        for query_id, entry in data.items():
            if not isinstance(entry, dict):
                raise InputFileError(path, f"query {str(query_id)[:50]!r} is not an object")
            votes = entry.get(model), entry.get(reference)
            if not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 1000 for v in votes):
                raise InputFileError(
                    path, f"query {str(query_id)[:50]!r} has no vote counts for {model!r} and {reference!r}"
                )
            if all(entry.get(f"round_{r}") == "complete" for r in range(rounds)):
                out[str(query_id)] = (int(votes[0]), int(votes[1]))  # type: ignore[arg-type]
        return out

    def _converted(self, model: str, test_set: str) -> Path:
        return self.root / CONVERTED / model / f"{test_set}.json"

    def _raw(self, model: str, test_set: str) -> Path:
        return self.root / RAW / model / test_set


def _rounds(path: Path, rounds: dict[str, Any]) -> list[Status | None]:
    """``{"0": "AnswerStatus.Solved", ...}`` -> statuses by round number (None for a missing round)."""
    by_round: dict[int, Status] = {}
    for key, value in rounds.items():
        status = str(value).removeprefix("AnswerStatus.")
        if not str(key).isdigit() or status not in STATUSES or int(key) > 1000:
            raise InputFileError(
                path, f"is_solved entry {str(key)[:20]!r}: {str(value)[:40]!r} is not a round and an AnswerStatus"
            )
        by_round[int(key)] = status  # type: ignore[assignment]
    return [by_round.get(r) for r in range(max(by_round, default=-1) + 1)]


def _read_converted(path: Path, wanted: list[str]) -> TestSetAnswers:
    """Entry by entry (entries.py): one unreadable or oversized entry costs its own query only."""
    out = TestSetAnswers("converted", path)
    found = read_entries(path, set(wanted))
    out.file_problem = found.file_problem
    for query_id in wanted:
        if query_id in found.problems:
            out.problems[query_id] = f"{path}: {found.problems[query_id]}"
        elif query_id in found.values:
            try:
                out.answers[query_id] = parse_entry(found.values[query_id])
            except ValueError as exc:
                out.problems[query_id] = f"{path}: query {query_id}: {exc}"
    return out


def _read_raw(folder: Path, wanted: list[str]) -> TestSetAnswers:
    out = TestSetAnswers("raw", folder)
    wanted_set = set(wanted)
    files: dict[str, list[Path]] = {}
    for path in sorted(folder.glob("*.json")):
        query_id = query_id_of(path)
        if query_id in wanted_set:
            files.setdefault(query_id, []).append(path)
    for query_id, paths in files.items():
        if len(paths) > 1:  # ToolEval converts one method per run (--method): which one is meant is the user's call
            names = ", ".join(p.name for p in paths[:3])
            out.problems[query_id] = (
                f"{folder}: query {query_id} has {len(paths)} answer files ({names}); keep one method per folder"
            )
            continue
        try:
            out.answers[query_id] = parse_entry(convert_file(paths[0]))
        except InputFileError as exc:
            out.problems[query_id] = str(exc)
        except ValueError as exc:
            out.problems[query_id] = f"{paths[0]}: {exc}"
    return out
