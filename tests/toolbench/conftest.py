"""Fixtures for ToolBench tests (helpers in builders.py)."""

from __future__ import annotations

from typing import Any

import pytest

from toolbench.builders import marker_judge


@pytest.fixture
def toolbench_judge(judge_env) -> Any:
    """The fake endpoint (tests/conftest.py) answering as ``marker_judge``; cwd is tmp_path."""
    judge_env.score_fn = marker_judge
    return judge_env
