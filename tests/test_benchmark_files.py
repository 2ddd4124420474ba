"""Every data file in benchmarks/ is valid (datasette-style: an unknown file fails the test).

benchmarks/demo/ holds demo datasets, not reported numbers, and is not checked here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolgrad_eval.errors import ConfigError
from toolgrad_eval.leaderboard import load_models_file, load_packaged, load_reported_file
from toolgrad_eval.leaderboard.config import check_reported_models, parse_reported

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
SKIPPED_DIRS = {"demo", "__pycache__"}


def _data_files() -> list[Path]:
    return sorted(
        p
        for p in BENCHMARKS.rglob("*")
        if p.is_file() and not SKIPPED_DIRS & set(p.relative_to(BENCHMARKS).parts) and p.name != "__init__.py"
    )


def _validator(path: Path):
    relative = path.relative_to(BENCHMARKS)
    if relative == Path("models.json"):
        return load_models_file
    if relative.parts[0] == "reported" and path.suffix == ".json" and len(relative.parts) == 2:
        return load_reported_file
    if relative.parts[0] == "bfcl" and path.name.startswith("conventions-") and path.suffix == ".json":
        from toolgrad_eval.bfcl.conventions import validate_table_file

        return validate_table_file
    return None


@pytest.mark.parametrize("path", _data_files(), ids=lambda p: str(p.relative_to(BENCHMARKS)))
def test_every_benchmark_file_validates(path: Path) -> None:
    validator = _validator(path)
    assert validator is not None, f"{path}: no schema known for this file; add one to tests/test_benchmark_files.py"
    validator(path)


def test_reported_rows_name_configured_models_once() -> None:
    models = load_models_file(BENCHMARKS / "models.json")
    files = [(str(p), load_reported_file(p)) for p in sorted((BENCHMARKS / "reported").glob("*.json"))]
    check_reported_models(models, files)
    toolbench = {
        row.model for _, f in files if f.benchmark == "toolbench" for row in f.rows
    }  # tests/toolbench/test_reported.py
    assert {row.model for _, f in files for row in f.rows} - toolbench == {
        "gemma-3-4b",
        "toolgrad-4b",
        "gemma-3-12b",
        "toolgrad-12b",
        "toolgrad-1b",
    }
    # What ships in the wheel is what is checked here.
    packaged_models, packaged = load_packaged()
    assert packaged_models == models and [f for _, f in packaged] == [f for _, f in files]


def test_reported_numbers_match_the_sources() -> None:
    """Golden values: reference README sections 2 and 5 (model cards, reference repository README)."""
    rows = {row.model: row for p in (BENCHMARKS / "reported").glob("*.json") for row in load_reported_file(p).rows}
    cards = {
        "gemma-3-4b": [61.12, 60.84, 100.00, 53.94, 64.50, 88.00, 56.00, 36.00, 70.93, 59.35, 25.00, 41.67],
        "toolgrad-4b": [72.46, 65.58, 93.75, 59.27, 65.33, 86.50, 73.00, 65.00, 71.32, 64.86, 43.75, 50.00],
        "gemma-3-12b": [79.44, 74.24, 93.75, 70.29, 76.25, 94.00, 91.00, 56.50, 85.66, 71.89, 87.50, 45.83],
        "toolgrad-12b": [87.81, 78.46, 93.75, 59.27, 75.25, 94.00, 93.50, 88.50, 85.66, 77.11, 75.00, 62.50],
    }
    columns = [
        "non_live_overall",
        "live_overall",
        "relevance",
        "irrelevance",
        "non_live_simple",
        "non_live_multiple",
        "non_live_parallel",
        "non_live_parallel_multiple",
        "live_simple",
        "live_multiple",
        "live_parallel",
        "live_parallel_multiple",
    ]
    for model, values in cards.items():
        assert [rows[model].values[c] for c in columns] == values, model
    assert rows["toolgrad-1b"].values == {"recall": 0.987917, "success_rate": 0.955482, "qor": 93.702}
    # The cards print the Gemma-3 rows' Rel./Irrel. swapped; the correction keeps the printed values.
    assert rows["gemma-3-4b"].corrections[0].printed == {"relevance": 53.94, "irrelevance": 100.0}
    assert rows["gemma-3-12b"].corrections[0].printed == {"relevance": 70.29, "irrelevance": 93.75}


def test_schema_rejects_unknown_keys_and_columns(tmp_path: Path) -> None:
    data = json.loads((BENCHMARKS / "reported" / "toolgrad5k-reference-readme.json").read_text())
    with pytest.raises(ConfigError, match="toolgrad5k-copy.json"):
        parse_reported({**data, "extra": 1}, "toolgrad5k-copy.json")
    bad_row = {**data["rows"][0], "values": {"recall": 0.9, "bleu": 1.0}}
    with pytest.raises(ConfigError, match="no column 'bleu'"):
        parse_reported({**data, "rows": [bad_row]}, "x.json")
    out_of_range = {**data["rows"][0], "values": {"recall": 98.8}}
    with pytest.raises(ConfigError, match="outside 0.0..1.0"):
        parse_reported({**data, "rows": [out_of_range]}, "x.json")
    with pytest.raises(ConfigError, match="https"):
        parse_reported({**data, "provenance": {**data["provenance"], "url": "http://example.com"}}, "x.json")
