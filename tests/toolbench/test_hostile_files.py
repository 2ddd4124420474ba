"""One bad entry of a converted answer file costs one query, through the command line (issue 27.3)."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from toolbench.builders import entry, rows, run, write_layout
from toolgrad_eval.toolbench import entries
from toolgrad_eval.toolbench.answers import MAX_STEPS
from toolgrad_eval.toolbench.entries import read_entries


def _long(n_steps: int, final: str = "done") -> dict:
    return entry("a long run", [("search", json.dumps({"page": i}), f"page {i}") for i in range(n_steps)], final)


def test_a_deep_or_huge_entry_costs_its_query_only(toolbench_judge, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(entries, "MAX_ENTRY_BYTES", 200_000)
    answers = {str(i): entry(f"q{i}", [("search", "{}", "ok")], f"answer {i}") for i in range(1, 7)}
    answers["7"] = _long(120)  # 122 nodes: about 250 levels deep, past the old whole-file limit of 200
    answers["8"] = _long(MAX_STEPS + 50)  # deeper than any chain we read: this query only
    answers["9"] = entry("q9", [], "x" * 1_000_000)  # a final answer over the entry bound
    data = write_layout(tmp_path / "tb", {"m": {"G1_tool": answers}}, {"G1_tool": [str(i) for i in range(1, 10)]})
    code, s = run(data, "m", "--judge-samples", "1")
    assert code == 0
    r = rows()
    assert r["G1_tool/7"]["statuses"] == ["Solved"] and r["G1_tool/7"]["n_steps"] == 121
    assert "query 8: its entry nests" in r["G1_tool/8"]["input_error"]
    assert "query 9: its entry is larger than 200000 bytes" in r["G1_tool/9"]["input_error"]
    assert s["sopr"]["G1_tool"] == 100.0 and s["sopr_n"]["G1_tool"] == 7 and s["n_missing_answers"] == 2
    err = capsys.readouterr().err
    path = str(data / "model_predictions_converted" / "m" / "G1_tool.json")
    assert f"warning: {path}: query 8:" in err and f"warning: {path}: query 9:" in err


def test_a_broken_top_level_keeps_the_entries_before_it(tmp_path):
    good = json.dumps(entry("q", [], "fine"))
    path = tmp_path / "G1_tool.json"
    path.write_text('{"1": ' + good + ', "2": ' + good + ', "3" ' + good + "}")
    found = read_entries(path, {"1", "2", "3"})
    assert set(found.values) == {"1", "2"} and "expected ':'" in (found.file_problem or "")
    path.write_text('{"1": {"query": "a \\\\ \\" } ] {"}, "2": [1, {"x": "}"}], "3": 7, "4": "s"}')
    found = read_entries(path, {"1", "2", "3", "4"})
    assert found.values == {"1": {"query": 'a \\ " } ] {'}, "2": [1, {"x": "}"}], "3": 7, "4": "s"}
    assert found.file_problem is None


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_entries_are_cut_alike_at_any_chunk_boundary(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(entries, "_CHUNK", chunk)
    data = {"1": {"a": 'x\\"y\\\\', "b": [1, 2.5, None, True]}, "2": "\udfff text", "3": -4}
    path = tmp_path / "f.json"
    path.write_text("\ufeff " + json.dumps(data), encoding="utf-8")
    found = read_entries(path, {"1", "2", "3"})
    assert found.file_problem is None and found.values == {"1": data["1"], "2": "\udfff text", "3": -4}


def test_reading_a_huge_entry_holds_a_bounded_number_of_bytes(tmp_path, monkeypatch):
    """A 40 MB final answer against a 1 MB entry bound: Python allocations stay under 8 MB."""
    monkeypatch.setattr(entries, "MAX_ENTRY_BYTES", 1 << 20)
    path = tmp_path / "f.json"
    with path.open("w") as handle:
        handle.write('{"1": {"query": "q", "answer": {"final_answer": "')
        for _ in range(40):
            handle.write("y" * (1 << 20))
        handle.write('"}}, "2": {"query": "ok"}}')
    tracemalloc.start()
    found = read_entries(path, {"1", "2"})
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "larger than 1048576 bytes (41,94" in found.problems["1"] and found.values == {"2": {"query": "ok"}}
    assert peak < 8 * (1 << 20)
