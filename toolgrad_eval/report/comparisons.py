"""What the comparison pages show: per-sample diffs of run pairs, and checkpoint sweeps.

Diff pages are made for every configured base -> fine-tune pair that has runs on both sides
(``benchmarks/models.json``) and for every ``--diff A=B`` asked for. A sweep follows an ordered
list of runs (``--series step100,step200,...`` or a glob over run names) column by column.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Sequence

from toolgrad_eval.diff import RunDiff, diff_runs
from toolgrad_eval.errors import ConfigError
from toolgrad_eval.leaderboard import (
    BENCHMARK_TITLES,
    BENCHMARKS,
    COLUMNS,
    Cell,
    Column,
    Leaderboard,
    Run,
    load_packaged,
)

SERIES_MAX = 60  # runs one sweep chart can show legibly


@dataclass(frozen=True)
class DiffPage:
    path: str  # relative to the site root: diffs/<slug>.html
    title: str
    why: str  # "base → fine-tune pair" | "asked for with --diff"
    diff: RunDiff


@dataclass(frozen=True)
class SweepPoint:
    label: str
    cell: Cell
    synthetic: bool


@dataclass(frozen=True)
class SweepSeries:
    benchmark: str
    data_version: str | None
    column: Column
    points: list[SweepPoint]


@dataclass(frozen=True)
class Sweep:
    path: str
    names: list[str]
    series: list[SweepSeries]

    @property
    def synthetic(self) -> bool:
        return any(p.synthetic for s in self.series for p in s.points)


def parse_diff_pairs(values: Sequence[str]) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        a, sep, b = value.partition("=")
        if not sep or not a.strip() or not b.strip():
            raise ConfigError(f"--diff {value!r}: expected BASE=NEW, two run (model) names")
        pairs.append((a.strip(), b.strip()))
    return pairs


def diff_pages(board: Leaderboard, requested: Sequence[tuple[str, str]] = ()) -> list[DiffPage]:
    runs = board.runs
    names = {run.model for run in runs}
    for a, b in requested:
        for name in (a, b):
            if name not in names:
                raise ConfigError(f"--diff {a}={b}: no run record of a model named {name!r} was found")
    wanted: list[tuple[str, str, str]] = [(a, b, "asked for with --diff") for a, b in requested]
    wanted += [(a, b, "base → fine-tune pair") for a, b in _configured_pairs(board) if (a, b) not in requested]
    pages: list[DiffPage] = []
    taken: set[str] = set()
    for a_name, b_name, why in wanted:
        for a, b in _run_pairs(runs, a_name, b_name):
            version = f" {b.data_version}" if b.data_version else ""
            title = f"{a.model} → {b.model} ({BENCHMARK_TITLES[a.benchmark]}{version})"
            slug = _slug(f"{a.model}--{b.model}-{a.benchmark}{version.strip()}", taken)
            pages.append(DiffPage(f"diffs/{slug}.html", title, why, diff_runs(a, b)))
    return pages


def _configured_pairs(board: Leaderboard) -> list[tuple[str, str]]:
    """Run names of each configured pair: runs matched to the base and to the fine-tune."""
    models, _ = load_packaged()
    by_label: dict[str, list[str]] = {}
    for page in board.pages:
        if page.matched:
            by_label.setdefault(page.matched, []).append(page.model)
    out = []
    for pair in models.pairs:
        for a in by_label.get(models.models[pair.base].label, []):
            out += [(a, b) for b in by_label.get(models.models[pair.fine_tune].label, [])]
    return out


def _run_pairs(runs: Sequence[Run], a_name: str, b_name: str) -> list[tuple[Run, Run]]:
    pairs = []
    for a in (r for r in runs if r.model == a_name):
        for b in (r for r in runs if r.model == b_name):
            if a.benchmark == b.benchmark and a.data_version == b.data_version:
                pairs.append((a, b))
    return sorted(pairs, key=lambda p: BENCHMARKS.index(p[0].benchmark))  # type: ignore[arg-type]


def _slug(text: str, taken: set[str]) -> str:
    slug = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-.")[:100] or "diff"
    base, n = slug, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _natural(name: str) -> list[object]:
    """step200 before step1000: digit runs compare as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def series_names(board: Leaderboard, spec: Sequence[str]) -> list[str]:
    """The run names of a sweep in order: a comma list as given, a glob in natural order."""
    known = sorted({run.model for run in board.runs}, key=_natural)
    names: list[str] = []
    for item in (part.strip() for value in spec for part in value.split(",")):
        if not item:
            continue
        matched = [n for n in known if fnmatch.fnmatchcase(n, item)] if any(c in item for c in "*?[") else [item]
        if not matched or matched[0] not in known:
            raise ConfigError(f"--series {item!r}: no run record of a model named like that was found")
        names += [n for n in matched if n not in names]
    if len(names) == 1:
        raise ConfigError(
            f"--series {names[0]!r}: a sweep compares at least two runs, and only one was named or matched"
        )
    if len(names) > SERIES_MAX:
        raise ConfigError(f"--series: {len(names)} runs; a sweep chart shows at most {SERIES_MAX}")
    return names


def sweep(board: Leaderboard, spec: Sequence[str]) -> Sweep | None:
    names = series_names(board, spec)
    if not names:
        return None
    scores = {path: cells for page in board.pages for path, cells in page.scores.items()}
    series: list[SweepSeries] = []
    for benchmark in BENCHMARKS:
        runs = [r for r in board.runs if r.benchmark == benchmark and r.model in names]
        for version in sorted({r.data_version or "" for r in runs}):
            ordered = sorted((r for r in runs if (r.data_version or "") == version), key=lambda r: names.index(r.model))
            for column in COLUMNS[benchmark]:
                points = [SweepPoint(r.model, scores[r.path][column.key], r.synthetic) for r in ordered]
                if any(p.cell.value is not None for p in points):
                    series.append(SweepSeries(benchmark, version or None, column, points))
    return Sweep("sweep.html", names, series)
