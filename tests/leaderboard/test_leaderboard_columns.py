"""The leaderboard's column weights say the same as BFCL's aggregation (toolgrad_eval.bfcl.aggregate)."""

from __future__ import annotations

import random

import pytest

from toolgrad_eval.bfcl.aggregate import AGGREGATE_KEYS, CategoryScore, model_card
from toolgrad_eval.bfcl.categories import SIZES
from toolgrad_eval.leaderboard import BFCL_COLUMNS
from toolgrad_eval.leaderboard.columns import bfcl_weights


def test_columns_are_the_model_card_columns() -> None:
    assert [c.key for c in BFCL_COLUMNS] == list(AGGREGATE_KEYS)


@pytest.mark.parametrize("seed", range(5))
def test_weights_reproduce_model_card(seed: int) -> None:
    rng = random.Random(seed)
    sizes = {c: rng.randint(1, 1000) for c in SIZES["v4"]} if seed else dict(SIZES["v4"])
    scores = {c: CategoryScore(rng.random(), n) for c, n in sizes.items()}
    card = model_card(scores)
    for col in BFCL_COLUMNS:
        weights = bfcl_weights(col.key, sizes)
        assert sum(weights.values()) == pytest.approx(1.0)
        assert sum(w * scores[c].accuracy for c, w in weights.items()) == pytest.approx(card[col.key]), col.key
