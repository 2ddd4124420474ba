"""BFCL's official multi-turn runner as a test oracle, in an isolated subprocess.

The official ``multi_turn_runner`` of the release matching the data version scores fabricated
result entries with a real handler's ``decode_execute`` (created without its constructor, as in
:mod:`oracle`) and writes its score file; we return that file's lines. It ``eval``s the call
strings: only ever give it outputs whose evaluation is harmless (no hostile arithmetic, no
builtins), which is what the fabricated corpora hold. Needs ``mpmath`` in the oracle interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script by the worker: find the tests' packages
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bfcl import oracle  # noqa: E402

HANDLERS = {  # version -> (module, class): the OpenAI handler, used in both modes
    "v4": ("bfcl_eval.model_handler.api_inference.openai_completion", "OpenAICompletionsHandler"),
    "v3": ("bfcl_eval.model_handler.api_inference.openai", "OpenAIHandler"),
}


def official_score_lines(version: str, jobs: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The official score file's lines (header first) for each job: ``category``, ``model`` (a folder
    name: give each job its own, the official instances live on in the process under it), ``is_fc``
    and ``results`` (result lines)."""
    site = oracle.checker_site(version)
    with tempfile.TemporaryDirectory(prefix="bfcl-mt-oracle-") as scratch:
        job = Path(scratch) / "job.json"
        job.write_text(json.dumps(jobs))
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(site), str(oracle.tree_sitter_site())]),
            "BFCL_PROJECT_ROOT": str(Path(scratch) / "project"),
            "PYTHONWARNINGS": "ignore",
        }
        done = subprocess.run(
            [oracle.oracle_python(), "-s", __file__, version, str(job), scratch],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            raise oracle.OracleUnavailable(f"official multi-turn worker failed: {done.stderr.strip()[-2000:]}")
        out = []
        for i in range(len(jobs)):
            found = list((Path(scratch) / f"score{i}").rglob("*_score.json"))
            out.append([json.loads(line) for line in found[0].read_text().splitlines() if line.strip()])
        return out


def _worker(version: str, job_path: str, scratch: str) -> None:
    import importlib

    import mpmath  # noqa: F401 - real modules the runner needs, imported before stand-ins shadow what they probe
    import pandas  # noqa: F401

    oracle._install_stand_ins()
    import contextlib

    from bfcl_eval import utils as bfcl_utils
    from bfcl_eval.eval_checker import eval_runner

    if hasattr(bfcl_utils, "_get_file_lock"):  # v4 locks score files with filelock (a stand-in here)
        bfcl_utils._get_file_lock = lambda path: contextlib.nullcontext()

    data = Path(oracle.checker_site(version)) / "bfcl_eval" / "data"
    for i, job in enumerate(json.loads(Path(job_path).read_text())):
        module, name = job.get("handler") or HANDLERS[version]
        handler = object.__new__(getattr(importlib.import_module(module), name))
        handler.is_fc_model = job["is_fc"]
        handler.model_name = handler.registry_name = job["model"]
        prefix = f"BFCL_{version}_{job['category']}"
        questions = {q["id"]: q for q in map(json.loads, (data / f"{prefix}.json").read_text().splitlines())}
        answer_file = data / "possible_answer" / f"{prefix}.json"
        answers = {a["id"]: a for a in map(json.loads, answer_file.read_text().splitlines())}
        results = sorted(job["results"], key=lambda r: int(r["id"].rsplit("_", 1)[1]))
        prompts = [questions[r["id"]] for r in results]
        truths = [answers[r["id"]] for r in results]
        eval_runner.multi_turn_runner(
            handler, results, prompts, truths, job["model"], job["category"], Path(scratch) / f"score{i}"
        )


if __name__ == "__main__":
    _worker(*sys.argv[1:4])
