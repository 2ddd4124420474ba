"""Several ToolBench models in one run (``--model a,b`` / ``all``): each model's record equals
scoring it alone; one table with the single-model table's value columns, a row per model."""

from __future__ import annotations

import json

from toolbench.builders import COT, DFS, real_layout

from toolgrad_eval.cli.evaluate import default_output, evaluate
from toolgrad_eval.cli.evaluate_many import TOOLBENCH_HEADERS, evaluate_models
from toolgrad_eval.cli.evaluate_toolbench import evaluate_toolbench


def _options(*args: str) -> dict:
    return dict(evaluate.make_context("evaluate", list(args)).params)


def test_all_models_each_as_alone_and_one_table(toolbench_judge, tmp_path, capsys) -> None:
    data = real_layout(tmp_path / "tb")
    base = ("--dataset", str(data), "--cache-dir", str(tmp_path / "cache"))
    options = _options("--model", "all", "-o", str(tmp_path / "many"), *base)
    evaluate_models(options, "toolbench", lambda o: evaluate_toolbench(o, output=o["output"]), default_output)
    out = capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "many").iterdir()) == sorted([COT, DFS])
    table = out[out.index("2 models") :].splitlines()
    assert [c.strip() for c in table[1].split("|")[1:-1]] == TOOLBENCH_HEADERS
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[1:-1]] for line in table[3:5]}
    for model in (COT, DFS):
        alone_dir = tmp_path / f"alone-{model}"
        evaluate_toolbench(_options("--model", model, *base), output=alone_dir)  # cached: free
        alone = json.loads((alone_dir / "summary.json").read_text())
        together = json.loads((tmp_path / "many" / model / "summary.json").read_text())
        assert together["sopr"] == alone["sopr"]
        assert rows[model][2] == f"{alone['sopr']['average']:.1f}"
    assert rows[DFS][2] == "100.0"  # the judge calls every answer Solved; CoT has one Unsolved by rule
