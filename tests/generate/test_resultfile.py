"""Result files: what counts as done, what is repaired, and that appends are whole lines."""

from __future__ import annotations

import json

from toolgrad_eval.generate.resultfile import ResultFile, error_line


def _rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


REQUEST_ERROR = '{"id": "c", "result": "Error during inference: too long", "toolgrad_error": "request"}'


def test_done_ids_torn_line_and_error_lines(tmp_path):
    path = tmp_path / "r.json"
    original = (
        '{"id": "a", "result": "x"}\n'
        '{"id": "b", "result": "Error during inference: HTTP 503", "toolgrad_error": "transport"}\n'
        f"{REQUEST_ERROR}\n"
        '{"id": "a", "result": "again"}\n'
        "not json at all\n"
        '{"id": "zz", "result": "an id the data lacks"}\n'
        '{"id": "d", "res'
    )
    path.write_text(original)
    store = ResultFile.open(path, ["a", "b", "c", "d"])
    assert store.done == {"a"}  # an error line of ours is never an answer: its entry is sent again
    assert store.dropped == {"error line, sent again": 2, "second line for an id": 1, "unfinished last line": 1}
    assert path.read_text() == original  # nothing is rewritten before the first new line
    store.append({"id": "b", "result": ""})
    assert path.read_text().splitlines() == [
        '{"id": "a", "result": "x"}',
        "not json at all",
        '{"id": "zz", "result": "an id the data lacks"}',
        '{"id": "b", "result": ""}',
    ]
    store.append({"id": "c", "result": "y"})
    store.append(error_line("d", "HTTP 500", "transport"))
    assert not store.sort_if_complete(["a", "b", "c", "d"])  # an entry failed: not complete
    again = ResultFile.open(path, ["a", "b", "c", "d"])
    assert again.done == {"a", "b", "c"}
    again.append({"id": "d", "result": "z"})
    assert again.sort_if_complete(["a", "b", "c", "d"])
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
    assert store.done == set() and path.read_text() == '{"id": "a", "result": "x"}\n'  # emptied at the first line only
    store.append({"id": "c", "result": 1})
    store.append({"id": "a", "result": 2})
    assert not store.sort_if_complete(["a", "b", "c"])
    assert [r["id"] for r in _rows(path)] == ["c", "a"]


def test_non_ascii_is_one_line_and_an_invalid_utf8_line_is_dropped(tmp_path):
    path = tmp_path / "r.json"
    # what an older version wrote for a lone surrogate: bytes no UTF-8 reader accepts
    path.write_bytes(b'{"id": "a", "result": "bad \xed\xa0\x80 text"}\n{"id": "b", "result": "ok"}\n')
    store = ResultFile.open(path, ["a", "b"])
    assert store.done == {"b"} and store.dropped == {"line that is not valid UTF-8, sent again": 1}
    store.append({"id": "a", "result": "naïve \ufffd text\nwith a newline"})
    store.close()
    assert path.read_bytes().decode("utf-8").count("\n") == 2  # valid UTF-8, one line per entry
    assert ResultFile.open(path, ["a", "b"]).done == {"a", "b"}
