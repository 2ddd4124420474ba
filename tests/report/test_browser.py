"""The report in a real browser: headless Chromium driven over the DevTools protocol.

Checks what only a browser can: no console errors or CSP violations, sorting by clicking a header,
links between pages, hostile model text inert, nothing requested beyond file://. Screenshots go
to the report folder and to $TOOLGRAD_SCREENSHOT_DIR (default tests/report/artifacts/, git-ignored).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from report.cdp import Browser, find_chromium
from report.records import XSS_IMG, XSS_SCRIPT, write_demo_runs
from toolgrad_eval.report import publish

CHROMIUM = find_chromium()
IN_CI = os.environ.get("CI") == "true"
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not IN_CI,
    reason="chromium is not installed (apt-get install chromium); CI installs it and runs these tests",
)
SCREENSHOTS = Path(os.environ.get("TOOLGRAD_SCREENSHOT_DIR") or Path(__file__).parent / "artifacts")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    return publish([write_demo_runs(root / "runs")], root / "reports" / "demo")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if CHROMIUM is None:
        pytest.fail("CI=true but chromium is not installed: .ci/run must install it")
    with Browser(CHROMIUM, tmp_path_factory.mktemp("chromium-profile")) as b:
        yield b


def _open(browser: Browser, path: Path) -> int:
    mark = browser.mark
    browser.navigate(path.as_uri())
    return mark


def _assert_clean(browser: Browser, mark: int) -> None:
    assert browser.problems(mark) == []
    assert browser.evaluate("window.__csp") == []  # no securitypolicyviolation event fired
    assert browser.evaluate("typeof window.__xss") == "undefined"
    requests = browser.requests(mark)
    assert requests and all(url.startswith("file://") for url in requests), requests


def _save_screenshot(browser: Browser, target: Path, name: str) -> None:
    browser.screenshot(target)
    assert target.stat().st_size > 10_000 and target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(target, SCREENSHOTS / name)


def test_index_renders_offline_without_errors(browser: Browser, site) -> None:
    mark = _open(browser, site.index)
    _assert_clean(browser, mark)
    assert browser.evaluate("document.querySelectorAll('#table-bfcl tbody').length") == 4
    assert (
        browser.evaluate("document.querySelectorAll('svg.bars').length") == 29
    )  # 12 BFCL + 3 ToolGrad-5k + 14 ToolBench charts
    assert "synthetic" in browser.evaluate("document.title").lower()
    _save_screenshot(browser, site.out / "screenshot.png", "index.png")


def test_clicking_a_header_sorts_the_model_groups(browser: Browser, site) -> None:
    mark = _open(browser, site.index)
    table = next(t for t in site.leaderboard.tables if t.benchmark == "bfcl")
    order = "Array.from(document.querySelectorAll('#table-bfcl tbody')).map(b => b.dataset.group)"
    assert browser.evaluate(order) == [g.key for g in table.groups]
    by_value = sorted(table.groups, key=lambda g: g.sort_value("live_overall"))
    browser.click("#table-bfcl th button[data-col=live_overall]")
    assert browser.evaluate(order) == [g.key for g in reversed(by_value)]  # best first
    assert browser.evaluate("document.querySelector('#table-bfcl th[aria-sort]').textContent.trim()").startswith("Live")
    browser.click("#table-bfcl th button[data-col=live_overall]")
    assert browser.evaluate(order) == [g.key for g in by_value]
    browser.click("#table-bfcl th button[data-col=model]")
    assert browser.evaluate(order) == [g.key for g in sorted(table.groups, key=lambda g: g.label)]
    # Rows stay with their model: every group still starts with its reported row.
    assert browser.evaluate(
        "Array.from(document.querySelectorAll('#table-bfcl tbody')).every(b => b.rows[0].classList.contains('reported'))"
    )
    assert browser.problems(mark) == []


def test_model_page_opens_from_its_link_and_keeps_payloads_inert(browser: Browser, site) -> None:
    _open(browser, site.index)
    mark = browser.mark
    browser.click_and_wait_load("#table-bfcl a[href='models/demo-toolgrad-4b.html']")
    assert browser.evaluate("location.href") == (site.out / "models" / "demo-toolgrad-4b.html").as_uri()
    _assert_clean(browser, mark)
    text = browser.evaluate("document.body.innerText")
    assert XSS_SCRIPT in text and XSS_IMG in text  # shown as text, not run
    assert browser.evaluate("document.images.length") == 0
    assert browser.evaluate("document.scripts.length") == 1
    assert "value_error:string" in text and "Matcher's reason" in text
    _save_screenshot(browser, site.out / "model-screenshot.png", "model.png")
    browser.click_and_wait_load("a[href='../index.html']")
    assert browser.evaluate("location.href") == site.index.as_uri()


# -- layout under hostile text: nothing wider than the window, no cell spilling into the next ------
@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    from report.records import write_hostile_runs

    root = tmp_path_factory.mktemp("hostile-browser")
    return publish([write_hostile_runs(root / "runs")], root / "site")


def _viewport(browser: Browser, width: int) -> None:
    browser.send(
        "Emulation.setDeviceMetricsOverride", {"width": width, "height": 1000, "deviceScaleFactor": 1, "mobile": False}
    )


SPILLS = """(function () {
  var out = [];
  document.querySelectorAll('table.samples tbody tr').forEach(function (tr) {
    var cells = Array.prototype.slice.call(tr.cells);
    cells.forEach(function (td, i) {
      if (td.scrollWidth > td.clientWidth + 1) out.push('spills: ' + td.textContent.slice(0, 40));
      var next = cells[i + 1];
      if (next && td.getBoundingClientRect().right > next.getBoundingClientRect().left + 1) out.push('overlaps: ' + td.textContent.slice(0, 40));
    });
  });
  return out;
})()"""


@pytest.mark.parametrize("width", [1440, 420])
def test_hostile_pages_fit_the_window(browser: Browser, hostile_site, width: int) -> None:
    from report.records import LONG_NAME

    try:
        _viewport(browser, width)
        long_page = next(p for p in hostile_site.leaderboard.pages if p.model == LONG_NAME)
        pages = [hostile_site.index, *(hostile_site.out / p.path for p in hostile_site.leaderboard.pages)]
        for path in pages:
            mark = _open(browser, path)
            _assert_clean(browser, mark)
            assert browser.evaluate("window.innerWidth") == width
            assert browser.evaluate("document.documentElement.scrollWidth") <= width, path.name
            assert browser.evaluate(SPILLS) == [], path.name
        # The leaderboard's model column stays narrow, whatever the name.
        _open(browser, hostile_site.index)
        widths = browser.evaluate(
            "Array.from(document.querySelectorAll('#table-bfcl th[scope=row]')).map(th => th.getBoundingClientRect().width)"
        )
        assert max(widths) <= 22 * 14 + 20
        _open(browser, hostile_site.out / long_page.path)
        h1 = browser.evaluate(
            "(function(){var r=document.querySelector('h1').getBoundingClientRect(); return [r.left, r.right];})()"
        )
        assert h1[0] >= 0 and h1[1] <= width
        if width == 1440:
            _save_screenshot(browser, hostile_site.out / "hostile-model.png", "hostile-model.png")
    finally:
        _viewport(browser, 1440)
