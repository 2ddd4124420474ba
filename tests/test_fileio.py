import json
import os
import stat
from pathlib import Path

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


def test_atomic_write_texts_writes_every_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    from toolgrad_eval.fileio import atomic_write_texts

    files = [(tmp_path / "a" / f"f{i}.json", f"{i} é\n" * i) for i in range(5)]
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f1.json").write_text("old")
    atomic_write_texts(files)
    assert [p.read_text(encoding="utf-8") for p, _ in files] == [t for _, t in files]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [f"f{i}.json" for i in range(5)]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(files[0][0].stat().st_mode) == 0o666 & ~umask


def test_atomic_write_texts_fails_naming_the_file_and_cleans_up(tmp_path: Path) -> None:
    from toolgrad_eval.errors import OutputError
    from toolgrad_eval.fileio import atomic_write_texts

    (tmp_path / "old.txt").write_text("old")
    (tmp_path / "blocker").write_text("a file where a folder is needed")
    with pytest.raises(OutputError) as caught:  # before any rename: nothing changes
        atomic_write_texts([(tmp_path / "old.txt", "new"), (tmp_path / "blocker" / "x.txt", "x")])
    assert caught.value.path == tmp_path / "blocker" / "x.txt"
    assert (tmp_path / "old.txt").read_text() == "old"
    (tmp_path / "a-folder").mkdir()
    with pytest.raises(OutputError) as caught:  # at its rename: the files before it are in place
        atomic_write_texts([(tmp_path / "old.txt", "new"), (tmp_path / "a-folder", "x"), (tmp_path / "z.txt", "z")])
    assert caught.value.path == tmp_path / "a-folder"
    assert (tmp_path / "old.txt").read_text() == "new" and not (tmp_path / "z.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-folder", "blocker", "old.txt"]  # no temporaries
