"""Regenerate the real-run fixtures of this folder from repository snapshots (``/work/.mirror``).

Each published run in ``RUNS`` is exported whole from its repository at a fixed commit, checked
with the era-matched official checker (``official_rescore.py``: a run is kept only if the checker
writes the same verdicts as its published score files), scored by toolgrad-eval, and trimmed to a
fixture small enough for CI:

- every entry on which toolgrad-eval's verdict differs from the published one, plus
- a deterministic sample of the others: per category the ``SAMPLE`` ids with the smallest
  SHA-256 of ``<run>/<id>`` (stable across regenerations, independent of file order).

A fixture keeps its result lines byte for byte and the published score lines of the kept ids
(without ``prompt`` and ``possible_answer``, which repeat the BFCL data the test fetches anyway);
the first line of each score file counts the kept entries and carries the published header under
``published``. ``run.json`` holds the facts the test reads; ``PROVENANCE.md`` says where it came from.

    python tests/bfcl/real_runs/make_fixtures.py [--only NAME ...] [--no-verify]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import official_rescore  # noqa: E402 - found through the sys.path line above
from oracle import RELEASES  # noqa: E402

MIRROR = Path("/work/.mirror")
SAMPLE = 12  # per category; reasoning text makes some result lines several KB
DROPPED_SCORE_FIELDS = ("prompt", "possible_answer")


@dataclasses.dataclass(frozen=True)
class Run:
    name: str  # fixture folder
    repo: str  # owner/name on GitHub
    commit: str
    root: str  # folder holding result/ (or results/) and score/ in the repository
    result: str  # "result" or "results"
    folder: str  # model folder name, as published
    version: str
    checker_model: str  # registry model whose conventions the official checker used to re-score
    handler_model: str | None  # --bfcl-handler for toolgrad-eval when ``folder`` is not a registry name
    mode: str  # "FC" or "prompt"
    handler: str  # handler class of checker_model in the release's registry
    note: str = ""

    @property
    def score_root(self) -> str:
        return f"{self.root}/score/{self.folder}"

    @property
    def result_root(self) -> str:
        return f"{self.root}/{self.result}/{self.folder}"


_JIBF: dict[str, Any] = {
    "repo": "jibf/agent_hard_benchmark",
    "commit": "face722e03d726926a89bba057e46f2fce0a63ee",
    "root": "gorilla/berkeley-function-call-leaderboard",
    "result": "result",
    "version": "v3",
    "checker_model": "gpt-4o-2024-11-20",
    "handler_model": "gpt-4o-2024-11-20",
    "mode": "prompt",
    "handler": "OpenAIHandler",
    "note": "The fork's registry names this model as an OpenAI-compatible endpoint in prompt mode "
    "(OpenAICompletionsHandler, is_fc_model=False, underscore_to_dot=False); the release's "
    "registry model with the same handler family and mode re-scores it.",
}
_GPT_OSS: dict[str, Any] = {
    "repo": "bbrowning/bfcl-vllm-results",
    "commit": "f98223aef4e7a560e2d2d69849dfb04eed260a52",
    "result": "result",
    "version": "v4",
    "checker_model": "gpt-4o-2024-11-20-FC",
    "handler_model": "gpt-4o-2024-11-20-FC",
    "mode": "FC",
    "handler": "OpenAIResponsesHandler",
    "note": "gpt-oss is not in bfcl-eval 2026.3.23's registry (the run used a private entry); its "
    "outputs are OpenAI function calls (name -> JSON arguments, dots written as underscores), "
    "re-scored as the registry's OpenAI FC model.",
}
_CTRL_G: dict[str, Any] = {
    "repo": "limyixiang/Ctrl-G",
    "commit": "3376252dadf97134004f24d56b1ab01b6a52ae72",
    "root": "bfcl",
    "result": "result",
    "version": "v4",
    "handler_model": None,
    "mode": "FC",
    "note": "The run holds the non-live categories only.",
}

RUNS: tuple[Run, ...] = (
    Run(
        name="v4-qwen3-8b-prompt",
        repo="vgangal101/gorilla_bfcl",
        commit="d296cd211c76d2d35b2e43ff0c55389f11f9b905",
        root="berkeley-function-call-leaderboard",
        result="results",
        folder="Qwen_Qwen3-8B",
        version="v4",
        checker_model="Qwen/Qwen3-8B",
        handler_model=None,
        mode="prompt",
        handler="QwenHandler",
    ),
    Run(
        name="v4-qwen3-8b-fc",
        folder="Qwen_Qwen3-8B-FC",
        checker_model="Qwen/Qwen3-8B-FC",
        handler="QwenFCHandler",
        **_CTRL_G,
    ),
    Run(
        name="v4-llama-3.1-8b-fc",
        folder="meta-llama_Llama-3.1-8B-Instruct-FC",
        checker_model="meta-llama/Llama-3.1-8B-Instruct-FC",
        handler="LlamaHandler",
        **_CTRL_G,
    ),
    Run(name="v4-gpt-oss-120b-fc", root="results/v0.11.0", folder="openai_gpt-oss-120b", **_GPT_OSS),
    Run(name="v4-gpt-oss-20b-fc", root="results/2025-11-12-main", folder="openai_gpt-oss-20b", **_GPT_OSS),
    Run(name="v3-gpt-4o-prompt", folder="openai_gpt-4o-20240806", **_JIBF),
    Run(name="v3-gpt-4.1-prompt", folder="openai_gpt-4.1", **_JIBF),
    Run(name="v3-claude-4-sonnet-prompt", folder="anthropic_claude-4-sonnet-thinking-off", **_JIBF),
    Run(name="v3-deepseek-v3-prompt", folder="deepseek-ai_DeepSeek-V3-0324", **_JIBF),
    Run(name="v3-kimi-k2-prompt", folder="togetherai_moonshotai_Kimi-K2-Instruct", **_JIBF),
    Run(name="v3-qwen3-235b-instruct-prompt", folder="togetherai_Qwen_Qwen3-235B-A22B-Instruct-2507-FP8", **_JIBF),
    Run(name="v3-o4-mini-high-prompt", folder="openai_o4-mini-high", **_JIBF),
)


def export(run: Run, into: Path) -> Path:
    """The run's single-turn result and score files at its commit, as ``<into>/{result,score}/<folder>``.

    File by file: a snapshot lacks blobs of 4 MiB and more (multi-turn and memory files), which
    the single-turn categories never reach; a missing single-turn file stops the export."""
    repo = MIRROR / run.repo.replace("/", "+") / "repo"
    for path, kind in ((run.result_root, "result"), (run.score_root, "score")):
        listing = subprocess.run(
            ["git", "-C", str(repo), "ls-tree", "-r", "--name-only", run.commit, path + "/"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        for name in listing:
            rel = Path(name).relative_to(path)
            match = official_rescore._FILE.match(rel.name)
            if not match or any(word in match.group(2) for word in official_rescore.NOT_SINGLE_TURN):
                continue
            blob = subprocess.run(
                ["git", "-C", str(repo), "show", f"{run.commit}:{name}"], capture_output=True, check=True
            ).stdout
            out = into / kind / run.folder / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(blob)
    return into


def _score_lines(path: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    failed = {}
    for line in lines[1:]:
        prompt = line.get("prompt")
        failed[prompt["id"] if isinstance(prompt, dict) and "id" in prompt else line["id"]] = line
    return lines[0], failed


def our_failures(run: Run, full: Path, data_cache: Path) -> dict[str, str]:
    """id -> our error_type for every entry toolgrad-eval fails in the whole run."""
    from toolgrad_eval.bfcl.fetch import fetch_data
    from toolgrad_eval.bfcl.runner import run_bfcl

    with tempfile.TemporaryDirectory(prefix="real-run-ours-") as scratch:
        summary = run_bfcl(
            full,
            run.folder,
            Path(scratch) / "out",
            bfcl_data=fetch_data(run.version, cache=data_cache, echo=lambda _m: None),
            handler_model=run.handler_model,
            score_dir=Path(scratch) / "score",
            echo=lambda _m: None,
        )
        failed = {}
        for info in summary["categories"].values():
            for text in (Path(scratch) / "out" / info["score_file"]).read_text(encoding="utf-8").splitlines()[1:]:
                line = json.loads(text)
                failed[line["id"]] = line.get("error_type")
    return failed


def _rank(run: Run, entry_id: str) -> str:
    return hashlib.sha256(f"{run.name}/{entry_id}".encode()).hexdigest()


def trim(run: Run, full: Path, ours: dict[str, str], target: Path) -> dict[str, Any]:
    """Write the fixture; return per-category agreement of the whole run."""
    results = official_rescore.single_turn_files(full / "result" / run.folder, "result")
    scores = official_rescore.single_turn_files(full / "score" / run.folder, "score")
    agreement: dict[str, Any] = {}
    for category, result_path in results.items():
        header, published = _score_lines(scores[category])
        raw = [x for x in result_path.read_text(encoding="utf-8").splitlines() if x.strip()]
        ids = [json.loads(x)["id"] for x in raw]
        wrong = [i for i in ids if published.get(i, {}).get("error_type", "passed") != ours.get(i, "passed")]
        agreement[category] = {
            "entries": len(ids),
            "agree": len(ids) - len(wrong),
            "wrong": [(i, published.get(i, {}).get("error_type", "passed"), ours.get(i, "passed")) for i in wrong],
        }
        keep = set(wrong) | set(sorted((i for i in ids if i not in wrong), key=lambda i: _rank(run, i))[:SAMPLE])
        rel = result_path.relative_to(full / "result" / run.folder)
        out = target / "result" / run.folder / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("".join(x + "\n" for x, i in zip(raw, ids) if i in keep), encoding="utf-8")
        # Old checkers wrote a 1-based position as "id"; the prompt's own id (dropped below) is the real one.
        kept_failed = [{**published[i], "id": i} for i in ids if i in keep and i in published]
        head = {
            "accuracy": round(1 - len(kept_failed) / len(keep), 4) if keep else 0.0,
            "correct_count": len(keep) - len(kept_failed),
            "total_count": len(keep),
            "published": header,
        }
        lines = [head] + [{k: v for k, v in line.items() if k not in DROPPED_SCORE_FIELDS} for line in kept_failed]
        out = target / "score" / run.folder / scores[category].relative_to(full / "score" / run.folder)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    return agreement


def provenance(run: Run, report: dict[str, Any] | None, agreement: dict[str, Any]) -> str:
    checker = RELEASES[run.version]
    total = sum(a["entries"] for a in agreement.values())
    agree = sum(a["agree"] for a in agreement.values())
    rows = "\n".join(
        f"| {c} | {a['entries']} | {a['agree']} | {len(a['wrong'])} |" for c, a in sorted(agreement.items())
    )
    if report is None:
        verified = "not re-checked in this regeneration (`--no-verify`)."
    else:
        cats = ", ".join(f"{c} {v['correct_official']}/{v['total']}" for c, v in sorted(report["categories"].items()))
        verified = (
            f"{'REPRODUCED' if report['reproduced'] else 'NOT REPRODUCED'}: bfcl-eval {checker}'s evaluation runner, "
            f"reading the registry entry of `{run.checker_model}`, re-scored the whole run's single-turn result "
            f"files and wrote the same failed ids with the same error_type as the published score files "
            f"({cats})."
        )
    return f"""# {run.name}

