"""Several models of one BFCL run scored in one process, the questions and answers read once.

``--pred_model a,b,c`` or ``--pred_model all`` (every model folder under ``result/``): each model is
scored exactly as a run of its own would score it (same score files, CSVs and run record), but the
BFCL data of each version is located, read and parsed once and shared (``run_bfcl(loaded=...)``). A model that cannot be
scored (no result files, unreadable data) is reported and
the others go on.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from toolgrad_eval import threads, units
from toolgrad_eval.bfcl.data import BfclData
from toolgrad_eval.bfcl.layout import RESULT_DIRS, models_in
from toolgrad_eval.bfcl.leaderboard_csv import ModelScores, csv_names, models_in_score_dir, write_csvs
from toolgrad_eval.bfcl.scoredir import writing
from toolgrad_eval.errors import ConfigError, DatasetError, ToolgradError
from toolgrad_eval.names import ALL, check_model_name, is_many

__all__ = ["ALL", "ManyRuns", "is_many", "resolve_models", "run_bfcl_models", "summary_table"]


def resolve_models(dataset: Path, spec: str) -> list[str]:
    """The model names ``spec`` stands for: ``all`` (every folder under result/ holding BFCL result
    files, sorted) or a comma-separated list (order kept, repeats dropped)."""
    if spec == ALL:
        names = [
            m
            for m in models_in(dataset)
            if any(any((Path(dataset) / d / m).rglob("BFCL_v*_result.json")) for d in RESULT_DIRS)
        ]
        if not names:
            raise DatasetError(dataset, "--pred_model all: no result/<model>/ folder with BFCL result files")
        return names
    names = list(dict.fromkeys(part.strip() for part in spec.split(",")))
    if "" in names:
        raise ConfigError(f"--pred_model {spec!r}: an empty name in the list (a,b,c)")
    for name in names:
        check_model_name(name)
    return names


@dataclass
class ManyRuns:
    summaries: dict[str, dict[str, Any]] = field(default_factory=dict)  # model -> run summary
    failed: dict[str, str] = field(default_factory=dict)  # model -> why it was not scored
    loaded: dict[str, BfclData] = field(default_factory=dict)  # data version -> the data read once


def run_bfcl_models(
    models: list[str],
    output_for: Callable[[str], Path],
    score: Callable[..., dict[str, Any]],
    *,
    echo: Callable[[str], Any] = print,
    workers: int | None = None,
    preload: Callable[[str, dict[str, BfclData]], None] | None = None,
) -> ManyRuns:
    """Score ``models``, sharing the data. ``score`` is :func:`run_bfcl` with the dataset and options
    bound (``functools.partial``); ``output_for(model)`` is each record's folder; ``preload`` is
    :func:`~toolgrad_eval.bfcl.runner.preload_data` with the same dataset and options bound.

    ``workers`` forked processes (None: one per core, Linux only; 1: all here, one after another)
    score the models, inheriting the data read here first: by ``preload`` when given (then every
    model goes to the workers: no core waits while one model is scored alone), else by scoring the
    first model here.
    Every model's files are its own. The leaderboard CSVs, which each model's run rewrites over every
    score file, are not written by the workers (they would race each other): each run hands back
    what it would write, and once all are done they are written here, as the last model to write
    them one after another would (:func:`_write_leaderboards`): the folder ends exactly as one model
    after another leaves it."""
    out = ManyRuns()
    rest = models[1:]
    workers = _default_workers(len(rest)) if workers is None else min(workers, len(rest))
    if workers <= 1:
        for model in models:
            result, _ = _score_one(score, model, output_for(model), out.loaded, write_csvs)
            _report(out, models, model, result, output_for, echo)
        return out
    deferred: list[_Leaderboard] = []

    def here(model: str) -> None:
        result, wanted = _score_one(score, model, output_for(model), out.loaded, _deferred)
        _report(out, models, model, result, output_for, echo)
        deferred.extend(wanted)

    if preload is not None and _preloaded(preload, models[0], out.loaded):
        rest = models
    else:
        here(models[0])
    if not threads.alone():  # scoring the first model here ran fsync threads: they end before any fork
        for model in rest:
            here(model)
    else:
        with ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_worker_start,
            initargs=(score, output_for, out.loaded),
        ) as pool:
            for model, done in zip(rest, pool.map(_score_in_worker, rest)):
                if isinstance(done, _Bug):
                    raise RuntimeError(f"scoring {model} failed in a worker process:\n{done.traceback}")
                result, wanted = done
                _report(out, models, model, result, output_for, echo)
                deferred.extend(wanted)
    _write_leaderboards(deferred)
    return out


def _preloaded(preload: Callable[[str, dict[str, BfclData]], None], model: str, loaded: dict[str, BfclData]) -> bool:
    """Whether the data ``model`` is scored against was read; if not, its own run says why."""
    try:
        preload(model, loaded)
    except ToolgradError:
        return False
    return True


@dataclass(frozen=True)
class _Leaderboard:
    """The leaderboard CSVs one model's run would have written: where, and from which fresh scores."""

    root: Path
    ours: ModelScores
    version: str
    sizes: dict[str, int]


