"""The report's diff and sweep pages: what they hold, parsed as HTML; hostile text stays text."""

from __future__ import annotations

from pathlib import Path

import pytest
from report.dom import parse
from report.records import XSS_IMG, XSS_SCRIPT, write_demo_runs

from toolgrad_eval.cli.main import main
from toolgrad_eval.errors import ConfigError
from toolgrad_eval.leaderboard import COLUMNS
from toolgrad_eval.report import publish
from toolgrad_eval.report.comparisons import SweepPoint, SweepSeries
from toolgrad_eval.report.sweep_chart import line_chart

PAIR_PAGE = "diffs/demo-gemma-3-12b--demo-toolgrad-12b-bfclv4.html"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("diff-pages")
    runs = write_demo_runs(root / "runs")
    return publish([runs], root / "site", diffs=[("demo-toolgrad-12b", "demo-gemma-3-4b")], series=["demo-*"])


def test_index_links_every_comparison(site) -> None:
    doc = parse(site.index.read_text(encoding="utf-8"))
    links = [a.attrs["href"] for a in doc.find("section", id="comparisons").find_all("a")]
    assert links == [
        "diffs/demo-toolgrad-12b--demo-gemma-3-4b-bfclv4.html",
        "diffs/demo-toolgrad-12b--demo-gemma-3-4b-toolgrad5k.html",
        "diffs/demo-gemma-3-4b--demo-toolgrad-4b-bfclv4.html",
        "diffs/demo-gemma-3-4b--demo-toolgrad-4b-toolgrad5k.html",
        PAIR_PAGE,
        "diffs/demo-gemma-3-12b--demo-toolgrad-12b-toolgrad5k.html",
        "sweep.html",
    ]
    assert all((site.out / link).is_file() for link in links)


def test_bfcl_diff_page_lists_every_flip(site) -> None:
    from toolgrad_eval.diff import diff_runs

    runs = {(r.model, r.benchmark): r for r in site.leaderboard.runs}
    expected = diff_runs(runs[("demo-gemma-3-12b", "bfcl")], runs[("demo-toolgrad-12b", "bfcl")]).bfcl
    html = (site.out / PAIR_PAGE).read_text(encoding="utf-8")
    doc = parse(html)
    rows = doc.find("table", id="diff-categories").find("tbody").find_all("tr")
    assert [r.attrs["data-k-cat"] for r in rows] == [c.category for c in expected.categories] + ["overall"]
    overall = rows[-1]
    assert (overall.attrs["data-k-down"], overall.attrs["data-k-up"]) == (
        str(len(expected.overall.pass_to_fail)),
        str(len(expected.overall.fail_to_pass)),
    )
    flipped = doc.find("table", id="diff-flipped").find("tbody").find_all("tr")
    assert [r.attrs["data-k-id"] for r in flipped] == [f.id for f in expected.flipped] and expected.n_flipped > 10
    assert all(r.find("details") for r in flipped)
    assert {r.attrs["data-k-dir"] for r in flipped} == {"pass_to_fail", "fail_to_pass"}
    # Questions and outputs hold script and img tags: shown as text, never as elements.
    assert XSS_SCRIPT in doc.text() and XSS_IMG in doc.text()
    assert "<script>window.__xss" not in html and "<img" not in html
    assert len(doc.find_all("script")) == 1
    # The passing side's output lives in result files these hand-written records do not have: said so.
    assert "result files not found" in doc.find("section", id="flipped").text()
    assert "SYNTHETIC" in doc.find("div", id="synthetic-banner").text().upper()


def test_toolgrad5k_diff_page(site) -> None:
    doc = parse((site.out / "diffs/demo-gemma-3-12b--demo-toolgrad-12b-toolgrad5k.html").read_text(encoding="utf-8"))
    metrics = doc.find("table", id="diff-metrics").find("tbody").find_all("tr")
    assert [r.attrs["data-k-metric"] for r in metrics] == ["recall", "success_rate", "qor"]
    drops = doc.find("table", id="diff-drops").find("tbody").find_all("tr")
    deltas = [float(r.attrs["data-k-dq"]) for r in drops]
    assert deltas == sorted(deltas) and all(d < 0 for d in deltas)
    assert XSS_SCRIPT in doc.text()  # sample-000's judge reason


