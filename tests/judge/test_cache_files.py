"""Half-states of a local cache folder, each handled on purpose (judge/cache_sqlite.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from toolgrad_eval.errors import ConfigError
from toolgrad_eval.judge.cache import JudgmentCache
from toolgrad_eval.judge.cache_sqlite import network_filesystem

pytestmark = pytest.mark.compat  # the sqlite3 module each interpreter is built with


def record(score: int) -> dict:
    return {"verdict": {"final_score": score}, "raw": "{}", "usage": None, "model": "gpt-4.1"}


def write_and_die(folder, n: int) -> None:
    """A process that stores n entries and is killed before closing anything: its -wal and -shm
    stay behind, holding committed entries not yet copied into cache.db."""
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from toolgrad_eval.judge.cache import JudgmentCache\n"
        "cache = JudgmentCache(Path(sys.argv[1]))\n"
        f"for i in range({n}):\n"
        "    cache.put(f'{i:064x}', {'verdict': {'final_score': i}, 'raw': '{}', 'usage': None})\n"
        "os.kill(os.getpid(), 9)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(folder)])
    assert proc.returncode == -9


def test_the_log_of_a_killed_process_is_recovery_and_a_stray_shm_is_rebuilt(tmp_path):
    folder = tmp_path / "cache"
    write_and_die(folder, 5)
    assert (folder / "cache.db-wal").stat().st_size > 0
    (folder / "cache.db-shm").write_bytes(b"\xff" * 32768)  # garbage in the shared-memory index
    with JudgmentCache(folder) as cache:
        assert len(cache) == 5 and cache.get(f"{3:064x}")["verdict"] == {"final_score": 3}


def test_a_log_without_its_database_is_damage_said_in_one_line(tmp_path):
    folder = tmp_path / "cache"
    write_and_die(folder, 3)
    shutil.move(folder / "cache.db", tmp_path / "elsewhere.db")  # moved without its log
    with pytest.raises(ConfigError, match="cache.db-wal is there but cache.db is missing") as failed:
        JudgmentCache(folder).open()
    assert "\n" not in str(failed.value)
    assert not (folder / "cache.db").exists()  # no new database was made over the log


def test_without_its_log_files_a_database_is_simply_closed(tmp_path):
    folder = tmp_path / "cache"
    with JudgmentCache(folder) as cache:
        cache.put("a" * 64, record(40))
    for leftover in ("cache.db-wal", "cache.db-shm"):
        if (folder / leftover).exists():
            os.unlink(folder / leftover)
    with JudgmentCache(folder) as cache:
        assert cache.get("a" * 64)["verdict"] == {"final_score": 40}


def test_a_relative_folder_means_the_one_of_when_the_cache_was_made(tmp_path, monkeypatch):
    """A worker still finishing after its run closed the cache reopens it; by then the caller may
    have changed the working directory (a test's chdir undone): the same folder, never a new one."""
    (tmp_path / "first").mkdir()
    (tmp_path / "later").mkdir()
    monkeypatch.chdir(tmp_path / "first")
    cache = JudgmentCache(Path("cache"))
    cache.put("a" * 64, record(40))
    cache.close()
    monkeypatch.chdir(tmp_path / "later")
    cache.put("b" * 64, record(50))  # reopened after the close, from elsewhere
    assert len(cache) == 2
    cache.close()
    assert not (tmp_path / "later" / "cache").exists()


MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
server:/export /mnt/shared nfs4 rw,relatime,vers=4.2 0 0
/dev/sdb1 /mnt/shared/local\\040disk ext4 rw 0 0
//nas/evals /mnt/nas cifs rw 0 0
tmpfs /tmp tmpfs rw 0 0
"""


def test_a_cache_folder_on_a_network_file_system_is_recognised():
    """SQLite must not be shared over NFS: the command warns for such a folder (the deepest mount
    point holding it decides; a space in a mount point is written \\040 in the mounts file)."""
    assert network_filesystem(Path("/mnt/shared/team/cache"), MOUNTS) == "nfs4"
    assert network_filesystem(Path("/mnt/shared"), MOUNTS) == "nfs4"
    assert network_filesystem(Path("/mnt/nas/judge"), MOUNTS) == "cifs"
    assert network_filesystem(Path("/mnt/shared/local disk/cache"), MOUNTS) is None  # a local disk mounted inside
    assert network_filesystem(Path("/mnt/sharedX/cache"), MOUNTS) is None  # a prefix of the name is not inside
    assert network_filesystem(Path("/home/me/.cache"), MOUNTS) is None
    assert network_filesystem(Path("/tmp/c"), "garbage\n\n") is None


def test_a_dangling_cache_db_link_creates_nothing_outside_the_folder(tmp_path, capsys) -> None:
    from toolgrad_eval.cli.main import main

    folder, elsewhere = tmp_path / "cache", tmp_path / "elsewhere"
    folder.mkdir()
    elsewhere.mkdir()
    (folder / "cache.db").symlink_to(elsewhere / "cache.db")
    assert main(["cache", "export", str(tmp_path / "x.jsonl"), "--cache-dir", str(folder)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "cache.db: a link to" in line and "which does not exist" in line
    assert list(elsewhere.iterdir()) == [] and not (tmp_path / "x.jsonl").exists()


def test_an_empty_database_is_damage_unless_a_peer_is_creating_it(tmp_path):
    """Processes sharing a new cache start together: the file one of them just created is empty for a
    moment (its header not written yet) and must not read as a truncated cache; one that stays empty
    is one line."""
    import threading

    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / "cache.db").write_bytes(b"")
    with pytest.raises(ConfigError, match="is empty \\(0 bytes\\), so it was truncated"):
        JudgmentCache(folder).get("0" * 64)

    peer = tmp_path / "peer"
    JudgmentCache(peer).put("1" * 64, record(4))  # a database with its header, as a peer writes it
    header = (peer / "cache.db").read_bytes()
    shutil.rmtree(folder)
    folder.mkdir()
    (folder / "cache.db").write_bytes(b"")
    filler = threading.Timer(0.5, lambda: (folder / "cache.db").write_bytes(header))
    filler.start()
    try:
        JudgmentCache(folder).open()  # no error: the peer's database is used
    finally:
        filler.join()
