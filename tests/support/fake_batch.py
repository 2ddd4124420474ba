"""The Files and Batch API subset of the fake OpenAI server (see fake_openai's docstring)."""

from __future__ import annotations

import json
import re
import time
from typing import TYPE_CHECKING, Any

from support.fake_protocol import CHAT_PATH, Answer, error_body, marker, new_id, validate_chat_request

if TYPE_CHECKING:
    from support.fake_openai import FakeOpenAI


def parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """name -> (filename, data); enough of RFC 7578 for the SDK's uploads."""
    found = re.search(r'boundary="?([^";]+)"?', content_type)
    if not found:
        raise ValueError("multipart body without boundary")
    parts: dict[str, tuple[str | None, bytes]] = {}
    for chunk in body.split(b"--" + found.group(1).encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        text = head.decode("utf-8", "replace")
        name = re.search(r';\s*name="([^"]*)"', text)
        filename = re.search(r';\s*filename="([^"]*)"', text)
        if name:
            parts[name.group(1)] = (filename.group(1) if filename else None, data.removesuffix(b"\r\n"))
    return parts


class BatchStore:
    """Files and batches, kept in the owning FakeOpenAI's dicts (under its lock)."""

    def __init__(self, fake: FakeOpenAI):
        self.fake = fake

    def route(self, template: str, ident: str | None, body: Any, content_type: str, raw: bytes) -> Any:
        with self.fake._lock:
            if template == "/v1/files":
                return self.upload(content_type, raw)
            if template == "/v1/batches":
                return self.create(body)
            if template == "GET /v1/batches":
                return self.list_batches()
            if template.startswith("/v1/files/"):
                meta, data = self.fake._files.get(ident or "") or self._missing("file", ident)
                return data if template.endswith("/content") else meta
            batch = self.fake._batches.get(ident or "") or self._missing("batch", ident)
            return self.cancel(batch) if template.endswith("/cancel") else self.poll(batch)

    def list_batches(self) -> dict:
        """Every batch, newest first, on one page (the real API pages by 20; the SDK's first page
        is all a client that looks for a recent batch reads)."""
        data = [dict(state["public"]) for state in reversed(self.fake._batches.values())]
        return {
            "object": "list",
            "data": data,
            "has_more": False,
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None,
        }

    @staticmethod
    def _missing(kind: str, ident: str | None) -> Any:
        raise Answer(404, error_body(404, f"No such {kind}: '{ident}'.", "not_found"))

    def add_file(self, data: bytes, filename: str, purpose: str) -> dict:
        meta = {
            "id": new_id("file-"),
            "object": "file",
            "bytes": len(data),
            "created_at": int(time.time()),
            "filename": filename,
            "purpose": purpose,
            "status": "processed",
            "expires_at": None,
            "status_details": None,
        }
        self.fake._files[meta["id"]] = (meta, data)
        return meta

    def upload(self, content_type: str, raw: bytes) -> dict:
        try:
            parts = parse_multipart(content_type, raw)
        except ValueError as exc:
            raise Answer(400, error_body(400, str(exc))) from None
        purpose = parts.get("purpose", (None, b""))[1].decode()
        if "file" not in parts or purpose not in ("batch", "user_data", "fine-tune", "assistants", "vision"):
            raise Answer(400, error_body(400, "Upload needs a 'file' part and a valid 'purpose'.", param="purpose"))
        filename, data = parts["file"]
        return self.add_file(data, filename or "upload", purpose)

    def create(self, body: Any) -> dict:
        body = body if isinstance(body, dict) else {}
        if body.get("endpoint") != CHAT_PATH or body.get("completion_window") != "24h":
            raise Answer(
                400,
                error_body(
                    400,
                    "Only endpoint /v1/chat/completions with completion_window 24h is supported by the fake.",
                    param="endpoint",
                ),
            )
        meta, data = self.fake._files.get(body.get("input_file_id", "")) or self._missing(
            "file", body.get("input_file_id")
        )
        now = int(time.time())
        lines, errors = self._read_lines(data)
        batch = {
            "id": new_id("batch_"),
            "object": "batch",
            "endpoint": CHAT_PATH,
            "errors": None,
            "input_file_id": meta["id"],
            "completion_window": "24h",
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "created_at": now,
            "in_progress_at": None,
            "expires_at": now + 86400,
            "finalizing_at": None,
            "completed_at": None,
            "failed_at": None,
            "expired_at": None,
            "cancelling_at": None,
            "cancelled_at": None,
            "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
            "metadata": body.get("metadata"),
            "model": next((ln["body"].get("model") for ln in lines), None),
        }
        if errors:
            batch.update(status="failed", failed_at=now, errors={"object": "list", "data": errors})
        self.fake._batches[batch["id"]] = {"public": batch, "lines": lines, "polls": 0, "t0": time.monotonic()}
        return dict(batch)

    @staticmethod
    def _read_lines(data: bytes) -> tuple[list[dict], list[dict]]:
        lines, errors, seen = [], [], set()
        for number, text in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
            if not text.strip():
                continue
            try:
                line = json.loads(text)
            except ValueError:
                line = None
            if not isinstance(line, dict) or not isinstance(line.get("body"), dict):
                errors.append(
                    {
                        "code": "invalid_json_line",
                        "line": number,
                        "param": None,
                        "message": f"Line {number} is not a JSON object with a 'body'.",
                    }
                )
            elif line.get("url") != CHAT_PATH or line.get("method") != "POST":
                errors.append(
                    {
                        "code": "mismatched_endpoint",
                        "line": number,
                        "param": "url",
                        "message": f"Line {number}: url must be POST {CHAT_PATH}.",
                    }
                )
            elif not isinstance(line.get("custom_id"), str) or line["custom_id"] in seen:
                errors.append(
                    {
                        "code": "duplicate_custom_id",
                        "line": number,
                        "param": "custom_id",
                        "message": f"Line {number}: custom_id missing or duplicated.",
                    }
                )
            else:
                seen.add(line["custom_id"])
                lines.append(line)
        return lines, errors

    def poll(self, state: dict) -> dict:
        batch = state["public"]
        if batch["status"] in ("validating", "in_progress"):
            state["polls"] += 1
            now = int(time.time())
            batch["in_progress_at"] = batch["in_progress_at"] or now
            batch["status"] = "in_progress"
            if self.fake.batch_seconds is not None:
                done = time.monotonic() - state["t0"] >= self.fake.batch_seconds
            else:
                done = state["polls"] >= self.fake.batch_polls
            if done:
                self._finish(state, now)
        elif batch["status"] == "cancelling":
            batch.update(status="cancelled", cancelled_at=int(time.time()))
        return dict(batch)

    def _finish(self, state: dict, now: int) -> None:
        batch, outputs, failures = state["public"], [], []
        for line in state["lines"]:
            body = line["body"]
            problem = validate_chat_request(body)
            status = self.fake._batch_faults.get(line["custom_id"], marker(body, "FAKE_STATUS"))
            if problem or status is not None:
                status = 400 if problem else status
                answer = error_body(status, problem or f"fake error {status}", code=str(status))
            else:
                status, answer = 200, self.fake.completion(body)
            row = {
                "id": new_id("batch_req_"),
                "custom_id": line["custom_id"],
                "error": None,
                "response": {"status_code": status, "request_id": new_id("req_"), "body": answer},
            }
            written = self.fake._batch_rewrite(row) if self.fake._batch_rewrite else [row]
            (outputs if status == 200 else failures).extend(r if isinstance(r, str) else json.dumps(r) for r in written)
        stem = f"{batch['id']}_"
        batch["output_file_id"] = self.add_file(
            "".join(r + "\n" for r in outputs).encode(), stem + "output.jsonl", "batch_output"
        )["id"]
        if failures:
            batch["error_file_id"] = self.add_file(
                "".join(r + "\n" for r in failures).encode(), stem + "error.jsonl", "batch_output"
            )["id"]
        batch.update(
            status="completed",
            finalizing_at=now,
            completed_at=now,
            request_counts={"total": len(outputs) + len(failures), "completed": len(outputs), "failed": len(failures)},
        )

    def cancel(self, state: dict) -> dict:
        batch = state["public"]
        if batch["status"] not in ("validating", "in_progress"):
            raise Answer(409, error_body(409, f"Cannot cancel a batch with status '{batch['status']}'."))
        batch.update(status="cancelling", cancelling_at=int(time.time()))
        return dict(batch)
