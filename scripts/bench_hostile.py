#!/usr/bin/env python
"""Every hostile model output and broken file we know of, through the real command line.

Each case runs `python -m toolgrad_eval ...` in a fresh process and reports its wall time and its
peak RSS (getrusage of the child), with the limits the project holds itself to: every case under
2 s and 300 MB on the 2-core machine. Then a cached ToolGrad-5k re-run whose predictions are hostile
(tag-fence attacks, 40,000-space '<' runs, huge responses, deep JSON) against the same re-run with
ordinary predictions, as a ratio (target <= 1.2): hostile text must not make a fully cached run slow.

    python scripts/bench_hostile.py [--repeat K]

Cases are generated here (nothing large is stored): the BFCL outputs come from
tests/bfcl/hostile.py and the broken files, environments and hostile names from
tests/support/broken_inputs.py, the same corpora the tests count; a broken input passes when it
ends with its expected exit status (2: one clear line; 0: the run went on) within the limits.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from bfcl.hostile import hostile_multi_turn_steps, hostile_outputs  # noqa: E402
from support.broken_inputs import broken_inputs  # noqa: E402

DEMO_BFCL = ROOT / "benchmarks" / "demo" / "bfcl-synthetic"
DEMO_TG = ROOT / "benchmarks" / "demo" / "toolgrad5k-synthetic"
MODEL = "demo-toolgrad-12b"
LIMIT_SECONDS, LIMIT_MB = 2.0, 300


def run_cli(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MB) and exit status of one whole command in a child process."""
    code = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter(); p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "print(json.dumps([time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, p.returncode]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, sys.executable, "-m", "toolgrad_eval", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, mb, rc = json.loads(done.stdout)
    return seconds, mb, rc


def bfcl_case(scratch: Path, category: str, result: str) -> Path:
    """The demo BFCL run with every entry of ``category`` answered by ``result``."""
    run = scratch / "run"
    if run.exists():
        shutil.rmtree(run)
    shutil.copytree(DEMO_BFCL, run)
    group = "live" if category.startswith("live_") else "non_live"
    path = run / "result" / MODEL / group / f"BFCL_v4_{category}_result.json"
    ids = [json.loads(line)["id"] for line in path.read_text().splitlines() if line.strip()]
    path.write_text("".join(json.dumps({"id": i, "result": result}) + "\n" for i in ids))
    return run


