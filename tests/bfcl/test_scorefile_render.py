"""Score-file text when several runs share the questions (bfcl/many.py): each prompt is encoded once
per process and spliced into its lines; the text must be exactly what the general writer writes."""

from __future__ import annotations

import json
import sys

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


def test_the_fast_size_check_agrees_with_decoded_size() -> None:
    """shown() asks _plain_fits first; wherever it answers, decoded_size must answer the same."""
    import random

    from toolgrad_eval.bfcl.decode.shapes import decoded_size

    rng = random.Random(7)
    shared = ["x" * 5, [1, 2]]

    def value(depth: int = 0) -> object:
        pick = rng.random()
        if depth > 4 or pick < 0.35:
            return rng.choice([None, True, 3, 2.5, "", "abc" * rng.randint(0, 9), shared, (1, 2), b"by"])
        if pick < 0.7:
            return [value(depth + 1) for _ in range(rng.randint(0, 5))]
        return {rng.choice(["k", "key", 1, "x" * 7]): value(depth + 1) for _ in range(rng.randint(0, 4))}

    chain: list[object] = []
    for _ in range(1001):
        chain = [chain]
    cases = [value() for _ in range(4000)] + [chain, [chain], [0] * 10**6, [[shared] * 50] * 50, {"a": shared}]
    answered = 0
    recursion = sys.getrecursionlimit()
    sys.setrecursionlimit(10_000)  # decoded_size recurses: the 1001-deep chain needs more frames than pytest leaves
    try:
        for case in cases:
            for limit in (0, 3, 10, 40, 200):
                fits = scorefile._plain_fits(case, limit)
                if fits is not None:
                    answered += 1
                    assert fits == (decoded_size(case, limit) <= limit), (case, limit)
    finally:
        sys.setrecursionlimit(recursion)
    assert answered > 10_000  # it does answer most
    assert scorefile._plain_fits(chain, 10**6) is None  # deeper than decoded_size follows: its answer
