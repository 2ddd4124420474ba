"""The package's import graph has a direction: no cycles (at any level: module top, function
bodies, and ``if TYPE_CHECKING:`` blocks: a circle of annotations is still two modules that must
be read together), and the judge imports nothing above it (no benchmark, runner, record, report
or CLI)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "toolgrad_eval"
ABOVE_THE_JUDGE = (
    "toolgrad_eval.toolgrad5k",
    "toolgrad_eval.bfcl",
    "toolgrad_eval.cli",
    "toolgrad_eval.leaderboard",
    "toolgrad_eval.report",
    "toolgrad_eval.record",
    "toolgrad_eval.demo",
    "toolgrad_eval.diff",
    "toolgrad_eval.generate",
    "toolgrad_eval.toolbench",
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


# Any cycle fails, type-only ones included.
PENDING: set[frozenset[str]] = set()


def _imports(tree: ast.AST, modules: set[str]) -> set[str]:
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {name for name in found if name in modules}


def graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts}
    modules = set(paths)
    edges = {}
    for name, path in paths.items():
        targets = _imports(ast.parse(path.read_text(encoding="utf-8")), modules)
        # importing a.b.c imports the package a.b: only the module itself is the edge we keep
        edges[name] = {t for t in targets if t != name and not name.startswith(t + ".")}
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def test_no_import_cycles():
    assert [c for c in _cycles(graph()) if frozenset(c) not in PENDING] == []


def test_the_judge_imports_nothing_above_it():
    upward = {
        (name, target)
        for name, targets in graph().items()
        if name.startswith("toolgrad_eval.judge")
        for target in targets
        if target.startswith(ABOVE_THE_JUDGE)
    }
    assert upward == set()


def test_the_checks_can_fail():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    tree = ast.parse("import x.y\nif TYPE_CHECKING:\n    import x.z\ndef f():\n    from x import w\n")
    assert _imports(tree, {"x.y", "x.z", "x.w"}) == {"x.y", "x.z", "x.w"}  # type-only imports count


def test_modules_have_plain_names_and_no_private_name_crosses_modules() -> None:
    """The convention in docs/ARCHITECTURE.md: no ``_module.py``; an underscored name is private to
    its module, so nothing imports one from another module."""
    underscored = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("_*.py")
        if p.name != "__init__.py" and p.name != "__main__.py"
    ]
    assert underscored == []
    crossing = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("toolgrad_eval"):
                crossing += [
                    f"{path.relative_to(PACKAGE)}: {alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_") and not alias.name.startswith("__")
                ]
    assert crossing == []


# No exception: every CLI function is within the limit.
LONG_PENDING: set[str] = set()
MAX_CLI_FUNCTION_LINES = 60


def test_no_cli_function_is_over_60_lines() -> None:
    """A command parses options, calls the library and prints (docs/ARCHITECTURE.md): a long CLI
    function is library code in the wrong place."""
    long = []
    for path in sorted((PACKAGE / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_CLI_FUNCTION_LINES and f"{path.name}:{node.name}" not in LONG_PENDING:
                    long.append(f"{path.name}:{node.name} ({lines} lines)")
    assert long == []
