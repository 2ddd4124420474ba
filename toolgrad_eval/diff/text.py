"""The terminal view of a diff: tabulate tables, hostile text shown escaped and cut short."""

from __future__ import annotations

from typing import Any

from toolgrad_eval import units
from toolgrad_eval.diff import RunDiff
from toolgrad_eval.leaderboard import BENCHMARK_TITLES

_SHOWN_IDS = 8  # flipped ids quoted per category
_SHOWN_ROWS = 15  # rows of each listing (error-type changes, drops, disagreements)


def _printable(text: str, limit: int = 120) -> str:
    """Model text must not drive the terminal: controls escaped, long text cut."""
    shown = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _f(value: float | None, digits: int = 4) -> str:
    return "N/A" if value is None else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    return units.p_value(value, missing="N/A")


def _ci(ci: tuple[float, float] | None, digits: int = 2, scale: float = 100) -> str:
    """A difference's CI, in percentage points by default (rates are fractions inside)."""
    return "N/A" if ci is None else f"[{scale * ci[0]:+.{digits}f}, {scale * ci[1]:+.{digits}f}]"


def _rate(value: float | None, digits: int = 2) -> str:
    return units.percent(value, digits)


def _metric(name: str, value: float | None) -> str:
    """ToolGrad-5k means: QoR is already on 0-100; Recall and Success Rate are fractions, shown in %."""
    return _f(value, 2) if name == "qor" else _rate(value)


def _metric_diff(name: str, value: float | None) -> str:
    return "N/A" if value is None else f"{(1 if name == 'qor' else 100) * value:+.2f}"


# The diff's "overall" row pools every paired entry; the leaderboard's BFCL Overall is BFCL's own
# weighted mean of category groups. The two differ, so the row says which one it is.
_POOLED = "overall (pooled)"
_POOLED_NOTE = (
    "overall (pooled) = accuracy over every paired entry, each counted once; "
    "not BFCL's Overall Accuracy (the leaderboard's weighted mean of category groups)."
)