- Source: https://github.com/{run.repo} @ {run.commit}
- Result files: `{run.result_root}/`; score files: `{run.score_root}/`
- Model folder: `{run.folder}`; BFCL data {run.version} (bfcl-eval {checker}); {run.mode} mode
- Official conventions used to re-score: `{run.checker_model}` ({run.handler})
- toolgrad-eval: {f"`--bfcl-handler {run.handler_model}` (the folder name is not in the registry)" if run.handler_model else "no `--bfcl-handler` (the folder name is a registry name)"}
{("- " + run.note) if run.note else ""}

## Official checker
{verified}
Command: `python tests/bfcl/real_runs/official_rescore.py {run.version} RESULT/{run.folder} SCORE/{run.folder} --as-model {run.checker_model}`

## Fixture
Trimmed by `make_fixtures.py`: every entry toolgrad-eval got wrong when this fixture was made, plus a
deterministic sample of up to {SAMPLE} others per category. Result lines are byte for byte; score lines
lack `prompt` and `possible_answer`.

## toolgrad-eval on the whole run when the fixture was made: {agree} of {total} entries agree

| category | entries | agree | differ |
|---|---|---|---|
{rows}
"""


def refresh_readme() -> None:
    """Rewrite the packaged-runs table of README.md (between its markers) from every ``run.json``."""
    rows = [
        (
            "| fixture | repository @ commit | model folder | BFCL | mode | handler (checker run as) | entries | "
            "official reproduces | ours |"
        ),
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for facts_file in sorted(HERE.glob("*/run.json")):
        f = json.loads(facts_file.read_text(encoding="utf-8"))
        entries = sum(c["entries"] for c in f["full_run"].values())
        agree = sum(c["agree"] for c in f["full_run"].values())
        differing = ", ".join(
            f"{c} {v['entries'] - v['agree']}" for c, v in sorted(f["full_run"].items()) if v["agree"] != v["entries"]
        )
        rows.append(
            f"| {f['name']} | {f['repo']} @ {f['commit'][:10]} | `{f['folder']}` | {f['version']} | {f['mode']} | "
            f"{f['handler']} (`{f['checker_model']}`) | {entries} | {'yes' if f['official_reproduced'] else 'no'} | "
            f"{agree}/{entries}{' (' + differing + ')' if differing else ''} |"
        )
    readme = (HERE / "README.md").read_text(encoding="utf-8")
    head, rest = readme.split("<!-- runs -->\n", 1)
    _, tail = rest.split("<!-- /runs -->", 1)
    (HERE / "README.md").write_text(
        head + "<!-- runs -->\n" + "\n".join(rows) + "\n<!-- /runs -->" + tail, encoding="utf-8"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--no-verify", action="store_true")
    parser.add_argument("--data-cache", type=Path, default=Path.home() / ".cache" / "toolgrad-eval-tests" / "bfcl-data")
    args = parser.parse_args()
    for run in RUNS:
        if args.only and run.name not in args.only:
            continue
        with tempfile.TemporaryDirectory(prefix="real-run-") as scratch:
            full = export(run, Path(scratch) / "full")
            report = None
            if not args.no_verify:
                with tempfile.TemporaryDirectory(prefix="real-run-official-") as work:
                    official = official_rescore.rescore(
                        run.version, full / "result" / run.folder, run.checker_model, Path(work)
                    )
                    report = official_rescore.compare(official, full / "score" / run.folder)
                if not report["reproduced"]:
                    print(f"{run.name}: the official checker does NOT reproduce the published scores; not packaged")
                    print(
                        json.dumps({c: v["differing"][:5] for c, v in report["categories"].items() if v["differing"]})
                    )
                    continue
            ours = our_failures(run, full, args.data_cache)
            target = HERE / run.name
            for old in sorted(target.rglob("*"), reverse=True) if target.exists() else []:
                old.unlink() if old.is_file() else old.rmdir()
            agreement = trim(run, full, ours, target)
        facts = {
            **dataclasses.asdict(run),
            "official_reproduced": None if report is None else report["reproduced"],
            "full_run": {c: {"entries": a["entries"], "agree": a["agree"]} for c, a in agreement.items()},
        }
        (target / "run.json").write_text(json.dumps(facts, indent=1) + "\n", encoding="utf-8")
        (target / "PROVENANCE.md").write_text(provenance(run, report, agreement), encoding="utf-8")
        total, agree = sum(a["entries"] for a in agreement.values()), sum(a["agree"] for a in agreement.values())
        shapes = sorted({(w[1], w[2]) for a in agreement.values() for w in a["wrong"]})
        print(
            f"{run.name}: official {'reproduced' if report and report['reproduced'] else 'not checked'}; ours {agree}/{total}; "
            f"differing {[(c, len(a['wrong'])) for c, a in agreement.items() if a['wrong']]} shapes {shapes[:8]}"
        )
    refresh_readme()


if __name__ == "__main__":
    main()
