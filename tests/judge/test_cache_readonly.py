"""A judgment cache in a folder the run cannot write: its verdicts are used (a fully cached re-run
needs no write access), and a run that needs a new judgment stops before its first request."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.permissions import cannot_write, file_permissions_apply
from toolgrad5k.builders import KEY, DatasetBuilder, read_rows, run_main

from toolgrad_eval.judge.cache import JudgmentCache
from toolgrad_eval.judge.cache_readonly import ReadOnlyCache

CHAT = "/v1/chat/completions"


def _fill(directory: Path, n: int) -> dict[str, dict]:
    records = {f"key-{i}": {"verdict": {"final_score": i}, "raw": "r" * (50_000 if i == 0 else 10)} for i in range(n)}
    with JudgmentCache(directory) as cache:
        for key, record in records.items():
            cache.put(key, record)
    return records


def test_the_read_only_reader_sees_what_diskcache_wrote(tmp_path):
    records = _fill(tmp_path / "cache", 5)  # key-0's value is large enough to live in its own file
    with JudgmentCache(tmp_path / "cache") as cache:
        expected = {key: cache.open().read(key) for key in records}
    reader = ReadOnlyCache(tmp_path / "cache")
    assert {key: reader.get(key) for key in records} == expected
    assert reader.get("absent", default="none") == "none"
    assert sorted(reader.iterkeys()) == sorted(records) and len(reader) == 5
    with pytest.raises(Exception, match="readonly"):
        reader.set("key-9", {})
    reader.close()


def _judged_dataset(root: Path) -> Path:
    builder = DatasetBuilder(root / "ToolGrad-5k")
    for i in range(4):
        builder.sample(f"s{i}", {"a": {}}).prediction("m1", f"s{i}", {"intermediate_steps": [], KEY: f"answer {i}"})
    return builder.finish()


def test_a_fully_cached_rerun_reads_a_read_only_cache(judge_env, tmp_path, capsys):
    data = _judged_dataset(tmp_path)
    assert run_main(data)[0] == 0 and judge_env.count(CHAT) == 4
    folder = Path("cache")
    modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")]}
    for path in sorted(modes, reverse=True):
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        with file_permissions_apply():
            assert cannot_write(folder)
            _read_only_reruns(data, judge_env, capsys)
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


def _read_only_reruns(data: Path, judge_env, capsys) -> None:
    """Reruns with the cache folder read-only: fully cached works, a new judgment stops first."""
    capsys.readouterr()
    code, summary = run_main(data, out="again")
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 0 and judge_env.count(CHAT) == 4 and summary["n_qor"] == 4
    assert len(err) == 1 and err[0].startswith("warning: cache: cannot write the judgment cache"), err
    assert [r["qor"] for r in read_rows("again").values()] == [r["qor"] for r in read_rows("out").values()]
    # A sample that needs a new verdict: one line, and no request that could not be stored.
    code, _ = run_main(data, "--judge-temperature", "0.5", out="third")
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and judge_env.count(CHAT) == 4
    assert err[-1].startswith("Error: cache: cannot use this folder") and "needs the judge" in err[-1], err
