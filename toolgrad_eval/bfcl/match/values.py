"""Value rules of BFCL's AST checker: types, strings, lists, dicts.

Each function returns ``None`` when the value is acceptable, else a :class:`Mismatch` carrying
the official ``error_type``. The rules, as the official checker applies them:

* **Allowed values.** An answer is a list of acceptable values per parameter; ``""`` in it means
  the parameter may be omitted (and, a quirk kept here, makes an empty list acceptable for a
  list parameter and skips the element-type check of an array).
* **Types.** The declared type maps to a Python type, compared exactly (``bool`` is not an
  ``int``). If the answer's own values have another type the parameter is treated as a
  "variable": a value of the answer's type is accepted and compared exactly. Arrays and tuples
  check their elements one level deep against any one answer list; the int-for-float leniency
  does not apply inside them.
* **Strings** compare after removing spaces and ``,./-_*^``, lower-casing and turning ``'`` into
  ``"``; inside lists only top-level string elements are normalised; inside dicts only values.
* **Dicts** compare key by key against each non-empty answer dict; **lists of dicts** compare
  position by position.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from toolgrad_eval.bfcl.verdict import ErrorType

# Characters the official string comparison ignores (ASCII space only, not other whitespace).
_IGNORED = str.maketrans("", "", " ,./-_*^")


@dataclass(frozen=True)
class Mismatch:
    """Why a value (or call) was rejected: an official error type and our explanation(s)."""

    error_type: str
    errors: tuple[str, ...]


def mismatch(error_type: str, *errors: str) -> Mismatch:
    return Mismatch(error_type, errors)


def normalise(text: str) -> str:
    """The official string normalisation (case, spaces, some punctuation, quote style)."""
    return text.translate(_IGNORED).lower().replace("'", '"')


def _normalise_strings(values: Sequence[Any]) -> list[Any]:
    return [normalise(v) if type(v) is str else v for v in values]


def answer_type(answers: Sequence[Any]) -> type | None:
    """Type of the first answer that is not the "may be omitted" marker ``""``."""
    for answer in answers:
        if answer != "":
            return type(answer)
    return None


@dataclass(frozen=True)
class TypeResult:
    mismatch: Mismatch | None
    is_variable: bool = False


def check_type(
    param: str, value: Any, answers: Sequence[Any], type_name: str, expected: type, nested: type | None
) -> TypeResult:
    """The official type rule, including its "variable" escape hatch and one-level nesting."""
    declared_answer_type = answer_type(answers)
    is_variable = declared_answer_type is not None and declared_answer_type is not expected
    elements: Any = value  # (kept un-narrowed for the element loop below)
    if type(value) is expected:
        if nested is None:
            return TypeResult(None, is_variable)
        for allowed in answers:
            # a non-list answer (such as "") imposes no element type
            if type(allowed) is not list or all(_element_ok(item, allowed, nested) for item in elements):
                return TypeResult(None, is_variable)
        if type(value) is declared_answer_type:
            return TypeResult(
                mismatch(
                    ErrorType.TYPE_NESTED,
                    f"Parameter {param!r}: every element of the {type_name} should be a "
                    f"{nested.__name__}; got {value!r}.",
                )
            )
    elif declared_answer_type is not None and type(value) is declared_answer_type:
        return TypeResult(None, True)
    return TypeResult(
        mismatch(
            ErrorType.TYPE_SIMPLE,
            f"Parameter {param!r} should be of type {type_name}, got {type(value).__name__}: {value!r}.",
        )
    )


def _element_ok(item: Any, allowed: list[Any], nested: type) -> bool:
    if type(item) is nested:
        return True
    element_answer_type = answer_type(allowed)
    return element_answer_type is not None and type(item) is element_answer_type


def check_string(param: str, value: str, answers: Sequence[Any]) -> Mismatch | None:
    if normalise(value) in [normalise(a) for a in answers if type(a) is str]:
        return None
    return mismatch(
        ErrorType.VALUE_STRING,
        f"Parameter {param!r}: {value!r} is not one of {list(answers)!r} (compared ignoring case, spaces and ,./-_*^).",
    )


def check_list(param: str, value: Sequence[Any], answers: Sequence[Any]) -> Mismatch | None:
    candidate = _normalise_strings(list(value))
    for allowed in answers:
        if candidate == _normalise_strings(_iterable(allowed)):
            return None
    return mismatch(
        ErrorType.VALUE_LIST,
        f"Parameter {param!r}: {list(value)!r} is not one of {list(answers)!r}.",
    )


def _iterable(answer: Any) -> Sequence[Any]:
    """An answer seen as a sequence, as the official index loop sees it ("" is empty)."""
    if isinstance(answer, (list, tuple, str)):
        return answer
    raise TypeError(f"answer {answer!r} is not a list")


def check_dict(param: str, value: dict[Any, Any], answers: Sequence[Any]) -> Mismatch | None:
    """Accept when some non-empty answer dict matches. Official quirk: when no answer dict is
    given (only ``""``), a provided dict is rejected as ``dict_checker:unclear``; and a missing
    key overrides an earlier wrong-value error type."""
    result: Mismatch | None = mismatch(
        ErrorType.DICT_UNCLEAR, f"Parameter {param!r}: no dictionary answer to compare with."
    )
    for allowed in answers:
        if allowed == "":
            continue
        result = _compare_dict(value, allowed)
        if result is None:
            return None
    return result


def _compare_dict(value: dict[Any, Any], allowed: Any) -> Mismatch | None:
    found: Mismatch | None = None
    for key, item in value.items():
        if key not in allowed:
            found = mismatch(ErrorType.VALUE_DICT_KEY, f"Unexpected dictionary key {key!r}.")
            break
        options = _normalise_strings(_iterable(allowed[key]))
        if (normalise(item) if type(item) is str else item) not in options:
            found = mismatch(
                ErrorType.VALUE_DICT_VALUE,
                f"Dictionary key {key!r}: {item!r} is not one of {options!r}.",
            )
            break
    # the official checker looks for missing keys even after a failure, and the later
    # error type wins
    for key, options in allowed.items():
        if key not in value and "" not in options:
            errors = (found.errors if found else ()) + (f"Missing dictionary key {key!r}.",)
            return Mismatch(ErrorType.VALUE_DICT_KEY, errors)
    return found


def check_list_of_dicts(param: str, value: Sequence[Any], answers: Sequence[Any]) -> Mismatch | None:
    result = mismatch(ErrorType.LIST_DICT_UNCLEAR, f"Parameter {param!r}: no answer to compare with.")
    for allowed in answers:
        allowed_items = _iterable(allowed)
        if len(value) != len(allowed_items):
            result = mismatch(
                ErrorType.VALUE_LIST_DICT_COUNT,
                f"Parameter {param!r}: {len(value)} dictionaries given, {len(allowed_items)} expected.",
            )
            continue
        failed = None
        for item, expected in zip(value, allowed_items):
            if not isinstance(item, dict):
                raise TypeError(f"list element {item!r} is not a dictionary")
            failed = check_dict(param, item, [expected])
            if failed is not None:
                break
        if failed is None:
            return None
        result = failed
    return result


def check_allowed(param: str, value: Any, answers: Sequence[Any]) -> Mismatch | None:
    if value in answers:
        return None
    return mismatch(ErrorType.VALUE_OTHERS, f"Parameter {param!r}: {value!r} is not one of {list(answers)!r}.")


def number_or_text(text: str) -> Any:
    """Python's ``int``, else ``float``, else the text: the last step of both the Java and the
    JavaScript official converters for an untyped literal (so ``"1_000"`` and ``" 7"`` are numbers)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text
