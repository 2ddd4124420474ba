"""Run decoded call strings on simulator instances the way BFCL's checker does, without ``eval``.

The official checker prefixes every ``name(`` in a call string whose name is a public method of an
involved class with that class's instance name (a regular expression over the whole string, string
literals included: ``echo(content='ls()')`` writes ``<instance>.ls()`` into the file), refuses a
few names (``kill``, ``exit``...) and then ``eval``s the string. We apply the same rewriting, parse
the string with :mod:`ast` (so a syntax error reads the same) and walk the tree: literals and
containers are built, calls go only to public methods of this entry's instances, by name. Anything
else (a builtin, a module, a private or dunder attribute, an operator other than the signs and the
``a+bj`` of a complex literal) is refused with an error result instead of being run; the refusal
text is ours (``toolgrad-eval does not run ...``), everything else reads as the official result.

Results are turned into strings as the official checker does: a string as it is, a ``dict`` as
JSON (``str`` when JSON fails), anything else ``str``; an exception becomes
``"Error during execution: <message>"``.
"""

from __future__ import annotations

import ast
import builtins
import copy
import inspect
import json
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

from toolgrad_eval.bfcl.multi_turn.simulators import STATELESS

__all__ = ["BoundExceeded", "Side", "instance_name"]

Version = Literal["v3", "v4"]

_CALL_NAME = re.compile(r"\b([a-zA-Z_]\w*)\s*(?=\()")
_REFUSED_BY_OFFICIAL = frozenset({"kill", "exit", "quit", "remove", "unlink", "popen", "Popen", "run"})
# Names the official eval would find besides the instances: builtins and the checker module's own
# globals. We never call them; a call to one is an error result (theirs would run it).
_OFFICIAL_GLOBALS = frozenset(
    {"copy", "importlib", "inspect", "json", "re", "CLASS_FILE_PATH_MAPPING", "STATELESS_CLASSES"}
    | {"execute_multi_turn_func_call", "is_empty_execute_response", "_process_method_calls"}
)
_KNOWN_NAMES = frozenset(dir(builtins)) | _OFFICIAL_GLOBALS
_PREFIX = "Error during execution: "


class BoundExceeded(Exception):
    """An entry's execution ran out of its memory bound (MemoryError inside a simulator)."""


class _Refused(Exception):
    pass


def instance_name(version: Version, model: str, entry_id: str, class_name: str) -> str:
    """The official name of one instance (``model`` already carries ``_ground_truth`` for the answer
    side); it matters because the rewriting writes it into string arguments."""
    if version == "v4":
        return re.sub(r"[-./:]", "_", f"{model}_eval_{entry_id}_{class_name}_instance")
    escaped = f"{model}_eval".replace("-", "_").replace(".", "_").replace("/", "_")
    return f"{escaped}_{entry_id}_{class_name.lower()}_instance"


_PUBLIC_METHODS: dict[type, list[str]] = {}


def _public_methods(instance: Any) -> list[str]:
    cls = type(instance)
    if cls not in _PUBLIC_METHODS:
        _PUBLIC_METHODS[cls] = [n for n, _ in inspect.getmembers(instance, inspect.ismethod) if not n.startswith("_")]
    return _PUBLIC_METHODS[cls]


