"""BFCL's simulated APIs (file system, math, messaging, ...), loaded from the pinned official wheel.

The multi-turn categories are scored by running calls on these simulators. They are data of the
era-matched ``bfcl-eval`` release (Apache-2.0; standard library plus ``mpmath``), never copied into
this repository: ``toolgrad-eval bfcl-data fetch`` unpacks their source files beside the questions
(``<data>/func_source_code/``), and an installed ``bfcl_eval`` keeps them in its package. Each
folder's modules are loaded once per process under a private package name, so v3 and v4 simulators
live side by side; their absolute imports of each other (``bfcl_eval...long_context``) are pointed
at the same folder's modules while it loads, and nothing of ``bfcl_eval`` stays in ``sys.modules``.

The memory back-ends of BFCL v4 (``MemoryAPI_kv``, ``MemoryAPI_rec_sum``, ``MemoryAPI_vector``) are
loaded apart, one at a time and only when asked for (:func:`load_memory_class`), since they need
packages the others do not: ``memory_kv`` needs ``rank_bm25`` (``toolgrad-eval[memory]``),
``memory_vector`` sentence-transformers, faiss and an embedding model. Their base class imports
``overrides`` and three helpers of ``bfcl_eval.utils``: our stand-ins
(:mod:`toolgrad_eval.bfcl.multi_turn.memory_shims`) answer to those names while they load only.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import threading
import types
from pathlib import Path
from typing import Any

from toolgrad_eval.errors import ToolgradError

__all__ = [
    "CLASS_MODULES",
    "MEMORY_CLASS_MODULES",
    "STATELESS",
    "MemoryBackendUnavailable",
    "SimulatorsNotFoundError",
    "load_classes",
    "load_memory_class",
    "simulator_dir",
]

# The multi-turn classes and the module each lives in (the official backend configuration).
CLASS_MODULES = {
    "GorillaFileSystem": "gorilla_file_system",
    "MathAPI": "math_api",
    "MessageAPI": "message_api",
    "TwitterAPI": "posting_api",
    "TicketAPI": "ticket_api",
    "TradingBot": "trading_bot",
    "TravelAPI": "travel_booking",
    "VehicleControlAPI": "vehicle_control",
}
# Classes the official checker creates without loading a scenario.
STATELESS = frozenset({"MathAPI"})
_OFFICIAL_PACKAGE = "bfcl_eval.eval_checker.multi_turn_eval.func_source_code"
_SHARED_MODULES = ("long_context",)  # imported by the others; loaded first
_LOCK = threading.Lock()
_LOADED: dict[Path, dict[str, type]] = {}
# The memory back-ends (BFCL v4 only), their module, and what each needs beyond the standard library.
MEMORY_CLASS_MODULES = {
    "MemoryAPI_kv": "memory_kv",
    "MemoryAPI_rec_sum": "memory_rec_sum",
    "MemoryAPI_vector": "memory_vector",
}
_MEMORY_NEEDS = {
    "MemoryAPI_kv": "rank-bm25 (pip install 'toolgrad-eval[memory]')",
    "MemoryAPI_rec_sum": "nothing beyond toolgrad-eval",
    "MemoryAPI_vector": "sentence-transformers, faiss-cpu and a downloaded embedding model (opt-in: "
    "pip install sentence-transformers faiss-cpu)",
}
_MEMORY_BASE = "memory_api_metaclass"
_MEMORY_LOADED: dict[tuple[Path, str], type] = {}


class SimulatorsNotFoundError(ToolgradError):
    """The data folder has no simulator sources (an older fetch)."""


class MemoryBackendUnavailable(ToolgradError):
    """A memory back-end's simulator cannot load here: a package it imports is not installed."""


def simulator_dir(data_root: Path, version: str) -> Path:
    """Where the simulators of the data in ``data_root`` are: our fetch puts them in
    ``func_source_code/`` beside the questions; an installed or unpacked wheel keeps them in its package."""
    for candidate in (
        data_root / "func_source_code",
        data_root.parent / "eval_checker" / "multi_turn_eval" / "func_source_code",
    ):
        if (candidate / "gorilla_file_system.py").is_file():
            return candidate
    raise SimulatorsNotFoundError(
        f"{data_root}: no BFCL simulator sources (func_source_code/) beside this data; multi-turn "
        f"scoring needs them: run `toolgrad-eval bfcl-data fetch {version} --force`"
    )


