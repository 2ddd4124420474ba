"""HTML pages: jinja2 templates shipped in the package, autoescaped, with a strict CSP.

Model and judge text is hostile. Three layers keep it inert: jinja2 escapes every value (no
template marks model text safe), the only inline script and style are our own files, allowed by
their SHA-256 hashes in a Content-Security-Policy meta tag with ``default-src 'none'``, and the
page loads nothing at all, so it works from file:// and no request leaves it.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from toolgrad_eval import __version__
from toolgrad_eval.leaderboard import BENCHMARK_TITLES, COLUMNS, MAX_PER_ERROR_TYPE, Leaderboard, ModelPage
from toolgrad_eval.leaderboard.text import display_path, short_name, strip_bidi
from toolgrad_eval.report import charts, formatting

if TYPE_CHECKING:
    import jinja2

PACKAGE = "toolgrad_eval.report"


@dataclass(frozen=True)
class Assets:
    css: str
    js: str

    @property
    def csp(self) -> str:
        return (
            "default-src 'none'; "
            f"script-src '{_sha256(self.js)}'; "
            f"style-src '{_sha256(self.css)}'; "
            "img-src 'none'; font-src 'none'; connect-src 'none'; "
            "base-uri 'none'; form-action 'none'"
        )


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


@lru_cache(maxsize=1)
def assets() -> Assets:
    static = resources.files(PACKAGE) / "static"
    return Assets(
        css=(static / "report.css").read_text(encoding="utf-8"),
        js=(static / "report.js").read_text(encoding="utf-8"),
    )


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader(PACKAGE, "templates"),
        autoescape=True,  # every {{ }} is escaped, whatever the file extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Every {{ }} loses bidi controls, in text, attributes and <title> alike: whatever field of a
        # run record a template shows, an RLO in it cannot reverse the page's own text.
        finalize=_no_bidi,
    )
    env.filters.update(
        value=formatting.value,
        signed=formatting.signed,
        interval=formatting.interval,
        p_value=formatting.p_value,
        percent=formatting.percent,
        sort_key=formatting.sort_key,
        short=short_name,
        path=display_path,
        breakable=_breakable,
    )
    return env


def _no_bidi(value: object) -> object:
    if isinstance(value, str) and not isinstance(value, Markup):
        return strip_bidi(value)
    return value


def _breakable(text: str) -> Markup:
    """Identifiers such as ``value_error:string`` may break after _ : / . rather than mid-word."""
    escaped = str(escape(strip_bidi(text)))
    return Markup(re.sub(r"([_:/.])(?=\w)", r"\1<wbr>", escaped))


def render(template: str, **context: object) -> str:
    found = assets()
    return (
        _environment()
        .get_template(template)
        .render(
            csp=found.csp,
            # Our own files, inserted verbatim so that the CSP hashes match byte for byte.
            css=Markup(found.css),
            js=Markup(found.js),
            version=__version__,
            titles=BENCHMARK_TITLES,
            columns_of=COLUMNS,
            **context,
        )
    )


def render_index(
    board: Leaderboard, downloads: list[tuple[str, str]], comparisons: list[tuple[str, str, str]] | None = None
) -> str:
    """``comparisons``: (path, title, why) of the diff and sweep pages, linked from the index."""
    return render(
        "index.html.jinja",
        board=board,
        charts={t.benchmark: charts.charts(t) for t in board.tables},
        downloads=downloads,
        comparisons=comparisons or [],
        root="",
    )


def render_model_page(board: Leaderboard, page: ModelPage) -> str:
    return render("model.html.jinja", board=board, page=page, root="../", per_type=MAX_PER_ERROR_TYPE)
