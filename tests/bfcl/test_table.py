"""Our terminal tables are character for character what tabulate's github format prints."""

from __future__ import annotations

import random
import string

from tabulate import tabulate

from toolgrad_eval.bfcl.table import card_table, category_table, github_table


def test_github_table_matches_tabulate() -> None:
    rnd = random.Random(7)
    alphabet = string.ascii_letters + string.digits + " ./_-|:%*" + "é中\t"
    fast = 0
    for _ in range(3000):
        cols, n = rnd.randint(1, 6), rnd.randint(0, 4)
        cell = lambda: "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12)))  # noqa: E731
        headers = [cell() for _ in range(cols)]
        rows = [[cell() for _ in range(cols)] for _ in range(n)]
        align = tuple(rnd.choice(["left", "right"]) for _ in range(cols)) if rnd.random() < 0.5 else ()
        expected = tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True, colalign=align or None)
        assert github_table(headers, rows, align) == expected, (headers, rows, align)
        fast += all(c.isascii() and c.isprintable() and c == c.strip() for c in [*headers, *sum(rows, [])]) and n > 0
    assert fast > 300  # the hand-written layout, not only the tabulate fallback, was compared


def test_run_tables_render() -> None:
    card = card_table("my-model", {"overall": 0.5})
    assert card.splitlines()[0].startswith("| model    |")
    table = category_table("v4", {"simple_python": {"accuracy": 0.955, "correct_count": 382, "total_count": 400}})
    assert "| simple_python " in table and "382/400 |" in table and "N/A" in table
