"""Several ToolGrad-5k models in one run (``--model a,b`` / ``all``): each its own run record,
numbers equal to scoring each model alone, one table with the single-model columns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from toolgrad5k.builders import KEY, DatasetBuilder, call

from toolgrad_eval.cli.evaluate import _evaluate_toolgrad5k, default_output, evaluate
from toolgrad_eval.cli.evaluate_many import TOOLGRAD5K_HEADERS, evaluate_models
from toolgrad_eval.errors import DatasetError


def _dataset(b: DatasetBuilder) -> Path:
    for sid, tools in (("s1", {"a": {}, "b": {}}), ("s2", {"a": {}})):
        b.sample(sid, tools, query=f"{sid} FAKE_SCORE=50")
    # Stored verdicts: no judge request needed.
    b.prediction("m1", "s1", {"intermediate_steps": [call("a")], KEY: "x", "eval": {"qor": 40}})
    b.prediction("m1", "s2", {"intermediate_steps": [call("a")], KEY: "y", "eval": {"qor": 80}})
    b.prediction("m2", "s1", {"intermediate_steps": [call("a"), call("b")], KEY: "x", "eval": {"qor": 90}})
    b.prediction("m2", "s2", {"intermediate_steps": [], KEY: "y", "eval": {"qor": 70}})
    return b.finish()


def _options(*args: str) -> dict[str, Any]:
    return dict(evaluate.make_context("evaluate", list(args)).params)


def _run(dataset: Path, spec: str, out: str) -> None:
    options = _options("--model", spec, "--dataset", str(dataset), "-o", out, "--cache-dir", "cache")
    evaluate_models(options, "toolgrad5k", _evaluate_toolgrad5k, default_output)


def test_two_models_equal_each_scored_alone_and_share_one_table(builder, judge_env, capsys) -> None:
    dataset = _dataset(builder)
    _run(dataset, "m1,m2", "many")
    out = capsys.readouterr().out
    for model in ("m1", "m2"):
        _evaluate_toolgrad5k(_options("--model", model, "--dataset", str(dataset), "-o", f"alone-{model}"))
        alone = json.loads(Path(f"alone-{model}/summary.json").read_text())
        together = json.loads(Path(f"many/{model}/summary.json").read_text())
        for key in ("recall", "success_rate", "qor", "n_samples"):
            assert together[key] == alone[key], (model, key)
    table = out[out.index("2 models") :].splitlines()
    assert [c.strip() for c in table[1].split("|")[1:-1]] == TOOLGRAD5K_HEADERS
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[1:-1]] for line in table[3:5]}
    m2 = json.loads(Path("many/m2/summary.json").read_text())
    assert rows["m2"][1] == f"{100 * m2['recall']:.4f}" and rows["m2"][3] == f"{m2['qor']:.3f}"
    assert rows["m1"][3] == "60.000"  # (40 + 80) / 2, the stored verdicts


def test_all_is_every_model_and_an_unknown_one_costs_only_itself(builder, judge_env, capsys) -> None:
    dataset = _dataset(builder)
    _run(dataset, "all", "all")
    assert sorted(p.name for p in Path("all").iterdir()) == ["m1", "m2"]
    with pytest.raises(DatasetError, match=r"1 of 2 models not scored: nope"):
        _run(dataset, "m1,nope", "partly")
    assert Path("partly/m1/summary.json").is_file() and not Path("partly/nope").exists()
