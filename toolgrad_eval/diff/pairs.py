"""Finding the two sides of a diff: run-record folders, or model names looked up under run roots."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from toolgrad_eval.errors import ConfigError, InputFileError
from toolgrad_eval.leaderboard import BENCHMARK_TITLES, Run, discover_runs
from toolgrad_eval.leaderboard.runs import load_run
from toolgrad_eval.leaderboard.text import clean_text
from toolgrad_eval.record import SUMMARY_FILE

_KNOWN_SHOWN = 12


def find_records(spec: str, roots: Sequence[Path], notes: list[str] | None = None) -> list[Run]:
    """The run records ``spec`` names: a record folder (or its summary.json), else every latest
    record of the model named ``spec`` under ``roots`` (one per benchmark and data version).
    ``notes`` receives what the search set aside (a damaged record, one failing the schema)."""
    path = Path(spec)
    summary = path / SUMMARY_FILE if path.is_dir() else path
    if summary.name == SUMMARY_FILE and summary.is_file():
        run, note = load_run(summary)
        if run is None:
            raise ConfigError(str(note) if note else f"{summary}: not a toolgrad-eval run record")
        return [run]
    if path.is_dir():
        raise InputFileError(path, f"no {SUMMARY_FILE} here: not a run-record folder")
    runs, found_notes = discover_runs(list(roots))
    if notes is not None:
        notes.extend(str(n) for n in found_notes if "skipped" in str(n) and str(n) not in notes)
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


DIFFABLE = ("bfcl", "toolgrad5k", "toolbench")  # benchmarks whose per-sample rows diff knows how to pair

# Summary keys that name the questions a run answered: two runs that differ in one were not asked the
# same questions, and pairing their samples by id would mix them. (BFCL's data version, ToolGrad-5k's
# split, and the question-data fingerprint a run records when it has one.)
IDENTITY_KEYS = {
    "data_version": "benchmark versions",
    "split": "question sets (splits)",
    "data_fingerprint": "question data",
}


def identity_mismatch(a: Run, b: Run) -> str | None:
    """Why A and B cannot be paired (other questions or another version), or None."""
    if a.benchmark != b.benchmark:
        return f"a {a.benchmark} run and a {b.benchmark} run"
    for key, what in IDENTITY_KEYS.items():
        x, y = a.summary.get(key), b.summary.get(key)
        if x is not None and y is not None and x != y:
            return f"different {what}: {key} {_shown(x)} in A, {_shown(y)} in B"
    return None


def _shown(value: object) -> str:
    return repr(clean_text(value, 80)) if isinstance(value, str) else clean_text(json.dumps(value), 80)


@dataclass(frozen=True)
class Pairing:
    pairs: list[tuple[Run, Run]]
    notes: list[str]  # benchmarks both sides have but that were not paired, and why


def pair_records(a: list[Run], b: list[Run], spec_a: str, spec_b: str) -> Pairing:
    """(A, B) per benchmark both sides have, on the same questions and version; a benchmark whose runs
    differ in that is not compared (a note says why), and when nothing is left it is one ConfigError."""
    pairs, notes = [], []
    for run_a in a:
        same = [r for r in b if r.benchmark == run_a.benchmark]
        if not same:
            continue
        if run_a.benchmark not in DIFFABLE:
            title = BENCHMARK_TITLES.get(run_a.benchmark, run_a.benchmark)
            notes.append(f"{title} not compared: diff compares BFCL, ToolGrad-5k and ToolBench records ({run_a.path})")
            continue
        match = next((r for r in same if identity_mismatch(run_a, r) is None), None)
        if match is not None:
            pairs.append((run_a, match))
            continue
        why = identity_mismatch(run_a, same[0])
        notes.append(
            f"{BENCHMARK_TITLES.get(run_a.benchmark, run_a.benchmark)} not compared: A ({run_a.path}) and "
            f"B ({same[0].path}) are runs on {why}"
        )
    if not pairs:
        if notes:
            raise ConfigError("; ".join(notes))
        have_a = ", ".join(sorted({r.benchmark for r in a}))
        have_b = ", ".join(sorted({r.benchmark for r in b}))
        raise ConfigError(f"{spec_a!r} ({have_a}) and {spec_b!r} ({have_b}) share no benchmark to compare")
    return Pairing(pairs, notes)
