from toolgrad_eval.toolgrad5k.dataset import ToolCall
from toolgrad_eval.toolgrad5k.metrics import clip_score, mean, success_rate, tool_recall_precision


def calls(*specs: tuple[str, bool]) -> list[ToolCall]:
    return [ToolCall(tool, {}, ok, None if ok else "boom", "") for tool, ok in specs]


def test_recall_and_precision_count_distinct_tools():
    recall, precision = tool_recall_precision(["a", "b", "c"], calls(("a", True), ("a", False), ("x", True)))
    assert recall == 1 / 3
    assert precision == 1 / 2  # called {a, x}


def test_recall_zero_when_nothing_called_or_no_ground_truth():
    assert tool_recall_precision(["a"], []) == (0.0, 0.0)
    assert tool_recall_precision([], calls(("a", True))) == (0.0, 0.0)


def test_success_rate_needs_one_successful_call_per_ground_truth_tool():
    trace = calls(("a", False), ("a", True), ("b", False), ("x", True))
    assert success_rate(["a", "b"], trace) == 0.5
    assert success_rate(["b"], trace) == 0.0


def test_success_rate_counts_only_exact_empty_error():
    # the reference treats error == "" as success; null is a failure
    trace = [ToolCall("a", {}, False, "None", "")]
    assert success_rate(["a"], trace) == 0.0


def test_success_rate_of_sample_without_ground_truth_is_zero():
    assert success_rate([], calls(("a", True))) == 0.0


def test_mean_skips_none_and_is_none_when_empty():
    assert mean([1.0, None, 0.0]) == 0.5
    assert mean([None]) is None


def test_clip_score():
    assert clip_score(130) == 100 and clip_score(-5) == 0 and clip_score(42.5) == 42.5
