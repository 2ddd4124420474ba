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
