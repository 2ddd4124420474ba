"""Benchmark the ToolBench path end to end against a loopback OpenAI-compatible server.

    python scripts/bench_toolbench.py [--queries 500] [--num-process 16] [--latency 0.3] [--cached 1000] [--repeat 1]

Prints, for the whole ``python -m toolgrad_eval`` command (start-up included):
  1. pass rate of ``--queries`` queries, one round, 16 in flight, judge answering in 300 ms: wall time
     beside the baseline measured in the same run against the same server, a bare SDK script sending
     as many requests 16 at a time (bench_judge.py's BARE_SDK), and the ideal n x 0.3 / 16;
  2. a cached re-run of ``--cached`` queries, pass rate only, 3 rounds (every judgment from the
     cache), target under 1 s;
  3. the same with a reference model (pass rate of both, win rate one comparison per round), same target;
  4. the bootstrap CI of ``--bootstrap-n`` queries (default 100,000): peak memory (tracemalloc, numpy's
     allocations included) of ours, drawn in blocks, beside the one (resamples, n) matrix of
     stats.bootstrap_ci in the same run, and whether the two intervals are equal.
Datasets are synthetic (ToolEval's converted format) and built in a temp dir; the fake server
(tests/support/fake_openai.py, answering as tests/toolbench/builders.py's scripted judge) runs in
this process. Not a timed test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_judge import _runs, bare_sdk_seconds, command, median  # noqa: E402
from support.fake_openai import FakeOpenAI  # noqa: E402
from toolbench.builders import entry, marker_judge, write_layout  # noqa: E402


def build(root: Path, n: int, models: tuple[str, ...]) -> Path:
    answers = {}
    for m, model in enumerate(models):
        answers[model] = {
            "G1_instruction": {
                str(i): entry(
                    f"Query {i}: look it up and summarise.",
                    [("search", f'{{"q": {i}}}', f"result {i}")],
                    f"Answer {i} by {model}" + (" PREFER_ME" if (i + m) % 3 == 0 else ""),
                )
                for i in range(n)
            }
        }
    return write_layout(root, answers, {"G1_instruction": [str(i) for i in range(n)]})


def scripted(request: dict) -> dict | int:
    """marker_judge for the tool's requests; the bare SDK baseline sends no response_format: a score."""
    return marker_judge(request) if "response_format" in request else 1


def bootstrap_memory(n: int) -> None:
    import random
    import tracemalloc

    from toolgrad_eval.stats import bootstrap_ci
    from toolgrad_eval.toolbench import aggregate

    values = [100.0 * (random.Random(i).random() < 0.6) for i in range(n)]
    peaks, cis = [], []
    for compute in (aggregate.bootstrap_ci, bootstrap_ci):
        tracemalloc.start()
        cis.append(compute(values))
        peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
    print(
        f"4. bootstrap CI of {n:,} queries: peak {peaks[0]:.0f} MiB in blocks, {peaks[1]:.0f} MiB as one matrix "
        f"(ratio {peaks[1] / peaks[0]:.1f}x); same interval: {cis[0] == cis[1]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--num-process", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--cached", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each item (the median is reported)")
    parser.add_argument("--bootstrap-n", type=int, default=100_000)
    args = parser.parse_args()
    if args.bootstrap_n > 0:
        bootstrap_memory(args.bootstrap_n)
    ideal = args.queries * args.latency / args.num_process
    with tempfile.TemporaryDirectory(prefix="bench-toolbench-") as name:
        tmp = Path(name)
        data = build(tmp / "ds", args.queries, ("m1",))
        walls, bares = [], []
        with FakeOpenAI(score_fn=scripted, latency=args.latency) as server:
            for i in range(args.repeat):  # alternated, so that a change in load hits both alike
                wall, s = command(data, tmp / f"run1-{i}", server.base_url, args.num_process, "--judge-samples", "1")
                assert s["judge_requests"] == args.queries and s["n_scored"] == args.queries, s
                walls.append(wall)
                bares.append(bare_sdk_seconds(server.base_url, args.queries, args.num_process))
        wall, bare = median(walls), median(bares)
        print(
            f"1. pass rate of {args.queries} queries, --num_process {args.num_process}, {args.latency * 1000:.0f} ms judge: "
            f"{wall:.2f} s{_runs(walls)}; baseline, a bare SDK script sending {args.queries} requests "
            f"{args.num_process} at a time: {bare:.2f} s{_runs(bares)}; toolgrad-eval / baseline = {wall / bare:.3f} "
            f"({'within' if wall <= 1.05 * bare else 'OUTSIDE'} the 5% target); ideal {ideal:.2f} s"
        )

        if args.cached <= 0:
            return
        big = build(tmp / "big", args.cached, ("m1", "ref"))
        with FakeOpenAI(score_fn=scripted) as server:
            fill, s = command(big, tmp / "big-run", server.base_url, args.num_process, "--reference_model", "ref")
            asked = s["judge_requests"]
            alones, walls = [], []
            for _ in range(args.repeat):
                alone, s_alone = command(big, tmp / "big-run", server.base_url, args.num_process)
                wall, s = command(big, tmp / "big-run", server.base_url, args.num_process, "--reference_model", "ref")
                alones.append(alone)
                walls.append(wall)
            alone, wall = median(alones), median(walls)
        assert s["judge_requests"] == 0 and s["cache_hits"] == asked, s
        assert s_alone["judge_requests"] == 0 and s_alone["cache_hits"] == 3 * args.cached, s_alone
        print(
            f"2. cached re-run of {args.cached} queries, pass rate only ({3 * args.cached} judgments, 3 rounds): "
            f"{alone:.2f} s{_runs(alones)} ({'under' if alone < 1 else 'OVER'} the 1 s target)"
        )
        print(
            f"3. cached re-run of {args.cached} queries against a reference ({asked} judgments: pass rate of both, "
            f"3 rounds, win rate one comparison per round): {wall:.2f} s{_runs(walls)} ({'under' if wall < 1 else 'OVER'} the 1 s target; "
            f"the first run took {fill:.1f} s)"
        )


if __name__ == "__main__":
    main()
