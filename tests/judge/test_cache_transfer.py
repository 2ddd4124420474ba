"""``cache import`` takes an entry only when it is as sound as a reply just received, reads lines with a
cap, and ``cache export`` streams: hostile export files cost their own lines, never a later run."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from judge.conftest import dataset, run

from toolgrad_eval.cli.main import main
from toolgrad_eval.judge.cache import JudgmentCache
from toolgrad_eval.judge.cache_transfer import HEADER, import_cache

BAD_USAGES = {
    "string": '"lots"',
    "list": "[1, 2]",
    "huge integer": "1" + "0" * 400,
    "infinity": '{"prompt_tokens": Infinity, "completion_tokens": 1}',
    "negative": '{"prompt_tokens": -80000000000, "completion_tokens": 1}',
    "string count": '{"prompt_tokens": "12", "completion_tokens": 1}',
}


def _entry_line(key: str, record: dict, usage_json: str | None = None) -> str:
    """An export line whose checksum is right for its payload (so only the record's shape can reject it)."""
    payload = json.dumps(record, sort_keys=True)
    if usage_json is not None:
        payload = payload.replace('"usage": "@@"', f'"usage": {usage_json}')
    sha = hashlib.sha256(payload.encode("utf-8")).hexdigest()
    return json.dumps({"key": key, "format": 1, "payload": payload, "sha256": sha}) + "\n"


def _export_of(entries: list[str], path: Path) -> Path:
    path.write_text(json.dumps(HEADER) + "\n" + "".join(entries), encoding="utf-8")
    return path


def _record(usage: object) -> dict:
    return {"verdict": {"final_score": 70, "reason": "ok"}, "raw": "{}", "usage": usage, "model": "gpt-4.1"}


def test_entries_with_a_malformed_usage_are_rejected(tmp_path: Path, capsys) -> None:
    lines = [_entry_line(f"{i:064x}", _record("@@"), usage) for i, usage in enumerate(BAD_USAGES.values())]
    lines.append(_entry_line("f" * 64, _record({"prompt_tokens": 10, "completion_tokens": 5})))
    export = _export_of(lines, tmp_path / "hostile.jsonl")
    assert main(["cache", "import", str(export), "--cache-dir", str(tmp_path / "cache")]) == 0
    out = capsys.readouterr().out
    assert f"1 verdicts imported into {tmp_path / 'cache'}, 0 already there, {len(BAD_USAGES)} lines rejected" in out
    with JudgmentCache(tmp_path / "cache") as cache:
        assert len(cache) == 1 and cache.get("f" * 64)["usage"] == {"prompt_tokens": 10, "completion_tokens": 5}


@pytest.mark.parametrize("name", BAD_USAGES)
def test_a_malformed_entry_already_in_a_cache_is_a_miss(tmp_path: Path, name: str) -> None:
    """Imported by an older release: read as damaged (re-judged), never handed to the judge."""
    line = json.loads(_entry_line("a" * 64, _record("@@"), BAD_USAGES[name]))
    with JudgmentCache(tmp_path / "cache") as cache:
        cache.open().write("a" * 64, {k: line[k] for k in ("format", "payload", "sha256")})
        assert cache.get("a" * 64) is None and cache.entry("a" * 64) is None


def test_a_run_after_a_hostile_import_judges_again_and_saves_nothing_negative(env, tmp_path: Path) -> None:
    data = dataset(tmp_path / "d", 4, score=60)
    code, first = run(data, out="out1", cache="c1")
    assert code == 0 and first["judge_requests"] == 4
    assert main(["cache", "export", "good.jsonl", "--cache-dir", "c1"]) == 0
    rows = Path("good.jsonl").read_text(encoding="utf-8").splitlines()
    tampered = [rows[0]]
    for row in rows[1:]:  # every entry's usage made hostile, its checksum made right again
        entry = json.loads(row)
        record = json.loads(entry["payload"])
        record["usage"] = "@@"
        tampered.append(_entry_line(entry["key"], record, BAD_USAGES["negative"]).rstrip("\n"))
    Path("bad.jsonl").write_text("\n".join(tampered) + "\n", encoding="utf-8")
    assert main(["cache", "import", "bad.jsonl", "--cache-dir", "c2"]) == 0
    code, second = run(data, out="out2", cache="c2")
    assert code == 0 and second["judge_requests"] == 4 and second["cache_hits"] == 0
    assert (second.get("cost_saved_usd") or 0) >= 0


def test_an_overlong_line_is_rejected_without_being_held(tmp_path: Path) -> None:
    good = _entry_line("b" * 64, _record(None))
    export = _export_of(
        [good, '{"key": "' + "c" * (3 << 20) + '"}\n', _entry_line("d" * 64, _record(None))], tmp_path / "x.jsonl"
    )
    with JudgmentCache(tmp_path / "cache") as cache:
        done = import_cache(cache, export, max_line=1 << 20)
    assert (done.added, done.rejected) == (2, 1)


_PEAK = "import resource; peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024"


def _peak_growth_mib(script: str) -> int:
    """Run ``script`` (which prints the peak RSS before and after the operation, MiB) in a fresh process."""
    done = subprocess.run([sys.executable, "-c", f"{_PEAK}\n{script}"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    before, after = map(int, done.stdout.split())
    return after - before


def test_memory_of_an_export_does_not_grow_with_the_cache(tmp_path: Path) -> None:
    """300 entries of 100 KB (30 MB): an export held whole would grow by 60 MB or more (its lines, then
    their join); streamed, by about one entry."""
    with JudgmentCache(tmp_path / "cache") as cache:
        for i in range(300):
            cache.put(f"{i:064x}", _record(None) | {"raw": "x" * 100_000})
    growth = _peak_growth_mib(
        "from pathlib import Path\n"
        "from toolgrad_eval.judge.cache import JudgmentCache\n"
        "from toolgrad_eval.judge.cache_transfer import export_cache\n"
        f"cache = JudgmentCache(Path({str(tmp_path / 'cache')!r})); cache.entry(cache.keys()[0])\n"
        "before = peak()\n"
        f"done = export_cache(cache, Path({str(tmp_path / 'out.jsonl')!r}))\n"
        "assert done.entries == 300\n"
        "print(before, peak())\n"
    )
    assert (tmp_path / "out.jsonl").stat().st_size > 30_000_000
    assert growth < 15, f"export grew the peak RSS by {growth} MiB"


def test_memory_of_an_import_with_a_huge_line_stays_under_its_cap(tmp_path: Path) -> None:
    """A 40 MB line under a 1 MB cap: rejected after reading 1 MB of it at a time."""
    export = _export_of(
        ['{"key": "' + "c" * (40 << 20) + '"}\n', _entry_line("d" * 64, _record(None))], tmp_path / "x.jsonl"
    )
    growth = _peak_growth_mib(
        "from pathlib import Path\n"
        "from toolgrad_eval.judge.cache import JudgmentCache\n"
        "from toolgrad_eval.judge.cache_transfer import import_cache\n"
        f"cache = JudgmentCache(Path({str(tmp_path / 'cache')!r})); cache.open()\n"
        "before = peak()\n"
        f"done = import_cache(cache, Path({str(export)!r}), max_line=1 << 20)\n"
        "assert (done.added, done.rejected) == (1, 1), done\n"
        "print(before, peak())\n"
    )
    assert growth < 10, f"import grew the peak RSS by {growth} MiB"
