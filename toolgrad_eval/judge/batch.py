"""``--batch``: judge through the OpenAI Batch API (half price, results within 24 h), resumably.

The requests are written as JSONL whose ``custom_id`` is the cache key, uploaded
(``files.create(purpose="batch")``) and submitted (``/v1/chat/completions``, ``24h``). Before the
first poll a small state file in ``<cache-dir>/batches/`` records the input file, the batch id and
the task map (custom_id -> sample id), so a crashed or interrupted run, re-run with the same
command, finds the pending batch and resumes polling instead of paying again; ``--batch-id ID``
resumes one explicitly. Pending batches are matched by judge model and endpoint. Before creating
a batch again (a retry, or a run resumed after a crash between upload and creation) the batches
made from the uploaded file are looked up first, so a creation whose reply was lost is adopted, not
paid twice. Results go into the same cache, validated like live replies; a line that failed, did
not validate or is malformed is reported as a judge error for its sample and re-submitted by the
next run. ``--max-cost`` counts what this command has spent and the estimate of resumed batches
before submitting new requests.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Sequence

from toolgrad_eval.fileio import atomic_write_json
from toolgrad_eval.judge.protocol import TaskJudge
from toolgrad_eval.judge.reply import reply_parts
from toolgrad_eval.judge.retry import backoff_delay, classify
from toolgrad_eval.judge.task import NOT_JUDGED, JudgeAborted, JudgeResult, JudgeTask
from toolgrad_eval.redact import redact_secrets, redact_url

_TERMINAL = {"completed", "failed", "expired", "cancelled"}
_STATE_FORMAT = 1


@dataclass(frozen=True)
class BatchOptions:
    poll_interval: float = 30.0  # seconds between status checks
    batch_id: str | None = None  # resume this batch instead of looking for or submitting one


def state_dir(judge: TaskJudge) -> Path:
    return judge.cache.directory / "batches"


def run_batch(
    judge: TaskJudge, tasks: Sequence[JudgeTask], options: BatchOptions, *, on_result: Callable[[JudgeResult], None]
) -> list[JudgeResult]:
    client = judge.client(len(tasks))
    remaining = {t.key: t for t in tasks}
    folder = state_dir(judge)
    jobs: list[tuple[Path, dict[str, Any]]] = []
    if options.batch_id:
        path, state = _find_state(folder, options.batch_id)
        jobs.append((path, state))
        for key in list(remaining):  # an explicit resume never submits: what it lacks is reported
            remaining.pop(key)
    endpoint = _endpoint(client)
    by_key = {t.key: t for t in tasks}
    committed = 0.0  # estimated USD of resumed batches, which are paid for whatever happens next
    adopted: list[str] = []  # keys of uploaded batches this process creates: claimed while it does
    for path, state in _pending_states(folder, judge.settings.model, endpoint):
        if any(key in remaining for key in state["tasks"]):
            if not state.get("batch_id"):
                # Uploaded, not yet created: the process that uploaded it may be creating it right
                # now. Only with every key claimed here (that process gone) is it created here.
                keys = [key for key in state["tasks"] if key in remaining]
                got = [key for key in keys if judge.cache.claims.try_claim(key)]
                adopted += got
                if len(got) < len(keys):
                    for key in got:
                        judge.cache.claims.release(key)
                        adopted.remove(key)
                    continue
            jobs.append((path, state))
            for key in state["tasks"]:
                remaining.pop(key, None)
                committed += judge.meter.estimate(by_key[key].prompt_chars) if key in by_key else 0.0
    # Claims (claims.py): a key another process is judging (live, or in a batch it is polling) is
    # waited for after this process's own batches, then taken over if that process gave it up.
    mine, elsewhere, hits = _claim(judge, list(remaining.values()), wait=False)
    outcome: dict[str, tuple[Any, str | None]] = {}  # key -> (verdict or None, error)
    usage_by_key: dict[str, dict[str, int] | None] = {}
    infos: list[dict[str, Any]] = []
    skipped: list[JudgeTask] = []
    try:
        while True:
            to_submit, over_budget = _within_budget(judge, mine, committed)
            skipped += over_budget
            for task in over_budget:
                judge.cache.claims.release(task.key)
            if to_submit:
                jobs.append(_submit(judge, client, to_submit, folder, endpoint))
            for path, state in jobs:
                infos.append(_finish(judge, client, path, state, options, by_key, outcome, usage_by_key))
            for task in mine:
                judge.cache.claims.release(task.key)  # stored: a waiting process finds the verdict
            if not elsewhere:
                break
            mine, _none, more = _claim(judge, elsewhere, wait=True)
            hits.update(more)
            elsewhere, jobs, committed = [], [], 0.0
    finally:
        for key in [task.key for task in mine] + adopted:
            judge.cache.claims.release(key)
    judge.batch_info = {"batches": infos, "submitted": sum(i["submitted_now"] for i in infos)}
    results = []
    skipped_keys = {t.key for t in skipped}
    for task in tasks:
        if task.key in hits:
            result = replace(hits[task.key], sample_id=task.sample_id, k=task.k)
        elif task.key in skipped_keys:
            result = JudgeResult(task.sample_id, "batch", error=NOT_JUDGED, k=task.k, not_judged=True)
        else:
            verdict, error = outcome.get(task.key, (None, "no result for this request in the batch output"))
            result = JudgeResult(
                task.sample_id, "batch", verdict=verdict, error=error, usage=usage_by_key.get(task.key), k=task.k
            )
        results.append(result)
        on_result(result)
    return results


def _claim(
    judge: TaskJudge, tasks: list[JudgeTask], *, wait: bool
) -> tuple[list[JudgeTask], list[JudgeTask], dict[str, JudgeResult]]:
    """(tasks this process now claims, tasks another process claims, verdicts found in the cache
    meanwhile). ``wait``: wait for each key until its verdict is cached or its claim is free."""
    claims = judge.cache.claims
    mine, elsewhere, hits = [], [], {}
    for task in tasks:
        if wait:

            def cached(task: JudgeTask = task) -> JudgeResult | None:
                return judge.cached(task)

            hit, got = claims.acquire(task.key, cached, judge.stopping)
            if hit is None and not got:
                raise KeyboardInterrupt  # stopped while waiting
        else:
            got = claims.try_claim(task.key)
            hit = judge.cached(task) if got else None
            if hit is not None:
                claims.release(task.key)
        if hit is not None:
            hits[task.key] = hit
        elif got:
            mine.append(task)
        else:
            elsewhere.append(task)
    return mine, elsewhere, hits


def _within_budget(
    judge: TaskJudge, tasks: list[JudgeTask], committed: float
) -> tuple[list[JudgeTask], list[JudgeTask]]:
    """The prefix of tasks whose estimated batch cost fits --max-cost (all of them without one),
    after what this command has spent (an earlier model of --compare_model) and ``committed``."""
    meter = judge.meter
    if meter.budget_usd is None:
        return tasks, []
    if meter.budget_reached:
        return [], tasks
    total = (meter.spent_usd or 0.0) + committed
    for i, task in enumerate(tasks):
        total += meter.estimate(task.prompt_chars)
        if total > meter.budget_usd:
            meter.budget_reached = True
            return tasks[:i], tasks[i:]
    return tasks, []


def _endpoint(client: Any) -> str:
    return redact_url(str(client.base_url))


def _submit(
    judge: TaskJudge, client: Any, tasks: list[JudgeTask], folder: Path, endpoint: str
) -> tuple[Path, dict[str, Any]]:
    lines = "".join(
        json.dumps(
            {"custom_id": t.key, "method": "POST", "url": "/v1/chat/completions", "body": judge.request_body(t)},
            ensure_ascii=False,
        )
        + "\n"
        for t in tasks
    ).encode("utf-8")
    state_id = hashlib.sha256("\n".join(sorted(t.key for t in tasks)).encode()).hexdigest()[:20]
    path = folder / f"{state_id}.json"
    # A repeated upload costs nothing (files are free to store), so it is simply retried.
    uploaded = _call(
        judge, lambda: client.files.create(file=(f"toolgrad-eval-{state_id}.jsonl", lines), purpose="batch")
    )
    state: dict[str, Any] = {
        "format": _STATE_FORMAT,
        "status": "uploaded",
        "model": judge.settings.model,
        "endpoint": endpoint,
        "input_file_id": uploaded.id,
        "batch_id": None,
        "created_at": time.time(),
        "tasks": {t.key: {"sample_id": t.sample_id, "k": t.k, "seed": t.seed} for t in tasks},
    }
    atomic_write_json(path, state)  # a crash from here on re-uses the uploaded file
    _create(judge, client, path, state, look_first=False)  # the file is new: no batch can use it yet
    state["submitted_now"] = True
    return path, state


def _create(judge: TaskJudge, client: Any, path: Path, state: dict[str, Any], *, look_first: bool) -> None:
    """Create the batch for the uploaded file exactly once. A creation whose reply was lost (a
    timeout, a crash before the state file was written) may have happened: before every retry, and
    first of all when ``look_first``, a batch already made from this file is adopted instead."""
    look = look_first

    def attempt() -> Any:
        nonlocal look
        if look:
            made = _made_from(client, state["input_file_id"])
            if made is not None:
                return made
        look = True
        return client.batches.create(
            input_file_id=state["input_file_id"],
            endpoint="/v1/chat/completions",
            completion_window="24h",
            metadata={"tool": "toolgrad-eval"},
        )

    batch = _call(judge, attempt)
    state.update(batch_id=batch.id, status="submitted")
    atomic_write_json(path, {k: v for k, v in state.items() if k != "submitted_now"})  # before the first poll


def _made_from(client: Any, input_file_id: str) -> Any:
    """The newest batch made from this input file, among the account's recent batches."""
    for batch in client.batches.list(limit=100).data:
        if batch.input_file_id == input_file_id:
            return batch
    return None


