"""``--batch``: judge through the OpenAI Batch API (half price, results within 24 h), resumably.

The requests are written as JSONL whose ``custom_id`` is the cache key, uploaded
(``files.create(purpose="batch")``) and submitted (``/v1/chat/completions``, ``24h``). Before the
first poll a small state file in ``<cache-dir>/batches/`` records the input file, the batch id and
the task map (custom_id -> sample id), so a crashed or interrupted run, re-run with the same
command, finds the pending batch and resumes polling instead of paying again; ``--batch-id ID``
resumes one explicitly. Results go into the same cache, validated like live replies; a line that
failed or did not validate is reported as a judge error and re-submitted by the next run.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from toolgrad_eval.fileio import atomic_write_json
from toolgrad_eval.judge.client import reply_parts
from toolgrad_eval.judge.retry import backoff_delay, classify

if TYPE_CHECKING:
    from toolgrad_eval.judge.client import Judge, JudgeResult, JudgeTask

_TERMINAL = {"completed", "failed", "expired", "cancelled"}
_STATE_FORMAT = 1


@dataclass(frozen=True)
class BatchOptions:
    poll_interval: float = 30.0  # seconds between status checks
    batch_id: str | None = None  # resume this batch instead of looking for or submitting one


def state_dir(judge: Judge) -> Path:
    return judge.cache.directory / "batches"


def run_batch(judge: Judge, tasks: Sequence[JudgeTask], options: BatchOptions, *, on_result: Callable[[JudgeResult], None]) -> list[JudgeResult]:
    from toolgrad_eval.judge.client import NOT_JUDGED, JudgeResult

    client = judge.client(len(tasks))
    remaining = {t.key: t for t in tasks}
    folder = state_dir(judge)
    jobs: list[tuple[Path, dict[str, Any]]] = []
    if options.batch_id:
        path, state = _find_state(folder, options.batch_id)
        jobs.append((path, state))
        for key in list(remaining):  # an explicit resume never submits: what it lacks is reported
            remaining.pop(key)
    for path, state in _pending_states(folder, judge.settings.model):
        if any(key in remaining for key in state["tasks"]):
            jobs.append((path, state))
            for key in state["tasks"]:
                remaining.pop(key, None)
    skipped: list[JudgeTask] = []
    if remaining:
        to_submit, skipped = _within_budget(judge, list(remaining.values()))
        if to_submit:
            jobs.append(_submit(judge, client, to_submit, folder))
    outcome: dict[str, tuple[Any, str | None]] = {}  # key -> (verdict or None, error)
    usage_by_key: dict[str, dict[str, int] | None] = {}
    infos = []
    for path, state in jobs:
        infos.append(_finish(judge, client, path, state, options, {t.key: t for t in tasks}, outcome, usage_by_key))
    judge.batch_info = {"batches": infos, "submitted": sum(i["submitted_now"] for i in infos)}
    results = []
    skipped_keys = {t.key for t in skipped}
    for task in tasks:
        if task.key in skipped_keys:
            result = JudgeResult(task.sample_id, "batch", error=NOT_JUDGED, k=task.k, not_judged=True)
        else:
            verdict, error = outcome.get(task.key, (None, "no result for this request in the batch output"))
            result = JudgeResult(task.sample_id, "batch", verdict=verdict, error=error, usage=usage_by_key.get(task.key), k=task.k)
        results.append(result)
        on_result(result)
    return results


def _within_budget(judge: Judge, tasks: list[JudgeTask]) -> tuple[list[JudgeTask], list[JudgeTask]]:
    """The prefix of tasks whose estimated batch cost fits --max-cost (all of them without one)."""
    meter = judge.meter
    if meter.budget_usd is None:
        return tasks, []
    total = 0.0
    for i, task in enumerate(tasks):
        total += meter.estimate(task.prompt_chars)
        if total > meter.budget_usd:
            meter.budget_reached = True
            return tasks[:i], tasks[i:]
    return tasks, []


def _submit(judge: Judge, client: Any, tasks: list[JudgeTask], folder: Path) -> tuple[Path, dict[str, Any]]:
    lines = "".join(
        json.dumps({"custom_id": t.key, "method": "POST", "url": "/v1/chat/completions", "body": judge.request_body(t)},
                   ensure_ascii=False) + "\n"
        for t in tasks
    ).encode("utf-8")
    state_id = hashlib.sha256("\n".join(sorted(t.key for t in tasks)).encode()).hexdigest()[:20]
    path = folder / f"{state_id}.json"
    uploaded = client.files.create(file=(f"toolgrad-eval-{state_id}.jsonl", lines), purpose="batch")
    state: dict[str, Any] = {
        "format": _STATE_FORMAT, "status": "uploaded", "model": judge.settings.model, "input_file_id": uploaded.id,
        "batch_id": None, "created_at": time.time(),
        "tasks": {t.key: {"sample_id": t.sample_id, "k": t.k, "seed": t.seed} for t in tasks},
    }
    atomic_write_json(path, state)  # a crash from here on re-uses the uploaded file
    _create(client, path, state)
    state["submitted_now"] = True
    return path, state


def _create(client: Any, path: Path, state: dict[str, Any]) -> None:
    batch = client.batches.create(input_file_id=state["input_file_id"], endpoint="/v1/chat/completions",
                                  completion_window="24h", metadata={"tool": "toolgrad-eval"})
    state.update(batch_id=batch.id, status="submitted")
    atomic_write_json(path, {k: v for k, v in state.items() if k != "submitted_now"})  # before the first poll


def _pending_states(folder: Path, model: str) -> list[tuple[Path, dict[str, Any]]]:
    found = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        state = _read_state(path)
        if state and state.get("status") in ("uploaded", "submitted") and state.get("model") == model:
            found.append((path, state))
    return found


def _find_state(folder: Path, batch_id: str) -> tuple[Path, dict[str, Any]]:
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        state = _read_state(path)
        if state and state.get("batch_id") == batch_id:
            return path, state
    # No state file (another cache dir?): results are still matched by custom_id = cache key.
    return folder / f"{batch_id}.json", {"format": _STATE_FORMAT, "status": "submitted", "batch_id": batch_id, "tasks": {}}


def _read_state(path: Path) -> dict[str, Any] | None:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # a damaged state file is ignored: at worst the batch is submitted again
    ok = isinstance(state, dict) and state.get("format") == _STATE_FORMAT and isinstance(state.get("tasks"), dict)
    return state if ok else None


def _call(judge: Judge, fn: Callable[[], Any]) -> Any:
    """One Batch/Files API call, retried on transient failures like a live request."""
    attempt = 0
    while True:
        try:
            return fn()
        except Exception as exc:
            from toolgrad_eval.judge.client import JudgeAborted

            failure = classify(exc)
            attempt += 1
            if failure.action in ("abort", "fail") or attempt >= judge.settings.max_attempts:
                raise JudgeAborted(f"Batch API: {failure.message}") from None
            if judge.stopping.wait(backoff_delay(attempt, failure.retry_after, base=judge.settings.backoff_base,
                                                 maximum=judge.settings.backoff_max)):
                raise KeyboardInterrupt


def _finish(judge: Judge, client: Any, path: Path, state: dict[str, Any], options: BatchOptions,
            current: dict[str, JudgeTask], outcome: dict[str, tuple[Any, str | None]],
            usage_by_key: dict[str, dict[str, int] | None]) -> dict[str, Any]:
    if not state.get("batch_id"):
        _call(judge, lambda: _create(client, path, state))
    batch_id = state["batch_id"]
    while True:
        batch = _call(judge, lambda: client.batches.retrieve(batch_id))
        if batch.status in _TERMINAL:
            break
        if judge.stopping.wait(options.poll_interval):
            raise KeyboardInterrupt
    _ingest(judge, client, batch, state, current, outcome, usage_by_key)
    state["status"] = "ingested"
    state["final_status"] = batch.status
    atomic_write_json(path, {k: v for k, v in state.items() if k != "submitted_now"})
    counts = getattr(batch, "request_counts", None)
    return {"batch_id": batch_id, "status": batch.status, "submitted_now": bool(state.get("submitted_now")),
            "total": getattr(counts, "total", None), "failed": getattr(counts, "failed", None)}


def _ingest(judge: Judge, client: Any, batch: Any, state: dict[str, Any], current: dict[str, JudgeTask],
            outcome: dict[str, tuple[Any, str | None]], usage_by_key: dict[str, dict[str, int] | None]) -> None:
    from toolgrad_eval.judge.client import JudgeTask

    for file_id in (batch.output_file_id, batch.error_file_id):
        if not file_id:
            continue
        text = _call(judge, lambda: client.files.content(file_id).text)
        for line in text.splitlines():
            try:
                row = json.loads(line)
                key = row["custom_id"]
                response = row.get("response") or {}
            except (ValueError, KeyError, TypeError, AttributeError):
                continue
            info = state["tasks"].get(key) or {}
            task = current.get(key) or (
                JudgeTask(info["sample_id"], key, [], info.get("k", 0), info.get("seed")) if info else None)
            if task is None:
                continue  # not one of ours
            body = response.get("body") if isinstance(response, dict) else None
            if response.get("status_code") != 200 or not isinstance(body, dict):
                message = ((body or {}).get("error") or {}).get("message") if isinstance(body, dict) else None
                detail = message or (row.get("error") or {}).get("message") or "no body"
                outcome[key] = (None, f"batch request failed (HTTP {response.get('status_code')}): {detail}")
                continue
            raw, usage = reply_parts(body)
            judge.meter.settle(0.0, usage, task.prompt_chars)
            usage_by_key[key] = usage
            verdict = judge.store(task, raw, usage, body.get("model"), batch=True)
            outcome[key] = (verdict, None) if verdict is not None else (None, "invalid judge reply in batch output")
    if batch.status != "completed":
        for key in state["tasks"]:
            outcome.setdefault(key, (None, f"batch {batch.id} ended {batch.status} without a result for this request"))

