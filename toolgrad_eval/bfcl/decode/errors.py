"""The one exception decoders raise: the output cannot be read as function calls."""

from __future__ import annotations


class DecodeError(Exception):
    """The model output does not decode; its message says why, in one line.

    Not a :class:`~toolgrad_eval.errors.ToolgradError`: an undecodable output is a property of
    the model's answer (a failed entry), not something the user can fix.
    """
