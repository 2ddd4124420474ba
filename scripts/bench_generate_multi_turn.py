"""Benchmark multi-turn ``toolgrad-eval generate`` against a bare openai-SDK script holding the same conversations.

    python scripts/bench_generate_multi_turn.py [--entries 100] [--num-process 16] [--latency 0.2] [--data DIR]

Both talk to one loopback scripted server (tests/support/fake_conversations.py, in this process)
that replays each multi_turn_base entry's ground truth one call per step, answering every request in
``--latency`` seconds, in the same run:

  1. the whole command, ``python -m toolgrad_eval generate --categories multi_turn_base --num_process N``
     over the first ``--entries`` entries: start-up, data, one simulator child per conversation thread,
     bounded execution and whole-entry writes included;
  2. the baseline: a bare script (``BARE_SDK``) that imports openai and holds the same conversations,
     ``N`` entries at a time: ``client.chat.completions.create`` per step, the calls run in-process on
     the same simulators (no bounds), results sent back as tool messages; it writes nothing.

Prints both wall times, the requests each sent, and the ratio command / baseline (target <= 1.05).
Not a timed test: numbers depend on the machine. ``--data``: BFCL v4 data with the simulators
(default: the fetched copy, ``toolgrad-eval bfcl-data fetch v4``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.fake_conversations import ConversationServer  # noqa: E402

from toolgrad_eval.bfcl.data import BfclData  # noqa: E402
from toolgrad_eval.bfcl.fetch import cached_data_dir  # noqa: E402
from toolgrad_eval.generate.functions import to_tools  # noqa: E402
from toolgrad_eval.generate.multi_turn import prepare_entry  # noqa: E402

CATEGORY = "multi_turn_base"
BARE_SDK = """
import json, os, sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import openai
from toolgrad_eval.bfcl.multi_turn.execute import Side
from toolgrad_eval.bfcl.multi_turn.simulators import load_classes
entries = json.loads(open(sys.argv[1]).read())
classes = load_classes(Path(sys.argv[3]))
client = openai.OpenAI(max_retries=0)
def converse(entry):
    side = Side.create(classes, entry["involved"], entry["config"], long_context=False, model="m",
                       entry_id=entry["id"], version="v4")
    messages, sent = [], 0
    for turn in entry["turns"]:
        messages.extend(turn)
        for _ in range(21):
            reply = client.chat.completions.create(model="m", temperature=0.001, messages=messages,
                                                   tools=entry["tools"])
            sent += 1
            message = reply.choices[0].message
            messages.append(message.model_dump(exclude_none=True))
            if not message.tool_calls:
                break
            for call in message.tool_calls:
                args = json.loads(call.function.arguments)
                text = call.function.name + "(" + ",".join(f"{k}={v!r}" for k, v in args.items()) + ")"
                messages.append({"role": "tool", "tool_call_id": call.id, "content": side.execute([text])[0]})
    return sent
with ThreadPoolExecutor(int(sys.argv[2])) as pool:
    print(sum(pool.map(converse, entries)))
sys.stdout.flush()
os._exit(0)
"""


def _signatures(data: BfclData) -> dict[str, list[str]]:
    import inspect

    from toolgrad_eval.bfcl.multi_turn.simulators import load_classes, simulator_dir

    out: dict[str, list[str]] = {}
    for cls in load_classes(simulator_dir(data.root, "v4")).values():
        for name, func in inspect.getmembers(cls, inspect.isfunction):
            out[name] = [p for p in inspect.signature(func).parameters if p != "self"]
    return out


def _trim(source: Path, dest: Path, entries: int) -> None:
    for rel in (f"BFCL_v4_{CATEGORY}.json", f"possible_answer/BFCL_v4_{CATEGORY}.json"):
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        lines = (source / rel).read_text().splitlines()[:entries]
        (dest / rel).write_text("".join(line + "\n" for line in lines))
    for folder in ("multi_turn_func_doc", "func_source_code"):
        shutil.copytree(source / folder, dest / folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=100)
    parser.add_argument("--num-process", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--data", type=Path, default=cached_data_dir("v4"))
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests" / "bfcl"))
    from multi_turn_corpus import as_step

    with tempfile.TemporaryDirectory(prefix="bench-mt-") as scratch:
        data_dir = Path(scratch) / "data"
        _trim(args.data, data_dir, args.entries)
        data = BfclData(data_dir, "v4", "bench")
        signatures = _signatures(data)
        script, bare = {}, []
        docs: dict = {}
        for entry in data.entries(CATEGORY):
            script[entry.question["question"][0][0]["content"]] = [
                [as_step([call], True, signatures) for call in turn] for turn in entry.answer or []
            ]
            prepared = prepare_entry(entry, data_dir, docs)
            bare.append(
                {
                    "id": entry.id,
                    "turns": prepared.turns,
                    "tools": to_tools(prepared.functions),
                    "involved": prepared.involved_classes,
                    "config": prepared.initial_config,
                }
            )
        bare_file = Path(scratch) / "bare.json"
        bare_file.write_text(json.dumps(bare))
        env = {**os.environ, "OPENAI_API_KEY": "bench-key"}
        with ConversationServer(script, delay=args.latency) as server:
            env["OPENAI_BASE_URL"] = server.base_url
            start = time.perf_counter()
            command = [sys.executable, "-m", "toolgrad_eval", "generate", "--model", "m", "--dataset"]
            command += [str(Path(scratch) / "run"), "--bfcl-data", str(data_dir), "--categories", CATEGORY]
            done = subprocess.run([*command, "--num_process", str(args.num_process)], env=env, capture_output=True)
            ours = time.perf_counter() - start
            if done.returncode != 0:
                raise SystemExit(f"generate failed: {done.stderr.decode()[-2000:]}")
            ours_requests = len(server.log)
            start = time.perf_counter()
            simulators = data_dir / "func_source_code"
            baseline = subprocess.run(
                [sys.executable, "-c", BARE_SDK, str(bare_file), str(args.num_process), str(simulators)],
                env=env,
                capture_output=True,
                text=True,
            )
            theirs = time.perf_counter() - start
            if baseline.returncode != 0:
                raise SystemExit(f"baseline failed: {baseline.stderr[-2000:]}")
            bare_requests = len(server.log) - ours_requests
    print(
        f"multi-turn: {args.entries} entries, {args.num_process} in flight, {args.latency * 1000:.0f} ms per reply: "
        f"generate {ours:.2f} s ({ours_requests} requests), bare SDK {theirs:.2f} s ({bare_requests} requests), "
        f"ratio {ours / theirs:.3f} ({'within' if ours <= 1.05 * theirs else 'OUTSIDE'} the 5% target)"
    )


if __name__ == "__main__":
    main()
