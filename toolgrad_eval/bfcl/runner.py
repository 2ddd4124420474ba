"""Score one model's BFCL run: score files, leaderboard CSVs, run record, terminal table.

``run_bfcl`` is the entry point ``toolgrad-eval --pred_model M --dataset RUN`` calls when RUN holds
``result/<M>/`` (or ``results/<M>/``). The steps: find the result files (``layout``) and the data
(``data``), pick the score folder (``scoredir``; re-scoring replaces this model's score files: it
is free and deterministic, as BFCL's own ``evaluate``), score each category (``scoring``), then write score files,
BFCL's leaderboard CSVs, the run record, and print the model-card table. Result files are never
written to.
"""

from __future__ import annotations

import contextlib
import gc
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from toolgrad_eval.bfcl import scorefile
from toolgrad_eval.bfcl.aggregate import model_card, overall
from toolgrad_eval.bfcl.categories import AGENTIC, AGENTIC_SIZES, MULTI_TURN, RECORD_ORDER, SINGLE_TURN, SIZES
from toolgrad_eval.bfcl.data import BfclData, locate_data
from toolgrad_eval.bfcl.layout import RunLayout, find_run
from toolgrad_eval.bfcl.leaderboard_csv import ModelScores, models_in_score_dir, write_csvs
from toolgrad_eval.bfcl.scoredir import choose_score_root, record_path, writing
from toolgrad_eval.bfcl.conventions import conventions_for
from toolgrad_eval.bfcl.decode.families import FAMILIES
from toolgrad_eval.bfcl.record_summary import BfclRecordSummary
from toolgrad_eval.bfcl.scoring import CategoryOutcome, score_category
from toolgrad_eval.bfcl.table import card_table, category_table
from toolgrad_eval.errors import ConfigError, DatasetError, OutputError, ToolgradError
from toolgrad_eval.fileio import atomic_write_texts, ensure_writable_dir
from toolgrad_eval.generate.settings import check_question_data, read_settings, scoring_format
from toolgrad_eval.names import check_model_name
from toolgrad_eval.record import refuse_other_models_record, write_run_record

__all__ = ["FORMATS", "LeaderboardWriter", "preload_data", "run_bfcl"]

# Writes the leaderboard CSVs: (score root, models, data version, category sizes) -> their paths.
LeaderboardWriter = Callable[[Path, Sequence[ModelScores], str, dict[str, int]], list[Path]]

FORMATS = ("auto", "python", "json", "fc", *FAMILIES)
_MAX_WARNINGS_SHOWN = 20


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
    handler_model: str | None = None,
    echo: Callable[[str], Any] = print,
    loaded: dict[str, BfclData] | None = None,
    leaderboard: LeaderboardWriter = write_csvs,
) -> dict[str, Any]:
    """Score every single-turn category of ``model`` in ``dataset``; return the run summary.

    ``handler_model`` names a registry model whose conventions a model outside the registry borrows
    (``--bfcl-handler``); see :mod:`toolgrad_eval.bfcl.conventions`. ``loaded`` (data version ->
    data) lets several models share questions and answers read once, and ``leaderboard`` (the CSV
    writer) lets them write the leaderboard CSVs once at the end (:mod:`toolgrad_eval.bfcl.many`)."""
    with _gc_paused():
        return _run(
            dataset,
            model,
            output,
            bfcl_data=bfcl_data,
            fmt=fmt,
            score_dir=score_dir,
            overwrite=overwrite,
            fetch=fetch,
            handler_model=handler_model,
            echo=echo,
            loaded=loaded,
            leaderboard=leaderboard,
        )


