#!/usr/bin/env python
"""Time our BFCL scoring against the official checker on one real model's single-turn run.

Both score every single-turn category of the v4 real model in ../shared/bfcl-real/v4-qwen3-4b
(3,641 entries) in the same bench run. Three measurements, best of --repeat:

- checking:      per entry decode + check, inputs already in memory (ours: ``check_entry``;
                 official: ``decode_ast`` + ``ast_checker`` or the relevance rule, as its runner does);
- end to end:    in-process, read results and data, check, write score files and leaderboard CSVs
                 (ours: ``run_bfcl``; official: ``eval_runner.runner``);
- whole process: what a user waits for (ours: ``python -m toolgrad_eval --pred_model ...``;
                 official: a fresh interpreter importing bfcl-eval and running its runner); both
                 with a bytecode cache (PYTHONPYCACHEPREFIX in the scratch folder, one warm-up run).

Ours keeps parsed BFCL data in the user cache (``toolgrad_eval.bfcl.datacache``), so from the
second run on it loads the data with marshal instead of json; the timings are best-of, i.e. with
that cache warm, as for any repeated run. A first run on new data parses (~40 ms more).

The official checker (bfcl-eval 2026.3.23) runs in a child interpreter, by default this one
(``--official-python`` picks another, e.g. a virtualenv that has its dependencies). It is loaded in
isolation: vendor SDKs it imports at module level but never uses for checking get empty stand-ins,
BFCL_PROJECT_ROOT points at a scratch folder, and it needs tree_sitter==0.21.3,
tree-sitter-java==0.21.0, tree-sitter-javascript==0.21.4, overrides, tenacity, filelock,
python-dotenv, tqdm, numpy, pandas and pydantic. Target (issue 26): the whole process >= 12x faster
than the real ``bfcl evaluate`` (--official-cli-venv) and under 0.5 s on an idle machine. The load
average is printed before and after: on a loaded machine compare the ratios, measured in the same run.

With ``--official-cli-venv DIR`` it also times the official tool exactly as users run it: the
``bfcl evaluate`` console script of bfcl-eval 2026.3.23 as a whole process, with every vendor SDK it
imports really installed (nothing stubbed), on a scratch BFCL_PROJECT_ROOT holding a copy of
result/<model>/, single-turn categories only, best of N after one untimed warm-up. If DIR lacks
bfcl-eval, the script makes a virtualenv there and installs bfcl-eval --no-deps plus the packages its
CLI imports (see CLI_PACKAGES; no torch, vllm or sentence-transformers: not on that path; about
550 MB, a minute or so). It checks the 13 score files it writes against our pass counts.

    python scripts/bench_bfcl.py [--official DIR_WITH_bfcl_eval] [--official-python PY] [--bfcl-data DIR]
                                 [--official-cli-venv DIR [--official-cli-model NAME]]
                                 [--multi-turn-run DIR [--multi-turn-model NAME]]

Multi-turn line (``--multi-turn-run``, default ../shared/bfcl-real/v4-gpt-oss-120b-mt when present):
whole process against whole process on the same copy of the run's multi-turn result files, filed under
a registry function-calling model (``gpt-4o-2024-11-20-FC``) so that the official runner can pick a
handler: ours ``python -m toolgrad_eval --pred_model ...``; official a fresh interpreter importing
bfcl-eval (stand-ins as above, mpmath real: the simulators need it) and running its runner on the
multi-turn categories, which ``eval``s the calls. Pass counts are compared. Target: >= 3x.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import importlib.abc
import importlib.machinery
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import types
import zipfile
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[1]
DEFAULT_RUN = REPO.parent / "shared" / "bfcl-real" / "v4-qwen3-4b"
DEFAULT_MODEL = "Qwen_Qwen3-4B-Instruct-2507"
OFFICIAL_MODEL = "Qwen/Qwen3-4B-Instruct-2507"  # its registry name decides the official decoder
SINGLE_TURN = (
    "simple_python",
    "simple_java",
    "simple_javascript",
    "multiple",
    "parallel",
    "parallel_multiple",
    "irrelevance",
    "live_simple",
    "live_multiple",
    "live_parallel",
    "live_parallel_multiple",
    "live_irrelevance",
    "live_relevance",
)
NO_ANSWER = ("irrelevance", "live_irrelevance", "live_relevance")
# Vendor SDKs and heavy packages bfcl-eval imports at module level but never uses for checking.
STUBBABLE = frozenset(
    {
        "openai",
        "anthropic",
        "cohere",
        "mistralai",
        "google",
        "vertexai",
        "qwen_agent",
        "datamodel_code_generator",
        "writerai",
        "boto3",
        "botocore",
        "huggingface_hub",
        "requests",
        "httpx",
        "bs4",
        "html2text",
        "rank_bm25",
        "serpapi",
        "sentence_transformers",
        "faiss",
        "networkx",
        "mpmath",
        "typer",
        "torch",
        "vllm",
        "transformers",
        "wandb",
        "sglang",
    }
)
NEEDED = (
    "tree_sitter",
    "tree_sitter_java",
    "tree_sitter_javascript",
    "overrides",
    "tenacity",
    "filelock",
    "dotenv",
    "tqdm",
    "numpy",
    "pandas",
    "pydantic",
)
OFFICIAL_VERSION = "2026.3.23"
# What `bfcl evaluate` imports, found by reading bfcl-eval's requirements and by trial (import
# bfcl_eval.__main__ until nothing is missing); pins as bfcl-eval declares them. soundfile is not one of
# its requirements, nor of qwen-agent's, but qwen_agent.utils imports it at module level.
# Declared but not imported on the CLI path: sentence-transformers (torch), faiss-cpu, rank_bm25,
# google-search-results, beautifulsoup4, html2text, networkx, mpmath, huggingface_hub.
CLI_PACKAGES = (
    "requests",
    "tqdm",
    "numpy==1.26.4",
    "pandas",
    "pydantic>=2.8.2",
    "python-dotenv>=1.0.1",
    "tree_sitter==0.21.3",
    "tree-sitter-java==0.21.0",
    "tree-sitter-javascript==0.21.4",
    "openai>=1.86.0",
    "mistralai==1.7.0",
    "anthropic>=0.75.0",
    "cohere==5.18.0",
    "typer>=0.12.5",
    "tabulate>=0.9.0",
    "datamodel-code-generator==0.25.7",
    "google-genai>=1.52.0",
    "qwen-agent",
    "tenacity>=8.5.0",
    "writer-sdk>=2.1.0",
    "overrides",
    "boto3",
    "filelock==3.20.0",
    "soundfile",
)
SDKS = (
    "openai",
    "anthropic",
    "cohere",
    "mistralai",
    "google-genai",
    "boto3",
    "writer-sdk",
    "qwen-agent",
    "datamodel-code-generator",
    "pandas",
    "numpy",
)


def best_of(repeat: int, fn: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_items(run: Path, model: str, data: Path) -> list[tuple]:
    """[(category, question, answer, raw result)] for every entry; stdlib only (the child uses it too)."""
    items = []
    model_dir = next(run / d / model for d in ("result", "results") if (run / d / model).is_dir())
    for cat in SINGLE_TURN:
        path = next(model_dir.rglob(f"BFCL_v4_{cat}_result.json"))
        results = {r["id"]: r["result"] for r in read_jsonl(path)}
        questions = read_jsonl(data / f"BFCL_v4_{cat}.json")
        answers = (
            [None] * len(questions)
            if cat in NO_ANSWER
            else [a["ground_truth"] for a in read_jsonl(data / "possible_answer" / f"BFCL_v4_{cat}.json")]
        )
        items += [(cat, q, a, results[q["id"]]) for q, a in zip(questions, answers)]
    return items


# ------------------------------------------------------------------ the official checker (child side)
class _Anything:
    """Stands in for any attribute of a vendor SDK the official package imports but never calls here."""

    def __init__(self, *a: Any, **k: Any) -> None: ...
    def __call__(self, *a: Any, **k: Any) -> "_Anything":
        return _Anything()

    def __getattr__(self, name: str) -> "_Anything":
        return _Anything()

    def __getitem__(self, key: Any) -> "_Anything":
        return _Anything()

    def __iter__(self):
        return iter(())

    def __or__(self, other: Any) -> "_Anything":
        return self

    __ror__ = __or__

    def __mro_entries__(self, bases: tuple) -> tuple:
        return (object,)


class _StubModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Anything()


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on sys.meta_path while bfcl-eval is imported: an empty module for a missing vendor SDK."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if name.split(".")[0] not in STUBBABLE:
            return None
        return importlib.machinery.ModuleSpec(name, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _StubModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module: types.ModuleType) -> None: ...


def load_official(source: Path, scratch: Path) -> types.ModuleType:
    missing = [name for name in NEEDED if importlib.util.find_spec(name) is None]
    if missing:
        raise SystemExit(
            f"{sys.executable}: the official checker needs {', '.join(missing)}; install them there or pass "
            "--official-python. pip install tree_sitter==0.21.3 tree-sitter-java==0.21.0 "
            "tree-sitter-javascript==0.21.4 overrides tenacity filelock python-dotenv tqdm numpy pandas pydantic"
        )
    os.environ["BFCL_PROJECT_ROOT"] = str(scratch / "bfcl-root")  # else it makes folders in site-packages
    finder = _StubFinder()
    sys.meta_path.append(finder)
    sys.path.insert(0, str(source))
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            import bfcl_eval.eval_checker.eval_runner as runner
    finally:
        sys.meta_path.remove(finder)
    return runner


def official_checker(er: types.ModuleType) -> Callable[[str, dict, Any, Any], bool]:
    from bfcl_eval.constants.enums import Language, ReturnFormat
    from bfcl_eval.utils import is_empty_output, is_function_calling_format_output

    handler = er.get_handler(OFFICIAL_MODEL)
    langs = {
        "simple_java": (Language.JAVA, ReturnFormat.JAVA),
        "simple_javascript": (Language.JAVASCRIPT, ReturnFormat.JAVASCRIPT),
    }

    def one(cat: str, question: dict, answer: Any, raw: Any) -> bool:
        if cat in NO_ANSWER:
            try:
                has_call = not is_empty_output(
                    handler.decode_ast(raw, language=ReturnFormat.PYTHON, has_tool_call_tag=False)
                )
            except Exception:
                has_call = False
            return has_call != ("irrelevance" in cat)
        language, fmt = langs.get(cat, (Language.PYTHON, ReturnFormat.PYTHON))
        try:
            decoded = handler.decode_ast(raw, fmt, False)
        except Exception:
            return False
        if not is_function_calling_format_output(decoded):
            return False
        return er.ast_checker(question["function"], decoded, answer, language, cat, OFFICIAL_MODEL)["valid"]

    return one


def official_child(args: argparse.Namespace) -> None:
    """Child mode: time the official checker; print one JSON line (or just run once, --process)."""
    if args.multi_turn_child:
        official_multi_turn_child(args)
        return
    with tempfile.TemporaryDirectory(prefix="bench-bfcl-official-") as tmp:
        scratch = Path(tmp)
        er = load_official(args.official, scratch)

        def e2e() -> None:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                er.runner([args.model], list(SINGLE_TURN), (args.run / "result").resolve(), scratch / "score")

        if args.process:
            e2e()
            return
        items = load_items(args.run, args.model, args.bfcl_data)
        one = official_checker(er)
        batches = [copy.deepcopy(items) for _ in range(args.repeat + 1)]  # the checker may mutate inputs
        passed = sum(one(*item) for item in batches.pop())
        checking = best_of(args.repeat, lambda: sum(one(*item) for item in batches.pop()))
        print(
            json.dumps(
                {"entries": len(items), "passed": passed, "checking": checking, "end_to_end": best_of(args.repeat, e2e)}
            )
        )


# ------------------------------------------------------------------ multi-turn
MULTI_TURN = ("multi_turn_base", "multi_turn_miss_func", "multi_turn_miss_param", "multi_turn_long_context")
MULTI_TURN_RUN = REPO.parent / "shared" / "bfcl-real" / "v4-gpt-oss-120b-mt"
MULTI_TURN_AS = "gpt-4o-2024-11-20-FC"  # a registry FC model: the official runner needs a handler


def official_multi_turn_child(args: argparse.Namespace) -> None:
    """Child mode, once: the official runner on the multi-turn files of ``--run`` (model ``--model``)."""
    import mpmath  # noqa: F401 - real before the stand-ins: the simulators compute with it

    with tempfile.TemporaryDirectory(prefix="bench-bfcl-mt-official-") as tmp:
        er = load_official(args.official, Path(tmp))
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            er.runner([args.model], list(MULTI_TURN), (args.run / "result").resolve(), args.score_out)


def multi_turn_line(args: argparse.Namespace, data_root: Path, source: Path, scratch: Path, env: dict[str, str]) -> str:
    """Whole process, ours against the official runner, on one copy of a multi-turn run."""
    src = next(
        args.multi_turn_run / d / args.multi_turn_model
        for d in ("result", "results")
        if (args.multi_turn_run / d / args.multi_turn_model).is_dir()
    )
    run = scratch / "mt-run"
    shutil.copytree(src, run / "result" / MULTI_TURN_AS)
    files = sorted((run / "result" / MULTI_TURN_AS).rglob("BFCL_v4_multi_turn_*_result.json"))
    n = sum(1 for f in files for line in f.open(encoding="utf-8") if line.strip())
    ours_cmd = [
        sys.executable,
        "-m",
        "toolgrad_eval",
        "--pred_model",
        MULTI_TURN_AS,
        "--dataset",
        str(run),
        "--bfcl-data",
        str(data_root),
        "--score-dir",
        str(scratch / "mt-score-ours"),
        "--overwrite",
        "--output",
        str(scratch / "mt-out"),
    ]
    official_cmd = [
        args.official_python,
        str(Path(__file__).resolve()),
        "--official-child",
        "--multi-turn-child",
        "--run",
        str(run),
        "--model",
        MULTI_TURN_AS,
        "--official",
        str(source),
        "--score-out",
        str(scratch / "mt-score-official"),
    ]
    repeat = max(1, args.repeat // 2)
    (t_ours, c_ours), (t_official, c_official) = (
        _wall_and_cpu(ours_cmd, repeat, env),
        _wall_and_cpu(official_cmd, repeat, env),
    )

    def passed(root: Path) -> int:
        return sum(
            json.loads(p.read_text(encoding="utf-8").splitlines()[0])["correct_count"]
            for p in (root / MULTI_TURN_AS).rglob("BFCL_v4_multi_turn_*_score.json")
        )

    cli = ""
    if args.official_cli_venv is not None:  # the real `bfcl evaluate`, nothing stubbed
        bfcl, versions = cli_venv(args.official_cli_venv.resolve(), scratch)
        python = str(bfcl.parent / "python")
        if subprocess.run([python, "-c", "import mpmath"], capture_output=True).returncode != 0:
            # bfcl-eval declares it; the single-turn path never imports it, the simulators do
            subprocess.run([python, "-m", "pip", "install", "-q", "mpmath"], capture_output=True, check=True)
        root = scratch / "mt-cli-root"
        shutil.copytree(run / "result", root / "result")
        # The OpenAI handler's constructor wants a key; scoring never calls the API: a placeholder.
        cli_env = dict(env, BFCL_PROJECT_ROOT=str(root), OPENAI_API_KEY="placeholder-never-used")
        cli_cmd = [str(bfcl), "evaluate", "--model", MULTI_TURN_AS, "--test-category", "multi_turn"]
        t_cli, c_cli = _wall_and_cpu(cli_cmd, repeat, cli_env, cwd=root)
        cli = (
            f"\n{'multi-turn CLI':<14} ours {t_ours * 1000:8.1f} ms   bfcl evaluate {t_cli * 1000:8.1f} ms   "
            f"ratio {t_cli / t_ours:5.1f}x wall, {c_cli / c_ours:5.1f}x CPU   (real CLI, {versions.split(',')[0]}; "
            f"passed {passed(root / 'score')})"
        )
    return (
        f"multi-turn     {n} entries in {len(files)} files ({args.multi_turn_run.name}); passed: ours "
        f"{passed(scratch / 'mt-score-ours')}, official {passed(scratch / 'mt-score-official')}\n"
        f"{'multi-turn':<14} ours {t_ours * 1000:8.1f} ms   official {t_official * 1000:8.1f} ms   "
        f"ratio {t_official / t_ours:5.1f}x   (whole process; target >= 3x)\n"
        f"{'multi-turn CPU':<14} ours {c_ours * 1000:8.1f} ms   official {c_official * 1000:8.1f} ms   "
        f"ratio {c_official / c_ours:5.1f}x   (user+system time of the process and its workers)" + cli
    )


def _wall_and_cpu(cmd: list[str], repeat: int, env: dict[str, str], cwd: Path | None = None) -> tuple[float, float]:
    """Best wall time and best CPU time (user + system, children included) of ``cmd``, after one
    untimed warm-up. CPU time is the fairer figure on a shared machine, where waiting inflates wall time."""
    import resource

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    walls, cpus = [], []
    for i in range(repeat + 1):
        c0, t0 = cpu(), time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
        t1, c1 = time.perf_counter(), cpu()
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd[:4])} ... failed:\n{proc.stderr[-2000:]}")
        if i:  # the first run warms the bytecode cache
            walls.append(t1 - t0)
            cpus.append(c1 - c0)
    return min(walls), min(cpus)


# ------------------------------------------------------------------ parent side
def official_source(arg: Path | None, scratch: Path) -> Path:
    """A folder holding bfcl_eval/ of bfcl-eval 2026.3.23: the one given, /tmp/bfcl/v4, or a fresh download."""
    for candidate in (arg, Path("/tmp/bfcl/v4")):
        if candidate is not None and (candidate / "bfcl_eval" / "eval_checker").is_dir():
            return candidate
    from toolgrad_eval.bfcl.fetch import download_wheel

    wheel = download_wheel("2026.3.23", scratch / "wheel")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(scratch / "official")
    return scratch / "official"


def ours_checking(items: list[tuple]) -> Callable[[], int]:
    from toolgrad_eval.bfcl.match import check_entry, detect_format

    by_cat: dict[str, list[tuple]] = {}
    for item in items:
        by_cat.setdefault(item[0], []).append(item)

    def go() -> int:
        passed = 0
        for cat, group in by_cat.items():
            fmt = detect_format([raw for *_, raw in group])
            for _, question, answer, raw in group:
                passed += check_entry(cat, question, answer, raw, fmt=fmt, version="v4").valid
        return passed

    return go


def process_env(scratch: Path) -> dict[str, str]:
    """Both sides' child interpreters cache bytecode, as installed packages do: without it (e.g.
    PYTHONDONTWRITEBYTECODE=1 and a source-only checkout) every start recompiles every module."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
    return env


