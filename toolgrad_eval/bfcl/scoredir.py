"""Where a BFCL run's score files go, and the rules for writing them.

- ``--score-dir DIR``: ``DIR/<model>/...`` and ``DIR/data_*.csv``, as BFCL's own ``--score-dir``;
- otherwise ``<dataset>/score/`` beside ``result/``, as BFCL does;
- unless the dataset is read-only, or is data shipped with toolgrad-eval (the demo runs, inside the
  installed package): then ``<output>/score/``, and the run says so.

A run replaces the model's own score files: re-scoring is free and deterministic (BFCL's own
``evaluate`` does the same), so ``--overwrite`` keeps its one meaning, re-judging (paid).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator

from toolgrad_eval.bfcl.layout import RunLayout
from toolgrad_eval.errors import ToolgradError


def record_path(path: Path, output: Path) -> str:
    """How the run record names a file: relative to the record's folder when inside it (the record
    stays valid when moved), else absolute (valid from any working directory)."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(output.resolve()))
    except ValueError:
        return str(resolved)


def _shipped_roots() -> list[Path]:
    """Folders of the installed toolgrad-eval package and its shipped data (demo datasets live there)."""
    roots: list[Path] = []
    for name in ("toolgrad_eval", "toolgrad_eval.benchmarks"):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is not None and spec.submodule_search_locations:
            roots.extend(Path(p).resolve() for p in spec.submodule_search_locations)
    return roots


def _is_shipped(dataset: Path) -> bool:
    resolved = dataset.resolve()
    return any(resolved == r or r in resolved.parents for r in _shipped_roots())


def _writable(folder: Path) -> bool:
    """Can we create files under ``folder`` (created later if missing)? Probes the nearest existing parent."""
    probe = folder
    while not probe.exists():
        if probe.parent == probe:
            return False
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        return False
    try:  # os.access is not the whole truth (read-only mounts, ACLs): really try
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError:
        return False
    return True


def choose_score_root(layout: RunLayout, output: Path, score_dir: Path | None, echo: Callable[[str], Any]) -> Path:
    """The folder that gets ``<model>/...`` score files and the leaderboard CSVs (see module docstring)."""
    if score_dir is not None:
        return Path(score_dir)
    default = layout.result_root.parent / "score"
    if _is_shipped(layout.dataset):
        reason = f"{layout.dataset} is data shipped with toolgrad-eval"
    elif not _writable(default):
        reason = f"{default} is not writable"
    else:
        return default
    fallback = output / "score"
    echo(f"Note: {reason}; writing score files to {fallback} instead (choose with --score-dir).")
    return fallback


@contextlib.contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn a failed write into one line naming the file and the way out."""
    try:
        yield
    except OSError as exc:
        raise ToolgradError(
            f"{path}: cannot write ({exc.strerror or exc}); choose another folder with --score-dir"
        ) from None
