"""The keys of a BFCL run's ``summary.json``, declared once for the runner that writes them.

A BFCL run never imports pydantic (about 0.1 s: a run scores in about 1 s), so the runner cannot build
``record_schema.BfclResult`` itself. It builds this frozen dataclass instead: a key missing, misspelt or
not one of these is a ``TypeError`` where it is built (and a mypy error before that). The pydantic model
with the values' types, ranges and descriptions, which readers check records with, is in
``record_schema.py``; ``tests/test_record_schema.py`` fails when the two declare different keys.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal


@dataclass(frozen=True, kw_only=True)
class BfclRecordSummary:
    """The BFCL runner's part of ``summary.json`` (``record.write_run_record`` adds the provenance and
    the rows' digest), in the order it is written."""

    benchmark: Literal["bfcl"] = "bfcl"
    model: str
    dataset: str
    synthetic: bool
    n_samples: int
    data_version: str
    data_source: str
    result_dir: str
    score_dir: str
    leaderboard_csvs: list[str]
    formats: dict[str, str]
    conventions: dict[str, Any]
    generation: dict[str, Any] | None
    error_types: dict[str, int]
    question_data: dict[str, str]
    categories: dict[str, dict[str, Any]]
    aggregates: dict[str, float | None]
    overall: dict[str, Any]
    not_scored: list[str]
    prerequisites_ignored: list[str]
    warnings: list[str]

    def record(self) -> dict[str, Any]:
        """The summary's keys and values, in declaration order (the values themselves, not copies)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}
