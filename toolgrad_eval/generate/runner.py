"""``generate``: ask a served model every BFCL question of some categories and write BFCL result files.

The flow: find the data (``--bfcl-data`` or the fetched copy), settle the prompt (prompt mode),
check the settings against those the folder was generated with, open each category's result file
(entries already there are skipped), send what is missing through the endpoint pool, append each
reply as it comes, and record the settings and who answered beside the results. Nothing here
scores; :func:`toolgrad_eval.bfcl.runner.run_bfcl` reads the files afterwards.

Nothing is written before the first line: a run that fails at the door (no data, a dead server)
leaves no settings file and no folder. Every line is redacted (a server echoing the key in a
tool call) and free of lone surrogates before it is written. The settings record a fingerprint of
the question files used (sha256 per category, beside the bfcl-eval release): a resume over other
question data is refused, and so is scoring against other data (settings.check_question_data).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

from toolgrad_eval import __version__
from toolgrad_eval.bfcl.categories import BFCL_EVAL_RELEASE, SINGLE_TURN, file_prefix, group, native_name, to_v4
from toolgrad_eval.bfcl.agentic import MEMORY_SCENARIOS, agentic_entries
from toolgrad_eval.bfcl.data import BfclData, Entry, installed_package, locate_data
from toolgrad_eval.bfcl.multi_turn.simulators import load_memory_class, simulator_dir
from toolgrad_eval.errors import ConfigError
from toolgrad_eval.fileio import replace_lone_surrogates
from toolgrad_eval.generate import memory as memories
from toolgrad_eval.generate import multi_turn
from toolgrad_eval.generate import prompt as prompts
from toolgrad_eval.generate.request import RequestOptions, build_body, result_of
from toolgrad_eval.generate.resultfile import REQUEST, TRANSPORT, ResultFile, error_line
from toolgrad_eval.generate.sender import GenerateAborted, Job, SendSettings, Sender
from toolgrad_eval.generate.settings import GenerationSettings, Invocation, PromptInfo, read_settings, write_settings
from toolgrad_eval.judge.cost import CostMeter
from toolgrad_eval.judge.endpoints import endpoint_urls, make_pool
from toolgrad_eval.names import check_model_name
from toolgrad_eval.redact import redact_value

__all__ = ["CATEGORY_GROUPS", "GenerateOptions", "generate", "parse_categories", "result_folder"]

CATEGORY_GROUPS = {
    "single_turn": SINGLE_TURN,
    "non_live": tuple(c for c in SINGLE_TURN if group(c) == "non_live"),
    "live": tuple(c for c in SINGLE_TURN if group(c) == "live"),
    "multi_turn": multi_turn.MULTI_TURN,
    # memory_vector is opt-in (an embedding model): asked for by its own name only
    "memory": ("memory_kv", "memory_rec_sum"),
}
GENERATED = SINGLE_TURN + multi_turn.MULTI_TURN + memories.MEMORY_CATEGORIES
DEFAULT_TEMPERATURE = 0.001  # BFCL's own default


@dataclass(frozen=True)
class GenerateOptions:
    model: str  # the name sent to the server; its result folder writes "/" as "_", as BFCL does
    dataset: Path  # the run folder: results go to <dataset>/result/<folder>/
    mode: Literal["fc", "prompt"] = "fc"
    categories: tuple[str, ...] = SINGLE_TURN
    version: Literal["v3", "v4"] = "v4"
    base_urls: tuple[str, ...] = ()
    num_process: int = 8
    temperature: float = DEFAULT_TEMPERATURE
    max_tokens: int | None = None
    system_prompt: Path | None = None
    bfcl_data: Path | None = None
    fetch: bool = False
    overwrite: bool = False
    send: SendSettings = field(default_factory=SendSettings)


def result_folder(model: str) -> str:
    """The folder under ``result/`` for a served model name (BFCL writes "/" as "_")."""
    return check_model_name(model.replace("/", "_"), "--model")


def parse_categories(text: str, version: str) -> tuple[str, ...]:
    """``single_turn``, ``live``, ``non_live`` or a comma-separated list (v4 names, or the version's own)."""
    out: list[str] = []
    for name in (part.strip() for part in text.split(",")):
        if not name:
            continue
        expanded = CATEGORY_GROUPS.get(name) or (to_v4(version, name),)
        for category in expanded:
            if category not in GENERATED:
                raise ConfigError(
                    f"--categories: {name!r} is not a BFCL category toolgrad-eval generates (choose from "
                    f"single_turn, live, non_live, multi_turn, memory, {', '.join(GENERATED)}; web_search is "
                    "not generated: it needs the live web and a search API key)"
                )
            if category in memories.MEMORY_CATEGORIES and version != "v4":
                raise ConfigError(f"--categories: {name!r} is a BFCL v4 category (pass --bfcl-version v4)")
            if category not in out:
                out.append(category)
    if not out:
        raise ConfigError("--categories: no category given")
    return tuple(out)


def result_path(model_dir: Path, version: str, category: str) -> Path:
    name = f"{file_prefix(version)}_{native_name(version, category)}_result.json"
    memory = category.removesuffix(multi_turn.PREREQ_SUFFIX)
    if memory in memories.MEMORY_CATEGORIES:  # agentic/memory/<backend>/, prerequisites beside
        return memories.memory_folder(model_dir, memory) / name
    folder = "multi_turn" if category in multi_turn.MULTI_TURN else group(category)
    return model_dir / folder / name if version == "v4" else model_dir / name


def generate(
    options: GenerateOptions,
    *,
    echo: Callable[[str], Any] = print,
    on_progress: Callable[[int, int, int], None] | None = None,
) -> dict[str, Any]:
    """Generate the missing results of ``options.categories``; returns what was done (see the CLI)."""
    folder = result_folder(options.model)
    model_dir = Path(options.dataset) / "result" / folder
    data = locate_data(options.version, options.bfcl_data, dataset=options.dataset, fetch=options.fetch, echo=echo)
    missing = [c for c in options.categories if not data.has(c)]
    if missing:
        raise ConfigError(f"{data.root}: the BFCL {options.version} data has no {', '.join(missing)} questions")
    system_prompt = _system_prompt(options, data, echo) if options.mode == "prompt" else None
    settings = GenerationSettings(
        model=options.model,
        mode=options.mode,
        dots_to_underscores=options.mode == "fc",
        bfcl_version=options.version,
        bfcl_eval_release=BFCL_EVAL_RELEASE[options.version],
        temperature=options.temperature,
        max_tokens=options.max_tokens,
        system_prompt=PromptInfo(**system_prompt.as_dict()) if system_prompt else None,  # type: ignore[arg-type]
        tool_version=__version__,
        question_data={category: data.question_digest(category) for category in options.categories}
        | {
            memories.prereq_category(category): memories.prereq_digest(data)
            for category in options.categories
            if category in memories.MEMORY_CATEGORIES
        },
    )
    paths = {c: result_path(model_dir, options.version, c) for c in options.categories}
    earlier = _check_settings(model_dir, settings, paths, options.overwrite)
    if earlier is not None and earlier.question_data and not options.overwrite:  # categories of other runs kept
        settings = dataclasses.replace(settings, question_data={**earlier.question_data, **settings.question_data})
    request = RequestOptions(options.model, options.mode, options.temperature, options.max_tokens, system_prompt)

    stores: dict[str, ResultFile] = {}
    jobs: list[Job] = []
    conversations: list[multi_turn.Pending] = []
    chains: list[multi_turn.PendingChain] = []
    memory_run = _memory_run(options, data, model_dir)
    new_folders = _new_folders(options, model_dir)
    func_docs: dict[str, Any] = {}
    order: dict[str, list[str]] = {}
    refused = 0
    invocation = Invocation(started_at=_now())
    history = () if options.overwrite or earlier is None else earlier.invocations
    settings_written = False

    def record(category: str, line: dict[str, Any]) -> None:
        """Append one line; the settings go beside the results before the first one (and only then)."""
        nonlocal settings_written
        if not settings_written:
            write_settings(model_dir, dataclasses.replace(settings, invocations=(*history, invocation)))
            settings_written = True
            for store in stores.values():  # every --overwrite truncation at once: no old file under new settings
                store.commit()
        stores[category].append(replace_lone_surrogates(_redacted(line)))

    try:
        for category in options.categories:
            if category in memories.MEMORY_CATEGORIES:
                assert memory_run is not None
                refused += _plan_memory(category, data, memory_run, stores, order, chains, func_docs, options, record)
                continue
            entries = data.entries(category)
            order[category] = [e.id for e in entries]
            store = stores[category] = ResultFile.open(paths[category], order[category], overwrite=options.overwrite)
            if settings_written:
                store.commit()
            for why, count in store.dropped.items():
                echo(f"{paths[category]}: {count} {why} dropped")
            for entry in entries:
                if entry.id in store.done:
                    continue
                try:
                    if category in multi_turn.MULTI_TURN:  # a conversation per entry (generate/multi_turn.py)
                        conversations.append(
                            multi_turn.Pending(category, multi_turn.prepare_entry(entry, data.root, func_docs))
                        )
                        continue
                    jobs.append(Job((category, entry.id), build_body(entry.question, category, request)))
                except ValueError as exc:  # one malformed question: its line says why, the run goes on
                    record(category, error_line(entry.id, f"malformed question: {exc}", REQUEST))
                    refused += 1
        skipped = sum(len(s.done) for s in stores.values()) - refused
        to_send = len(jobs) + len(conversations) + sum(len(c.prereqs) + len(c.questions) for c in chains)
        echo(
            f"BFCL {options.version} ({data.source}): {to_send} entries to send, {skipped} already in "
            f"{model_dir}; {options.mode} mode" + (f", prompt: {system_prompt.describe()}" if system_prompt else "")
        )
        try:
            outcome = _send(jobs, record, options, settings, on_progress, refused)
            talked = multi_turn.send_from_options(
                conversations, record, options, data, request, folder, outcome, chains, memory_run
            )
        except GenerateAborted as exc:
            kept = sum(len(s.done) - len(s.failed) for s in stores.values())
            where = (
                f"{kept} replies are kept in {model_dir}; the same command resumes"
                if settings_written
                else ("nothing was written yet; the same command resumes")
            )
            raise GenerateAborted(f"{exc} ({where})") from None
    finally:
        for store in stores.values():
            store.close()
        if not settings_written:  # the memory simulators made their snapshot folders: nothing was written
            _remove_new_empty_folders(new_folders)
    for prereq in [c for c in stores if c not in options.categories]:  # memory prerequisites
        stores[prereq].sort_if_complete(order[prereq])
    complete = [c for c in options.categories if stores[c].sort_if_complete(order[c])]
    invocation = dataclasses.replace(
        invocation,
        finished_at=_now(),
        sent=len(jobs) + talked,
        errors=outcome["errors"] + refused,
        servers=outcome["servers"],
        prompt_tokens=outcome["prompt_tokens"],
        completion_tokens=outcome["completion_tokens"],
    )
    if settings_written or earlier is not None:
        write_settings(model_dir, dataclasses.replace(settings, invocations=(*history, invocation)))
    return {
        "model": options.model,
        "result_dir": str(model_dir),
        "folder": folder,
        "mode": options.mode,
        "data_version": options.version,
        "data_source": data.source,
        "sent": len(jobs) + talked,
        "skipped": skipped,
        "errors": outcome["errors"] + refused,
        "first_error": outcome["first_error"],
        "servers": outcome["servers"],
        "prompt_tokens": outcome["prompt_tokens"],
        "completion_tokens": outcome["completion_tokens"],
        "http_requests": outcome["http_requests"],
        "seconds": outcome["seconds"],
        "complete_categories": complete,
        "incomplete_categories": [c for c in options.categories if c not in complete],
        "system_prompt": system_prompt.as_dict() if system_prompt else None,
    }


def _new_folders(options: GenerateOptions, model_dir: Path) -> list[Path]:
    """The folders a memory run creates before its first line (the snapshot folders the official
    simulators make when an entry opens) that are not there yet, deepest first."""
    out: list[Path] = []
    for category in options.categories:
        if category in memories.MEMORY_CATEGORIES:
            deepest = memories.memory_folder(model_dir, category) / memories.SNAPSHOTS / memories.CHECKPOINTS
            out += [p for p in (deepest, *deepest.parents) if not p.exists() and p not in out]
    return sorted(out, key=lambda p: len(p.parts), reverse=True)


def _remove_new_empty_folders(folders: list[Path]) -> None:
    for folder in folders:
        try:
            folder.rmdir()  # only when empty
        except OSError:
            pass


def _memory_run(options: GenerateOptions, data: BfclData, model_dir: Path) -> multi_turn.MemoryRun | None:
    """The memory prompts and back-ends, checked before anything is sent (a missing package: one line)."""
    wanted = [c for c in options.categories if c in memories.MEMORY_CATEGORIES]
    if not wanted:
        return None
    folder = simulator_dir(data.root, data.version)
    for category in wanted:
        load_memory_class(folder, memories.BACKEND_CLASS[category])
    return multi_turn.MemoryRun(memories.read_prompts(data), model_dir.resolve())


def _plan_memory(
    category: str,
    data: BfclData,
    memory_run: multi_turn.MemoryRun,
    stores: dict[str, ResultFile],
    order: dict[str, list[str]],
    chains: list[multi_turn.PendingChain],
    func_docs: dict[str, Any],
    options: GenerateOptions,
    record: Callable[[str, dict[str, Any]], None],
) -> int:
    """Open a memory category's two result files and queue its chains; returns the questions refused."""
    model_dir = memory_run.model_dir
    prereq = category + multi_turn.PREREQ_SUFFIX
    questions = agentic_entries(data, category)
    scenarios = sorted(
        {str(e.question.get("scenario")) for e in questions if e.question.get("scenario") in MEMORY_SCENARIOS}
    )
    prereq_ids = [e.id for s in scenarios for e in memories.prereq_entries(data, category, s)]
    prereq_ids.sort(key=lambda i: int(i.rsplit("_", 1)[1].split("-")[0]))  # by index, as BFCL sorts its files
    order[category], order[prereq] = [e.id for e in questions], prereq_ids
    stores[category] = ResultFile.open(
        result_path(model_dir, "v4", category), order[category], overwrite=options.overwrite
    )
    stores[prereq] = ResultFile.open(result_path(model_dir, "v4", prereq), prereq_ids, overwrite=options.overwrite)
    plans, malformed = memories.plan_chains(data, category, model_dir, stores[prereq], stores[category])
    for entry in malformed:
        record(category, error_line(entry.id, "malformed question: no BFCL memory scenario", REQUEST))

    def pending(result_category: str, entry: Entry, scenario: str) -> multi_turn.Pending:
        configured = memories.with_memory_config(entry, category, model_dir)
        return multi_turn.Pending(result_category, multi_turn.prepare_entry(configured, data.root, func_docs), scenario)

    refused = len(malformed)
    for plan in plans:
        # A prerequisite that cannot be sent is the data's fault: one line naming it, nothing sent.
        try:
            prereqs = [pending(prereq, e, plan.scenario) for e in plan.prereqs]
        except ValueError as exc:
            raise ConfigError(f"{data.root / memories.PREREQ_FOLDER}: scenario {plan.scenario}: {exc}") from None
        questions = []
        for entry in plan.questions:
            try:
                formatted = memories.with_answer_format(entry, memory_run.prompts.answer_format)
                questions.append(pending(category, formatted, plan.scenario))
            except ValueError as exc:  # one malformed question: its line says why, the run goes on
                record(category, error_line(entry.id, f"malformed question: {exc}", REQUEST))
                refused += 1
        chains.append(multi_turn.PendingChain(plan, prereqs, questions))
    return refused


def _send(
    jobs: list[Job],
    record: Callable[[str, dict[str, Any]], None],
    options: GenerateOptions,
    settings: GenerationSettings,
    on_progress: Callable[[int, int, int], None] | None,
    refused: int,
) -> dict[str, Any]:
    counts: dict[str, Any] = {"errors": 0, "http_requests": 0, "first_error": None}
    meter = CostMeter(None)
    if not jobs:
        return {**counts, "servers": [], "prompt_tokens": 0, "completion_tokens": 0, "seconds": 0.0}
    urls = endpoint_urls(options.base_urls)
    if urls == [None] and not os.environ.get("OPENAI_API_KEY"):
        raise ConfigError(
            "no model server: pass --base-url URL (e.g. http://localhost:8000/v1) or set "
            "OPENAI_BASE_URL (and OPENAI_API_KEY for a hosted API)"
        )

    def count_request(_request: Any) -> None:
        counts["http_requests"] += 1  # called on the SDK's threads; a lost increment only blurs a figure

    pool = make_pool(
        urls,
        timeout=options.send.timeout,
        on_request=count_request,
        rest_seconds=options.send.rest_seconds,
        max_stall=options.send.max_stall,
    )
    started = time.perf_counter()
    answered = 0
    try:
        for outcome in Sender(pool, options.num_process, options.send, meter).run(jobs):
            category, entry_id = outcome.key
            if outcome.reply is not None:
                result, tokens_in, tokens_out = result_of(outcome.reply, settings.mode)
                line = {
                    "id": entry_id,
                    "result": result,
                    "input_token_count": tokens_in,
                    "output_token_count": tokens_out,
                    "latency": round(outcome.latency, 4),
                }
                answered += 1
            else:
                counts["errors"] += 1
                counts["first_error"] = counts["first_error"] or f"{entry_id}: {outcome.error or 'no reply'}"
                line = error_line(entry_id, outcome.error or "no reply", TRANSPORT if outcome.retryable else REQUEST)
            record(category, line)
            if on_progress is not None:  # failed entries are counted apart, never as done
                on_progress(answered, len(jobs), counts["errors"] + refused)
    finally:
        pool.close()
    return {
        **counts,
        "servers": pool.stats(),
        "prompt_tokens": meter.prompt_tokens,
        "completion_tokens": meter.completion_tokens,
        "seconds": round(time.perf_counter() - started, 3),
    }


def _system_prompt(options: GenerateOptions, data: BfclData, echo: Callable[[str], Any]) -> prompts.SystemPrompt:
    if options.system_prompt is not None:
        return prompts.from_file(options.system_prompt)
    installed = installed_package()
    found = prompts.find_official(options.version, data.root, installed[0] if installed else None)
    if found is not None:
        try:
            return prompts.official_prompt(found, options.version)
        except ConfigError as exc:
            echo(f"Warning: {exc}; using toolgrad-eval's own prompt")
            return prompts.our_prompt()
    echo(
        "Note: the official BFCL system prompt was not found (it comes with the data: "
        f"`toolgrad-eval bfcl-data fetch {options.version} --force`); using toolgrad-eval's own prompt, "
        "so scores are not comparable with the official leaderboard's"
    )
    return prompts.our_prompt()


def _check_settings(
    model_dir: Path, settings: GenerationSettings, paths: dict[str, Path], overwrite: bool
) -> GenerationSettings | None:
    """The folder's earlier settings; refuses to add to results made otherwise (unless --overwrite)."""
    earlier = read_settings(model_dir)
    if overwrite:
        return earlier
    if earlier is None:
        existing = [p for p in paths.values() if p.exists()]
        if existing:
            raise ConfigError(
                f"{existing[0]}: result files not made by toolgrad-eval generate are already there; "
                "pass --overwrite to replace them, or choose another --dataset"
            )
        return None
    old, new = earlier.identity(), settings.identity()
    changed = [k for k in new if old.get(k) != new[k]]
    other_data = [c for c, digest in settings.question_data.items() if earlier.question_data.get(c, digest) != digest]
    if other_data and not changed:
        raise ConfigError(
            f"{model_dir}: results there were generated from other question data ({other_data[0]}: "
            f"{earlier.question_data[other_data[0]][:19]} -> {settings.question_data[other_data[0]][:19]}); "
            "pass --overwrite to regenerate them with this data, or choose another --dataset"
        )
    if changed:
        what = ", ".join(f"{k} {old.get(k)!r} -> {new[k]!r}" for k in changed[:3])
        raise ConfigError(
            f"{model_dir}: results there were generated with other settings ({what}); "
            "pass --overwrite to regenerate them, or choose another --dataset"
        )
    return earlier


def _redacted(line: dict[str, Any]) -> dict[str, Any]:
    """``line`` with every credential hidden, also inside FC arguments (JSON text) where only decoding
    shows it (``"\\u0073k-..."``): the scorer decodes them, and what it writes must hold no key."""
    line = redact_value(line)
    result = line.get("result")
    if isinstance(result, list):
        line["result"] = [_redacted_call(call) for call in result]
    return line


def _redacted_call(call: Any) -> Any:
    if not isinstance(call, dict) or len(call) != 1:
        return call
    ((name, arguments),) = call.items()
    if not isinstance(arguments, str) or "\\u" not in arguments:
        return call
    try:
        decoded = json.loads(arguments)
    except (ValueError, RecursionError):
        return call
    hidden = redact_value(decoded)
    return call if hidden == decoded else {name: json.dumps(hidden, ensure_ascii=False)}


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
