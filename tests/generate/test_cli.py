"""The ``generate`` and ``run`` commands: one command from a served model to a published report."""

from __future__ import annotations

import io
import json

from support.fake_model import FakeModel, planned_accuracy
from toolgrad_eval.cli.main import main
from toolgrad_eval.generate.progress import Progress, progress_for


def test_run_generates_scores_and_publishes(model_env, bfcl_data, capsys):
    with FakeModel(bfcl_data, every=3) as server:
        code = main(
            [
                "run",
                "--model",
                "org/tiny",
                "--dataset",
                "run",
                "--base-url",
                server.base_url,
                "--bfcl-data",
                str(bfcl_data),
                "--categories",
                "simple_python,irrelevance,live_simple",
                "--report",
                "site",
            ]
        )
    out = capsys.readouterr().out
    assert code == 0, out
    summary = json.loads((model_env / "toolgrad-eval-out" / "bfcl" / "org_tiny" / "summary.json").read_text())
    for category in ("simple_python", "irrelevance", "live_simple"):
        assert summary["categories"][category]["correct_count"] == planned_accuracy(bfcl_data, category, 3)[0]
    assert summary["generation"]["model"] == "org/tiny" and summary["generation"]["mode"] == "fc"
    index = (model_env / "site" / "index.html").read_text()
    assert "org_tiny" in index
    assert "Sent 20 entries" in out and "Report: site/index.html" in out


def test_generate_again_sends_nothing_and_says_so(model_env, bfcl_data, capsys):
    with FakeModel(bfcl_data) as server:
        args = [
            "generate",
            "--model",
            "m",
            "--dataset",
            "run",
            "--base-url",
            server.base_url,
            "--bfcl-data",
            str(bfcl_data),
            "--categories",
            "live",
        ]
        assert main(args) == 0
        first = server.count()
        assert main(args) == 0
        assert server.count() == first
    assert "0 entries to send, 30 already in" in capsys.readouterr().out


def test_bad_options_are_one_line(model_env, bfcl_data, capsys):
    assert (
        main(
            [
                "generate",
                "--model",
                "m",
                "--dataset",
                "run",
                "--categories",
                "web_search",
                "--bfcl-data",
                str(bfcl_data),
                "--base-url",
                "http://127.0.0.1:9/v1",
            ]
        )
        == 2
    )
    assert main(["generate", "--model", "..", "--dataset", "run", "--bfcl-data", str(bfcl_data)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "not a BFCL category toolgrad-eval generates" in err[0] and "--model '..'" in err[1]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_rate_and_eta_on_a_terminal_only():
    assert progress_for("x", io.StringIO()) is None  # logs and CI output get no bar
    stream = _Terminal()
    bar = progress_for("Generating m", stream)
    assert isinstance(bar, Progress)
    bar.interval = 0.0
    bar(5, 10)
    bar(10, 10)
    text = stream.getvalue()
    assert "Generating m  5/10" in text and "/s  ETA " in text and text.endswith("\n")


def test_the_progress_line_counts_errors_apart_from_done(model_env, bfcl_data):
    """Entries that failed are not done: the line shows them as errors, and ends when done + errors
    reach the total (a run against a server answering errors counts none as done)."""
    from support.fake_openai import Reply
    from toolgrad_eval.generate.runner import GenerateOptions, generate
    from toolgrad_eval.generate.sender import SendSettings

    calls: list[tuple[int, int, int]] = []
    with FakeModel(bfcl_data, every=0) as server:
        server.script([Reply.status(400, message="too long")] * 3)
        summary = generate(
            GenerateOptions(
                model="m",
                dataset=model_env / "run",
                categories=("simple_python",),
                base_urls=(server.base_url,),
                bfcl_data=bfcl_data,
                num_process=1,
                send=SendSettings(backoff_base=0.01),
            ),
            echo=lambda *_: None,
            on_progress=lambda *counts: calls.append(counts),
        )
    assert summary["errors"] == 3 and calls[-1] == (5, 8, 3)
    stream = io.StringIO()
    bar = Progress("Generating m", stream, interval=0.0)
    bar(5, 8, 3)
    assert "Generating m  5/8, 3 errors" in stream.getvalue() and stream.getvalue().endswith("\n")
