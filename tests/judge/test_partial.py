"""A run whose judge mostly failed is not a result (issue 24): through the real command against a
real server on 127.0.0.1 that answers prose or the wrong schema, the command exits non-zero, the
terminal table and summary.json say ``partial: n of N judged``, and the first error is printed
once, while the run goes on."""

from __future__ import annotations

import json
import re
from pathlib import Path

from judge.conftest import CHAT, dataset, expensive_prices, run
from judge.test_process_exit import command
from support.fake_openai import Reply
from toolgrad5k.builders import KEY, DatasetBuilder, call

PROSE = "The assistant did well overall; I would give it about 80 out of 100."


def _replies(text: str, samples: int) -> list[Reply]:
    """Every request of ``samples`` samples answered with ``text`` (a reply failing validation is
    asked twice more before the sample is a judge error)."""
    return [Reply.content(text)] * (3 * samples)


def test_a_judge_answering_prose_makes_a_partial_run_that_exits_4(env, tmp_path, capsys):
    data = dataset(tmp_path / "ds", 10, score=70)
    env.script(_replies(PROSE, 8))  # one worker: the first eight samples get prose, the last two a verdict
    code, s = run(data, "--num_process", "1")
    printed = capsys.readouterr()
    assert code == 4
    assert s["partial"] is True and s["n_judged"] == 2 and s["n_needing_judgment"] == 10
    assert s["n_judge_errors"] == 8 and s["n_qor"] == 2 and s["qor"] == 70
    assert "8 judge errors" in s["partial_reason"] and s["max_judge_errors"] == 0.05
    table = [line for line in printed.out.splitlines() if line.startswith("| m1 ")]
    assert len(table) == 1 and "partial: 2 of 10 judged" in table[0]
    assert printed.err.count("invalid judge reply: not JSON") == 1  # the first error, once, not eight times
    assert "Partial result for m1 (partial: 2 of 10 judged)" in printed.err
    assert env.count(CHAT) == 8 * 3 + 2  # the run went on: every sample was asked


def test_a_judge_answering_the_wrong_schema_is_shown_once_and_partial(env, tmp_path, capsys):
    data = dataset(tmp_path / "ds", 6, score=70)
    env.script(_replies(json.dumps({"score": 80, "verdict": "good"}), 5))
    code, s = run(data, "--num_process", "1")  # in order: five samples get the wrong schema
    printed = capsys.readouterr()
    assert code == 4 and s["partial"] is True and s["n_judged"] == 1 and s["n_judge_errors"] == 5
    wrong = "invalid judge reply: missing num_requests, reason, response_scores, final_score"
    assert printed.err.count(wrong) == 1
    assert "partial: 1 of 6 judged" in printed.out


def test_few_judge_errors_below_the_threshold_are_a_result_with_its_n(env, tmp_path, capsys):
    data = dataset(tmp_path / "ds", 25, score=70)
    env.script(_replies(PROSE, 1))  # 1 of 25 = 4%: below the default 5%
    code, s = run(data, "--num_process", "1")
    printed = capsys.readouterr()
    assert code == 0 and s["partial"] is False and s["partial_reason"] is None
    assert s["n_judged"] == 24 and s["n_needing_judgment"] == 25
    assert "| 24 of 25 judged" in printed.out and "partial" not in printed.out
    assert printed.err.count("invalid judge reply: not JSON") == 1  # still shown: an error is never silent
    env.script(_replies(PROSE, 1))
    code, s = run(data, "--num_process", "1", "--max-judge-errors", "0", "--overwrite")
    assert code == 4 and s["partial"] is True and s["max_judge_errors"] == 0  # the threshold is an option


def test_a_max_cost_stop_is_partial_in_the_table_and_the_record(env, tmp_path, capsys):
    prices = expensive_prices(tmp_path)
    data = dataset(tmp_path / "ds", 12, score=70)
    _, probe = run(data, "--prices", str(prices), "--cache-dir", "probe-cache", out="probe")
    budget = probe["cost_usd"] / 12 * 4.5
    capsys.readouterr()
    code, s = run(data, "--prices", str(prices), "--max-cost", f"{budget:.6f}", "--num_process", "1")
    printed = capsys.readouterr()
    judged = s["n_qor"]
    assert code == 3 and s["budget_reached"] is True and 1 <= judged < 12
    assert s["partial"] is True and s["n_judged"] == judged and s["n_needing_judgment"] == 12
    assert f"{12 - judged} not judged (--max-cost)" in s["partial_reason"]
    assert f"partial: {judged} of 12 judged" in printed.out
    assert "judge error on" not in printed.err  # a budget stop is not a judge error


