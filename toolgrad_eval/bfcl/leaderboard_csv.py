"""BFCL's leaderboard CSVs (data_overall.csv, data_live.csv, data_non_live.csv, data_multi_turn.csv; v4 also
data_agentic.csv), era-matched.

Columns, ranking and number formats follow what bfcl-eval's leaderboard writer produced for the
run's data version (v4: bfcl-eval 2026.3.23; v3: 2025.6.30), so the files drop into tools that read
BFCL's own. Its rules, kept on purpose: a category not scored shows ``N/A``, but the *overall*
columns count it as 0 (with its full entry count where weighted), exactly as BFCL does. The terminal
table and run record use ``aggregate.model_card`` instead, where missing means N/A.

What we cannot know is written as ``N/A``: model link, organisation, licence and cost (BFCL reads them
from its model registry). Latency columns come from the ``latency`` fields of the result files.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Mapping, Sequence

from toolgrad_eval.bfcl import scorefile
from toolgrad_eval.bfcl.aggregate import CategoryScore
from toolgrad_eval.bfcl.aggregate import overall as overall_accuracy
from toolgrad_eval.bfcl.categories import AGENTIC, MEMORY, SINGLE_TURN, WEB_SEARCH, file_prefix, to_v4
from toolgrad_eval.fileio import atomic_write_texts

NA = "N/A"
CSV_FILES = ("data_overall.csv", "data_live.csv", "data_non_live.csv")
AGENTIC_CSV = "data_agentic.csv"  # BFCL v4 only


@dataclass
class ModelScores:
    model: str
    scores: dict[str, CategoryScore]  # v4 category names; other BFCL categories by their own names
    latencies: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class _Cell:
    accuracy: float
    total: int
    missing: bool

    @property
    def shown(self) -> float | str:
        return NA if self.missing else self.accuracy


def _cell(m: ModelScores, category: str, sizes: Mapping[str, int]) -> _Cell:
    s = m.scores.get(category)
    if s is None:
        return _Cell(0.0, sizes.get(category, 0), True)
    return _Cell(s.accuracy, s.total_count, False)


def _unweighted(cells: Sequence[_Cell], na_if_missing: bool = True) -> _Cell:
    return _Cell(
        sum(c.accuracy for c in cells) / len(cells),
        sum(c.total for c in cells),
        na_if_missing and any(c.missing for c in cells),
    )


def _weighted(cells: Sequence[_Cell], na_if_missing: bool = True) -> _Cell:
    total = sum(c.total for c in cells)
    acc = sum(c.accuracy * c.total for c in cells) / total if total else 0.0
    return _Cell(acc, total, na_if_missing and any(c.missing for c in cells))


def latency_stats(values: Sequence[float]) -> tuple[float | str, float | str, float | str]:
    """Mean, standard deviation and 95th percentile (linear interpolation), rounded to 0.01 s."""
    data = [
        float(v)
        for v in values
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v != 0 and math.isfinite(v)
    ]
    if not data:
        return NA, NA, NA
    ordered = sorted(data)
    pos = 0.95 * (len(ordered) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    p95 = ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)
    import statistics  # pulls in fractions/decimal; only needed when latencies exist

    std: float | str = round(statistics.stdev(data), 2) if len(data) > 1 else NA
    return round(statistics.mean(data), 2), std, round(p95, 2)


def _agentic_row(m: ModelScores, sizes: Mapping[str, int]) -> list[Any]:
    """The data_agentic.csv row (BFCL v4): web-search and memory means, and their mean."""
    ws = [_cell(m, c, sizes) for c in WEB_SEARCH]
    mem = [_cell(m, c, sizes) for c in MEMORY]
    summary_ws, summary_mem = _unweighted(ws), _unweighted(mem)
    agentic = _unweighted([summary_ws, summary_mem], na_if_missing=False)
    return [
        NA,
        m.model,
        agentic.shown,
        summary_ws.shown,
        *(x.shown for x in ws),
        summary_mem.shown,
        *(x.shown for x in mem),
    ]


def _rows(m: ModelScores, version: str, sizes: Mapping[str, int]) -> tuple[list[Any], list[Any], list[Any]]:
    """(overall, live, non_live) rows for one model, numbers still unformatted."""

    def c(name: str) -> _Cell:
        return _cell(m, name, sizes)

    py, java, js = c("simple_python"), c("simple_java"), c("simple_javascript")
    multiple, parallel, par_multi, irrel = c("multiple"), c("parallel"), c("parallel_multiple"), c("irrelevance")
    simple = _unweighted([py, java, js])
    ast_nl = [simple, multiple, parallel, par_multi]
    summary_nl = _unweighted(ast_nl)
    l_simple, l_multiple, l_parallel, l_par_multi = (
        c("live_simple"),
        c("live_multiple"),
        c("live_parallel"),
        c("live_parallel_multiple"),
    )
    l_irrel, l_rel = c("live_irrelevance"), c("live_relevance")
    ast_l = [l_simple, l_multiple, l_parallel, l_par_multi]
    summary_l = _weighted(ast_l)
    if version == "v3":  # BFCL v3 folded (ir)relevance into the overall columns
        overall_nl = _unweighted([*ast_nl, irrel], na_if_missing=False)
        overall_l = _weighted([*ast_l, l_irrel, l_rel], na_if_missing=False)
    else:
        overall_nl = _unweighted(ast_nl, na_if_missing=False)
        overall_l = _weighted(ast_l, na_if_missing=False)
    mt = [c("multi_turn_base"), c("multi_turn_miss_func"), c("multi_turn_miss_param"), c("multi_turn_long_context")]
    overall_mt = _unweighted(mt, na_if_missing=False)
    total_irrel = _unweighted([irrel, l_irrel])
    mean, std, p95 = latency_stats(m.latencies)

    non_live = [
        NA,
        m.model,
        overall_nl.shown,
        summary_nl.shown,
        simple.shown,
        py.shown,
        java.shown,
        js.shown,
        multiple.shown,
        parallel.shown,
        par_multi.shown,
        irrel.shown,
    ]
    live = [NA, m.model, overall_l.shown, summary_l.shown, *(x.shown for x in ast_l), l_irrel.shown, l_rel.shown]
    head = [
        summary_nl.shown,
        simple.shown,
        multiple.shown,
        parallel.shown,
        par_multi.shown,
        overall_l.shown,
        *(x.shown for x in ast_l),
        overall_mt.shown,
        *(x.shown for x in mt),
    ]
    # BFCL's Overall Accuracy, one rule for the CSV, the record and the tables (a category not
    # scored counts 0; the number is always shown, as BFCL shows it).
    total = overall_accuracy(m.scores, version, sizes).accuracy
    if version == "v3":
        overall = [NA, total, m.model, NA, NA, mean, std, p95, *head, l_rel.shown, total_irrel.shown, NA, NA]
    else:
        ws = [c("web_search_base"), c("web_search_no_snippet")]
        mem = [c("memory_kv"), c("memory_vector"), c("memory_rec_sum")]
        summary_ws, summary_mem = _unweighted(ws), _unweighted(mem)
        overall = [
            NA,
            total,
            m.model,
            NA,
            NA,
            mean,
            std,
            p95,
            *head,
            summary_ws.shown,
            *(x.shown for x in ws),
            summary_mem.shown,
            *(x.shown for x in mem),
            l_rel.shown,
            total_irrel.shown,
            NA,
            NA,
            NA,
            NA,
        ]
    return overall, live, non_live


_HEAD_NL = [
    "Rank",
    "Model",
    "Non-Live Overall Acc",
    "AST Summary",
    "Simple AST",
    "Python Simple AST",
    "Java Simple AST",
    "JavaScript Simple AST",
    "Multiple AST",
    "Parallel AST",
    "Parallel Multiple AST",
    "Irrelevance Detection",
]
_HEAD_LIVE = [
    "Rank",
    "Model",
    "Live Overall Acc",
    "AST Summary",
    "Python Simple AST",
    "Python Multiple AST",
    "Python Parallel AST",
    "Python Parallel Multiple AST",
    "Irrelevance Detection",
    "Relevance Detection",
]
_HEAD_MID = [
    "Non-Live AST Acc",
    "Non-Live Simple AST",
    "Non-Live Multiple AST",
    "Non-Live Parallel AST",
    "Non-Live Parallel Multiple AST",
    "Live Acc",
    "Live Simple AST",
    "Live Multiple AST",
    "Live Parallel AST",
    "Live Parallel Multiple AST",
    "Multi Turn Acc",
    "Multi Turn Base",
    "Multi Turn Miss Func",
    "Multi Turn Miss Param",
    "Multi Turn Long Context",
]
_LATENCY = ["Latency Mean (s)", "Latency Standard Deviation (s)", "Latency 95th Percentile (s)"]
HEADERS = {
    "v4": {
        "data_overall.csv": [
            "Rank",
            "Overall Acc",
            "Model",
            "Model Link",
            "Total Cost ($)",
            *_LATENCY,
            *_HEAD_MID,
            "Web Search Acc",
            "Web Search Base",
            "Web Search No Snippet",
            "Memory Acc",
            "Memory KV",
            "Memory Vector",
            "Memory Recursive Summarization",
            "Relevance Detection",
            "Irrelevance Detection",
            "Format Sensitivity Max Delta",
            "Format Sensitivity Standard Deviation",
            "Organization",
            "License",
        ],
        "data_live.csv": _HEAD_LIVE,
        "data_non_live.csv": _HEAD_NL,
        AGENTIC_CSV: [
            "Rank",
            "Model",
            "Agentic Overall Acc",
            "Web Search Summary",
            "Web Search Base",
            "Web Search No Snippet",
            "Memory Summary",
            "Memory KV",
            "Memory Vector",
            "Memory Recursive Summarization",
        ],
    },
    "v3": {
        "data_overall.csv": [
            "Rank",
            "Overall Acc",
            "Model",
            "Model Link",
            "Cost ($ Per 1k Function Calls)",
            *_LATENCY,
            *_HEAD_MID,
            "Relevance Detection",
            "Irrelevance Detection",
            "Organization",
            "License",
        ],
        "data_live.csv": _HEAD_LIVE,
        "data_non_live.csv": ["Rank", "Model", "Non_Live Overall Acc", *_HEAD_NL[3:]],
    },
}
# Columns printed as plain numbers rather than percentages (cost, latency, format sensitivity).
_RAW_COLUMNS = {"data_overall.csv": {4, 5, 6, 7, 32, 33}}


def _render(rows: list[list[Any]], header: list[str], sort_index: int, raw: set[int]) -> str:
    rows = sorted(rows, key=lambda r: -1.0 if isinstance(r[sort_index], str) else r[sort_index], reverse=True)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for rank, row in enumerate(rows, 1):
        cells = [str(rank)]
        for j, value in enumerate(row[1:], 1):
            if isinstance(value, str):
                cells.append(value)
            elif j in raw:
                cells.append(str(value))
            else:
                cells.append(f"{value * 100:.2f}%")
        writer.writerow(cells)
    return out.getvalue().rstrip("\n")  # BFCL's files end without a newline


def render_csvs(models: Sequence[ModelScores], version: str, sizes: Mapping[str, int]) -> dict[str, str]:
    """File name -> CSV text for the three leaderboard files, one row per model."""
    per_file: dict[str, list[list[Any]]] = {name: [] for name in CSV_FILES}
    if version == "v4":
        per_file[AGENTIC_CSV] = [_agentic_row(m, sizes) for m in models]
    for m in models:
        overall, live, non_live = _rows(m, version, sizes)
        per_file["data_overall.csv"].append(overall)
        per_file["data_live.csv"].append(live)
        per_file["data_non_live.csv"].append(non_live)
    return {
        name: _render(
            rows,
            HEADERS[version][name],
            1 if name == "data_overall.csv" else 2,
            _RAW_COLUMNS.get(name, set())
            if version == "v4"
            else ({4, 5, 6, 7} if name == "data_overall.csv" else set()),
        )
        for name, rows in per_file.items()
    }


MULTI_TURN_CSV = "data_multi_turn.csv"
MULTI_TURN_HEADER = ["Rank", "Model", "Multi Turn Overall Acc", "Base", "Miss Func", "Miss Param", "Long Context"]
_MULTI_TURN = ("multi_turn_base", "multi_turn_miss_func", "multi_turn_miss_param", "multi_turn_long_context")


def render_multi_turn_csv(models: Sequence[ModelScores], sizes: Mapping[str, int]) -> str:
    """BFCL's data_multi_turn.csv (same columns in v3 and v4): a category not scored is ``N/A``; the
    overall column is the plain mean of the four, a missing one counting as 0 (BFCL's rule)."""
    rows = []
    for m in models:
        cells = [_cell(m, name, sizes) for name in _MULTI_TURN]
        rows.append([NA, m.model, _unweighted(cells, na_if_missing=False).shown, *(c.shown for c in cells)])
    return _render(rows, MULTI_TURN_HEADER, 2, set())


def csv_names(version: str) -> list[str]:
    """The leaderboard files :func:`write_csvs` writes for ``version``, in its order."""
    return [*CSV_FILES, *([AGENTIC_CSV] if version == "v4" else []), MULTI_TURN_CSV]


def write_csvs(
    score_root: Path,
    models: Sequence[ModelScores],
    version: str,
    sizes: Mapping[str, int],
    names: Collection[str] | None = None,
) -> list[Path]:
    """Write the leaderboard CSVs (only those in ``names`` when given); their paths."""
    texts = render_csvs(models, version, sizes)
    texts[MULTI_TURN_CSV] = render_multi_turn_csv(models, sizes)
    files = [(score_root / name, text) for name, text in texts.items() if names is None or name in names]
    atomic_write_texts(files)
    return [path for path, _ in files]


def models_in_score_dir(root: Path, version: str, ours: ModelScores) -> list[ModelScores]:
    """Our fresh scores plus every other model's score files under ``root`` (as BFCL's CSVs list them all)."""
    models = [ours]
    if not root.is_dir():
        return models
    pattern = f"{file_prefix(version)}_*_score.json"
    prefix_len = len(file_prefix(version)) + 1
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        target = ours if folder.name == ours.model else ModelScores(folder.name, {})
        # BFCL nests score files at most three folders deep (agentic/memory/<backend>/); looking no
        # deeper keeps a --score-dir pointed at a big folder cheap.
        found = [
            *folder.glob(pattern),
            *folder.glob(f"*/{pattern}"),
            *folder.glob(f"*/*/{pattern}"),
            *folder.glob(f"*/*/*/{pattern}"),
        ]
        for path in sorted(found):
            category = to_v4(version, path.name[prefix_len : -len("_score.json")])
            if target is ours and (category in SINGLE_TURN or category in AGENTIC):
                continue  # ours are fresh; an old file of a category not scored now is stale
            head = scorefile.read_header(path)
            if head is not None and head["total_count"] > 0:
                target.scores.setdefault(category, CategoryScore(float(head["accuracy"]), int(head["total_count"])))
        if target is not ours and target.scores:
            models.append(target)
    return models