@dataclass
class Side:
    """One side of an entry (the model's or the ground truth's): its instances, kept across turns."""

    instances: dict[str, Any]  # class name -> instance, in involved_classes order
    names: dict[str, str]  # instance name -> class name
    owner: dict[str, str] = field(default_factory=dict)  # method name -> instance name

    @classmethod
    def create(
        cls,
        classes: dict[str, type],
        involved: list[str],
        initial_config: dict[str, Any],
        *,
        long_context: bool,
        model: str,
        entry_id: str,
        version: Version,
    ) -> "Side":
        instances: dict[str, Any] = {}
        names: dict[str, str] = {}
        owner: dict[str, str] = {}
        for class_name in involved:
            if class_name not in classes:
                raise KeyError(class_name)
            instance = classes[class_name]()
            if class_name not in STATELESS:
                config = initial_config.get(class_name, {})
                instance._load_scenario(copy.deepcopy(config), long_context=long_context)
            name = instance_name(version, model, entry_id, class_name)
            instances[class_name] = instance
            names[name] = class_name
            for method in _public_methods(instance):
                owner[method] = name
        return cls(instances, names, owner)

    def execute(self, calls: list[str]) -> list[str]:
        """Each call's result, as the official checker records it."""
        return [self._one(call) for call in calls]

    def _one(self, call: str) -> str:
        source = _CALL_NAME.sub(self._prefix, call)
        head = source.split("(")[0] if "(" in source else source
        if "." in head:
            head = head.split(".")[1]
        if head in _REFUSED_BY_OFFICIAL:
            return f"{_PREFIX}Function call {head} is not allowed."
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escapes only warn
                tree = ast.parse(source.lstrip(" \t"), filename="<string>", mode="eval")
        except (SyntaxError, ValueError) as exc:
            return f"{_PREFIX}{exc}"
        except (MemoryError, RecursionError) as exc:
            return f"{_PREFIX}{type(exc).__name__}"
        try:
            result = self._value(tree.body)
        except _Refused as exc:
            return f"{_PREFIX}toolgrad-eval does not run {exc}"
        except MemoryError:
            raise BoundExceeded("memory") from None
        except Exception as exc:  # noqa: BLE001 - the official checker records any exception alike
            return f"{_PREFIX}{exc}"
        if type(result) is str:
            return result
        if type(result) is dict:
            try:
                return json.dumps(result)
            except Exception:  # noqa: BLE001 - as the official checker falls back
                return str(result)
        return str(result)

    def _prefix(self, match: re.Match[str]) -> str:
        name = match.group(1)
        return f"{self.owner[name]}.{name}" if name in self.owner else name

    # The tree walk: the node kinds repr() of decoded values and the call syntax produce, nothing else.
    def _value(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.List):
            return [self._value(e) for e in node.elts]
        if isinstance(node, ast.Tuple):
            return tuple(self._value(e) for e in node.elts)
        if isinstance(node, ast.Set):
            return {self._value(e) for e in node.elts}
        if isinstance(node, ast.Dict):
            out = {}
            for k, v in zip(node.keys, node.values):
                if k is None:
                    raise _Refused("** in a dict")
                key = self._value(k)
                out[key] = self._value(v)
            return out
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self._value(node.operand)
            if type(operand) not in (int, float, complex, bool):
                raise _Refused(f"a sign on {type(operand).__name__}")
            return -operand if isinstance(node.op, ast.USub) else +operand
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)) and _is_imaginary(node.right):
            left = self._value(node.left)  # repr() of a complex number: (a+bj)
            if type(left) not in (int, float):
                raise _Refused("arithmetic")
            right: complex = node.right.value  # type: ignore[attr-defined]
            return left + right if isinstance(node.op, ast.Add) else left - right
        if isinstance(node, ast.Name):
            if node.id in _KNOWN_NAMES or node.id in self.names:
                raise _Refused(f"the name {node.id!r}")
            raise NameError(f"name {node.id!r} is not defined")
        if isinstance(node, ast.Call):
            return self._call(node)
        raise _Refused(f"a {type(node).__name__} expression")

    def _call(self, node: ast.Call) -> Any:
        func = node.func
        method = None
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in self.names:
            if func.attr.startswith("_"):
                raise _Refused(f"the private attribute {func.attr!r}")
            instance = self.instances[self.names[func.value.id]]
            method = getattr(instance, func.attr)  # AttributeError reads as the official one
            if not inspect.ismethod(method):
                raise TypeError(f"'{type(method).__name__}' object is not callable")
        else:
            root = func
            while isinstance(root, ast.Attribute):
                root = root.value
            if not isinstance(root, ast.Name):
                raise _Refused(f"a call of a {type(root).__name__} expression")
            if root.id not in _KNOWN_NAMES and root.id not in self.names:
                raise NameError(f"name {root.id!r} is not defined")
        args = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise _Refused("* arguments")
            args.append(self._value(arg))
        kwargs = {}
        for keyword in node.keywords:
            if keyword.arg is None:
                raise _Refused("** arguments")
            kwargs[keyword.arg] = self._value(keyword.value)
        if method is None:
            raise _Refused(f"{ast.unparse(func)!r} (not a simulator method)")
        return method(*args, **kwargs)


def _is_imaginary(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is complex