def load_classes(folder: Path) -> dict[str, type]:
    """The simulator classes in ``folder`` (class name -> class), loaded once per process."""
    folder = folder.resolve()
    with _LOCK:
        if folder not in _LOADED:
            _LOADED[folder] = _load(folder)
        return _LOADED[folder]


def _load(folder: Path) -> dict[str, type]:
    private = "_toolgrad_bfcl_simulators_" + hashlib.sha256(str(folder).encode()).hexdigest()[:12]
    package = types.ModuleType(private)
    package.__path__ = [str(folder)]
    sys.modules[private] = package
    aliases: dict[str, Any] = {}
    try:
        for name in (*_SHARED_MODULES, *sorted(set(CLASS_MODULES.values()))):
            module = _exec_module(folder, private, name)
            if name in _SHARED_MODULES:
                # Later modules import it by its official absolute name; point that name here.
                official = f"{_OFFICIAL_PACKAGE}.{name}"
                aliases.setdefault(official, sys.modules.get(official))
                sys.modules[official] = module
    finally:
        for official, previous in aliases.items():
            if previous is None:
                sys.modules.pop(official, None)
            else:
                sys.modules[official] = previous
    classes: dict[str, type] = {}
    for class_name, module_name in CLASS_MODULES.items():
        cls = getattr(sys.modules[f"{private}.{module_name}"], class_name, None)
        if not isinstance(cls, type):
            raise SimulatorsNotFoundError(f"{folder / (module_name + '.py')}: no class {class_name}")
        classes[class_name] = cls
    return classes


def _exec_module(folder: Path, private: str, name: str) -> types.ModuleType:
    path = folder / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"{private}.{name}", path)
    if spec is None or spec.loader is None:
        raise SimulatorsNotFoundError(f"{path}: cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    except FileNotFoundError:
        raise SimulatorsNotFoundError(f"{path}: missing; run `toolgrad-eval bfcl-data fetch --force`") from None
    return module


def load_memory_class(folder: Path, class_name: str) -> type:
    """The memory back-end ``class_name`` (``MemoryAPI_kv``...) of the simulators in ``folder``, loaded
    once per process; MemoryBackendUnavailable names what to install when it cannot import."""
    if class_name not in MEMORY_CLASS_MODULES:
        raise KeyError(class_name)
    folder = folder.resolve()
    with _LOCK:
        key = (folder, class_name)
        if key not in _MEMORY_LOADED:
            _MEMORY_LOADED[key] = _load_memory(folder, class_name)
        return _MEMORY_LOADED[key]


def _load_memory(folder: Path, class_name: str) -> type:
    from toolgrad_eval.bfcl.multi_turn import memory_shims

    private = "_toolgrad_bfcl_simulators_" + hashlib.sha256(str(folder).encode()).hexdigest()[:12]
    if private not in sys.modules:
        package = types.ModuleType(private)
        package.__path__ = [str(folder)]
        sys.modules[private] = package
    module_name = MEMORY_CLASS_MODULES[class_name]
    # The names the memory modules import, pointed at our stand-ins and the base class while they load.
    borrowed: dict[str, Any] = {
        "bfcl_eval.utils": memory_shims.utils_module(),
        "overrides": memory_shims.overrides_module(),
    }
    previous = {name: sys.modules.get(name) for name in (*borrowed, f"{_OFFICIAL_PACKAGE}.{_MEMORY_BASE}")}
    try:
        sys.modules.update(borrowed)
        base = sys.modules.get(f"{private}.{_MEMORY_BASE}") or _exec_module(folder, private, _MEMORY_BASE)
        sys.modules[f"{_OFFICIAL_PACKAGE}.{_MEMORY_BASE}"] = base
        try:
            module = _exec_module(folder, private, module_name)
        except ImportError as exc:
            sys.modules.pop(f"{private}.{module_name}", None)
            missing = getattr(exc, "name", None) or str(exc)
            raise MemoryBackendUnavailable(
                f"memory_{module_name[len('memory_') :]} cannot be generated here: its BFCL simulator "
                f"({folder / (module_name + '.py')}) imports {missing!r}, which is not installed; it needs "
                f"{_MEMORY_NEEDS[class_name]}"
            ) from None
    finally:
        for name, before in previous.items():
            if before is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = before
    cls = getattr(module, class_name, None)
    if not isinstance(cls, type):
        raise SimulatorsNotFoundError(f"{folder / (module_name + '.py')}: no class {class_name}")
    return cls
