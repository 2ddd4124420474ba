"""Benchmark ``toolgrad-eval generate`` against a bare openai-SDK script sending the same requests.

    python scripts/bench_generate.py [--entries 1000] [--num-process 16] [--latency 0.3] [--repeat 1]
                                     [--multi-turn-entries 100] [--multi-turn-latency 0.2]

Both run against one loopback fake model server (tests/support/fake_model.py, a subprocess)
answering every request in ``--latency`` seconds, in the same run, alternated (``--repeat K``: the
median of K each):

  1. the whole command, ``python -m toolgrad_eval generate --model m --dataset RUN --categories
     simple_python --num_process 16`` over BFCL-shaped data of ``--entries`` entries (the synthetic
     demo questions, repeated under new ids), start-up, data loading, request building, result files
     and settings included; a fresh RUN folder each time;
  2. the baseline: a bare script (``BARE_SDK`` below) that imports openai and sends the very request
     bodies the command sent (read from the server's request log of run 1) with
     ``client.chat.completions.create``, ``--num-process`` at a time, writing nothing.

Prints both wall times, the ideal (ceil(entries / num_process) x latency) and the ratio
command / baseline (target: within 5%, i.e. <= 1.05). Not a timed test: numbers depend on the machine.

Then the multi-turn line: scripts/bench_generate_multi_turn.py with ``--multi-turn-entries`` (100)
multi_turn_base conversations, the same ``--num-process`` in flight, ``--multi-turn-latency`` (200 ms)
per reply, against a bare openai-SDK script holding the same conversations (its docstring says how).
It needs the fetched BFCL v4 data (``toolgrad-eval bfcl-data fetch v4``); ``--multi-turn-entries 0``
leaves it out.
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
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from generate.questions import DEMO_DATA, unique_questions  # noqa: E402
from support.fake_model import FakeModelProcess  # noqa: E402

BARE_SDK = """
import json, os, sys
from concurrent.futures import ThreadPoolExecutor
import openai
bodies = [json.loads(line) for line in open(sys.argv[1])]
client = openai.OpenAI(max_retries=0)
with ThreadPoolExecutor(int(sys.argv[2])) as pool:
    replies = list(pool.map(lambda body: client.chat.completions.create(**body), bodies))
assert len(replies) == len(bodies)
sys.stdout.flush()
os._exit(0)
"""


def command(data: Path, run: Path, url: str, num_process: int) -> float:
    env = {**os.environ, "OPENAI_API_KEY": "bench-key"}
    args = [
        sys.executable,
        "-m",
        "toolgrad_eval",
        "generate",
        "--model",
        "m",
        "--dataset",
        str(run),
        "--bfcl-data",
        str(data),
        "--categories",
        "simple_python",
        "--num_process",
        str(num_process),
        "--base-url",
        url,
    ]
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"generate failed ({done.returncode}):\n{done.stderr}")
    return wall


def bare(bodies: Path, url: str, num_process: int) -> float:
    env = {**os.environ, "OPENAI_BASE_URL": url, "OPENAI_API_KEY": "bench-key"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", BARE_SDK, str(bodies), str(num_process)], env=env, check=True)
    return time.perf_counter() - start


def chat_bodies(log: Path, start: int) -> list[dict]:
    records = [json.loads(line) for line in log.read_text().splitlines()][start:]
    return [r["json"] for r in records if r["path"] == "/v1/chat/completions"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--num-process", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--multi-turn-entries", type=int, default=100)
    parser.add_argument("--multi-turn-latency", type=float, default=0.2)
    args = parser.parse_args()
    per_copy = 8  # simple_python questions in the demo data
    copies = -(-args.entries // per_copy)
    with tempfile.TemporaryDirectory(prefix="bench-generate-") as name:
        tmp = Path(name)
        data = unique_questions(DEMO_DATA, tmp / "data", copies=copies, categories=("simple_python",))
        n = sum(1 for _ in (data / "BFCL_v4_simple_python.json").open())
        log = tmp / "requests.jsonl"
        ours, theirs = [], []
        bodies_file = tmp / "bodies.jsonl"
        with FakeModelProcess(
            tmp, "--data", str(data), "--latency", str(args.latency), "--request-log", str(log)
        ) as server:
            for i in range(args.repeat):
                before = len(log.read_text().splitlines()) if log.exists() else 0
                ours.append(command(data, tmp / f"run{i}", server.base_url, args.num_process))
                bodies = chat_bodies(log, before)
                assert len(bodies) == n, (len(bodies), n)
                if i == 0:
                    bodies_file.write_text("".join(json.dumps(b) + "\n" for b in bodies))
                theirs.append(bare(bodies_file, server.base_url, args.num_process))
        ideal = -(-n // args.num_process) * args.latency
        wall, base = median(ours), median(theirs)
        runs = (
            f" (runs: {', '.join(f'{w:.2f}' for w in ours)} vs {', '.join(f'{b:.2f}' for b in theirs)})"
            if args.repeat > 1
            else ""
        )
        print(
            f"{n} entries, {args.num_process} in flight, {args.latency * 1000:.0f} ms per reply (ideal {ideal:.2f} s):\n"
            f"  toolgrad-eval generate: {wall:.2f} s\n"
            f"  bare openai-SDK script, same {n} requests: {base:.2f} s{runs}\n"
            f"  ratio generate / bare = {wall / base:.3f} "
            f"({'within' if wall <= 1.05 * base else 'OUTSIDE'} the 5% target)"
        )
    if args.multi_turn_entries > 0:
        multi_turn = Path(__file__).with_name("bench_generate_multi_turn.py")
        options = ["--entries", str(args.multi_turn_entries), "--num-process", str(args.num_process)]
        options += ["--latency", str(args.multi_turn_latency)]
        subprocess.run([sys.executable, str(multi_turn), *options], check=True)


if __name__ == "__main__":
    main()
