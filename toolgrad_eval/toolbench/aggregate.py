"""StableToolBench's aggregation, as facts (``toolbench/tooleval/eval_pass_rate.py``,
``eval_preference.py`` and the README's tables), plus confidence intervals over queries.

Pass rate: each judgment round scores a query Solved 1, Unsure 0.5, Unsolved 0; a round's score
is the mean over the test set's queries; SoPR is the mean over rounds in percent, beside the
standard deviation over rounds (numpy's ``np.std``: the population form). The "Average" column
of their tables is the plain mean of the test sets' values, and its ± the mean of their ±.

Win rate: per query and round, the answer with the better pass-rate status of that round (Solved
> Unsure > Unsolved) wins without asking; otherwise the judge picks one (preference.py). The rounds
are counted per query: more for the candidate is a win, more for the reference a loss, as many a
tie. SoWR is the share of wins in percent over every test query (ties are not halved); the Average
is again the plain mean over test sets.

The bootstrap draws its resamples in blocks of rows (``_BLOCK_ELEMENTS`` indices at a time): the
same numbers as one ``(resamples, n)`` matrix, in bounded memory (100,000 queries made that matrix
3.2 GB).
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal, Sequence

from toolgrad_eval.toolbench.verdict import Status

SCORE: dict[Status, float] = {"Solved": 1.0, "Unsure": 0.5, "Unsolved": 0.0}
_RANK: dict[Status, int] = {"Solved": 2, "Unsure": 1, "Unsolved": 0}
Outcome = Literal["win", "tie", "loss"]
CONFIDENCE, RESAMPLES, SEED = 0.95, 2000, 0


@dataclass(frozen=True)
class Rate:
    """A test set's (or the average's) rate in percent, with its spread over rounds and its CI."""

    value: float | None
    std: float | None  # over rounds (pass rate only)
    ci: tuple[float, float] | None
    n: int
    rounds: tuple[float, ...] = ()  # pass rate: each round's score in percent


def query_score(statuses: Sequence[Status]) -> float:
    """A query's score: its rounds' mean (what each query adds to SoPR)."""
    return sum(SCORE[s] for s in statuses) / len(statuses)


def pass_rate(queries: Sequence[Sequence[Status]]) -> Rate:
    """SoPR of one test set from every query's statuses, one per round (all of the same length)."""
    if not queries:
        return Rate(None, None, None, 0)
    rounds = len(queries[0])
    if any(len(q) != rounds for q in queries):
        raise ValueError("every query needs a status for every round")
    by_round = [100 * sum(SCORE[q[r]] for q in queries) / len(queries) for r in range(rounds)]
    ci = bootstrap_ci([100 * query_score(q) for q in queries])
    return Rate(sum(by_round) / rounds, statistics.pstdev(by_round), ci, len(queries), tuple(by_round))


def win_rate(outcomes: Sequence[Outcome]) -> tuple[Rate, float | None, float | None]:
    """(SoWR, tie rate, loss rate) in percent; the CI is the bootstrap of the wins over queries."""
    n = len(outcomes)
    if n == 0:
        return Rate(None, None, None, 0), None, None
    counts = Counter(outcomes)
    wins = [100.0 if o == "win" else 0.0 for o in outcomes]
    ci = bootstrap_ci(wins)
    return Rate(100 * counts["win"] / n, None, ci, n), 100 * counts["tie"] / n, 100 * counts["loss"] / n


def average(rates: Sequence[Rate], samples: Sequence[Sequence[float]]) -> Rate:
    """The tables' Average: mean of the test sets' values (± the mean of their ±), and a CI that
    resamples queries within each test set (a stratified bootstrap of that mean)."""
    known = [r for r in rates if r.value is not None]
    if not known or len(known) != len(rates):
        return Rate(None, None, None, sum(r.n for r in rates))
    value = sum(r.value for r in known if r.value is not None) / len(known)
    stds = [r.std for r in known if r.std is not None]
    std = sum(stds) / len(stds) if len(stds) == len(known) else None
    return Rate(value, std, _stratified_ci(samples), sum(r.n for r in known))


def _stratified_ci(samples: Sequence[Sequence[float]]) -> tuple[float, float] | None:
    if not samples or any(len(s) == 0 for s in samples) or sum(len(s) for s in samples) < 2:
        return None
    import numpy as np

    rng = np.random.default_rng(SEED)
    total = np.zeros(RESAMPLES)
    for values in samples:
        total += _resampled_means(np.asarray(values, dtype=float), rng) / len(samples)
    return _interval(total)


def bootstrap_ci(values: Sequence[float]) -> tuple[float, float] | None:
    """Percentile bootstrap CI of the mean (``stats.bootstrap_ci``'s numbers, drawn in blocks)."""
    if len(values) < 2:
        return None
    import numpy as np

    return _interval(_resampled_means(np.asarray(values, dtype=float), np.random.default_rng(SEED)))


_BLOCK_ELEMENTS = 1 << 20  # indices drawn at once: 8 MB, whatever the number of queries


def _resampled_means(data: Any, rng: Any) -> Any:
    """The RESAMPLES bootstrap means of ``data``. Blocks of an even number of rows draw the same
    integers as one (RESAMPLES, n) call: numpy's bounded draws split 64-bit words in two, so a
    block holding an odd count would drop a half-word the one big call uses."""
    import numpy as np

    n = len(data)
    rows = max(2, (_BLOCK_ELEMENTS // n) // 2 * 2)
    means = np.empty(RESAMPLES)
    for start in range(0, RESAMPLES, rows):
        stop = min(RESAMPLES, start + rows)
        means[start:stop] = data[rng.integers(0, n, size=(stop - start, n))].mean(axis=1)
    return means


def _interval(means: Any) -> tuple[float, float]:
    import numpy as np

    low, high = np.quantile(means, [(1 - CONFIDENCE) / 2, 1 - (1 - CONFIDENCE) / 2])
    return float(low), float(high)


def decided_by_status(candidate: Status, reference: Status) -> Literal["candidate", "reference"] | None:
    """Which answer wins on status alone, or None when both have the same status (ask the judge)."""
    if _RANK[candidate] == _RANK[reference]:
        return None
    return "candidate" if _RANK[candidate] > _RANK[reference] else "reference"


def outcome(candidate_votes: int, reference_votes: int) -> Outcome:
    if candidate_votes > reference_votes:
        return "win"
    return "loss" if candidate_votes < reference_votes else "tie"
