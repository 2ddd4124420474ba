"""Model names are names, not paths.

A model name picks a folder under the dataset (``prediction/<model>/``, ``result/<model>/``) and
names the folders we write (``score/<model>/``, ``toolgrad-eval-out/<benchmark>/<model>/``). A name
holding a path separator or ``..`` would read or write outside those roots, so it is refused; and
the folder a name maps to is unique to it, so two models never share (and overwrite) one record.
"""

from __future__ import annotations

import hashlib
import re

from toolgrad_eval.errors import ConfigError

# Unicode letters and digits stay (a Cyrillic name stays readable); anything else becomes "_".
_UNSAFE = re.compile(r"[^\w.=-]+")
MAX_NAME_CHARS = 200
ALL = "all"  # --pred_model all: every model of a BFCL run


def is_many(spec: str) -> bool:
    """``--pred_model a,b,c`` or ``all``: several models in one run (a BFCL feature, bfcl/many.py);
    here so that the CLI can tell before it knows the benchmark or imports any."""
    return spec == ALL or "," in spec


def check_model_name(name: str, option: str = "--pred_model") -> str:
    """``name`` when it can name a folder of its own, else :class:`ConfigError`."""
    problem = None
    if not name or not name.strip():
        problem = "is empty"
    elif "/" in name or "\\" in name:
        problem = "holds a path separator (BFCL writes '/' in model names as '_': use the folder name under result/)"
    elif name in (".", "..") or name.startswith(".."):
        problem = "is a relative path, not a name"
    elif any(ord(c) < 32 or c == "\x7f" for c in name):
        problem = "holds control characters"
    elif len(name) > MAX_NAME_CHARS:
        problem = f"is longer than {MAX_NAME_CHARS} characters"
    if problem:
        raise ConfigError(f"{option} {name!r} {problem}; a model name names a folder, it is not a path")
    return name


def folder_name(name: str) -> str:
    """A file-system-safe folder name for ``name``, different for different names: when anything
    had to be replaced, a short hash of the whole name is added."""
    safe = _UNSAFE.sub("_", name).strip(".") or "model"
    if safe == name:
        return name
    return f"{safe[:80]}-{hashlib.sha256(name.encode('utf-8', 'surrogatepass')).hexdigest()[:10]}"
