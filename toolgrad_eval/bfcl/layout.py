"""Recognise a BFCL run folder and list one model's result files.

A BFCL run is ``<dataset>/result/<model>/`` (or ``results/<model>/``, as some forks name it) holding
``BFCL_<version>_<category>_result.json`` files: flat for v3, under ``live/`` and ``non_live/``
for v4. The data version comes from the file names; one run never mixes versions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from toolgrad_eval.bfcl.categories import (
    AGENTIC,
    NOT_SCORED_PREFIXES,
    SINGLE_TURN,
    VERSIONS,
    file_prefix,
    native_name,
    to_v4,
)
from toolgrad_eval.detect import BFCL_RESULT_DIRS
from toolgrad_eval.detect import is_bfcl_run as is_bfcl_run  # the layout test, beside the reader
from toolgrad_eval.errors import DatasetError

RESULT_DIRS = BFCL_RESULT_DIRS
_RESULT_NAME = re.compile(r"^BFCL_(v\d+)_(\w+?)_result\.json$")
SYNTHETIC_MARKER = "SYNTHETIC.md"


@dataclass(frozen=True)
class ResultFile:
    path: Path
    rel_dir: Path  # folder relative to the model folder ("." for v3, "live" / "non_live" for v4)
    version: str
    name: str  # category as spelled in the file name (v3: "simple")
    category: str  # v4 name ("simple_python")


@dataclass(frozen=True)
class RunLayout:
    dataset: Path
    result_root: Path  # <dataset>/result or <dataset>/results
    model_dir: Path
    model: str
    version: str
    files: tuple[ResultFile, ...]  # single-turn categories we score, in SINGLE_TURN order
    not_scored: tuple[ResultFile, ...]  # categories BFCL has but we do not score (multi-turn, ...)
    unknown: tuple[Path, ...]  # result-like files whose name or category we do not know
    agentic: tuple[ResultFile, ...] = ()  # agentic categories we score, in AGENTIC order
    # Memory prerequisite conversations (``memory_<backend>_prereq``): inputs to the memory entries,
    # never scored (the official checker skips them too).
    prerequisites: tuple[ResultFile, ...] = ()

    @property
    def missing(self) -> tuple[str, ...]:
        """The single-turn result file names expected for this version that are not there."""
        present = {f.category for f in self.files}
        return tuple(
            f"{file_prefix(self.version)}_{native_name(self.version, c)}_result.json"
            for c in SINGLE_TURN
            if c not in present
        )

    @property
    def synthetic(self) -> bool:
        return (self.dataset / SYNTHETIC_MARKER).is_file() or (self.result_root.parent / SYNTHETIC_MARKER).is_file()


def _result_files(model_dir: Path) -> list[Path]:
    return sorted(p for p in model_dir.rglob("BFCL_v*_result.json") if p.is_file())


def _near_misses(model_dir: Path, taken: list[Path]) -> list[Path]:
    """Files that look meant as result files but are not named as BFCL names them
    (``..._results.json``, ``bfcl_V4_...``, ``.jsonl``): listed so nothing is silently ignored."""
    names = set(taken)
    out = []
    for path in sorted(model_dir.rglob("*")):
        lowered = path.name.lower()
        if path in names or not path.is_file():
            continue
        if lowered.startswith("bfcl") or ("result" in lowered and lowered.endswith((".json", ".jsonl"))):
            out.append(path)
    return out


def models_in(dataset: Path) -> list[str]:
    """Model folder names under result/ and results/ (for error messages and listings)."""
    names: set[str] = set()
    for name in RESULT_DIRS:
        root = Path(dataset) / name
        if root.is_dir():
            names.update(p.name for p in root.iterdir() if p.is_dir())
    return sorted(names)


def find_run(dataset: Path, model: str) -> RunLayout:
    """Locate ``model``'s result files in ``dataset``; raise a one-line DatasetError when impossible."""
    dataset = Path(dataset)
    if not dataset.is_dir():
        raise DatasetError(dataset, "dataset folder not found")
    roots = [dataset / name for name in RESULT_DIRS if (dataset / name / model).is_dir()]
    if not roots:
        models = models_in(dataset)
        hint = f"models there: {', '.join(models[:10])}" if models else "no result/<model>/ folder"
        raise DatasetError(dataset, f"no BFCL results for model {model!r} under result/ or results/ ({hint})")
    if len(roots) > 1:
        raise DatasetError(dataset, f"both result/{model}/ and results/{model}/ exist; keep one")
    model_dir = roots[0] / model
    paths = _result_files(model_dir)
    if not paths:
        raise DatasetError(model_dir, "no BFCL_<version>_<category>_result.json files")

    parsed: list[ResultFile] = []
    unknown: list[Path] = _near_misses(model_dir, paths)
    for path in paths:
        m = _RESULT_NAME.match(path.name)
        if not m:
            unknown.append(path)
            continue
        version, name = m.groups()
        parsed.append(ResultFile(path, path.parent.relative_to(model_dir), version, name, to_v4(version, name)))
    versions = sorted({f.version for f in parsed})
    if len(versions) > 1:
        raise DatasetError(
            model_dir,
            f"result files mix BFCL data versions ({_versions_found(parsed, model_dir)}); "
            "score them apart (a stray file of another version: move it aside)",
        )
    if not versions:
        raise DatasetError(model_dir, "no BFCL_<version>_<category>_result.json files")
    version = versions[0]
    if version not in VERSIONS:
        raise DatasetError(model_dir, f"BFCL {version} results are not supported (supported: v3, v4)")

    scored: dict[str, ResultFile] = {}
    not_scored: list[ResultFile] = []
    agentic: dict[str, ResultFile] = {}
    prerequisites: list[ResultFile] = []
    for f in parsed:
        if f.category in AGENTIC or f.category in SINGLE_TURN:
            taken = agentic if f.category in AGENTIC else scored
            if f.category in taken:
                raise DatasetError(
                    model_dir,
                    f"two result files for {f.name}: {taken[f.category].path.relative_to(model_dir)} "
                    f"and {f.path.relative_to(model_dir)}",
                )
            taken[f.category] = f
        elif f.category.endswith("_prereq") and f.category[: -len("_prereq")] in AGENTIC:
            prerequisites.append(f)
        elif f.category.startswith(NOT_SCORED_PREFIXES):
            not_scored.append(f)
        else:
            unknown.append(f.path)
    files = tuple(scored[c] for c in SINGLE_TURN if c in scored)
    return RunLayout(
        dataset,
        roots[0],
        model_dir,
        model,
        version,
        files,
        tuple(not_scored),
        tuple(sorted(unknown)),
        agentic=tuple(agentic[c] for c in AGENTIC if c in agentic),
        prerequisites=tuple(prerequisites),
    )


def _versions_found(parsed: list[ResultFile], model_dir: Path) -> str:
    """Each version with its file count; the files of all but the largest group named (the strays)."""
    groups: dict[str, list[Path]] = {}
    for f in parsed:
        groups.setdefault(f.version, []).append(f.path)
    largest = max(groups, key=lambda v: len(groups[v]))
    parts = []
    for version, paths in sorted(groups.items()):
        named = "" if version == largest else ": " + ", ".join(str(p.relative_to(model_dir)) for p in sorted(paths)[:3])
        parts.append(
            f"{version} {len(paths)} file{'s' if len(paths) > 1 else ''}{named}{', ...' if named and len(paths) > 3 else ''}"
        )
    return "; ".join(parts)
