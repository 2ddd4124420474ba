"""The judge machinery of one judged run, built once from its options.

A benchmark that needs the judge (ToolGrad-5k, ToolBench) describes what it wants in a
:class:`JudgeConfig`, opens a :func:`judge_session` and asks it for the :class:`Judge` of each
template it uses. The session opens the cache once (a cache it cannot use is fatal only when a
sample needs the judge), gives every judge of the run one cost meter (one ``--max-cost`` budget,
one bill), and keeps the ``--overwrite`` marker (``overwrite.py``). Prompts and verdict parsing
stay with the benchmark; nothing here knows one.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from toolgrad_eval.errors import ConfigError
from toolgrad_eval.judge.batch import BatchOptions
from toolgrad_eval.judge.cache import JudgmentCache, default_cache_dir, open_cache
from toolgrad_eval.judge.cache_base import Claim
from toolgrad_eval.judge.claims import DEFAULT_LEASE
from toolgrad_eval.judge.client import DEFAULT_JUDGE_MODEL, Judge, JudgeSettings
from toolgrad_eval.judge.coverage import DEFAULT_MAX_JUDGE_ERRORS, FirstErrors
from toolgrad_eval.judge.overwrite import OverwriteRun
from toolgrad_eval.judge.prices import PriceTable, load_prices
from toolgrad_eval.judge.template import JudgeTemplate

Notify = Callable[[str], None]  # one line for the user (the CLI prints it on stderr)


def _quiet(_line: str) -> None:
    pass


@dataclass(frozen=True)
class JudgeConfig:
    """Everything about the judge that a run's options decide (the template is the benchmark's)."""

    model: str = DEFAULT_JUDGE_MODEL
    timeout: float = 120.0  # seconds per request
    samples: int = 1  # judgments per sample (--judge-samples)
    temperature: float | None = None  # None: the template's
    endpoints: tuple[str, ...] = ()  # empty: OPENAI_BASE_URL or the SDK default
    max_cost: float | None = None  # USD
    prices_file: Path | None = None  # None: the shipped price table
    batch: bool = False  # through the Batch API
    batch_id: str | None = None  # resume polling this batch (implies batch)
    batch_poll_interval: float = 30.0
    cache_dir: Path | None = None  # None: the user cache folder
    cache_url: str | None = None  # a PostgreSQL server shared by many hosts (cache_dir keeps markers and Batch state)
    claim_lease: float = DEFAULT_LEASE  # seconds a claim on a cache key lasts unless renewed (claims.py)
    overwrite: bool = False  # re-judge; verdicts from before the run are not used
    max_judge_errors: float = DEFAULT_MAX_JUDGE_ERRORS  # a larger share of failed judgments makes the run partial

    def settings(self) -> JudgeSettings:
        return JudgeSettings(
            model=self.model,
            timeout=self.timeout,
            samples=self.samples,
            temperature=self.temperature,
            endpoints=self.endpoints,
            max_cost=self.max_cost,
        )

    def batch_options(self) -> BatchOptions | None:
        if not (self.batch or self.batch_id):
            return None
        return BatchOptions(poll_interval=self.batch_poll_interval, batch_id=self.batch_id)


class RunInterrupted(Exception):
    """Ctrl-C during a judged run: every verdict received is in the cache at ``where``."""

    def __init__(self, where: str) -> None:
        super().__init__(f"interrupted; every judgment received so far is cached in {where}")
        self.where = where


@dataclass
class JudgeSession:
    config: JudgeConfig
    cache: JudgmentCache
    prices: PriceTable
    notify: Notify = _quiet
    unusable_cache: ConfigError | None = None  # the cache cannot be used; fatal once a judgment is needed
    judges: list[Judge] = field(default_factory=list)
    errors: FirstErrors = field(init=False)  # each distinct judge error shown once, as it happens

    def __post_init__(self) -> None:
        self.errors = FirstErrors(self.notify)

    def judge(self, template: JudgeTemplate, **extra: Any) -> Judge:
        """The judge for ``template``; every judge of a session shares the first one's cost meter."""
        made = Judge(
            template,
            self.cache,
            self.config.settings(),
            overwrite=self.config.overwrite,
            prices=self.prices,
            batch=self.config.batch_options(),
            **extra,
        )
        if self.judges:
            made.meter = self.judges[0].meter
        made.on_result = self.errors.see
        self.judges.append(made)
        return made

    @property
    def verdicts_stored(self) -> int:
        return sum(j.verdicts_stored for j in self.judges)

    @contextlib.contextmanager
    def overwrite_run(self, identity: Mapping[str, Any], judges: Sequence[Judge]) -> Iterator[OverwriteRun | None]:
        """With ``--overwrite``, the marker of this re-judging run (None without): verdicts the
        judges stored since it started count as this run's. An attempt that fails before receiving
        any verdict leaves nothing to resume and removes a marker it created. The caller finishes
        the marker once its run record is written."""
        if not self.config.overwrite:
            yield None
            return
        marker = OverwriteRun.begin(self.cache.directory, identity)
        for judge in judges:
            judge.fresh_since = marker.started_at
        if marker.resumed:
            self.notify(
                f"Resuming the --overwrite run of {identity.get('model', 'this model')} that started {marker.started} and did not finish: verdicts it "
                f"already received are reused, older ones are not (delete {marker.path} to start afresh)."
            )
        stored_before = self.verdicts_stored
        try:
            yield marker
        except BaseException:
            if not marker.resumed and self.verdicts_stored == stored_before:
                marker.finish()  # no verdict received (no key, a refused key, Ctrl-C at once): nothing to resume
            raise


@contextlib.contextmanager
def judge_session(config: JudgeConfig, notify: Notify | None = None) -> Iterator[JudgeSession]:
    """Open the cache and the price table for one run. Ctrl-C inside becomes :class:`RunInterrupted`."""
    notify = notify or _quiet
    prices = load_prices(config.prices_file)

    def say_waiting(holder: Claim) -> None:
        notify(
            f"Another process (pid {holder.pid} on {holder.host}) is asking the judge for a verdict this run "
            "needs: waiting for it instead of paying twice."
        )

    directory = config.cache_dir or default_cache_dir()
    with open_cache(directory, config.cache_url, lease=config.claim_lease, on_wait=say_waiting) as cache:
        session = JudgeSession(config, cache, prices, notify)
        try:
            cache.open()
            if cache.read_only:
                notify(
                    f"warning: {cache.directory}: cannot write the judgment cache; its verdicts are used, "
                    "and the run stops if a sample needs a new one"
                )
        except ConfigError as exc:  # fatal only once a sample needs the judge (then one line, before any request)
            session.unusable_cache = exc
        if not config.cache_url:
            _warn_network_filesystem(directory, notify)
        try:
            yield session
        except KeyboardInterrupt:
            raise RunInterrupted(cache.where if session.unusable_cache is None else str(directory)) from None
    if session.unusable_cache is not None:  # no sample needed it, or the run would have stopped with this error
        notify(f"warning: {session.unusable_cache}; no sample needed the judge, so the run went on")


def _warn_network_filesystem(folder: Path, notify: Notify) -> None:
    from toolgrad_eval.judge.cache_sqlite import network_filesystem

    kind = network_filesystem(folder)
    if kind is not None:
        notify(
            f"warning: {folder} is on a network file system ({kind}): SQLite's locks are not reliable there, so "
            "processes on other hosts may pay twice or damage the cache; for a cache shared between hosts use "
            "--cache-url postgresql://..."
        )
