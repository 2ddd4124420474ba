"""Each command imports what it uses and nothing else: a BFCL run loads no ToolBench or ToolGrad-5k
code and no pydantic (it validates no schema), and so on (issue 26).

Every command runs in a fresh interpreter on the shipped demo data, through the CLI's ``main``,
and reports the modules it ended with (``sys.modules`` after the command returned). The sets
below are exact: a new import on one of these paths must be added here on purpose.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.compat  # what gets imported differs between Python versions

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "benchmarks" / "demo"
# The import names of the packages pyproject.toml declares (install names differ for some).
DEPENDENCIES = frozenset(
    {
        "click",
        "diskcache",
        "jinja2",
        "markupsafe",
        "numpy",
        "openai",
        "pandas",
        "platformdirs",
        "psycopg",
        "pydantic",
        "scipy",
        "tabulate",
        "tree_sitter",
        "tree_sitter_java",
        "tree_sitter_javascript",
    }
)
_RUN = """
import json, sys
from toolgrad_eval.cli.main import main
code = main(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    json.dump({"code": code, "modules": sorted(sys.modules)}, f)
"""
COMMON = {
    "cli",
    "conninfo",
    "errors",
    "fileio",
    "record",
    "redact",
    "units",
}  # the CLI, its errors, the run record, its number formats
EXPECTED = {
    "bfcl": (
        COMMON | {"benchmarks", "bfcl", "detect", "generate", "names"},  # generate: the settings a run was made with
        # no tabulate: bfcl/table.py draws its plain-text tables itself (~10 ms of a ~0.35 s run)
        {"click", "platformdirs", "tree_sitter", "tree_sitter_java", "tree_sitter_javascript"},
    ),
    "toolgrad5k": (
        COMMON | {"detect", "judge", "judges", "names", "record_schema", "stats", "threads", "toolgrad5k"},
        {"click", "diskcache", "jinja2", "markupsafe", "pydantic", "tabulate"},  # no openai: every verdict is stored
    ),
    "toolbench": (
        COMMON | {"detect", "judge", "judges", "names", "record_schema", "toolbench"},
        {"click", "diskcache", "jinja2", "markupsafe", "numpy", "pydantic", "tabulate"},
    ),
    "report": (
        COMMON | {"benchmarks", "bfcl", "diff", "leaderboard", "record_schema", "report", "stats"},
        {"click", "jinja2", "markupsafe", "numpy", "pandas", "pydantic", "tabulate"},
    ),
    "diff": (
        COMMON | {"bfcl", "detect", "diff", "leaderboard", "record_schema", "stats"},
        {"click", "numpy", "pydantic", "scipy", "tabulate"},
    ),
}


def _run(tmp: Path, name: str, *argv: str) -> list[str]:
    out = tmp / f"{name}.modules.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    proc = subprocess.run(
        [sys.executable, "-c", _RUN, str(out), *argv], cwd=tmp, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["code"] == 0, proc.stderr[-2000:]
    return list(result["modules"])


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """command -> the modules loaded when it returned; the evaluations write the records report and diff read."""
    tmp = tmp_path_factory.mktemp("imports")
    bfcl = DEMO / "bfcl-synthetic"
    found = {}
    for model in ("demo-toolgrad-4b", "demo-gemma-3-4b"):
        found["bfcl"] = _run(
            tmp,
            "bfcl",
            *("--pred_model", model, "--dataset", str(bfcl), "--bfcl-data", str(bfcl / "data")),
            *("--score-dir", str(tmp / "score"), "--output", str(tmp / "runs" / "bfcl" / model)),
        )
    found["toolgrad5k"] = _run(
        tmp,
        "toolgrad5k",
        *("--pred_model", "demo-toolgrad-4b", "--dataset", str(DEMO / "toolgrad5k-synthetic")),
        *("--output", str(tmp / "runs" / "toolgrad5k"), "--cache-dir", str(tmp / "cache")),
    )
    found["toolbench"] = _run(
        tmp,
        "toolbench",
        *("--pred_model", "demo-toolbench-toolllama-dfs", "--dataset", str(DEMO / "toolbench-synthetic")),
        *("--output", str(tmp / "runs" / "toolbench"), "--cache-dir", str(tmp / "cache")),
    )
    found["report"] = _run(tmp, "report", "report", "--runs", str(tmp / "runs"), "--out", str(tmp / "site"))
    runs = tmp / "runs" / "bfcl"
    found["diff"] = _run(tmp, "diff", "diff", str(runs / "demo-toolgrad-4b"), str(runs / "demo-gemma-3-4b"))
    return found


def ours(modules: list[str]) -> set[str]:
    """Our modules and packages one level below toolgrad_eval (``bfcl`` for toolgrad_eval.bfcl.match)."""
    return {m.split(".")[1] for m in modules if m.startswith("toolgrad_eval.")}


def dependencies(modules: list[str]) -> set[str]:
    return {m for m in modules if m in DEPENDENCIES}


@pytest.mark.parametrize("command", sorted(EXPECTED))
def test_each_command_imports_only_what_it_uses(imported: dict[str, list[str]], command: str) -> None:
    our_modules, third_party = EXPECTED[command]
    assert ours(imported[command]) == our_modules
    assert dependencies(imported[command]) == third_party


def test_a_bfcl_run_loads_no_other_benchmark_and_no_schema_library(imported: dict[str, list[str]]) -> None:
    modules = set(imported["bfcl"])
    assert not {m for m in modules if m.startswith(("toolgrad_eval.toolbench", "toolgrad_eval.toolgrad5k"))}
    assert not {m for m in modules if m.split(".")[0] in ("pydantic", "pydantic_core", "openai", "pandas")}


def test_layout_detection_imports_the_standard_library_only() -> None:
    program = (
        "import sys; before = set(sys.modules); import toolgrad_eval.detect; "
        "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] not in sys.stdlib_module_names))"
    )
    proc = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True)
    assert proc.stdout.strip() == "['toolgrad_eval', 'toolgrad_eval.detect']"
