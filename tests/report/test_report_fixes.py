"""Review fixes as the rendered pages show them: bidi controls gone and names isolated, long names
cut with a tooltip, version badges, synthetic differences, paired deltas with n, duplicate records,
no local paths, error types that break at their separators."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from report.dom import parse
from report.records import LONG_NAME, RLO_NAME, write_hostile_runs
from toolgrad_eval.leaderboard.text import BIDI_CONTROLS
from toolgrad_eval.report import publish


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    return publish([write_hostile_runs(root / "runs")], root / "site")


def _page(site, model: str):
    page = next(p for p in site.leaderboard.pages if p.model == model)
    return (site.out / page.path).read_text(encoding="utf-8")


def test_no_bidi_control_reaches_any_page(hostile) -> None:
    for path in hostile.files:
        assert not BIDI_CONTROLS.search(path.read_text(encoding="utf-8")), path.name
    html = _page(hostile, "evil4b-ammeg")
    doc = parse(html)
    assert doc.find("title").text().startswith("evil4b-ammeg")
    assert doc.find("h1").find("bdi").text() == "evil4b-ammeg"  # isolated from the page's direction
    assert "\u202e" not in RLO_NAME.replace("\u202e", "")  # (the fixture did carry controls)


def test_long_names_are_cut_with_the_full_name_in_a_tooltip(hostile) -> None:
    doc = parse(hostile.index.read_text(encoding="utf-8"))
    names = [
        b for b in doc.find("table", id="table-bfcl").find_all("bdi", cls="name") if b.attrs.get("title") == LONG_NAME
    ]
    assert names and all(len(b.text()) == 48 and b.text().endswith("…") for b in names)
    assert LONG_NAME not in doc.find("table", id="table-bfcl").text()
    page = parse(_page(hostile, LONG_NAME))
    h1 = page.find("h1").find("bdi")
    assert len(h1.text()) == 48 and h1.attrs["title"] == LONG_NAME
    assert len(page.find("title").text()) < 48 + 100  # name cut, then the board title


def test_error_types_break_at_separators(hostile) -> None:
    html = _page(hostile, "demo-toolgrad-4b")
    assert "value_<wbr>error:<wbr>string" in html


def test_version_badge_and_synthetic_difference_rows(hostile) -> None:
    doc = parse(hostile.index.read_text(encoding="utf-8"))
    body = doc.find("table", id="table-bfcl").find("tbody", data_group="toolgrad-4b")
    repro = body.find("tr", cls="reproduced")
    badge = repro.find("span", cls="version")
    assert "v4" in badge.attrs["title"] and "v1" in badge.attrs["title"]
    diff = body.find("tr", cls="difference")
    assert "synthetic" in diff.classes
    assert "Δ vs reported (synthetic data: illustrative only)" in diff.text()
    assert "†" not in diff.text() and not diff.find_all("span", cls="outside")


def test_reproduced_deltas_show_n(hostile) -> None:
    doc = parse(hostile.index.read_text(encoding="utf-8"))
    row = doc.find("table", id="deltas-toolgrad5k").find("tr", cls="reproduced")
    assert "n = 39" in row.text()


def test_reported_deltas_carry_the_warnings_of_their_values(hostile) -> None:
    doc = parse(hostile.index.read_text(encoding="utf-8"))
    rows = doc.find("table", id="deltas-bfcl").find_all("tr", cls="reported")
    warned = [a for r in rows for a in r.find_all("a", cls="warning")]
    assert len(warned) == 4  # relevance and irrelevance of both pairs: the fine-tunes' values are flagged


def test_pages_show_no_absolute_local_paths(hostile, tmp_path: Path) -> None:
    root = str(hostile.out.parent)
    for path in hostile.out.rglob("*.html"):
        doc = parse(path.read_text(encoding="utf-8"))
        for dd in doc.find_all("dd"):
            assert root not in dd.text(), path.name


def test_duplicate_records_are_shown_once_and_listed(tmp_path: Path) -> None:
    from report.records import write_toolgrad5k_run

    runs = tmp_path / "runs"
    first = write_toolgrad5k_run(runs, "demo-toolgrad-4b")
    second = write_toolgrad5k_run(runs / "again", "demo-toolgrad-4b")
    for folder, when in ((first, "2026-01-01T00:00:00+00:00"), (second, "2026-02-01T00:00:00+00:00")):
        summary = json.loads((folder / "summary.json").read_text())
        summary["created_at"] = when
        (folder / "summary.json").write_text(json.dumps(summary))
    site = publish([runs], tmp_path / "site")
    doc = parse(site.index.read_text(encoding="utf-8"))
    body = doc.find("table", id="table-toolgrad5k").find("tbody", data_group="toolgrad-4b")
    assert len(body.find_all("tr", cls="reproduced")) == 1
    notice = doc.find("div", id="duplicates")
    assert "2026-01-01" in notice.text() and str(tmp_path) not in notice.text()