# ------------------------------------------------------------------ the official CLI, as users run it
def cli_venv(venv: Path, scratch: Path) -> tuple[Path, str]:
    """The `bfcl` console script in ``venv`` and its package versions; makes the venv and installs
    bfcl-eval there if missing."""
    python, bfcl = venv / "bin" / "python", venv / "bin" / "bfcl"

    def pip(*argv: str) -> None:
        proc = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *argv], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            raise SystemExit(f"pip install {' '.join(argv[:3])} ... failed in {venv}:\n{proc.stderr[-2000:]}")

    if not python.exists():
        print(f"making {venv} for the official CLI", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    if not bfcl.exists():
        print(f"installing bfcl-eval=={OFFICIAL_VERSION} and its CLI's imports into {venv} (~550 MB)", file=sys.stderr)
        pip("--no-deps", f"bfcl-eval=={OFFICIAL_VERSION}")
        pip(*CLI_PACKAGES)
    probe = (
        "import importlib.metadata as m, bfcl_eval.__main__; "
        f"print(m.version('bfcl-eval'), *(p + '=' + m.version(p) for p in {SDKS!r}))"
    )
    env = dict(os.environ, BFCL_PROJECT_ROOT=str(scratch / "bfcl-probe"))
    proc = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, env=env, cwd=scratch, check=False)
    if proc.returncode != 0:
        raise SystemExit(
            f"{venv}: bfcl-eval's CLI does not import; install what is missing there:\n{proc.stderr[-2000:]}"
        )
    version, *sdks = proc.stdout.split()
    if version != OFFICIAL_VERSION:
        raise SystemExit(f"{venv} has bfcl-eval {version}; this bench compares against {OFFICIAL_VERSION}")
    return bfcl, f"bfcl-eval {version}, {' '.join(sdks)}"