def render(diff: RunDiff) -> str:
    from tabulate import tabulate

    def table(rows: Any, headers: Any) -> str:
        return str(tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True))

    title = BENCHMARK_TITLES[diff.benchmark] + (
        f" {diff.bfcl.data_version}" if diff.bfcl and diff.bfcl.data_version else ""
    )
    lines = [
        f"{title}: {_printable(diff.b.model)} (B) compared with {_printable(diff.a.model)} (A)"
        + ("  [SYNTHETIC demo data]" if diff.synthetic else "")
    ]
    if diff.bfcl is not None:
        d = diff.bfcl
        rows: list[list[Any]] = []
        for c in [*d.categories, d.overall]:
            rows.append(
                [
                    _POOLED if c is d.overall else c.category,
                    c.n_paired,
                    _rate(c.accuracy_a),
                    _rate(c.accuracy_b),
                    _ci(c.difference.ci),
                    len(c.pass_to_fail),
                    len(c.fail_to_pass),
                    c.mcnemar.statistic,
                    _p(c.mcnemar.p_value),
                ]
            )
        lines.append(
            table(
                rows,
                [
                    "Category",
                    "Paired",
                    "Acc A %",
                    "Acc B %",
                    "B-A 95% CI (points)",
                    "Pass->fail",
                    "Fail->pass",
                    "McNemar stat",
                    "p (exact)",
                ],
            )
        )
        lines.append(_POOLED_NOTE)
        for c in d.categories:
            for name, ids in (("pass->fail", c.pass_to_fail), ("fail->pass", c.fail_to_pass)):
                if ids:
                    more = f" ... ({len(ids)} in all)" if len(ids) > _SHOWN_IDS else ""
                    lines.append(f"  {c.category} {name}: {_printable(', '.join(ids[:_SHOWN_IDS]), 400)}{more}")
        if d.changes:
            lines.append("\nError-type changes (A -> B), regressions first:")
            lines.append(
                table(
                    [
                        [
                            _printable(x.before, 60),
                            _printable(x.after, 60),
                            len(x.ids),
                            _printable(", ".join(x.ids[:4]), 60),
                        ]
                        for x in d.changes[:_SHOWN_ROWS]
                    ],
                    ["A", "B", "Entries", "e.g."],
                )
            )
        if sum(d.unpaired.values()):
            lines.append(
                f"Unpaired entries (in one run only, not compared): A {d.unpaired['only_a']}, B {d.unpaired['only_b']}"
            )
        lines.extend(f"Note: {_printable(n, 300)}" for n in d.notes)
    if diff.toolgrad5k is not None:
        t = diff.toolgrad5k
        lines.append(
            table(
                [
                    [
                        m,
                        x.n,
                        _metric(m, x.mean_a),
                        _metric(m, x.mean_b),
                        _metric_diff(m, x.mean_diff),
                        _ci(x.ci, 2, 1 if m == "qor" else 100),
                        _f(x.t_statistic, 3),
                        _p(x.p_value),
                        len(t.decreased[m]),
                        len(t.increased[m]),
                    ]
                    for m, x in t.metrics.items()
                ],
                ["Metric", "Pairs", "Mean A", "Mean B", "B-A", "95% CI (bootstrap)", "t", "p", "Down", "Up"],
            )
        )
        lines.append("Recall and Success Rate in %, QoR on 0-100; B-A and its CI in points.")
        if t.drops:
            lines.append("\nLargest QoR drops:")
            lines.append(
                table(
                    [
                        [
                            _printable(s.id, 40),
                            _f(s.a["qor"], 0),
                            _f(s.b["qor"], 0),
                            _printable(s.reason_a, 60),
                            _printable(s.reason_b, 60),
                        ]
                        for s in t.drops[:_SHOWN_ROWS]
                    ],
                    ["Sample", "QoR A", "QoR B", "Judge A", "Judge B"],
                )
            )
        if t.disagreements:
            lines.append(f"\nJudge vs rule metrics disagree on {t.n_disagreements} sample(s):")
            lines.append(
                table(
                    [
                        [
                            _printable(x.id, 40),
                            x.run.upper(),
                            x.kind,
                            _f(x.qor, 0),
                            _rate(x.recall, 0),
                            _rate(x.success_rate, 0),
                        ]
                        for x in t.disagreements[:_SHOWN_ROWS]
                    ],
                    ["Sample", "Run", "Kind", "QoR", "Recall %", "Success %"],
                )
            )
        if sum(t.unpaired.values()):
            lines.append(
                f"Unpaired samples (in one run only, not compared): A {t.unpaired['only_a']}, B {t.unpaired['only_b']}"
            )
        lines.extend(f"Note: {_printable(n, 300)}" for n in t.notes)
    if diff.toolbench is not None:
        lines += _toolbench_lines(diff.toolbench, table)
    return "\n".join(lines)


def _toolbench_lines(d: Any, table: Any) -> list[str]:
    rows = [
        ["SoPR", d.sopr.n, _f(d.sopr.mean_a, 1), _f(d.sopr.mean_b, 1), _f(d.sopr.mean_diff, 2), _ci(d.sopr.ci, 2, 1)]
    ]
    if d.sowr is not None:
        w = d.sowr
        rows.append(["SoWR", w.n, _f(w.mean_a, 1), _f(w.mean_b, 1), _f(w.mean_diff, 2), _ci(w.ci, 2, 1)])
    lines = [table(rows, ["Metric", "Pairs", "A %", "B %", "B-A", "95% CI (paired bootstrap)"])]
    lines.append(
        f"Solved->unsolved {d.n_solved_to_unsolved}, unsolved->solved {d.n_unsolved_to_solved} "
        f"(McNemar exact {_p(d.mcnemar.p_value)})"
    )
    for name, ids in (("solved->unsolved", d.solved_to_unsolved), ("unsolved->solved", d.unsolved_to_solved)):
        if ids:
            lines.append(f"  {name}: {_printable(', '.join(ids[:_SHOWN_IDS]), 400)}")
    for change, ids in d.preference_changes.items():
        lines.append(
            f"  against {_printable(d.reference, 80)} {change}: {len(ids)} ({_printable(', '.join(ids[:4]), 200)})"
        )
    if sum(d.unpaired.values()):
        lines.append(f"Unpaired queries (in one run only): A {d.unpaired['only_a']}, B {d.unpaired['only_b']}")
    lines.extend(f"Note: {_printable(n, 300)}" for n in d.notes)
    return lines
