"""The rendered site: expected rows and numbers, synthetic labels, escaping, CSP, Markdown, CSV."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from pathlib import Path

import pytest

from report.dom import Node, parse
from report.records import XSS_IMG, XSS_SCRIPT
from toolgrad_eval.report import publish


@pytest.fixture
def site(demo_runs: Path, tmp_path: Path):
    return publish([demo_runs], tmp_path / "reports" / "demo")


def _index(site) -> Node:
    return parse(site.index.read_text(encoding="utf-8"))


def _groups(doc: Node, table_id: str) -> dict[str, Node]:
    table = doc.find("table", id=table_id)
    return {body.attrs["data-group"]: body for body in table.find_all("tbody")}


def _cells(row: Node) -> dict[str, str]:
    return {td.attrs["data-col"]: td for td in row.find_all("td") if "data-col" in td.attrs}


def test_bfcl_table_has_reported_reproduced_and_difference_rows(site) -> None:
    groups = _groups(_index(site), "table-bfcl")
    assert list(groups) == ["gemma-3-4b", "toolgrad-4b", "gemma-3-12b", "toolgrad-12b"]
    rows = groups["gemma-3-4b"].find_all("tr")
    assert [sorted(r.classes - {"synthetic"}) for r in rows] == [["reported"], ["reproduced"], ["difference"]]
    reported, reproduced, difference = rows
    # The card's numbers, with Relevance/Irrelevance in the corrected order.
    cells = _cells(reported)
    assert cells["non_live_overall"].find("span", cls="v").text() == "61.12"
    assert cells["relevance"].find("span", cls="v").text() == "100.00"
    assert cells["irrelevance"].find("span", cls="v").text() == "53.94"
    assert "reported" in reported.find("td", cls="src").text().lower()
    assert "ToolGrad 4B model card" in reported.find("td", cls="src").text()
    # Reproduced: the run's name links to its page, the value has a CI, the row says synthetic.
    link = reproduced.find("th").find("a")
    assert link.text() == "demo-gemma-3-4b" and link.attrs["href"] == "models/demo-gemma-3-4b.html"
    repro_cells = _cells(reproduced)
    run = next(r for r in site.leaderboard.runs if r.model == "demo-gemma-3-4b" and r.benchmark == "bfcl")
    assert repro_cells["non_live_overall"].find("span", cls="v").text() == f"{run.values['non_live_overall']:.2f}"
    assert repro_cells["non_live_overall"].find("span", cls="ci").text()  # 95% CI shown
    diff = _cells(difference)["non_live_overall"].text().replace("†", "").replace("\u2212", "-")
    assert float(diff) == pytest.approx(run.values["non_live_overall"] - 61.12, abs=0.006)


def test_every_synthetic_row_is_labelled(site) -> None:
    doc = _index(site)
    for table_id in ("table-bfcl", "table-toolgrad5k", "deltas-bfcl", "deltas-toolgrad5k"):
        for row in doc.find("table", id=table_id).find_all("tr", pred=lambda n: n.parent.tag == "tbody"):
            is_reported = "reported" in row.classes
            labelled = bool(row.find_all("span", cls="syn"))
            assert labelled != is_reported, (table_id, row.text())
    assert "synthetic" in doc.find("title").text().lower()
    assert doc.find("div", id="synthetic-banner")
    for page in site.leaderboard.pages:
        page_doc = parse((site.out / page.path).read_text(encoding="utf-8"))
        assert "synthetic" in page_doc.find("title").text().lower()
        assert page_doc.find("div", id="synthetic-banner")


def test_real_runs_are_not_labelled_synthetic(run_factory, tmp_path: Path) -> None:
    run_factory("toolgrad5k", "toolgrad-1b", synthetic=False)
    site = publish([run_factory.root], tmp_path / "out")
    doc = _index(site)
    assert "synthetic" not in doc.find("title").text().lower()
    assert not doc.find_all("div", id="synthetic-banner")
    group = _groups(doc, "table-toolgrad5k")["toolgrad-1b"]
    reproduced = group.find("tr", cls="reproduced")
    assert not reproduced.find_all("span", cls="syn")
    # Reported 0.987917 is shown in % next to our value.
    assert _cells(group.find("tr", cls="reported"))["recall"].find("span", cls="v").text() == "98.79"


def test_warning_badges_explain_themselves(site) -> None:
    doc = _index(site)
    groups = _groups(doc, "table-bfcl")
    for key in ("toolgrad-4b", "toolgrad-12b"):
        cells = _cells(groups[key].find("tr", cls="reported"))
        for col in ("relevance", "irrelevance"):
            mark = cells[col].find("a", cls="warning")
            assert "identical" in mark.attrs["title"] and "59.27" in mark.attrs["title"]
            note = doc.find("li", id=mark.attrs["href"].lstrip("#"))
            assert "identical Relevance and Irrelevance" in note.text()
    # No other reported cell carries a warning: the overall columns follow from their categories.
    warned = [a for a in doc.find("table", id="table-bfcl").find_all("a", cls="warning")]
    assert len(warned) == 4
    gemma = _cells(groups["gemma-3-4b"].find("tr", cls="reported"))
    assert "53.94" in gemma["relevance"].find("a", cls="note").attrs["title"]


def test_toolgrad5k_table_and_deltas(site) -> None:
    doc = _index(site)
    groups = _groups(doc, "table-toolgrad5k")
    assert list(groups) == ["gemma-3-4b", "toolgrad-4b", "gemma-3-12b", "toolgrad-12b", "toolgrad-1b"]
    assert [r.classes for r in groups["toolgrad-1b"].find_all("tr")] == [{"reported"}]
    reported = _cells(groups["toolgrad-1b"].find("tr"))
    assert [reported[c].find("span", cls="v").text() for c in ("recall", "success_rate", "qor")] == [
        "98.79",
        "95.55",
        "93.70",
    ]
    deltas = doc.find("table", id="deltas-toolgrad5k").find_all("tr", cls="reproduced")
    assert [d.find("th").text().split(" synthetic")[0] for d in deltas] == [
        "Gemma-3 4B → ToolGrad 4B",
        "Gemma-3 12B → ToolGrad 12B",
    ]
    qor = [td for td in deltas[0].find_all("td") if td.find_all("span", cls="ci")][-1]
    assert "p" in qor.text() and "[" in qor.text()  # paired CI and p-value
    bfcl_reported = doc.find("table", id="deltas-bfcl").find_all("tr", cls="reported")
    assert bfcl_reported[0].find_all("td")[1].text() == "+11.34"  # 72.46 - 61.12 from the cards


def test_model_text_is_escaped_everywhere(site) -> None:
    for path in site.files:
        text = path.read_text(encoding="utf-8")
        assert XSS_SCRIPT not in text and XSS_IMG not in text, path
    page = parse((site.out / "models" / "demo-toolgrad-4b.html").read_text(encoding="utf-8"))
    # Shown as text: the parser decodes the entities back into the literal payload.
    assert XSS_SCRIPT in page.text() and XSS_IMG in page.text()
    assert len(page.find_all("script")) == 1 and not page.find_all("img")


def test_csp_allows_exactly_our_inline_script_and_style(site) -> None:
    for path in [site.index, *(site.out / p.path for p in site.leaderboard.pages)]:
        doc = parse(path.read_text(encoding="utf-8"))
        head = doc.find("head")
        first = next(n for n in head.iter())
        assert first.tag == "meta" and first.attrs.get("charset") == "utf-8"
        csp = head.find("meta", http_equiv="Content-Security-Policy").attrs["content"]
        assert csp.startswith("default-src 'none';") and "unsafe" not in csp
        (script,) = doc.find_all("script")
        (style,) = doc.find_all("style")
        for node, directive in ((script, "script-src"), (style, "style-src")):
            digest = base64.b64encode(hashlib.sha256("".join(node.children).encode()).digest()).decode()
            assert f"{directive} 'sha256-{digest}'" in csp
        # Nothing to fetch: no external scripts, styles, images, frames or fonts.
        assert not doc.find_all("link") and not doc.find_all("img") and not doc.find_all("iframe")
        assert all("src" not in n.attrs for n in doc.iter())
        assert "url(" not in "".join(style.children).replace("url(#", "")


def test_model_pages_show_failures_and_judge_reasons(site) -> None:
    page = parse((site.out / "models" / "demo-gemma-3-4b.html").read_text(encoding="utf-8"))
    assert page.find("a", href="../index.html")
    errors = {
        tr.attrs["data-k-type"]: int(tr.attrs["data-k-count"])
        for tr in page.find("table", cls="errors").find_all("tr")
        if "data-k-type" in tr.attrs
    }
    details = next(
        d
        for p in site.leaderboard.pages
        if p.model == "demo-gemma-3-4b"
        for d in p.details
        if d.run.benchmark == "bfcl"
    )
    # Counts cover every failure; the list shows at most 30 examples of each error type.
    assert errors == dict(details.error_counts) and sum(errors.values()) == details.n_failed
    assert errors["value_error:string"] > 30
    failures = page.find("table", cls="failures").find_all("tr", pred=lambda n: "data-k-id" in n.attrs)
    shown = [tr.attrs["data-k-type"] for tr in failures]
    assert shown.count("value_error:string") == 30 and len(shown) == len(details.failures) < details.n_failed
    assert set(shown) == set(errors)
    assert "at most 30 of each error type" in page.find("h3", pred=lambda n: n.text().startswith("Failing")).text()
    first = failures[0].find_all("td")
    assert first[0].text().startswith("simple_python_")
    assert "Invalid value for parameter 'city'" in first[2].text()  # the matcher's reason
    assert "What is the weather" in first[3].text()  # the question
    assert "get_weather(city=" in first[4].text()  # the model output
    assert '"Paris"' in first[5].text()  # the expected answer
    assert "\ufffd" in first[2].text()  # the lone surrogate became a replacement character
    judged = page.find("table", cls="judged").find_all("tr", pred=lambda n: "data-k-id" in n.attrs)
    assert len(judged) == 40
    assert any("Answered" in tr.find_all("td")[4].text() for tr in judged)  # the judge's reason per sample


def test_model_pages_show_what_judging_cost(site) -> None:
    page = parse((site.out / "models" / "demo-gemma-3-4b.html").read_text(encoding="utf-8"))
    run = next(r for r in site.leaderboard.runs if r.model == "demo-gemma-3-4b" and r.benchmark == "toolgrad5k")
    s = run.summary
    terms = page.find_all("dt")
    cost = next(dt for dt in terms if dt.text() == "Judge cost")
    text = page.find_all("dd")[terms.index(cost)].text()
    assert f"{s['prompt_tokens']:,} prompt + {s['completion_tokens']:,} completion tokens" in text
    assert f"${s['cost_usd']:.4f}" in text and f"{s['judge_requests']} requests this run" in text
    assert s["cost_usd"] > 0 and s["prompt_tokens"] > 999  # the thousands separator is exercised


def test_markdown_and_csv_carry_the_same_numbers(site) -> None:
    md = (site.out / "leaderboard.md").read_text(encoding="utf-8")
    assert "| Gemma-3 4B " in md and "61.12" in md and "93.75 ⚠1" in md and "(synthetic)" in md
    rows = list(csv.DictReader(io.StringIO((site.out / "bfcl.csv").read_text(encoding="utf-8"))))
    reported = next(r for r in rows if r["model"] == "Gemma-3 4B" and r["row"] == "reported")
    assert float(reported["non_live_overall"]) == 61.12 and float(reported["relevance"]) == 100.0
    repro = next(r for r in rows if r["name"] == "demo-toolgrad-4b")
    run = next(r for r in site.leaderboard.runs if r.model == "demo-toolgrad-4b" and r.benchmark == "bfcl")
    assert float(repro["live_overall"]) == pytest.approx(run.values["live_overall"])
    assert repro["synthetic"] == "True" and float(repro["live_overall_ci_low"]) < float(repro["live_overall"])
    deltas = list(csv.DictReader(io.StringIO((site.out / "deltas.csv").read_text(encoding="utf-8"))))
    assert {d["benchmark"] for d in deltas} == {"bfcl", "toolgrad5k"}
    assert any(d["qor_p"] for d in deltas)


def test_hostile_model_names(run_factory, tmp_path: Path) -> None:
    evil = "=cmd|' /C calc'!A0 <script>window.__xss=3</script>"
    run_factory("toolgrad5k", evil)
    site = publish([run_factory.root], tmp_path / "out")
    html = site.index.read_text(encoding="utf-8")
    assert "<script>window.__xss=3" not in html
    (page,) = site.leaderboard.pages
    assert page.path.startswith("models/") and "/" not in page.path[len("models/") :]
    assert (site.out / page.path).is_file()
    md = (site.out / "leaderboard.md").read_text(encoding="utf-8")
    assert "<script>" not in md and "\\|" in md
    rows = list(csv.DictReader(io.StringIO((site.out / "toolgrad5k.csv").read_text(encoding="utf-8"))))
    assert next(r for r in rows if r["row"] == "reproduced")["name"].startswith("'=")


def test_output_is_complete_small_and_replaces_stale_pages(demo_runs: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    (out / "models").mkdir(parents=True)
    (out / "models" / "old-model.html").write_text(
        '<!DOCTYPE html><meta name="generator" content="toolgrad-eval 0.0.1">'
    )
    (out / "models" / "mine.html").write_text("<p>the user's own page</p>")
    (out / "notes.txt").write_text("the user's own file")
    site = publish([demo_runs], out)
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert names == sorted(
        [
            "bfcl.csv",
            "deltas.csv",
            "index.html",
            "leaderboard.md",
            "models/mine.html",
            "notes.txt",
            "toolbench.csv",
            "toolgrad5k.csv",
            *(
                f"models/{m}.html"
                for m in ("demo-gemma-3-12b", "demo-gemma-3-4b", "demo-toolgrad-12b", "demo-toolgrad-4b")
            ),
            # a per-sample diff page for each configured base -> fine-tune pair, on each benchmark
            *(
                f"diffs/demo-gemma-3-{s}--demo-toolgrad-{s}-{b}.html"
                for s in ("4b", "12b")
                for b in ("bfclv4", "toolgrad5k")
            ),
        ]
    )
    assert site.size_bytes == sum((out / n).stat().st_size for n in names if n not in ("notes.txt", "models/mine.html"))
    assert site.size_bytes < 1_000_000


def test_relative_score_files_and_missing_per_sample(run_factory, tmp_path: Path) -> None:
    run_factory("bfcl", "demo-gemma-3-4b", relative_score_files=True)
    run_factory("bfcl", "demo-toolgrad-4b", per_sample=False)
    site = publish([run_factory.root], tmp_path / "out")
    doc = _index(site)
    groups = _groups(doc, "table-bfcl")
    with_ci = _cells(groups["gemma-3-4b"].find("tr", cls="reproduced"))
    without_ci = _cells(groups["toolgrad-4b"].find("tr", cls="reproduced"))
    assert with_ci["non_live_overall"].find_all("span", cls="ci")
    assert not without_ci["non_live_overall"].find_all("span", cls="ci")
    page = parse((site.out / "models" / "demo-gemma-3-4b.html").read_text(encoding="utf-8"))
    assert page.find("table", cls="failures").find_all("tr", pred=lambda n: "data-k-id" in n.attrs)
    assert any("no per_sample.jsonl" in str(m) for m in site.leaderboard.messages)


def test_skipped_files_are_named_without_the_authors_file_system(run_factory, tmp_path: Path, monkeypatch) -> None:
    run_factory("bfcl", "demo-gemma-3-4b")
    stray = run_factory.root / "someone-elses" / "summary.json"
    stray.parent.mkdir(parents=True)
    stray.write_text('{"schema": "not ours"}', encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the runs folder is given as an absolute path outside the current folder
    site = publish([run_factory.root.resolve()], tmp_path / "out")
    [message] = [m for m in site.leaderboard.messages if "not a toolgrad-eval run record" in str(m)]
    assert str(stray.resolve()) in str(message)  # the terminal names the file as found
    html = (site.out / "index.html").read_text(encoding="utf-8")
    assert "not a toolgrad-eval run record" in html and "someone-elses/summary.json" in html
    assert str(tmp_path.resolve()) not in html  # the page does not


def test_markdown_link_syntax_in_a_model_name_stays_text(run_factory, tmp_path: Path) -> None:
    run_factory("toolgrad5k", "[click me](javascript:alert(1)) ![img](http://x/y.png) `code` *bold*")
    site = publish([run_factory.root], tmp_path / "out")
    md = (site.out / "leaderboard.md").read_text(encoding="utf-8")
    assert "](javascript:" not in md and "](http://x" not in md and "`code`" not in md and "*bold*" not in md
    assert "\\[click me\\]\\(javascript:alert\\(1\\)\\)" in md


def test_a_run_that_sent_no_request_says_it_cost_nothing(tmp_path: Path) -> None:
    from toolgrad_eval.demo import run_demo

    result = run_demo(tmp_path / "runs", tmp_path / "site", cache_dir=tmp_path / "cache", echo=lambda _line: None)
    assert all(summary["judge_requests"] == 0 for summary in result.toolgrad5k.values())  # stored verdicts only
    pages = [p.read_text(encoding="utf-8") for p in (tmp_path / "site" / "models").glob("*.html")]
    judged = [page for page in pages if "Judge cost" in page]
    assert len(judged) == 4 and all("no cost this run (no request was sent)" in page for page in judged)
    assert not any("USD unknown" in page for page in judged)
