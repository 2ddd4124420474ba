"""Result files: what counts as done, what is repaired, and that appends are whole lines."""

from __future__ import annotations

import json

from toolgrad_eval.generate.resultfile import ResultFile, error_line


def _rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


REQUEST_ERROR = '{"id": "c", "result": "Error during inference: too long", "toolgrad_error": "request"}'


def test_done_ids_torn_line_and_transport_errors(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(
        '{"id": "a", "result": "x"}\n'
        '{"id": "b", "result": "Error during inference: HTTP 503", "toolgrad_error": "transport"}\n'
        f"{REQUEST_ERROR}\n"
        '{"id": "a", "result": "again"}\n'
        "not json at all\n"
        '{"id": "zz", "result": "an id the data lacks"}\n'
        '{"id": "d", "res'
    )
    store = ResultFile.open(path, ["a", "b", "c", "d"])
    assert store.done == {"a", "c"}  # a request error is an answer; a transport error is sent again
    assert store.dropped == {"transport error, sent again": 1, "second line for an id": 1, "unfinished last line": 1}
    assert path.read_text().splitlines() == [
        '{"id": "a", "result": "x"}',
        REQUEST_ERROR,
        "not json at all",
        '{"id": "zz", "result": "an id the data lacks"}',
    ]
    store.append({"id": "b", "result": ""})
    store.append(error_line("d", "HTTP 500", "transport"))
    assert store.sort_if_complete(["a", "b", "c", "d"])
    lines = path.read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines[:4]] == ["a", "b", "c", "d"]
    assert lines[4:] == ["not json at all", '{"id": "zz", "result": "an id the data lacks"}']  # others kept, last


def test_a_whole_last_line_without_newline_is_kept(tmp_path):
    path = tmp_path / "r.json"
    path.write_text('{"id": "a", "result": "x"}')
    store = ResultFile.open(path, ["a", "b"])
    assert store.done == {"a"} and not store.dropped
    store.append({"id": "b", "result": "y"})
    store.close()
    assert [r["id"] for r in _rows(path)] == ["a", "b"]


def test_overwrite_starts_empty_and_incomplete_files_keep_their_order(tmp_path):
    path = tmp_path / "sub" / "r.json"
    path.parent.mkdir()
    path.write_text('{"id": "a", "result": "x"}\n')
    store = ResultFile.open(path, ["a", "b", "c"], overwrite=True)
    assert store.done == set() and path.read_text() == ""
    store.append({"id": "c", "result": 1})
    store.append({"id": "a", "result": 2})
    assert not store.sort_if_complete(["a", "b", "c"])
    assert [r["id"] for r in _rows(path)] == ["c", "a"]


def test_non_ascii_and_lone_surrogates_are_written_as_one_line(tmp_path):
    path = tmp_path / "r.json"
    store = ResultFile.open(path, ["a"])
    store.append({"id": "a", "result": "naïve \ud800 text\nwith a newline"})
    store.close()
    assert path.read_bytes().count(b"\n") == 1
    assert ResultFile.open(path, ["a"]).done == {"a"}