def preload_data(
    dataset: Path,
    model: str,
    loaded: dict[str, BfclData],
    *,
    bfcl_data: Path | None = None,
    fetch: bool = False,
) -> None:
    """Read and parse the questions and answers ``model``'s run in ``dataset`` is scored against into
    ``loaded`` (data version -> data), as :func:`run_bfcl` would on its way: several models' runs
    then share them (:mod:`toolgrad_eval.bfcl.many`). Raises what that run would raise."""
    with _gc_paused():
        layout = find_run(Path(dataset), model)
        data = loaded.get(layout.version) or locate_data(
            layout.version, bfcl_data, dataset=layout.dataset, fetch=fetch, echo=lambda _line: None
        )
        loaded[layout.version] = data
        for rf in layout.files:
            if data.has(rf.category):
                data.entries(rf.category)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Loading BFCL data builds ~100k small dicts and lists, which sets off the cyclic garbage
    collector over and over for nothing (none of it is cyclic); pausing it saves ~15% of a run."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run(
    dataset: Path,
    model: str,
    output: Path,
    *,
    bfcl_data: Path | None,
    fmt: str,
    score_dir: Path | None,
    overwrite: bool,
    fetch: bool,
    handler_model: str | None,
    echo: Callable[[str], Any],
    loaded: dict[str, BfclData] | None = None,
    leaderboard: LeaderboardWriter = write_csvs,
) -> dict[str, Any]:
    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    dataset, output = Path(dataset), Path(output)
    check_model_name(model)  # it names folders we write: score/<model>/
    ensure_writable_dir(output, "run-record folder")
    refuse_other_models_record(output, "bfcl", model, overwrite)
    layout = find_run(dataset, model)
    multi_turn = [f for f in layout.not_scored if f.category in MULTI_TURN]
    if not layout.files and not layout.agentic and not multi_turn:
        others = ", ".join(sorted(f.name for f in layout.not_scored)) or "none"
        raise DatasetError(
            layout.model_dir,
            f"no single-turn BFCL result files to score (found: {others}); "
            "toolgrad-eval scores the single-turn categories",
        )
    data = (loaded or {}).get(layout.version) or locate_data(
        layout.version, bfcl_data, dataset=layout.dataset, fetch=fetch, echo=echo
    )
    if loaded is not None:
        loaded[layout.version] = data
    root = choose_score_root(layout, output, score_dir, echo)
    targets = {
        rf.category: scorefile.score_path(root, model, rf.rel_dir, rf.version, rf.name)
        for rf in (*layout.files, *layout.agentic, *multi_turn)
    }

    echo(
        f"BFCL {layout.version} run: {layout.model_dir} ({len(layout.files)} single-turn"
        f"{f', {len(layout.agentic)} agentic' if layout.agentic else ''} result files); "
        f"data: {data.source}"
    )
    if layout.synthetic:
        echo("Note: this dataset declares itself SYNTHETIC (SYNTHETIC.md): demo numbers, not model results.")
    warnings = _layout_warnings(layout)
    conventions = conventions_for(model, layout.version, handler_model)
    family = conventions.family
    underscore_to_dot = conventions.underscore_to_dot
    # A run made by `toolgrad-eval generate` is read the way it was made (--bfcl-handler still wins).
    generated = None if handler_model is not None else read_settings(layout.model_dir)
    if generated is not None:
        check_question_data(generated, layout.model_dir, data, [rf.category for rf in layout.files])
        family, underscore_to_dot = scoring_format(generated)
        echo(
            f"Conventions: generated by toolgrad-eval generate ({generated.mode} mode"
            f"{', names sent with . as _' if underscore_to_dot else ''}): read as {family}"
        )
    else:
        echo(f"Conventions: {conventions.describe()}")
    if generated is None and conventions.handler is not None and family is None and fmt == "auto":
        mode = "function-calling" if conventions.is_fc_model else "prompt"
        warnings.append(
            f"{conventions.handler} in {mode} mode ({conventions.registry_model}) reads outputs in a way "
            "toolgrad-eval does not reproduce yet: they are read with the generic decoders (format "
            "detected per file), so some verdicts may differ from the official checker's"
        )
    outcomes = [
        score_category(rf, data, model, fmt=fmt, underscore_to_dot=underscore_to_dot, family=family)
        for rf in layout.files
    ]
    # Agentic steps are read with the model's reader (per step when its conventions name none).
    if layout.agentic:  # imported only when needed, as the multi-turn scorer: most runs are single-turn
        from toolgrad_eval.bfcl.agentic import score_agentic

        outcomes += [score_agentic(rf, data, model, fmt=family if fmt == "auto" else fmt) for rf in layout.agentic]
    if multi_turn:
        from toolgrad_eval.bfcl.multi_turn import score_multi_turn

        outcomes += [score_multi_turn(rf, data, model, fmt=_multi_turn_format(fmt, family, rf)) for rf in multi_turn]
    for o in outcomes:
        warnings.extend(o.warnings)

    categories: dict[str, dict[str, Any]] = {}
    score_files = []
    for o in outcomes:
        if o.score is None:
            continue
        path = targets[o.category]
        scored_with = {"decoding": o.fmt, "conventions": conventions.as_dict()}
        if generated is not None:  # read the way it was generated, whatever the registry says
            scored_with["generation"] = generated.identity()
        head = scorefile.header(o.correct, o.score.total_count, scored_with)
        score_files.append((path, scorefile.render(head, o.failures, shared_prompts=loaded is not None)))
        entry: dict[str, Any] = {
            "accuracy": o.score.accuracy,
            "correct_count": o.correct,
            "total_count": o.score.total_count,
            "score_file": record_path(path, output),
        }
        if o.issues:
            entry["issues"] = dict(o.issues)
        categories[o.category] = entry
    _write_all(score_files)
    scores = {o.category: o.score for o in outcomes if o.score is not None}
    aggregates = model_card(scores)
    # A multi-turn-only run reads no single-turn data just for sizes: the era's are known.
    sizes = _sizes(layout.version, data) if layout.files or layout.agentic else dict(SIZES[layout.version])

    ours = ModelScores(model, dict(scores), [x for o in outcomes for x in o.latencies])
    csv_models = models_in_score_dir(root, layout.version, ours)
    # The Overall of data_overall.csv: this run's scores plus the model's score files of categories
    # this run does not score (as BFCL's own writer reads the score folder), named in the record.
    total = overall(ours.scores, layout.version, sizes)
    reused = sorted(set(ours.scores) - set(scores))
    with writing(root):
        csv_paths = leaderboard(root, csv_models, layout.version, sizes)

    summary = BfclRecordSummary(
        model=model,
        dataset=str(dataset),
        synthetic=layout.synthetic,
        n_samples=sum(c["total_count"] for c in categories.values()),
        data_version=layout.version,
        data_source=data.source,
        result_dir=str(layout.model_dir),
        score_dir=record_path(root / model, output),
        leaderboard_csvs=[record_path(p, output) for p in csv_paths],
        formats={o.category: o.fmt for o in outcomes if o.fmt is not None},
        conventions=conventions.as_dict(),
        generation=None if generated is None else generated.identity(),
        error_types=_error_type_counts(outcomes),
        question_data={c: data.question_digest(c) for c in sorted(categories)},  # what diff pairs runs on
        categories={c: categories[c] for c in RECORD_ORDER if c in categories},
        aggregates=aggregates,
        overall={**total.as_dict(), "from_existing_score_files": reused},
        not_scored=sorted(str(f.path.relative_to(layout.model_dir)) for f in layout.not_scored),
        prerequisites_ignored=sorted(str(f.path.relative_to(layout.model_dir)) for f in layout.prerequisites),
        warnings=scorefile.scrub_text(warnings),
    ).record()
    write_run_record(output, summary, (row for o in outcomes for row in o.rows))

    for line in warnings[:_MAX_WARNINGS_SHOWN]:
        echo(f"Warning: {scorefile.scrub_text(line)}")
    if len(warnings) > _MAX_WARNINGS_SHOWN:
        echo(f"... {len(warnings) - _MAX_WARNINGS_SHOWN} more warnings in {output / 'summary.json'}")
    incomplete = [
        c for c, v in categories.items() if v.get("issues", {}).keys() & {"missing", "malformed_lines", "conflicting"}
    ]
    echo(card_table(model, aggregates, incomplete, total))
    echo(category_table(layout.version, categories))
    echo(f"Score files: {root / model}  Leaderboard CSVs: {root}  Run record: {output}")
    return summary


