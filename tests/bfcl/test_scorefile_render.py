"""Score-file text when several runs share the questions (bfcl/many.py): each prompt is encoded once
per process and spliced into its lines; the text must be exactly what the general writer writes."""

from __future__ import annotations

import json

from toolgrad_eval.bfcl import scorefile

QUESTION = {
    "id": "simple_1",
    "question": [[{"role": "user", "content": "wie spät? 東京"}]],
    "function": [{"name": "f"}],
}
ODD_QUESTION = {"id": "simple_2", "question": "\ud83d lone surrogate"}


def _row(prompt: object, **more: object) -> dict[str, object]:
    base = {"id": "simple_1", "model_name": "m", "test_category": "simple", "valid": False, "error": ["e"]}
    return {**base, "error_type": "value_error:string", "prompt": prompt, "model_result_raw": "[f(a=1)]", **more}


def test_shared_prompts_write_the_same_text() -> None:
    head = scorefile.header(1, 3)
    failures = [
        _row(QUESTION),
        _row(QUESTION, model_result_raw="\\x00toolgrad-prompt-" + "0" * 32),  # looks like the placeholder
        _row(ODD_QUESTION),  # a lone surrogate: written with ASCII escapes
        _row(QUESTION, model_result_decoded=[{"f": {"a": float("nan")}}]),  # NaN: the general writer's way
        _row(QUESTION, model_result_decoded={1, 2}),  # not JSON: the general writer's way
        _row("a prompt that is text"),
    ]
    expected = scorefile.render(head, failures)
    assert scorefile.render(head, failures, shared_prompts=True) == expected
    assert scorefile.render(head, failures, shared_prompts=True) == expected  # now from the cache
    for line in expected.splitlines():
        json.loads(line)


def test_a_different_question_is_never_given_another_ones_text() -> None:
    first = scorefile.render(scorefile.header(0, 1), [_row(dict(QUESTION))], shared_prompts=True)
    other = {**QUESTION, "id": "simple_9"}
    second = scorefile.render(scorefile.header(0, 1), [_row(other)], shared_prompts=True)
    assert '"simple_9"' in second and '"simple_9"' not in first
    assert second == scorefile.render(scorefile.header(0, 1), [_row(other)])
