"""The diff of two ToolGrad-5k run records: per-sample deltas of Recall, Success Rate and QoR.

Samples are paired by id. Besides the paired statistics, two lists point at what to read: the
samples whose QoR dropped most (with both judge reasons), and the samples where the judge and
the rule metrics disagree, which is where the judge most needs auditing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from toolgrad_eval.diff.significance import PairedDifference, paired_difference
from toolgrad_eval.leaderboard import Run
from toolgrad_eval.leaderboard.text import clean_text

METRICS = ("recall", "success_rate", "qor")
# A QoR at or above HIGH_QOR (0-100) with recall 0 or no successful call, or at or below LOW_QOR with
# perfect recall and success: the judge and the rules tell different stories about the sample.
HIGH_QOR = 70.0
LOW_QOR = 30.0
MAX_DROPS = 25  # largest QoR drops listed
MAX_LISTED = 300  # changed samples and disagreements listed per diff (counts cover all)


@dataclass(frozen=True)
class SampleDelta:
    id: str
    a: Mapping[str, float | None]  # metric -> value (None: the sample is not in that mean)
    b: Mapping[str, float | None]
    reason_a: str
    reason_b: str
    query: str
    response_a: str
    response_b: str

    def delta(self, metric: str) -> float | None:
        x, y = self.a.get(metric), self.b.get(metric)
        return None if x is None or y is None else y - x

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            **{f"{m}_a": self.a.get(m) for m in METRICS},
            **{f"{m}_b": self.b.get(m) for m in METRICS},
            **{f"{m}_delta": self.delta(m) for m in METRICS},
            "judge_reason_a": self.reason_a,
            "judge_reason_b": self.reason_b,
        }


@dataclass(frozen=True)
class Disagreement:
    """A sample on which the judge's QoR and the rule metrics disagree, in one of the two runs."""

    id: str
    run: str  # "a" | "b"
    kind: str  # "high_qor_rules_fail" | "low_qor_rules_pass"
    qor: float
    recall: float | None
    success_rate: float | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "run": self.run,
            "kind": self.kind,
            "qor": self.qor,
            "recall": self.recall,
            "success_rate": self.success_rate,
            "judge_reason": self.reason,
        }


@dataclass(frozen=True)
class Toolgrad5kDiff:
    metrics: dict[str, PairedDifference]
    decreased: dict[str, tuple[str, ...]]  # metric -> ids whose value went down
    increased: dict[str, tuple[str, ...]]
    changed: list[SampleDelta]  # samples with any metric changed, largest QoR drop first
    n_changed: int
    drops: list[SampleDelta]  # the largest QoR drops
    disagreements: list[Disagreement]
    n_disagreements: int
    unpaired: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "metrics": {
                m: {**d.as_dict(), "decreased": list(self.decreased[m]), "increased": list(self.increased[m])}
                for m, d in self.metrics.items()
            },
            "n_changed": self.n_changed,
            "changed": [s.as_dict() for s in self.changed],
            "largest_qor_drops": [s.as_dict() for s in self.drops],
            "judge_rule_disagreements": [d.as_dict() for d in self.disagreements],
            "n_judge_rule_disagreements": self.n_disagreements,
            "unpaired": dict(self.unpaired),
            "notes": list(self.notes),
        }


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _rows(run: Run) -> dict[str, Mapping[str, Any]]:
    return {str(row["id"]): row for row in run.samples if "id" in row}


def diff_toolgrad5k(a: Run, b: Run) -> Toolgrad5kDiff:
    ra, rb = _rows(a), _rows(b)
    shared = sorted(ra.keys() & rb.keys())
    values_a = {m: {i: _num(ra[i].get(m)) for i in shared} for m in METRICS}
    values_b = {m: {i: _num(rb[i].get(m)) for i in shared} for m in METRICS}
    metrics = {m: paired_difference(values_a[m], values_b[m]) for m in METRICS}
    deltas = [_delta(i, ra[i], rb[i]) for i in shared]
    decreased = {m: tuple(d.id for d in deltas if (d.delta(m) or 0) < 0) for m in METRICS}
    increased = {m: tuple(d.id for d in deltas if (d.delta(m) or 0) > 0) for m in METRICS}
    changed = [d for d in deltas if any(d.delta(m) for m in METRICS) or _presence_changed(d)]
    changed.sort(key=lambda d: (d.delta("qor") if d.delta("qor") is not None else 0.0, d.id))
    drops = [d for d in changed if (d.delta("qor") or 0) < 0][:MAX_DROPS]
    disagreements = [
        x for side, rows in (("a", ra), ("b", rb)) for i in shared if (x := _disagreement(i, side, rows[i]))
    ]
    notes = []
    if len(changed) > MAX_LISTED:
        notes.append(f"{len(changed)} samples changed; the {MAX_LISTED} with the largest QoR drops are listed.")
    return Toolgrad5kDiff(
        metrics,
        decreased,
        increased,
        changed[:MAX_LISTED],
        len(changed),
        drops,
        disagreements[:MAX_LISTED],
        len(disagreements),
        {"only_a": len(ra.keys() - rb.keys()), "only_b": len(rb.keys() - ra.keys())},
        notes,
    )


def _delta(sample_id: str, a: Mapping[str, Any], b: Mapping[str, Any]) -> SampleDelta:
    return SampleDelta(
        id=clean_text(sample_id, 200),
        a={m: _num(a.get(m)) for m in METRICS},
        b={m: _num(b.get(m)) for m in METRICS},
        reason_a=clean_text(a.get("judge_reason")),
        reason_b=clean_text(b.get("judge_reason")),
        query=clean_text(a.get("query") or b.get("query")),
        response_a=clean_text(a.get("response")),
        response_b=clean_text(b.get("response")),
    )


def _presence_changed(d: SampleDelta) -> bool:
    """A value that entered or left a mean (a judge error, an errored prediction) is a change too."""
    return any((d.a.get(m) is None) != (d.b.get(m) is None) for m in METRICS)


def _disagreement(sample_id: str, side: str, row: Mapping[str, Any]) -> Disagreement | None:
    qor, recall, success = _num(row.get("qor")), _num(row.get("recall")), _num(row.get("success_rate"))
    if qor is None:
        return None
    if qor >= HIGH_QOR and (recall == 0 or success == 0):
        kind = "high_qor_rules_fail"
    elif qor <= LOW_QOR and recall == 1 and success == 1:
        kind = "low_qor_rules_pass"
    else:
        return None
    return Disagreement(
        clean_text(sample_id, 200), side, kind, qor, recall, success, clean_text(row.get("judge_reason"))
    )
