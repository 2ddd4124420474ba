"""`toolgrad-eval baselines`: the official archive's real Gemma-3 4B run reproduces the ToolGrad 4B card.

The run is read from ../shared/bfcl-real/v4-gemma-3-4b-it (the archive's files, byte for byte), the
same way a user passes ``--from`` with a local copy; the download path is exercised against a real
HTTP server on 127.0.0.1 serving that copy in the archive's layout.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import socket
import threading
from pathlib import Path
from typing import Iterator

import pytest

from toolgrad_eval.baselines import (
    BASELINES,
    ArchiveError,
    CellCheck,
    download,
    reproduce_baselines,
    verify_local,
)
from toolgrad_eval.cli.main import main

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "bfcl-real" / "v4-gemma-3-4b-it"
IN_CI = os.environ.get("CI", "").lower() == "true"
GEMMA = BASELINES["gemma-3-4b"]
# The ToolGrad 4B model card's Gemma-3 4B row (reference README section 5), relevance/irrelevance corrected.
CARD = {
    "non_live_overall": 61.12,
    "live_overall": 60.84,
    "relevance": 100.00,
    "irrelevance": 53.94,
    "non_live_simple": 64.50,
    "non_live_multiple": 88.00,
    "non_live_parallel": 56.00,
    "non_live_parallel_multiple": 36.00,
    "live_simple": 70.93,
    "live_multiple": 59.35,
    "live_parallel": 25.00,
    "live_parallel_multiple": 41.67,
}

needs_real = pytest.mark.skipif(
    not REAL.is_dir() and not IN_CI, reason="../shared/bfcl-real (real BFCL runs) is not present outside CI"
)


@pytest.fixture(scope="session")
def v4_data(request: pytest.FixtureRequest) -> Path:
    """BFCL v4 data fetched with our own fetch code into pytest's cache (shared with the conformance tests)."""
    from toolgrad_eval.bfcl.fetch import FetchError, fetch_data

    # pytest's cache folder when its cache plugin runs (-p no:cacheprovider: the user's data cache).
    store = getattr(request.config, "cache", None)
    cache = Path(store.mkdir("toolgrad-eval-bfcl-data")) if store is not None else None
    try:
        return fetch_data("v4", cache=cache, echo=lambda _m: None)
    except FetchError as exc:
        if IN_CI:
            raise
        pytest.skip(f"cannot fetch the BFCL v4 data ({exc})")


@needs_real
def test_the_archive_run_reproduces_the_card_row_cell_for_cell(tmp_path: Path, v4_data: Path) -> None:
    result = reproduce_baselines(
        ["gemma-3-4b"], tmp_path / "runs", tmp_path / "site", source=REAL, bfcl_data=v4_data, echo=lambda _m: None
    )
    (outcome,) = result.outcomes
    assert {c.column: c.reported for c in outcome.cells} == CARD
    assert {c.column: round(c.reproduced or -1, 2) for c in outcome.cells} == CARD
    assert all(c.agrees for c in outcome.cells) and outcome.ok
    # The official checker's own counts, published in the archive, equal ours category by category.
    pinned = [c for c in outcome.counts if c.archive is not None]
    assert len(pinned) == 12 and all(c.ours == c.archive for c in pinned)
    assert {c.category: c.ours for c in outcome.counts}["live_relevance"] == (16, 16)
    # The card's swapped hallucination columns are flagged, not hidden.
    assert any("other order" in note for note in outcome.notes)
    # The published leaderboard shows the card's row, our row and their difference together.
    index = result.report_index.read_text(encoding="utf-8")
    start = index.index('<tbody data-group="gemma-3-4b"')
    group = index[start : index.index("</tbody>", start)]
    reported, reproduced, difference = group.split("<tr class=")[1:]
    assert reported.startswith('"reported"') and "ToolGrad 4B model card" in reported
    assert reproduced.startswith('"reproduced"') and "google_gemma-3-4b-it" in reproduced
    assert difference.startswith('"difference"') and difference.count(">±0.00<") == 12
    assert (tmp_path / "runs" / "bfcl" / "google_gemma-3-4b-it" / "summary.json").is_file()
    markdown = (tmp_path / "site" / "leaderboard.md").read_text(encoding="utf-8")
    row = next(line for line in markdown.splitlines() if line.startswith("| google\\_gemma-3-4b-it"))
    assert re.search(r"\|\s+61\.12 \(", row) and re.search(r"\|\s+53\.94 \(", row)


