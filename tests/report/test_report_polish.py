"""Report details a reader noticed: ToolBench pages and counts, chart labels, sweeps, stale folders."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path

import pytest

from report.dom import parse
from toolgrad_eval.cli.main import main
from toolgrad_eval.errors import ConfigError
from toolgrad_eval.leaderboard import COLUMNS, Cell
from toolgrad_eval.report import publish
from toolgrad_eval.report.charts import LABEL_PAD, MAX_LABEL_W, charts, fit_label, text_width
from toolgrad_eval.report.comparisons import SweepPoint, SweepSeries
from toolgrad_eval.report.sweep_chart import LABEL_PX, LABEL_ROOM, common_prefix, line_chart


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped demo's run records (ToolBench with a reference included), published once."""
    from toolgrad_eval.demo import run_demo

    root = tmp_path_factory.mktemp("polish")
    run_demo(root / "runs", root / "site", cache_dir=root / "cache", echo=lambda _line: None)
    return root


def _per_sample(demo: Path, model: str) -> list[dict]:
    path = demo / "runs" / "toolbench" / model / "per_sample.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_toolbench_preferences_are_not_error_types(demo: Path) -> None:
    model = "demo-toolbench-toolllama-dfs"
    rows = _per_sample(demo, model)
    page = parse((demo / "site" / "models" / f"{model}.html").read_text(encoding="utf-8"))
    errors = page.find("table", cls="errors")
    assert errors is not None and "against the reference" not in errors.text()
    assert "Unsolved by rule" in errors.text()
    preferences = page.find("table", cls="preferences")
    shown = {
        tr.find_all("td")[0].text(): int(tr.find_all("td")[1].text()) for tr in preferences.find("tbody").find_all("tr")
    }
    tally = Counter(row["preference"] for row in rows)
    assert shown == {"win": tally["win"], "tie": tally["tie"], "loss": tally["loss"]} and sum(shown.values()) == 48
    # The reference itself has no reference: no such table on its page.
    reference = (demo / "site" / "models" / "demo-toolbench-chatgpt-cot.html").read_text(encoding="utf-8")
    assert 'class="plain preferences"' not in reference


def test_failed_column_says_what_it_counts_per_benchmark(demo: Path) -> None:
    index = parse((demo / "site" / "index.html").read_text(encoding="utf-8"))
    rows = {tr.find("th").text().strip(): tr for tr in index.find("table", id="runs").find("tbody").find_all("tr")}
    for model in ("demo-toolbench-toolllama-dfs", "demo-toolbench-chatgpt-cot"):
        unsolved = sum(1 for row in _per_sample(demo, model) if row["score"] == 0)
        assert unsolved > 0
        assert rows[model].find("td", cls="failed").text().split() == [
            str(unsolved),
            *"queries unsolved in every round".split(),
        ]
    bfcl = json.loads((demo / "runs" / "bfcl" / "demo-gemma-3-4b" / "summary.json").read_text(encoding="utf-8"))
    failed = sum(c["total_count"] - c["correct_count"] for c in bfcl["categories"].values())
    text = " ".join(rows["demo-gemma-3-4b"].find("td", cls="failed").text().split())
    assert text.startswith(f"{failed} entries failed") and text.endswith("samples with an error")


def test_a_sweep_of_one_run_is_refused(demo: Path, tmp_path: Path, capsys) -> None:
    with pytest.raises(ConfigError, match="--series 'demo-gemma-3-4b': a sweep compares at least two runs"):
        publish([demo / "runs"], tmp_path / "a", series=["demo-gemma-3-4b"])
    with pytest.raises(ConfigError, match="at least two runs"):
        publish([demo / "runs"], tmp_path / "b", series=["demo-gemma-3-4*"])  # a glob matching one run
    args = ["report", "--runs", str(demo / "runs"), "--out", str(tmp_path / "c"), "--series", "demo-toolgrad-4b"]
    assert main(args) == 2 and "at least two runs" in capsys.readouterr().err
    assert not (tmp_path / "c" / "index.html").exists()


