"""Real baselines: the official BFCL archive's run of a ToolGrad base model, scored by us, beside its card.

The BFCL team publishes every model's raw outputs in a result archive on GitHub
(``HuanzhiMao/BFCL-Result``). Its ``google_gemma-3-4b-it`` run, scored by toolgrad-eval against the
era-matched BFCL data, reproduces the Gemma-3 4B row of the ToolGrad 4B model card cell for cell.
``reproduce_baselines`` makes that a one-command check:

1. obtain the run's 13 single-turn result files: downloaded from the archive at a pinned commit, or
   read from a local copy (``source``); every file's size and SHA-256 must equal the pins below;
2. score them with :func:`toolgrad_eval.bfcl.runner.run_bfcl` (a normal run record);
3. check our correct counts against the archive's own published score files (the official checker);
4. publish the leaderboard, where the card's row, our row and their difference stand together with
   the card's own consistency findings, and return each cell beside the card's value.

Why the files are fetched, not shipped: the archive has no licence file, so the wheel does not carry
its files; the pins (commit, sizes, checksums) let anyone fetch exactly the bytes scored here.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from toolgrad_eval.errors import ConfigError, ToolgradError
from toolgrad_eval.fileio import sha256_of

ARCHIVE_REPO = "HuanzhiMao/BFCL-Result"
ARCHIVE_COMMIT = "6830ed13035c0cfee9aa7a9a0ffed70f10b3dd50"
ARCHIVE_URL = f"https://raw.githubusercontent.com/{ARCHIVE_REPO}/{ARCHIVE_COMMIT}"
URL_VARIABLE = "TOOLGRAD_EVAL_ARCHIVE_URL"  # a mirror of the archive (same layout), e.g. inside a firewall
DOWNLOAD_TIMEOUT_S = 60.0
CARD_PRECISION = 0.005 + 1e-9  # cards print two decimals: agreeing means equal once rounded


@dataclass(frozen=True)
class PinnedFile:
    path: str  # under result/<folder>/ in the archive
    size: int
    sha256: str
    # (correct, total) in the first line of the archive's own score file for it; None: not pinned
    published: tuple[int, int] | None

    @property
    def category(self) -> str:
        return self.path.rsplit("/", 1)[-1].removeprefix("BFCL_v4_").removesuffix("_result.json")


@dataclass(frozen=True)
class Baseline:
    reported: str  # model id in benchmarks/models.json and benchmarks/reported/*.json
    folder: str  # model folder in the archive (also the run's model name: models.json maps it)
    run_date: str  # the archive's top-level folder holding this run
    files: tuple[PinnedFile, ...]


def _pin(path: str, size: int, sha256: str, published: tuple[int, int] | None) -> PinnedFile:
    return PinnedFile(path, size, sha256, published)


# fmt: off
BASELINES: dict[str, Baseline] = {
    "gemma-3-4b": Baseline(
        "gemma-3-4b",
        "google_gemma-3-4b-it",
        "2025-12-16",
        (
            _pin("non_live/BFCL_v4_simple_python_result.json", 81333,
                 "0c435775fc16186f2aafa4c799ab4d3cf26cca3496693912ba8399bf13e28db7", (362, 400)),
            _pin("non_live/BFCL_v4_simple_java_result.json", 23098,
                 "66c081203ba0f52242cc4d4c65b53966bb46a998150a5c3284bf5c6950c7cfc3", (53, 100)),
            _pin("non_live/BFCL_v4_simple_javascript_result.json", 12176,
                 "6a9fc2009051d2886072932ed3bd3f7d71220e115ea38c8496cd24e1574d5e09", (25, 50)),
            _pin("non_live/BFCL_v4_multiple_result.json", 39602,
                 "268ef0575a3d7e322f4cc5afbbd597dbf8318d2aeb80dafb76235920b19dd083", (176, 200)),
            _pin("non_live/BFCL_v4_parallel_result.json", 59792,
                 "033b16385d2bbc139c9a63a947a8c54ca1f23e5aa87da2f89838be2219db5754", (112, 200)),
            _pin("non_live/BFCL_v4_parallel_multiple_result.json", 68947,
                 "ab9340b278c9184e0659badad2f401ae387f0e4f77b7eb121cec362c52406bb7", (72, 200)),
            _pin("non_live/BFCL_v4_irrelevance_result.json", 62484,
                 "0722b294c0c0a00b806d981c62ac03a598035b332c362131ad4063ff1a1b9e6c", (121, 240)),
            _pin("live/BFCL_v4_live_simple_result.json", 56739,
                 "130722fbbc9e804d6f1d53104bfed39b32bede3bb696c2abff9bafc72cecf74e", (183, 258)),
            _pin("live/BFCL_v4_live_multiple_result.json", 231510,
                 "5416a22b76dd0aed3fcb38f4803fd1e93d4e46a234b87bd62836f435484f05f1", (625, 1053)),
            _pin("live/BFCL_v4_live_parallel_result.json", 4439,
                 "43ed817ed23863684f2219822d15bd47b47b6200bc8915b0f3da44b45f8b4723", (4, 16)),
            _pin("live/BFCL_v4_live_parallel_multiple_result.json", 7265,
                 "d035849b65105b1978b363890ab183364d2954b1b7cb496fa6a8971f5b4fdc44", (10, 24)),
            _pin("live/BFCL_v4_live_irrelevance_result.json", 261965,
                 "29232caa37c0b0ae6acdd81c5c278766a0181ed5b85807dc7086491fb6fe7bf3", (508, 884)),
            # The archive's live_relevance score header was not read when these pins were taken.
            _pin("live/BFCL_v4_live_relevance_result.json", 5402,
                 "a857f1db71f58068130721b9322e748df4b41f03c2a877988f63b98fe67e849b", None),
        ),
    ),
}
# fmt: on


class ArchiveError(ToolgradError):
    """The archive's files could not be obtained, or are not the pinned ones."""


