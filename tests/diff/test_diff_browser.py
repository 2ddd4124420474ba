"""Diff and sweep pages in real headless Chromium: expanding, sorting, hostile text inert, offline."""

from __future__ import annotations

import os

import pytest
from report.cdp import Browser, find_chromium
from report.records import XSS_IMG, XSS_SCRIPT, write_demo_runs

from toolgrad_eval.report import publish

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("CI") != "true",
    reason="chromium is not installed (apt-get install chromium); CI installs it and runs these tests",
)
PAGE = "diffs/demo-gemma-3-12b--demo-toolgrad-12b-bfclv4.html"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("diff-browser")
    return publish([write_demo_runs(root / "runs")], root / "site", series=["demo-gemma-3-4b,demo-toolgrad-4b"])


def _open_clean(browser: Browser, path) -> None:
    mark = browser.mark
    browser.navigate(path.as_uri())
    assert browser.problems(mark) == []
    assert browser.evaluate("window.__csp") == []
    assert browser.evaluate("typeof window.__xss") == "undefined"
    assert all(url.startswith("file://") for url in browser.requests(mark))


def test_flipped_entries_expand(browser: Browser, site) -> None:
    _open_clean(browser, site.out / PAGE)
    first = "#diff-flipped tbody tr:first-child"
    assert browser.evaluate(f"document.querySelector('{first} details').open") is False
    # innerText holds only what is rendered: the closed row shows its summary, not the outputs.
    assert "Expected" not in browser.evaluate(f"document.querySelector('{first} details').innerText")
    browser.click(f"{first} summary")
    assert browser.evaluate(f"document.querySelector('{first} details').open") is True
    text = browser.evaluate(f"document.querySelector('{first} details').innerText")
    assert "Expected" in text and "Output of B" in text and (XSS_SCRIPT in text or XSS_IMG in text)
    assert browser.evaluate("document.images.length") == 0 and browser.evaluate("document.scripts.length") == 1
    assert browser.evaluate("typeof window.__xss") == "undefined"


def test_tables_sort_by_clicking(browser: Browser, site) -> None:
    _open_clean(browser, site.out / PAGE)
    downs = "Array.from(document.querySelectorAll('#diff-categories tbody tr')).map(r => +r.dataset.kDown)"
    browser.click("#diff-categories th button[data-col=down]")
    values = browser.evaluate(downs)
    assert values == sorted(values, reverse=True) and values[0] > 0
    browser.click("#diff-categories th button[data-col=down]")
    assert browser.evaluate(downs) == sorted(values)
    ids = "Array.from(document.querySelectorAll('#diff-flipped tbody tr')).map(r => r.dataset.kDir)"
    browser.click("#diff-flipped th button[data-col=dir]")
    directions = browser.evaluate(ids)
    assert directions == sorted(directions) and len(set(directions)) == 2


def test_sweep_page_draws_every_chart(browser: Browser, site) -> None:
    _open_clean(browser, site.out / "sweep.html")
    assert browser.evaluate("document.querySelectorAll('svg.sweep').length") == 15
    assert browser.evaluate("document.querySelectorAll('svg.sweep circle').length") == 30
    assert browser.evaluate("document.querySelector('svg.sweep').getBoundingClientRect().width") > 100
    assert "synthetic" in browser.evaluate("document.title").lower()


def test_index_links_to_the_diff_page(browser: Browser, site) -> None:
    _open_clean(browser, site.index)
    browser.click_and_wait_load(f"#comparisons a[href='{PAGE}']")
    assert browser.evaluate("location.href") == (site.out / PAGE).as_uri()
