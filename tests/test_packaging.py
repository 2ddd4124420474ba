"""The wheel must carry every package and the data the installed tool needs."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