def _pending_states(folder: Path, model: str, endpoint: str) -> list[tuple[Path, dict[str, Any]]]:
    """Batches submitted or uploaded, not yet ingested, by this judge model at this endpoint
    (a state file from before endpoints were recorded matches any endpoint)."""
    found = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        state = _read_state(path)
        if (
            state
            and state.get("status") in ("uploaded", "submitted")
            and state.get("model") == model
            and state.get("endpoint", endpoint) == endpoint
        ):
            found.append((path, state))
    return found


def _find_state(folder: Path, batch_id: str) -> tuple[Path, dict[str, Any]]:
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        state = _read_state(path)
        if state and state.get("batch_id") == batch_id:
            return path, state
    # No state file (another cache dir?): results are still matched by custom_id = cache key.
    return folder / f"{batch_id}.json", {
        "format": _STATE_FORMAT,
        "status": "submitted",
        "batch_id": batch_id,
        "tasks": {},
    }


def _read_state(path: Path) -> dict[str, Any] | None:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # a damaged state file is ignored: at worst the batch is submitted again
    ok = isinstance(state, dict) and state.get("format") == _STATE_FORMAT and isinstance(state.get("tasks"), dict)
    return state if ok else None


def _call(judge: TaskJudge, fn: Callable[[], Any]) -> Any:
    """One Batch/Files API call, retried on transient failures like a live request."""
    attempt = 0
    while True:
        try:
            return fn()
        except Exception as exc:
            failure = classify(exc)
            attempt += 1
            if failure.action in ("abort", "fail") or attempt >= judge.settings.max_attempts:
                raise JudgeAborted(f"Batch API: {failure.message}") from None
            if judge.stopping.wait(
                backoff_delay(
                    attempt, failure.retry_after, base=judge.settings.backoff_base, maximum=judge.settings.backoff_max
                )
            ):
                raise KeyboardInterrupt from None


