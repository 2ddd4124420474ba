"""Benchmark the judge path end to end against a loopback OpenAI-compatible server.

    python scripts/bench_judge.py [--samples 500] [--num-process 16] [--latency 0.3] [--cached 5000]

Prints, for the whole ``python -m toolgrad_eval`` command (start-up included):
  1. 500 samples, 16 in flight, judge answering in 300 ms: wall time vs the ideal 500 x 0.3 / 16
     (``--repeat K`` runs it K times, the median is reported). Beside it, in the same run and
     against the same server, the baseline: a bare SDK script (``BARE_SDK`` below: import openai,
     16 threads, 500 ``chat.completions.create`` calls, no dataset, no cache, leaving with
     os._exit), and that baseline's floor in parts: whole rounds (ceil(500/16) x 0.3 s), the
     SDK's CPU per request once per round, the interpreter's start-up and ``import openai``.
     The baseline calls ``create``, which builds the SDK's pydantic reply objects; toolgrad-eval
     posts through the same client but reads the JSON itself (~1 ms less CPU per request);
  2. the openai SDK's own CPU time per request at ~0 latency (in-process, server in another process);
  3. the same as 1 with 20% of replies being 429 (Retry-After 50 ms): every sample judged, none lost;
  4. a cached re-run of 5,000 samples (target < 2 s; ``--cached 0`` skips it).
Datasets are synthetic and built in a temp dir; the fake server (tests/support/fake_openai.py) runs
as a subprocess. Not a timed test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.fake_openai import FakeOpenAIProcess  # noqa: E402
from toolgrad5k.builders import KEY, DatasetBuilder, call  # noqa: E402


def build(root: Path, n: int) -> Path:
    b = DatasetBuilder(root)
    for i in range(n):
        sid = f"s{i:05d}"
        b.sample(sid, {"a": {}, "b": {}}, query=f"Question {i}: find a and b, then summarise.")
        b.prediction("m1", sid, {"intermediate_steps": [call("a"), call("b")], KEY: f"Answer {i}: a and b say hi."})
    return b.finish()


def command(data: Path, work: Path, url: str, num_process: int, *extra: str) -> tuple[float, dict]:
    """The whole `python -m toolgrad_eval` command on ``data`` (model m1): its wall time and summary."""
    env = {**os.environ, "OPENAI_BASE_URL": url, "OPENAI_API_KEY": "bench"}
    args = [
        sys.executable,
        "-m",
        "toolgrad_eval",
        "--pred_model",
        "m1",
        "--dataset",
        str(data),
        "--cache-dir",
        str(work / "cache"),
        "--output",
        str(work / "out"),
        "--num_process",
        str(num_process),
        *extra,
    ]
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"command failed ({done.returncode}):\n{done.stderr}")
    return wall, json.loads((work / "out" / "summary.json").read_text())


# The least any process using the SDK does for the same job: the baseline of item 1.
BARE_SDK = """
import os, sys
from concurrent.futures import ThreadPoolExecutor
import openai
n, threads = int(sys.argv[1]), int(sys.argv[2])
client = openai.OpenAI(max_retries=0)
body = {"model": "gpt-4.1", "temperature": 0, "messages": [{"role": "user", "content": "x" * 2000}]}
with ThreadPoolExecutor(threads) as pool:
    replies = list(pool.map(lambda i: client.chat.completions.create(**body), range(n)))
