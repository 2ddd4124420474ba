"""BFCL's simulated APIs (file system, math, messaging, ...), loaded from the pinned official wheel.

The multi-turn categories are scored by running calls on these simulators. They are data of the
era-matched ``bfcl-eval`` release (Apache-2.0; standard library plus ``mpmath``), never copied into
this repository: ``toolgrad-eval bfcl-data fetch`` unpacks their source files beside the questions
(``<data>/func_source_code/``), and an installed ``bfcl_eval`` keeps them in its package. Each
folder's modules are loaded once per process under a private package name, so v3 and v4 simulators
live side by side; their absolute imports of each other (``bfcl_eval...long_context``) are pointed
at the same folder's modules while it loads, and nothing of ``bfcl_eval`` stays in ``sys.modules``.
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

__all__ = ["CLASS_MODULES", "STATELESS", "SimulatorsNotFoundError", "load_classes", "simulator_dir"]

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


class SimulatorsNotFoundError(ToolgradError):
    """The data folder has no simulator sources (an older fetch)."""


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
