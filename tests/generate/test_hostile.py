"""Hostile and dead model servers, through the real command line (a subprocess) against real servers
on 127.0.0.1: each case ends within its bound, with the exit code that tells the truth, one line on
stderr, bounded memory and output, and no key in any file.

Bounds are counted (seconds of wall time, peak RSS from the kernel's rusage of the child, bytes
written); the wall-time bounds are generous for a loaded 2-core machine: what they catch is a run
that hangs or retries for minutes, not a slow second.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.fake_model import FakeModel
from support.fake_openai import Reply

KEY = "sk-hostile-test-0123456789abcdef"
CHAT = "/v1/chat/completions"


@dataclass
class Ran:
    code: int
    out: str
    err: str
    seconds: float
    rss_mb: float

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


def cli(cwd: Path, *args: str, timeout: float = 120) -> Ran:
    """``toolgrad-eval ARGS`` in a child process; its own peak RSS: the kernel's high-water mark of
    the child's memory (VmHWM, read while it runs). Not wait4's ru_maxrss, which keeps the RSS of the
    forked pytest process from before the exec (432 MB late in a full suite run)."""
    env = {**os.environ, "OPENAI_API_KEY": KEY, "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("OPENAI_BASE_URL", None)
    started = time.monotonic()
    with open(cwd / "stdout.txt", "wb") as out, open(cwd / "stderr.txt", "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "toolgrad_eval", *args], cwd=cwd, stdout=out, stderr=err, env=env
        )
        deadline = time.monotonic() + timeout
        peak_kb = 0
        while True:
            peak_kb = max(peak_kb, _high_water_kb(proc.pid))
            pid, status, _usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                pytest.fail(f"toolgrad-eval {' '.join(args)} still running after {timeout} s")
            time.sleep(0.02)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    return Ran(
        proc.returncode,
        (cwd / "stdout.txt").read_text(),
        (cwd / "stderr.txt").read_text(),
        seconds,
        peak_kb / 1024,
    )


def _high_water_kb(pid: int) -> int:
    """The process's peak resident memory so far (kB), 0 once it has exited."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def generate_args(data: Path, *urls: str, categories: str = "simple_python", extra: tuple[str, ...] = ()) -> list[str]:
    args = ["generate", "--model", "m", "--dataset", "run", "--bfcl-data", str(data), "--categories", categories]
    for url in urls:
        args += ["--base-url", url]
    return [*args, "--num_process", "2", *extra]


