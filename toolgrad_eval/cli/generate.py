"""``toolgrad-eval generate --model NAME --dataset RUN``: BFCL result files from a served model."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import click

from toolgrad_eval.cli.evaluate import Finite

_OPTIONS: list[Callable[[Any], Any]] = [
    click.option(
        "--model",
        "--pred_model",
        "--pred-model",
        "model",
        required=True,
        help="Model name sent to the server; its results go to RUN/result/<NAME with / as _>/.",
    ),
    click.option(
        "--dataset",
        required=True,
        type=click.Path(path_type=Path),
        help="BFCL run folder to write result/<model>/ into.",
    ),
    click.option(
        "--base-url",
        "--base_url",
        "base_urls",
        multiple=True,
        help="OpenAI-compatible server, e.g. http://localhost:8000/v1; repeat for replicas [default: OPENAI_BASE_URL, comma-separated allowed].",
    ),
    click.option(
        "--mode",
        type=click.Choice(["fc", "prompt"]),
        default="fc",
        show_default=True,
        help="fc: functions as tools, calls stored; prompt: functions in the system prompt, text stored.",
    ),
    click.option(
        "--categories",
        default="single_turn",
        show_default=True,
        help="single_turn, live, non_live, multi_turn, memory, or a comma-separated list of categories. multi_turn_* "
        "run a conversation per entry (calls executed on BFCL's simulators); memory (memory_kv, memory_rec_sum; v4) "
        "holds each scenario's prerequisite conversations first (memory_kv needs toolgrad-eval[memory]); "
        "memory_vector only when named (needs sentence-transformers, faiss and an embedding model). Not "
        "generated: web_search (needs the live web and a search API key).",
    ),
    click.option(
        "--num-process",
        "--num_process",
        "num_process",
        type=click.IntRange(min=1, max=1024),
        default=8,
        show_default=True,
        help="Requests in flight at once (lowered on sustained 429s; 8 for a local model server, where "
        "evaluate's judge defaults to 1).",
    ),
    click.option(
        "--temperature",
        type=Finite(0, 2),
        default=0.001,
        show_default=True,
        help="Sampling temperature (BFCL's default).",
    ),
    click.option(
        "--max-tokens",
        "--max_tokens",
        "max_tokens",
        type=click.IntRange(min=1),
        default=None,
        help="Completion token limit per request [default: the server's].",
    ),
    click.option(
        "--bfcl-version",
        "--bfcl_version",
        "version",
        type=click.Choice(["v4", "v3"]),
        default="v4",
        show_default=True,
        help="BFCL data and result layout.",
    ),
    click.option(
        "--system-prompt",
        "--system_prompt",
        "system_prompt",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="Prompt mode: system prompt file; {functions} is replaced by the function docs [default: the official BFCL prompt].",
    ),
    click.option(
        "--bfcl-data",
        "--bfcl_data",
        "bfcl_data",
        type=click.Path(path_type=Path),
        default=None,
        help="Folder with BFCL_v*_<category>.json [default: the fetched data].",
    ),
    click.option(
        "--fetch-bfcl-data",
        "fetch_bfcl_data",
        is_flag=True,
        help="Download the matching bfcl-eval data if it is not cached.",
    ),
    click.option(
        "--timeout",
        type=Finite(min=1),
        default=300.0,
        show_default=True,
        help="Seconds per request in all (connect, send, wait, read): a server dripping bytes ends there too "
        "(300: a long answer; evaluate's judge verdicts get 120).",
    ),
    click.option(
        "--max-stall",
        "--max_stall",
        "max_stall",
        type=Finite(min=1),
        default=600.0,
        show_default=True,
        help="Stop (resumable) when no reply came for this many seconds while requests kept failing (429s, 5xx, timeouts).",
    ),
]


def generate_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options ``generate`` and ``run`` share."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def run_generation(options: dict[str, Any], *, overwrite: bool, then: str = "") -> dict[str, Any]:
    """Generate from parsed CLI options; prints progress (terminal only) and a summary; returns it.
    Entries that got no reply end it with a GenerateIncomplete (one line, non-zero exit); ``then``
    says what was not done because of them."""
    from toolgrad_eval.generate.progress import progress_for
    from toolgrad_eval.generate.runner import GenerateOptions, generate, parse_categories
    from toolgrad_eval.generate.sender import GenerateIncomplete, SendSettings

    settings = GenerateOptions(
        model=options["model"],
        dataset=options["dataset"],
        mode=options["mode"],
        categories=parse_categories(options["categories"], options["version"]),
        version=options["version"],
        base_urls=tuple(options["base_urls"]),
        num_process=options["num_process"],
        temperature=options["temperature"],
        max_tokens=options["max_tokens"],
        system_prompt=options["system_prompt"],
        bfcl_data=options["bfcl_data"],
        fetch=options["fetch_bfcl_data"],
        overwrite=overwrite,
        send=SendSettings(timeout=options["timeout"], max_stall=options["max_stall"]),
    )
    try:
        summary = generate(settings, echo=click.echo, on_progress=progress_for(f"Generating {options['model']}"))
    except KeyboardInterrupt:
        click.echo(
            "\nInterrupted. Every reply received is in the result files; run the same command again "
            "to send only what is missing.",
            err=True,
        )
        raise SystemExit(130) from None
    _print_summary(summary)
    if summary["errors"]:
        raise GenerateIncomplete(
            f"{summary['errors']} of {summary['sent']} entries got no reply (first: {summary['first_error'][:300]}); "
            f"they are recorded as errors, not answers{then}: run the same command again to send them"
        )
    return summary


def _print_summary(s: dict[str, Any]) -> None:
    click.echo(
        f"Sent {s['sent']} entries in {s['seconds']:.1f} s ({s['http_requests']} HTTP requests), "
        f"{s['skipped']} already there; tokens: {s['prompt_tokens']:,} prompt + {s['completion_tokens']:,} "
        "completion."
    )
    if len(s["servers"]) > 1:
        for server in s["servers"]:
            click.echo(f"  {server['url']}: {server['served']} answered, {server['failures']} failed requests")
    click.echo(f"Results: {s['result_dir']}")


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@generate_options
@click.option("--overwrite", is_flag=True, help="Regenerate every entry, replacing the result files.")
def generate(**options: Any) -> None:
    """Ask a served model the BFCL questions and write BFCL result files (resumable)."""
    run_generation(options, overwrite=options["overwrite"])
