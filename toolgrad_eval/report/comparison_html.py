"""Rendering the comparison pages (diffs and sweeps) with the report's templates and CSP."""

from __future__ import annotations

from toolgrad_eval.leaderboard import Leaderboard
from toolgrad_eval.report.comparisons import DiffPage, Sweep
from toolgrad_eval.report.pages import render
from toolgrad_eval.report.sweep_chart import common_prefix, line_chart


def render_diff_page(board: Leaderboard, page: DiffPage) -> str:
    return render("diff.html.jinja", board=board, page=page, root="../")


def render_sweep_page(board: Leaderboard, sweep: Sweep) -> str:
    prefix = common_prefix(list(sweep.names))
    charts = [line_chart(s, prefix) for s in sweep.series]
    return render("sweep.html.jinja", board=board, sweep=sweep, charts=charts, prefix=prefix, root="")
