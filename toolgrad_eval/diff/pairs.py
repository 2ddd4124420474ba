"""Finding the two sides of a diff: run-record folders, or model names looked up under run roots."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from toolgrad_eval.errors import ConfigError, InputFileError
from toolgrad_eval.leaderboard import Run, discover_runs
from toolgrad_eval.leaderboard.runs import load_run
from toolgrad_eval.record import SUMMARY_FILE

_KNOWN_SHOWN = 12


def find_records(spec: str, roots: Sequence[Path]) -> list[Run]:
    """The run records ``spec`` names: a record folder (or its summary.json), else every latest
    record of the model named ``spec`` under ``roots`` (one per benchmark and data version)."""
    path = Path(spec)
    summary = path / SUMMARY_FILE if path.is_dir() else path
    if summary.name == SUMMARY_FILE and summary.is_file():
        run, note = load_run(summary)
        if run is None:
            raise ConfigError(str(note) if note else f"{summary}: not a toolgrad-eval run record")
        return [run]
    if path.is_dir():
        raise InputFileError(path, f"no {SUMMARY_FILE} here: not a run-record folder")
    runs, _ = discover_runs(list(roots))
    found = [run for run in runs if run.model == spec]
    if not found:
        known = sorted({run.model for run in runs})
        listed = ", ".join(known[:_KNOWN_SHOWN]) + (", ..." if len(known) > _KNOWN_SHOWN else "")
        where = ", ".join(str(r) for r in roots)
        raise ConfigError(
            f"{spec!r}: neither a run-record folder nor a model with a run record under {where} "
            f"(models found: {listed or 'none'})"
        )
    latest: dict[tuple[str, str | None], Run] = {}
    for run in sorted(found, key=lambda r: (r.created_at, str(r.path))):
        latest[(run.benchmark, run.data_version)] = run
    return list(latest.values())


def pair_records(a: list[Run], b: list[Run], spec_a: str, spec_b: str) -> list[tuple[Run, Run]]:
    """(A, B) per benchmark both sides have; BFCL records pair by data version when they can."""
    pairs = []
    for run_a in a:
        same = [r for r in b if r.benchmark == run_a.benchmark]
        if not same:
            continue
        pairs.append((run_a, next((r for r in same if r.data_version == run_a.data_version), same[0])))
    if not pairs:
        have_a = ", ".join(sorted({r.benchmark for r in a}))
        have_b = ", ".join(sorted({r.benchmark for r in b}))
        raise ConfigError(f"{spec_a!r} ({have_a}) and {spec_b!r} ({have_b}) share no benchmark to compare")
    return pairs
