"""The terminal tables printed after a BFCL run."""

from __future__ import annotations

from toolgrad_eval.bfcl.table import card_table, category_table, github_table


def test_run_tables_render() -> None:
    card = card_table("my-model", {"overall": 0.5})
    assert card.splitlines()[0].startswith("| model    |")
    table = category_table("v4", {"simple_python": {"accuracy": 0.955, "correct_count": 382, "total_count": 400}})
    assert "| simple_python " in table and "382/400 |" in table and "N/A" in table


def test_github_table_draws_exactly_what_tabulate_draws() -> None:
    """Drawn without tabulate for plain ASCII text (a run need not import it), the same text."""
    import random
    import string

    from tabulate import tabulate

    rng = random.Random(3)
    alphabet = string.ascii_letters + string.digits + " ./%()-_*:|"

    def text() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))

    cases = [(["model", "Overall"], [["m", "41.20 (partial)"]], ()), (["é", "宽"], [["ü", "名字"]], ("right",))]
    for _ in range(3000):
        n = rng.randint(1, 5)
        align = tuple(rng.choice(["left", "right"]) for _ in range(rng.randint(0, n)))
        cases.append(
            ([text() for _ in range(n)], [[text() for _ in range(n)] for _ in range(rng.randint(0, 4))], align)
        )
    for headers, rows, align in cases:
        expected = tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True, colalign=align or None)
        assert github_table(headers, rows, align) == expected, (headers, rows, align)
