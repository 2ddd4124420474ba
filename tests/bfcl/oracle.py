"""BFCL's official checker (``bfcl-eval``) as a test oracle, run in an isolated subprocess.

The checker is fetched at test time with ``pip download --no-deps`` (wheels only, into a cache
directory, reused across runs) together with the exact tree-sitter wheels it pins, and is
imported in a *separate* Python process so that none of it (nor the stand-in modules it needs)
leaks into our test process. Its import chain pulls every model handler and so every vendor SDK;
those are replaced by empty stand-ins before import. ``BFCL_PROJECT_ROOT`` points at a scratch
folder because the package otherwise creates folders inside its own install location.

The worker reproduces the official single-entry flow for a prompting model (decode with the
prompting decoder, check the call shape, run ``ast_checker``) and, for the ``fc`` format, the
OpenAI function-calling decoder (``json.loads`` of each call's arguments) with ``.`` written as
``_`` in names. It never sees outputs that would make the official decoder evaluate hostile
code: the corpus keeps arithmetic small.
"""

from __future__ import annotations

import functools
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Callable, TypeVar

T = TypeVar("T")
RELEASES = {"v4": "2026.3.23", "v3": "2025.6.30"}
TREE_SITTER_PINS = ("tree_sitter==0.21.3", "tree-sitter-java==0.21.0", "tree-sitter-javascript==0.21.4")
PROMPT_MODEL = "gpt-4o-2024-11-20"  # a prompting model: names keep their dots
FC_MODEL = "gpt-4o-2024-11-20-FC"  # a function-calling model: "." written as "_"


class OracleUnavailable(RuntimeError):
    """The official checker could not be downloaded or started."""


def or_skip(produce: Callable[[], T]) -> T:
    """What ``produce`` asks of the oracle; a test without it skips, except in CI, where nothing
    may be skipped and the test fails."""
    try:
        return produce()
    except OracleUnavailable as exc:
        if os.environ.get("CI", "").lower() == "true":
            raise
        import pytest

        pytest.skip(f"official checker unavailable: {exc}")