def test_the_process_exits_4_and_prints_the_first_error_once(env, tmp_path):
    data = dataset(tmp_path / "ds", 4, score=70)
    env.script(_replies(PROSE, 4))
    done = command(data, "--num_process", "2")
    assert done.returncode == 4, done.stderr
    assert done.stderr.count("invalid judge reply: not JSON") == 1
    assert "partial: 0 of 4 judged" in done.stdout
    summary = json.loads(Path("out/summary.json").read_text())
    assert summary["partial"] is True and summary["qor"] is None and summary["n_judged"] == 0


def test_the_report_marks_a_partial_cell(env, tmp_path):
    from toolgrad_eval.cli.main import main

    builder = DatasetBuilder(tmp_path / "ds")
    for i, score in enumerate([70] * 8 + [20, 40]):  # the two judged samples differ: their CI has a width
        builder.sample(f"s{i}", {"a": {}}, query=f"question {i} FAKE_SCORE={score}")
        builder.prediction("m1", f"s{i}", {"intermediate_steps": [call("a")], KEY: f"answer {i}"})
    data = builder.finish()
    env.script(_replies(PROSE, 8))
    assert run(data, "--num_process", "1", out="runs/partial")[0] == 4
    assert run(data, "--num_process", "1", model="m1", out="runs/full", cache="cache2")[0] == 0  # complete
    assert main(["report", "--runs", "runs/partial", "--out", "site", "--match", "m1=toolgrad-1b"]) == 0
    page = Path("site/index.html").read_text(encoding="utf-8")
    cells = re.findall(r'<td class="num[^"]*" data-col="(\w+)">(.*?)</td>', page, re.S)
    marked = [(column, html) for column, html in cells if "badge warn partial" in html]
    # the run's QoR and its difference from the reported one; not its Recall, nor any reported value
    assert [column for column, _ in marked] == ["qor", "qor"]
    assert '<span class="v">30.00</span>' in marked[0][1] and ">partial: 2 of 10 judged<" in marked[0][1]
    assert "outside" not in marked[1][1]  # the reported 93.7 is outside [20, 40], but a partial value is no finding
    model_pages = list(Path("site/models").glob("*.html"))
    assert any("partial: 2 of 10 judged" in p.read_text(encoding="utf-8") for p in model_pages)
    assert main(["report", "--runs", "runs/full", "--out", "site-full"]) == 0
    assert "badge warn partial" not in Path("site-full/index.html").read_text(encoding="utf-8")


def test_the_progress_callback_counts_judge_errors(env, tmp_path):
    from toolgrad_eval.judge.session import JudgeConfig
    from toolgrad_eval.toolgrad5k.run import Toolgrad5kConfig, run_toolgrad5k

    data = dataset(tmp_path / "ds", 5, score=70)
    env.script(_replies(PROSE, 3))
    seen: list[tuple[int, int, int]] = []
    shown: list[str] = []
    config = Toolgrad5kConfig(
        dataset=data, model="m1", output=tmp_path / "out", judge=JudgeConfig(cache_dir=tmp_path / "cache")
    )
    record = run_toolgrad5k(config, notify=shown.append, progress=lambda model: lambda *step: seen.append(step))
    assert seen == [(1, 5, 1), (2, 5, 2), (3, 5, 3), (4, 5, 3), (5, 5, 3)]  # one worker: in order
    assert record.exit_status == 4 and record.summary["partial"] is True
    assert [line for line in shown if line.startswith("judge error on s0000: invalid judge reply")] == shown


def test_a_toolbench_judge_with_the_wrong_answer_status_is_partial_and_shown_once(env, tmp_path, capsys):
    from toolbench.builders import DFS, TEST_SET, real_layout, run as run_toolbench

    env.score_fn = lambda request: {"reason": "r", "answer_status": "Maybe"}
    code, s = run_toolbench(real_layout(tmp_path / "tb"), DFS, "--judge-samples", "1")
    err = capsys.readouterr().err
    assert code == 4 and s["partial"] is True and s["n_judged"] == 0 and s["sopr"][TEST_SET] is None
    assert err.count("answer_status is not one of Solved, Unsolved, Unsure") == 1  # three samples, shown once
    assert f"Partial result for {DFS} (partial: 0 of 3 judged)" in err
