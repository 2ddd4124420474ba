"""Builders for tiny ToolGrad-5k datasets with hand-computable metrics."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

SPLIT = "method=embedding"
KEY = "response-unbiased-gpt-4.1-mini"


def call(tool: str, error: Any = "") -> list:
    return [{"tool": tool, "tool_input": {"q": tool}, "log": ""}, {"error": error, "response": f"{tool} says hi"}]


class DatasetBuilder:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.ids: list[str] = []

    def sample(
        self, sid: str, gt: Any, *, query: str | None = None, answer: str = "the right answer"
    ) -> "DatasetBuilder":
        self.ids.append(sid)
        self.write(f"data/{sid}.json", {"query": query or f"question {sid}", "response": answer, "api_use_chains": {}})
        self.write(f"sft_data/{SPLIT}/metadata/{sid}.json", {"pos_tools": gt})
        return self

    def prediction(self, model: str, sid: str, body: Any) -> "DatasetBuilder":
        self.write(f"prediction/{model}/{SPLIT}/{sid}.json", body)
        return self

    def write(self, rel: str, data: Any) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data if isinstance(data, str) else json.dumps(data))
        return path

    def finish(self) -> Path:
        (self.root / "sft_data").mkdir(parents=True, exist_ok=True)
        (self.root / "sft_data" / "test.txt").write_text("\n".join(self.ids) + "\n")
        return self.root


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under root with its SHA-256, plus its mtime: any modification shows."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() + f":{p.stat().st_mtime_ns}"
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


SECRET = "sk-test-SECRET-never-logged-0123456789"


def run_main(data: Path, *args: str, model: str = "m1", out: str = "out", cache: str = "cache") -> tuple[int, dict]:
    """The main command in-process; returns its exit status and the summary it wrote (or {})."""
    from toolgrad_eval.cli.main import main

    from toolgrad_eval.record_schema import validate_record

    code = main(["--pred_model", model, "--dataset", str(data), "--output", out, "--cache-dir", cache, *args])
    path = Path(out) / "summary.json"
    if path.exists():
        validate_record(Path(out))  # every record a test writes is checked against the published schema
    return code, json.loads(path.read_text()) if path.exists() else {}


def read_rows(out: str = "out") -> dict[str, dict]:
    lines = (Path(out) / "per_sample.jsonl").read_text().splitlines()
    return {row["id"]: row for row in map(json.loads, lines)}
