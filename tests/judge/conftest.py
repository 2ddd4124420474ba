"""Fixtures for judge tests: a fake endpoint, small datasets, and the main command."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from support.fake_openai import FakeOpenAI
from support.fake_protocol import Answer, error_body
from toolgrad5k.builders import KEY, DatasetBuilder, call, read_rows, run_main

rows = read_rows  # re-exported for the judge tests

CHAT = "/v1/chat/completions"


class MeteredFake(FakeOpenAI):
    """FakeOpenAI that tracks chat requests in flight and, with ``cap``, answers 429 above it
    (an account at its concurrency/rate limit)."""

    def __init__(self, *, cap: int | None = None, cap_retry_after: float = 0.05, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cap, self.cap_retry_after = cap, cap_retry_after
        self.in_flight = self.max_in_flight = self.rejected = 0
        self._meter = threading.Lock()

    def _chat(self, body: Any, arrived: float) -> dict:
        with self._meter:
            if self.cap is not None and self.in_flight >= self.cap:
                self.rejected += 1
                raise Answer(
                    429, error_body(429, "rate limited (fake cap)"), {"retry-after": f"{self.cap_retry_after:g}"}
                )
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return super()._chat(body, arrived)
        finally:
            with self._meter:
                self.in_flight -= 1


@pytest.fixture
def env(judge_env):
    """The fake endpoint in the environment, cwd in tmp_path (tests/conftest.py)."""
    return judge_env


def expensive_prices(folder: Path) -> Path:
    """A price file making gpt-4.1 cost $1,000 per 1M tokens: a few requests reach a small budget."""
    path = folder / "prices.json"
    path.write_text(
        json.dumps({"source": "test", "retrieved": "today", "models": {"gpt-4.1": {"input": 1000, "output": 1000}}})
    )
    return path


def two_model_dataset(root: Path, n: int, *, score: int = 50) -> Path:
    """n samples answered by both m1 and m2 (for --compare_model)."""
    b = DatasetBuilder(root)
    for i in range(n):
        sid = f"s{i:04d}"
        b.sample(sid, {"a": {}}, query=f"question {i} FAKE_SCORE={score}")
        for model in ("m1", "m2"):
            b.prediction(model, sid, {"intermediate_steps": [call("a")], KEY: f"answer {model} {i}"})
    return b.finish()


def dataset(root: Path, n: int, *, model: str = "m1", score: int | None = None, prefix: str = "s") -> Path:
    """n judgeable samples; FAKE_SCORE in the query fixes the fake judge's score when given."""
    b = DatasetBuilder(root)
    for i in range(n):
        sid = f"{prefix}{i:04d}"
        marker = f" FAKE_SCORE={score}" if score is not None else ""
        b.sample(sid, {"a": {}}, query=f"question {i}{marker}")
        b.prediction(model, sid, {"intermediate_steps": [call("a")], KEY: f"answer {i}"})
    return b.finish()


def run(data: Path, *args: str, model: str = "m1", out: str = "out", cache: str = "cache") -> tuple[int, dict]:
    try:
        return run_main(data, *args, model=model, out=out, cache=cache)
    except SystemExit as exc:  # partial results (budget reached) exit with status 3
        path = Path(out) / "summary.json"
        return exc.code, json.loads(path.read_text()) if path.exists() else {}
