"""The public API is exactly what __all__ says, every name resolves, and importing stays light."""

import subprocess
import sys

import pytest

import toolgrad_eval

pytestmark = pytest.mark.compat  # importing the package

EXPECTED = {
    "__version__",
    "Toolgrad5k",
    "evaluate_model",
    "run_toolgrad5k",
    "Toolgrad5kConfig",
    "JudgeConfig",
    "Judge",
    "JudgeSettings",
    "load_template",
    "open_cache",
    "check_entry",
    "detect_format",
    "Verdict",
    "run_bfcl",
    "publish",
    "write_run_record",
    "ToolgradError",
}


def test_exported_names_are_pinned():
    assert set(toolgrad_eval.__all__) == EXPECTED


def test_every_exported_name_resolves():
    for name in toolgrad_eval.__all__:
        assert getattr(toolgrad_eval, name) is not None, name


def test_import_pulls_in_nothing_heavy():
    code = "import sys, toolgrad_eval; print(sorted(m for m in ('openai', 'pandas', 'scipy', 'numpy', 'jinja2') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
