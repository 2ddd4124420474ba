"""Reading the ToolGrad-5k layout.

::

    DATASET/
    ├── data/<id>.json                               query + ground-truth response
    ├── prediction/<model>/<split>/<id>.json         one prediction per test id
    └── sft_data/
        ├── test.txt                                 the test ids, one per line
        └── <split>/metadata/<id>.json               "pos_tools": the ground-truth tools

Every file is read as untrusted input. A problem with one sample's files becomes an
:class:`InputFileError` for that sample (recorded, the run goes on); only a dataset whose
test ids cannot be read raises :class:`DatasetError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from toolgrad_eval.detect import is_toolgrad5k as is_toolgrad5k  # the layout test, beside the reader
from toolgrad_eval.errors import DatasetError, InputFileError
from toolgrad_eval.fileio import read_json

DEFAULT_SPLIT = "method=embedding"
DEFAULT_WRITER = "gpt-4.1-mini"
SYNTHETIC_MARKER = "SYNTHETIC.md"


def response_key_for(writer: str) -> str:
    return f"response-unbiased-{writer}"


def is_synthetic(dataset: Path) -> bool:
    return (dataset / SYNTHETIC_MARKER).is_file()


@dataclass(frozen=True)
class ToolCall:
    """One step of a tool-use trace: the call and whether the tool answered without error."""

    tool: Any  # a JSON scalar; the reference puts whatever it finds into the set of called tools
    tool_input: Any
    succeeded: bool  # the reference counts a call as successful only when error == "" exactly
    error: str | None
    response: str


@dataclass(frozen=True)
class StoredEval:
    """A verdict stored in a prediction file by an earlier run (the public release ships these)."""

    recall: float | None
    precision: float | None
    success_rate: float | None
    qor: float | None
    reason: str | None = None  # optional, shown in reports; not part of the reference format


class Prediction:
    """One prediction file. Its stored verdict and status are read at once; the trace and the
    response are validated only when a metric needs them, so a file whose complete stored
    verdict is used scores exactly as in the reference, whatever shape the rest has."""

    def __init__(
        self,
        status: Literal["ok", "empty", "error"],
        *,
        error: str | None = None,
        stored: StoredEval | None = None,
        data: dict[str, Any] | None = None,
        path: Path | None = None,
        response_key: str = "",
    ) -> None:
        self.status = status
        self.error = error
        self.stored = stored
        self._data = data or {}
        self._path = path or Path("?")
        self._key = response_key
        self._calls: tuple[ToolCall, ...] | None = None

    @property
    def calls(self) -> tuple[ToolCall, ...]:
        if self._calls is None:
            steps = self._data.get("intermediate_steps", [])
            if not isinstance(steps, list):
                raise InputFileError(self._path, f'"intermediate_steps" must be a list, got {_type_name(steps)}')
            self._calls = tuple(_parse_step(step, i, self._path) for i, step in enumerate(steps))
        return self._calls

    @property
    def response(self) -> str | None:
        response = self._data.get(self._key)
        if response is not None and not isinstance(response, str):
            raise InputFileError(self._path, f"{self._key!r} must be a string, got {_type_name(response)}")
        return response

    def response_for_display(self) -> str | None:
        try:
            return self.response
        except InputFileError:
            return None


@dataclass(frozen=True)
class Reference:
    """What the judge compares against: the user's query and the ground-truth answer."""

    query: str
    response: str


class Toolgrad5k:
    """One ToolGrad-5k folder, one split, one response key. Reads; never writes."""

    def __init__(self, root: Path, *, split: str = DEFAULT_SPLIT, response_key: str | None = None) -> None:
        self.root = root
        self.split = split
        self.response_key = response_key or response_key_for(DEFAULT_WRITER)
        self.warnings: list[str] = []
        self._prediction_dirs: dict[str, Path] = {}
        self._metadata_dir = root / "sft_data" / split / "metadata"
        self._data_dir = root / "data"

    # --- the dataset as a whole -------------------------------------------------------------

    def test_ids(self) -> list[str]:
        """Test ids from sft_data/test.txt: stripped, blank lines skipped, duplicates counted once."""
        path = self.root / "sft_data" / "test.txt"
        if not self.root.is_dir():
            raise DatasetError(self.root, "dataset folder not found")
        if not path.is_file():
            raise DatasetError(path, "missing: a ToolGrad-5k dataset lists its test ids in sft_data/test.txt")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise DatasetError(path, f"cannot read test ids ({exc})") from None
        ids: list[str] = []
        seen: set[str] = set()
        self.warnings = []
        for lineno, line in enumerate(text.splitlines(), start=1):
            sid = line.strip()
            if not sid:
                continue
            if sid in seen:
                self.warnings.append(f"{path}: line {lineno}: duplicate test id {sid!r} counted once")
                continue
            seen.add(sid)
            ids.append(sid)
        if not ids:
            raise DatasetError(path, "no test ids")
        return ids

    def models(self) -> list[str]:
        pred = self.root / "prediction"
        return sorted(p.name for p in pred.iterdir() if p.is_dir()) if pred.is_dir() else []

    def check_model(self, model: str) -> Path:
        folder = self.root / "prediction" / model / self.split
        if not folder.is_dir():
            known = ", ".join(self.models()) or "none"
            raise DatasetError(
                folder, f"no predictions for model {model!r} and split {self.split!r} (models found: {known})"
            )
        return folder

    # --- one sample -------------------------------------------------------------------------

    def prediction_path(self, model: str, sid: str) -> Path:
        folder = self._prediction_dirs.get(model)
        if folder is None:
            folder = self._prediction_dirs[model] = self.root / "prediction" / model / self.split
        return folder / f"{sid}.json"

    def prediction(self, model: str, sid: str) -> Prediction:
        if "/" in sid or "\\" in sid or sid in (".", "..") or "\x00" in sid:
            raise InputFileError(self.root / "sft_data" / "test.txt", f"{sid!r} is not a usable sample id")
        path = self.prediction_path(model, sid)
        data = read_json(path, missing=f"no prediction file for test id {sid!r}")
        return parse_prediction(data, path, self.response_key)

    def gt_tools(self, sid: str) -> tuple[str, ...]:
        path = self._metadata_dir / f"{sid}.json"
        data = read_json(path)
        if not isinstance(data, dict) or "pos_tools" not in data:
            raise InputFileError(path, 'expected an object with "pos_tools"')
        return parse_pos_tools(data["pos_tools"], path)

    def check_metadata(self, sid: str) -> None:
        """That the metadata file exists (cheaply: a stored verdict needs no recall computed, but a
        dataset missing the file is broken all the same)."""
        path = self._metadata_dir / f"{sid}.json"
        if not path.is_file():
            raise InputFileError(path, "file not found")

    def reference(self, sid: str) -> Reference:
        path = self._data_dir / f"{sid}.json"
        data = read_json(path)
        if not isinstance(data, dict):
            raise InputFileError(path, "expected a JSON object")
        query, response = data.get("query"), data.get("response")
        if not isinstance(query, str):
            raise InputFileError(path, f'"query" must be a string, got {_type_name(query)}')
        if not isinstance(response, str):
            raise InputFileError(path, f'"response" must be a string, got {_type_name(response)}')
        return Reference(query=query, response=response)


