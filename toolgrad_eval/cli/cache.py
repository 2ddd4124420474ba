"""``toolgrad-eval cache``: move verdicts between judgment caches (folders, PostgreSQL servers, machines)."""

from __future__ import annotations

from pathlib import Path

import click

_CACHE_DIR = click.option(
    "--cache-dir",
    "--cache_dir",
    "cache_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Local judgment cache folder [default: the user cache dir].",
)
_CACHE_URL = click.option(
    "--cache-url",
    "--cache_url",
    "cache_url",
    default=None,
    envvar="TOOLGRAD_EVAL_CACHE_URL",
    help="A PostgreSQL judgment cache (postgresql://...) instead of --cache-dir; the password (user:pass@ or "
    "?password=) is never shown. A server that does not answer is waited for about 41 s (4 attempts of 10 s).",
)


@click.group("cache", context_settings={"help_option_names": ["-h", "--help"]})
def cache() -> None:
    """Export and import cached verdicts: no request is sent, nothing is paid again.

    \b
    toolgrad-eval cache export verdicts.jsonl                      # the default local cache
    toolgrad-eval cache import verdicts.jsonl --cache-url postgresql://user:pass@db/evals
    """


@cache.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@_CACHE_DIR
@_CACHE_URL
@click.option("--overwrite", is_flag=True, help="Replace PATH if it exists.")
def export(path: Path, cache_dir: Path | None, cache_url: str | None, overwrite: bool) -> None:
    """Write every verdict of the cache to PATH (JSONL, checksummed entries)."""
    from toolgrad_eval.judge.cache import default_cache_dir, open_cache
    from toolgrad_eval.judge.cache_transfer import export_cache

    with open_cache(cache_dir or default_cache_dir(), cache_url) as judgments:
        done = export_cache(judgments, path, replace=overwrite)
        where = judgments.where
    damaged = f"; {done.damaged} damaged entries left out" if done.damaged else ""
    click.echo(f"{done.entries} verdicts exported from {where} to {path}{damaged}.")


@cache.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@_CACHE_DIR
@_CACHE_URL
def import_(path: Path, cache_dir: Path | None, cache_url: str | None) -> None:
    """Add the verdicts of an export to the cache (entries it already has are kept)."""
    from toolgrad_eval.judge.cache import default_cache_dir, open_cache
    from toolgrad_eval.judge.cache_transfer import import_cache

    with open_cache(cache_dir or default_cache_dir(), cache_url) as judgments:
        done = import_cache(judgments, path)
        where = judgments.where
    rejected = (
        f", {done.rejected} lines rejected (not an entry, a failed checksum, a malformed verdict record or usage, "
        "or a line too long)"
        if done.rejected
        else ""
    )
    click.echo(f"{done.added} verdicts imported into {where}, {done.already_there} already there{rejected}.")