def test_sweep_page_follows_the_glob_in_natural_order(site) -> None:
    doc = parse((site.out / "sweep.html").read_text(encoding="utf-8"))
    figures = doc.find_all("figure", cls="sweep")
    assert len(figures) == len(COLUMNS["bfcl"]) + len(COLUMNS["toolgrad5k"])
    header = [th.text() for th in doc.find("table", id="sweep-values").find("thead").find_all("th")][1:]
    assert header == ["demo-gemma-3-4b", "demo-gemma-3-12b", "demo-toolgrad-4b", "demo-toolgrad-12b"]  # 4 < 12
    qor = next(f for f in figures if f.attrs["id"] == "sweep-toolgrad5k-qor")
    assert len(qor.find_all("circle")) == 4 and len(qor.find_all("polyline")) == 1
    assert doc.find("div", id="synthetic-banner")


def test_sweep_chart_breaks_where_a_value_is_missing() -> None:
    from toolgrad_eval.leaderboard import Cell

    points = [
        SweepPoint(f"step{i}", Cell(v, (v - 5, v + 5) if v is not None else None), False)
        for i, v in enumerate([10.0, 20.0, None, 40.0, 50.0, 60.0])
    ]
    chart = line_chart(SweepSeries("toolgrad5k", None, COLUMNS["toolgrad5k"][2], points))
    assert [len(s.split()) for s in chart.segments] == [2, 3]
    assert chart.points[2].y is None and chart.points[0].y > chart.points[1].y  # higher value, higher up
    assert chart.points[0].ci == pytest.approx((chart.points[0].y - 0.05 * 160, chart.points[0].y + 0.05 * 160))


def test_unknown_names_are_refused(site, tmp_path: Path) -> None:
    runs = site.leaderboard.runs[0].path.parent.parent
    with pytest.raises(ConfigError, match="no run record of a model named 'nope'"):
        publish([runs], tmp_path / "a", diffs=[("nope", "demo-gemma-3-4b")])
    with pytest.raises(ConfigError, match="--series 'ckpt-\\*'"):
        publish([runs], tmp_path / "b", series=["ckpt-*"])
    assert main(["report", "--runs", str(runs), "--out", str(tmp_path / "c"), "--diff", "just-one"]) == 2


def test_stale_comparison_pages_are_removed_but_not_the_users(site, tmp_path: Path) -> None:
    runs = site.leaderboard.runs[0].path.parent.parent
    out = tmp_path / "site"
    publish([runs], out, diffs=[("demo-toolgrad-4b", "demo-gemma-3-4b")], series=["demo-gemma-3-4b,demo-toolgrad-4b"])
    asked = out / "diffs" / "demo-toolgrad-4b--demo-gemma-3-4b-bfclv4.html"
    assert asked.is_file() and (out / "sweep.html").is_file()
    (out / "diffs" / "mine.html").write_text("<p>the user's own page</p>")
    publish([runs], out)
    assert not asked.exists() and not (out / "sweep.html").exists()
    assert (out / "diffs" / "mine.html").is_file() and (out / PAIR_PAGE).is_file()


def test_the_demo_publishes_diff_pages_and_a_sweep_labelled_synthetic(tmp_path: Path) -> None:
    from toolgrad_eval.demo import DEMO_MODELS, run_demo

    run_demo(tmp_path / "runs", tmp_path / "site", cache_dir=tmp_path / "cache", echo=lambda _line: None)
    index = parse((tmp_path / "site" / "index.html").read_text(encoding="utf-8"))
    links = [a.attrs["href"] for a in index.find("section", id="comparisons").find_all("a")]
    assert PAIR_PAGE in links and "sweep.html" in links
    pair = parse((tmp_path / "site" / PAIR_PAGE).read_text(encoding="utf-8"))
    assert pair.find("table", id="diff-flipped").find("tbody").find_all("tr")
    assert "SYNTHETIC" in pair.find("div", id="synthetic-banner").text().upper()
    sweep = parse((tmp_path / "site" / "sweep.html").read_text(encoding="utf-8"))
    assert len(sweep.find("figure", id="sweep-toolgrad5k-qor").find_all("circle")) == len(DEMO_MODELS)
    assert "SYNTHETIC" in sweep.find("div", id="synthetic-banner").text().upper()
