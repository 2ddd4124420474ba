"""One multi-turn entry checked turn by turn, as BFCL's multi-turn checker does.

Per turn: the model's decoded steps run on the model's instances and the turn's ground truth on
separate ones, both kept across turns. A turn whose ground truth has calls needs at least one
decoded model step (else ``multi_turn:empty_turn_model_response``); then every involved instance
must hold the same public attributes on both sides (``multi_turn:instance_state_mismatch``), and
every ground-truth result of the turn must be among the model's results of all turns so far,
each matched once, in any order (``multi_turn:execution_response_mismatch``). A turn with an
empty ground truth is executed (so later state checks see what the model did) but not checked.
The error dicts carry the official messages and details, so score files read the same.
"""

from __future__ import annotations

import json
from typing import Any

from toolgrad_eval.bfcl.multi_turn.execute import Side, Version

__all__ = ["EMPTY_TURN", "RESPONSE_MISMATCH", "STATE_MISMATCH", "check_entry", "json_ready", "missing_results"]

EMPTY_TURN = "multi_turn:empty_turn_model_response"
STATE_MISMATCH = "multi_turn:instance_state_mismatch"
RESPONSE_MISMATCH = "multi_turn:execution_response_mismatch"


def check_entry(
    classes: dict[str, type],
    question: dict[str, Any],
    decoded: list[list[list[str]]],
    ground_truth: list[list[str]],
    *,
    model: str,
    version: Version,
) -> dict[str, Any]:
    """``{"valid": True}`` or the official failure dict (``valid``, ``error_message``, ``error_type``...).

    ``decoded`` holds, per turn, the model's non-empty decoded steps (lists of call strings)."""
    entry_id = question["id"]
    category = entry_id.rsplit("_", 1)[0]
    long_context = "long_context" in category or "composite" in category
    sides = {
        who: Side.create(
            classes,
            list(question["involved_classes"]),
            question.get("initial_config") or {},
            long_context=long_context,
            model=model if who == "model" else f"{model}_ground_truth",
            entry_id=entry_id,
            version=version,
        )
        for who in ("model", "ground_truth")
    }
    execution_results: list[dict[str, Any]] = []
    all_model_results: list[str] = []
    for turn, turn_truth in enumerate(ground_truth):
        steps = decoded[turn]
        turn_model_results: list[str] = []
        per_step: list[list[str]] = []
        for step in steps:
            results = sides["model"].execute(step)
            turn_model_results.extend(results)
            per_step.append(results)
        truth_results = sides["ground_truth"].execute(turn_truth)
        all_model_results.extend(turn_model_results)
        execution_results.append({"model": per_step, "ground_truth": truth_results})
        if not turn_truth:
            continue
        if not steps or (len(steps) == 1 and not steps[0]):
            return {
                "valid": False,
                "error_message": f"Model response list is empty for turn {turn}",
                "error_type": EMPTY_TURN,
                "details": {"execution_result": execution_results},
            }
        state = _state_check(sides["model"], sides["ground_truth"])
        if state is not None:
            state["execution_result"] = execution_results
            return state
        missing = missing_results(truth_results, all_model_results)
        if missing:
            return {
                "valid": False,
                "error_message": (
                    "Model response execution results so far does not contain all the ground truth "
                    f"response execution results for turn {turn}."
                ),
                "error_type": RESPONSE_MISMATCH,
                "details": {
                    "missing_items": missing,
                    "model_response (including all previous turns)": all_model_results,
                    "ground_truth_response (only the current turn)": truth_results,
                },
            }
    return {"valid": True}


def _state_check(model: Side, truth: Side) -> dict[str, Any] | None:
    for class_name, truth_instance in truth.instances.items():
        model_instance = model.instances[class_name]
        differences = {}
        for attr in vars(truth_instance):
            if attr.startswith("_"):
                continue
            mine, theirs = getattr(model_instance, attr), getattr(truth_instance, attr)
            if mine != theirs:
                differences[attr] = {"model": mine, "ground_truth": theirs}
        if differences:
            return {
                "valid": False,
                "error_message": f"Model instance for {class_name} does not match the state with ground truth instance.",
                "error_type": STATE_MISMATCH,
                "details": {
                    "differences": differences,
                    "model_instance_state": _public_state(model_instance),
                    "ground_truth_instance_state": _public_state(truth_instance),
                },
            }
    return None


def _public_state(instance: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(instance).items() if not k.startswith("_")}


def missing_results(truth_results: list[str], model_results: list[str]) -> list[str]:
    """Ground-truth results not matched by a model result; each model result matches at most once."""
    pool = list(model_results)
    missing = []
    for item in truth_results:
        try:
            pool.remove(item)
        except ValueError:
            missing.append(item)
    return missing


def json_ready(value: Any) -> Any:
    """``value`` as the official score-file writer stores it: dicts and lists walked, anything JSON
    cannot hold written as its ``str``."""
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_ready(v) for v in value]
    try:
        json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)
    return value
