"""Stand-ins for the two outside names BFCL's memory simulators import while they load.

The memory back-ends' base class (``memory_api_metaclass.py`` of the pinned data) imports
``overrides.final`` (a decorator that only marks a method) and three helpers of ``bfcl_eval.utils``
that place a memory entry's snapshots. Neither package is a dependency of ours: these modules are
put in ``sys.modules`` under those names only while the simulators load
(:func:`toolgrad_eval.bfcl.multi_turn.simulators.load_memory_class`), and taken out afterwards;
the loaded module keeps the functions it imported. Written from BFCL's rules, for memory ids only:

* a memory entry's id is ``memory_<backend>_<index>-<scenario>-<n>``, a prerequisite's
  ``memory_<backend>_prereq_<index>-<scenario>-<n>``; the category is the id less its last
  ``_<index>`` part;
* its folder in the result tree is ``agentic/memory/<backend>``;
* a prerequisite conversation is one whose id (or category) holds ``prereq``; the first of a
  chain is the one whose id ends in ``-0``.
"""

from __future__ import annotations

import types
from typing import Any, Callable, TypeVar

__all__ = ["overrides_module", "utils_module"]

_F = TypeVar("_F", bound=Callable[..., Any])


def is_memory_prereq(test_category: str) -> bool:
    return "prereq" in test_category


def is_first_memory_prereq_entry(test_entry_id: str) -> bool:
    return is_memory_prereq(test_entry_id) and test_entry_id.endswith("-0")


def get_directory_structure_by_id(test_id: str) -> str:
    """``agentic/memory/<backend>`` for a memory entry's id (ValueError for any other id)."""
    category = test_id.replace("_prereq", "").rsplit("_", 1)[0]
    if not category.startswith("memory_") or len(category) == len("memory_"):
        raise ValueError(f"{test_id!r} is not a BFCL memory entry id")
    return f"agentic/memory/{category[len('memory_') :]}"


def final(method: _F) -> _F:
    """``overrides.final``: a marker for type checkers; the method itself is unchanged."""
    return method


def utils_module() -> types.ModuleType:
    module = types.ModuleType("bfcl_eval.utils")
    module.get_directory_structure_by_id = get_directory_structure_by_id  # type: ignore[attr-defined]
    module.is_first_memory_prereq_entry = is_first_memory_prereq_entry  # type: ignore[attr-defined]
    module.is_memory_prereq = is_memory_prereq  # type: ignore[attr-defined]
    return module


def overrides_module() -> types.ModuleType:
    module = types.ModuleType("overrides")
    module.final = final  # type: ignore[attr-defined]
    return module
