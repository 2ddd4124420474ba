"""BFCL questions and possible answers: where they come from and how they are read.

Sources, in order: ``--bfcl-data DIR``; the run folder's own ``data/`` (a run that ships its
questions, like the synthetic demo); an installed ``bfcl_eval`` package of exactly the release
whose data matches the run (found with ``importlib.util.find_spec``, never imported: importing it
pulls in vendor SDKs and creates folders); our cache (``toolgrad-eval bfcl-data fetch``); an
installed ``bfcl_eval`` of another release (with a warning: answers differ between releases);
a fetch into the cache when ``fetch=True``. Otherwise one error line says how to get the data.

Parsed entries are cached in ``<user cache>/bfcl/parsed/`` (see :mod:`.datacache`), whichever
folder the data came from: the cache key is the files' contents.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from toolgrad_eval.bfcl import datacache
from toolgrad_eval.bfcl import fetch as _fetch
from toolgrad_eval.bfcl.categories import AGENTIC_SOURCE, BFCL_EVAL_RELEASE, NO_ANSWER, file_prefix, native_name
from toolgrad_eval.errors import DatasetError, InputFileError, ToolgradError


class DataNotFoundError(ToolgradError):
    """No BFCL data for the run's version could be found."""


@dataclass(frozen=True)
class Entry:
    """One question of a category with its possible answer (``None`` for (ir)relevance)."""

    id: str
    question: dict[str, Any]
    answer: list[Any] | None


@dataclass
class BfclData:
    """A folder of BFCL data for one version: ``BFCL_<v>_<cat>.json`` + ``possible_answer/``."""

    root: Path
    version: str
    source: str  # human-readable: where this folder came from
    # Where parsed entries are cached between runs (see datacache); None: parse every time.
    parsed_cache: Path | None = field(default=None, repr=False)
    _cache: dict[str, list[Entry]] = field(default_factory=dict, repr=False)
    _digests: dict[str, str] = field(default_factory=dict, repr=False)

    def question_file(self, category: str) -> Path:
        # The agentic categories share their source files (ids renamed per category by ``agentic``).
        name = AGENTIC_SOURCE.get(category) or native_name(self.version, category)
        return self.root / f"{file_prefix(self.version)}_{name}.json"

    def answer_file(self, category: str) -> Path:
        return self.root / "possible_answer" / self.question_file(category).name

    def has(self, category: str) -> bool:
        return self.missing_file(category) is None

    def missing_file(self, category: str) -> Path | None:
        """The question or answer file of ``category`` that is not there (None: both are)."""
        if not self.question_file(category).is_file():
            return self.question_file(category)
        if category not in NO_ANSWER and not self.answer_file(category).is_file():
            return self.answer_file(category)
        return None

    def question_digest(self, category: str) -> str:
        """``sha256:<hex>`` of the category's question file: what results generated or scored from it
        answer (hashed from the bytes ``entries`` reads; read here only when it has not)."""
        if category not in self._digests:
            path = self.question_file(category)
            try:
                self._digests[category] = _digest(path.read_bytes())
            except OSError as exc:
                raise InputFileError(path, f"cannot read ({exc.strerror or exc})") from None
        return self._digests[category]

    def entries(self, category: str) -> list[Entry]:
        """Questions of ``category`` in data order, each with its answer. Raises if unreadable."""
        if category not in self._cache:
            self._cache[category] = self._load(category)
        return self._cache[category]

    def _load(self, category: str) -> list[Entry]:
        question_file = self.question_file(category)
        answer_file = None if category in NO_ANSWER else self.answer_file(category)
        try:
            question_bytes = question_file.read_bytes()
            answer_bytes = None if answer_file is None else answer_file.read_bytes()
        except OSError:
            rows = self._parse(category, None, None)  # raises the error naming the file
        else:
            self._digests[category] = _digest(question_bytes)
            rows = datacache.load_or_build(
                self.parsed_cache,
                question_file,
                answer_file,
                question_bytes,
                answer_bytes,
                lambda: self._parse(category, question_bytes, answer_bytes),
            )
        return [Entry(*row) for row in rows]

    def _parse(self, category: str, question_bytes: bytes | None, answer_bytes: bytes | None) -> datacache.CachedRows:
        questions = _read_jsonl(self.question_file(category), question_bytes)
        if category in NO_ANSWER:
            return [(q["id"], q, None) for q in questions]
        answers = _read_jsonl(self.answer_file(category), answer_bytes)
        if len(answers) != len(questions):
            raise DatasetError(
                self.answer_file(category),
                f"{len(answers)} answers for {len(questions)} questions in {self.question_file(category).name}",
            )
        out = []
        for q, a in zip(questions, answers):
            # BFCL aligns answers to questions by position; the ids agree in every release we know.
            if a.get("id") != q["id"] or "ground_truth" not in a:
                raise DatasetError(
                    self.answer_file(category), f"answer {a.get('id')!r} does not line up with question {q['id']!r}"
                )
            out.append((q["id"], q, a["ground_truth"]))
        return out


