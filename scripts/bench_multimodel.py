#!/usr/bin/env python
"""Several BFCL models in one process against one process per model, measured in the same run.

The models are the real runs in ../shared/bfcl-real (v3-aafv: six models, v4-qwen3-4b: one) and the
shipped synthetic demo run (four models). Baseline: what a user did before ``--pred_model all``,
one ``toolgrad-eval --pred_model M`` process per model. Measured: one ``--pred_model all`` process
per run folder. Both write score files, leaderboard CSVs and run records into a scratch folder,
with a bytecode cache (one untimed warm-up each) and BFCL's parsed-data cache warm, best of
--repeat. It also times the same two ways in-process (run_bfcl per model against run_bfcl_models),
which leaves out interpreter start-up and shows what sharing the data saves by itself.

    python scripts/bench_multimodel.py [--repeat N] [--v3-data DIR] [--v4-data DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

from bench_bfcl import best_of  # scripts/ is on sys.path when a script runs

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "bfcl-real"


def runs(args: argparse.Namespace) -> list[tuple[Path, Path, list[str]]]:
    """(run folder, data folder, models) for every run with data available."""
    from toolgrad_eval.bfcl.data import locate_data
    from toolgrad_eval.bfcl.many import resolve_models
    from toolgrad_eval.demo import demo_root

    demo = demo_root() / "bfcl-synthetic"
    found = [(demo, demo / "data", resolve_models(demo, "all"))]
    for folder, version, explicit in ((SHARED / "v3-aafv", "v3", args.v3_data), (SHARED / "v4-qwen3-4b", "v4", args.v4_data)):
        if folder.is_dir():
            data = locate_data(version, explicit, fetch=True, echo=lambda line: print(line, file=sys.stderr))
            found.append((folder, data.root, resolve_models(folder, "all")))
        else:
            print(f"{folder} not found: left out", file=sys.stderr)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--v3-data", type=Path, default=None)
    parser.add_argument("--v4-data", type=Path, default=None)
    args = parser.parse_args()

    from toolgrad_eval.bfcl.many import run_bfcl_models
    from toolgrad_eval.bfcl.runner import run_bfcl

    found = runs(args)
    n_models = sum(len(models) for *_, models in found)
    quiet = lambda _line: None
    with tempfile.TemporaryDirectory(prefix="bench-multimodel-") as tmp:
        scratch = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")

        def command(run: Path, data: Path, model: str, tag: str) -> list[str]:
            return [sys.executable, "-m", "toolgrad_eval", "--pred_model", model, "--dataset", str(run), "--bfcl-data",
                    str(data), "--score-dir", str(scratch / tag / run.name / "score"), "--output",
                    str(scratch / tag / run.name / "records" / ("all" if model == "all" else model)), "--overwrite"]

        def processes(tag: str, per_model: bool) -> None:
            for run, data, models in found:
                for model in (models if per_model else ["all"]):
                    proc = subprocess.run(command(run, data, model, tag), capture_output=True, text=True, env=env)
                    if proc.returncode != 0:
                        raise SystemExit(f"{' '.join(command(run, data, model, tag))} failed:\n{proc.stderr[-2000:]}")

        def in_process_separate() -> None:
            for run, data, models in found:
                for model in models:
                    run_bfcl(run, model, scratch / "in-one" / run.name / model, bfcl_data=data,
                             score_dir=scratch / "in-one" / run.name / "score", overwrite=True, echo=quiet)

        def in_process_many() -> int:
            entries = 0
            for run, data, models in found:
                score = partial(run_bfcl, run, bfcl_data=data, score_dir=scratch / "in-many" / run.name / "score",
                                overwrite=True)
                done = run_bfcl_models(models, lambda m, run=run: scratch / "in-many" / run.name / m, score, echo=quiet)
                if done.failed:
                    raise SystemExit(f"not scored: {done.failed}")
                entries += sum(s["n_samples"] for s in done.summaries.values())
            return entries

        entries = in_process_many()  # warm-up: parsed-data cache, bytecode
        in_process_separate()
        processes("warm-one", True)
        processes("warm-many", False)
        t_one = best_of(args.repeat, lambda: processes("one", True))
        t_many = best_of(args.repeat, lambda: processes("many", False))
        t_in_one = best_of(args.repeat, in_process_separate)
        t_in_many = best_of(args.repeat, in_process_many)

    print(f"{n_models} models ({entries:,} entries) in {len(found)} runs: "
          + ", ".join(f"{run.name} {len(models)}" for run, _, models in found) + f"; best of {args.repeat}")
    print(f"whole process: {n_models} separate processes {t_one:7.2f} s   {len(found)} --pred_model all processes "
          f"{t_many:7.2f} s   ratio {t_one / t_many:5.2f}x")
    print(f"in process:    run_bfcl per model         {t_in_one:7.2f} s   run_bfcl_models per run        "
          f"{t_in_many:7.2f} s   ratio {t_in_one / t_in_many:5.2f}x")


if __name__ == "__main__":
    main()
