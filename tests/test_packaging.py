"""The wheel must carry every package and the data the installed tool needs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.compat  # installing the wheel, tomllib/tomli

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real wheel, built once (as `pip install .` builds it; no network: no build isolation)."""
    import subprocess

    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(folder), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = folder.glob("toolgrad_eval-*.whl")
    return built


def test_every_python_package_folder_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "toolgrad_eval").rglob("*.py")
        if "__pycache__" not in p.parts and "templates" not in p.parts
    }
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def test_judge_templates_load_from_the_installed_package():
    from toolgrad_eval.judge.template import available_templates, load_template

    assert "qor-v1" in available_templates()
    template = load_template("qor-v1")
    assert template.id == "qor-v1" and len(template.sha256) == 64


def test_the_wheel_ships_templates_reported_numbers_and_demo_data(wheel):
    """The real wheel (as `pip install .` builds it), looked inside: the installed tool needs these."""
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    assert "toolgrad_eval/judges/qor-v1.json" in names
    assert "toolgrad_eval/judge/prices.json" in names
    assert any(n.startswith("toolgrad_eval/benchmarks/reported/") and n.endswith(".json") for n in names)
    assert "toolgrad_eval/benchmarks/models.json" in names
    assert "toolgrad_eval/benchmarks/demo/toolgrad5k-synthetic/sft_data/test.txt" in names
    assert "toolgrad_eval/benchmarks/demo/bfcl-synthetic/SYNTHETIC.md" in names
    assert "toolgrad_eval/benchmarks/demo/toolbench-synthetic/SYNTHETIC.md" in names
    assert "toolgrad_eval/toolbench/runner.py" in names and "toolgrad_eval/judges/toolbench-pass-v1.json" in names
    assert any(n.startswith("toolgrad_eval/report/templates/") for n in names)
    assert not any("/score/" in n or n.endswith(".pyc") for n in names), "generated files leaked into the wheel"


def test_the_installed_demo_writes_only_under_the_current_folder(wheel, tmp_path):
    """`pip install .` then `toolgrad-eval demo`: nothing may be written into the installed package
    (its demo data folder included), everything goes under the current folder."""
    import subprocess
    import sys
    import zipfile

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    package = site / "toolgrad_eval"
    before = {p: p.stat().st_mtime_ns for p in package.rglob("*")}
    work = tmp_path / "work"
    work.mkdir()
    import os

    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "toolgrad_eval", "demo"], cwd=work, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    probe = subprocess.run(
        [sys.executable, "-c", "import toolgrad_eval; print(toolgrad_eval.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip().startswith(str(site))  # the demo ran from the installed copy
    after = {p: p.stat().st_mtime_ns for p in package.rglob("*")}
    assert after == before, sorted(str(p) for p in set(after) ^ set(before))
    assert (work / "reports" / "demo" / "index.html").is_file() and (work / "toolgrad-eval-demo").is_dir()
