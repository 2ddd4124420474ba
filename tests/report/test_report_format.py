"""Number formatting: signs, minus signs, intervals, p-values, sort keys."""

from __future__ import annotations

from toolgrad_eval.report import formatting


def test_values_and_differences() -> None:
    assert formatting.value(61.12) == "61.12"
    assert formatting.value(None) == "—"
    assert formatting.value(-1.5) == "\u22121.50"
    assert formatting.signed(11.34) == "+11.34"
    assert formatting.signed(-2.721) == "\u22122.72"
    assert formatting.signed(-0.001) == "±0.00"


def test_intervals_and_p_values() -> None:
    assert formatting.interval((50.44, 69.61)) == "50.4–69.6"
    assert formatting.interval((-3.31, 8.72), sign=True) == "[\u22123.3, +8.7]"
    assert formatting.interval((0.0, 17.9), sign=True) == "[0.0, +17.9]"
    assert formatting.interval(None) == ""
    assert formatting.p_value(0.0004) == "p < 0.001"
    assert formatting.p_value(0.0042) == "p = 0.004"
    assert formatting.p_value(0.2) == "p = 0.20"
    assert formatting.p_value(None) == ""
    assert formatting.sort_key(None) == "" and float(formatting.sort_key(61.12)) == 61.12
