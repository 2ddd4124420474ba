"""Judging a set of prompts through the judge: the cache first, each distinct request sent once.

Queries whose prompts are identical (the same answer under two query ids, or the candidate and
the reference giving the same answer) share one cache key: one request is sent and every owner
takes its result, counted as a cache hit as if it had been read after the verdict arrived.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Collection, Mapping

from toolgrad_eval.judge.client import Judge
from toolgrad_eval.judge.task import JudgeResult, JudgeTask


@dataclass
class Asked:
    """Every owner's results by judgment index, and what this run paid for and reused."""

    results: dict[str, dict[int, JudgeResult]] = field(default_factory=dict)
    cache_hits: int = 0
    requests: int = 0  # HTTP requests sent
    seconds: float = 0.0
    owners_to_judge: int = 0  # owners the cache could not fully answer

    def of(self, owner: str) -> list[JudgeResult]:
        return [self.results[owner][k] for k in sorted(self.results.get(owner, {}))]

    def at(self, owner: str, k: int) -> JudgeResult | None:
        """The result of judgment ``k`` (round k) of ``owner``, if it was asked."""
        return self.results.get(owner, {}).get(k)


def ask(
    judge: Judge,
    prompts: dict[str, list[dict[str, str]]],
    *,
    num_process: int,
    on_progress: Callable[[int, int], None] | None = None,
    rounds: Mapping[str, Collection[int]] | None = None,
) -> Asked:
    """Judge every owner's messages ``judge.settings.samples`` times, or only in the rounds
    ``rounds[owner]`` names (round k is judgment k, sent with seed k); raises JudgeAborted, Ctrl-C."""
    out = Asked()
    requests_before = judge.http_requests
    waiting: dict[str, list[JudgeTask]] = {}  # key of a submitted task -> tasks of other owners
    key_of: dict[tuple[str, int], str] = {}
    done = 0

    def keep(owner: str, result: JudgeResult) -> None:
        out.results.setdefault(owner, {})[result.k] = result

    def received(result: JudgeResult) -> None:
        nonlocal done
        keep(result.sample_id, result)
        for twin in waiting.pop(key_of.get((result.sample_id, result.k), ""), ()):
            shared = replace(result, sample_id=twin.sample_id, k=twin.k, usage=None, requests=0)
            if result.verdict is not None:
                shared.source = "cache"
                out.cache_hits += 1
                judge.meter.add_saved(judge.meter.value_of({"usage": result.usage, "batch": result.source == "batch"}))
            keep(twin.sample_id, shared)
        done += 1
        if on_progress:
            on_progress(done, len(stream.tasks))

    with judge.stream(num_process=num_process) as stream:
        for owner, messages in prompts.items():
            owed = False
            for task in judge.message_tasks(owner, messages):
                if rounds is not None and task.k not in rounds[owner]:
                    continue
                hit = judge.cached(task)
                if hit is not None:
                    judge.meter.add_saved(hit.saved_usd)
                    out.cache_hits += 1
                    keep(owner, hit)
                    continue
                owed = True
                if task.key in waiting:
                    waiting[task.key].append(task)
                else:
                    waiting[task.key] = []
                    key_of[(owner, task.k)] = task.key
                    stream.submit(task)
            out.owners_to_judge += owed
        stream.results(on_result=received)
    out.requests = judge.http_requests - requests_before
    out.seconds = stream.seconds
    return out
