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

from toolgrad_eval import units

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
    return units.percent(value)


# BFCL's Overall Accuracy, per data version: its parts, each part's categories, and its weight.
# v4 (bfcl-eval 2026.3.23): 10% non-live + 10% live + 10% irrelevance + 30% multi-turn + 40% agentic.
# v3 (bfcl-eval 2025.6.30): the plain mean of non-live, live and multi-turn, whose non-live and live
# parts also hold the (ir)relevance categories.
_NL_SIMPLE = ("simple_python", "simple_java", "simple_javascript")
_NL_OTHERS = ("multiple", "parallel", "parallel_multiple")
_LIVE_AST = ("live_simple", "live_multiple", "live_parallel", "live_parallel_multiple")
_MULTI_TURN = ("multi_turn_base", "multi_turn_miss_func", "multi_turn_miss_param", "multi_turn_long_context")
_WEB_SEARCH = ("web_search_base", "web_search_no_snippet")
_MEMORY = ("memory_kv", "memory_vector", "memory_rec_sum")
OVERALL_PARTS: dict[str, tuple[tuple[str, float, tuple[str, ...]], ...]] = {
    "v4": (
        ("non_live", 10, (*_NL_SIMPLE, *_NL_OTHERS)),
        ("live", 10, _LIVE_AST),
        ("irrelevance", 10, ("irrelevance", "live_irrelevance")),
        ("multi_turn", 30, _MULTI_TURN),
        ("agentic", 40, (*_WEB_SEARCH, *_MEMORY)),
    ),
    "v3": (
        ("non_live", 1, (*_NL_SIMPLE, *_NL_OTHERS, "irrelevance")),
        ("live", 1, (*_LIVE_AST, "live_irrelevance", "live_relevance")),
        ("multi_turn", 1, _MULTI_TURN),
    ),
}


@dataclass(frozen=True)
class OverallPart:
    name: str
    weight: float  # share of the Overall, 0..1
    accuracy: float  # 0..1, a category not scored counted as 0 (BFCL's rule)
    scored: tuple[str, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Overall:
    """BFCL's Overall Accuracy, with which of its parts were actually scored.

    ``accuracy`` is BFCL's own number: a category not scored counts 0 (with its full entry count
    where a part is weighted by entries). ``partial`` says that happened; every place that shows the
    number must show the label with it."""

    version: str
    accuracy: float
    parts: tuple[OverallPart, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(c for p in self.parts for c in p.missing)

    @property
    def partial(self) -> bool:
        return bool(self.missing)

    @property
    def label(self) -> str:
        return "partial" if self.partial else "complete"

    def scored_parts(self) -> str:
        """``non_live, live, irrelevance; not scored: multi_turn, agentic (2/5)``."""
        full = [p.name for p in self.parts if not p.missing]
        rest = [
            p.name if not p.scored else f"{p.name} ({len(p.scored)}/{len(p.scored) + len(p.missing)})"
            for p in self.parts
            if p.missing
        ]
        text = ", ".join(full) or "none"
        return text + (f"; counted as 0: {', '.join(rest)}" if rest else "")

    def as_dict(self) -> dict[str, object]:
        return {
            "accuracy": self.accuracy,
            "label": self.label,
            "partial": self.partial,
            "missing_categories": list(self.missing),
            "parts": {
                p.name: {
                    "accuracy": p.accuracy,
                    "weight": p.weight,
                    "scored": list(p.scored),
                    "missing": list(p.missing),
                }
                for p in self.parts
            },
        }


def overall(scores: Mapping[str, CategoryScore], version: str, sizes: Mapping[str, int]) -> Overall:
    """BFCL ``version``'s Overall Accuracy from v4-named category scores (``sizes``: entry counts of
    the categories not scored, for the parts weighted by entries)."""
    acc = {name: s.accuracy for name, s in scores.items()}

    def a(name: str) -> float:
        return acc.get(name, 0.0)

    def by_entries(names: tuple[str, ...]) -> float:
        counts = [scores[n].total_count if n in scores else sizes.get(n, 0) for n in names]
        total = sum(counts)
        return sum(a(n) * c for n, c in zip(names, counts)) / total if total else 0.0

    simple = (a("simple_python") + a("simple_java") + a("simple_javascript")) / 3
    non_live_ast = (simple + a("multiple") + a("parallel") + a("parallel_multiple")) / 4
    value = {
        "multi_turn": sum(a(n) for n in _MULTI_TURN) / 4,
        "irrelevance": (a("irrelevance") + a("live_irrelevance")) / 2,
        "agentic": (sum(a(n) for n in _WEB_SEARCH) / 2 + sum(a(n) for n in _MEMORY) / 3) / 2,
    }
    if version == "v3":
        value["non_live"] = (simple + a("multiple") + a("parallel") + a("parallel_multiple") + a("irrelevance")) / 5
        value["live"] = by_entries((*_LIVE_AST, "live_irrelevance", "live_relevance"))
    else:
        value["non_live"] = non_live_ast
        value["live"] = by_entries(_LIVE_AST)
    spec = OVERALL_PARTS[version]
    weight_sum = sum(w for _, w, _ in spec)
    parts = tuple(
        OverallPart(
            name,
            weight / weight_sum,
            value[name],
            tuple(c for c in cats if c in scores),
            tuple(c for c in cats if c not in scores),
        )
        for name, weight, cats in spec
    )
    if version == "v3":  # BFCL v3: a plain mean, in its own order (the last digits depend on it)
        total = (value["live"] + value["non_live"] + value["multi_turn"]) / 3
    else:
        total = sum(p.accuracy * p.weight for p in parts)
    return Overall(version, total, parts)
