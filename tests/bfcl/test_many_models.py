"""Several models of one BFCL run in one process (``--pred_model a,b,c`` / ``all``)."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest

from toolgrad_eval.bfcl.data import BfclData
from toolgrad_eval.bfcl.many import resolve_models, run_bfcl_models
from toolgrad_eval.bfcl.runner import run_bfcl
from toolgrad_eval.cli.main import main
from toolgrad_eval.demo import DEMO_MODELS, demo_root
from toolgrad_eval.errors import ConfigError

RUN = demo_root() / "bfcl-synthetic"
DATA = RUN / "data"


@pytest.fixture
def loads(monkeypatch) -> list[str]:
    """Every category whose questions and answers are read and parsed (BfclData._load)."""
    seen: list[str] = []
    original = BfclData._load

    def counting(self: BfclData, category: str):
        seen.append(category)
        return original(self, category)

    monkeypatch.setattr(BfclData, "_load", counting)
    return seen


def test_same_records_as_separate_runs_with_the_data_read_once(tmp_path: Path, loads: list[str]) -> None:
    for model in DEMO_MODELS:
        run_bfcl(
            RUN, model, tmp_path / "one" / model, bfcl_data=DATA, score_dir=tmp_path / "one-score", echo=lambda _: None
        )
    separate = len(loads)
    loads.clear()
    score = partial(run_bfcl, RUN, bfcl_data=DATA, score_dir=tmp_path / "many-score")
    runs = run_bfcl_models(list(DEMO_MODELS), lambda m: tmp_path / "many" / m, score, echo=lambda _: None)
    assert runs.failed == {} and list(runs.summaries) == list(DEMO_MODELS)
    assert separate == 13 * len(DEMO_MODELS) and len(loads) == 13  # each category once, for all four models
    for model in DEMO_MODELS:
        assert (tmp_path / "many" / model / "per_sample.jsonl").read_text() == (
            tmp_path / "one" / model / "per_sample.jsonl"
        ).read_text()
        one = json.loads((tmp_path / "one" / model / "summary.json").read_text())
        many = json.loads((tmp_path / "many" / model / "summary.json").read_text())
        assert many["aggregates"] == one["aggregates"] and many["error_types"] == one["error_types"]
        for name in ("BFCL_v4_simple_python_score.json", "BFCL_v4_live_multiple_score.json"):
            (a,), (b,) = (tmp_path / "one-score" / model).rglob(name), (tmp_path / "many-score" / model).rglob(name)
            assert a.read_text() == b.read_text()


def test_resolve_models() -> None:
    assert resolve_models(RUN, "all") == sorted(DEMO_MODELS)
    assert resolve_models(RUN, "b,a,b") == ["b", "a"]
    with pytest.raises(ConfigError, match="empty name"):
        resolve_models(RUN, "a,,b")
    with pytest.raises(ConfigError, match="path separator"):
        resolve_models(RUN, "a,../b")


def test_cli_scores_the_others_when_one_fails(tmp_path: Path, capsys) -> None:
    code = main(
        [
            "--pred_model",
            "demo-gemma-3-4b,missing,demo-toolgrad-4b",
            "--dataset",
            str(RUN),
            "--bfcl-data",
            str(DATA),
            "--output",
            str(tmp_path / "out"),
            "--score-dir",
            str(tmp_path / "score"),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 2
    assert "[2/3] missing: not scored" in out and "BFCL, 2 models (SYNTHETIC demo data)" in out
    assert "1 of 3 models not scored: missing" in err and len(err.strip().splitlines()) == 1
    assert sorted(p.parent.name for p in (tmp_path / "out").rglob("summary.json")) == [
        "demo-gemma-3-4b",
        "demo-toolgrad-4b",
    ]


def test_a_list_is_refused_for_toolgrad5k(capsys) -> None:
    code = main(["--pred_model", "a,b", "--dataset", str(demo_root() / "toolgrad5k-synthetic")])
    assert code == 2 and "several models in one run are a BFCL feature" in capsys.readouterr().err
