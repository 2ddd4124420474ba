"""Assembling the leaderboard: reported rows and run records side by side, with statistics."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Mapping, Sequence

from toolgrad_eval.errors import ConfigError
from toolgrad_eval.leaderboard.checks import ReportedValues, check_reported
from toolgrad_eval.leaderboard.columns import BENCHMARK_TITLES, BENCHMARKS, COLUMNS, Column, column
from toolgrad_eval.leaderboard.config import ModelsFile, ReportedFile, ReportedRow, load_packaged
from toolgrad_eval.leaderboard.details import run_details
from toolgrad_eval.leaderboard.text import BuildMessage, literal
from toolgrad_eval.leaderboard.model import Cell, DeltaCell, DeltaRow, Group, Leaderboard, ModelPage, Note, Row, Table
from toolgrad_eval.leaderboard.runs import Run, discover_runs
from toolgrad_eval.leaderboard.stats import ci_method, column_ci, paired_delta

DEFAULT_TITLE = "Tool-use leaderboard: Gemma-3 baselines and ToolGrad models"


def build_leaderboard(
    run_roots: Sequence[Path],
    *,
    matches: Mapping[str, str] | None = None,
    title: str = DEFAULT_TITLE,
    include_synthetic: bool = True,
) -> Leaderboard:
    """Load every run record under ``run_roots`` and the packaged reported numbers into one table.

    ``matches`` maps reproduced model names to reported models (id or label) and takes precedence
    over ``benchmarks/models.json``.
    """
    models, reported = load_packaged()
    runs, messages = discover_runs(run_roots, include_synthetic=include_synthetic)
    runs, duplicates = _latest_runs(runs)
    messages += [_duplicate_message(old, kept) for old, kept in duplicates]
    overrides = _resolve_overrides(models, matches or {})
    names = {run.model for run in runs}
    messages += [
        BuildMessage(literal(f"--match {name}: no run record of a model named {name!r} was found"))
        for name in overrides
        if name not in names
    ]
    matched = {run.model: _match(models, overrides, run.model) for run in runs}
    scores = {run.path: _scores(run) for run in runs}
    pages = _pages(models, runs, matched, scores)
    page_of = {page.model: page.path for page in pages}
    tables = [_table(b, models, reported, runs, matched, page_of, scores) for b in BENCHMARKS]
    return Leaderboard(
        title=title, tables=tables, sources=reported, pages=pages, messages=messages, duplicates=duplicates
    )


def _latest_runs(runs: Sequence[Run]) -> tuple[list[Run], list[tuple[Run, Run]]]:
    """One run per (model, benchmark, data version): the latest by created_at.

    The same record found twice under --runs (a copy, an older rerun) would otherwise show as two
    identical rows that nobody can tell apart.
    """
    by_key: dict[tuple[str, str, str | None], list[Run]] = {}
    for run in runs:
        by_key.setdefault((run.model, run.benchmark, run.data_version), []).append(run)
    kept: list[Run] = []
    ignored: list[tuple[Run, Run]] = []
    for found in by_key.values():
        found.sort(key=lambda r: (r.created_at, str(r.path)))
        kept.append(found[-1])
        ignored += [(old, found[-1]) for old in found[:-1]]
    return [r for r in runs if any(r is k for k in kept)], ignored


def _duplicate_message(old: Run, kept: Run) -> BuildMessage:
    what = f"{BENCHMARK_TITLES[old.benchmark]}{' ' + old.data_version if old.data_version else ''}"
    return BuildMessage(
        "duplicate run record ignored: {} "
        + literal(f"({old.model}, {what}, created {old.created_at or 'unknown'}); kept the later ")
        + "{} "
        + literal(f"(created {kept.created_at or 'unknown'})"),
        (old.path, kept.path),
    )


def _resolve_overrides(models: ModelsFile, matches: Mapping[str, str]) -> dict[str, str]:
    by_name = {key.lower(): key for key in models.models}
    by_name.update({info.label.lower(): key for key, info in models.models.items()})
    resolved = {}
    for run_name, target in matches.items():
        key = by_name.get(target.strip().lower())
        if key is None:
            known = ", ".join(models.models)
            raise ConfigError(f"--match {run_name}={target}: no reported model {target!r} (known: {known})")
        resolved[run_name] = key
    return resolved


def _match(models: ModelsFile, overrides: Mapping[str, str], name: str) -> str | None:
    if name in overrides:
        return overrides[name]
    if name in models.match:
        return models.match[name]
    return name if name in models.models else None


def _scores(run: Run) -> dict[str, Cell]:
    """A run's column values with their 95% CIs (computed once, shown in the table and on its page)."""
    cells = {}
    for c in COLUMNS[run.benchmark]:
        strata = run.strata(c.key)
        n = sum(len(s.values) for s in strata) if strata else None
        cells[c.key] = Cell(
            run.values.get(c.key),
            column_ci(strata, c.run_factor),
            n=n,
            ci_method=ci_method(strata),
            partial=run.partial if c.judged else None,
        )
    return cells


