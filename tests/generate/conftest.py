"""Fixtures for the generate tests: BFCL data whose questions the fake model tells apart."""

from __future__ import annotations

from pathlib import Path

import pytest
from generate.questions import DEMO_DATA, unique_questions


@pytest.fixture
def bfcl_data(tmp_path: Path) -> Path:
    return unique_questions(DEMO_DATA, tmp_path / "data")


@pytest.fixture
def model_env(monkeypatch, tmp_path):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-generate-0123456789")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path
