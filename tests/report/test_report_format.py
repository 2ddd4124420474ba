"""Number formatting: signs, minus signs, intervals, p-values, sort keys."""

from __future__ import annotations

from toolgrad_eval.report import _format


def test_values_and_differences() -> None:
    assert _format.value(61.12) == "61.12"
    assert _format.value(None) == "—"
    assert _format.value(-1.5) == "\u22121.50"
    assert _format.signed(11.34) == "+11.34"
    assert _format.signed(-2.721) == "\u22122.72"
    assert _format.signed(-0.001) == "±0.00"


def test_intervals_and_p_values() -> None:
    assert _format.interval((50.44, 69.61)) == "50.4–69.6"
    assert _format.interval((-3.31, 8.72), sign=True) == "[\u22123.3, +8.7]"
    assert _format.interval((0.0, 17.9), sign=True) == "[0.0, +17.9]"
    assert _format.interval(None) == ""
    assert _format.p_value(0.0004) == "p < 0.001"
    assert _format.p_value(0.0042) == "p = 0.004"
    assert _format.p_value(0.2) == "p = 0.20"
    assert _format.p_value(None) == ""
    assert _format.sort_key(None) == "" and float(_format.sort_key(61.12)) == 61.12