def _finish(
    judge: TaskJudge,
    client: Any,
    path: Path,
    state: dict[str, Any],
    options: BatchOptions,
    current: dict[str, JudgeTask],
    outcome: dict[str, tuple[Any, str | None]],
    usage_by_key: dict[str, dict[str, int] | None],
) -> dict[str, Any]:
    if not state.get("batch_id"):
        _create(judge, client, path, state, look_first=True)
    batch_id = state["batch_id"]
    while True:
        try:
            batch = _call(judge, lambda: client.batches.retrieve(batch_id))
        except JudgeAborted as exc:
            raise JudgeAborted(
                f"{exc} (batch {batch_id}, recorded in {path}; if it belongs to another "
                "endpoint or account, delete that file to submit its requests again)"
            ) from None
        if batch.status in _TERMINAL:
            break
        if judge.stopping.wait(options.poll_interval):
            raise KeyboardInterrupt
    _ingest(judge, client, batch, state, current, outcome, usage_by_key)
    state["status"] = "ingested"
    state["final_status"] = batch.status
    atomic_write_json(path, {k: v for k, v in state.items() if k != "submitted_now"})
    counts = getattr(batch, "request_counts", None)
    return {
        "batch_id": batch_id,
        "status": batch.status,
        "submitted_now": bool(state.get("submitted_now")),
        "total": getattr(counts, "total", None),
        "failed": getattr(counts, "failed", None),
    }


