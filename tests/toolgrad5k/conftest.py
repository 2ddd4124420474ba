"""Fixtures for ToolGrad-5k tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolgrad5k.builders import DatasetBuilder


@pytest.fixture
def builder(tmp_path: Path) -> DatasetBuilder:
    return DatasetBuilder(tmp_path / "ToolGrad-5k")
