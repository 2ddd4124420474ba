"""Several models of one BFCL run in one process (``--pred_model a,b,c`` / ``all``)."""

from __future__ import annotations

import json
import os
import sys
from functools import partial
from pathlib import Path

import pytest

from toolgrad_eval.bfcl.data import BfclData
from toolgrad_eval.bfcl.many import resolve_models, run_bfcl_models
from toolgrad_eval.bfcl.runner import preload_data, run_bfcl
from toolgrad_eval.cli.main import main
from toolgrad_eval.demo import DEMO_MODELS, demo_root
from toolgrad_eval.errors import ConfigError

pytestmark = pytest.mark.compat  # forked workers (multiprocessing differs between versions)

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
    runs = run_bfcl_models(list(DEMO_MODELS), lambda m: tmp_path / "many" / m, score, echo=lambda _: None, workers=1)
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


def _folder(root: Path) -> dict[str, str]:
    """Every file under ``root`` by relative path (run records without their creation time and
    command; paths under ``root`` written relative to it)."""
    out = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8").replace(str(root), "<root>")
        if path.name == "summary.json":
            summary = json.loads(text)
            for key in ("created_at", "command"):
                summary.pop(key)
            text = json.dumps(summary, sort_keys=True)
        out[str(path.relative_to(root))] = text
    return out


@pytest.mark.parametrize("preload", [False, True], ids=["first-here", "preloaded"])
@pytest.mark.parametrize("missing", [None, -1, 0], ids=["all-scored", "last-fails", "first-fails"])
def test_forked_workers_leave_exactly_what_one_model_after_another_leaves(
    tmp_path: Path, missing: int | None, preload: bool
) -> None:
    models = list(DEMO_MODELS)
    if missing is not None:
        models.insert(len(models) if missing == -1 else 0, "not-a-model")
    folders = {}
    for workers in (1, 2):
        root = tmp_path / f"workers-{workers}"
        score = partial(run_bfcl, RUN, bfcl_data=DATA, score_dir=root / "score")
        lines: list[str] = []
        runs = run_bfcl_models(
            models,
            lambda m, root=root: root / "runs" / m,
            score,
            echo=lines.append,
            workers=workers,
            preload=partial(preload_data, RUN, bfcl_data=DATA) if preload else None,
        )
        assert set(runs.summaries) == set(DEMO_MODELS)
        assert list(runs.failed) == ([] if missing is None else ["not-a-model"])
        assert [line.split(":")[0] for line in lines] == [f"[{i}/{len(models)}] {m}" for i, m in enumerate(models, 1)]
        folders[workers] = _folder(root)
    assert {"score/data_overall.csv", "score/data_live.csv", "score/data_non_live.csv"} <= set(folders[2])
    for name in ("score/data_overall.csv", "score/data_live.csv", "score/data_non_live.csv"):
        assert all(m in folders[2][name] for m in DEMO_MODELS), name  # every model in the final CSVs
    assert folders[2] == folders[1]


def test_threads_left_after_the_first_model_mean_no_fork_and_the_same_folder(tmp_path: Path, monkeypatch) -> None:
    """The first model scored here (no preload) runs fsync threads; if any thread is still there when
    the workers would fork, the others are scored here too, and the folder ends the same."""
    from toolgrad_eval.bfcl import many

    models = [*DEMO_MODELS, "not-a-model"]
    folders = {}
    for threaded in (False, True):
        root = tmp_path / f"threaded-{threaded}"
        if threaded:
            monkeypatch.setattr(many.threads, "alone", lambda wait=2.0: False)

            def no_pool(*args: object, **kwargs: object) -> None:
                raise AssertionError("forked workers from a process with other threads")

            monkeypatch.setattr(many, "ProcessPoolExecutor", no_pool)
        score = partial(run_bfcl, RUN, bfcl_data=DATA, score_dir=root / "score")
        runs = run_bfcl_models(models, lambda m, root=root: root / "runs" / m, score, echo=lambda _: None, workers=2)
        assert set(runs.summaries) == set(DEMO_MODELS) and list(runs.failed) == ["not-a-model"]
        folders[threaded] = _folder(root)
    assert folders[True] == folders[False]


def test_preloaded_data_is_read_once_here_before_the_workers_fork(tmp_path: Path, monkeypatch) -> None:
    log = tmp_path / "loads.log"  # a file: forked workers' appends to a list would stay in the worker
    original = BfclData._load

    def logged(self: BfclData, category: str):
        with log.open("a") as f:
            f.write(f"{os.getpid()} {category}\n")
        return original(self, category)

    monkeypatch.setattr(BfclData, "_load", logged)
    score = partial(run_bfcl, RUN, bfcl_data=DATA, score_dir=tmp_path / "score")
    runs = run_bfcl_models(
        list(DEMO_MODELS),
        lambda m: tmp_path / "runs" / m,
        score,
        echo=lambda _: None,
        workers=2,
        preload=partial(preload_data, RUN, bfcl_data=DATA),
    )
    assert runs.failed == {} and list(runs.summaries) == list(DEMO_MODELS)
    loads = log.read_text().splitlines()
    assert len(loads) == 13 and {line.split()[0] for line in loads} == {str(os.getpid())}


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


def test_a_list_of_unknown_models_on_toolgrad5k_names_what_is_there(capsys, tmp_path) -> None:
    """ToolGrad-5k takes a model list too (tests/toolgrad5k/test_many.py); none of them found is one line."""
    code = main(["--pred_model", "a,b", "--dataset", str(demo_root() / "toolgrad5k-synthetic"), "-o", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "2 of 2 models not scored" in err and "models found: demo-gemma-3-12b" in err


def test_no_worker_is_forked_from_a_process_with_other_threads() -> None:
    """A fork copies whatever lock another thread holds at that instant (a deadlock in the child):
    with another thread alive, the default is to score every model here."""
    import threading

    from toolgrad_eval import threads
    from toolgrad_eval.bfcl import many

    alone = many._default_workers(4)
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert many._default_workers(4) == 1
    finally:
        release.set()
        other.join()
    if threads.count() == 1 and len(os.sched_getaffinity(0)) > 1 and sys.platform.startswith("linux"):
        assert alone > 1  # the check looks at something: alone, it forks
