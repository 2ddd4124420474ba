"""Fixtures shared by the BFCL tests: small builders for BFCL-shaped questions and answers."""

from __future__ import annotations

from typing import Any, Callable

import pytest

FunctionBuilder = Callable[..., dict[str, Any]]


def make_function(name: str, properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    """A BFCL function schema; ``properties`` maps names to a type name or a full schema dict."""
    props = {k: (v if isinstance(v, dict) else {"type": v, "description": ""}) for k, v in properties.items()}
    return {
        "name": name,
        "description": "",
        "parameters": {"type": "dict", "properties": props, "required": list(required or [])},
    }


def make_question(*functions: dict[str, Any], entry_id: str = "test_0") -> dict[str, Any]:
    """A BFCL question object holding ``functions``."""
    return {"id": entry_id, "question": [[{"role": "user", "content": "test"}]], "function": list(functions)}


@pytest.fixture
def function() -> FunctionBuilder:
    return make_function


@pytest.fixture
def question() -> Callable[..., dict[str, Any]]:
    return make_question
