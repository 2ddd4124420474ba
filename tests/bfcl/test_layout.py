"""Recognising BFCL runs, versions and data folders (no matchers involved)."""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path

import pytest

from toolgrad_eval.bfcl import data as bfcl_data
from toolgrad_eval.bfcl import fetch as bfcl_fetch
from toolgrad_eval.bfcl.layout import find_run, is_bfcl_run, models_in
from toolgrad_eval.errors import DatasetError

REPO = Path(__file__).resolve().parents[2]
REAL = REPO.parent / "shared" / "bfcl-real"
IN_CI = os.environ.get("CI", "").lower() == "true"


def touch(path: Path, lines: list[dict] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(x) + "\n" for x in (lines or [{"id": "x_0", "result": "[]"}])), encoding="utf-8")
    return path


def test_v3_flat_run(tmp_path: Path) -> None:
    for cat in ("simple", "java", "javascript", "live_relevance"):
        touch(tmp_path / "result" / "m" / f"BFCL_v3_{cat}_result.json")
    layout = find_run(tmp_path, "m")
    assert layout.version == "v3"
    assert [(f.name, f.category, str(f.rel_dir)) for f in layout.files] == [
        ("simple", "simple_python", "."),
        ("java", "simple_java", "."),
        ("javascript", "simple_javascript", "."),
        ("live_relevance", "live_relevance", "."),
    ]


def test_v4_grouped_run_under_results(tmp_path: Path) -> None:
    touch(tmp_path / "results" / "m" / "non_live" / "BFCL_v4_simple_python_result.json")
    touch(tmp_path / "results" / "m" / "live" / "BFCL_v4_live_simple_result.json")
    touch(tmp_path / "results" / "m" / "multi_turn" / "BFCL_v4_multi_turn_base_result.json")
    touch(tmp_path / "results" / "m" / "non_live" / "BFCL_v4_made_up_category_result.json")
    (tmp_path / "results" / "m" / "notes.json").write_text("{}")
    assert is_bfcl_run(tmp_path)
    layout = find_run(tmp_path, "m")
    assert layout.version == "v4"
    assert layout.result_root == tmp_path / "results"
    assert [(f.category, str(f.rel_dir)) for f in layout.files] == [
        ("simple_python", "non_live"),
        ("live_simple", "live"),
    ]
    assert [f.name for f in layout.not_scored] == ["multi_turn_base"]
    assert [p.name for p in layout.unknown] == ["BFCL_v4_made_up_category_result.json"]


def test_not_a_run(tmp_path: Path) -> None:
    assert not is_bfcl_run(tmp_path)
    (tmp_path / "result" / "m").mkdir(parents=True)
    assert not is_bfcl_run(tmp_path)  # a model folder without BFCL result files
    assert not is_bfcl_run(tmp_path / "missing")


def test_mixed_versions_are_refused(tmp_path: Path) -> None:
    touch(tmp_path / "result" / "m" / "BFCL_v3_simple_result.json")
    touch(tmp_path / "result" / "m" / "non_live" / "BFCL_v4_multiple_result.json")
    with pytest.raises(DatasetError, match="mix BFCL data versions"):
        find_run(tmp_path, "m")


def test_a_stray_file_of_another_version_is_named(tmp_path: Path) -> None:
    for category in ("simple_python", "multiple", "parallel"):
        touch(tmp_path / "result" / "m" / "non_live" / f"BFCL_v4_{category}_result.json")
    touch(tmp_path / "result" / "m" / "non_live" / "BFCL_v3_multiple_result.json")
    with pytest.raises(DatasetError) as caught:
        find_run(tmp_path, "m")
    assert "(v3 1 file: non_live/BFCL_v3_multiple_result.json; v4 3 files)" in str(caught.value)


def test_unknown_model_lists_the_models(tmp_path: Path) -> None:
    touch(tmp_path / "result" / "alpha" / "BFCL_v3_simple_result.json")
    touch(tmp_path / "results" / "beta" / "BFCL_v3_simple_result.json")
    assert models_in(tmp_path) == ["alpha", "beta"]
    with pytest.raises(DatasetError, match="no BFCL results for model 'gamma'.*alpha, beta"):
        find_run(tmp_path, "gamma")