def _pages(
    models: ModelsFile, runs: Sequence[Run], matched: Mapping[str, str | None], scores: Mapping[Path, dict[str, Cell]]
) -> list[ModelPage]:
    by_model: dict[str, list[Run]] = {}
    for run in runs:
        by_model.setdefault(run.model, []).append(run)
    taken: set[str] = set()
    pages = []
    for name in sorted(by_model):
        target = matched.get(name)
        pages.append(
            ModelPage(
                model=name,
                path=f"models/{_slug(name, taken)}.html",
                matched=models.models[target].label if target else None,
                details=[run_details(run) for run in sorted(by_model[name], key=_run_order)],
                scores={run.path: scores[run.path] for run in by_model[name]},
            )
        )
    return pages


def _slug(name: str, taken: set[str]) -> str:
    """A file name for a model page: readable, safe on every file system, unique."""
    slug = re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-.")[:60] or "model"
    if slug in taken:
        slug = f"{slug}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"
    taken.add(slug)
    return slug


def _run_order(run: Run) -> tuple[str, str, str]:
    return (run.benchmark, run.data_version or "", str(run.path))


def _table(
    benchmark: str,
    models: ModelsFile,
    reported: Sequence[tuple[str, ReportedFile]],
    runs: Sequence[Run],
    matched: Mapping[str, str | None],
    page_of: Mapping[str, str],
    scores: Mapping[Path, dict[str, Cell]],
) -> Table:
    columns = COLUMNS[benchmark]
    found = {row.model: (row, file) for _, file in reported if file.benchmark == benchmark for row in file.rows}
    rows_of: dict[str, tuple[ReportedRow, ReportedFile]] = {m: found[m] for m in models.models if m in found}
    display = {
        m: {c.key: row.values[c.key] * c.reported_factor for c in columns if c.key in row.values}
        for m, (row, _) in rows_of.items()
    }
    notes, marks = _notes(benchmark, models, rows_of, display)
    bench_runs = sorted((r for r in runs if r.benchmark == benchmark), key=lambda r: (r.model, *_run_order(r)))

    order = [m for m in models.models if m in rows_of or any(matched[r.model] == m for r in bench_runs)]
    order += sorted({r.model for r in bench_runs if matched[r.model] is None})
    groups = []
    for key in order:
        reported_row = None
        rows: list[Row] = []
        if key in rows_of:
            row, file = rows_of[key]
            cells = {c.key: Cell(display[key].get(c.key), marks=tuple(marks.get((key, c.key), ()))) for c in columns}
            reported_row = Row(
                "reported", models.models[key].label, False, cells, file.provenance.label, file.provenance.url
            )
            rows.append(reported_row)
        group_runs = [r for r in bench_runs if (matched[r.model] == key if key in models.models else r.model == key)]
        for run in group_runs:
            version_note = _version_note(run, rows_of[key][1]) if key in rows_of else None
            repro = Row(
                "reproduced",
                run.model,
                run.synthetic,
                scores[run.path],
                _run_source(run),
                page=page_of.get(run.model),
                run=run,
                version_note=version_note,
            )
            rows.append(repro)
            if reported_row is not None:
                rows.append(_difference_row(run, repro, reported_row, columns, len(group_runs) > 1))
        label = models.models[key].label if key in models.models else key
        groups.append(Group(key=key, label=label, rows=rows))
    notes_by_number = {note.number: note for note in notes}
    warnings = {k: [n for n in v if notes_by_number[n].kind == "warning"] for k, v in marks.items()}
    deltas = _deltas(benchmark, models, rows_of, display, bench_runs, matched, warnings)
    return Table(benchmark, BENCHMARK_TITLES[benchmark], columns, groups, notes, deltas)


def _notes(
    benchmark: str,
    models: ModelsFile,
    rows_of: Mapping[str, tuple[ReportedRow, ReportedFile]],
    display: Mapping[str, Mapping[str, float]],
) -> tuple[list[Note], dict[tuple[str, str], list[int]]]:
    """Numbered notes for a table, and which (model, column) cells each one marks."""
    notes: list[Note] = []
    marks: dict[tuple[str, str], list[int]] = {}
    by_text: dict[str, int] = {}

    def add(kind: str, text: str, model: str, columns: Sequence[str]) -> None:
        number = by_text.get(text)
        if number is None:
            number = by_text[text] = len(notes) + 1
            notes.append(Note(number, kind, text))  # type: ignore[arg-type]
        for col in columns:
            if number not in marks.setdefault((model, col), []):
                marks[(model, col)].append(number)

    values = [ReportedValues(m, models.models[m].label, display[m]) for m in rows_of]
    for finding in check_reported(benchmark, values):
        add(finding.kind, finding.message, finding.model, finding.columns)
    for model, (row, _) in rows_of.items():
        for fix in row.corrections:
            printed = ", ".join(f"{column(benchmark, k).label} {v:.2f}" for k, v in fix.printed.items())
            text = f"{models.models[model].label}: corrected here; the source prints {printed}. {fix.reason}"
            add("note", text, model, list(fix.printed))
    return notes, marks