def cli_passed(score_root: Path, model: str) -> dict[str, int]:
    """correct_count per category from the 13 score files `bfcl evaluate` wrote."""
    counts = {}
    for cat in SINGLE_TURN:
        found = list((score_root / model).rglob(f"BFCL_v4_{cat}_score.json"))
        if len(found) != 1:
            raise SystemExit(f"bfcl evaluate wrote {len(found)} score files for {cat} under {score_root / model}")
        with found[0].open(encoding="utf-8") as f:
            counts[cat] = json.loads(f.readline())["correct_count"]
    return counts


def ours_by_category(items: list[tuple]) -> dict[str, int]:
    from toolgrad_eval.bfcl.match import check_entry, detect_format

    counts = {}
    for cat in SINGLE_TURN:
        group = [item for item in items if item[0] == cat]
        fmt = detect_format([raw for *_, raw in group])
        counts[cat] = sum(check_entry(cat, q, a, raw, fmt=fmt, version="v4").valid for _, q, a, raw in group)
    return counts


def time_cli(
    args: argparse.Namespace, scratch: Path, env: dict[str, str]
) -> tuple[tuple[float, float], dict[str, int], str]:
    """Best wall and CPU time of `bfcl evaluate` on a copy of the run, the pass counts from its score
    files, and the versions it ran with."""
    bfcl, versions = cli_venv(args.official_cli_venv.resolve(), scratch)
    root = scratch / "bfcl-cli-root"  # BFCL_PROJECT_ROOT: it reads result/<model>/, writes score/
    model_dir = next(args.run / d / args.model for d in ("result", "results") if (args.run / d / args.model).is_dir())
    shutil.copytree(model_dir, root / "result" / args.model)
    name = args.official_cli_model or (
        OFFICIAL_MODEL if args.model == DEFAULT_MODEL else args.model.replace("_", "/", 1)
    )
    cmd = [str(bfcl), "evaluate", "--model", name, "--test-category", ",".join(SINGLE_TURN)]
    # one untimed warm-up (writes the bytecode cache), then best of N
    times = _wall_and_cpu(cmd, max(1, args.repeat // 2), dict(env, BFCL_PROJECT_ROOT=str(root)), cwd=root)
    return times, cli_passed(root / "score", args.model), versions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, default=DEFAULT_RUN)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument(
        "--bfcl-data", type=Path, default=None, help="v4 data folder [default: installed/cache, fetched if needed]"
    )
    parser.add_argument("--official", type=Path, default=None, help="folder holding bfcl_eval/ of bfcl-eval 2026.3.23")
    parser.add_argument(
        "--official-python", default=sys.executable, help="interpreter with the official checker's dependencies"
    )
    parser.add_argument(
        "--official-cli-venv",
        type=Path,
        default=None,
        help="also time the real `bfcl evaluate` from this virtualenv (made and filled if it lacks bfcl-eval)",
    )
    parser.add_argument(
        "--official-cli-model",
        default=None,
        help="registry name for `bfcl evaluate --model` [default: the folder name with its first _ as /]",
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--multi-turn-run", type=Path, default=MULTI_TURN_RUN, help="a run with v4 multi-turn result files"
    )
    parser.add_argument("--multi-turn-model", default="openai_gpt-oss-120b")
    parser.add_argument("--multi-turn-only", action="store_true", help="only the multi-turn line")
    parser.add_argument("--multi-turn-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--score-out", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--official-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.official_child:
        official_child(args)
        return
    load_before = os.getloadavg()

    from toolgrad_eval.bfcl.data import locate_data
    from toolgrad_eval.bfcl.runner import run_bfcl

    data = locate_data("v4", args.bfcl_data, fetch=True)
    if args.multi_turn_only:
        with tempfile.TemporaryDirectory(prefix="bench-bfcl-") as tmp:
            scratch = Path(tmp)
            print(
                multi_turn_line(args, data.root, official_source(args.official, scratch), scratch, process_env(scratch))
            )
        return
    items = load_items(args.run, args.model, data.root)
    with tempfile.TemporaryDirectory(prefix="bench-bfcl-") as tmp:
        scratch = Path(tmp)
        source = official_source(args.official, scratch)
        child = [
            args.official_python,
            str(Path(__file__).resolve()),
            "--official-child",
            "--run",
            str(args.run),
            "--model",
            args.model,
            "--bfcl-data",
            str(data.root),
            "--official",
            str(source),
            "--repeat",
            str(args.repeat),
        ]
        proc = subprocess.run(child, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"official checker failed:\n{proc.stderr[-3000:]}")
        official = json.loads(proc.stdout.strip().splitlines()[-1])

        ours = ours_checking(items)
        passed = ours()
        t_check = best_of(args.repeat, ours)
        t_e2e = best_of(
            args.repeat,
            lambda: run_bfcl(
                args.run,
                args.model,
                scratch / "out",
                bfcl_data=data.root,
                score_dir=scratch / "score",
                overwrite=True,
                echo=lambda _m: None,
            ),
        )
        ours_cmd = [
            sys.executable,
            "-m",
            "toolgrad_eval",
            "--pred_model",
            args.model,
            "--dataset",
            str(args.run),
            "--bfcl-data",
            str(data.root),
            "--score-dir",
            str(scratch / "score-p"),
            "--overwrite",
            "--output",
            str(scratch / "out-p"),
        ]
        env = process_env(scratch)
        t_proc, c_proc = _wall_and_cpu(ours_cmd, max(1, args.repeat // 2), env)
        o_proc, co_proc = _wall_and_cpu(child + ["--process"], max(1, args.repeat // 2), env)
        if args.official_cli_venv is not None:
            (cli_proc, cli_cpu), cli_counts, cli_versions = time_cli(args, scratch, env)
        mt_line = multi_turn_line(args, data.root, source, scratch, env) if args.multi_turn_run.is_dir() else None

    n = len(items)

    def line(label: str, mine: float, theirs: float) -> str:
        return (
            f"{label:<14} ours {mine * 1000:8.1f} ms ({mine / n * 1e6:6.1f} us/entry)   "
            f"official {theirs * 1000:8.1f} ms ({theirs / n * 1e6:6.1f} us/entry)   ratio {theirs / mine:5.1f}x"
        )

    cores = os.cpu_count()
    print(
        f"{n} entries in {len(SINGLE_TURN)} categories; data: {data.source}; best of {args.repeat}; "
        f"load average {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after, on {cores} cores"
    )
    print(f"passed: ours {passed}, official {official['passed']}")
    print(line("checking", t_check, official["checking"]))
    print(line("end to end", t_e2e, official["end_to_end"]))
    print(line("whole process", t_proc, o_proc))
    print(line("process CPU", c_proc, co_proc) + "   (user+system; on a busy machine wall time adds waiting)")
    print(
        f"whole process {o_proc / t_proc:.1f}x the stubbed official runner and {t_proc:.2f} s; "
        f"in-process end to end {official['end_to_end'] / t_e2e:.1f}x and {t_e2e:.2f} s"
    )
    if mt_line is not None:
        print(mt_line)
    if args.official_cli_venv is not None:
        ours_counts = ours_by_category(items)
        differ = [
            f"{cat} ours {ours_counts[cat]} vs {cli_counts[cat]}"
            for cat in SINGLE_TURN
            if ours_counts[cat] != cli_counts[cat]
        ]
        print(f"bfcl evaluate (real CLI): {cli_versions}")
        print(
            f"passed: ours {sum(ours_counts.values())}, bfcl evaluate (real CLI) {sum(cli_counts.values())} "
            f"in its 13 score files; " + ("same in every category" if not differ else "DIFFER: " + "; ".join(differ))
        )
        print(
            f"{'bfcl evaluate (real CLI)':<14} ours {t_proc * 1000:8.1f} ms   bfcl evaluate {cli_proc * 1000:8.1f} ms   "
            f"ratio {cli_proc / t_proc:5.1f}x   (whole process, nothing stubbed)"
        )
        print(
            f"{'bfcl evaluate CPU':<14} ours {c_proc * 1000:8.1f} ms   bfcl evaluate {cli_cpu * 1000:8.1f} ms   "
            f"ratio {cli_cpu / c_proc:5.1f}x   (user+system of the process and its children)"
        )
        load = max(load_before[0], os.getloadavg()[0])
        verdict = "met" if cli_proc / t_proc >= 12 and t_proc < 0.5 else "NOT met"
        print(
            f"target (>= 12x bfcl evaluate, < 0.5 s on an idle machine): {cli_proc / t_proc:.1f}x, "
            f"{t_proc:.2f} s wall: {verdict}"
            + (
                ""
                if load < 1
                else f" (the machine was not idle, load {load:.1f} on {cores} cores: wall time includes waiting "
                f"for a core; ours used {c_proc:.2f} s of CPU, what an idle machine's wall time approaches, but "
                "for I/O waits; contention inflates CPU time too)"
            )
        )


if __name__ == "__main__":
    main()
