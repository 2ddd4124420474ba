"""A fake *model* server: FakeOpenAI answering BFCL questions from their possible answers.

Why: ``toolgrad-eval generate`` must be tested end to end through the real ``openai`` SDK over HTTP,
with the accuracy of the generated run known before it is scored. This server reads a BFCL data
folder (questions + ``possible_answer/``), recognises each request's question (by its last user
message, and the function names the request carries; tests give every question its own text), and
answers it:

* FC requests (with ``tools``): ``tool_calls`` built from the first allowed value of every
  parameter (names with ``.`` written as ``_``, as the request named them; Java and JavaScript
  values as source text);
* prompt requests: the same calls as text, ``[name(param=value, ...)]``;
* irrelevance questions: a sentence and no call; live_relevance: a call.

A *scripted mistake* is made on the entries ``mistake(id, every)`` picks (a stable hash: about one
in ``every``): an AST entry gets a call to a function that does not exist or an empty reply
(alternately), an irrelevance entry gets a call, a relevance entry gets text. So a generated run
scores exactly ``1 - mistakes/entries`` per category, whatever order the requests came in.
Everything else (scripted replies, faults, latency, request log) is FakeOpenAI's.

As a subprocess (kill -9 tests, the benchmark)::

    python tests/support/fake_model.py --data DIR --port 0 --port-file PATH [--every 5]
        [--latency 0.3] [--fault-rate 0.1 --fault-status 503] [--request-log PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any, Literal

if __package__ in (None, ""):  # run as a script: make `support` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from support.fake_openai import FakeOpenAI, FakeOpenAIProcess, Reply, serve_until_killed  # noqa: E402
from support.fake_protocol import new_id  # noqa: E402

__all__ = ["FakeModel", "FakeModelProcess", "Plan", "mistake", "planned_accuracy"]

Plan = Literal["right", "wrong_name", "empty"]
_NO_CALL_TEXT = "None of the functions can answer this question."


def mistake(entry_id: str, every: int) -> Plan:
    """What the fake does for an entry: ``right`` or one of two scripted mistakes."""
    if every <= 0:
        return "right"
    h = int.from_bytes(hashlib.sha256(entry_id.encode()).digest()[:8], "big")
    if h % every:
        return "right"
    return "wrong_name" if (h // every) % 2 == 0 else "empty"


def planned_accuracy(data_dir: Path, category: str, every: int) -> tuple[int, int]:
    """(correct, total) the fake's answers score for one v4 category of ``data_dir``."""
    ids = [row["id"] for row in _rows(Path(data_dir) / f"BFCL_v4_{category}.json")]
    return sum(mistake(i, every) == "right" for i in ids), len(ids)


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _last_user_text(messages: Any) -> str:
    for message in reversed(messages if isinstance(messages, list) else []):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else json.dumps(content)
    return ""


class FakeModel(FakeOpenAI):
    """FakeOpenAI whose default reply answers BFCL questions of ``data_dir`` (see the module docstring)."""

    def __init__(self, data_dir: str | os.PathLike, *, every: int = 5, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.every = every
        self._index: dict[str, list[dict[str, Any]]] = {}
        root = Path(data_dir)
        for path in sorted(root.glob("BFCL_v*_*.json")):
            answers_path = root / "possible_answer" / path.name
            answers = {a["id"]: a["ground_truth"] for a in _rows(answers_path)} if answers_path.exists() else {}
            for row in _rows(path):
                entry = {
                    "id": row["id"],
                    "names": [f["name"] for f in row["function"]],
                    "answer": answers.get(row["id"]),
                    "relevance": "live_relevance" in path.name,
                    "source_text": path.name.endswith(("_java.json", "_javascript.json")),
                }
                self._index.setdefault(_last_user_text(row["question"][0]), []).append(entry)

    def entry_for(self, body: dict[str, Any]) -> dict[str, Any] | None:
        candidates = self._index.get(_last_user_text(body.get("messages")), [])
        text = json.dumps(body)
        fits = [
            c
            for c in candidates
            if all(json.dumps(n)[1:-1] in text or json.dumps(n.replace(".", "_"))[1:-1] in text for n in c["names"])
        ]
        return max(fits, key=lambda c: len(c["names"]), default=None)

    def completion(self, body: dict, reply: Reply | None = None) -> dict:
        if reply is not None:  # a scripted reply: as FakeOpenAI answers it
            return super().completion(body, reply)
        entry = self.entry_for(body)
        fc = bool(body.get("tools"))
        calls = self._calls(entry, fc) if entry is not None else None
        message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
        finish = "stop"
        if calls is None:
            message["content"] = _NO_CALL_TEXT if entry is not None else "unknown question"
        elif not calls:
            message["content"] = ""
        elif fc:
            message["tool_calls"] = [
                {
                    "id": new_id("call_"),
                    "type": "function",
                    "function": {"name": name.replace(".", "_"), "arguments": json.dumps(args)},
                }
                for name, args in calls
            ]
            finish = "tool_calls"
        else:
            message["content"] = (
                "["
                + ", ".join(f"{name}({', '.join(f'{k}={v!r}' for k, v in args.items())})" for name, args in calls)
                + "]"
            )
        prompt_tokens = len(json.dumps(body.get("messages"))) // 4 + 1
        completion_tokens = len(json.dumps(message)) // 4 + 1
        return {
            "id": new_id("chatcmpl-"),
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [{"index": 0, "finish_reason": finish, "logprobs": None, "message": message}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }

    def _calls(self, entry: dict[str, Any], fc: bool) -> list[tuple[str, dict[str, Any]]] | None:
        """The calls to answer with: a list (empty: an empty reply), or None for a no-call sentence."""
        plan = mistake(entry["id"], self.every)
        first_call = [(entry["names"][0], {})] if entry["names"] else []
        if entry["answer"] is None:  # irrelevance: right is no call; relevance: right is a call
            if entry["relevance"]:
                return first_call if plan == "right" else None
            return None if plan == "right" else first_call
        if plan == "empty":
            return []
        calls = []
        for call in entry["answer"]:
            name, params = next(iter(call.items()))
            args = {}
            for param, allowed in params.items():
                value = next((v for v in allowed if v != ""), None)  # "" allowed: the parameter may be left out
                if value is not None:  # Java and JavaScript values are source text: "true", "42"
                    args[param] = json.dumps(value) if entry["source_text"] and not isinstance(value, str) else value
            calls.append(("no_such_function" if plan == "wrong_name" else name, args))
        return calls


class FakeModelProcess(FakeOpenAIProcess):
    """This module as a subprocess: ``with FakeModelProcess(tmp_path, "--data", DIR, "--latency", "0.1")``."""

    script = __file__


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake BFCL model server for tests.")
    parser.add_argument("--data", required=True)
    parser.add_argument("--every", type=int, default=5)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--fault-status", type=int, default=429)
    parser.add_argument("--fault-retry-after", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--request-log")
    args = parser.parse_args(argv)
    server = FakeModel(
        args.data,
        every=args.every,
        latency=args.latency,
        fault_rate=args.fault_rate,
        seed=args.seed,
        fault=Reply.status(args.fault_status, retry_after=args.fault_retry_after),
        request_log=args.request_log,
        port=args.port,
    ).start()
    serve_until_killed(server, args.port_file)


if __name__ == "__main__":
    main()
