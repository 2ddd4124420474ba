"""The ToolBench table and model pages: the data, the HTML structure, then headless Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from report.cdp import Browser, find_chromium
from report.dom import parse
from report.records import XSS_IMG, XSS_SCRIPT
from toolbench.builders import COT, DFS, TEST_SET, entry, marker_judge, real_layout, run, write_layout
from toolgrad_eval.report import publish

CHROMIUM = find_chromium()


@pytest.fixture
def runs(toolbench_judge, tmp_path) -> Path:
    """Two real runs (ChatGPT DFS against CoT, matched to StableToolBench's GPT-3.5-Turbo-0613 rows)
    and one whose model and judge text is hostile."""
    data = real_layout(tmp_path / "tb")
    assert run(data, DFS, "--reference_model", COT, out="runs/dfs")[0] == 0
    assert run(data, COT, out="runs/cot")[0] == 0
    hostile = {"1": entry(f"query {XSS_SCRIPT}", [("search", XSS_IMG, XSS_SCRIPT)], f"answer {XSS_IMG}")}
    toolbench_judge.score_fn = lambda request: (
        {"reason": f"judge says {XSS_SCRIPT}", "answer_status": "Unsure"}
        if "toolbench_pass" in str(request["response_format"])
        else marker_judge(request)
    )
    bad = write_layout(tmp_path / "bad", {"evil": {"G1_tool": hostile}}, {"G1_tool": ["1"]})
    assert run(bad, "evil", out="runs/evil")[0] == 0
    return tmp_path / "runs"


def _votes(qid: str) -> tuple[int, int]:
    """A judge that always prefers answer_0 gives each round to whoever the seeded order put first."""
    from toolgrad_eval.toolbench.preference import model_first

    first = sum(model_first(f"{TEST_SET}/{qid}", r) for r in range(3))
    return first, 3 - first


def _wins() -> int:
    return 1 + sum(_votes(q)[0] > 1 for q in ("1073", "608"))  # 588 is won on status


def _site(runs: Path, out: Path):
    return publish([runs], out, matches={DFS: "stb-gpt-3.5-turbo-0613-dfs", COT: "stb-gpt-3.5-turbo-0613-cot"})


def test_leaderboard_rows_values_and_cis(runs, tmp_path):
    site = _site(runs, tmp_path / "site")
    table = next(t for t in site.leaderboard.tables if t.benchmark == "toolbench")
    groups = {g.key: g for g in table.groups}
    dfs = groups["stb-gpt-3.5-turbo-0613-dfs"]
    assert [r.kind for r in dfs.rows] == ["reported", "reproduced", "difference"]
    reported, ours, delta = dfs.rows
    assert reported.cells["sopr_G1_instruction"].value == 60.3 and reported.cells["sowr_G1_instruction"].value == 60.7
    assert ours.cells["sopr_G1_instruction"].value == 100.0 and ours.cells["sopr_G1_instruction"].n == 3
    assert ours.cells["sowr_G1_instruction"].value == pytest.approx(100 * _wins() / 3)
    assert ours.cells["sowr_G1_instruction"].ci is not None  # bootstrap over the three queries
    assert ours.cells["sopr_average"].value is None  # one test set of six: no Average to compare
    assert delta.cells["sopr_G1_instruction"].value == pytest.approx(100.0 - 60.3)
    cot = groups["stb-gpt-3.5-turbo-0613-cot"].rows[1]
    assert (
        cot.cells["sopr_G1_instruction"].value == pytest.approx(200 / 3)
        and cot.cells["sowr_G1_instruction"].value is None
    )
    assert "vs virtual_chatgpt_cot" in ours.source


def test_html_table_and_model_page_per_query(runs, tmp_path):
    site = _site(runs, tmp_path / "site")
    doc = parse(site.index.read_text(encoding="utf-8"))
    table = doc.find("table", id="table-toolbench")
    headers = [th.text() for th in table.find("thead").find_all("th", scope="col")]
    assert headers[:3] == ["Model", "Source", "I1 Inst"] and headers.count("Average") == 2
    assert [th.text() for th in table.find("thead").find_all("th", scope="colgroup")] == ["SoPR", "SoWR"]
    page = parse((site.out / "models" / f"{DFS}.html").read_text(encoding="utf-8"))
    rows = {
        tr.attrs["data-k-id"]: [td.text() for td in tr.find_all("td")]
        for tr in page.find("table", cls="toolbench").find_all("tr", pred=lambda n: "data-k-id" in n.attrs)
    }
    assert set(rows) == {"588", "608", "1073"}
    assert rows["608"][:5] == ["608", TEST_SET, "SSS", "100", "judge"] or rows["608"][:5] == [
        "608",
        TEST_SET,
        "SSS",
        "100",
        "cache",
    ]
    assert rows["588"][8].startswith("win (3–0, status)")
    assert rows["588"][9].startswith("rounds 0: model (status), 1: model (status), 2: model (status)")
    votes = _votes("1073")
    assert rows["1073"][8].startswith(f"{'win' if votes[0] > 1 else 'loss'} ({votes[0]}–{votes[1]}, judge)")
    assert "Judge settings: pass rate tooleval-two-step, temperature 0.2 (win rate 0.2)" in page.text()
    assert "fake: Solved" in rows["608"][5]
    cot = parse((site.out / "models" / f"{COT}.html").read_text(encoding="utf-8"))
    reasons = [
        tr.find_all("td")[5].text()
        for tr in cot.find("table", cls="toolbench").find_all("tr", pred=lambda n: n.attrs.get("data-k-id") == "588")
    ]
    assert reasons == ["final step is not a call of Finish"]


@pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium); CI runs these tests"
)
def test_pages_in_a_browser_keep_hostile_text_inert(runs, tmp_path):
    site = _site(runs, tmp_path / "site")
    with Browser(CHROMIUM, tmp_path / "profile") as browser:
        for path in (site.index, site.out / "models" / "evil.html", site.out / "models" / f"{DFS}.html"):
            mark = browser.mark
            browser.navigate(path.as_uri())
            assert browser.problems(mark) == []
            assert browser.evaluate("typeof window.__xss") == "undefined"
            assert all(url.startswith("file://") for url in browser.requests(mark))
        text = browser.evaluate("document.body.innerText")
        assert "SSS" in text and "win (3–0, status)" in text
        browser.navigate((site.out / "models" / "evil.html").as_uri())
        text = browser.evaluate("document.body.innerText")
        print("TEXT>>", text)
        assert XSS_SCRIPT in text and XSS_IMG in text and f"judge says {XSS_SCRIPT}" in text  # shown as text, not run
        assert browser.evaluate("document.images.length") == 0
        browser.navigate(site.index.as_uri())
        assert browser.evaluate("document.querySelectorAll('#table-toolbench tbody').length") >= 11
