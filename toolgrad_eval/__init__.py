"""toolgrad-eval: evaluate tool-use LLMs on ToolGrad-5k and BFCL, and publish leaderboards.

The public API is listed in ``__all__``; everything else lives in private or internal modules.
Names are imported on first use, so ``import toolgrad_eval`` stays instant.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Toolgrad5k": "toolgrad_eval.toolgrad5k.dataset",
    "evaluate_model": "toolgrad_eval.toolgrad5k.runner",
    "run_toolgrad5k": "toolgrad_eval.toolgrad5k.run",
    "Toolgrad5kConfig": "toolgrad_eval.toolgrad5k.run",
    "JudgeConfig": "toolgrad_eval.judge.session",
    "Judge": "toolgrad_eval.judge.client",
    "JudgeSettings": "toolgrad_eval.judge.client",
    "load_template": "toolgrad_eval.judge.template",
    "open_cache": "toolgrad_eval.judge.cache",
    "check_entry": "toolgrad_eval.bfcl.match",
    "detect_format": "toolgrad_eval.bfcl.match",
    "Verdict": "toolgrad_eval.bfcl.verdict",
    "run_bfcl": "toolgrad_eval.bfcl.runner",
    "publish": "toolgrad_eval.report",
    "write_run_record": "toolgrad_eval.record",
    "ToolgradError": "toolgrad_eval.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'toolgrad_eval' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
