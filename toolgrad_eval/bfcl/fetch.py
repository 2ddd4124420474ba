"""Fetch BFCL questions and answers into our cache, without installing bfcl-eval.

bfcl-eval ships its data inside its wheel, but installing it pulls in a dozen vendor SDKs. We ask
pip for the one wheel (``pip download --no-deps``), check it against a pinned SHA-256 (PyPI files
never change, so a different hash means a different file), and unpack only ``bfcl_eval/data/``
into ``<user cache>/bfcl/<version>/``, plus ``bfcl_eval/constants/default_prompts.py`` beside it
(``generate`` reads the official system prompt from it as data, never importing it). The wheel
itself is not kept.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path, PurePosixPath
from typing import Callable

from toolgrad_eval.bfcl.categories import BFCL_EVAL_RELEASE, file_prefix
from toolgrad_eval.errors import ToolgradError
from toolgrad_eval.fileio import sha256_of

WHEEL_SHA256 = {
    "2026.3.23": "3bb6dfa5f0c68ad403c9ec50b00db2bb3b4cc9b38ab1ff33f48fe30d853d3a0a",
    "2025.6.30": "17be3338a69430649f8bbebe80c5f12f52f9fb530928edeeb67878157740c2af",
}
SOURCE_FILE = "SOURCE.json"
_DATA_PREFIX = "bfcl_eval/data/"
_PROMPTS_MEMBER = "bfcl_eval/constants/default_prompts.py"  # unpacked as <target>/default_prompts.py
# The multi-turn simulators' sources, unpacked as <target>/func_source_code/ (loaded, never copied:
# toolgrad_eval.bfcl.multi_turn.simulators).
_SIMULATORS_PREFIX = "bfcl_eval/eval_checker/multi_turn_eval/func_source_code/"
_MAX_UNPACKED_BYTES = 256 * 1024 * 1024  # the real data is ~12 MB; refuse zip bombs


class FetchError(ToolgradError):
    """Downloading or unpacking the bfcl-eval wheel failed."""


def cache_root() -> Path:
    """``<user cache dir>/bfcl``; created lazily by :func:`fetch_data`."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("toolgrad-eval")) / "bfcl"


def cached_data_dir(version: str, cache: Path | None = None) -> Path:
    return (cache or cache_root()) / version


def is_complete(folder: Path, version: str) -> bool:
    """True when ``folder`` holds a finished unpack for ``version`` (SOURCE.json is written last)."""
    return (folder / SOURCE_FILE).is_file() and any(folder.glob(f"{file_prefix(version)}_*.json"))


def wheel_name(release: str) -> str:
    return f"bfcl_eval-{release}-py3-none-any.whl"


def download_wheel(release: str, dest: Path) -> Path:
    """Run ``python -m pip download --no-deps bfcl-eval==<release>`` into ``dest``; return the wheel."""
    import subprocess  # this module is imported on every BFCL run; fetching is rare, keep startup lean

    dest.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "--quiet",
        f"bfcl-eval=={release}",
        "-d",
        str(dest),
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise FetchError(f"pip download bfcl-eval=={release} failed: {exc}") from None
    wheel = dest / wheel_name(release)
    if proc.returncode != 0 or not wheel.is_file():
        last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise FetchError(f"pip download bfcl-eval=={release} failed (exit {proc.returncode}): {last[0]}")
    return wheel


def unpack_data(wheel: Path, target: Path, version: str) -> int:
    """Unpack ``bfcl_eval/data/**`` of ``wheel`` into ``target`` (which must not exist); return file count."""
    import shutil
    import zipfile

    count = 0
    total = 0
    try:
        with zipfile.ZipFile(wheel) as archive:
            for info in archive.infolist():
                if info.filename == _PROMPTS_MEMBER:
                    rel = PurePosixPath(PurePosixPath(_PROMPTS_MEMBER).name)
                elif info.filename.startswith(_SIMULATORS_PREFIX) and info.filename.endswith(".py"):
                    rel = PurePosixPath("func_source_code", info.filename[len(_SIMULATORS_PREFIX) :])
                elif not info.filename.startswith(_DATA_PREFIX) or info.is_dir():
                    continue
                else:
                    rel = PurePosixPath(info.filename[len(_DATA_PREFIX) :])
                # Never trust archive paths: no absolute names, no "..", nothing outside target.
                if rel.is_absolute() or ".." in rel.parts or not rel.parts:
                    raise FetchError(f"{wheel}: unsafe path in archive: {info.filename!r}")
                total += info.file_size
                if total > _MAX_UNPACKED_BYTES:
                    raise FetchError(f"{wheel}: data larger than {_MAX_UNPACKED_BYTES} bytes unpacked")
                out = target.joinpath(*rel.parts)
                out.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as src, out.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
                count += 1
    except zipfile.BadZipFile:
        raise FetchError(f"{wheel}: not a valid wheel (zip) file") from None
    if not any(target.glob(f"{file_prefix(version)}_*.json")):
        raise FetchError(f"{wheel}: holds no {file_prefix(version)} data")
    return count


def fetch_data(
    version: str,
    *,
    cache: Path | None = None,
    wheel: Path | None = None,
    force: bool = False,
    echo: Callable[[str], None] = print,
) -> Path:
    """Make ``<cache>/<version>/`` hold the era-matched BFCL data and return that folder.

    ``wheel`` uses an already downloaded wheel instead of running pip (its hash is still checked).
    An existing complete unpack is reused unless ``force``.
    """
    import datetime as _dt
    import tempfile

    if version not in BFCL_EVAL_RELEASE:
        raise FetchError(f"unknown BFCL data version {version!r}; choose one of {', '.join(BFCL_EVAL_RELEASE)}")
    release = BFCL_EVAL_RELEASE[version]
    root = cache or cache_root()
    final = root / version
    if is_complete(final, version) and not force:
        echo(f"BFCL {version} data (bfcl-eval {release}) is already in {final} (--force fetches it again)")
        return final
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".fetch-{version}-", dir=root) as tmp:
        tmp_path = Path(tmp)
        if wheel is None:
            echo(f"Downloading bfcl-eval=={release} (data only, no dependencies) ...")
            wheel = download_wheel(release, tmp_path / "wheel")
        actual = sha256_of(wheel)
        if actual != WHEEL_SHA256[release]:
            raise FetchError(f"{wheel}: SHA-256 {actual} does not match the pinned bfcl-eval=={release} wheel")
        staged = tmp_path / "data"
        count = unpack_data(wheel, staged, version)
        source = {
            "package": "bfcl-eval",
            "release": release,
            "data_version": version,
            "wheel": wheel_name(release),
            "sha256": actual,
            "files": count,
            "license": "Apache-2.0 (bfcl-eval, Gorilla LLM project)",
            "fetched_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        }
        (staged / SOURCE_FILE).write_text(json.dumps(source, indent=2) + "\n", encoding="utf-8")
        # Swap in the finished folder; a concurrent fetch that won the race is fine too.
        if final.exists():
            old = tmp_path / "old"
            os.replace(final, old)
        try:
            os.replace(staged, final)
        except OSError:
            if not is_complete(final, version):
                raise
    echo(f"BFCL {version} data (bfcl-eval {release}, {count} files) is in {final}")
    return final