def _version_note(run: Run, file: ReportedFile) -> str | None:
    """Why a run and the reported numbers it is compared with are not on the same benchmark version."""
    if not run.data_version:
        return None
    reported = set(re.findall(r"\bv(\d+)\b", file.benchmark_version.lower()))
    ours = run.data_version.lower().lstrip("v")
    if not reported or ours in reported:
        return None
    title = BENCHMARK_TITLES[run.benchmark]
    return (
        f"Version differs: this run is {title} {run.data_version}; the reported numbers are "
        f"{file.benchmark_version}. Category contents changed between versions, so differences "
        f"are not only the model's."
    )


def _run_source(run: Run) -> str:
    n = run.n_samples
    if run.benchmark == "bfcl":
        parts = [f"BFCL {run.data_version or '?'}", f"{n:,} entries" if n is not None else ""]
    else:
        judge = run.summary.get("judge_model")
        unit = "queries" if run.benchmark == "toolbench" else "samples"
        parts = [f"{n:,} {unit}" if n is not None else "", f"judge {judge}" if judge else ""]
        reference = run.summary.get("reference_model") if run.benchmark == "toolbench" else None
        if isinstance(reference, str):
            parts.append(f"vs {reference}")
    return " · ".join(p for p in parts if p)


def _difference_row(run: Run, repro: Row, reported: Row, columns: Sequence[Column], name_run: bool) -> Row:
    cells = {}
    for c in columns:
        ours, theirs = repro.cells[c.key], reported.cells[c.key]
        if ours.value is None or theirs.value is None:
            cells[c.key] = Cell(None)
            continue
        # A zero-width CI (possible for a bootstrap) would flag every other value; synthetic data
        # says nothing about the reported model, so nothing there is flagged as a finding.
        outside = (  # a partial value (judge errors, budget stop) is no finding about the model either
            not run.synthetic
            and ours.partial is None
            and ours.ci is not None
            and ours.ci[1] > ours.ci[0]
            and not ours.ci[0] <= theirs.value <= ours.ci[1]
        )
        cells[c.key] = Cell(ours.value - theirs.value, outside_ci=outside, partial=ours.partial)
    if run.synthetic:
        label = "Δ vs reported (synthetic data: illustrative only)"
    else:
        label = f"{run.model} − reported" if name_run else "reproduced − reported"
    if run.synthetic and name_run:
        label = f"{run.model}: {label}"
    return Row("difference", label, run.synthetic, cells, "", run=run)


def _deltas(
    benchmark: str,
    models: ModelsFile,
    rows_of: Mapping[str, tuple[ReportedRow, ReportedFile]],
    display: Mapping[str, Mapping[str, float]],
    runs: Sequence[Run],
    matched: Mapping[str, str | None],
    warnings: Mapping[tuple[str, str], Sequence[int]] | None = None,
) -> list[DeltaRow]:
    out = []
    columns = COLUMNS[benchmark]
    for pair in models.pairs:
        name = f"{models.models[pair.base].label} → {models.models[pair.fine_tune].label}"
        if pair.base in rows_of and pair.fine_tune in rows_of:
            a, b = display[pair.base], display[pair.fine_tune]
            warned = warnings or {}
            cells = {
                c.key: DeltaCell(
                    b[c.key] - a[c.key] if c.key in a and c.key in b else None,
                    # A difference of inconsistent reported numbers inherits their warnings.
                    marks=tuple(
                        dict.fromkeys([*warned.get((pair.base, c.key), ()), *warned.get((pair.fine_tune, c.key), ())])
                    ),
                )
                for c in columns
            }
            sources = dict.fromkeys(rows_of[m][1].provenance.label for m in (pair.base, pair.fine_tune))
            out.append(DeltaRow("reported", name, "; ".join(sources), False, cells))
        bases = [r for r in runs if matched[r.model] == pair.base]
        tunes = [r for r in runs if matched[r.model] == pair.fine_tune]
        for base in bases:
            for tune in tunes:
                if base.data_version != tune.data_version:
                    continue  # BFCL v3 and v4 entries differ; pairing them by id would be wrong
                cells = {}
                for c in columns:
                    va, vb = base.values.get(c.key), tune.values.get(c.key)
                    stat = paired_delta(base.strata(c.key), tune.strata(c.key), c.run_factor)
                    # The paired mean difference, so the number agrees with its own CI and p-value;
                    # the difference of the column means only where there is nothing to pair.
                    diff = stat.diff if stat else (vb - va if va is not None and vb is not None else None)
                    cells[c.key] = DeltaCell(
                        diff, stat.ci if stat else None, stat.p_value if stat else None, stat.n if stat else None
                    )
                version = f" ({BENCHMARK_TITLES[benchmark]} {base.data_version})" if base.data_version else ""
                detail = f"{base.model} → {tune.model}{version}"
                out.append(DeltaRow("reproduced", name, detail, base.synthetic or tune.synthetic, cells))
    return out
