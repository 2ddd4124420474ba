"""Claims on cache keys: processes sharing a cache never pay twice for one verdict.

Before a request is sent, its cache key is claimed in the cache's own database (``cache_base``).
A process that finds the key claimed by another waits for that verdict, polling the cache (every
``POLL_FIRST`` s at first, at most every ``POLL_MAX`` s), instead of sending its own request; when
the verdict arrives it is a cache hit. When the owner gives the key up without a verdict (its
request failed), or dies (kill -9, a lost host: its lease runs out; a dead process of this host:
at once), the waiter claims the key and asks itself. The owner renews its leases every third of a
lease while it holds any, so a long request (a slow judge, retries, a pending batch) keeps its key.

No deadlock: a worker claims one key at a time and holds no claim while it waits, so no two
waiters can wait on each other; a claim whose owner is gone lapses by itself.
"""

from __future__ import annotations

import threading
from typing import Callable, TypeVar

from toolgrad_eval.errors import ConfigError
from toolgrad_eval.judge.cache_base import Claim, Owner, Store

DEFAULT_LEASE = 30.0  # seconds; renewed every third of it while a request is in flight
POLL_FIRST = 0.05  # seconds between a waiter's first looks at the cache
POLL_MAX = 1.0  # ...growing to at most this: a waiter sees a verdict within a second of its arrival

R = TypeVar("R")


class Claims:
    """This process's claims on one store: taking, waiting, releasing, and renewing in the background."""

    def __init__(
        self, store: Store, owner: Owner, lease: float = DEFAULT_LEASE, on_wait: Callable[[Claim], None] | None = None
    ) -> None:
        self.store, self.owner, self.lease = store, owner, lease
        self.on_wait = on_wait  # told once, at the first wait (the CLI says it on the terminal)
        self._held: set[str] = set()
        self._lock = threading.Lock()
        self._renewer: threading.Thread | None = None
        self._idle = threading.Event()  # set when the last claim is given up: the renewer leaves at once
        self.waits = 0  # keys this process waited for because another held them (for the summary)
        self.takeovers = 0  # claims taken from an owner that died or let its lease lapse

    def try_claim(self, key: str) -> bool:
        """Claim ``key`` now if no other live process holds it (never waits)."""
        attempt = self.store.try_claim(key, self.owner, self.lease)
        if attempt.holder is not None:
            return False
        self._hold(key, attempt.replaced is not None)
        return True

    def acquire(self, key: str, cached: Callable[[], R | None], stop: threading.Event) -> tuple[R | None, bool]:
        """Wait until the verdict for ``key`` is in the cache or this process holds the claim.

        Returns ``(hit, False)`` when ``cached()`` found a verdict (stored by another process
        meanwhile, or before), ``(None, True)`` when this process now holds the claim and must ask
        the judge, and ``(None, False)`` when ``stop`` was set while waiting."""
        delay, waited = POLL_FIRST, False
        while True:
            hit = cached()
            if hit is not None:
                return hit, False
            attempt = self.store.try_claim(key, self.owner, self.lease)
            holder = attempt.holder
            if holder is None:
                # The verdict may have been stored between the look above and the claim (its
                # owner stores, then releases): look once more before paying for it.
                hit = cached()
                if hit is not None:
                    self.store.release(key, self.owner)
                    return hit, False
                self._hold(key, attempt.replaced is not None)
                return None, True
            if not waited:
                waited = True
                with self._lock:
                    self.waits += 1
                    first = self.waits == 1
                if first and self.on_wait is not None:
                    self.on_wait(holder)
            if stop.wait(delay):
                return None, False
            delay = min(delay * 2, POLL_MAX)

    def release(self, key: str) -> None:
        """Give ``key`` up (its verdict is stored, or this process stopped asking for it)."""
        with self._lock:
            self._held.discard(key)
            if not self._held:
                self._idle.set()
        self.store.release(key, self.owner)

    def _hold(self, key: str, taken_over: bool) -> None:
        with self._lock:
            self._held.add(key)
            if taken_over:  # counted by the store's word, not by whether this process waited first
                self.takeovers += 1
            self._idle.clear()
            if self._renewer is None:
                self._renewer = threading.Thread(target=self._renew, name="claim-renewer", daemon=True)
                self._renewer.start()

    def _renew(self) -> None:
        # The thread leaves as soon as no claim is held (no sleeping thread outlives a run: a
        # process forking workers next, such as the next model's sample preparation, has none).
        while True:
            self._idle.wait(self.lease / 3)
            with self._lock:
                if not self._held:
                    self._renewer = None
                    return
            try:
                self.store.renew(self.owner, self.lease)
            except ConfigError:
                pass  # the store is unusable now: the worker holding the claim reports that itself
