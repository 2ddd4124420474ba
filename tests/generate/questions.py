"""Test data for the generate tests: BFCL data whose questions the fake model tells apart."""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["DEMO_DATA", "unique_questions"]

DEMO_DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "demo" / "bfcl-synthetic" / "data"


def unique_questions(
    source: Path,
    target: Path,
    *,
    copies: int = 1,
    categories: tuple[str, ...] | None = None,
    version: str = "v4",
    limit: int | None = None,
) -> Path:
    """A copy of the BFCL data in ``source`` whose every question has its own text (the fake model
    recognises a question by it), each entry repeated ``copies`` times under new ids; ``limit``:
    only the first entries of each category (``categories``: in the version's own names)."""
    (target / "possible_answer").mkdir(parents=True, exist_ok=True)
    prefix = f"BFCL_{version}_"
    for path in sorted(source.glob(f"{prefix}*.json")):
        category = path.name[len(prefix) : -len(".json")]
        if categories is not None and category not in categories:
            continue
        questions, answers = [], []
        answer_path = source / "possible_answer" / path.name
        known = {}
        if answer_path.exists():
            known = {a["id"]: a for a in map(json.loads, answer_path.read_text().splitlines()) if a}
        rows = list(map(json.loads, filter(None, path.read_text().splitlines())))[:limit]
        for copy in range(copies):
            for row in rows:
                new_id = row["id"] if copies == 1 else _renumber(row["id"], copy, category)
                turn = [dict(m) for m in row["question"][0]]
                turn[-1]["content"] = f"{turn[-1]['content']} (question {new_id})"
                questions.append({**row, "id": new_id, "question": [turn, *row["question"][1:]]})
                if row["id"] in known:
                    answers.append({**known[row["id"]], "id": new_id})
        (target / path.name).write_text("".join(json.dumps(q) + "\n" for q in questions))
        if answers:
            (target / "possible_answer" / path.name).write_text("".join(json.dumps(a) + "\n" for a in answers))
    return target


def _renumber(entry_id: str, copy: int, category: str) -> str:
    """``simple_python_3`` -> ``simple_python_<copy>03``-style ids that stay BFCL-shaped."""
    head, _, tail = entry_id[len(category) + 1 :].partition("-")
    return f"{category}_{copy * 1000 + int(head)}" + (f"-{tail}" if tail else "")