def _write_all(files: list[tuple[Path, str]]) -> None:
    """Write the score files together (their fsyncs overlap); a failure names the file and the way out."""
    try:
        atomic_write_texts(files)
    except OutputError as exc:
        with writing(exc.path):
            raise


def _multi_turn_format(fmt: str, family: str | None, rf: Any) -> str:
    """How a multi-turn file's steps are read: the option, the model's family, else what the file holds
    (stored function calls, a list, are read the function-calling way; text the prompting way)."""
    if fmt != "auto":
        return fmt
    if family is not None:
        return family
    from toolgrad_eval.bfcl.results import read_result_file

    for copies in read_result_file(rf.path).copies.values():
        for turn in copies[0].result if isinstance(copies[0].result, list) else []:
            for step in turn if isinstance(turn, list) else []:
                return "fc" if isinstance(step, (list, dict)) else "python"
    return "python"


def _layout_warnings(layout: RunLayout) -> list[str]:
    out = []
    not_scored = [f for f in layout.not_scored if f.category not in MULTI_TURN]
    if not_scored:
        names = ", ".join(sorted(f.name for f in not_scored))
        out.append(f"{layout.model_dir}: not scored by toolgrad-eval: {names}")
    for path in layout.unknown:
        out.append(f"{path}: not a BFCL {layout.version} single-turn result file name; ignored")
    if layout.unknown and layout.missing:  # a near miss: say what it may have been meant as
        out.append(
            f"{layout.model_dir}: no {', '.join(layout.missing)}; "
            "those categories are N/A (files named otherwise are listed above)"
        )
    return out


def _sizes(version: str, data: BfclData) -> dict[str, int]:
    """Entry counts per category for BFCL's weighted columns: from the data when it has them."""
    sizes = {**SIZES[version], **(AGENTIC_SIZES if version == "v4" else {})}
    for cat in (*SINGLE_TURN, *AGENTIC):
        if data.has(cat):
            try:
                sizes[cat] = len(data.entries(cat))
            except ToolgradError:
                pass
    return sizes


def _error_type_counts(outcomes: list[CategoryOutcome]) -> dict[str, int]:
    """Failed entries per error type, all categories together (most frequent first)."""
    counts: dict[str, int] = {}
    for o in outcomes:
        for row in o.rows:
            if not row["valid"]:
                counts[row["error_type"]] = counts.get(row["error_type"], 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
