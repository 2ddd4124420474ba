"""Cleaning untrusted text for display: model names, judge reasons, paths from run records.

Model and judge text is hostile. Besides characters that cannot be written as UTF-8, it may carry
bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE and friends) that reverse the page's own
text around them; those are removed here, and the templates isolate untrusted runs in ``<bdi>``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_TEXT = 1200  # characters of one question / output / answer shown
MAX_NAME = 48  # characters of a model name shown in tables and headings (full name in a tooltip)
# Control characters and lone surrogates (which cannot be written as UTF-8) become U+FFFD.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# Bidi embeddings, overrides, isolates and marks: LRE RLE PDF LRO RLO, LRI RLI FSI PDI, LRM RLM, ALM.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def strip_bidi(text: str) -> str:
    return BIDI_CONTROLS.sub("", text)


def clean_text(value: Any, limit: int = MAX_TEXT) -> str:
    """Display text for any JSON value: UTF-8 safe, no control or bidi characters, at most ``limit`` chars."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = strip_bidi(_UNPRINTABLE.sub("\ufffd", text))
    if len(text) > limit:
        text = f"{text[:limit]}… [{len(text) - limit} more characters]"
    return text


def short_name(name: str, limit: int = MAX_NAME) -> str:
    """A model name cut to ``limit`` characters with an ellipsis (the full name goes in a title)."""
    return name if len(name) <= limit else name[: limit - 1] + "…"


def display_path(value: Any) -> str:
    """A path from a run record as a published page may show it, without the author's file system.

    Under the current folder: relative to it. Inside the installed package (the shipped demo data):
    ``shipped demo: NAME``. Any other absolute path: its last two components.
    """
    if not isinstance(value, (str, Path)) or not str(value):
        return "—"
    path = Path(value)
    if not path.is_absolute():
        return clean_text(str(path), 300)
    import toolgrad_eval

    package = Path(toolgrad_eval.__file__).resolve().parent
    shipped = [package / "benchmarks", package.parent / "benchmarks"]  # wheel, editable install
    resolved = path.resolve()
    for root in shipped:
        if resolved.is_relative_to(root):
            rest = resolved.relative_to(root).parts
            name = rest[-1] if rest else root.name
            kind = "shipped demo" if rest[:1] == ("demo",) else "shipped data"
            return f"{kind}: {clean_text(name, 200)}"
    try:
        return clean_text(str(resolved.relative_to(Path.cwd().resolve())) or ".", 300)
    except ValueError:
        return clean_text("…/" + "/".join(path.parts[-2:]), 300)


@dataclass(frozen=True)
class BuildMessage:
    """Something skipped or unmatched while building the board, naming the files concerned.

    ``str(note)`` (the terminal) shows the paths as found; ``published()`` (the site) shows them as
    ``display_path`` does, so a page never carries the author's file system layout.
    """

    template: str  # str.format text with one {} per path (other braces doubled: see ``about``)
    paths: tuple[Path, ...] = ()

    @classmethod
    def about(cls, path: Path, text: str) -> BuildMessage:
        """``path: text``, where ``text`` may hold anything (a model name with braces included)."""
        return cls("{}: " + literal(text), (path,))

    def __str__(self) -> str:
        return self.template.format(*map(str, self.paths))

    def published(self) -> str:
        return self.template.format(*map(display_path, self.paths))


def literal(text: str) -> str:
    """``text`` for a str.format template, shown as written."""
    return text.replace("{", "{{").replace("}", "}}")