def parse_pos_tools(value: Any, path: Path) -> tuple[str, ...]:
    """Ground-truth tool names: the keys of a dict (the release) or the items of a list (newer formatter)."""
    if isinstance(value, dict):
        names = list(value.keys())
    elif isinstance(value, list):
        names = []
        for item in value:
            if isinstance(item, str):
                names.append(item)
            elif isinstance(item, dict) and isinstance(item.get("name", item.get("tool")), str):
                names.append(item.get("name", item.get("tool")))
            else:
                raise InputFileError(path, f'"pos_tools" list items must be tool names, got {_type_name(item)}')
    else:
        raise InputFileError(path, f'"pos_tools" must be an object or a list, got {_type_name(value)}')
    return tuple(dict.fromkeys(names))


def parse_prediction(data: Any, path: Path, response_key: str) -> Prediction:
    """Parse a prediction file's content.

    As in the reference evaluator, a stored ``"eval"`` block is read first (it may accompany an
    errored prediction), and a prediction counts as failed when it is ``{}`` or merely *has* an
    ``"error"`` key, whatever its value.
    """
    if not isinstance(data, dict):
        raise InputFileError(path, f"a prediction must be a JSON object, got {_type_name(data)}")
    stored = _parse_stored_eval(data["eval"], path) if "eval" in data else None
    if not data:
        return Prediction("empty")
    if "error" in data:
        return Prediction("error", error=_short(str(data["error"])), stored=stored)
    return Prediction("ok", stored=stored, data=data, path=path, response_key=response_key)


def _parse_step(step: Any, index: int, path: Path) -> ToolCall:
    """An [action, observation] pair; like the reference, only the first two items are read."""
    where = f"intermediate_steps[{index}]"
    if not isinstance(step, (list, tuple)) or len(step) < 2:
        raise InputFileError(path, f"{where} must be an [action, observation] pair")
    action, observation = step[0], step[1]
    if not isinstance(action, dict) or "tool" not in action:
        raise InputFileError(path, f'{where}: the action must be an object with a "tool"')
    tool = action["tool"]
    if isinstance(tool, (dict, list)):
        raise InputFileError(path, f'{where}: "tool" must be a name, got {_type_name(tool)}')
    if not isinstance(observation, dict):
        raise InputFileError(path, f"{where}: the observation must be an object, got {_type_name(observation)}")
    error = observation.get("error")
    response = observation.get("response", "")
    return ToolCall(
        tool=tool,
        tool_input=action.get("tool_input"),
        succeeded=error == "",
        error=None if error == "" else _short(str(error)),
        response=response if isinstance(response, str) else str(response),
    )


def _parse_stored_eval(value: Any, path: Path) -> StoredEval:
    """Each stored metric is reused on its own; a missing or null one is computed afresh."""
    if not isinstance(value, dict):
        raise InputFileError(path, f'"eval" must be an object, got {_type_name(value)}')
    accuracy = value.get("tool_accuracy")
    recall = precision = None
    if accuracy is not None:
        if not isinstance(accuracy, dict):
            raise InputFileError(path, f'"eval.tool_accuracy" must be an object, got {_type_name(accuracy)}')
        recall = _number(accuracy.get("recall"), "eval.tool_accuracy.recall", path)
        precision = _number(accuracy.get("precision"), "eval.tool_accuracy.precision", path)
        if (recall is None) != (precision is None):
            raise InputFileError(path, '"eval.tool_accuracy" needs both "recall" and "precision"')
    return StoredEval(
        recall=recall,
        precision=precision,
        success_rate=_number(value.get("success_rate"), "eval.success_rate", path),
        qor=_number(value.get("qor"), "eval.qor", path),
        reason=value["reason"] if isinstance(value.get("reason"), str) else None,
    )


def _number(value: Any, name: str, path: Path) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputFileError(path, f'"{name}" must be a number, got {_type_name(value)}')
    try:
        number = float(value)
    except OverflowError:
        raise InputFileError(path, f'"{name}" is too large') from None
    if number != number or number in (float("inf"), float("-inf")):
        raise InputFileError(path, f'"{name}" must be a finite number')
    return number


def _short(text: str, limit: int = 500) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__
    )
