"""The public names of the leaderboard and report packages are deliberate; this pins them."""

from __future__ import annotations

import toolgrad_eval.leaderboard as leaderboard
import toolgrad_eval.report as report


def test_exported_members() -> None:
    for module in (leaderboard, report):
        assert len(set(module.__all__)) == len(module.__all__)
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"
    assert report.__all__ == ["Published", "publish", "write_report"]
    assert {"build_leaderboard", "Leaderboard", "load_packaged", "check_reported", "discover_runs"} <= set(
        leaderboard.__all__
    )
    public = {
        n
        for n in dir(leaderboard)
        if not n.startswith("_") and not isinstance(getattr(leaderboard, n), type(leaderboard))
    }
    assert public == set(leaderboard.__all__)