def test_result_and_results_both_holding_the_model(tmp_path: Path) -> None:
    touch(tmp_path / "result" / "m" / "BFCL_v3_simple_result.json")
    touch(tmp_path / "results" / "m" / "BFCL_v3_simple_result.json")
    with pytest.raises(DatasetError, match="both result/m/ and results/m/"):
        find_run(tmp_path, "m")


def test_same_category_twice(tmp_path: Path) -> None:
    touch(tmp_path / "result" / "m" / "BFCL_v4_simple_python_result.json")
    touch(tmp_path / "result" / "m" / "non_live" / "BFCL_v4_simple_python_result.json")
    with pytest.raises(DatasetError, match="two result files for simple_python"):
        find_run(tmp_path, "m")


@pytest.mark.skipif(not REAL.is_dir() and not IN_CI, reason="../shared/bfcl-real is not present outside CI")
def test_real_runs_are_recognised() -> None:
    v3 = find_run(REAL / "v3-aafv", "Qwen_Qwen2.5-7B-Instruct")
    assert v3.version == "v3" and len(v3.files) == 6 and {str(f.rel_dir) for f in v3.files} == {"."}
    v4 = find_run(REAL / "v4-qwen3-4b", "Qwen_Qwen3-4B-Instruct-2507")
    assert v4.version == "v4" and len(v4.files) == 13 and v4.result_root.name == "result"
    assert {str(f.rel_dir) for f in v4.files} == {"live", "non_live"}


# ------------------------------------------------------------------------- data folders
def make_data(folder: Path, version: str = "v4") -> Path:
    touch(folder / f"BFCL_{version}_simple_python.json", [{"id": "simple_python_0", "question": [], "function": []}])
    touch(
        folder / "possible_answer" / f"BFCL_{version}_simple_python.json",
        [{"id": "simple_python_0", "ground_truth": []}],
    )
    return folder


@pytest.mark.parametrize("sub", ["", "data", "bfcl_eval/data"])
def test_explicit_data_folder_shapes(tmp_path: Path, sub: str) -> None:
    make_data(tmp_path / sub if sub else tmp_path)
    found = bfcl_data.locate_data("v4", tmp_path)
    assert found.root == (tmp_path / sub if sub else tmp_path)
    assert found.has("simple_python") and not found.has("multiple")
    assert [e.id for e in found.entries("simple_python")] == ["simple_python_0"]


def test_explicit_folder_without_the_version(tmp_path: Path) -> None:
    make_data(tmp_path, "v3")
    with pytest.raises(bfcl_data.DataNotFoundError, match="no BFCL v4 data here.*bfcl-data fetch v4"):
        bfcl_data.locate_data("v4", tmp_path)


def test_no_data_anywhere_says_how_to_fetch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bfcl_data, "installed_package", lambda: None)
    with pytest.raises(bfcl_data.DataNotFoundError) as info:
        bfcl_data.locate_data("v4", cache=tmp_path / "cache")
    message = str(info.value)
    assert "\n" not in message
    assert "toolgrad-eval bfcl-data fetch v4" in message and "--fetch-bfcl-data" in message


def test_installed_package_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    installed = make_data(tmp_path / "site" / "bfcl_eval" / "data")
    cache = tmp_path / "cache"
    notes: list[str] = []
    # An installed bfcl-eval of the exact release wins over the cache.
    monkeypatch.setattr(bfcl_data, "installed_package", lambda: (installed, "2026.3.23"))
    assert bfcl_data.locate_data("v4", cache=cache).root == installed
    # Another release: the cache wins when complete...
    monkeypatch.setattr(bfcl_data, "installed_package", lambda: (installed, "2025.1.1"))
    make_data(cache / "v4")
    (cache / "v4" / bfcl_fetch.SOURCE_FILE).write_text("{}")
    assert bfcl_data.locate_data("v4", cache=cache).root == cache / "v4"
    # ...and without a cache the other release is used, with a warning.
    (cache / "v4" / bfcl_fetch.SOURCE_FILE).unlink()
    assert bfcl_data.locate_data("v4", cache=cache, echo=notes.append).root == installed
    assert notes and "2025.1.1" in notes[0] and "2026.3.23" in notes[0]


