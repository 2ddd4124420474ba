"""Reading records for a diff costs memory for what is kept (short texts per sample), not for the files:
a per_sample.jsonl of long replies and a score file of huge failure lines are read a line at a time."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

from diff.conftest import DEMO_PAIR
from diff.records import toolgrad5k_record

from toolgrad_eval.record import PER_SAMPLE_FILE, SUMMARY_FILE

_PEAK = "import resource; peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024"


def _peak_growth_mib(script: str) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-c", f"{_PEAK}\n{script}"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    before, after, *rest = done.stdout.split("\n")
    return int(after) - int(before), "\n".join(rest)


def _diff_script(a: Path, b: Path) -> str:
    return (
        "from toolgrad_eval.diff import diff_runs, find_records\n"
        "import toolgrad_eval.record_schema, scipy.stats\n"  # imports before the baseline
        "before = peak()\n"
        f"(a,) = find_records({str(a)!r}, []); (b,) = find_records({str(b)!r}, [])\n"
        "d = diff_runs(a, b)\n"
        "print(before); print(peak())\n"
        "print(d.toolgrad5k.metrics['qor'].n if d.toolgrad5k else d.bfcl.n_flipped)\n"
        "print(max((len(s.response_b) for s in d.toolgrad5k.changed), default=0) if d.toolgrad5k else "
        "sum(bool(f.question) for f in d.bfcl.flipped))\n"
    )


def test_a_per_sample_file_of_long_replies_is_streamed(tmp_path: Path) -> None:
    """400 rows with 100 KB replies (40 MB): held whole it grows the peak by 80 MB or more (text, then rows)."""
    values = {f"s{i}": {"recall": 1.0, "success_rate": 1.0, "qor": float(i % 100)} for i in range(400)}
    toolgrad5k_record(tmp_path / "a", "model-a", values)
    toolgrad5k_record(tmp_path / "b", "model-b", {k: {**v, "qor": 50.0} for k, v in values.items()})
    rows = [json.loads(line) for line in (tmp_path / "b" / PER_SAMPLE_FILE).read_text().splitlines()]
    text = "".join(json.dumps({**row, "response": "y" * 100_000}) + "\n" for row in rows)
    (tmp_path / "b" / PER_SAMPLE_FILE).write_text(text)
    summary = json.loads((tmp_path / "b" / SUMMARY_FILE).read_text())
    summary["per_sample_sha256"] = hashlib.sha256(text.encode()).hexdigest()
    (tmp_path / "b" / SUMMARY_FILE).write_text(json.dumps(summary))
    growth, out = _peak_growth_mib(_diff_script(tmp_path / "a", tmp_path / "b"))
    paired, longest = out.split()
    assert int(paired) == 400 and int(longest) < 1300  # every sample compared; replies kept cut short
    assert growth < 20, f"reading the records grew the peak RSS by {growth} MiB"


def test_a_huge_score_file_is_streamed(demo_runs: Path, tmp_path: Path) -> None:
    """40 failure lines of 1 MB appended to B's score file (40 MB) for entries that did not flip."""
    runs = tmp_path / "runs"
    shutil.copytree(demo_runs / "bfcl", runs)
    summary = json.loads((runs / DEMO_PAIR[1] / SUMMARY_FILE).read_text())
    category, info = next(iter(summary["categories"].items()))
    score_file = runs / DEMO_PAIR[1] / info["score_file"]
    with score_file.open("a", encoding="utf-8") as handle:
        for i in range(40):
            line = {"id": f"not_flipped_{i}", "valid": False, "error": ["x"], "model_result_raw": "z" * (1 << 20)}
            handle.write(json.dumps(line) + "\n")
    growth, out = _peak_growth_mib(_diff_script(runs / DEMO_PAIR[0], runs / DEMO_PAIR[1]))
    flipped, described = map(int, out.split())
    assert flipped == 13 and described >= 1  # the flips, described from the score files as before
    assert growth < 20, f"reading the score files grew the peak RSS by {growth} MiB"
