"""The diff of two ToolBench run records: per-query pass-rate flips, the SoPR change, and, when both
runs were compared with the same reference model, the preference changes.

Queries are paired by ``<test_set>/<query_id>``. A query *passes* when its rounds average to at
least half credit (score >= 0.5: Solved 1, Unsure 0.5, Unsolved 0), the solved/unsolved split the
McNemar exact test needs; the SoPR change is the paired difference of the per-query scores in
percent, with a paired bootstrap CI. A query without a score in either run (a missing answer left
out, a judge error) is not paired.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from toolgrad_eval.diff.significance import McNemar, PairedDifference, mcnemar_exact, paired_difference
from toolgrad_eval.leaderboard import Run

METRICS = ("sopr", "sowr")
MAX_LISTED = 300  # flipped queries listed per direction (counts cover all)
_OUTCOMES = ("win", "tie", "loss")


@dataclass(frozen=True)
class ToolbenchDiff:
    n_paired: int
    solved_to_unsolved: list[str]
    unsolved_to_solved: list[str]
    mcnemar: McNemar
    sopr: PairedDifference  # per-query score in percent, B - A
    reference: str | None  # the reference both runs were compared with (None: no win-rate diff)
    sowr: PairedDifference | None  # per-query win (100) or not (0), B - A
    preference_changes: dict[str, list[str]]  # "win->loss" -> query ids
    unpaired: dict[str, int]
    notes: list[str] = field(default_factory=list)

    @property
    def n_solved_to_unsolved(self) -> int:
        return self.mcnemar.n_pass_to_fail

    @property
    def n_unsolved_to_solved(self) -> int:
        return self.mcnemar.n_fail_to_pass

    def as_dict(self) -> dict[str, Any]:
        return {
            "n_paired": self.n_paired,
            "solved_to_unsolved": self.solved_to_unsolved,
            "unsolved_to_solved": self.unsolved_to_solved,
            "n_solved_to_unsolved": self.n_solved_to_unsolved,
            "n_unsolved_to_solved": self.n_unsolved_to_solved,
            "mcnemar": self.mcnemar.as_dict(),
            "sopr": self.sopr.as_dict(),
            "reference": self.reference,
            "sowr": self.sowr.as_dict() if self.sowr else None,
            "preference_changes": {k: len(v) for k, v in self.preference_changes.items()},
            "unpaired": self.unpaired,
            "notes": self.notes,
        }


def _score(row: Mapping[str, Any]) -> float | None:
    value = row.get("score")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        return None
    return float(value)


def _rows(run: Run) -> dict[str, Mapping[str, Any]]:
    return {str(r["id"]): r for r in run.samples if isinstance(r.get("id"), str)}


def diff_toolbench(a: Run, b: Run) -> ToolbenchDiff:
    rows_a, rows_b = _rows(a), _rows(b)
    scores_a = {k: _score(r) for k, r in rows_a.items()}
    scores_b = {k: _score(r) for k, r in rows_b.items()}
    paired = sorted(k for k in scores_a.keys() & scores_b.keys() if scores_a[k] is not None and scores_b[k] is not None)
    down = [k for k in paired if scores_a[k] >= 0.5 > scores_b[k]]  # type: ignore[operator]
    up = [k for k in paired if scores_b[k] >= 0.5 > scores_a[k]]  # type: ignore[operator]
    sopr = paired_difference(
        {k: 100 * scores_a[k] for k in paired},  # type: ignore[operator]
        {k: 100 * scores_b[k] for k in paired},  # type: ignore[operator]
    )
    notes = []
    ref_a, ref_b = a.summary.get("reference_model"), b.summary.get("reference_model")
    reference = ref_a if isinstance(ref_a, str) and ref_a == ref_b else None
    sowr, changes = None, {}
    if reference is not None:
        pref_a = {k: r.get("preference") for k, r in rows_a.items() if r.get("preference") in _OUTCOMES}
        pref_b = {k: r.get("preference") for k, r in rows_b.items() if r.get("preference") in _OUTCOMES}
        both = sorted(pref_a.keys() & pref_b.keys())
        sowr = paired_difference(
            {k: 100.0 * (pref_a[k] == "win") for k in both}, {k: 100.0 * (pref_b[k] == "win") for k in both}
        )
        for k in both:
            if pref_a[k] != pref_b[k]:
                changes.setdefault(f"{pref_a[k]}->{pref_b[k]}", []).append(k)
        changes = {key: ids[:MAX_LISTED] for key, ids in sorted(changes.items())}
    elif ref_a or ref_b:
        notes.append(
            f"win rates not compared: A was judged against {ref_a or 'no reference'}, B against {ref_b or 'no reference'}"
        )
    only_a = sum(1 for k in rows_a if k not in rows_b)
    only_b = sum(1 for k in rows_b if k not in rows_a)
    unscored = len((rows_a.keys() & rows_b.keys())) - len(paired)
    if unscored:
        notes.append(f"{unscored} queries in both runs without a score in one of them (missing answer or judge error)")
    return ToolbenchDiff(
        n_paired=len(paired),
        solved_to_unsolved=down[:MAX_LISTED],
        unsolved_to_solved=up[:MAX_LISTED],
        mcnemar=mcnemar_exact(len(down), len(up)),
        sopr=sopr,
        reference=reference,
        sowr=sowr,
        preference_changes=changes,
        unpaired={"only_a": only_a, "only_b": only_b},
        notes=notes,
    )