@dataclass(frozen=True)
class CellCheck:
    column: str  # leaderboard column key
    label: str  # "Non-live Simple", "NL overall"
    reported: float | None
    reproduced: float | None

    @property
    def difference(self) -> float | None:
        if self.reported is None or self.reproduced is None:
            return None
        return self.reproduced - self.reported

    @property
    def agrees(self) -> bool:
        diff = self.difference
        return diff is not None and abs(diff) <= CARD_PRECISION


@dataclass(frozen=True)
class CountCheck:
    category: str
    ours: tuple[int, int]  # (correct, total)
    archive: tuple[int, int] | None  # None: not pinned

    @property
    def agrees(self) -> bool | None:
        return None if self.archive is None else self.ours == self.archive


@dataclass(frozen=True)
class BaselineOutcome:
    baseline: Baseline
    label: str  # "Gemma-3 4B"
    source: str  # where the reported row comes from ("ToolGrad 4B model card")
    files_from: str  # where the result files were read
    run_dir: Path
    cells: list[CellCheck]
    counts: list[CountCheck]
    notes: list[str]  # the card's consistency findings and corrections for this row

    @property
    def ok(self) -> bool:
        return all(c.agrees for c in self.cells) and all(c.agrees is not False for c in self.counts)


@dataclass(frozen=True)
class BaselinesResult:
    outcomes: list[BaselineOutcome]
    report_index: Path


def choose(names: Sequence[str]) -> list[Baseline]:
    """The baselines named (reported model ids), or all of them for an empty list or ``all``."""
    if not names or list(names) == ["all"]:
        return list(BASELINES.values())
    unknown = [n for n in names if n not in BASELINES]
    if unknown:
        raise ConfigError(f"--model {unknown[0]!r}: no real baseline of that name (known: {', '.join(BASELINES)})")
    return [BASELINES[n] for n in dict.fromkeys(names)]


