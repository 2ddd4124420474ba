"""What the judged benchmarks' commands share: the judge options as a JudgeConfig, and the terminal
lines (progress bar, cost line, warnings, notices) they print alike."""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING, Any, Iterator

import click

if TYPE_CHECKING:
    from toolgrad_eval.judge.session import JudgeConfig

MAX_WARNINGS_SHOWN = 20


def judge_config(options: dict[str, Any], *, default_samples: int) -> JudgeConfig:
    """The judge options every judged benchmark shares (``default_samples``: the benchmark's
    judgments per sample when --judge-samples is not given)."""
    from toolgrad_eval.judge.session import JudgeConfig

    return JudgeConfig(
        model=options["judge_model"],
        timeout=options["timeout"],
        samples=options["judge_samples"] or default_samples,
        temperature=options["judge_temperature"],
        endpoints=tuple(options["judge_endpoints"]),
        max_cost=options["max_cost"],
        prices_file=options["prices_file"],
        batch=options["use_batch"],
        batch_id=options["batch_id"],
        batch_poll_interval=options["batch_poll_interval"],
        cache_dir=options["cache_dir"],
        cache_url=options["cache_url"],
        claim_lease=options["claim_lease"],
        overwrite=options["overwrite"],
        max_judge_errors=options["max_judge_errors"],
    )


def cost_line(s: dict[str, Any]) -> str:
    tokens = f"Judge tokens: {s['prompt_tokens']:,} prompt + {s['completion_tokens']:,} completion"
    if s["cost_usd"] is None:
        return f"{tokens}; cost unknown (no price for {s['judge_model']}; see --prices)."
    tier = " (Batch API price)" if (s.get("price") or {}).get("tier") == "batch" else ""
    unmetered = s.get("replies_without_usage") or 0
    if unmetered:
        tier += f", including an estimate for {unmetered} repl{'y' if unmetered == 1 else 'ies'} that reported no usage"
    return f"{tokens} = ${s['cost_usd']:.4f}{tier}; cached verdicts reused this run saved ${s['cost_saved_usd']:.4f}."


@contextlib.contextmanager
def interrupted_says_where() -> Iterator[None]:
    """Ctrl-C during a judged run: one line saying where the received judgments are, exit 130."""
    from toolgrad_eval.judge.session import RunInterrupted

    try:
        yield
    except RunInterrupted as exc:
        click.echo(
            f"\nInterrupted. Every judgment received so far is cached in {exc.where}; "
            "run the same command again to continue.",
            err=True,
        )
        raise SystemExit(130) from None


def notify(line: str) -> None:
    click.echo(printable(line), err=True)


def progress_printer(model: str):
    """A progress bar on a terminal (None elsewhere); ``failed``, the judge errors so far, shows beside it."""
    if not sys.stderr.isatty():
        return None
    state: dict[str, Any] = {}

    def update(done: int, total: int, failed: int = 0) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = click.progressbar(
                length=total, label=f"Judging {model}", file=sys.stderr, item_show_func=_errors_shown
            )
            bar.__enter__()
        bar.update(1, failed)
        if done == total:
            bar.__exit__(None, None, None)

    return update


def _errors_shown(failed: int | None) -> str | None:
    return f"{failed} judge error{'' if failed == 1 else 's'}" if failed else None


def judged_cell(summary: dict[str, Any], max_judge_errors: float) -> str:
    """The terminal table's "Judged" cell: ``n of N judged``, or ``partial: n of N judged``."""
    from toolgrad_eval.judge.coverage import Coverage

    return Coverage.of(summary, max_judge_errors).label


def partial_line(summary: dict[str, Any], max_judge_errors: float) -> str | None:
    """Why a run with too many judge errors is not a result (None when it has few enough)."""
    from toolgrad_eval.judge.coverage import Coverage

    coverage = Coverage.of(summary, max_judge_errors)
    if not coverage.too_many_errors:
        return None
    return (
        f"Partial result for {summary.get('model')} ({coverage.label}): {coverage.reason()}. Its means cover the "
        "judged samples only and are marked partial in the run record and the report; fix the judge (see the first "
        "errors above) and run the same command again: judged samples are cached."
    )


def judged_exit_status(summary: dict[str, Any], max_judge_errors: float) -> int:
    """Say why a run with too many judge errors is not a result (on stderr); return the exit status
    scripts must see: 3 after a --max-cost stop, 4 with too many judge errors, else 0."""
    from toolgrad_eval.judge.coverage import Coverage

    line = partial_line(summary, max_judge_errors)
    if line:
        click.echo(printable(line), err=True)
    return Coverage.of(summary, max_judge_errors).exit_status(bool(summary.get("budget_reached")))


def show_warnings(warnings: list[str]) -> None:
    for line in warnings[:MAX_WARNINGS_SHOWN]:
        click.echo(f"warning: {printable(line)}", err=True)
    if len(warnings) > MAX_WARNINGS_SHOWN:
        click.echo(f"warning: ... and {len(warnings) - MAX_WARNINGS_SHOWN} more (see per_sample.jsonl)", err=True)


def printable(text: str) -> str:
    """Untrusted names (ids, paths) must not drive the terminal: show control characters escaped."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
