"""The published report: a self-contained static site plus Markdown and CSV tables.

``publish(run_roots, out)`` builds the leaderboard and writes::

    out/index.html            the tables, deltas, charts, sources (sortable, no network)
    out/models/<model>.html   one page per reproduced model: error types, failures, judge reasons
    out/diffs/<A>--<B>-<benchmark>.html   per-sample diff of a base -> fine-tune pair or a --diff A=B
    out/sweep.html            with --series: one chart per column across an ordered list of runs
    out/leaderboard.md        the same tables in Markdown
    out/bfcl.csv, out/toolgrad5k.csv, out/deltas.csv

Every file is written atomically; model pages before the index that links to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from toolgrad_eval.fileio import atomic_write_text, ensure_writable_dir
from toolgrad_eval.leaderboard import DEFAULT_TITLE, Leaderboard, build_leaderboard

__all__ = ["Published", "publish", "write_report"]

INDEX = "index.html"
GENERATOR_TAG = '<meta name="generator" content="toolgrad-eval'  # see templates/base.html.jinja


@dataclass(frozen=True)
class Published:
    out: Path
    index: Path
    files: list[Path]
    size_bytes: int
    leaderboard: Leaderboard


def publish(
    run_roots: Sequence[Path],
    out: Path,
    *,
    matches: Mapping[str, str] | None = None,
    title: str = DEFAULT_TITLE,
    diffs: Sequence[tuple[str, str]] = (),
    series: Sequence[str] = (),
    include_synthetic: bool = True,
) -> Published:
    """Build the leaderboard from run records under ``run_roots`` and write the site into ``out``.

    ``diffs``: (A, B) run names to publish a diff page for, besides the configured base ->
    fine-tune pairs; ``series``: run names (comma lists or globs) for a checkpoint sweep page."""
    board = build_leaderboard(run_roots, matches=matches, title=title, include_synthetic=include_synthetic)
    return write_report(board, out, diffs=diffs, series=series)


def write_report(
    board: Leaderboard, out: Path, *, diffs: Sequence[tuple[str, str]] = (), series: Sequence[str] = ()
) -> Published:
    from toolgrad_eval.report.comparison_html import render_diff_page, render_sweep_page
    from toolgrad_eval.report.comparisons import diff_pages, sweep
    from toolgrad_eval.report.pages import render_index, render_model_page
    from toolgrad_eval.report.tables import CSV_FILES, DELTAS_CSV, MARKDOWN_FILE, csv_files, markdown

    ensure_writable_dir(out, "report (--report-dir/--out)")
    comparisons = diff_pages(board, diffs)
    swept = sweep(board, series) if series else None
    texts: dict[str, str] = {page.path: render_model_page(board, page) for page in board.pages}
    texts.update({page.path: render_diff_page(board, page) for page in comparisons})
    if swept is not None:
        texts[swept.path] = render_sweep_page(board, swept)
    texts[MARKDOWN_FILE] = markdown(board)
    texts.update(csv_files(board))
    downloads = [(MARKDOWN_FILE, "Markdown"), *((name, "CSV") for name in (*CSV_FILES.values(), DELTAS_CSV))]
    links = [(page.path, page.title, page.why) for page in comparisons]
    if swept is not None:
        links.append((swept.path, f"Sweep over {len(swept.names)} runs", "--series"))
    texts[INDEX] = render_index(board, downloads, links)  # last: it links to everything above
    written = []
    for relative, text in texts.items():
        atomic_write_text(out / relative, text)
        written.append(out / relative)
    _remove_stale_pages(out, {out / page.path for page in board.pages})
    _remove_stale_pages(out, {out / page.path for page in comparisons}, "diffs")
    if swept is None:
        _remove_stale_page(out / "sweep.html")
    return Published(out, out / INDEX, written, sum(p.stat().st_size for p in written), board)


def _remove_stale_pages(out: Path, keep: set[Path], folder_name: str = "models") -> None:
    """Pages of models (or comparisons) no longer asked for would be orphans that look current."""
    folder = out / folder_name
    if not folder.is_dir():
        return
    for page in folder.glob("*.html"):
        if page not in keep:
            _remove_stale_page(page)
    try:
        folder.rmdir()  # only when nothing is left in it (the user's own files stay, and so does it)
    except OSError:
        pass


def _remove_stale_page(page: Path) -> None:
    """Only a page this tool wrote (its generator tag near the top) is removed: never the user's."""
    if not page.is_file():
        return
    with page.open("rb") as handle:
        head = handle.read(2048)
    if GENERATOR_TAG.encode() in head:
        page.unlink()