def _mismatch(path: Path, pin: PinnedFile) -> str | None:
    """Why ``path`` is not the pinned file, or None when it is."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return f"cannot read ({exc.strerror})"
    if size != pin.size:
        return f"{size} bytes, the archive's file at {ARCHIVE_COMMIT[:7]} has {pin.size}"
    actual = sha256_of(path)
    if actual != pin.sha256:
        return f"SHA-256 {actual} differs from the archive's file at {ARCHIVE_COMMIT[:7]} ({pin.sha256})"
    return None


def local_run_root(source: Path, baseline: Baseline) -> Path:
    """The folder holding ``result/<folder>/`` in a local copy: the copy itself or its run-date folder."""
    for root in (source, source / baseline.run_date):
        if (root / "result" / baseline.folder).is_dir():
            return root
    raise ArchiveError(
        f"{source}: no result/{baseline.folder}/ (nor {baseline.run_date}/result/{baseline.folder}/) in this "
        "local copy of the BFCL result archive"
    )


def verify_local(source: Path, baseline: Baseline) -> Path:
    """Check a local copy file by file against the pins; return the folder to score from."""
    root = local_run_root(source, baseline)
    for pin in baseline.files:
        path = root / "result" / baseline.folder / pin.path
        problem = _mismatch(path, pin)
        if problem is not None:
            raise ArchiveError(f"{path}: {problem}; it is not the run these numbers are pinned to")
    return root


def download(baseline: Baseline, runs: Path, base_url: str, echo: Callable[[str], Any]) -> Path:
    """Fetch the pinned files into ``<runs>/archive/<commit>/<run date>/`` (verified ones are kept)."""
    root = runs / "archive" / ARCHIVE_COMMIT / baseline.run_date
    fetched = 0
    for pin in baseline.files:
        target = root / "result" / baseline.folder / pin.path
        if _mismatch(target, pin) is None:
            continue
        url = f"{base_url.rstrip('/')}/{baseline.run_date}/result/{baseline.folder}/{pin.path}"
        _fetch_one(url, target, pin)
        fetched += 1
    if fetched:
        echo(f"Fetched {fetched} result file(s) of {baseline.folder} from {base_url} (sizes and SHA-256 checked)")
    return root


def _fetch_one(url: str, target: Path, pin: PinnedFile) -> None:
    import urllib.error
    import urllib.request

    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise ArchiveError(f"{url}: the archive is fetched over https only")
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:  # noqa: S310 - checked above
            body = response.read(pin.size + 1)  # never more than the pinned size (plus one to notice)
    except urllib.error.HTTPError as exc:
        raise ArchiveError(f"{url}: HTTP {exc.code}; pass --from DIR with a local copy of the archive") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ArchiveError(f"{url}: cannot download ({reason}); pass --from DIR with a local copy") from None
    actual = hashlib.sha256(body).hexdigest()
    if len(body) != pin.size or actual != pin.sha256:
        raise ArchiveError(
            f"{url}: got {len(body)} bytes with SHA-256 {actual}; the pinned file has {pin.size} bytes, {pin.sha256}"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.urandom(6).hex()}.tmp")
    try:
        tmp.write_bytes(body)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def reproduce_baselines(
    names: Sequence[str],
    runs: Path,
    out: Path,
    *,
    source: Path | None = None,
    bfcl_data: Path | None = None,
    base_url: str | None = None,
    echo: Callable[[str], Any] = print,
) -> BaselinesResult:
    """Obtain, verify and score each named baseline into ``runs``, publish the leaderboard into ``out``.

    ``source``: a local copy of the archive (a clone, or a folder holding ``result/<folder>/``) used
    instead of the network; ``bfcl_data``: the BFCL v4 data folder (default: the cache, fetched once
    with ``bfcl-data fetch`` rules if missing)."""
    from toolgrad_eval.bfcl.data import locate_data
    from toolgrad_eval.bfcl.runner import run_bfcl
    from toolgrad_eval.fileio import ensure_writable_dir
    from toolgrad_eval.report import publish

    chosen = choose(names)
    ensure_writable_dir(runs, "baselines' run records (--runs)")
    ensure_writable_dir(out, "baselines report (--out)")
    url = base_url or os.environ.get(URL_VARIABLE) or ARCHIVE_URL
    obtained = []
    for baseline in chosen:  # every file checked before anything is scored
        if source is not None:
            dataset = verify_local(source, baseline)
            files_from = f"{dataset} (local copy, sizes and SHA-256 checked)"
        else:
            dataset = download(baseline, runs, url, echo)
            files_from = f"{url} ({ARCHIVE_REPO} @ {ARCHIVE_COMMIT[:7]}, sizes and SHA-256 checked)"
        obtained.append((baseline, dataset, files_from))
    # The BFCL data, found (or fetched, saying so) once and shared by every baseline.
    loaded = {"v4": locate_data("v4", bfcl_data, fetch=bfcl_data is None, echo=echo)}
    scored = []
    for baseline, dataset, files_from in obtained:
        run_dir = runs / "bfcl" / baseline.folder
        summary = run_bfcl(
            dataset,
            baseline.folder,
            run_dir,
            score_dir=run_dir / "score",
            overwrite=True,  # our own output folder: a rerun replaces the previous score files
            echo=lambda _line: None,
            loaded=loaded,
        )
        scored.append((baseline, files_from, run_dir, summary))
    published = publish([runs], out)
    table = next(t for t in published.leaderboard.tables if t.benchmark == "bfcl")
    outcomes = [_outcome(table, *item) for item in scored]
    return BaselinesResult(outcomes, published.index)


def _outcome(
    table: Any, baseline: Baseline, files_from: str, run_dir: Path, summary: dict[str, Any]
) -> BaselineOutcome:
    group = next((g for g in table.groups if g.key == baseline.reported), None)
    if group is None:
        raise ConfigError(f"benchmarks/models.json: no reported BFCL row for {baseline.reported!r}")
    reported = next(r for r in group.rows if r.kind == "reported")
    reproduced = next(
        r
        for r in group.rows
        if r.kind == "reproduced" and r.run is not None and r.run.path.resolve() == run_dir.resolve()
    )
    cells = [
        CellCheck(c.key, _label(c), reported.cells[c.key].value, reproduced.cells[c.key].value) for c in table.columns
    ]
    categories = summary["categories"]
    counts = [
        CountCheck(
            pin.category,
            (categories[pin.category]["correct_count"], categories[pin.category]["total_count"]),
            pin.published,
        )
        for pin in baseline.files
    ]
    marks = sorted({m for cell in reported.cells.values() for m in cell.marks})
    notes = [table.notes_by_number[m].text for m in marks]
    return BaselineOutcome(baseline, group.label, reported.source, files_from, run_dir, cells, counts, notes)


def _label(column: Any) -> str:
    """ "Non-live Simple" and "Live Simple" need their group; "NL overall" and "Relevance" do not."""
    return f"{column.group} {column.label}" if column.group in ("Non-live", "Live") else column.label
