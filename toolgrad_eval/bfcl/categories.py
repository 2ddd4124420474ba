"""BFCL single-turn categories: names per data version, groups and sizes.

Everything else in ``toolgrad_eval.bfcl`` speaks the v4 names (``simple_python``...); a v3 run's
own names (``simple``, ``java``, ``javascript``) appear only in file names, score-file lines and
the v3 leaderboard CSVs, which must look the way BFCL's v3 tools wrote them.
"""

from __future__ import annotations

from typing import Literal

DataVersion = Literal["v3", "v4"]
VERSIONS: tuple[DataVersion, ...] = ("v4", "v3")

# The bfcl-eval release whose data matches each version's published score files
# (earlier v3 releases still carry answers corrected later; see docs).
BFCL_EVAL_RELEASE: dict[str, str] = {"v4": "2026.3.23", "v3": "2025.6.30"}

NON_LIVE_AST = ("simple_python", "simple_java", "simple_javascript", "multiple", "parallel", "parallel_multiple")
LIVE_AST = ("live_simple", "live_multiple", "live_parallel", "live_parallel_multiple")
SINGLE_TURN = (*NON_LIVE_AST, "irrelevance", *LIVE_AST, "live_irrelevance", "live_relevance")

# Categories scored by "does the output decode to a call at all" instead of against an answer.
NO_ANSWER = frozenset({"irrelevance", "live_irrelevance", "live_relevance"})

_V3_TO_V4 = {"simple": "simple_python", "java": "simple_java", "javascript": "simple_javascript"}
_V4_TO_V3 = {v: k for k, v in _V3_TO_V4.items()}

# Entries per category in the era-matched data; used when a category was not scored and a
# weighted aggregate still needs its size (BFCL counts a missing category as 0 with its size).
SIZES: dict[str, dict[str, int]] = {
    "v4": {
        "simple_python": 400,
        "simple_java": 100,
        "simple_javascript": 50,
        "multiple": 200,
        "parallel": 200,
        "parallel_multiple": 200,
        "irrelevance": 240,
        "live_simple": 258,
        "live_multiple": 1053,
        "live_parallel": 16,
        "live_parallel_multiple": 24,
        "live_irrelevance": 884,
        "live_relevance": 16,
    },
}
SIZES["v3"] = {**SIZES["v4"], "live_irrelevance": 882, "live_relevance": 18}

# BFCL v4's agentic categories (v3 has none): scored from the final text reply alone. Both web-search
# categories ask the same questions, from BFCL_v4_web_search.json; the three memory back-ends the
# same ones, from BFCL_v4_memory.json; BFCL renames the ids per category (see ``agentic``).
WEB_SEARCH = ("web_search_base", "web_search_no_snippet")
MEMORY = ("memory_kv", "memory_vector", "memory_rec_sum")
AGENTIC = (*WEB_SEARCH, *MEMORY)
AGENTIC_SOURCE = {**{c: "web_search" for c in WEB_SEARCH}, **{c: "memory" for c in MEMORY}}
AGENTIC_SIZES = {
    "web_search_base": 100,
    "web_search_no_snippet": 100,
    "memory_kv": 155,
    "memory_vector": 155,
    "memory_rec_sum": 155,
}
MULTI_TURN = ("multi_turn_base", "multi_turn_miss_func", "multi_turn_miss_param", "multi_turn_long_context")
# Every category a run record may hold, in the order records and tables list them.
RECORD_ORDER = (*SINGLE_TURN, *MULTI_TURN, *AGENTIC)

# Categories BFCL defines that we recognise but do not score (multi-turn and agentic need
# executable back-ends; the others were retired from the leaderboard).
NOT_SCORED_PREFIXES = ("multi_turn", "web_search", "memory", "format_sensitivity", "exec", "rest", "sql", "chatable")


def to_v4(version: str, name: str) -> str:
    """The v4 name of a category as it is spelled in a ``version`` file name."""
    return _V3_TO_V4.get(name, name) if version == "v3" else name


def native_name(version: str, category: str) -> str:
    """The name BFCL ``version`` uses for the v4 ``category`` (file names, score lines)."""
    return _V4_TO_V3.get(category, category) if version == "v3" else category


def group(category: str) -> str:
    """``live`` or ``non_live``: the sub-folder BFCL v4 files of this category live in."""
    return "live" if category.startswith("live_") else "non_live"


def file_prefix(version: str) -> str:
    return f"BFCL_{version}"
