"""Small hand-made run records for diff tests, written by the real writer (record.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

from toolgrad_eval.leaderboard import Run
from toolgrad_eval.leaderboard.runs import load_run
from toolgrad_eval.record import SUMMARY_FILE, write_run_record


def bfcl_record(
    folder: Path, model: str, outcomes: Mapping[str, Sequence[str | None]], *, synthetic: bool = False
) -> Run:
    """``outcomes``: category -> one entry per id (``<category>_<i>``): None passes, a string is
    the error type it failed with."""
    rows = []
    categories = {}
    for category, results in outcomes.items():
        for i, error_type in enumerate(results):
            rows.append(
                {
                    "id": f"{category}_{i}",
                    "category": category,
                    "valid": error_type is None,
                    "error_type": error_type,
                    "error": [] if error_type is None else [f"failed: {error_type}"],
                }
            )
        correct = sum(r is None for r in results)
        categories[category] = {
            "accuracy": correct / len(results),
            "correct_count": correct,
            "total_count": len(results),
        }
    summary = {
        "benchmark": "bfcl",
        "model": model,
        "dataset": str(folder / "nowhere"),
        "synthetic": synthetic,
        "n_samples": len(rows),
        "data_version": "v4",
        "categories": categories,
    }
    write_run_record(folder, summary, rows)
    return _load(folder)


def toolgrad5k_record(
    folder: Path, model: str, values: Mapping[str, Mapping[str, float | None]], reasons: Mapping[str, str] | None = None
) -> Run:
    """``values``: sample id -> {recall, success_rate, qor}."""
    rows = [
        {
            "id": sid,
            "recall": v.get("recall"),
            "precision": 1.0,
            "success_rate": v.get("success_rate"),
            "qor": v.get("qor"),
            "judge_reason": (reasons or {}).get(sid, f"reason of {model} on {sid}"),
            "query": f"query {sid}",
            "response": f"{model} answers {sid}",
        }
        for sid, v in values.items()
    ]
    summary = {"benchmark": "toolgrad5k", "model": model, "dataset": "d", "synthetic": False, "n_samples": len(rows)}
    write_run_record(folder, summary, rows)
    return _load(folder)


def _load(folder: Path) -> Run:
    run, _ = load_run(folder / SUMMARY_FILE)
    assert run is not None
    return run