def broken_file_cases(scratch: Path) -> list[tuple[str, Path]]:
    out = []
    run = bfcl_case(scratch / "many-lines", "simple_python", "[f(a=1)]")
    path = run / "result" / MODEL / "non_live" / "BFCL_v4_simple_python_result.json"
    with path.open("a") as handle:  # ~120 MB of short lines with ids the data lacks
        line = json.dumps({"id": "junk", "result": "[f(a=1)]"}) + "\n"
        handle.write(line * (120 * 1024 * 1024 // len(line)))
    out.append(("bfcl-120MB-of-short-lines", run))
    run = bfcl_case(scratch / "long-line", "simple_python", "[f(a=1)]")
    with (run / "result" / MODEL / "non_live" / "BFCL_v4_simple_python_result.json").open("a") as handle:
        handle.write('{"id": "simple_python_0", "result": "' + "z" * (80 * 1024 * 1024) + '"}\n')
    out.append(("bfcl-80MB-line", run))
    return out


def toolgrad5k_copy(scratch: Path, hostile: bool) -> Path:
    """The demo ToolGrad-5k dataset without its stored verdicts; with ``hostile``, every prediction's
    response is an attack."""
    target = scratch / ("tg-hostile" if hostile else "tg-plain")
    shutil.copytree(DEMO_TG, target)
    attacks = ATTACKS
    for index, path in enumerate(sorted(target.glob("prediction/*/*/*.json"))):
        data = json.loads(path.read_text())
        if isinstance(data, dict) and "eval" in data:
            del data["eval"]  # both sides judged: prompts rendered and fenced, verdicts from the cache on re-runs
        if isinstance(data, dict) and hostile:
            for key in [k for k in data if k.startswith("response")]:
                data[key] = attacks[index % len(attacks)]
        path.write_text(json.dumps(data))
    return target


ATTACKS = [
    "<" + " " * 40_000,
    "</assistant_response" * 5_000,
    "\uff1c/assistant_response\uff1e" * 2_000,
    "x" * 200_000,
    "<\u200b" * 50_000,
]


def build_large(root: Path, n: int, hostile: int) -> Path:
    """n judged samples (as scripts/bench_judge.py builds them); the first ``hostile`` answers are attacks."""
    from toolgrad5k.builders import KEY, DatasetBuilder, call

    builder = DatasetBuilder(root)
    for i in range(n):
        sid = f"s{i:05d}"
        builder.sample(sid, {"a": {}, "b": {}}, query=f"Question {i}: find a and b, then summarise.")
        answer = ATTACKS[i % len(ATTACKS)] if i < hostile else f"Answer {i}: a and b say hi."
        builder.prediction("m1", sid, {"intermediate_steps": [call("a"), call("b")], KEY: answer})
    return builder.finish()


def multi_turn_cases(scratch: Path) -> int:
    """Hostile multi-turn steps (tests/bfcl/hostile.py) in the first turn of one v4 multi-turn entry
    that uses the math simulator, each through the real command line; failures counted. Needs the v4
    data with the simulators (`toolgrad-eval bfcl-data fetch v4 --force`)."""
    from toolgrad_eval.bfcl.data import locate_data
    from toolgrad_eval.bfcl.multi_turn.simulators import SimulatorsNotFoundError, simulator_dir

    data = locate_data("v4", fetch=True, echo=lambda _m: None)
    try:
        simulator_dir(data.root, "v4")
    except SimulatorsNotFoundError as exc:
        print(f"{'multi-turn cases':34} skipped: {exc}")
        return 0
    entry = next(e for e in data.entries("multi_turn_base") if e.id == "multi_turn_base_15")
    failures = 0
    marker = scratch / "hostile-code-ran"
    for case in hostile_multi_turn_steps(str(marker)):
        run = scratch / f"mt-{case.name}"
        folder = run / "result" / MODEL / "multi_turn"
        folder.mkdir(parents=True)
        turns = [[case.step]] + [[] for _ in entry.answer[1:]]
        line = json.dumps({"id": entry.id, "result": turns})
        (folder / "BFCL_v4_multi_turn_base_result.json").write_text(line + "\n")
        argv = ["--pred_model", MODEL, "--dataset", str(run), "--bfcl-data", str(data.root), "--format", "openai-fc"]
        seconds, mb, rc = run_cli([*argv, "--output", str(scratch / "out" / f"mt-{case.name}")], scratch)
        ok = seconds < LIMIT_SECONDS and mb < LIMIT_MB and rc == 0 and not marker.exists()
        failures += not ok
        print(f"{'multi-turn-' + case.name:34} {seconds:8.2f} {mb:8.0f}  {rc:4d}  {'yes' if ok else 'NO'}")
    return failures


def key_echo_case(scratch: Path) -> int:
    """A judge endpoint that repeats the request's key in every verdict: judge the demo dataset,
    publish the report, then count the files under the record, the cache and the report that hold
    the key in any form (plain, JSON-quoted, base64). 1 when any does or a limit is passed."""
    import base64

    from support.fake_openai import FakeOpenAIProcess

    key = "sk-bench-ECHOED-" + os.urandom(8).hex()
    data = toolgrad5k_copy(scratch / "echo", hostile=False)
    with FakeOpenAIProcess(scratch, "--echo-auth") as server:
        env = {**os.environ, "OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": key}
        seconds, mb, rc = run_cli(
            [
                "--pred_model",
                "demo-gemma-3-4b",
                "--dataset",
                str(data),
                "--cache-dir",
                str(scratch / "echo-cache"),
                "--output",
                str(scratch / "echo-out"),
                "--num_process",
                "8",
            ],
            scratch,
            env,
        )
        report = run_cli(
            ["report", "--runs", str(scratch / "echo-out"), "--out", str(scratch / "echo-site")], scratch, env
        )
    forms = [key.encode(), json.dumps(key).encode(), base64.b64encode(key.encode())]
    holding = [
        p
        for root in ("echo-out", "echo-cache", "echo-site")
        for p in (scratch / root).rglob("*")
        if p.is_file() and any(f in p.read_bytes() for f in forms)
    ]
    ok = not holding and rc == 0 and report[2] == 0 and seconds < LIMIT_SECONDS and mb < LIMIT_MB
    print(
        f"{'judge-echoes-the-key (40 samples)':34} {seconds:8.2f} {mb:8.0f}  {rc:4d}  {'yes' if ok else 'NO'}"
        f"  (files holding the key: {len(holding)})"
    )
    return int(not ok)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="cached re-runs timed per side (best of)")
    args = parser.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        scratch = Path(tmp)
        print(f"{'case':34} {'seconds':>8} {'peak MB':>8}  exit  within limits")
        cases = [(f"bfcl-{c.name}", bfcl_case(scratch / c.name, c.category, c.result)) for c in hostile_outputs()]
        cases += broken_file_cases(scratch)
        for name, run in cases:
            seconds, mb, rc = run_cli(
                [
                    "--pred_model",
                    MODEL,
                    "--dataset",
                    str(run),
                    "--bfcl-data",
                    str(run / "data"),
                    "--output",
                    str(scratch / "out" / name),
                    "--overwrite",
                ],
                scratch,
            )
            ok = seconds < LIMIT_SECONDS and mb < LIMIT_MB and rc == 0
            failures += not ok
            print(f"{name:34} {seconds:8.2f} {mb:8.0f}  {rc:4d}  {'yes' if ok else 'NO'}")
        # Broken files, environments and hostile names (tests/support/broken_inputs.py): each must end
        # with its expected exit status (2: one line; 0: the run went on) within the same limits.
        corpus = scratch / "broken"
        corpus.mkdir()
        for case in broken_inputs(corpus):
            seconds, mb, rc = run_cli(case.argv, corpus)
            ok = seconds < LIMIT_SECONDS and mb < LIMIT_MB and rc == case.exit
            failures += not ok
            print(f"{case.name:34} {seconds:8.2f} {mb:8.0f}  {rc:4d}  {'yes' if ok else 'NO'}")

        failures += multi_turn_cases(scratch)
        failures += key_echo_case(scratch)

        # A cached ToolGrad-5k re-run, hostile vs plain predictions, against a loopback judge.
        from support.fake_openai import FakeOpenAIProcess

        with FakeOpenAIProcess(scratch) as server:
            env = {**os.environ, "OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "k"}
            commands = {}
            for label, hostile in (("plain", False), ("hostile", True)):
                data = toolgrad5k_copy(scratch, hostile)
                commands[label] = [
                    "--pred_model",
                    "demo-gemma-3-4b",
                    "--dataset",
                    str(data),
                    "--cache-dir",
                    str(scratch / f"cache-{label}"),
                    "--output",
                    str(scratch / f"tg-out-{label}"),
                    "--num_process",
                    "8",
                ]
            # The case: a few hostile predictions (20) in a full-size dataset (5,000 samples).
            for label, hostile in (("5000-plain", 0), ("5000-with-20-hostile", 20)):
                data = build_large(scratch / f"large-{label}", 5000, hostile)
                commands[label] = [
                    "--pred_model",
                    "m1",
                    "--dataset",
                    str(data),
                    "--cache-dir",
                    str(scratch / f"cache-{label}"),
                    "--output",
                    str(scratch / f"out-{label}"),
                    "--num_process",
                    "16",
                ]
            for command in commands.values():
                run_cli(command, scratch, env)  # judge once: fills the cache
            # Re-runs alternate between the sides, so a change of machine load weighs on both alike.
            times: dict[str, list[tuple[float, float, int]]] = {label: [] for label in commands}
            for _ in range(args.repeat):
                for label, command in commands.items():
                    times[label].append(run_cli(command, scratch, env))
            best = {label: min(t[0] for t in runs) for label, runs in times.items()}
            for label, runs in times.items():
                print(
                    f"{'toolgrad5k-cached-' + label:34} {best[label]:8.2f} {max(t[1] for t in runs):8.0f}  {runs[-1][2]:4d}"
                )
            worst = best["hostile"] / best["plain"]
        ratio = best["5000-with-20-hostile"] / best["5000-plain"]
        print(
            f"\ncached ToolGrad-5k re-run of 5,000 samples, 20 hostile predictions / none: {ratio:.2f}x (target <= 1.2)"
        )
        print(f"worst case, every prediction of the 40-sample demo hostile / none: {worst:.2f}x")
        failures += ratio > 1.2
    print(f"{'all cases within limits' if not failures else f'{failures} case(s) over a limit'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
