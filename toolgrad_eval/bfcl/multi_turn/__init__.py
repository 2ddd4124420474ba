"""BFCL multi-turn categories scored from result files, on the era's simulators, without ``eval``.

:mod:`.simulators` loads the simulator classes from the pinned wheel's sources; :mod:`.calls`
writes each step as the handler's ``decode_execute`` does; :mod:`.execute` runs call strings on
instances without evaluating them; :mod:`.checker` is the per-entry state and response check;
:mod:`.bounded` bounds each entry's CPU time and memory; :mod:`.score` scores a result file.
"""

from toolgrad_eval.bfcl.multi_turn.score import MULTI_TURN, score_multi_turn

__all__ = ["MULTI_TURN", "score_multi_turn"]
