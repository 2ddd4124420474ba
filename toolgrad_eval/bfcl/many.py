"""Several models of one BFCL run scored in one process, the questions and answers read once.

``--pred_model a,b,c`` or ``--pred_model all`` (every model folder under ``result/``): each model is
scored exactly as a run of its own would score it (same score files, CSVs and run record), but the
BFCL data of each version is located, read and parsed once and shared (``run_bfcl(loaded=...)``). A model that cannot be
scored (no result files, score files that would be replaced without --overwrite) is reported and
the others go on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from toolgrad_eval.bfcl.data import BfclData
from toolgrad_eval.bfcl.layout import RESULT_DIRS, models_in
from toolgrad_eval.errors import ConfigError, DatasetError, ToolgradError
from toolgrad_eval.names import check_model_name

__all__ = ["ALL", "ManyRuns", "is_many", "resolve_models", "run_bfcl_models", "summary_table"]

ALL = "all"


def is_many(spec: str) -> bool:
    return spec == ALL or "," in spec


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
) -> ManyRuns:
    """Score ``models`` one after another, sharing the data. ``score`` is :func:`run_bfcl` with the
    dataset and options bound (``functools.partial``); ``output_for(model)`` is each record's folder."""
    out = ManyRuns()
    for number, model in enumerate(models, start=1):
        try:
            # One model's full tables would drown the others: each gets one line, its warnings are in its record.
            summary = score(model, output_for(model), echo=_quiet, loaded=out.loaded)
        except ToolgradError as exc:
            out.failed[model] = str(exc)
            echo(f"[{number}/{len(models)}] {model}: not scored: {exc}")
            continue
        out.summaries[model] = summary
        more = (
            f", {len(summary['warnings'])} warnings in {output_for(model) / 'summary.json'}"
            if summary["warnings"]
            else ""
        )
        echo(f"[{number}/{len(models)}] {model}: {summary['n_samples']} entries{more}")
    return out


def _quiet(_line: str) -> None:
    return None


def summary_table(runs: ManyRuns) -> str:
    from tabulate import tabulate

    columns = ("non_live_overall", "live_overall", "relevance", "irrelevance")
    rows = [
        [model, s["data_version"], s["n_samples"], *(_pct(s["aggregates"].get(c)) for c in columns)]
        for model, s in runs.summaries.items()
    ]
    return str(
        tabulate(
            rows,
            headers=["Model", "Data", "Entries", "Non-live overall", "Live overall", "Relevance", "Irrelevance"],
            tablefmt="github",
            disable_numparse=True,
        )
    )


def _pct(value: float | None) -> str:
    return "N/A" if value is None else f"{100 * value:.2f}"
