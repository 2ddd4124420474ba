"""Benchmark processes sharing one judgment cache (claims on cache keys) against a loopback judge.

    python scripts/bench_shared_cache.py [--processes 4] [--samples 500] [--step 100] [--latency 0.3]
                                         [--num-process 16] [--repeat K] [--cache-url postgresql://...]

Process i judges samples i*step .. i*step+samples-1, so the windows overlap and together hold
(processes-1)*step + samples distinct prompts (800 with the defaults). All processes start together
on one --cache-dir (or --cache-url) with --num_process 16 each, against a judge answering in 300 ms.
Printed: total requests the server received (must equal the distinct prompts: nobody paid twice),
and the wall time of the whole group against the baseline measured in the same run: one process
judging the distinct prompts alone (same server, same --num_process, fresh cache), as a ratio.
Datasets are synthetic, built in a temp dir; the fake server (tests/support/fake_openai.py) runs as
a subprocess. Not a timed test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.fake_openai import FakeOpenAIProcess  # noqa: E402
from toolgrad5k.builders import KEY, DatasetBuilder, call  # noqa: E402


def build(root: Path, first: int, n: int) -> Path:
    b = DatasetBuilder(root)
    for i in range(first, first + n):
        sid = f"s{i:05d}"
        b.sample(sid, {"a": {}, "b": {}}, query=f"Question {i}: find a and b, then summarise.")
        b.prediction("m1", sid, {"intermediate_steps": [call("a"), call("b")], KEY: f"Answer {i}: a and b say hi."})
    return b.finish()


def group(datasets: list[Path], work: Path, url: str, num_process: int, cache: list[str]) -> float:
    """Start one process per dataset at once on one cache; the group's wall time."""
    env = {**os.environ, "OPENAI_BASE_URL": url, "OPENAI_API_KEY": "bench"}
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "toolgrad_eval",
                "--pred_model",
                "m1",
                "--dataset",
                str(data),
                *cache,
                "--output",
                str(work / f"out{i}"),
                "--num_process",
                str(num_process),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i, data in enumerate(datasets)
    ]
    errors = [(proc.wait(), proc.stderr.read()) for proc in procs]
    wall = time.perf_counter() - start
    for code, err in errors:
        if code != 0 or "locked" in err.lower():
            raise SystemExit(f"a process failed ({code}):\n{err}")
    return wall


def chat_requests(log: Path) -> int:
    lines = log.read_text().splitlines() if log.exists() else []
    return sum(json.loads(line)["path"] == "/v1/chat/completions" for line in lines if line.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--step", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--num-process", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--cache-url", default=None, help="a PostgreSQL cache (each repeat must start empty: give a fresh database)"
    )
    args = parser.parse_args()
    distinct = (args.processes - 1) * args.step + args.samples
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        windows = [build(tmp / f"ds{i}", i * args.step, args.samples) for i in range(args.processes)]
        whole = build(tmp / "distinct", 0, distinct)
        log = tmp / "requests.jsonl"
        shared_walls, alone_walls, counts = [], [], []
        with FakeOpenAIProcess(tmp, "--latency", str(args.latency), "--request-log", str(log)) as server:
            for r in range(args.repeat):
                work = tmp / f"run{r}"
                before = chat_requests(log)
                cache = (
                    ["--cache-url", args.cache_url] if args.cache_url else ["--cache-dir", str(work / "shared-cache")]
                )
                shared_walls.append(group(windows, work, server.base_url, args.num_process, cache))
                counts.append(chat_requests(log) - before)
                alone_walls.append(
                    group(
                        [whole],
                        work / "alone",
                        server.base_url,
                        args.num_process,
                        ["--cache-dir", str(work / "alone-cache")],
                    )
                )
    print(
        f"{args.processes} processes x {args.samples} samples (windows {args.step} apart, {distinct} distinct prompts), "
        f"judge {args.latency * 1000:.0f} ms, --num_process {args.num_process} each, {args.repeat} run(s)"
    )
    print(
        f"  requests sent by the group: {', '.join(map(str, counts))} (distinct prompts: {distinct})"
        f" -> {'each sent once' if all(c == distinct for c in counts) else 'NOT equal'}"
    )
    shared, alone = statistics.median(shared_walls), statistics.median(alone_walls)
    print(f"  group wall time (median): {shared:.2f} s  [{', '.join(f'{w:.2f}' for w in shared_walls)}]")
    print(
        f"  one process judging the {distinct} distinct prompts alone (median): {alone:.2f} s  "
        f"[{', '.join(f'{w:.2f}' for w in alone_walls)}]"
    )
    print(f"  ratio group / alone: {shared / alone:.2f}")


if __name__ == "__main__":
    main()