assert len(replies) == n
sys.stdout.flush()
os._exit(0)
"""


def bare_sdk_seconds(url: str, n: int, threads: int) -> float:
    env = {**os.environ, "OPENAI_BASE_URL": url, "OPENAI_API_KEY": "bench"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", BARE_SDK, str(n), str(threads)], env=env, check=True)
    return time.perf_counter() - start


def sdk_import_seconds(repeats: int = 5) -> float:
    """Seconds ``import openai`` takes in a fresh interpreter, timed inside it (median of ``repeats``):
    what any tool that calls the SDK pays before its first request can leave."""
    code = "import time; t = time.perf_counter(); import openai; print(time.perf_counter() - t)"
    runs = sorted(
        float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
        for _ in range(repeats)
    )
    return runs[repeats // 2]


def interpreter_start_seconds(repeats: int = 5) -> float:
    """Wall seconds of ``python -c pass`` in this environment (median of ``repeats``)."""
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        runs.append(time.perf_counter() - start)
    return median(runs)


def sdk_cpu_per_request(tmp: Path, n: int = 300) -> float:
    import openai

    with FakeOpenAIProcess(tmp) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="bench", max_retries=0)
        body = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "x" * 2000}], "temperature": 0}
        client.chat.completions.create(**body)  # warm up: connection, lazy imports
        cpu = time.process_time()
        for _ in range(n):
            client.chat.completions.create(**body)
        return (time.process_time() - cpu) / n


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def _runs(values: list[float]) -> str:
    return f" (median of {', '.join(f'{v:.2f}' for v in values)})" if len(values) > 1 else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--num-process", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--cached", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=1, help="runs of item 1 (the median is reported)")
    args = parser.parse_args()
    ideal = args.samples * args.latency / args.num_process
    with tempfile.TemporaryDirectory(prefix="bench-judge-") as name:
        tmp = Path(name)
        data = build(tmp / "ds", args.samples)

        walls, bares = [], []
        with FakeOpenAIProcess(tmp, "--latency", str(args.latency)) as server:
            for i in range(args.repeat):  # alternated, so that a change in load hits both alike
                wall, s = command(data, tmp / f"run1-{i}", server.base_url, args.num_process)
                assert s["n_qor"] == args.samples and s["judge_requests"] == args.samples, s
                walls.append(wall)
                bares.append(bare_sdk_seconds(server.base_url, args.samples, args.num_process))
        rounds = -(-args.samples // args.num_process)
        cpu = sdk_cpu_per_request(tmp)
        parts = {
            "whole rounds": rounds * args.latency,
            "SDK CPU per round": rounds * cpu,
            "interpreter start-up": interpreter_start_seconds(),
            "`import openai`": sdk_import_seconds(),
        }
        floor = sum(parts.values())
        wall, bare = median(walls), median(bares)
        print(
            f"1. {args.samples} samples, --num_process {args.num_process}, {args.latency * 1000:.0f} ms judge: "
            f"{wall:.2f} s{_runs(walls)} vs ideal {ideal:.2f} s -> ratio {wall / ideal:.3f} "
            f"({'within' if wall <= 1.1 * ideal else 'OUTSIDE'} the 10% target)\n"
            f"   baseline, a bare SDK script sending the same {args.samples} requests {args.num_process} at a time: "
            f"{bare:.2f} s{_runs(bares)}, ratio {bare / ideal:.3f} to ideal; toolgrad-eval / baseline = {wall / bare:.3f}\n"
            f"   the baseline's floor: {floor:.2f} s (ratio {floor / ideal:.3f}) = "
            + " + ".join(f"{name} {seconds:.2f}" for name, seconds in parts.items())
            + f"\n   judging phase (first submit to last verdict, SDK import included) {s['judge_seconds']:.2f} s"
        )
        print(
            f"2. openai SDK CPU per request at ~0 latency: {cpu * 1000:.2f} ms "
            f"(x{args.samples} = {cpu * args.samples:.2f} s of CPU)"
        )

        with FakeOpenAIProcess(
            tmp,
            "--latency",
            str(args.latency),
            "--fault-rate",
            "0.2",
            "--fault-status",
            "429",
            "--fault-retry-after",
            "0.05",
            "--seed",
            "1",
        ) as server:
            wall, s = command(data, tmp / "run429", server.base_url, args.num_process)
        lost = args.samples - s["n_qor"]
        c = s.get("concurrency", {})
        print(
            f"3. same with 20% 429s: {wall:.2f} s (ratio {wall / ideal:.3f}), {s['judge_requests']} requests "
            f"for {args.samples} samples, judged {s['n_qor']}, judge errors {s['n_judge_errors']}, lost {lost}; "
            f"in-flight limit went down to {c.get('min_limit')} ({c.get('backoffs')} backoffs), ended at {c.get('final_limit')}"
        )
        assert lost == 0 and s["n_judge_errors"] == 0, s

        if args.cached <= 0:
            return
        big = build(tmp / "big", args.cached)
        with FakeOpenAIProcess(tmp, "--latency", "0") as server:
            fill, s = command(big, tmp / "big-run", server.base_url, args.num_process)
            assert s["judge_requests"] == args.cached, s
            wall, s = command(big, tmp / "big-run", server.base_url, args.num_process)
        assert s["judge_requests"] == 0 and s["cache_hits"] == args.cached, s
        print(
            f"4. cached re-run of {args.cached} samples: {wall:.2f} s "
            f"({'under' if wall < 2 else 'OVER'} the 2 s target; first run at ~0 latency took {fill:.1f} s)"
        )


if __name__ == "__main__":
    main()
