"""The leaderboard's columns: what each means, its units, and how BFCL builds it from categories.

Values inside the leaderboard are always in display units (percentage points, QoR points), so
that reported and reproduced numbers and their differences are directly comparable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Mapping

Benchmark = Literal["bfcl", "toolgrad5k", "toolbench"]
BENCHMARKS: tuple[Benchmark, ...] = ("bfcl", "toolgrad5k", "toolbench")
BENCHMARK_TITLES: dict[str, str] = {
    "bfcl": "BFCL",
    "toolgrad5k": "ToolGrad-5k",
    "toolbench": "ToolBench (StableToolBench)",
}

# Entry counts of the four live AST categories (identical in BFCL v3 and v4); the live overall of
# a reported row is checked with these, since a model card prints only the percentages.
LIVE_AST_SIZES: dict[str, int] = {
    "live_simple": 258,
    "live_multiple": 1053,
    "live_parallel": 16,
    "live_parallel_multiple": 24,
}


@dataclass(frozen=True)
class Column:
    """One leaderboard column.

    ``run_factor`` turns a run record's number into display units, ``reported_factor`` does the
    same for a number as its source prints it (cards print percentages, the ToolGrad README
    prints Recall and Success Rate as fractions). ``reported_range`` bounds a printed value.
    """

    key: str
    label: str
    group: str
    description: str
    run_factor: float = 100.0
    reported_factor: float = 1.0
    reported_range: tuple[float, float] = (0.0, 100.0)
    judged: bool = False  # computed from judge verdicts: partial in a run whose judge mostly failed


BFCL_COLUMNS: tuple[Column, ...] = (
    Column(
        "non_live_overall",
        "NL overall",
        "Overall",
        "Non-live overall: unweighted mean of Simple, Multiple, Parallel, Parallel-multiple",
    ),
    Column(
        "live_overall",
        "Live overall",
        "Overall",
        "Live overall: mean of the four live AST categories weighted by entry count",
    ),
    Column(
        "relevance", "Relevance", "Hallucination", "live_relevance: passes when the output decodes to at least one call"
    ),
    Column(
        "irrelevance",
        "Irrelevance",
        "Hallucination",
        "Unweighted mean of irrelevance and live_irrelevance: passes when no call decodes",
    ),
    Column("non_live_simple", "Simple", "Non-live", "Unweighted mean of simple_python, simple_java, simple_javascript"),
    Column("non_live_multiple", "Multiple", "Non-live", "multiple"),
    Column("non_live_parallel", "Parallel", "Non-live", "parallel"),
    Column("non_live_parallel_multiple", "Par. multi", "Non-live", "parallel_multiple"),
    Column("live_simple", "Simple", "Live", "live_simple"),
    Column("live_multiple", "Multiple", "Live", "live_multiple"),
    Column("live_parallel", "Parallel", "Live", "live_parallel"),
    Column("live_parallel_multiple", "Par. multi", "Live", "live_parallel_multiple"),
)

TOOLGRAD5K_COLUMNS: tuple[Column, ...] = (
    Column(
        "recall",
        "Recall",
        "ToolGrad-5k",
        "Share of ground-truth tools the model called (mean over test ids), in %",
        100.0,
        100.0,
        (0.0, 1.0),
    ),
    Column(
        "success_rate",
        "Success Rate",
        "ToolGrad-5k",
        "Share of ground-truth tools called at least once without error, in %",
        100.0,
        100.0,
        (0.0, 1.0),
    ),
    Column(
        "qor",
        "QoR",
        "ToolGrad-5k",
        "Quality of response, the LLM judge's 0-100 score",
        1.0,
        1.0,
        (0.0, 100.0),
        judged=True,
    ),
)

# StableToolBench's test sets as its tables label them (I1 = G1 ...), then their plain mean.
TOOLBENCH_TEST_SETS: dict[str, str] = {
    "G1_instruction": "I1 Inst",
    "G1_category": "I1 Cat",
    "G1_tool": "I1 Tool",
    "G2_category": "I2 Cat",
    "G2_instruction": "I2 Inst",
    "G3_instruction": "I3 Inst",
    "average": "Average",
}
TOOLBENCH_COLUMNS: tuple[Column, ...] = tuple(
    Column(
        f"{metric}_{test_set}",
        label,
        "SoPR" if metric == "sopr" else "SoWR",
        f"{'Solvable pass rate' if metric == 'sopr' else 'Solvable win rate against the run reference'} on "
        f"{'the mean of the test sets' if test_set == 'average' else test_set}, in %",
        1.0,
        1.0,
        (0.0, 100.0),
        judged=True,
    )
    for metric in ("sopr", "sowr")
    for test_set, label in TOOLBENCH_TEST_SETS.items()
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "bfcl": BFCL_COLUMNS,
    "toolgrad5k": TOOLGRAD5K_COLUMNS,
    "toolbench": TOOLBENCH_COLUMNS,
}

# toolgrad_eval.bfcl.aggregate.model_card computes the columns; the same rules written as weights
# (every column is a fixed linear combination of category means) let the statistics resample each
# category on its own. tests/leaderboard/test_leaderboard_columns.py checks that the two agree.
# Live overall's weights depend on the categories' sizes.
_BFCL_FIXED_WEIGHTS: dict[str, dict[str, float]] = {
    "non_live_simple": {"simple_python": 1 / 3, "simple_java": 1 / 3, "simple_javascript": 1 / 3},
    "non_live_multiple": {"multiple": 1.0},
    "non_live_parallel": {"parallel": 1.0},
    "non_live_parallel_multiple": {"parallel_multiple": 1.0},
    "non_live_overall": {
        "simple_python": 1 / 12,
        "simple_java": 1 / 12,
        "simple_javascript": 1 / 12,
        "multiple": 1 / 4,
        "parallel": 1 / 4,
        "parallel_multiple": 1 / 4,
    },
    "live_simple": {"live_simple": 1.0},
    "live_multiple": {"live_multiple": 1.0},
    "live_parallel": {"live_parallel": 1.0},
    "live_parallel_multiple": {"live_parallel_multiple": 1.0},
    "relevance": {"live_relevance": 1.0},
    "irrelevance": {"irrelevance": 0.5, "live_irrelevance": 0.5},
}


def bfcl_weights(column: str, sizes: Mapping[str, int]) -> dict[str, float]:
    """Category weights of a BFCL column; ``sizes`` (entries per category) matter for live overall."""
    if column == "live_overall":
        total = sum(sizes.get(cat, 0) for cat in LIVE_AST_SIZES)
        return {cat: sizes.get(cat, 0) / total if total else 0.0 for cat in LIVE_AST_SIZES}
    return dict(_BFCL_FIXED_WEIGHTS[column])


def column(benchmark: str, key: str) -> Column:
    for col in COLUMNS[benchmark]:
        if col.key == key:
            return col
    raise KeyError(f"{benchmark} has no column {key!r}")