def _deferred(root: Path, models: Sequence[ModelScores], version: str, sizes: dict[str, int]) -> list[Path]:
    """run_bfcl's leaderboard writer in a many-model run: records the write (in _WANTED) instead."""
    _WANTED.append(_Leaderboard(root, models[0], version, dict(sizes)))
    return [root / name for name in csv_names(version)]


_WANTED: list[_Leaderboard] = []  # the CSV writes the model being scored in this process asked for


def _write_leaderboards(deferred: list[_Leaderboard]) -> None:
    """Each CSV file as the last run (in model order) that writes it leaves it, over every score
    file now in place: one after another, that run writes it after every earlier model's score
    files and before any later model's (a later model that writes score files writes the CSV too)."""
    done: set[Path] = set()
    for wanted in reversed(deferred):
        names = [name for name in csv_names(wanted.version) if wanted.root / name not in done]
        if not names:
            continue
        with writing(wanted.root):
            # ours' own categories are taken from its fresh scores; everyone else's from score files
            current = models_in_score_dir(wanted.root, wanted.version, wanted.ours)
            write_csvs(wanted.root, current, wanted.version, wanted.sizes, names)
        done.update(wanted.root / name for name in names)


def _score_one(
    score: Callable[..., dict[str, Any]],
    model: str,
    output: Path,
    loaded: dict[str, BfclData],
    leaderboard: Callable[..., list[Path]],
) -> tuple[dict[str, Any] | str, list[_Leaderboard]]:
    """The model's summary, or why it could not be scored (our error's one line); and the leaderboard
    writes it deferred (a run that failed after asking for them still counts, as it wrote them)."""
    _WANTED.clear()
    try:
        # One model's full tables would drown the others: each gets one line, its warnings are in its record.
        result: dict[str, Any] | str = score(model, output, echo=_quiet, loaded=loaded, leaderboard=leaderboard)
    except ToolgradError as exc:
        result = str(exc)
    wanted = list(_WANTED)
    _WANTED.clear()
    return result, wanted


def _report(
    out: ManyRuns,
    models: list[str],
    model: str,
    result: dict[str, Any] | str,
    output_for: Callable[[str], Path],
    echo: Callable[[str], Any],
) -> None:
    number = models.index(model) + 1
    if isinstance(result, str):
        out.failed[model] = result
        echo(f"[{number}/{len(models)}] {model}: not scored: {result}")
        return
    out.summaries[model] = result
    more = f", {len(result['warnings'])} warnings in {output_for(model) / 'summary.json'}" if result["warnings"] else ""
    echo(f"[{number}/{len(models)}] {model}: {result['n_samples']} entries{more}")


def _default_workers(n: int) -> int:
    if n < 2 or not sys.platform.startswith("linux"):  # fork only where it is safe (see toolgrad5k/sample.py)
        return 1
    if threads.count() > 1:  # a fork copies any lock another thread holds (threads.py): no fork then
        return 1
    return max(1, min(n, len(os.sched_getaffinity(0))))


# What a forked worker scores with: set by its initializer from the parent's objects, which fork
# hands over without pickling (the data read once is shared, not copied through a pipe).
_WORKER: tuple[Callable[..., dict[str, Any]], Callable[[str], Path], dict[str, BfclData]] | None = None


def _worker_start(
    score: Callable[..., dict[str, Any]], output_for: Callable[[str], Path], loaded: dict[str, BfclData]
) -> None:
    """Ctrl-C reaches the whole process group: the parent stops and ends the pool, so a worker ignores
    it. A parent killed outright (kill -9) cannot end the pool: the kernel kills the worker with it."""
    import ctypes

    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    _WORKER = (score, output_for, loaded)


@dataclass(frozen=True)
class _Bug:
    """Not our error but a bug's traceback, as text (exceptions need not survive pickling)."""

    traceback: str


def _score_in_worker(model: str) -> tuple[dict[str, Any] | str, list[_Leaderboard]] | _Bug:
    assert _WORKER is not None, "not a worker started by run_bfcl_models"
    score, output_for, loaded = _WORKER
    try:
        return _score_one(score, model, output_for(model), loaded, _deferred)
    except Exception:
        import traceback

        return _Bug(traceback.format_exc())


def _quiet(_line: str) -> None:
    return None


def summary_table(runs: ManyRuns) -> str:
    from toolgrad_eval.bfcl.table import github_table

    columns = ("non_live_overall", "live_overall", "relevance", "irrelevance")
    rows = [
        [model, s["data_version"], str(s["n_samples"]), _overall(s), *(_pct(s["aggregates"].get(c)) for c in columns)]
        for model, s in runs.summaries.items()
    ]
    headers = ["Model", "Data", "Entries", "Overall", "Non-live overall", "Live overall", "Relevance", "Irrelevance"]
    return github_table(headers, rows)


def _overall(summary: dict[str, Any]) -> str:
    """BFCL's Overall, labelled partial when categories it needs were counted as 0."""
    total = summary.get("overall")
    if not isinstance(total, dict):
        return "N/A"
    return _pct(total.get("accuracy")) + (" (partial)" if total.get("partial") else "")


def _pct(value: float | None) -> str:
    return units.percent(value)
