#!/usr/bin/env python
"""Several BFCL models in one process against one process per model, measured in the same run.

Two workloads, each measured the same way:

- the 11 models we test with: the real runs in ../shared/bfcl-real (v3-aafv: six models,
  v4-qwen3-4b: one) and the shipped synthetic demo run (four models), 10,821 entries;
- 13 models at full v4 size (47,333 entries, the size issue #13 names): the real Qwen3-4B v4 run
  and 12 synthetic variants of it written into the scratch folder (in variant k a hash-chosen
  share of each file's outputs is swapped for the real output of another entry of that file, so
  every variant decodes real model text and fails differently). Left out with ``--no-scale``.

Baseline: what a user did before ``--pred_model all``, one ``toolgrad-eval --pred_model M``
process per model. Measured: one ``--pred_model all`` process per run folder. Both write score files, leaderboard CSVs and run records into a scratch folder,
with a bytecode cache (one untimed warm-up each) and BFCL's parsed-data cache warm, best of
--repeat. It also times the same two ways in-process (run_bfcl per model against run_bfcl_models),
which leaves out interpreter start-up and shows what sharing the data saves by itself.

Target (issue 26): the 13 full-size models in one process under 2 s. The load average is printed:
on a loaded machine the ratios, measured in the same run, are what compares.

    python scripts/bench_multimodel.py [--repeat N] [--v3-data DIR] [--v4-data DIR] [--no-scale] [--real DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path
from typing import Callable

from bench_bfcl import best_of  # scripts/ is on sys.path when a script runs

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "bfcl-real"  # --real overrides (a worktree has no ../shared)
SCALE_MODELS = 13  # issue #13: "the 13 real and synthetic models we test with (about 47,000 entries)"
REAL_V4_MODEL = "Qwen_Qwen3-4B-Instruct-2507"


def runs(args: argparse.Namespace) -> list[tuple[Path, Path, list[str]]]:
    """(run folder, data folder, models) for every run with data available."""
    from toolgrad_eval.bfcl.data import locate_data
    from toolgrad_eval.bfcl.many import resolve_models
    from toolgrad_eval.demo import demo_root

    demo = demo_root() / "bfcl-synthetic"
    found = [(demo, demo / "data", resolve_models(demo, "all"))]
    for folder, version, explicit in (
        (args.real / "v3-aafv", "v3", args.v3_data),
        (args.real / "v4-qwen3-4b", "v4", args.v4_data),
    ):
        if folder.is_dir():
            data = locate_data(version, explicit, fetch=True, echo=lambda line: print(line, file=sys.stderr))
            found.append((folder, data.root, resolve_models(folder, "all")))
        else:
            print(f"{folder} not found: left out", file=sys.stderr)
    return found


def scaled_v4_run(out: Path, n_models: int, real: Path) -> Path:
    """A v4 run folder under ``out``: the real Qwen3-4B run and ``n_models - 1`` synthetic variants.

    Variant k swaps a share k / (2 n_models) of each file's outputs, chosen by a hash of (k, id),
    for the output of another entry of the same file: real model text that decodes as it would,
    answering the wrong question. Deterministic, so every bench run scores the same entries."""
    source = real / "v4-qwen3-4b" / "result" / REAL_V4_MODEL
    run = out / "v4-scaled"
    for k in range(n_models):
        model = REAL_V4_MODEL if k == 0 else f"synthetic-variant-{k:02d}"
        for path in sorted(source.rglob("BFCL_v4_*_result.json")):
            rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            for row in rows if k else ():
                if _share(k, row["id"]) < k / (2 * n_models):
                    row["result"] = rows[int(_share(-k, row["id"]) * len(rows))]["result"]
            target = run / "result" / model / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return run


def _share(*parts: object) -> float:
    """A stable number in [0, 1) from ``parts`` (no RNG state)."""
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big") / 2**64


Workload = list[tuple[Path, Path, list[str]]]  # (run folder, data folder, models)


def measure(found: Workload, scratch: Path, repeat: int) -> tuple[int, float, float, float, float, float, float]:
    """Entries, then best-of times: separate processes, ``all`` processes, in process separate, many;
    then the best CPU times (user + system, workers included) of the separate and the ``all`` processes."""
    from toolgrad_eval.bfcl.many import run_bfcl_models
    from toolgrad_eval.bfcl.runner import run_bfcl

    def quiet(_line: str) -> None:
        return None

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(scratch.parent / "pycache")

    def command(run: Path, data: Path, model: str, tag: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "toolgrad_eval",
            "--pred_model",
            model,
            "--dataset",
            str(run),
            "--bfcl-data",
            str(data),
            "--score-dir",
            str(scratch / tag / run.name / "score"),
            "--output",
            str(scratch / tag / run.name / "records" / ("all" if model == "all" else model)),
            "--overwrite",
        ]

    def processes(tag: str, per_model: bool) -> None:
        for run, data, models in found:
            for model in models if per_model else ["all"]:
                proc = subprocess.run(command(run, data, model, tag), capture_output=True, text=True, env=env)
                if proc.returncode != 0:
                    raise SystemExit(f"{' '.join(command(run, data, model, tag))} failed:\n{proc.stderr[-2000:]}")

    def in_process_separate() -> None:
        for run, data, models in found:
            for model in models:
                run_bfcl(
                    run,
                    model,
                    scratch / "in-one" / run.name / model,
                    bfcl_data=data,
                    score_dir=scratch / "in-one" / run.name / "score",
                    overwrite=True,
                    echo=quiet,
                )

    def in_process_many() -> int:
        entries = 0
        for run, data, models in found:
            score = partial(
                run_bfcl, run, bfcl_data=data, score_dir=scratch / "in-many" / run.name / "score", overwrite=True
            )
            done = run_bfcl_models(models, lambda m, run=run: scratch / "in-many" / run.name / m, score, echo=quiet)
            if done.failed:
                raise SystemExit(f"not scored: {done.failed}")
            entries += sum(s["n_samples"] for s in done.summaries.values())
        return entries

    entries = in_process_many()  # warm-up: parsed-data cache, bytecode
    in_process_separate()
    processes("warm-one", True)
    processes("warm-many", False)
    return (
        entries,
        best_of(repeat, lambda: processes("one", True)),
        best_of(repeat, lambda: processes("many", False)),
        best_of(repeat, in_process_separate),
        best_of(repeat, in_process_many),
        min(_children_cpu(lambda: processes("one-cpu", True)) for _ in range(repeat)),
        min(_children_cpu(lambda: processes("many-cpu", False)) for _ in range(repeat)),
    )


def _children_cpu(fn: Callable[[], None]) -> float:
    """User + system seconds of the processes ``fn`` runs and waits for (their workers included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    fn()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--v3-data", type=Path, default=None)
    parser.add_argument("--v4-data", type=Path, default=None)
    parser.add_argument("--no-scale", action="store_true", help="leave out the 13 full-size v4 models")
    parser.add_argument("--real", type=Path, default=SHARED, help="the real BFCL runs [default: ../shared/bfcl-real]")
    args = parser.parse_args()
    load_before = os.getloadavg()

    from toolgrad_eval.bfcl.many import resolve_models

    found = runs(args)
    with tempfile.TemporaryDirectory(prefix="bench-multimodel-") as tmp:
        scratch = Path(tmp)
        workloads = [("the models we test with", found)]
        v4 = next((data for run, data, _ in found if run.name == "v4-qwen3-4b"), None)
        if v4 is not None and not args.no_scale:
            scaled = scaled_v4_run(scratch / "data", SCALE_MODELS, args.real)
            workloads.append(
                (
                    f"{SCALE_MODELS} full-size v4 models (1 real, {SCALE_MODELS - 1} synthetic variants)",
                    [(scaled, v4, resolve_models(scaled, "all"))],
                )
            )
        for number, (title, work) in enumerate(workloads):
            entries, t_one, t_many, t_in_one, t_in_many, c_one, c_many = measure(
                work, scratch / f"w{number}", args.repeat
            )
            n_models = sum(len(models) for *_, models in work)
            print(
                f"{title}: {n_models} models ({entries:,} entries) in {len(work)} runs: "
                + ", ".join(f"{run.name} {len(models)}" for run, _, models in work)
                + f"; best of {args.repeat}"
            )
            print(
                f"  whole process: {n_models} separate processes {t_one:7.2f} s   {len(work)} --pred_model all "
                f"processes {t_many:7.2f} s   ratio {t_one / t_many:5.2f}x"
            )
            print(
                f"  process CPU:   {n_models} separate processes {c_one:7.2f} s   {len(work)} --pred_model all "
                f"processes {c_many:7.2f} s   ratio {c_one / c_many:5.2f}x   (user+system, workers included)"
            )
            print(
                f"  in process:    run_bfcl per model         {t_in_one:7.2f} s   run_bfcl_models per run        "
                f"{t_in_many:7.2f} s   ratio {t_in_one / t_in_many:5.2f}x"
            )
            if n_models == SCALE_MODELS and len(work) == 1:
                cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
                print(
                    f"  target (one process under 2 s): {t_many:.2f} s: {'met' if t_many < 2 else 'NOT met'}; "
                    f"load average {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} now, {cores} cores; "
                    f"its CPU time {c_many:.2f} s spread over {cores} idle cores would take at least "
                    f"{c_many / cores:.2f} s"
                )


if __name__ == "__main__":
    main()
