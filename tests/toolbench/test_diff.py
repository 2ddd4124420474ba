"""``toolgrad-eval diff`` on two ToolBench runs: per-query flips, McNemar, the SoPR and SoWR changes,
``--json``, a ``--fail-on-regression`` that fails, and the report's diff page (issue 23.6)."""

from __future__ import annotations

import json

from toolbench.builders import entry, run, write_layout
from toolgrad_eval.cli.main import main
from toolgrad_eval.report import publish

IDS = [str(i) for i in range(12)]


def _runs(tmp_path) -> None:
    good = {q: entry(f"q{q}", [("search", "{}", "ok")], f"answer {q} PREFER_ME") for q in IDS}
    bad = {
        q: entry(f"q{q}", [("search", "{}", "ok")], f"answer {q}" + (" STATUS=Unsolved" if int(q) < 10 else ""))
        for q in IDS
    }
    ref = {q: entry(f"q{q}", [("search", "{}", "ok")], f"reference {q}") for q in IDS}
    data = write_layout(
        tmp_path / "tb", {"good": {"G1_tool": good}, "bad": {"G1_tool": bad}, "ref": {"G1_tool": ref}}, {"G1_tool": IDS}
    )
    assert run(data, "good", "--reference_model", "ref", "--judge-samples", "1", out="runs/a")[0] == 0
    assert run(data, "bad", "--reference_model", "ref", "--judge-samples", "1", out="runs/b")[0] == 0


def test_diff_compares_toolbench_runs_and_fails_on_a_regression(toolbench_judge, tmp_path, capsys):
    _runs(tmp_path)
    capsys.readouterr()
    assert main(["diff", "runs/a", "runs/b", "--json", "--fail-on-regression"]) == 1
    payload = json.loads(capsys.readouterr().out)
    d = payload["diffs"][0]
    assert d["benchmark"] == "toolbench" and d["n_paired"] == 12
    assert d["n_solved_to_unsolved"] == 10 and d["n_unsolved_to_solved"] == 0
    assert d["solved_to_unsolved"] == [f"G1_tool/{q}" for q in sorted(IDS[:10])]
    assert d["mcnemar"]["p_value"] < 0.01
    assert d["sopr"]["mean_a"] == 100.0 and abs(d["sopr"]["mean_b"] - 100 * 2 / 12) < 1e-9
    # against the same reference: good won every query (PREFER_ME, or on status); bad lost the ten it failed
    assert d["reference"] == "ref" and d["sowr"]["mean_a"] == 100.0 and d["preference_changes"]["win->loss"] == 10
    assert any(line.startswith("ToolBench SoPR: 10 solved->unsolved") for line in payload["regressions"])
    # the other way round B is better: nothing to fail on
    assert main(["diff", "runs/b", "runs/a", "--fail-on-regression"]) == 0
    text = capsys.readouterr().out
    assert "Solved->unsolved 0, unsolved->solved 10" in text and "SoPR" in text


def test_report_diff_page_shows_the_toolbench_flips(toolbench_judge, tmp_path):
    _runs(tmp_path)
    site = publish([tmp_path / "runs"], tmp_path / "site", diffs=[("good", "bad")])
    pages = list((site.out / "diffs").glob("*.html"))
    assert len(pages) == 1
    html = pages[0].read_text(encoding="utf-8")
    assert 'id="diff-toolbench"' in html and "Solved&rarr;unsolved 10, unsolved&rarr;solved 0" in html
