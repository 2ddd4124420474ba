"""The parser's warnings (an invalid escape in a string literal only warns) never reach the user,
whether one output is decoded alone or a whole category under one filter (scoring sets it once)."""

from __future__ import annotations

import warnings

import pytest

from toolgrad_eval.bfcl.decode import decode_python_calls
from toolgrad_eval.bfcl.decode.python_calls import parser_warnings_ignored

pytestmark = pytest.mark.compat  # which warning the parser gives changes between versions

OUTPUT = r"[search(pattern='\d+ items', path='C:\qux')]"


def _decoded_and_warnings(batch: bool) -> tuple[list, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if batch:
            with parser_warnings_ignored():
                decoded = [decode_python_calls(OUTPUT) for _ in range(3)]
        else:
            decoded = [decode_python_calls(OUTPUT)]
        after = len(caught)
        warnings.warn("after the batch", UserWarning, stacklevel=1)  # the filter the caller set is back
    assert [str(w.message) for w in caught[after:]] == ["after the batch"]
    return decoded, caught[:after]


@pytest.mark.parametrize("batch", [False, True], ids=["alone", "batch"])
def test_an_invalid_escape_decodes_without_a_warning(batch: bool) -> None:
    decoded, caught = _decoded_and_warnings(batch)
    assert decoded[0] == [{"search": {"pattern": "\\d+ items", "path": "C:\\qux"}}]
    assert caught == []


def test_the_parser_does_warn_about_this_output() -> None:
    """Without the filter the output warns: the test above tests something."""
    import ast

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ast.parse(OUTPUT, mode="eval")
    assert any(issubclass(w.category, (SyntaxWarning, DeprecationWarning)) for w in caught)