def test_fetch_flag_fetches_when_nothing_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, Path | None]] = []

    def fake_fetch(version: str, *, cache: Path | None = None, echo=print) -> Path:
        calls.append((version, cache))
        return make_data(tmp_path / "fetched" / version)

    monkeypatch.setattr(bfcl_data, "installed_package", lambda: None)
    monkeypatch.setattr(bfcl_fetch, "fetch_data", fake_fetch)
    found = bfcl_data.locate_data("v4", cache=tmp_path / "cache", fetch=True)
    assert calls == [("v4", tmp_path / "cache")] and found.root == tmp_path / "fetched" / "v4"
    assert "fetched now" in found.source


def test_run_folder_data_comes_after_explicit(tmp_path: Path) -> None:
    own = make_data(tmp_path / "run" / "data")
    other = make_data(tmp_path / "other")
    assert bfcl_data.locate_data("v4", dataset=tmp_path / "run").root == own
    assert bfcl_data.locate_data("v4", other, dataset=tmp_path / "run").root == other


def test_answers_must_line_up(tmp_path: Path) -> None:
    make_data(tmp_path)
    touch(tmp_path / "possible_answer" / "BFCL_v4_simple_python.json", [{"id": "simple_python_9", "ground_truth": []}])
    with pytest.raises(DatasetError, match="does not line up"):
        bfcl_data.locate_data("v4", tmp_path).entries("simple_python")


# ------------------------------------------------------------------------- fetch (offline parts)
def fake_wheel(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def test_unpack_takes_only_the_data(tmp_path: Path) -> None:
    wheel = fake_wheel(
        tmp_path / "w.whl",
        {
            "bfcl_eval/data/BFCL_v4_simple_python.json": "{}\n",
            "bfcl_eval/data/possible_answer/BFCL_v4_simple_python.json": "{}\n",
            "bfcl_eval/eval_checker/eval_runner.py": "print('no')\n",
            "bfcl_eval-2026.3.23.dist-info/METADATA": "x",
        },
    )
    target = tmp_path / "out"
    assert bfcl_fetch.unpack_data(wheel, target, "v4") == 2
    assert sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()) == [
        "BFCL_v4_simple_python.json",
        "possible_answer/BFCL_v4_simple_python.json",
    ]


def test_unpack_refuses_path_traversal(tmp_path: Path) -> None:
    wheel = fake_wheel(tmp_path / "w.whl", {"bfcl_eval/data/../../evil.txt": "x"})
    with pytest.raises(bfcl_fetch.FetchError, match="unsafe path"):
        bfcl_fetch.unpack_data(wheel, tmp_path / "out", "v4")
    assert not (tmp_path / "evil.txt").exists()


def test_fetch_checks_the_pinned_hash(tmp_path: Path) -> None:
    wheel = fake_wheel(tmp_path / "bfcl_eval-2026.3.23-py3-none-any.whl", {"bfcl_eval/data/BFCL_v4_x.json": "{}"})
    with pytest.raises(bfcl_fetch.FetchError, match="does not match the pinned"):
        bfcl_fetch.fetch_data("v4", cache=tmp_path / "cache", wheel=wheel, echo=lambda _m: None)
    assert not (tmp_path / "cache" / "v4").exists()
    assert hashlib.sha256(wheel.read_bytes()).hexdigest() not in bfcl_fetch.WHEEL_SHA256.values()


def test_fetch_rejects_unknown_version(tmp_path: Path) -> None:
    with pytest.raises(bfcl_fetch.FetchError, match="unknown BFCL data version 'v9'"):
        bfcl_fetch.fetch_data("v9", cache=tmp_path)


# ------------------------------------------------------------------------- the bfcl-data command
def test_cli_where_and_fetch_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from toolgrad_eval.cli.main import main

    monkeypatch.setattr(bfcl_data, "installed_package", lambda: None)
    assert main(["bfcl-data", "where", "--cache-dir", str(tmp_path / "cache")]) == 0
    out = capsys.readouterr().out
    assert "installed bfcl-eval: none" in out and "bfcl-data fetch v4" in out and str(tmp_path / "cache" / "v3") in out

    wheel = fake_wheel(tmp_path / "bfcl_eval-2026.3.23-py3-none-any.whl", {"bfcl_eval/data/BFCL_v4_x.json": "{}"})
    assert main(["bfcl-data", "fetch", "v4", "--wheel", str(wheel), "--cache-dir", str(tmp_path / "cache")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("Error: ") and "SHA-256" in err and "\n" not in err