def test_sweep_labels_keep_what_tells_checkpoints_apart() -> None:
    names = [f"org/a-rather-long-model-name-sft-step{n}" for n in (500, 1000, 1500, 20000)]
    assert common_prefix(names) == "org/a-rather-long-model-name-sft-"
    assert common_prefix(["demo-gemma-3-4b", "demo-toolgrad-4b"]) == "demo-"
    assert common_prefix(["a-1", "a-2"]) == ""  # too short to be worth leaving out
    assert common_prefix(["ckpt-", "ckpt-2"]) == ""  # one name would be left empty
    points = [SweepPoint(n, Cell(50.0 + i, (45.0 + i, 55.0 + i)), False) for i, n in enumerate(names)]
    chart = line_chart(SweepSeries("toolgrad5k", None, COLUMNS["toolgrad5k"][2], points))
    assert [p.label for p in chart.points] == ["step500", "step1000", "step1500", "step20000"]
    long = [SweepPoint("x" * 80 + str(i), Cell(10.0 * i), False) for i in range(3)]
    chart = line_chart(SweepSeries("toolgrad5k", None, COLUMNS["toolgrad5k"][2], long))
    assert all(text_width(p.label, LABEL_PX) <= LABEL_ROOM and p.label.endswith("…") for p in chart.points)
    # The turned labels hang into the room left for them: below the plot and right of the last point.
    widest = max(text_width(p.label, LABEL_PX) for p in chart.points)
    last = text_width(chart.points[-1].label, LABEL_PX)
    assert widest > 100 and chart.height - chart.plot_bottom >= 12 + widest * math.sin(math.radians(35))
    assert chart.width - chart.points[-1].x >= last * math.cos(math.radians(35))
    # The first point stands clear of the axis' tick labels.
    assert chart.points[0].x - chart.left >= 12


def test_sweep_page_names_the_prefix_it_leaves_out(demo: Path) -> None:
    text = (demo / "site" / "sweep.html").read_text(encoding="utf-8")
    assert "Chart labels leave out the prefix all the names share, <code>demo-</code>" in text
    labels = re.findall(r'<text class="label"[^>]*>([^<]*)</text>', text)
    assert labels and "gemma-3-4b" in labels and not any(label.startswith("demo-") for label in labels)


def test_bar_chart_labels_fit_their_column(demo: Path) -> None:
    from toolgrad_eval.leaderboard import build_leaderboard

    board = build_leaderboard([demo / "runs"])
    table = next(t for t in board.tables if t.benchmark == "toolbench")
    for chart in charts(table):
        for bar in chart.bars:
            # text-anchor end at label_w - 6: the label starts right of the chart's left edge.
            assert text_width(bar.label) <= chart.label_w - 6, bar.label
        assert chart.width == chart.label_w + chart.bar_w + 48
    labels = [bar.label for chart in charts(table) for bar in chart.bars]
    assert "demo-toolbench-toolllama-dfs (ours, synthetic)" in labels  # whole, not cut
    assert fit_label("x" * 200, " (ours)", MAX_LABEL_W - LABEL_PAD).endswith("… (ours)")
    assert text_width(fit_label("x" * 200, " (ours)", 100.0)) <= 100.0


def test_an_emptied_comparison_folder_is_removed_but_not_one_with_the_users_files(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    publish([demo / "runs"], out)
    assert (out / "diffs").is_dir()
    publish([demo / "runs" / "toolbench"], out)  # no pairs there: every diff page is stale
    assert not (out / "diffs").exists()
    publish([demo / "runs"], out)
    (out / "diffs" / "mine.html").write_text("<p>the user's own page</p>", encoding="utf-8")
    publish([demo / "runs" / "toolbench"], out)
    assert [p.name for p in (out / "diffs").iterdir()] == ["mine.html"]
