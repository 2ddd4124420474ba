"""Hide credentials in text before it is stored or shown.

Every text that came from elsewhere (a judge's verdict, an endpoint's error message, a URL typed by
the user) may carry a key: a careless proxy or a hostile endpoint can echo the request's
``Authorization`` header back in its reply. Such text passes through :func:`redact_secrets` before
it reaches the cache, a run record, a report or the terminal.
"""

from __future__ import annotations

import os
import re
from typing import Any

_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")
_SK_KEY = re.compile(r"\bsk-[A-Za-z0-9_-]{8,}")
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]+@")
_URL_SECRET_PARAM = re.compile(r"(?i)([?&](?:api[-_]?key|key|token|access[-_]?token|sig|signature)=)[^&#\s]+")
# Environment variables whose values are credentials for the endpoints we call.
KEY_VARIABLES = ("OPENAI_API_KEY", "TOOLGRAD_JUDGE_API_KEY", "TOOLGRAD_MODEL_API_KEY")
# Shorter values are too likely to occur in ordinary text ("no-key", "k") to be replaced everywhere.
MIN_KEY_CHARS = 8


def configured_keys() -> list[str]:
    """The keys in use, longest first (so a key containing another is replaced whole)."""
    keys = {os.environ.get(name, "") for name in KEY_VARIABLES}
    return sorted((k for k in keys if len(k) >= MIN_KEY_CHARS), key=len, reverse=True)


def redact_url(text: str) -> str:
    """Hide credentials written into URLs (user:password@host, ?api-key=...)."""
    return _URL_SECRET_PARAM.sub(r"\1***", _URL_USERINFO.sub(r"\1***@", text))


def redact_secrets(text: str) -> str:
    """Hide what could be a credential: the keys in use, bearer tokens, ``sk-...`` keys, and
    credentials in URLs."""
    for key in configured_keys():
        text = text.replace(key, "***")
    return _SK_KEY.sub("sk-***", _BEARER.sub(r"\1***", redact_url(text)))


def redact_value(value: Any) -> Any:
    """``value`` (decoded JSON: a model's reply, a result line) with :func:`redact_secrets` applied
    to every string in it, keys included: a server may echo the key inside a tool call's arguments."""
    if isinstance(value, str):
        return redact_secrets(value)
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    if isinstance(value, dict):
        return {redact_value(k): redact_value(v) for k, v in value.items()}
    return value
