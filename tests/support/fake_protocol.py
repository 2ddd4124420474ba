"""What the fake OpenAI server shares between its routes: request validation, error bodies, ids.

The rules are the real API's where tests depend on them: a strict ``json_schema`` must close
every object and require every property, and errors come as ``{"error": {...}}`` bodies.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any, Mapping

CHAT_PATH = "/v1/chat/completions"

_STATUS_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    404: "invalid_request_error",
    409: "invalid_request_error",
    429: "rate_limit_exceeded",
    500: "server_error",
}


def error_body(status: int, message: str, code: str | None = None, param: str | None = None) -> dict:
    kind = _STATUS_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def _strict_schema_problem(node: Any, where: str) -> str | None:
    """The real API rejects strict schemas with open objects or optional properties."""
    if isinstance(node, list):
        return next((p for i, n in enumerate(node) if (p := _strict_schema_problem(n, f"{where}[{i}]"))), None)
    if not isinstance(node, dict):
        return None
    props = node.get("properties")
    if node.get("type") == "object" or isinstance(props, dict):
        if node.get("additionalProperties") is not False:
            return f"{where}: 'additionalProperties' is required to be supplied and to be false"
        missing = sorted(set(props or {}) - set(node.get("required") or []))
        if missing:
            return f"{where}: 'required' must include every property; missing {missing}"
    for key, child in node.items():
        if key in ("properties", "$defs", "definitions") and isinstance(child, dict):
            problems = (_strict_schema_problem(v, f"{where}.{key}.{k}") for k, v in child.items())
            found = next((p for p in problems if p), None)
        elif key in ("items", "anyOf", "allOf", "oneOf"):
            found = _strict_schema_problem(child, f"{where}.{key}")
        else:
            continue
        if found:
            return found
    return None


def validate_chat_request(body: Any) -> str | None:
    """Why a chat completion request would get a 400 from the real API, or None."""
    if not isinstance(body, dict):
        return "We could not parse the JSON body of your request."
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "you must provide a model parameter"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "Missing required parameter: 'messages'."
    if any(not isinstance(m, dict) or "role" not in m for m in messages):
        return "Invalid 'messages': every message needs a 'role'."
    fmt = body.get("response_format")
    if fmt is None:
        return None
    if not isinstance(fmt, dict) or fmt.get("type") not in ("text", "json_object", "json_schema"):
        return "Invalid 'response_format.type': expected text, json_object or json_schema."
    if fmt["type"] != "json_schema":
        return None
    spec = fmt.get("json_schema")
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        return "Missing required parameter: 'response_format.json_schema.name'."
    if not isinstance(spec.get("schema", {}), dict) or not isinstance(spec.get("strict", False), bool):
        return "Invalid 'response_format.json_schema': schema must be an object, strict a boolean."
    if spec.get("strict"):
        problem = _strict_schema_problem(spec.get("schema", {}), "schema")
        if problem:
            return f"Invalid schema for response_format '{spec['name']}': {problem}."
    return None


def new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:24]}"


class Answer(Exception):
    """Raised inside handlers to answer with status + JSON body (and extra headers)."""

    def __init__(self, status: int, body: Any, headers: Mapping[str, str] | None = None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, dict(headers or {})


class Drop(Exception):
    """Close the connection without writing a response."""


def _last_user_text(request: Mapping) -> str:
    for message in reversed(request.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else json.dumps(content)
    return ""


def marker(request: Mapping, name: str) -> int | None:
    """The integer after ``NAME=`` in the last user message (FAKE_STATUS, FAKE_SCORE), or None."""
    found = re.search(rf"{name}=(-?\d+)", _last_user_text(request))
    return int(found.group(1)) if found else None
