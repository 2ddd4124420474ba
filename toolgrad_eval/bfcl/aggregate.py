"""Model-card columns from per-category BFCL accuracies, by the leaderboard's rules.

- Non-live Simple = unweighted mean of simple_python, simple_java, simple_javascript.
- Non-live Overall = unweighted mean of Simple, multiple, parallel, parallel_multiple.
- Live Overall = mean of the four live AST categories weighted by their entry counts.
- Relevance = live_relevance; Irrelevance = unweighted mean of irrelevance and live_irrelevance.

These are BFCL v4's rules and the ones model cards use; we apply them to v3 runs too, so a v3 and
a v4 row mean the same thing (BFCL's own v3 CSVs also folded (ir)relevance into the overall
columns; see ``leaderboard_csv`` for those). Unlike BFCL, which counts a missing category as 0
in its overall columns, a column here is ``None`` whenever a category it needs is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

AGGREGATE_KEYS = (
    "non_live_overall",
    "live_overall",
    "relevance",
    "irrelevance",
    "non_live_simple",
    "non_live_multiple",
    "non_live_parallel",
    "non_live_parallel_multiple",
    "live_simple",
    "live_multiple",
    "live_parallel",
    "live_parallel_multiple",
)

# (key, header) in model-card order.
CARD_COLUMNS = (
    ("non_live_overall", "NL overall"),
    ("live_overall", "Live overall"),
    ("relevance", "Rel."),
    ("irrelevance", "Irrel."),
    ("non_live_simple", "NL simple"),
    ("non_live_multiple", "NL multiple"),
    ("non_live_parallel", "NL parallel"),
    ("non_live_parallel_multiple", "NL par. multiple"),
    ("live_simple", "L simple"),
    ("live_multiple", "L multiple"),
    ("live_parallel", "L parallel"),
    ("live_parallel_multiple", "L par. multiple"),
)


@dataclass(frozen=True)
class CategoryScore:
    accuracy: float  # 0..1
    total_count: int


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    if len(present) < len(values):
        return None
    return sum(present) / len(present)


def _weighted(scores: list[CategoryScore | None]) -> float | None:
    present = [s for s in scores if s is not None]
    if len(present) < len(scores):
        return None
    total = sum(s.total_count for s in present)
    if total == 0:
        return None
    return sum(s.accuracy * s.total_count for s in present) / total


def model_card(scores: Mapping[str, CategoryScore]) -> dict[str, float | None]:
    """The twelve model-card columns (fractions in [0, 1], or None) from v4-named category scores."""
    acc = {name: s.accuracy for name, s in scores.items()}
    get = acc.get
    simple = _mean([get("simple_python"), get("simple_java"), get("simple_javascript")])
    out: dict[str, float | None] = {
        "non_live_simple": simple,
        "non_live_multiple": get("multiple"),
        "non_live_parallel": get("parallel"),
        "non_live_parallel_multiple": get("parallel_multiple"),
        "live_simple": get("live_simple"),
        "live_multiple": get("live_multiple"),
        "live_parallel": get("live_parallel"),
        "live_parallel_multiple": get("live_parallel_multiple"),
        "relevance": get("live_relevance"),
        "irrelevance": _mean([get("irrelevance"), get("live_irrelevance")]),
    }
    out["non_live_overall"] = _mean([simple, get("multiple"), get("parallel"), get("parallel_multiple")])
    out["live_overall"] = _weighted(
        [scores.get(c) for c in ("live_simple", "live_multiple", "live_parallel", "live_parallel_multiple")]
    )
    return {key: out[key] for key in AGGREGATE_KEYS}


def percent(value: float | None) -> str:
    """A model-card cell: ``79.44`` or ``N/A`` (never 0 for a missing column)."""
    return "N/A" if value is None else f"{value * 100:.2f}"
