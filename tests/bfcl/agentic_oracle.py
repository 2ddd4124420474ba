"""The official ``bfcl evaluate`` run as a whole, as a test oracle for agentic scoring and the Overall
(v4 and, for the Overall, v3).

Unlike :mod:`oracle` (one entry at a time), this runs bfcl-eval's own ``eval_runner.runner`` on a
result folder, so the official loading, id renaming, prerequisite skipping, score files and
leaderboard CSVs (``data_overall.csv``, ``data_agentic.csv``) are all the official code's. It runs
in a separate interpreter (see :mod:`oracle`), with empty stand-ins for the vendor SDKs and two
tiny stand-ins of our own: ``filelock`` (a lock that does nothing: one process) and ``tqdm`` (the
iterable as it is). Only give it outputs that are safe to decode: agentic scoring never executes
calls, but the prompting decoder does ``ast.parse`` them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import types
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def official_evaluate(
    result_dir: Path, score_dir: Path, models: list[str], categories: list[str], version: str = "v4"
) -> None:
    """Run the era-matched bfcl-eval's evaluation of ``models`` over ``categories`` into ``score_dir``
    (``version`` v4: 2026.3.23; v3: 2025.6.30)."""
    sys.path.insert(0, str(HERE))
    from oracle import OracleUnavailable, checker_site, oracle_python, tree_sitter_site

    sites = [str(checker_site(version)), str(tree_sitter_site())]
    with tempfile.TemporaryDirectory(prefix="bfcl-agentic-oracle-") as scratch:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(sites),
            "BFCL_PROJECT_ROOT": str(Path(scratch) / "project"),
            "PYTHONWARNINGS": "ignore",
        }
        done = subprocess.run(
            [oracle_python(), "-s", __file__, str(result_dir), str(score_dir), ",".join(models), ",".join(categories)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            raise OracleUnavailable(f"official evaluation failed: {done.stderr.strip()[-3000:]}")


def _stand_ins() -> None:
    import importlib.util

    lock = types.ModuleType("filelock")

    class FileLock:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

        def __enter__(self) -> "FileLock":
            return self

        def __exit__(self, *exc: Any) -> bool:
            return False

    lock.FileLock = FileLock  # type: ignore[attr-defined]
    sys.modules["filelock"] = lock
    progress = types.ModuleType("tqdm")
    progress.tqdm = lambda iterable=None, *args, **kwargs: iterable  # type: ignore[attr-defined]
    sys.modules["tqdm"] = progress
    sys.modules["pandas"] = types.ModuleType("pandas")  # only for the W&B upload, never reached here
    if importlib.util.find_spec("numpy") is None:  # only np.percentile is used, on latencies
        numpy = types.ModuleType("numpy")

        def percentile(values: list[float], q: float) -> float:
            ordered = sorted(values)
            pos = q / 100 * (len(ordered) - 1)
            lo = int(pos)
            hi = min(lo + 1, len(ordered) - 1)
            return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)

        numpy.percentile = percentile  # type: ignore[attr-defined]
        sys.modules["numpy"] = numpy
    sys.path.insert(0, str(HERE))
    from oracle import _install_stand_ins

    _install_stand_ins()


def _worker(result_dir: str, score_dir: str, models: str, categories: str) -> None:
    _stand_ins()
    from bfcl_eval.constants.model_config import MODEL_CONFIG_MAPPING
    from bfcl_eval.eval_checker import eval_runner

    def handler_without_clients(model_name: str) -> Any:
        """The model's handler as the runner builds it, less its constructor (which starts API
        clients); decoding reads only the mode and the names."""
        config = MODEL_CONFIG_MAPPING[model_name]
        handler = object.__new__(config.model_handler)
        handler.is_fc_model = config.is_fc_model
        handler.model_name = config.model_name
        handler.registry_name = model_name
        handler.model_name_underline_replaced = config.model_name.replace("/", "_")
        return handler

    eval_runner.get_handler = handler_without_clients
    eval_runner.runner(models.split(","), categories.split(","), Path(result_dir), Path(score_dir))


if __name__ == "__main__":
    _worker(*sys.argv[1:5])
