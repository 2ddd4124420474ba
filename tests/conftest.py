"""Shared pytest fixtures. Keep each fixture small; add yours below."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.fake_openai import FakeOpenAI  # tests/ is on sys.path because this conftest lives there


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A started FakeOpenAI on 127.0.0.1 (see tests/support/fake_openai.py); stopped afterwards."""
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def judge_env(fake_openai, monkeypatch, tmp_path):
    """The fake endpoint in the SDK's environment (OPENAI_BASE_URL / OPENAI_API_KEY), cwd in tmp_path."""
    from toolgrad5k.builders import SECRET

    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.chdir(tmp_path)
    return fake_openai