def dead_url() -> str:
    """A port on 127.0.0.1 nobody listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://user:{KEY}@127.0.0.1:{port}/v1"


def written(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def no_key_anywhere(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


def result_lines(tmp_path: Path) -> list[dict]:
    path = tmp_path / "run" / "result" / "m" / "non_live" / "BFCL_v4_simple_python_result.json"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def not_http(listener: socket.socket) -> None:
    """Answer every connection as an SSH server would (a banner, then hang up): not HTTP."""
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")


@pytest.mark.parametrize("failure", ["refused", "tls", "not-http"])
def test_a_dead_server_stops_at_the_door_and_leaves_nothing(tmp_path, bfcl_data, failure):
    if failure == "refused":
        url, why = dead_url(), "Connection refused"
        ran = cli(tmp_path, *generate_args(bfcl_data, url))
    elif failure == "not-http":  # --base-url pointed at another service's port
        import threading

        with socket.create_server(("127.0.0.1", 0)) as listener:
            banner = threading.Thread(target=not_http, args=(listener,), daemon=True)
            banner.start()
            url, why = f"http://user:{KEY}@127.0.0.1:{listener.getsockname()[1]}/v1", ""  # a reset or a hang-up
            try:
                ran = cli(tmp_path, *generate_args(bfcl_data, url))
            finally:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accept (closing alone does not): the thread ends
                banner.join(5)
            assert not banner.is_alive()
    else:  # https to a plain HTTP server: the TLS handshake fails
        with FakeModel(bfcl_data, every=0) as server:
            url, why = f"https://user:{KEY}@127.0.0.1:{server.port}/v1", "SSL"
            ran = cli(tmp_path, *generate_args(bfcl_data, url))
    assert ran.code == 2, ran.err
    assert len(ran.error_lines) == 1 and "unreachable" in ran.err and why in ran.err
    assert url.split("@")[1] in ran.err and KEY not in ran.err + ran.out  # names the URL, not the key
    assert ran.seconds < 30  # a 3 s probe (was: retries for minutes)
    assert not (tmp_path / "run").exists()  # no settings file, no empty folder


def test_two_dead_replicas_stop_the_run_one_dead_replica_is_rested(tmp_path, bfcl_data):
    first, second = dead_url(), dead_url()
    ran = cli(tmp_path, *generate_args(bfcl_data, first, second))
    assert ran.code == 2 and len(ran.error_lines) == 1
    assert first.split("@")[1] in ran.err and second.split("@")[1] in ran.err
    with FakeModel(bfcl_data, every=0) as server:
        ran = cli(tmp_path, *generate_args(bfcl_data, dead_url(), server.base_url))
        assert server.count(CHAT) == 8
    assert ran.code == 0, ran.err
    assert len(result_lines(tmp_path)) == 8


def test_an_error_body_on_a_200_is_an_error_sent_again_never_an_empty_answer(tmp_path, bfcl_data):
    with FakeModel(bfcl_data, every=0) as server:
        server.script([Reply.error_body("CUDA out of memory")] * 2)  # one entry, asked twice
        ran = cli(tmp_path, *generate_args(bfcl_data, server.base_url, extra=("--num_process", "1")))
        assert server.count(CHAT) == 9  # a bad body is asked once more at once, not six times with backoff
        assert ran.code == 2 and len(ran.error_lines) == 1
        assert "1 of 8 entries got no reply" in ran.err and "CUDA out of memory" in ran.err
        failed = [r for r in result_lines(tmp_path) if r.get("toolgrad_error")]
        assert len(failed) == 1 and failed[0]["result"].startswith("Error during inference")
        server.reset()
        again = cli(tmp_path, *generate_args(bfcl_data, server.base_url))
        assert again.code == 0 and server.count(CHAT) == 1
    assert not any(r.get("toolgrad_error") or r["result"] == "" for r in result_lines(tmp_path))


def test_a_lone_surrogate_in_a_reply_leaves_valid_utf8_and_resume_works(tmp_path, bfcl_data):
    body = json.dumps(
        {"choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "PLACE"}}]}
    ).replace("PLACE", "bad \\udfff end")
    with FakeModel(bfcl_data, every=0) as server:
        server.script([Reply.malformed(body)])
        ran = cli(tmp_path, *generate_args(bfcl_data, server.base_url, extra=("--num_process", "1")))
        assert ran.code == 0, ran.err
        path = tmp_path / "run" / "result" / "m" / "non_live" / "BFCL_v4_simple_python_result.json"
        path.read_bytes().decode("utf-8")  # strict: raises on a surrogate written as bytes
        assert any(r["result"] == "bad \ufffd end" for r in result_lines(tmp_path))
        again = cli(tmp_path, *generate_args(bfcl_data, server.base_url))
        assert again.code == 0, again.err
        assert "0 entries to send" in again.out


@pytest.mark.parametrize("part", ["headers", "body"])
def test_a_server_dripping_bytes_ends_at_the_deadline(tmp_path, bfcl_data, part):
    with FakeModel(bfcl_data, every=0) as server:
        server.script([Reply.drip(part, interval=0.2)])
        ran = cli(
            tmp_path,
            *generate_args(bfcl_data, server.base_url, extra=("--num_process", "1", "--timeout", "2")),
        )
        assert server.count(CHAT) == 9  # the dripped request ended at its deadline, then was sent again
    assert ran.code == 0, ran.err
    assert ran.seconds < 40  # 2 s deadline + one retry; without a total deadline it never ends


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "until-close"])
def test_huge_replies_are_cut_at_the_cap_with_bounded_memory_and_output(tmp_path, bfcl_data, declared):
    with FakeModel(bfcl_data, every=0) as server:
        server.script([Reply.huge(200 * 1024 * 1024, declared=declared)] * 4)
        ran = cli(tmp_path, *generate_args(bfcl_data, server.base_url, extra=("--num_process", "4")))
    assert ran.code == 2 and len(ran.error_lines) == 1 and "reply larger than" in ran.err
    assert 20 < ran.rss_mb < 300, ran.rss_mb  # 4 x 200 MB in flight (was 2.3 GB); measured, not 0
    assert written(tmp_path / "run") < 20 * 1024 * 1024
    assert sum(1 for r in result_lines(tmp_path) if r.get("toolgrad_error")) == 4


def test_429_forever_stops_at_the_run_budget_and_resumes(tmp_path, bfcl_data):
    with FakeModel(bfcl_data, every=0, fault_rate=1.0, fault=Reply.status(429, retry_after=0.2)) as server:
        ran = cli(tmp_path, *generate_args(bfcl_data, server.base_url, extra=("--max-stall", "2")))
    assert ran.code == 2 and len(ran.error_lines) == 1, ran.err
    assert "retry budget" in ran.err and "HTTP 429" in ran.err and "resumes" in ran.err
    assert ran.seconds < 30
    with FakeModel(bfcl_data, every=0) as server:
        again = cli(tmp_path, *generate_args(bfcl_data, server.base_url))
    assert again.code == 0 and len(result_lines(tmp_path)) == 8


def test_a_redirect_is_not_followed(tmp_path, bfcl_data):
    with FakeModel(bfcl_data, every=0) as target, FakeModel(bfcl_data, every=0) as server:
        server.script([Reply.redirect(f"{target.base_url}/chat/completions")] * 8)
        ran = cli(tmp_path, *generate_args(bfcl_data, server.base_url))
        assert target.count() == 0  # the prompt (and the key) never went elsewhere
    assert ran.code == 2 and len(ran.error_lines) == 1
    assert "redirect (HTTP 302" in ran.err and "not followed" in ran.err


def test_a_server_echoing_the_key_gets_it_into_no_file(tmp_path, bfcl_data):
    with FakeModel(bfcl_data, every=0, echo_auth=True) as server:
        ran = cli(tmp_path, "run", *generate_args(bfcl_data, server.base_url)[1:], "--report", "site")
    assert ran.code == 0, ran.err
    assert any("***" in json.dumps(r) for r in result_lines(tmp_path))  # the echo was there, and hidden
    assert KEY not in ran.out + ran.err
    no_key_anywhere(tmp_path)


def test_resume_and_scoring_with_other_question_data_are_refused(tmp_path, bfcl_data):
    with FakeModel(bfcl_data, every=0) as server:
        assert cli(tmp_path, *generate_args(bfcl_data, server.base_url)).code == 0
        question_file = bfcl_data / "BFCL_v4_simple_python.json"
        lines = question_file.read_text().splitlines()
        question_file.write_text("\n".join(lines[:-1]) + "\n")  # one question fewer: other data
        ran = cli(tmp_path, *generate_args(bfcl_data, server.base_url, extra=("--max-stall", "5")))
    assert ran.code == 2 and len(ran.error_lines) == 1 and "other question data (simple_python" in ran.err
    scored = cli(tmp_path, "--pred_model", "m", "--dataset", "run", "--bfcl-data", str(bfcl_data))
    assert scored.code == 2 and "not the question data" in scored.err and len(scored.error_lines) == 1


def test_post_chat_hands_back_no_lone_surrogate_and_refuses_an_error_body(fake_openai, monkeypatch):
    """The HTTP layer itself (judge and generate share it): a reply's lone surrogate escape becomes
    U+FFFD before anyone sees it; a 200 ``{"error": ...}`` body is a BadReply, not an empty answer."""
    from toolgrad_eval.judge.endpoints import BadReply, make_pool, post_chat

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    client = make_pool([fake_openai.base_url], timeout=5, on_request=lambda _r: None).endpoints[0].client
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    fake_openai.script([Reply.content("a \udfff b \ud83d\ude00")])
    content = post_chat(client, body)["choices"][0]["message"]["content"]
    assert content == "a \ufffd b \U0001f600"  # the lone one replaced, the pair kept
    fake_openai.script([Reply.error_body("overloaded")])
    with pytest.raises(BadReply, match="not a completion .*overloaded"):
        post_chat(client, body)


@pytest.mark.parametrize("code", [200, 400], ids=["reply", "error"])
def test_a_gzip_bomb_is_inflated_within_the_cap(tmp_path, bfcl_data, code):
    """A 1 GB body sent as 1 MB of gzip: a reply stops at the byte cap, an error's message is cut at
    64 KiB (the SDK reads an error body whole, and httpx inflates each network read whole), so the
    process never holds more than a few MB of it; the entries are recorded as errors."""
    with FakeModel(bfcl_data, every=0) as server:
        server.script([Reply.gzip(1 << 30, code=code)] * 8)
        ran = cli(tmp_path, *generate_args(bfcl_data, server.base_url, extra=("--num_process", "4")))
    assert ran.code == 2 and len(ran.error_lines) == 1, ran.err
    assert ("reply larger than" if code == 200 else f"HTTP {code}") in ran.err
    assert 20 < ran.rss_mb < 250, ran.rss_mb  # 4 x 1 GB in flight without the bounds; measured, not 0
    assert written(tmp_path / "run") < 1024 * 1024  # the message is cut before it reaches a file
    assert sum(1 for r in result_lines(tmp_path) if r.get("toolgrad_error")) >= 4


def test_inflating_reads_what_it_must_and_refuses_what_it_did_not_ask_for(fake_openai, monkeypatch):
    """The HTTP layer itself: a small gzip reply reads as a completion, a 400 bomb's message is the
    first 64 KiB, a reply in an encoding not asked for (br) fails rather than being inflated by
    whatever library happens to be installed."""
    import openai

    from toolgrad_eval.judge.endpoints import make_pool, post_chat
    from toolgrad_eval.judge.transport import ERROR_BODY_BYTES

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    client = make_pool([fake_openai.base_url], timeout=5, on_request=lambda _r: None).endpoints[0].client
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    fake_openai.script([Reply.gzip(300_000)])
    assert post_chat(client, body)["choices"][0]["message"]["content"] == "0" * 300_000
    fake_openai.script([Reply.gzip(1 << 28, code=400)])
    with pytest.raises(openai.BadRequestError) as refused:
        post_chat(client, body)
    assert len(refused.value.response.content) == ERROR_BODY_BYTES
    fake_openai.script([Reply.gzip(1000, encoding="br")])
    with pytest.raises(openai.APIConnectionError) as odd:
        post_chat(client, body)
    assert "encoding not asked for (br)" in str(odd.value.__cause__)


@pytest.mark.parametrize("wrapper", ["gzip", "zlib", "raw"])
def test_inflated_bodies_decode_whole_whatever_their_chunks(wrapper):
    """Every deflate wrapper httpx reads, in chunks of any size (an empty first one included), gives
    the body byte for byte, however much one chunk inflates to."""
    import zlib

    from toolgrad_eval.judge.transport import _Inflated

    body = b"".join(b"%d " % i + b"0" * (i % 5000) for i in range(400))  # ~1 MB, compresses ~500x
    bits = {"gzip": zlib.MAX_WBITS | 16, "zlib": zlib.MAX_WBITS, "raw": -zlib.MAX_WBITS}[wrapper]
    packer = zlib.compressobj(9, zlib.DEFLATED, bits)
    packed = packer.compress(body) + packer.flush()
    encoding = "gzip" if wrapper == "gzip" else "deflate"
    for size in (1, 7, 4096, len(packed)):
        chunks = [b"", *(packed[i : i + size] for i in range(0, len(packed), size))]
        assert b"".join(_Inflated(chunks, [encoding], error=False)) == body, size
