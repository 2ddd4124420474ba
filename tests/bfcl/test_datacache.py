"""The parsed-data cache gives the entries parsing gives, and never trusts a bad cache file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from toolgrad_eval.bfcl import datacache
from toolgrad_eval.bfcl.data import BfclData
from toolgrad_eval.errors import InputFileError


def make_data(root: Path, n: int = 3) -> Path:
    (root / "possible_answer").mkdir(parents=True)
    questions = [
        {
            "id": f"simple_python_{i}",
            "question": [[{"role": "user", "content": f"q{i} é"}]],
            "function": [{"name": "f", "parameters": {"type": "dict", "properties": {}}}],
        }
        for i in range(n)
    ]
    answers = [{"id": q["id"], "ground_truth": [{"f": {"a": [i, 1.5, None]}}]} for i, q in enumerate(questions)]
    (root / "BFCL_v4_simple_python.json").write_text("".join(json.dumps(q) + "\n" for q in questions))
    (root / "possible_answer" / "BFCL_v4_simple_python.json").write_text("".join(json.dumps(a) + "\n" for a in answers))
    return root


def entries(data_root: Path, cache: Path | None) -> list:
    return BfclData(data_root, "v4", "test", parsed_cache=cache).entries("simple_python")


def cache_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.marshal"))


def test_cached_entries_equal_parsed_ones(tmp_path: Path) -> None:
    root, cache = make_data(tmp_path / "data"), tmp_path / "cache"
    parsed = entries(root, None)
    first = entries(root, cache)  # builds the cache
    assert len(cache_files(cache)) == 1
    second = entries(root, cache)  # reads it
    assert parsed == first == second
    assert second[0].answer == [{"f": {"a": [0, 1.5, None]}}]


def test_a_changed_data_file_misses_and_replaces_the_old_entry(tmp_path: Path) -> None:
    root, cache = make_data(tmp_path / "data"), tmp_path / "cache"
    entries(root, cache)
    old = cache_files(cache)
    path = root / "BFCL_v4_simple_python.json"
    stat = path.stat()
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines).replace('"q0 \\u00e9"', '"Q0 \\u00e9"') + "\n")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime: the key is the content
    got = entries(root, cache)
    assert got[0].question["question"][0][0]["content"] == "Q0 é"
    assert cache_files(cache) != old and len(cache_files(cache)) == 1


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty", "wrong_shape"])
def test_a_corrupted_cache_file_is_rebuilt(tmp_path: Path, damage: str) -> None:
    root, cache = make_data(tmp_path / "data"), tmp_path / "cache"
    expected = entries(root, None)
    entries(root, cache)
    (path,) = cache_files(cache)
    blob = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(blob[: len(blob) // 2])
    elif damage == "flip":
        path.write_bytes(blob[:-10] + bytes([blob[-10] ^ 0x40]) + blob[-9:])
    elif damage == "garbage":
        path.write_bytes(os.urandom(len(blob)))
    elif damage == "empty":
        path.write_bytes(b"")
    else:  # a well-formed file holding the wrong kind of value
        import marshal
        import zlib

        payload = marshal.dumps({"not": "rows"})
        path.write_bytes(
            datacache._MAGIC + len(payload).to_bytes(8, "big") + zlib.crc32(payload).to_bytes(4, "big") + payload
        )
    assert entries(root, cache) == expected
    assert entries(root, cache) == expected  # and the rebuilt file is good
    assert datacache._read(cache, cache_files(cache)[0]) is not None


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="ownership checks are POSIX-only; elsewhere nothing is cached")
def test_a_cache_others_can_write_to_is_not_trusted(tmp_path: Path) -> None:
    root, cache = make_data(tmp_path / "data"), tmp_path / "cache"
    entries(root, cache)
    (path,) = cache_files(cache)
    path.chmod(0o666)
    assert datacache._read(cache, path) is None
    path.chmod(0o600)
    cache.chmod(0o777)
    try:
        assert datacache._read(cache, path) is None
        assert entries(root, cache) == entries(root, None)  # still correct, just not cached
    finally:
        cache.chmod(0o700)


def test_malformed_data_is_an_error_every_time_and_never_cached(tmp_path: Path) -> None:
    root, cache = make_data(tmp_path / "data"), tmp_path / "cache"
    with (root / "BFCL_v4_simple_python.json").open("a") as handle:
        handle.write("{not json\n")
    for _ in range(2):
        with pytest.raises(InputFileError, match="malformed JSON"):
            entries(root, cache)
    assert cache_files(cache) == []


def test_the_cache_folder_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datacache, "MAX_FILES", 3)
    cache = tmp_path / "cache"
    for i in range(5):
        entries(make_data(tmp_path / f"data{i}"), cache)
    assert len(cache_files(cache)) == 3
