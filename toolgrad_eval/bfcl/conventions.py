"""Per-model BFCL conventions: the facts the official checker reads from its model registry.

The official checker does not guess how a result file is to be read: the model's registry entry
(``bfcl_eval/constants/model_config.py``) names its handler (each handler decodes output its own
way), whether it ran in function-calling or prompt mode, and ``underscore_to_dot`` (the model was
shown function names with ``.`` written as ``_``, so the expected names are compared that way).
Those facts ship as data, one table per bfcl-eval release (``benchmarks/bfcl/conventions-*.json``,
made by ``scripts/regen_bfcl_conventions.py``), and are looked up here, together with ``family``:
which of our decoders reproduces that handler's reading in that mode (see
:mod:`toolgrad_eval.bfcl.decode.families`).

A result folder is named as BFCL names it: the registry key with ``/`` written as ``_``; the
official checker turns every ``_`` back into ``/`` to find the entry, and so do we. A name that is
not in the registry (a user's own fine-tune) borrows a registry model's conventions
(``--bfcl-handler google/gemma-3-12b-it``) or keeps the per-file inference of earlier versions.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

from toolgrad_eval.bfcl.categories import BFCL_EVAL_RELEASE
from toolgrad_eval.errors import ConfigError

Source = Literal["registry", "--bfcl-handler", "inferred"]


@dataclass(frozen=True)
class RegistryEntry:
    handler: str
    handler_module: str
    is_fc_model: bool
    underscore_to_dot: bool
    family: str | None  # our decoder reproducing the handler in this mode (None: not reproduced yet)


def validate_table_file(path: Any) -> dict[str, RegistryEntry]:
    """The models of one conventions file, checked strictly (pydantic is imported here only: the
    scorer reads the shipped tables on every run and must not pay pydantic's import)."""
    from typing import Optional

    from pydantic import BaseModel, ConfigDict

    class Entry(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        handler: str
        handler_module: str
        is_fc_model: bool
        underscore_to_dot: bool
        family: Optional[str]

    class ConventionsFile(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        source: str
        release: str
        models: dict[str, Entry]

    table = ConventionsFile.model_validate(json.loads(path.read_text(encoding="utf-8")))
    return {key: RegistryEntry(**entry.model_dump()) for key, entry in table.models.items()}


@dataclass(frozen=True)
class Conventions:
    """How one model's outputs are read, and why."""

    registry_model: str | None  # the registry entry used (None: not in the registry)
    handler: str | None
    is_fc_model: bool | None  # None: unknown, decided per result file from the outputs
    underscore_to_dot: bool | None  # None: the default for the decoded format
    family: str | None  # our decoder for the handler's reading (None: format inferred per file)
    source: Source
    release: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "registry_model": self.registry_model,
            "handler": self.handler,
            "is_fc_model": self.is_fc_model,
            "underscore_to_dot": self.underscore_to_dot,
            "family": self.family,
            "source": self.source,
            "bfcl_eval_release": self.release,
        }

    def describe(self) -> str:
        if self.source == "inferred":
            return (
                f"not in the bfcl-eval {self.release} registry: output format inferred per result file "
                "(--bfcl-handler MODEL borrows a registry model's conventions)"
            )
        mode = "function calling" if self.is_fc_model else "prompt"
        dots = "names compared with '.' as '_'" if self.underscore_to_dot else "names compared as written"
        via = "the registry" if self.source == "registry" else "--bfcl-handler"
        decoded = f"decoded as {self.family}" if self.family else "decoding not reproduced: inferred per file"
        return f"{self.registry_model} from {via} (bfcl-eval {self.release}): {self.handler}, {mode}, {dots}, {decoded}"


@functools.lru_cache(maxsize=4)
def load_table(release: str) -> dict[str, RegistryEntry]:
    """The shipped registry of one bfcl-eval release (validated strictly by the test suite, read
    plainly here)."""
    path = resources.files("toolgrad_eval.benchmarks") / "bfcl" / f"conventions-{release}.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {key: RegistryEntry(**entry) for key, entry in raw["models"].items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ConfigError(f"{path}: unreadable BFCL conventions table ({exc})") from None


def registry_key(folder_name: str, models: dict[str, Any]) -> str | None:
    """The registry entry a result folder stands for: the name as given, or with every ``_`` read
    as ``/`` (how the official checker maps folder names back)."""
    for candidate in (folder_name, folder_name.replace("_", "/")):
        if candidate in models:
            return candidate
    return None


def conventions_for(model: str, version: str, handler_model: str | None = None) -> Conventions:
    """The conventions ``model``'s result folder is scored with, for BFCL data ``version``."""
    release = BFCL_EVAL_RELEASE[version]
    models = load_table(release)
    if handler_model is not None:
        key = registry_key(handler_model, models)
        if key is None:
            raise ConfigError(
                f"--bfcl-handler {handler_model!r}: not a model of the bfcl-eval {release} registry "
                f"(e.g. google/gemma-3-12b-it, gpt-4o-2024-11-20-FC)"
            )
        source: Source = "--bfcl-handler"
    else:
        key = registry_key(model, models)
        source = "registry"
    if key is None:
        return Conventions(None, None, None, None, None, "inferred", release)
    entry = models[key]
    return Conventions(key, entry.handler, entry.is_fc_model, entry.underscore_to_dot, entry.family, source, release)