def _ingest(
    judge: TaskJudge,
    client: Any,
    batch: Any,
    state: dict[str, Any],
    current: dict[str, JudgeTask],
    outcome: dict[str, tuple[Any, str | None]],
    usage_by_key: dict[str, dict[str, int] | None],
) -> None:
    for file_id in (batch.output_file_id, batch.error_file_id):
        if not file_id:
            continue

        def content(file_id: str = file_id) -> Any:
            return client.files.content(file_id).text

        text = _call(judge, content)
        for line in text.splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                continue
            key = row.get("custom_id") if isinstance(row, dict) else None
            if not isinstance(key, str):
                continue  # no id of ours to report it under
            info = state["tasks"].get(key)
            task = current.get(key) or (
                JudgeTask(info["sample_id"], key, [], info.get("k", 0), info.get("seed"))
                if isinstance(info, dict)
                else None
            )
            if task is None or (key in outcome and outcome[key][0] is not None):
                continue  # not one of ours, or already judged (a line repeated, or in both files)
            body, problem = _row_parts(row)
            if problem is not None:
                outcome[key] = (None, problem)
                continue
            raw, usage = reply_parts(body)
            judge.meter.settle(0.0, usage, task.prompt_chars)
            usage_by_key[key] = usage
            model = body.get("model")
            verdict = judge.store(task, raw, usage, model if isinstance(model, str) else None, batch=True)
            outcome[key] = (verdict, None) if verdict is not None else (None, "invalid judge reply in batch output")
    if batch.status != "completed":
        reason = _batch_errors(batch)
        for key in state["tasks"]:
            outcome.setdefault(
                key, (None, f"batch {batch.id} ended {batch.status}{reason} without a result for this request")
            )


def _row_parts(row: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """(body, None) for a successful result line, else ({}, why it failed)."""
    response = row.get("response")
    response = response if isinstance(response, dict) else {}
    status, body = response.get("status_code"), response.get("body")
    if status == 200 and isinstance(body, dict):
        return body, None
    detail = None
    for holder in (body, row):  # the API's error body, else the line's own error
        error = holder.get("error") if isinstance(holder, dict) else None
        message = error.get("message") if isinstance(error, dict) else error
        if isinstance(message, str) and message:
            detail = redact_secrets(message[:500])
            break
    return {}, f"batch request failed (HTTP {status if isinstance(status, int) else '?'}): {detail or 'no body'}"


def _batch_errors(batch: Any) -> str:
    """': <first reason>' from a failed batch's ``errors``, or ''."""
    try:
        first = batch.errors.data[0]
        message = first.message or first.code
    except (AttributeError, IndexError, TypeError):
        return ""
    return f" ({str(message)[:300]})" if message else ""
