"""Hostile multi-turn outputs: nothing is evaluated, every entry's work is bounded, the run goes on.

Huge arithmetic (``power(10, 10**9)``, ``logarithm(precision=10**7)``) would run for minutes and
take gigabytes in the simulators: the entry becomes a ``toolgrad:execution_bounded`` failure and
the entries after it are still checked. Private, dunder, dotted and builtin names are refused,
never called. The bounds are checked as counts (which entries were stopped), not as timings.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from bfcl import oracle
from toolgrad_eval.bfcl.data import BfclData
from toolgrad_eval.bfcl.multi_turn.bounded import BOUNDED, run_bounded
from toolgrad_eval.bfcl.multi_turn.checker import check_entry
from toolgrad_eval.bfcl.multi_turn.execute import Side
from toolgrad_eval.bfcl.multi_turn.simulators import load_classes, simulator_dir

MATH_ENTRY = "multi_turn_base_15"  # GorillaFileSystem + MathAPI


@pytest.fixture(scope="module")
def setup() -> tuple[dict[str, type], Any]:
    data = BfclData(oracle.or_skip(lambda: oracle.data_dir("v4")), "v4", "test")
    entry = next(e for e in data.entries("multi_turn_base") if e.id == MATH_ENTRY)
    return load_classes(simulator_dir(data.root, "v4")), entry


def _side(classes: dict[str, type], entry: Any) -> Side:
    q = entry.question
    return Side.create(
        classes,
        q["involved_classes"],
        q["initial_config"],
        long_context=False,
        model="m",
        entry_id=q["id"],
        version="v4",
    )


def test_refused_names_are_never_called(setup: tuple[dict[str, type], Any], tmp_path: Path) -> None:
    classes, entry = setup
    side = _side(classes, entry)
    marker = tmp_path / "ran"
    results = side.execute(
        [
            f"__import__(name='os').system(command='touch {marker}')",
            f"open(file='{marker}', mode='w')",
            "m_eval_multi_turn_base_15_GorillaFileSystem_instance._load_scenario(scenario={})",
            "m_eval_multi_turn_base_15_GorillaFileSystem_instance.__class__()",
            "GorillaFileSystem.ls(a=True)",
            "json.dumps(obj=1)",
            "ls(a=[" * 150 + "]" * 150 + ")",
            "add(a=1, b=2)",
        ]
    )
    assert not marker.exists()
    assert results[0].startswith("Error during execution: toolgrad-eval does not run")
    assert results[1].startswith("Error during execution: toolgrad-eval does not run")
    assert "private attribute '_load_scenario'" in results[2]
    assert "private attribute '__class__'" in results[3]
    assert results[4] == "Error during execution: name 'GorillaFileSystem' is not defined"
    assert results[5].startswith("Error during execution: toolgrad-eval does not run")
    assert results[6].startswith("Error during execution: ")
    assert results[7] == '{"result": 3}'


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the bounds need fork")
@pytest.mark.parametrize("workers", [1, 2])
def test_huge_arithmetic_is_bounded_and_the_run_goes_on(setup: tuple[dict[str, type], Any], workers: int) -> None:
    classes, entry = setup
    turns = len(entry.answer)
    honest = [[[c] for c in turn] for turn in entry.answer]

    def with_first(call: str) -> list[list[list[str]]]:
        return [[[call]], *honest[1:]] if turns > 1 else [[[call]]]

    jobs = [
        with_first("power(base=10, exponent=1000000000)"),
        honest,
        with_first("logarithm(value=10, base=3, precision=10000000)"),
        honest,
    ]

    def check(decoded: list[list[list[str]]]) -> dict[str, Any]:
        return check_entry(classes, entry.question, decoded, entry.answer, model="m", version="v4")

    verdicts = run_bounded(jobs, check, workers=workers)  # with 2: one bounded entry in each child's chunk
    assert [v.get("error_type") for v in verdicts] == [BOUNDED, None, BOUNDED, None]
    assert verdicts[1]["valid"] and verdicts[3]["valid"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the bounds need fork")
def test_hostile_corpus_steps_are_failures_and_never_run_code(
    setup: tuple[dict[str, type], Any], tmp_path: Path
) -> None:
    from bfcl.hostile import hostile_multi_turn_steps
    from toolgrad_eval.bfcl.multi_turn.score import decode_turns

    classes, entry = setup
    marker = tmp_path / "ran"
    cases = hostile_multi_turn_steps(str(marker))
    honest = [[[c] for c in turn] for turn in entry.answer]
    jobs = [decode_turns([[case.step], *entry.answer[1:]], "openai-fc", "v4") for case in cases]
    jobs = [[turns[0], *honest[1:]] for turns in jobs] + [honest]

    def check(decoded: list[list[list[str]]]) -> dict[str, Any]:
        return check_entry(classes, entry.question, decoded, entry.answer, model="m", version="v4")

    verdicts = run_bounded(jobs, check, workers=2)
    assert not marker.exists()
    kinds = {case.name: v.get("error_type") for case, v in zip(cases, verdicts)}
    assert kinds["power-10-to-10e9"] == kinds["logarithm-precision-10e7"] == BOUNDED
    # Every other case ends as an ordinary verdict: the run went on, and the last entry still passes.
    assert sum(k == BOUNDED for k in kinds.values()) == 2, kinds
    assert verdicts[-1]["valid"]
