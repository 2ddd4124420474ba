"""The outcome of checking one BFCL entry, and the official failure taxonomy.

A :class:`Verdict` is plain frozen data: whether the entry passed, the official checker's
``error_type`` string when it did not (so our score files and tables line up with published
ones), human-readable reasons, and the decoded calls for reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Verdict", "ErrorType", "ERROR_TYPES"]


class ErrorType:
    """The ``error_type`` strings the official checker writes for single-turn categories.

    Kept as constants so a typo is a NameError, not a silently different category.
    """

    DECODER_FAILED = "ast_decoder:decoder_failed"
    WRONG_OUTPUT_FORMAT = "ast_decoder:decoder_wrong_output_format"

    SIMPLE_WRONG_COUNT = "simple_function_checker:wrong_count"
    WRONG_FUNC_NAME = "simple_function_checker:wrong_func_name"
    MISSING_REQUIRED = "simple_function_checker:missing_required"
    UNEXPECTED_PARAM = "simple_function_checker:unexpected_param"
    MISSING_OPTIONAL = "simple_function_checker:missing_optional"

    TYPE_SIMPLE = "type_error:simple"
    TYPE_NESTED = "type_error:nested"
    TYPE_JAVA = "type_error:java"
    TYPE_JS = "type_error:js"

    VALUE_STRING = "value_error:string"
    VALUE_LIST = "value_error:list/tuple"
    VALUE_DICT_KEY = "value_error:dict_key"
    VALUE_DICT_VALUE = "value_error:dict_value"
    VALUE_LIST_DICT_COUNT = "value_error:list_dict_count"
    VALUE_OTHERS = "value_error:others"
    DICT_UNCLEAR = "dict_checker:unclear"
    LIST_DICT_UNCLEAR = "list_dict_checker:unclear"

    MULTIPLE_WRONG_COUNT = "multiple_function_checker:wrong_count"
    PARALLEL_WRONG_COUNT = "parallel_function_checker_no_order:wrong_count"
    PARALLEL_NO_MATCH = "parallel_function_checker_no_order:cannot_find_match"

    IRRELEVANCE_DECODED = "irrelevance_error:decoder_success"
    RELEVANCE_NOT_DECODED = "relevance_error:decoder_failed"

    # Not in the official taxonomy: the official checker raises (and its whole run stops) on
    # these inputs; we record a failed entry instead.
    CHECKER_UNSUPPORTED = "checker:unsupported_input"


ERROR_TYPES: frozenset[str] = frozenset(value for name, value in vars(ErrorType).items() if name.isupper())


@dataclass(frozen=True)
class Verdict:
    """One entry's result.

    ``error_type`` is ``None`` exactly when ``valid`` is true. ``decoded`` holds the decoded calls
    in BFCL's shape (``[{name: {arg: value}}]``), made JSON-safe (tuples become lists, non-string
    keys and non-finite floats become strings), or ``None`` when decoding failed.
    """

    valid: bool
    error_type: str | None = None
    errors: tuple[str, ...] = ()
    decoded: Any = None

    def __post_init__(self) -> None:
        if self.valid != (self.error_type is None):
            raise ValueError("a Verdict has an error_type exactly when it is not valid")

    @classmethod
    def ok(cls, decoded: Any = None) -> "Verdict":
        return cls(True, None, (), decoded)

    @classmethod
    def fail(cls, error_type: str, *errors: str, decoded: Any = None) -> "Verdict":
        return cls(False, error_type, tuple(errors), decoded)
