"""Score one model's BFCL run: score files, leaderboard CSVs, run record, terminal table.

``run_bfcl`` is the entry point ``toolgrad-eval --pred_model M --dataset RUN`` calls when RUN holds
``result/<M>/`` (or ``results/<M>/``). Where score files go:

- ``--score-dir DIR``: ``DIR/<model>/...`` and ``DIR/data_*.csv``, as BFCL's own ``--score-dir``;
- otherwise ``<dataset>/score/`` beside ``result/``, as BFCL does;
- unless the dataset is read-only or is data shipped with toolgrad-eval (the demo runs): then
  ``<output>/score/``, and the run says so. Result files are never written to.

Existing score files are replaced only with ``overwrite``; the check happens before any scoring.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

from toolgrad_eval.bfcl import scorefile
from toolgrad_eval.bfcl.aggregate import CategoryScore, model_card
from toolgrad_eval.bfcl.categories import SINGLE_TURN, SIZES, file_prefix, to_v4
from toolgrad_eval.bfcl.data import BfclData, locate_data
from toolgrad_eval.bfcl.layout import RunLayout, find_run
from toolgrad_eval.bfcl.leaderboard_csv import ModelScores, write_csvs
from toolgrad_eval.bfcl.scoring import CategoryOutcome, score_category
from toolgrad_eval.bfcl.table import card_table, category_table
from toolgrad_eval.errors import ConfigError, ToolgradError
from toolgrad_eval.record import write_run_record

FORMATS = ("auto", "python", "json", "fc")
_MAX_WARNINGS_SHOWN = 20


class ScoreFilesExistError(ToolgradError):
    """Score files from an earlier run would be replaced."""


def run_bfcl(
    dataset: Path,
    model: str,
    output: Path,
    *,
    bfcl_data: Path | None = None,
    fmt: str = "auto",
    score_dir: Path | None = None,
    overwrite: bool = False,
    fetch: bool = False,
    echo: Callable[[str], Any] = print,
) -> dict[str, Any]:
    """Score every single-turn category of ``model`` in ``dataset``; return the run summary."""
    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    dataset, output = Path(dataset), Path(output)
    layout = find_run(dataset, model)
    data = locate_data(layout.version, bfcl_data, fetch=fetch, echo=echo)
    root = choose_score_root(layout, output, score_dir, echo)
    targets = {rf.category: scorefile.score_path(root, model, rf.rel_dir, rf.version, rf.name) for rf in layout.files}
    _refuse_existing(model, root, list(targets.values()), overwrite)

    echo(f"BFCL {layout.version} run: {layout.model_dir} ({len(layout.files)} single-turn result files); "
         f"data: {data.source}")
    if layout.synthetic:
        echo("Note: this dataset declares itself SYNTHETIC (SYNTHETIC.md): demo numbers, not model results.")
    warnings = _layout_warnings(layout)
    outcomes = [score_category(rf, data, model, fmt=fmt) for rf in layout.files]
    for o in outcomes:
        warnings.extend(o.warnings)

    categories: dict[str, dict[str, Any]] = {}
    for o in outcomes:
        if o.score is None:
            continue
        path = targets[o.category]
        _write(path, lambda o=o, path=path: scorefile.write(path, scorefile.header(o.correct, o.score.total_count), o.failures))
        entry: dict[str, Any] = {"accuracy": o.score.accuracy, "correct_count": o.correct,
                                 "total_count": o.score.total_count, "score_file": str(path)}
        if o.issues:
            entry["issues"] = dict(o.issues)
        categories[o.category] = entry
    scores = {o.category: o.score for o in outcomes if o.score is not None}
    aggregates = model_card(scores)

    ours = ModelScores(model, dict(scores), [x for o in outcomes for x in o.latencies])
    csv_models = _csv_models(root, layout.version, ours)
    csv_paths = _write(root, lambda: write_csvs(root, csv_models, layout.version, _sizes(layout.version, data)))

    summary: dict[str, Any] = {
        "benchmark": "bfcl",
        "model": model,
        "dataset": str(dataset),
        "synthetic": layout.synthetic,
        "n_samples": sum(c["total_count"] for c in categories.values()),
        "data_version": layout.version,
        "data_source": data.source,
        "result_dir": str(layout.model_dir),
        "score_dir": str(root / model),
        "leaderboard_csvs": [str(p) for p in csv_paths],
        "formats": {o.category: o.fmt for o in outcomes if o.fmt is not None},
        "error_types": _error_type_counts(outcomes),
        "categories": {c: categories[c] for c in SINGLE_TURN if c in categories},
        "aggregates": aggregates,
        "not_scored": sorted(str(f.path.relative_to(layout.model_dir)) for f in layout.not_scored),
        "warnings": scorefile.scrub_text(warnings),
    }
    write_run_record(output, summary, (row for o in outcomes for row in o.rows))

    for line in warnings[:_MAX_WARNINGS_SHOWN]:
        echo(f"Warning: {scorefile.scrub_text(line)}")
    if len(warnings) > _MAX_WARNINGS_SHOWN:
        echo(f"... {len(warnings) - _MAX_WARNINGS_SHOWN} more warnings in {output / 'summary.json'}")
    incomplete = [c for c, v in categories.items() if v.get("issues", {}).keys() & {"missing", "malformed_lines", "duplicated"}]
    echo(card_table(model, aggregates, incomplete))
    echo(category_table(layout.version, categories))
    echo(f"Score files: {root / model}  Leaderboard CSVs: {root}  Run record: {output}")
    return summary


def _layout_warnings(layout: RunLayout) -> list[str]:
    out = []
    if layout.not_scored:
        names = ", ".join(sorted(f.name for f in layout.not_scored))
        out.append(f"{layout.model_dir}: not scored by toolgrad-eval (single-turn only): {names}")
    for path in layout.unknown:
        out.append(f"{path}: not a BFCL single-turn result file name; ignored")
    return out


def _shipped_roots() -> list[Path]:
    """Folders of the installed toolgrad-eval package and its shipped data (demo datasets live there)."""
    roots = []
    for name in ("toolgrad_eval", "toolgrad_eval.benchmarks"):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is not None and spec.submodule_search_locations:
            roots.extend(Path(p).resolve() for p in spec.submodule_search_locations)
    return roots


def _is_shipped(dataset: Path) -> bool:
    resolved = dataset.resolve()
    return any(resolved == r or r in resolved.parents for r in _shipped_roots())


def _writable(folder: Path) -> bool:
    """Can we create files under ``folder`` (created later if missing)? Probes the nearest existing parent."""
    probe = folder
    while not probe.exists():
        if probe.parent == probe:
            return False
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        return False
    try:  # os.access is not the whole truth (read-only mounts, ACLs): really try
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError:
        return False
    return True


def choose_score_root(layout: RunLayout, output: Path, score_dir: Path | None, echo: Callable[[str], Any]) -> Path:
    """The folder that gets ``<model>/...`` score files and the leaderboard CSVs (see module docstring)."""
    if score_dir is not None:
        return Path(score_dir)
    default = layout.result_root.parent / "score"
    if _is_shipped(layout.dataset):
        reason = f"{layout.dataset} is data shipped with toolgrad-eval"
    elif not _writable(default):
        reason = f"{default} is not writable"
    else:
        return default
    fallback = output / "score"
    echo(f"Note: {reason}; writing score files to {fallback} instead (choose with --score-dir).")
    return fallback


def _refuse_existing(model: str, root: Path, targets: list[Path], overwrite: bool) -> None:
    existing = [p for p in targets if p.exists()]
    if existing and not overwrite:
        raise ScoreFilesExistError(
            f"{existing[0]}: score files for {model} already exist ({len(existing)} in {root / model}); "
            "pass --overwrite to replace them or --score-dir DIR to write elsewhere"
        )


def _write(path: Path, action: Callable[[], Any]) -> Any:
    try:
        return action()
    except OSError as exc:
        raise ToolgradError(f"{path}: cannot write ({exc.strerror or exc}); choose another folder with --score-dir") from None


def _sizes(version: str, data: BfclData) -> dict[str, int]:
    """Entry counts per category for BFCL's weighted columns: from the data when it has them."""
    sizes = dict(SIZES[version])
    for cat in SINGLE_TURN:
        if data.has(cat):
            try:
                sizes[cat] = len(data.entries(cat))
            except ToolgradError:
                pass
    return sizes


def _csv_models(root: Path, version: str, ours: ModelScores) -> list[ModelScores]:
    """Our fresh scores plus every other model's score files under ``root`` (as BFCL's CSVs list them all)."""
    models = [ours]
    if not root.is_dir():
        return models
    pattern = f"{file_prefix(version)}_*_score.json"
    prefix_len = len(file_prefix(version)) + 1
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        target = ours if folder.name == ours.model else ModelScores(folder.name, {})
        for path in sorted(folder.rglob(pattern)):
            category = to_v4(version, path.name[prefix_len:-len("_score.json")])
            if target is ours and category in SINGLE_TURN:
                continue  # ours are fresh; an old file of a category not scored now is stale
            head = scorefile.read_header(path)
            if head is not None and head["total_count"] > 0:
                target.scores.setdefault(category, CategoryScore(float(head["accuracy"]), int(head["total_count"])))
        if target is not ours and target.scores:
            models.append(target)
    return models


def _error_type_counts(outcomes: list[CategoryOutcome]) -> dict[str, int]:
    """Failed entries per error type, all categories together (most frequent first)."""
    counts: dict[str, int] = {}
    for o in outcomes:
        for f in o.failures:
            counts[f["error_type"]] = counts.get(f["error_type"], 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
