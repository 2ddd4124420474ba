"""``toolgrad-eval bfcl-data``: fetch BFCL questions/answers into the cache, or show where they are."""

from __future__ import annotations

from pathlib import Path

import click

_VERSIONS = ("v4", "v3", "all")


@click.group("bfcl-data", context_settings={"help_option_names": ["-h", "--help"]})
def bfcl_data() -> None:
    """Manage the BFCL data (questions + possible answers) used to score BFCL runs.

    \b
    toolgrad-eval bfcl-data fetch v4     # bfcl-eval 2026.3.23's data, no dependencies installed
    toolgrad-eval bfcl-data fetch v3     # bfcl-eval 2025.6.30's data (for BFCL_v3_* runs)
    toolgrad-eval bfcl-data where        # which data a run would use
    """


@bfcl_data.command("fetch")
@click.argument("version", type=click.Choice(_VERSIONS))
@click.option("--force", is_flag=True, help="Download and unpack again even if the cache is complete.")
@click.option(
    "--wheel",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Use this already downloaded bfcl-eval wheel instead of running pip (its SHA-256 is checked).",
)
@click.option(
    "--bfcl-cache",
    "--cache-dir",
    "cache_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="BFCL data cache folder (--cache-dir: old spelling) [default: <user cache dir>/toolgrad-eval/bfcl].",
)
def fetch(version: str, force: bool, wheel: Path | None, cache_dir: Path | None) -> None:
    """Download the bfcl-eval wheel for VERSION with pip (--no-deps) and unpack only its data."""
    from toolgrad_eval.bfcl.fetch import cache_root, fetch_data
    from toolgrad_eval.fileio import ensure_writable_dir

    if wheel is not None and version == "all":
        raise click.UsageError("--wheel needs one version (v3 or v4)")
    ensure_writable_dir(cache_dir or cache_root(), "BFCL data cache (--bfcl-cache)")  # one line, before pip runs
    for v in ("v4", "v3") if version == "all" else (version,):
        folder = fetch_data(v, cache=cache_dir, wheel=wheel, force=force, echo=click.echo)
        click.echo(f"{v}: {folder}")


@bfcl_data.command("where")
@click.option(
    "--bfcl-cache",
    "--cache-dir",
    "cache_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="BFCL data cache folder (--cache-dir: old spelling) [default: <user cache dir>/toolgrad-eval/bfcl].",
)
def where(cache_dir: Path | None) -> None:
    """Show, per BFCL version, the data a run would use (without --bfcl-data) and the cache folder."""
    from toolgrad_eval.bfcl.categories import BFCL_EVAL_RELEASE
    from toolgrad_eval.bfcl.data import DataNotFoundError, installed_package, locate_data
    from toolgrad_eval.bfcl.fetch import cached_data_dir

    installed = installed_package()
    if installed:
        click.echo(f"installed bfcl-eval: {installed[1] or 'unknown release'} ({installed[0]})")
    else:
        click.echo("installed bfcl-eval: none")
    for version, release in BFCL_EVAL_RELEASE.items():
        click.echo(f"{version} (bfcl-eval {release}): cache folder {cached_data_dir(version, cache_dir)}")
        try:
            data = locate_data(version, cache=cache_dir, echo=lambda _msg: None)
            click.echo(f"  used: {data.source}")
        except DataNotFoundError:
            click.echo(f"  used: none yet (run `toolgrad-eval bfcl-data fetch {version}`)")
