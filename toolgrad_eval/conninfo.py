"""Hiding database passwords: a PostgreSQL ``--cache-url`` may carry one in three places.

``postgresql://user:secret@host/db`` (the user information), ``postgresql://host/db?password=secret``
(a query parameter) and the keyword form ``host=h password=secret`` (or ``password='a b'``). None of
them may reach a terminal line, a run record's ``command``, a report page or an error message.
"""

from __future__ import annotations

import re

from toolgrad_eval.redact import redact_url

# password=... as a URL query parameter (up to & or #) or a conninfo keyword (quoted, or up to a space)
_QUERY_PASSWORD = re.compile(r"(?i)([?&](?:password|passwd|pwd|sslpassword)=)[^&#\s'\"]*")
_KEYWORD_PASSWORD = re.compile(r"(?i)(\b(?:password|sslpassword)\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s'&]*)")


def redact_conninfo(text: str) -> str:
    """``text`` with every database password (and any URL credential) replaced by ``***``."""
    text = _QUERY_PASSWORD.sub(r"\1***", redact_url(text))
    return _KEYWORD_PASSWORD.sub(r"\1***", text)


def passwords_in(conninfo: str) -> list[str]:
    """The password values written in ``conninfo`` (URL or keyword form), to be hidden wherever a
    server or driver message quotes them back; longest first."""
    from urllib.parse import unquote, urlsplit

    found: set[str] = set()
    try:
        password = urlsplit(conninfo).password
    except ValueError:
        password = None
    if password:
        found.update({password, unquote(password)})
    for match in _QUERY_PASSWORD.finditer(conninfo):
        value = conninfo[match.end(1) : match.end()]
        found.update({value, unquote(value)})
    for match in _KEYWORD_PASSWORD.finditer(conninfo):
        value = match.group(2)
        found.update({value, value.strip("'").replace("\\'", "'")})
    return sorted((v for v in found if v), key=len, reverse=True)
