"""The leaderboard as data: what the report renders and the tests check."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Mapping

from toolgrad_eval.leaderboard.columns import Column
from toolgrad_eval.leaderboard.config import ReportedFile
from toolgrad_eval.leaderboard.details import RunDetails
from toolgrad_eval.leaderboard.runs import Run
from toolgrad_eval.leaderboard.text import BuildMessage

RowKind = Literal["reported", "reproduced", "difference"]


@dataclass(frozen=True)
class Cell:
    """A number in display units; ``marks`` are note numbers of the table that concern it."""

    value: float | None
    ci: tuple[float, float] | None = None
    marks: tuple[int, ...] = ()
    # Difference rows: the reported value lies outside the reproduced 95% CI.
    outside_ci: bool = False
    n: int | None = None  # samples behind the CI
    ci_method: str = "bootstrap"  # "wilson" for one pass/fail category, else "bootstrap"
    partial: str | None = None  # a judged value of a partial run: "partial: n of N judged" (judge/coverage.py)


@dataclass(frozen=True)
class Row:
    kind: RowKind
    label: str
    synthetic: bool
    cells: dict[str, Cell]
    source: str  # reported: where from; reproduced: data version and size
    source_url: str | None = None
    page: str | None = None  # relative link to the model page
    run: Run | None = None
    # Reproduced rows: why the run's benchmark version differs from the reported one, if it does.
    version_note: str | None = None


@dataclass(frozen=True)
class Group:
    """A reported model (or an unmatched run) with its reported, reproduced and difference rows."""

    key: str
    label: str
    rows: list[Row]

    @property
    def synthetic(self) -> bool:
        return any(r.synthetic for r in self.rows)

    def sort_value(self, column: str) -> float | None:
        """Sort on the reproduced value where there is one (that is what we measured), else reported."""
        for kind in ("reproduced", "reported"):
            for row in self.rows:
                if row.kind == kind and row.cells.get(column, Cell(None)).value is not None:
                    return row.cells[column].value
        return None


@dataclass(frozen=True)
class Note:
    number: int
    kind: Literal["warning", "note"]
    text: str


@dataclass(frozen=True)
class DeltaCell:
    diff: float | None
    ci: tuple[float, float] | None = None
    p_value: float | None = None
    n: int | None = None
    marks: tuple[int, ...] = ()  # notes (warnings) on the reported values it was computed from


@dataclass(frozen=True)
class DeltaRow:
    """Fine-tune minus base on one benchmark, from reported rows or from two paired runs."""

    kind: Literal["reported", "reproduced"]
    pair: str  # "Gemma-3 4B → ToolGrad 4B"
    detail: str  # which rows or runs were compared
    synthetic: bool
    cells: dict[str, DeltaCell]


@dataclass(frozen=True)
class Table:
    benchmark: str
    title: str
    columns: tuple[Column, ...]
    groups: list[Group]
    notes: list[Note]
    deltas: list[DeltaRow]

    @property
    def synthetic(self) -> bool:
        return any(g.synthetic for g in self.groups) or any(d.synthetic for d in self.deltas)

    @property
    def column_groups(self) -> list[tuple[str, int]]:
        """Consecutive column groups and their widths, for a two-level header."""
        spans: list[tuple[str, int]] = []
        for col in self.columns:
            if spans and spans[-1][0] == col.group:
                spans[-1] = (col.group, spans[-1][1] + 1)
            else:
                spans.append((col.group, 1))
        return spans

    def starts_group(self, index: int) -> bool:
        return index == 0 or self.columns[index].group != self.columns[index - 1].group

    @property
    def notes_by_number(self) -> dict[int, Note]:
        return {note.number: note for note in self.notes}


@dataclass(frozen=True)
class ModelPage:
    """One page per reproduced model name, covering its runs on every benchmark."""

    model: str
    path: str  # relative to the site root, e.g. models/demo-toolgrad-4b.html
    matched: str | None  # reported model label it is compared with
    details: list[RunDetails]
    scores: Mapping[Path, Mapping[str, Cell]]  # run folder -> column -> value with CI

    @property
    def synthetic(self) -> bool:
        return any(d.run.synthetic for d in self.details)


@dataclass(frozen=True)
class Leaderboard:
    title: str
    tables: list[Table]
    sources: list[tuple[str, ReportedFile]]
    pages: list[ModelPage]
    messages: list[BuildMessage] = field(default_factory=list)  # what was skipped or unmatched
    # (ignored, kept): older run records of the same model, benchmark and data version.
    duplicates: list[tuple[Run, Run]] = field(default_factory=list)
    generated_at: str = field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))

    @property
    def synthetic(self) -> bool:
        return any(t.synthetic for t in self.tables) or any(p.synthetic for p in self.pages)

    @property
    def runs(self) -> list[Run]:
        return [d.run for page in self.pages for d in page.details]
