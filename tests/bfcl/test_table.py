"""The terminal tables printed after a BFCL run."""

from __future__ import annotations

from toolgrad_eval.bfcl.table import card_table, category_table


def test_run_tables_render() -> None:
    card = card_table("my-model", {"overall": 0.5})
    assert card.splitlines()[0].startswith("| model    |")
    table = category_table("v4", {"simple_python": {"accuracy": 0.955, "correct_count": 382, "total_count": 400}})
    assert "| simple_python " in table and "382/400 |" in table and "N/A" in table
