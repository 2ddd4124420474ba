"""The leaderboard: run records and reported reference numbers in one table, with statistics.

``build_leaderboard(run_roots)`` finds every run record under the given folders, matches each
reproduced model to a reported one (``benchmarks/models.json`` plus explicit matches), computes
95% bootstrap CIs and paired base -> fine-tune tests from per-sample results, and flags reported
numbers that are internally inconsistent. The report package renders the result.
"""

from toolgrad_eval.leaderboard.build import DEFAULT_TITLE, build_leaderboard
from toolgrad_eval.leaderboard.checks import Finding, ReportedValues, check_reported
from toolgrad_eval.leaderboard.columns import (
    BENCHMARK_TITLES,
    BENCHMARKS,
    BFCL_COLUMNS,
    COLUMNS,
    TOOLGRAD5K_COLUMNS,
    Column,
)
from toolgrad_eval.leaderboard.config import (
    ModelsFile,
    ReportedFile,
    load_models_file,
    load_packaged,
    load_reported_file,
)
from toolgrad_eval.leaderboard.details import MAX_PER_ERROR_TYPE, Failure, RunDetails, SampleView
from toolgrad_eval.leaderboard.model import Cell, DeltaCell, DeltaRow, Group, Leaderboard, ModelPage, Note, Row, Table
from toolgrad_eval.leaderboard.runs import Run, discover_runs

__all__ = [
    "BENCHMARKS",
    "BENCHMARK_TITLES",
    "BFCL_COLUMNS",
    "COLUMNS",
    "Cell",
    "Column",
    "DEFAULT_TITLE",
    "DeltaCell",
    "DeltaRow",
    "Failure",
    "Finding",
    "Group",
    "Leaderboard",
    "MAX_PER_ERROR_TYPE",
    "ModelPage",
    "ModelsFile",
    "Note",
    "ReportedFile",
    "ReportedValues",
    "Row",
    "Run",
    "RunDetails",
    "SampleView",
    "TOOLGRAD5K_COLUMNS",
    "Table",
    "build_leaderboard",
    "check_reported",
    "discover_runs",
    "load_models_file",
    "load_packaged",
    "load_reported_file",
]