@needs_real
def test_the_command_prints_each_cell_beside_the_card(tmp_path: Path, v4_data: Path, capsys) -> None:
    args = ["baselines", "--from", str(REAL), "--runs", str(tmp_path / "r"), "--out", str(tmp_path / "s")]
    assert main([*args, "--bfcl-data", str(v4_data)]) == 0
    out = capsys.readouterr().out
    assert "12 of 12 cells agree with the card" in out
    assert "equal the archive's own score files in 12 of 12 categories" in out
    assert re.search(r"\| Live Simple\s+\| 70\.93\s+\| 70\.93\s+\| ±0\.00\s+\| yes", out)
    assert "Report: " in out and (tmp_path / "s" / "index.html").is_file()


@needs_real
def test_a_local_copy_with_one_changed_byte_is_refused_before_scoring(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(REAL / "result", copy / "result")
    target = copy / "result" / GEMMA.folder / "non_live" / "BFCL_v4_multiple_result.json"
    data = bytearray(target.read_bytes())
    data[data.index(b'"result": "[') + 12] ^= 0x01  # same size, one bit different
    target.chmod(0o644)
    target.write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match=r"BFCL_v4_multiple_result\.json: SHA-256 [0-9a-f]{64} differs"):
        verify_local(copy, GEMMA)
    with pytest.raises(ArchiveError, match="no result/google_gemma-3-4b-it/"):
        verify_local(tmp_path / "copy" / "result", GEMMA)
    runs = tmp_path / "runs"
    assert main(["baselines", "--from", str(copy), "--runs", str(runs), "--out", str(tmp_path / "s")]) == 2
    assert not (runs / "bfcl").exists()  # nothing scored


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture()
def mirror(tmp_path: Path) -> Iterator[tuple[str, Path, list[str]]]:
    """A real HTTP server on 127.0.0.1 serving the archive's layout: <run date>/result/<folder>/..."""
    root = tmp_path / "mirror"
    shutil.copytree(REAL / "result", root / GEMMA.run_date / "result")
    requested: list[str] = []

    class Handler(_Quiet):
        def do_GET(self) -> None:
            requested.append(self.path)
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root, requested
    finally:
        server.shutdown()
        server.server_close()


@needs_real
def test_download_checks_every_file_and_keeps_verified_ones(tmp_path: Path, mirror) -> None:
    url, root, requested = mirror
    runs = tmp_path / "runs"
    got = download(GEMMA, runs, url, lambda _m: None)
    assert got == runs / "archive" / "6830ed13035c0cfee9aa7a9a0ffed70f10b3dd50" / GEMMA.run_date
    assert verify_local(got, GEMMA) == got and len(requested) == 13
    download(GEMMA, runs, url, lambda _m: None)
    assert len(requested) == 13  # a rerun fetches nothing: the files on disk already verify
    # A mirror serving other bytes is refused, and nothing half-written is left.
    served = root / GEMMA.run_date / "result" / GEMMA.folder / "live" / "BFCL_v4_live_parallel_result.json"
    served.chmod(0o644)
    served.write_bytes(served.read_bytes().replace(b"Boston", b"Bostom"))
    (got / "result" / GEMMA.folder / "live" / "BFCL_v4_live_parallel_result.json").unlink()
    with pytest.raises(ArchiveError, match=r"BFCL_v4_live_parallel_result\.json: got 4439 bytes with SHA-256"):
        download(GEMMA, runs, url, lambda _m: None)
    leftovers = [p.name for p in (got / "result" / GEMMA.folder / "live").iterdir()]
    assert "BFCL_v4_live_parallel_result.json" not in leftovers and not any(n.endswith(".tmp") for n in leftovers)


def test_an_unreachable_archive_fails_at_once_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ArchiveError, match=r"cannot download .*; pass --from DIR with a local copy") as caught:
        download(GEMMA, tmp_path, f"http://127.0.0.1:{port}", lambda _m: None)
    assert "\n" not in str(caught.value)
    with pytest.raises(ArchiveError, match="over https only"):
        download(GEMMA, tmp_path, "http://example.org/mirror", lambda _m: None)


def test_a_cell_agrees_only_to_the_cards_two_printed_decimals() -> None:
    assert CellCheck("x", "x", 61.12, 61.125).agrees  # (64.50 + 88 + 56 + 36) / 4, printed 61.12
    assert not CellCheck("x", "x", 61.12, 61.135).agrees
    assert not CellCheck("x", "x", 61.12, None).agrees


def test_an_unknown_baseline_is_refused_by_name(tmp_path: Path, capsys) -> None:
    assert main(["baselines", "--model", "gpt-9", "--runs", str(tmp_path / "r"), "--out", str(tmp_path / "s")]) == 2
    assert "--model 'gpt-9': no real baseline of that name (known: gemma-3-4b)" in capsys.readouterr().err
