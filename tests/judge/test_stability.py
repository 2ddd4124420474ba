"""--judge-samples K: K judgments per sample (seeds), cached per (key, k), spread reported."""

from __future__ import annotations

import statistics

import pytest

from judge.conftest import CHAT, dataset, rows, run


def seeded_score(request: dict) -> int:
    return 50 + 10 * int(request.get("seed") or 0)  # k=0 -> 50, k=1 -> 60, k=2 -> 70


def test_k_judgments_mean_spread_and_cache(env, tmp_path):
    env.score_fn = seeded_score
    data = dataset(tmp_path / "ds", 4)
    code, s = run(data, "--judge-samples", "3", "--judge-temperature", "0.7", "--num_process", "4")
    assert code == 0 and env.count(CHAT) == 12
    bodies = [r["json"] for r in env.requests if r["path"] == CHAT]
    assert sorted(b.get("seed") for b in bodies if "seed" in b) == [1] * 4 + [2] * 4
    assert all(b["temperature"] == 0.7 for b in bodies)
    row = rows()["s0000"]
    assert row["qor_samples"] == [50, 60, 70] and row["qor"] == 60
    assert row["qor_std"] == pytest.approx(statistics.stdev([50, 60, 70])) and row["qor_spread"] == 20
    assert s["qor"] == 60 and s["judge_samples"] == 3 and s["judge_temperature"] == 0.7
    assert s["qor_judge_std_mean"] == pytest.approx(10.0) and s["qor_judge_spread_mean"] == 20
    code, again = run(data, "--judge-samples", "3", "--judge-temperature", "0.7")
    assert again["judge_requests"] == 0 and again["cache_hits"] == 12 and again["qor"] == 60
    code, five = run(data, "--judge-samples", "5", "--judge-temperature", "0.7")
    assert five["judge_requests"] == 8  # only k = 3, 4 are new
    code, one = run(data, "--judge-temperature", "0.7")
    assert one["judge_requests"] == 0 and one["qor"] == 50  # K=1 is the k=0 judgment
    code, other_t = run(data)
    assert other_t["judge_requests"] == 4  # the temperature is part of the cache key


def test_a_missing_judgment_makes_the_sample_a_judge_error(env, tmp_path):
    env.score_fn = lambda request: {"bad": 1} if request.get("seed") == 1 else 80
    code, s = run(dataset(tmp_path / "ds", 2), "--judge-samples", "2")
    assert code == 4 and s["n_judge_errors"] == 2 and s["n_qor"] == 0 and s["qor"] is None
