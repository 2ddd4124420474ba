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
from typing import Any, Callable

from toolgrad_eval import units
from toolgrad_eval.bfcl.data import BfclData
from toolgrad_eval.bfcl.layout import RESULT_DIRS, models_in
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
) -> ManyRuns:
    """Score ``models``, sharing the data. ``score`` is :func:`run_bfcl` with the dataset and options
    bound (``functools.partial``); ``output_for(model)`` is each record's folder.

    The first model is scored here (it reads the data), the middle ones by ``workers`` forked
    processes that inherit the data read (None: one per core, Linux only; 1: all here), the last one
    here again once they are done. Every model's files are its own, and the leaderboard CSVs that
    models racing each other rewrite meanwhile are written last by the last model, over every score
    file: the folder ends exactly as one model after another leaves it."""
    out = ManyRuns()

    def one(model: str) -> None:
        _report(out, models, model, _score_one(score, model, output_for(model), out.loaded), output_for, echo)

    middle = models[1:-1]
    workers = _default_workers(len(middle)) if workers is None else min(workers, len(middle))
    if workers <= 1:
        for model in models:
            one(model)
        return out
    one(models[0])
    with ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_worker_start,
        initargs=(score, output_for, out.loaded),
    ) as pool:
        for model, result in zip(middle, pool.map(_score_in_worker, middle)):
            if isinstance(result, _Bug):
                raise RuntimeError(f"scoring {model} failed in a worker process:\n{result.traceback}")
            _report(out, models, model, result, output_for, echo)
    one(models[-1])
    if models[-1] in out.failed:
        # The CSVs were last written by workers racing each other: the last model scored in a
        # worker is scored again here (same files), so that they end up written over every score file.
        redo = next((m for m in reversed(middle) if m in out.summaries), None)
        if redo is not None:
            out.summaries[redo] = score(redo, output_for(redo), echo=_quiet, loaded=out.loaded, overwrite=True)
    return out


def _score_one(
    score: Callable[..., dict[str, Any]], model: str, output: Path, loaded: dict[str, BfclData]
) -> dict[str, Any] | str:
    """The model's summary, or why it could not be scored (our error's one line)."""
    try:
        # One model's full tables would drown the others: each gets one line, its warnings are in its record.
        return score(model, output, echo=_quiet, loaded=loaded)
    except ToolgradError as exc:
        return str(exc)


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


def _score_in_worker(model: str) -> dict[str, Any] | str | _Bug:
    assert _WORKER is not None, "not a worker started by run_bfcl_models"
    score, output_for, loaded = _WORKER
    try:
        return _score_one(score, model, output_for(model), loaded)
    except Exception:
        import traceback

        return _Bug(traceback.format_exc())


def _quiet(_line: str) -> None:
    return None


def summary_table(runs: ManyRuns) -> str:
    from tabulate import tabulate

    columns = ("non_live_overall", "live_overall", "relevance", "irrelevance")
    rows = [
        [model, s["data_version"], s["n_samples"], _overall(s), *(_pct(s["aggregates"].get(c)) for c in columns)]
        for model, s in runs.summaries.items()
    ]
    return str(
        tabulate(
            rows,
            headers=[
                "Model",
                "Data",
                "Entries",
                "Overall",
                "Non-live overall",
                "Live overall",
                "Relevance",
                "Irrelevance",
            ],
            tablefmt="github",
            disable_numparse=True,
        )
    )


def _overall(summary: dict[str, Any]) -> str:
    """BFCL's Overall, labelled partial when categories it needs were counted as 0."""
    total = summary.get("overall")
    if not isinstance(total, dict):
        return "N/A"
    return _pct(total.get("accuracy")) + (" (partial)" if total.get("partial") else "")


def _pct(value: float | None) -> str:
    return units.percent(value)
