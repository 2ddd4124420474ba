#!/usr/bin/env python
"""Regenerate benchmarks/bfcl/conventions-<release>.json from an official bfcl-eval wheel.

The official checker decides per model how its outputs are read: which handler decodes them,
whether the model ran in function-calling or prompt mode, and whether the expected function names'
dots are written as underscores (``underscore_to_dot``: the model was shown underscored names). Those
facts live in the model registry, ``bfcl_eval/constants/model_config.py``. This script reads that
file as data: it is parsed with ``ast``, never imported or executed.

    python scripts/regen_bfcl_conventions.py PATH/TO/bfcl_eval [--release 2026.3.23]
    python scripts/regen_bfcl_conventions.py --download 2026.3.23   # pip download --no-deps, then read

Each model also gets ``family``: how toolgrad-eval decodes its outputs, i.e. which of our decoders
reproduces its handler in its mode (``toolgrad_eval.bfcl.decode.families.format_for``); ``null`` for
a handler not reproduced yet, which the scorer then names in a warning. A release after 2026.3.23
is read with the newest data version's rules.

A new BFCL release is one command away; tests/bfcl/test_conventions.py checks the committed tables
against the official wheels.
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # our own package, for the family rules (run from a checkout)
DEFAULTS = {"is_fc_model": True, "underscore_to_dot": False}  # the dataclass defaults in the registry


def _literal(node: ast.expr) -> Any:
    return ast.literal_eval(node)


def read_registry(source: str) -> dict[str, dict[str, Any]]:
    """``{registry key: {handler, handler_module, is_fc_model, underscore_to_dot}}`` from the text of
    ``model_config.py``."""
    tree = ast.parse(source)
    modules: dict[str, str] = {}  # handler class -> the module it is imported from
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and ".model_handler." in f".{node.module}.":
            for alias in node.names:
                modules[alias.asname or alias.name] = node.module
    models: dict[str, dict[str, Any]] = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)):
            continue
        target = node.targets[0]
        if not (isinstance(target, ast.Name) and target.id.endswith("_model_map")):
            continue
        for key, value in zip(node.value.keys, node.value.values):
            if key is None or not (isinstance(value, ast.Call) and getattr(value.func, "id", None) == "ModelConfig"):
                continue
            fields = {kw.arg: kw.value for kw in value.keywords if kw.arg}
            handler = fields["model_handler"]
            if not isinstance(handler, ast.Name):
                raise ValueError(f"{_literal(key)}: model_handler is not a plain class name")
            entry = {
                "handler": handler.id,
                "handler_module": modules.get(handler.id, ""),
                "is_fc_model": _literal(fields["is_fc_model"]) if "is_fc_model" in fields else DEFAULTS["is_fc_model"],
                "underscore_to_dot": (
                    _literal(fields["underscore_to_dot"])
                    if "underscore_to_dot" in fields
                    else DEFAULTS["underscore_to_dot"]
                ),
            }
            models[_literal(key)] = entry
    if not models:
        raise ValueError("no ModelConfig entries found: has the registry's layout changed?")
    return dict(sorted(models.items()))


def table(package: Path, release: str) -> dict[str, Any]:
    from toolgrad_eval.bfcl.categories import BFCL_EVAL_RELEASE
    from toolgrad_eval.bfcl.decode.families import format_for

    source = (package / "constants" / "model_config.py").read_text(encoding="utf-8")
    models = read_registry(source)
    version = {r: v for v, r in BFCL_EVAL_RELEASE.items()}.get(release, max(BFCL_EVAL_RELEASE))
    for entry in models.values():
        entry["family"] = format_for(entry["handler"], entry["is_fc_model"], version)  # type: ignore[arg-type]
    return {
        "source": f"bfcl-eval {release}, bfcl_eval/constants/model_config.py (read as data by scripts/regen_bfcl_conventions.py)",
        "release": release,
        "models": models,
    }


def download(release: str, into: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "-q",
            f"bfcl-eval=={release}",
            "-d",
            str(into),
        ],
        check=True,
    )
    (wheel,) = into.glob("bfcl_eval-*.whl")
    zipfile.ZipFile(wheel).extractall(into / "site")
    return into / "site" / "bfcl_eval"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("package", nargs="?", type=Path, help="a bfcl_eval package folder")
    parser.add_argument("--release", help="its release (required with a folder)")
    parser.add_argument("--download", metavar="RELEASE", help="fetch this release's wheel first")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "bfcl")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.download:
            package, release = download(args.download, Path(tmp)), args.download
        elif args.package and args.release:
            package, release = args.package, args.release
        else:
            parser.error("give a bfcl_eval folder with --release, or --download RELEASE")
        data = table(package, release)
    path = args.out / f"conventions-{release}.json"
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    models = data["models"].values()
    missing = sorted({m["handler"] for m in models if m["family"] is None})
    print(
        f"{path}: {len(data['models'])} models, {len({m['handler'] for m in models})} handlers"
        + (f"; not reproduced yet: {', '.join(missing)}" if missing else "")
    )


if __name__ == "__main__":
    main()
