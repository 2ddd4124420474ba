"""User-actionable errors.

Everything the user can fix (a missing file, malformed JSON, a bad option) is raised as a
subclass of :class:`ToolgradError`. The CLI prints its message as one line and exits non-zero,
so the message must name the file and say what is wrong.
"""

from __future__ import annotations

from pathlib import Path


class ToolgradError(Exception):
    """Base class for errors the user can act on."""


class DatasetError(ToolgradError):
    """The dataset as a whole cannot be read; the run stops."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class InputFileError(ToolgradError):
    """One input file is unreadable or has the wrong shape (usually recorded per sample)."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class ConfigError(ToolgradError):
    """An option, template or configuration file is invalid."""


class OutputError(ToolgradError, OSError):
    """An output file cannot be written (a read-only folder, a full disk): one line naming it.

    Also an ``OSError`` carrying the system's errno and reason, so code that already turns a failed
    write into its own message (``--score-dir``, the cache's marker) keeps doing so."""

    def __init__(self, path: Path | str, error: OSError) -> None:
        OSError.__init__(self, error.errno, error.strerror or str(error))
        self.path = Path(path)

    def __str__(self) -> str:
        return f"{self.path}: cannot write ({self.strerror})"
