"""Rule metrics of one ToolGrad-5k sample, with the reference evaluator's exact semantics."""

from __future__ import annotations

from typing import Iterable

from toolgrad_eval.judge.verdict import clip_score  # noqa: F401 - re-exported: QoR clipping lives with the verdict
from toolgrad_eval.toolgrad5k.dataset import ToolCall


def tool_recall_precision(gt_tools: Iterable[str], calls: Iterable[ToolCall]) -> tuple[float, float]:
    """Recall = |gt ∩ called| / |gt| and precision = |gt ∩ called| / |called|, each 0 on an empty side."""
    gt = set(gt_tools)
    called = {call.tool for call in calls}
    hit = len(gt & called)
    recall = hit / len(gt) if gt else 0.0
    precision = hit / len(called) if called else 0.0
    return recall, precision


def success_rate(gt_tools: Iterable[str], calls: Iterable[ToolCall]) -> float:
    """Share of ground-truth tools with at least one successful call (error exactly "").

    The reference divides by zero when a sample has no ground-truth tools; we score such a
    sample 0, like its recall.
    """
    gt = set(gt_tools)
    if not gt:
        return 0.0
    succeeded = {call.tool for call in calls if call.succeeded and call.tool in gt}
    return len(succeeded) / len(gt)


def mean(values: Iterable[float | None]) -> float | None:
    """Plain mean of the non-null values; None when there are none (never a silent 0)."""
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None
