"""The ``toolgrad-eval`` entry point.

``toolgrad-eval --model M --dataset D`` (the reference's ``--pred_model`` too) runs the ``evaluate`` command (the main job);
other commands are named: ``toolgrad-eval report ...``, ``toolgrad-eval bfcl-data ...``, ``toolgrad-eval cache ...``.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from toolgrad_eval import __version__
from toolgrad_eval.cli import teardown
from toolgrad_eval.errors import ToolgradError

# command name -> "module:attribute"; imported only when used, so --help starts instantly.
_COMMANDS = {
    "evaluate": "toolgrad_eval.cli.evaluate:evaluate",
    "report": "toolgrad_eval.cli.report:report",
    "bfcl-data": "toolgrad_eval.cli.bfcl_data:bfcl_data",
    "cache": "toolgrad_eval.cli.cache:cache",
    "demo": "toolgrad_eval.cli.demo:demo",
    "generate": "toolgrad_eval.cli.generate:generate",
    "run": "toolgrad_eval.cli.run:run",
    "diff": "toolgrad_eval.cli.diff:diff",
    "baselines": "toolgrad_eval.cli.baselines:baselines",
}
_DEFAULT = "evaluate"


class _DefaultGroup(click.Group):
    """A group that runs ``evaluate`` when the first argument is not a command name."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = _COMMANDS.get(name)
        if target is None:
            return None
        module, attribute = target.split(":")
        try:
            return getattr(importlib.import_module(module), attribute)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                return None
            raise

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in _COMMANDS and args[0] not in ("--help", "-h", "--version"):
            if not args[0].startswith("-"):  # evaluate takes no word of its own: a mistyped command
                raise ToolgradError(_unknown_command(args[0]))
            args = [_DEFAULT, *args]
        return super().parse_args(ctx, args)


def _unknown_command(word: str) -> str:
    import difflib

    close = difflib.get_close_matches(word, _COMMANDS, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}?" if close else f"commands: {', '.join(sorted(_COMMANDS))}"
    return f"no command {word!r}; {hint} (scoring needs no command: toolgrad-eval --model M --dataset D)"


@click.group(cls=_DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="toolgrad-eval")
def cli() -> None:
    """Evaluate tool-use LLMs on ToolGrad-5k and BFCL, and publish leaderboards.

    \b
    toolgrad-eval --model toolgrad-12b --dataset ToolGrad-5k/    # --pred_model works too
    toolgrad-eval --model toolgrad-12b --dataset bfcl-run/
    toolgrad-eval generate --model toolgrad-12b --dataset bfcl-run/ --base-url http://localhost:8000/v1
    toolgrad-eval run --model toolgrad-12b --dataset bfcl-run/ --report-dir reports/mine/
    toolgrad-eval report --report-dir reports/mine/
    toolgrad-eval demo        # everything, on the shipped synthetic data
    toolgrad-eval baselines   # the real Gemma-3 4B BFCL run beside its model card

    Options mean the same in every command: --output writes run records, --runs reads them,
    --report-dir writes the site. Old spellings (--pred_model, --out, --report, --num_process)
    still work.
    """


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: user errors become one line on stderr and exit status 2."""
    try:
        cli.main(args=argv, prog_name="toolgrad-eval", standalone_mode=False)
    except ToolgradError as exc:
        click.echo(f"Error: {exc}", err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except SystemExit as exc:  # commands that stop with a documented status (budget reached, Ctrl-C)
        return exc.code if isinstance(exc.code, int) else 1
    return 0


def entry() -> None:
    """The ``toolgrad-eval`` console script and ``python -m toolgrad_eval``: run, then leave.

    Once the openai SDK is loaded, the interpreter's own teardown (freeing the thousands of classes
    the SDK defines) takes ~0.3 s on a 2-core machine, longer than many whole cached runs. By the
    time main() returns every output is written and closed and the judgment cache is closed, so
    the process flushes stdout/stderr and leaves with os._exit. A BFCL evaluation that succeeded
    leaves the same way (:mod:`toolgrad_eval.cli.teardown`: its outputs are fsynced; the teardown
    would only free its data, ~5% of a whole run). Other runs without the SDK, and every failed
    BFCL run, keep the normal exit. TOOLGRAD_EVAL_FULL_EXIT=1 keeps the normal teardown (for tools
    that hook interpreter exit, such as coverage).
    """
    code = main()
    if ("openai" in sys.modules or teardown.skip_allowed()) and not os.environ.get("TOOLGRAD_EVAL_FULL_EXIT"):
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):  # a closed or broken pipe: let the normal exit report it
            sys.exit(code)
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