def cache_root() -> Path:
    configured = os.environ.get("TOOLGRAD_EVAL_TEST_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "toolgrad-eval-tests"


@functools.lru_cache(maxsize=None)
def oracle_python() -> str:
    """An interpreter that the checker's pinned tree-sitter 0.21 wheels exist for (CPython <= 3.12).

    The suite itself may run on a newer Python (CI runs it on 3.13 too); the oracle then runs in an
    older interpreter of the same machine. ``TOOLGRAD_ORACLE_PYTHON`` names one explicitly.
    """
    configured = os.environ.get("TOOLGRAD_ORACLE_PYTHON")
    if configured:
        return configured
    if sys.version_info < (3, 13):
        return sys.executable
    for minor in (12, 11, 10):
        candidates = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/3.{minor}.*/bin/python")))[-1:]
        candidates += [found] if (found := shutil.which(f"python3.{minor}")) else []
        for candidate in candidates:  # a pyenv shim on PATH may name a version that is not installed
            if subprocess.run([candidate, "-c", "pass"], capture_output=True, timeout=60).returncode == 0:
                return candidate
    raise OracleUnavailable(
        "the official checker needs CPython 3.10-3.12 (its pinned tree-sitter 0.21 has no "
        "newer wheels); set TOOLGRAD_ORACLE_PYTHON"
    )


@functools.lru_cache(maxsize=None)
def _oracle_tag() -> str:
    done = subprocess.run(
        [oracle_python(), "-c", "import sys; print(f'py{sys.version_info[0]}{sys.version_info[1]}-{sys.platform}')"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


def _download(requirement: str, into: Path) -> Path:
    """Download one wheel (no dependencies) and return its path."""
    into.mkdir(parents=True, exist_ok=True)
    name = requirement.split("==")[0].replace("-", "_").lower()
    version = requirement.split("==")[1]
    for wheel in into.glob("*.whl"):
        if wheel.name.lower().startswith(f"{name}-{version}-"):
            return wheel
    command = [
        oracle_python(),
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "-q",
        requirement,
        "-d",
    ]
    # Into a private folder, then renamed into place: parallel test workers may fetch the same wheel.
    with tempfile.TemporaryDirectory(prefix=".download-", dir=into) as private:
        done = subprocess.run([*command, private], capture_output=True, text=True, timeout=300)
        for wheel in Path(private).glob("*.whl"):
            os.replace(wheel, into / wheel.name)
    for wheel in into.glob("*.whl"):
        if wheel.name.lower().startswith(f"{name}-{version}-"):
            return wheel
    raise OracleUnavailable(f"pip download {requirement} failed: {done.stderr.strip()[-500:]}")


def _unpacked(wheels: list[Path], target: Path) -> Path:
    marker = target / ".complete"
    if marker.exists():
        return target
    staging = Path(tempfile.mkdtemp(prefix=target.name, dir=target.parent))
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(staging)
    (staging / ".complete").write_text("ok\n")
    try:
        staging.rename(target)
    except OSError:  # another run unpacked it concurrently
        pass
    return target


def checker_site(version: str) -> Path:
    """A folder holding ``bfcl_eval`` of the release matching the data ``version``."""
    release = RELEASES[version]
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    wheel = _download(f"bfcl-eval=={release}", root / "wheels")
    return _unpacked([wheel], root / f"bfcl-eval-{release}")


def tree_sitter_site() -> Path:
    root = cache_root()
    tag = _oracle_tag()
    wheels = [_download(pin, root / "wheels" / tag) for pin in TREE_SITTER_PINS]
    return _unpacked(wheels, root / f"tree-sitter-0.21.3-{tag}")


def data_dir(version: str) -> Path:
    return checker_site(version) / "bfcl_eval" / "data"


def official_verdicts(version: str, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Official ``{"valid", "error_type"}`` (or ``{"crash": ...}``) for each case.

    A case has ``category`` (the release's own name), ``question``, ``answer``, ``result`` and
    either ``fmt`` (``"python"`` or ``"fc"``: the generic decoders) or ``handler``,
    ``handler_module``, ``is_fc_model`` and ``model`` (that registry model's own handler decodes;
    see :func:`official_handler_decodes`).
    """
    sites = [str(checker_site(version)), str(tree_sitter_site())]
    with tempfile.TemporaryDirectory(prefix="bfcl-oracle-") as scratch:
        cases_file = Path(scratch) / "cases.json"
        out_file = Path(scratch) / "verdicts.json"
        cases_file.write_text(json.dumps(cases))
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(sites),
            "BFCL_PROJECT_ROOT": str(Path(scratch) / "project"),
            "PYTHONWARNINGS": "ignore",
        }
        done = subprocess.run(
            [oracle_python(), "-s", __file__, version, str(cases_file), str(out_file)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0 or not out_file.exists():
            raise OracleUnavailable(f"official checker worker failed: {done.stderr.strip()[-2000:]}")
        return json.loads(out_file.read_text())


# --------------------------------------------------------------------------------------------
# Worker: runs in the subprocess, with bfcl_eval and tree-sitter on sys.path.


def _install_stand_ins() -> None:
    """Make every import that cannot be satisfied return an empty stand-in module."""
    import importlib.abc
    import importlib.machinery
    import types

    class StandInMeta(type):
        def __getattr__(cls, name: str) -> Any:
            if name.startswith("__"):
                raise AttributeError(name)
            return StandIn

        def __getitem__(cls, item: Any) -> Any:
            return cls

        def __or__(cls, other: Any) -> Any:
            return cls

        def __ror__(cls, other: Any) -> Any:
            return cls

        def __call__(cls, *args: Any, **kwargs: Any) -> Any:
            if len(args) == 1 and isinstance(args[0], types.FunctionType) and not kwargs:
                return args[0]  # used as a decorator
            return super().__call__()

    class StandIn(metaclass=StandInMeta):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

        def __getattr__(self, name: str) -> Any:
            if name.startswith("__"):
                raise AttributeError(name)
            return StandIn

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            if len(args) == 1 and isinstance(args[0], types.FunctionType) and not kwargs:
                return args[0]
            return StandIn()

        def __or__(self, other: Any) -> Any:
            return self

        __ror__ = __or__

    class StandInModule(types.ModuleType):
        __path__: list[str] = []

        def __getattr__(self, name: str) -> Any:
            if name.startswith("__"):
                raise AttributeError(name)
            return StandIn

    class Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
            if fullname.split(".")[0] in ("bfcl_eval", "tree_sitter", "tree_sitter_java", "tree_sitter_javascript"):
                return None
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

        def create_module(self, spec: Any) -> Any:
            module = StandInModule(spec.name)
            module.__path__ = []
            return module

        def exec_module(self, module: Any) -> None:
            pass

    sys.meta_path.append(Finder())


def _worker(version: str, cases_path: str, out_path: str) -> None:
    _install_stand_ins()
    from bfcl_eval.eval_checker.ast_eval.ast_checker import ast_checker
    from bfcl_eval.model_handler import utils as handler_utils

    if version == "v4":
        from bfcl_eval.constants.enums import Language, ReturnFormat
        from bfcl_eval.utils import is_empty_output, is_function_calling_format_output

        languages = {
            "python": (Language.PYTHON, ReturnFormat.PYTHON),
            "java": (Language.JAVA, ReturnFormat.JAVA),
            "javascript": (Language.JAVASCRIPT, ReturnFormat.JAVASCRIPT),
        }

        def decode_prompting(result: Any, language: str) -> Any:
            return handler_utils.default_decode_ast_prompting(result, languages[language][1], False)

        def checker_language(language: str) -> Any:
            return languages[language][0]
    else:
        from bfcl_eval.utils import is_empty_output, is_function_calling_format_output

        names = {"python": "Python", "java": "Java", "javascript": "JavaScript"}

        def decode_prompting(result: Any, language: str) -> Any:
            return handler_utils.default_decode_ast_prompting(result, names[language])

        def checker_language(language: str) -> Any:
            return names[language]

    def decode_fc(result: Any) -> Any:
        calls = []
        for item in result:
            name = list(item.keys())[0]
            calls.append({name: json.loads(item[name])})
        return calls

    def decode(case: dict[str, Any], language: str) -> Any:
        if "handler" in case:  # the model's own handler, as the official runner decodes its outputs
            return _handler_decode(version, case, language)
        if case["fmt"] == "fc":
            return decode_fc(case["result"])
        return decode_prompting(case["result"], language)

    verdicts: list[dict[str, Any]] = []
    for case in json.loads(Path(cases_path).read_text()):
        category = case["category"]
        language = (
            "java"
            if category in ("java", "simple_java")
            else ("javascript" if category in ("javascript", "simple_javascript") else "python")
        )
        # The result folder name of the model whose registry entry the checker reads (its own
        # underscore_to_dot); by default one prompting and one function-calling model.
        model = case.get("model") or (FC_MODEL if case["fmt"] == "fc" else PROMPT_MODEL)
        verdict: dict[str, Any]
        try:
            if "relevance" in category:
                try:
                    decoded = decode(case, "python")
                    has_call = not is_empty_output(decoded)
                except Exception:  # noqa: BLE001 - the official runner treats any failure alike
                    has_call = False
                if "irrelevance" in category:
                    verdict = (
                        {"valid": True, "error_type": None}
                        if not has_call
                        else {"valid": False, "error_type": "irrelevance_error:decoder_success"}
                    )
                else:
                    verdict = (
                        {"valid": True, "error_type": None}
                        if has_call
                        else {"valid": False, "error_type": "relevance_error:decoder_failed"}
                    )
            else:
                try:
                    decoded = decode(case, language)
                except Exception:  # noqa: BLE001
                    verdicts.append({"valid": False, "error_type": "ast_decoder:decoder_failed"})
                    continue
                if not is_function_calling_format_output(decoded):
                    verdicts.append({"valid": False, "error_type": "ast_decoder:decoder_wrong_output_format"})
                    continue
                result = ast_checker(
                    case["question"]["function"], decoded, case["answer"], checker_language(language), category, model
                )
                verdict = {
                    "valid": bool(result["valid"]),
                    "error_type": result.get("error_type") if not result["valid"] else None,
                }
        except Exception as exc:  # noqa: BLE001 - the official run would stop here
            verdict = {"crash": f"{type(exc).__name__}: {exc}"}
        verdicts.append(verdict)
    Path(out_path).write_text(json.dumps(verdicts))


def official_handler_decodes(version: str, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What each official handler's ``decode_ast`` gives: ``{"decoded": ...}`` or ``{"error": name}``.

    A case has ``handler_module``, ``handler`` (class name), ``result`` and optionally ``language``
    (``python``, ``java`` or ``javascript``: the category's call syntax). The handler is created
    without its constructor (which would start clients); ``decode_ast`` needs none of that state.
    Never give it outputs that its ``eval`` would run as code: the corpora are literals only.
    """
    return list(official_worker(__file__, ["decode", version], version, cases, "official handler worker"))


def official_worker(script: str, args: list[str], version: str, given: Any, what: str) -> Any:
    """Run ``script ARGS GIVEN.json OUT.json`` in the official checker's interpreter (its packages
    on the path, a scratch BFCL project root) and return what it wrote to OUT.json; OracleUnavailable
    (naming ``what``) when it fails."""
    sites = [str(checker_site(version)), str(tree_sitter_site())]
    with tempfile.TemporaryDirectory(prefix="bfcl-oracle-") as scratch:
        given_file, out_file = Path(scratch) / "given.json", Path(scratch) / "out.json"
        given_file.write_text(json.dumps(given))
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(sites),
            "BFCL_PROJECT_ROOT": str(Path(scratch) / "project"),
            "PYTHONWARNINGS": "ignore",
        }
        done = subprocess.run(
            [oracle_python(), "-s", script, *args, str(given_file), str(out_file)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0 or not out_file.exists():
            raise OracleUnavailable(f"{what} failed: {done.stderr.strip()[-2000:]}")
        return json.loads(out_file.read_text())


def _handler_decode(version: str, case: dict[str, Any], language: str) -> Any:
    """The official handler named by ``case`` decodes its ``result`` as the runner calls it."""
    import importlib

    cls = getattr(importlib.import_module(case["handler_module"]), case["handler"])
    handler = object.__new__(cls)
    # What handlers' decode_ast reads of their own state: the mode and the names, as the registry
    # gives them (the constructor would also start clients).
    handler.is_fc_model = case.get("is_fc_model", True)
    handler.model_name = handler.registry_name = case.get("model", "")
    handler.model_name_underline_replaced = handler.model_name.replace("/", "_")
    if version == "v4":
        from bfcl_eval.constants.enums import ReturnFormat

        formats = {"python": ReturnFormat.PYTHON, "java": ReturnFormat.JAVA, "javascript": ReturnFormat.JAVASCRIPT}
        return handler.decode_ast(case["result"], formats[language], False)
    names = {"python": "Python", "java": "Java", "javascript": "JavaScript"}
    return handler.decode_ast(case["result"], names[language])


def _decode_worker(version: str, cases_path: str, out_path: str) -> None:
    _install_stand_ins()
    out = []
    for case in json.loads(Path(cases_path).read_text()):
        try:
            out.append({"decoded": _handler_decode(version, case, case.get("language", "python"))})
        except Exception as exc:  # noqa: BLE001 - the official runner counts any failure as a decode failure
            out.append({"error": type(exc).__name__})
    Path(out_path).write_text(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "decode":
        _decode_worker(*sys.argv[2:5])
    else:
        _worker(*sys.argv[1:4])