def _digest(content: bytes) -> str:
    return "sha256:" + hashlib.sha256(content).hexdigest()


def _read_jsonl(path: Path, content: bytes | None = None) -> list[dict[str, Any]]:
    """Read a BFCL data file (JSON lines of objects with a string ``id``); our own data must be sound.

    ``content`` is the file's bytes when already read; decoded as ``read_text`` would (UTF-8,
    universal newlines)."""
    try:
        if content is None:
            text = path.read_text(encoding="utf-8")
        else:
            text = content.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except FileNotFoundError:
        raise InputFileError(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"cannot read ({exc})") from None
    lines = [line for line in text.split("\n") if line and not line.isspace()]
    try:
        # One parse of the whole file as an array is a quarter faster than a parse per line.
        rows = json.loads("[" + ",".join(lines) + "]")
    except json.JSONDecodeError:
        rows = None
    if not isinstance(rows, list) or len(rows) != len(lines):
        rows = []
        for lineno, line in enumerate(text.splitlines(), 1):  # slow path: find the bad line
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputFileError(path, f"line {lineno}: malformed JSON ({exc.msg})") from None
    for index, row in enumerate(rows):
        if not isinstance(row, dict) or not isinstance(row.get("id"), str):
            raise InputFileError(path, f'entry {index + 1}: expected an object with a string "id"')
    return rows


def _holds_version(folder: Path, version: str) -> bool:
    return folder.is_dir() and any(folder.glob(f"{file_prefix(version)}_*.json"))


def resolve_explicit(folder: Path, version: str) -> Path:
    """The folder holding ``BFCL_<v>_*.json`` given ``--bfcl-data``: DIR, DIR/data or DIR/bfcl_eval/data."""
    for candidate in (folder, folder / "data", folder / "bfcl_eval" / "data"):
        if _holds_version(candidate, version):
            return candidate
    if not folder.is_dir():
        raise DataNotFoundError(f"{folder}: --bfcl-data folder not found")
    raise DataNotFoundError(
        f"{folder}: no BFCL {version} data here (expected {file_prefix(version)}_<category>.json and "
        f"possible_answer/); fetch it with `toolgrad-eval bfcl-data fetch {version}`"
    )


def installed_package() -> tuple[Path, str | None] | None:
    """Where an installed ``bfcl_eval`` keeps its data, and its release; found without importing it."""
    try:
        spec = importlib.util.find_spec("bfcl_eval")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    from importlib import metadata  # slow to import (email, zipfile...): only once the package is there

    data = Path(list(spec.submodule_search_locations)[0]) / "data"
    try:
        release: str | None = metadata.version("bfcl-eval")
    except metadata.PackageNotFoundError:
        release = None
    return data, release


def locate_data(
    version: str,
    explicit: Path | None = None,
    *,
    dataset: Path | None = None,
    fetch: bool = False,
    cache: Path | None = None,
    echo: Callable[[str], None] = print,
) -> BfclData:
    """Find the BFCL data for ``version`` (see the module docstring for the order)."""
    found = _find_data(version, explicit, dataset=dataset, fetch=fetch, cache=cache, echo=echo)
    found.parsed_cache = (cache or _fetch.cache_root()) / "parsed"
    return found


def _find_data(
    version: str,
    explicit: Path | None,
    *,
    dataset: Path | None,
    fetch: bool,
    cache: Path | None,
    echo: Callable[[str], None],
) -> BfclData:
    release = BFCL_EVAL_RELEASE[version]
    if explicit is not None:
        return BfclData(resolve_explicit(Path(explicit), version), version, f"--bfcl-data {explicit}")
    if dataset is not None and _holds_version(Path(dataset) / "data", version):
        return BfclData(Path(dataset) / "data", version, f"the run's own {Path(dataset) / 'data'}")
    installed = installed_package()
    if installed and installed[1] == release and _holds_version(installed[0], version):
        return BfclData(installed[0], version, f"installed bfcl-eval {release}")
    cached = _fetch.cached_data_dir(version, cache)
    if _fetch.is_complete(cached, version):
        return BfclData(cached, version, f"cache {cached} (bfcl-eval {release})")
    if installed and _holds_version(installed[0], version) and not fetch:
        echo(
            f"Warning: using BFCL {version} data from installed bfcl-eval {installed[1]}, not {release}; "
            f"a few answers differ between releases (`toolgrad-eval bfcl-data fetch {version}` gets {release})"
        )
        return BfclData(installed[0], version, f"installed bfcl-eval {installed[1]}")
    if fetch:
        folder = _fetch.fetch_data(version, cache=cache, echo=echo)
        return BfclData(folder, version, f"cache {folder} (bfcl-eval {release}, fetched now)")
    raise DataNotFoundError(
        f"no BFCL {version} data found (bfcl-eval {release}); run `toolgrad-eval bfcl-data fetch {version}`, "
        f"pass --fetch-bfcl-data, or point --bfcl-data at a folder holding {file_prefix(version)}_*.json"
    )
