"""Re-score a published BFCL run with the era-matched official checker and compare with its score files.

A published run is usable as a conformance reference only if the official checker of the release
whose data it was scored with (bfcl-eval 2025.6.30 for v3, 2026.3.23 for v4) writes the same score
files from its result files: the same failed ids with the same ``error_type``, the same counts.
This script does that check, single-turn categories only (the ones toolgrad-eval scores):

    python tests/bfcl/real_runs/official_rescore.py v3 RESULT_MODEL_DIR SCORE_MODEL_DIR \
        --as-model gpt-4o-2024-11-20 [--json OUT]

``--as-model`` is the registry model whose entry (handler, FC or prompt, ``underscore_to_dot``) the
checker reads. It is the run's own model when that is in the release's registry; a run made with a
fork's private registry entry (``openai_gpt-oss-120b``) is checked as a registry model with the
same handler and mode, and PROVENANCE.md says which.

The checker runs in a separate interpreter, isolated as ``tests/bfcl/oracle.py`` does it (the wheel
from ``pip download --no-deps``, vendor SDKs replaced by empty stand-ins, ``BFCL_PROJECT_ROOT`` in a
scratch folder), through its own evaluation runner, so each model's own handler decodes its outputs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

NOT_SINGLE_TURN = ("multi_turn", "memory", "web_search", "format_sensitivity", "exec", "rest", "sql", "chatable")
_FILE = re.compile(r"^BFCL_(v\d+)_(\w+?)_(result|score)\.json$")


def single_turn_files(model_dir: Path, kind: str) -> dict[str, Path]:
    """category (as the file names it) -> path, for ``kind`` "result" or "score"."""
    found = {}
    for path in sorted(model_dir.rglob(f"BFCL_v*_{kind}.json")):
        match = _FILE.match(path.name)
        if match and not any(word in match.group(2) for word in NOT_SINGLE_TURN):
            found[match.group(2)] = path
    return found


def verdicts(score_file: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """(header, id -> error_type of each failed entry) from one score file."""
    lines = [json.loads(x) for x in score_file.read_text(encoding="utf-8").splitlines() if x.strip()]
    failed = {}
    for line in lines[1:]:
        prompt = line.get("prompt")
        entry_id = prompt["id"] if isinstance(prompt, dict) and "id" in prompt else line["id"]
        failed[entry_id] = line.get("error_type")
    return lines[0], failed


def rescore(version: str, result_dir: Path, as_model: str, scratch: Path) -> Path:
    """Run the official evaluation runner on ``result_dir``'s single-turn files; return its score folder."""
    import oracle

    folder = as_model.replace("/", "_")
    results = scratch / "project" / "result" / folder
    results.mkdir(parents=True)
    for path in single_turn_files(result_dir, "result").values():
        shutil.copyfile(path, results / path.name)
    sites = [str(oracle.checker_site(version)), str(oracle.tree_sitter_site())]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sites),
        "BFCL_PROJECT_ROOT": str(scratch / "project"),
        "PYTHONWARNINGS": "ignore",
    }
    done = subprocess.run(
        [oracle.oracle_python(), "-S", __file__, "--worker", version, as_model, str(scratch / "project")],
        env=env,
        capture_output=True,
        text=True,
        timeout=3000,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"official runner failed: {done.stderr.strip()[-3000:]}")
    return scratch / "project" / "score" / folder


def compare(official_dir: Path, published_dir: Path) -> dict[str, Any]:
    """Per category: entries, failed ids and the ids whose verdict differs between two score folders."""
    official, published = single_turn_files(official_dir, "score"), single_turn_files(published_dir, "score")
    report: dict[str, Any] = {
        "categories": {},
        "only_published": sorted(published.keys() - official.keys()),
        "only_official": sorted(official.keys() - published.keys()),
    }
    for category in sorted(official.keys() & published.keys()):
        (head_o, failed_o), (head_p, failed_p) = verdicts(official[category]), verdicts(published[category])
        differing = sorted(
            i for i in failed_o.keys() | failed_p.keys() if failed_o.get(i, "passed") != failed_p.get(i, "passed")
        )
        report["categories"][category] = {
            "total": head_p.get("total_count"),
            "correct_published": head_p.get("correct_count"),
            "correct_official": head_o.get("correct_count"),
            "failed": len(failed_p),
            "differing": [(i, failed_p.get(i, "passed"), failed_o.get(i, "passed")) for i in differing],
        }
    report["reproduced"] = (
        not report["only_published"]
        and not report["only_official"]
        and all(
            not c["differing"] and c["correct_published"] == c["correct_official"]
            for c in report["categories"].values()
        )
    )
    return report


def _worker(version: str, as_model: str, project: str) -> None:
    import contextlib
    import types

    import oracle

    # Without site-packages (-S) every third-party import is a stand-in, except two whose behaviour
    # the runner relies on: the progress bar passes its iterable on, the file lock is a context.
    progress, locks = types.ModuleType("tqdm"), types.ModuleType("filelock")
    progress.tqdm = lambda iterable=None, *args, **kwargs: iterable  # type: ignore[attr-defined]
    locks.FileLock = lambda *args, **kwargs: contextlib.nullcontext()  # type: ignore[attr-defined]
    sys.modules.update(tqdm=progress, filelock=locks)
    oracle._install_stand_ins()
    from bfcl_eval.eval_checker import eval_runner

    config = eval_runner.MODEL_CONFIG_MAPPING[as_model]

    def get_handler(_name: str) -> Any:
        # A handler class with a stand-in base has the stand-in's metaclass, whose call drops the
        # arguments; create the object plainly and run the handler's own constructor on it.
        handler = object.__new__(config.model_handler)
        kwargs = {"model_name": config.model_name, "temperature": 0}
        if version == "v4":
            kwargs.update(registry_name=as_model, is_fc_model=config.is_fc_model)
        config.model_handler.__init__(handler, **kwargs)
        return handler

    eval_runner.get_handler = get_handler
    folder = as_model.replace("/", "_")
    result_dir, score_dir = Path(project) / "result", Path(project) / "score"
    categories = sorted(single_turn_files(result_dir / folder, "result"))
    try:
        eval_runner.runner([folder], categories, result_dir, score_dir)
    except Exception as exc:  # the leaderboard CSV step after scoring may need real SDK modules
        if not list((score_dir / folder).rglob("*_score.json")):
            raise
        print(f"runner stopped after writing score files: {type(exc).__name__}: {exc}", file=sys.stderr)


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:
        _worker(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("version", choices=("v3", "v4"))
    parser.add_argument("result_dir", type=Path)
    parser.add_argument("score_dir", type=Path)
    parser.add_argument("--as-model", required=True)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bfcl-rescore-") as scratch:
        report = compare(rescore(args.version, args.result_dir, args.as_model, Path(scratch)), args.score_dir)
    report.update(version=args.version, as_model=args.as_model)
    for category, info in report["categories"].items():
        print(
            f"{category:24s} total {info['total']:5} correct published {info['correct_published']:5} "
            f"official {info['correct_official']:5} differing {len(info['differing'])}"
        )
    print("categories only published:", report["only_published"], "only official:", report["only_official"])
    print("REPRODUCED" if report["reproduced"] else "NOT REPRODUCED")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
