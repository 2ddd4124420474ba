import json
import os
import stat

import pytest
from support.permissions import cannot_write, file_permissions_apply

from toolgrad_eval.errors import InputFileError
from toolgrad_eval.fileio import atomic_write_json, atomic_write_text, read_json

pytestmark = pytest.mark.compat  # atomic writes through os and tempfile


def test_atomic_write_replaces_whole_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out" / "summary.json"
    atomic_write_json(target, {"a": 1})
    atomic_write_json(target, {"a": 2})
    assert json.loads(target.read_text()) == {"a": 2}
    assert [p.name for p in target.parent.iterdir()] == ["summary.json"]


def test_atomic_write_uses_the_umask_not_private_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "index.html", "<p>hi</p>")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "index.html").stat().st_mode) == 0o644


def test_failed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "summary.json"
    atomic_write_json(target, {"ok": True})
    with pytest.raises(ValueError):
        atomic_write_json(target, {"bad": float("nan")})  # allow_nan=False refuses before writing
    assert json.loads(target.read_text()) == {"ok": True}
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_read_json_names_the_file_and_the_problem(tmp_path):
    bad = tmp_path / "p.json"
    bad.write_text('{"a": ')
    with pytest.raises(InputFileError, match=r"p\.json: malformed JSON"):
        read_json(bad)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 5000 + "]" * 5000)
    with pytest.raises(InputFileError, match="nesting deeper"):
        read_json(deep)


def test_a_write_that_cannot_happen_is_one_error_naming_the_file(tmp_path):
    from toolgrad_eval.errors import OutputError, ToolgradError

    (tmp_path / "a-file").write_text("in the way")
    target = tmp_path / "a-file" / "out" / "summary.json"
    with pytest.raises(OutputError) as caught:
        atomic_write_text(target, "{}")
    assert isinstance(caught.value, ToolgradError) and isinstance(caught.value, OSError)
    assert str(caught.value).startswith(f"{target}: cannot write (") and "\n" not in str(caught.value)


def test_a_read_only_folder_is_one_error_and_leaves_no_temporary(tmp_path):
    from toolgrad_eval.errors import OutputError

    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with file_permissions_apply():
            assert cannot_write(folder)
            with pytest.raises(OutputError, match="ro/x.json: cannot write"):
                atomic_write_text(folder / "x.json", "{}")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)
