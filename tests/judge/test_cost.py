"""Token usage, the price table, the run's USD, and the --max-cost budget stop."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from judge.conftest import CHAT, dataset, expensive_prices, rows, run
from support.fake_openai import FakeOpenAI
from toolgrad_eval.judge.prices import PriceFile, load_prices


def test_shipped_price_table_is_valid_dated_and_sourced():
    raw = resources.files("toolgrad_eval.judge").joinpath("prices.json").read_text()  # shipped in the wheel
    table = PriceFile.model_validate_json(raw)
    assert table.source.startswith("https://") and len(table.retrieved) == 10
    for name in ("gpt-4.1", "gpt-4.1-mini", "gpt-4o", "gpt-4o-mini"):
        price = table.models[name]
        assert 0 < price.input < price.output
        assert price.batch_input == pytest.approx(price.input / 2) and price.batch_output == pytest.approx(
            price.output / 2
        )
    prices = load_prices()
    assert prices.lookup("gpt-4.1-2025-04-14").input_per_m == 2.0  # dated snapshots priced as their family
    assert prices.lookup("openai/gpt-4.1-mini").output_per_m == 1.6
    assert prices.lookup("Qwen/Qwen2.5-72B-Instruct") is None


def test_summary_and_terminal_show_tokens_and_usd(env, tmp_path, capsys):
    data = dataset(tmp_path / "ds", 5)
    code, s = run(data)
    assert code == 0
    sent = [r["json"] for r in env.requests if r["path"] == CHAT]
    # the fake's usage: len(json(messages)) // 4 + 1 prompt tokens per request
    assert (
        s["prompt_tokens"]
        == sum(len(json.dumps(b["messages"])) // 4 + 1 for b in sent)
        == s["judge_tokens"]["prompt_tokens"]
    )
    expected = (s["prompt_tokens"] * 2.0 + s["completion_tokens"] * 8.0) / 1e6  # gpt-4.1
    assert s["cost_usd"] == pytest.approx(expected, abs=1e-6) and s["cost_usd"] > 0
    assert s["price"]["model"] == "gpt-4.1" and s["price"]["tier"] == "standard" and s["price"]["source"]
    out = capsys.readouterr().out
    assert f"{s['prompt_tokens']:,} prompt" in out and f"${s['cost_usd']:.4f}" in out
    per_sample = [r["judge_tokens"] for r in rows().values()]  # token usage per request, on each row
    assert sum(t["prompt_tokens"] for t in per_sample) == s["prompt_tokens"]
    assert sum(t["completion_tokens"] for t in per_sample) == s["completion_tokens"]
    code, again = run(data)
    assert again["cost_usd"] == 0 and again["prompt_tokens"] == 0
    assert all(r["judge_tokens"] is None and r["verdict_source"] == "cache" for r in rows().values())
    assert again["cost_saved_usd"] == pytest.approx(s["cost_usd"], abs=1e-6)


def test_user_price_file_overrides_and_unknown_models_show_tokens_only(env, tmp_path, capsys):
    prices = tmp_path / "prices.json"
    prices.write_text(
        json.dumps(
            {"source": "my contract", "retrieved": "2025-09-01", "models": {"my-judge": {"input": 1000, "output": 0}}}
        )
    )
    data = dataset(tmp_path / "ds", 2)
    code, s = run(data, "--judge", "my-judge", "--prices", str(prices))
    assert code == 0 and s["cost_usd"] == pytest.approx(s["prompt_tokens"] * 1000 / 1e6)
    assert s["price"]["source"] == "my contract"
    code, s = run(data, "--judge", "other-judge", out="out2")
    assert code == 0 and s["cost_usd"] is None and s["prompt_tokens"] > 0
    assert "cost unknown (no price for other-judge" in capsys.readouterr().out


def test_bad_price_file_is_one_line_naming_the_file(env, tmp_path, capsys):
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"source": "x", "retrieved": "y", "models": {"m": {"input": -1, "output": 1}}}))
    code, _ = run(dataset(tmp_path / "ds", 1), "--prices", str(prices))
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and str(prices) in err[0] and "models.m.input" in err[0]


def test_max_cost_stops_new_requests_keeps_work_and_resumes(env, tmp_path, capsys):
    prices = expensive_prices(tmp_path)
    data = dataset(tmp_path / "ds", 30)
    _, probe = run(data, "--prices", str(prices), "--cache-dir", "probe-cache", out="probe")
    per_request = probe["cost_usd"] / 30
    budget = per_request * 10.5
    code, s = run(data, "--prices", str(prices), "--max-cost", f"{budget:.6f}", "--num_process", "3")
    assert code == 3  # partial result: documented non-zero exit
    judged = s["n_to_judge"] - s["n_not_judged"]
    assert 5 <= judged <= 10 and s["budget_reached"] is True
    assert s["cost_usd"] <= budget
    assert env.count(CHAT) == 30 + judged  # the probe's 30, then no request beyond the judged ones
    assert s["n_qor"] == judged and s["n_judge_errors"] == 0
    skipped = [r for r in rows().values() if r["not_judged"]]
    assert len(skipped) == 30 - judged and all(r["qor"] is None and "max-cost" in r["judge_error"] for r in skipped)
    assert f"judged {judged} of 30" in capsys.readouterr().err
    code, rest = run(data, "--prices", str(prices), "--max-cost", "1000000")
    assert code == 0 and rest["cache_hits"] == judged and rest["judge_requests"] == 30 - judged


def test_max_cost_without_a_price_is_refused(env, tmp_path, capsys):
    code, _ = run(dataset(tmp_path / "ds", 1), "--judge", "unpriced", "--max-cost", "1")
    assert code == 2 and "--prices" in capsys.readouterr().err and env.count(CHAT) == 0


class _NoUsage(FakeOpenAI):
    """A judge whose replies carry no ``usage`` (some self-hosted servers)."""

    def completion(self, body: dict, reply: Any = None) -> dict:
        answer = super().completion(body, reply)
        answer.pop("usage")
        return answer


def test_replies_without_usage_are_charged_at_their_estimate_and_the_budget_still_stops(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    prices = expensive_prices(tmp_path)
    with _NoUsage() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "k")
        data = dataset(tmp_path / "ds", 30)
        code, s = run(data, "--prices", str(prices), "--max-cost", "1.5", "--num_process", "2")
        assert code == 3 and s["budget_reached"] is True
        assert 1 <= s["judge_requests"] < 30 and server.count(CHAT) == s["judge_requests"]
        assert s["replies_without_usage"] == s["judge_requests"] and s["prompt_tokens"] == 0
        assert 0 < s["cost_usd"] <= 1.5
        assert f"an estimate for {s['judge_requests']} repl" in capsys.readouterr().out


@pytest.mark.parametrize(
    "option, value",
    [
        ("--max-cost", "nan"),
        ("--max-cost", "inf"),
        ("--timeout", "nan"),
        ("--judge-temperature", "nan"),
        ("--batch-poll-interval", "inf"),
    ],
)
def test_non_finite_numbers_are_refused(env, tmp_path, capsys, option, value):
    code, _ = run(dataset(tmp_path / "ds", 1), option, value)
    assert code == 2 and "is not a finite number" in capsys.readouterr().err and env.count() == 0


def test_infinite_price_is_refused_naming_the_file(env, tmp_path, capsys):
    prices = tmp_path / "prices.json"
    prices.write_text('{"source": "x", "retrieved": "y", "models": {"gpt-4.1": {"input": Infinity, "output": 1}}}')
    code, _ = run(dataset(tmp_path / "ds", 1), "--prices", str(prices))
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and str(prices) in err[0] and env.count() == 0
