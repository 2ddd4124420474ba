"""Finding and reading run records (``summary.json`` + ``per_sample.jsonl``) for the leaderboard."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from toolgrad_eval.bfcl.aggregate import CategoryScore, model_card
from toolgrad_eval.bfcl.categories import to_v4
from toolgrad_eval.errors import InputFileError, ToolgradError
from toolgrad_eval.conninfo import redact_conninfo
from toolgrad_eval.fileio import iter_lines, loads_bounded, read_json
from toolgrad_eval.leaderboard.columns import BENCHMARKS, COLUMNS, TOOLBENCH_TEST_SETS, bfcl_weights
from toolgrad_eval.leaderboard.text import MAX_TEXT, BuildMessage, clean_text, literal
from toolgrad_eval.record import PER_SAMPLE_FILE, SCHEMA, SUMMARY_FILE


@dataclass(frozen=True)
class Stratum:
    """Per-sample values (sample id -> value) that enter a column with a fixed weight."""

    weight: float
    values: Mapping[str, float]


@dataclass(frozen=True)
class Run:
    """One run record, with its column values in display units and its per-sample outcomes."""

    path: Path
    benchmark: str
    model: str
    synthetic: bool
    summary: Mapping[str, Any]
    samples: tuple[Mapping[str, Any], ...]
    has_per_sample: bool
    values: Mapping[str, float | None]
    # BFCL: category (v4 name) -> {id: 1.0 pass / 0.0 fail}; ToolGrad-5k: metric -> {id: value}.
    outcomes: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    # BFCL: category -> entry count from the summary (what the per-sample rows must cover).
    sizes: Mapping[str, int] = field(default_factory=dict)

    @property
    def data_version(self) -> str | None:
        version = self.summary.get("data_version")
        return str(version) if version is not None else None

    @property
    def created_at(self) -> str:
        value = self.summary.get("created_at")
        return value if isinstance(value, str) else ""

    @property
    def partial(self) -> str | None:
        """``partial: n of N judged`` when the record says its judge left too much unjudged, else None."""
        judged, needed = self.summary.get("n_judged"), self.summary.get("n_needing_judgment")
        if self.summary.get("partial") is not True or not isinstance(judged, int) or not isinstance(needed, int):
            return None
        return f"partial: {judged} of {needed} judged"

    @property
    def n_samples(self) -> int | None:
        n = self.summary.get("n_samples")
        return n if isinstance(n, int) else None

    def strata(self, column: str) -> list[Stratum] | None:
        """The per-sample values behind ``column``; None when they are missing or incomplete."""
        if self.benchmark == "toolgrad5k":
            values = self.outcomes.get(column)
            return [Stratum(1.0, values)] if values else None
        weights = bfcl_weights(column, self.sizes) if self.benchmark == "bfcl" else toolbench_weights(column)
        strata = []
        for category, weight in weights.items():
            values = self.outcomes.get(category)
            # A category whose per-sample rows do not cover every scored entry cannot be resampled.
            if values is None or len(values) != self.sizes.get(category):
                return None
            strata.append(Stratum(weight, values))
        return strata


def discover_runs(roots: Sequence[Path], *, include_synthetic: bool = True) -> tuple[list[Run], list[BuildMessage]]:
    """Every run record under ``roots`` (searched recursively), and notes on what was skipped.
    ``include_synthetic=False``: records of synthetic (demo) data are left out, with one note."""
    runs: list[Run] = []
    left_out = 0
    notes: list[BuildMessage] = []
    seen: set[Path] = set()
    for root in roots:
        if not root.is_dir():
            raise InputFileError(root, "runs folder not found (run toolgrad-eval first, or pass --runs DIR)")
        for summary_path in sorted(root.rglob(SUMMARY_FILE)):
            resolved = summary_path.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            try:
                run, note = load_run(summary_path)
            except InputFileError as exc:  # one damaged record must not stop the whole report
                run, note = None, _set_aside(summary_path, exc)
            except ToolgradError as exc:
                run, note = None, BuildMessage.about(summary_path, f"skipped, unreadable run record: {exc}")
            except (ValueError, TypeError, KeyError, AttributeError) as exc:  # fields of the wrong shape
                run, note = (
                    None,
                    BuildMessage.about(summary_path, f"skipped, damaged run record ({type(exc).__name__}: {exc})"),
                )
            if run is not None and run.synthetic and not include_synthetic:
                left_out += 1
                continue
            if run is not None:
                runs.append(run)
            if note:
                notes.append(note)
    if left_out:
        notes.append(
            BuildMessage(
                literal(
                    f"{left_out} run record(s) of SYNTHETIC demo data left out (pass --include-synthetic to show them)"
                )
            )
        )
    return runs, notes


def _set_aside(summary_path: Path, exc: InputFileError) -> BuildMessage:
    """The note on a record set aside: the file at fault named once (a page shows it without the
    author's folders), then what is wrong with it."""
    problem = literal(exc.problem)
    if exc.path == summary_path:
        return BuildMessage("{}: skipped, unreadable run record: " + problem, (summary_path,))
    return BuildMessage("{}: skipped, unreadable run record: {}: " + problem, (summary_path, exc.path))


def load_run(summary_path: Path) -> tuple[Run | None, BuildMessage | None]:
    """Read one run record; a summary.json that is not ours is skipped with a note. A record that
    breaks the record schema (record_schema.py: NaN, a negative count, an accuracy above 1, rows of
    another benchmark) is an InputFileError naming the file and the first problems."""
    summary = read_json(summary_path, finite=True)
    if not isinstance(summary, dict) or summary.get("schema") != SCHEMA:
        return None, BuildMessage.about(
            summary_path, f"skipped, not a toolgrad-eval run record (schema is not {SCHEMA})"
        )
    benchmark = summary.get("benchmark")
    if benchmark not in BENCHMARKS:
        return None, BuildMessage.about(summary_path, f"skipped, benchmark {benchmark!r} is not on the leaderboard")
    model = summary.get("model")
    if not isinstance(model, str) or not model:
        raise InputFileError(summary_path, "summary has no model name")
    from toolgrad_eval.record_schema import summary_problems  # pydantic: only where records are read

    problems = summary_problems(summary)
    if problems:
        raise InputFileError(summary_path, f"not a valid run record ({'; '.join(problems)})")
    # A command line stored by an older release may carry a database password: never shown again.
    if isinstance(summary.get("command"), str):
        summary = {**summary, "command": redact_conninfo(summary["command"])}
    # The name is shown everywhere (titles, headings, file names): no controls or bidi overrides.
    model = clean_text(model, 100_000)
    per_sample_path = summary_path.with_name(PER_SAMPLE_FILE)
    has_per_sample = per_sample_path.is_file()
    note = (
        None
        if has_per_sample
        else BuildMessage.about(summary_path, f"no {PER_SAMPLE_FILE}, so no confidence intervals for {model}")
    )
    samples: tuple[Mapping[str, Any], ...] = ()
    if has_per_sample:
        rows, digest = _read_rows(per_sample_path, benchmark)
        expected = summary.get("per_sample_sha256")
        if not isinstance(expected, str) or digest == expected:
            samples = tuple(rows)
        else:
            has_per_sample = False
            note = BuildMessage.about(
                summary_path,
                f"its {PER_SAMPLE_FILE} belongs to another run (a write was "
                f"interrupted?), so no per-sample data for {model}: run it again to rewrite both",
            )
    common = dict(
        path=summary_path.parent,
        benchmark=benchmark,
        model=model,
        synthetic=summary.get("synthetic") is True,
        summary=summary,
        samples=samples,
        has_per_sample=has_per_sample,
    )
    if benchmark == "bfcl":
        return _bfcl_run(summary_path, summary, samples, common), note
    if benchmark == "toolbench":
        return _toolbench_run(summary, samples, common), note
    return _toolgrad5k_run(summary, samples, common), note


def _toolgrad5k_run(summary: Mapping[str, Any], samples: Sequence[Mapping[str, Any]], common: dict) -> Run:
    values: dict[str, float | None] = {}
    outcomes: dict[str, dict[str, float]] = {}
    for col in COLUMNS["toolgrad5k"]:
        raw = summary.get(col.key)
        values[col.key] = float(raw) * col.run_factor if isinstance(raw, (int, float)) else None
        # Null per-sample values (judge errors, samples that drop out of Success Rate) are not in the mean.
        outcomes[col.key] = {
            str(row["id"]): float(row[col.key])
            for row in samples
            if "id" in row and isinstance(row.get(col.key), (int, float))
        }
    return Run(values=values, outcomes=outcomes, **common)


def _bfcl_run(
    summary_path: Path, summary: Mapping[str, Any], samples: Sequence[Mapping[str, Any]], common: dict
) -> Run:
    version = str(summary.get("data_version") or "v4")
    categories = summary.get("categories")
    if not isinstance(categories, dict):
        raise InputFileError(summary_path, "BFCL summary has no 'categories' object")
    scores: dict[str, CategoryScore] = {}
    for name, info in categories.items():
        if (
            not isinstance(info, dict)
            or not isinstance(info.get("accuracy"), (int, float))
            or not isinstance(info.get("total_count"), int)
        ):
            raise InputFileError(summary_path, f"category {name!r} needs a numeric accuracy and an integer total_count")
        scores[to_v4(version, name)] = CategoryScore(float(info["accuracy"]), info["total_count"])
    # The model-card columns by BFCL's rules (None where a category they need was not scored).
    card = model_card(scores)
    values: dict[str, float | None] = {}
    for col in COLUMNS["bfcl"]:
        fraction = card[col.key]
        values[col.key] = None if fraction is None else fraction * col.run_factor
    sizes = {category: score.total_count for category, score in scores.items()}
    outcomes: dict[str, dict[str, float]] = {}
    for row in samples:
        if "id" in row and isinstance(row.get("category"), str):
            category = to_v4(version, row["category"])
            outcomes.setdefault(category, {})[str(row["id"])] = 1.0 if row.get("valid") is True else 0.0
    return Run(values=values, outcomes=outcomes, sizes=sizes, **common)


def toolbench_weights(column: str) -> dict[str, float]:
    """A ToolBench column's strata: one test set, or (Average) each of the six with weight 1/6.
    Categories are "<metric>_<test set>", the per-query values of that metric on that set."""
    metric, _, test_set = column.partition("_")
    if test_set != "average":
        return {column: 1.0}
    sets = [s for s in TOOLBENCH_TEST_SETS if s != "average"]
    return {f"{metric}_{s}": 1 / len(sets) for s in sets}


def _toolbench_run(summary: Mapping[str, Any], samples: Sequence[Mapping[str, Any]], common: dict) -> Run:
    """Values in % as the summary holds them; the Average only over all six standard test sets
    (a run of fewer sets would otherwise be compared with a six-set mean); per-query values in %."""
    values: dict[str, float | None] = {}
    sizes: dict[str, int] = {}
    for metric in ("sopr", "sowr"):
        found, counts = summary.get(metric) or {}, summary.get(f"{metric}_n") or {}
        for test_set in TOOLBENCH_TEST_SETS:
            raw = found.get(test_set) if isinstance(found, dict) else None
            values[f"{metric}_{test_set}"] = (
                float(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else None
            )
            n = counts.get(test_set) if isinstance(counts, dict) else None
            if isinstance(n, int) and test_set != "average":
                sizes[f"{metric}_{test_set}"] = n
        if any(values[f"{metric}_{s}"] is None for s in TOOLBENCH_TEST_SETS if s != "average"):
            values[f"{metric}_average"] = None
    outcomes: dict[str, dict[str, float]] = {}
    for row in samples:
        if "id" not in row or not isinstance(row.get("test_set"), str):
            continue
        score, preference = row.get("score"), row.get("preference")
        if isinstance(score, (int, float)) and not isinstance(score, bool):
            outcomes.setdefault(f"sopr_{row['test_set']}", {})[str(row["id"])] = 100.0 * float(score)
        if preference in ("win", "tie", "loss"):
            outcomes.setdefault(f"sowr_{row['test_set']}", {})[str(row["id"])] = 100.0 if preference == "win" else 0.0
    return Run(values=values, outcomes=outcomes, sizes=sizes, **common)


def _read_rows(path: Path, benchmark: str) -> tuple[list[Mapping[str, Any]], str]:
    """The rows of a per_sample.jsonl, each checked against the row schema and kept compact (long
    texts cut to what is shown), and the SHA-256 of the file: read line by line, so memory holds the
    kept rows, never the file (a 1 GB file of long replies is read in a few MB)."""
    from toolgrad_eval.record_schema import row_problems

    digest = hashlib.sha256()
    rows: list[Mapping[str, Any]] = []
    try:
        with path.open("rb") as handle:
            for number, raw in iter_lines(handle, path, digest=digest):
                where = f"{path}:{number}"
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise InputFileError(where, "not valid UTF-8") from None
                if not line.strip():
                    continue
                row = loads_bounded(line, where, finite=True)
                if not isinstance(row, dict):
                    raise InputFileError(where, "expected a JSON object per line")
                problems = row_problems(benchmark, row)
                if problems:
                    raise InputFileError(where, f"not a {benchmark} row of a run record ({'; '.join(problems)})")
                rows.append({key: value if key == "id" else _compact(value) for key, value in row.items()})
    except OSError as exc:
        raise InputFileError(path, f"cannot read ({exc.strerror or exc})") from None
    return rows, digest.hexdigest()


# Texts longer than this are cut when a record is loaded (the pages and the diff show MAX_TEXT);
# the cut text fits MAX_TEXT with its "[n more characters]" tail, so it is not cut twice.
_KEPT_TEXT = MAX_TEXT - 40
_KEPT_ITEMS = 50


def _compact(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else clean_text(value, _KEPT_TEXT)
    if isinstance(value, list):
        return [_compact(v) for v in value[:_KEPT_ITEMS]]
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in list(value.items())[:_KEPT_ITEMS]}
    return value
