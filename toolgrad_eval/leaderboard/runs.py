"""Finding and reading run records (``summary.json`` + ``per_sample.jsonl``) for the leaderboard."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from toolgrad_eval.bfcl.aggregate import CategoryScore, model_card
from toolgrad_eval.bfcl.categories import to_v4
from toolgrad_eval.errors import InputFileError, ToolgradError
from toolgrad_eval.fileio import loads_bounded, read_json
from toolgrad_eval.leaderboard.columns import BENCHMARKS, COLUMNS, TOOLBENCH_TEST_SETS, bfcl_weights
from toolgrad_eval.leaderboard.text import BuildMessage, clean_text
from toolgrad_eval.record import PER_SAMPLE_FILE, SCHEMA, SUMMARY_FILE, rows_match_summary


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


def discover_runs(roots: Sequence[Path]) -> tuple[list[Run], list[BuildMessage]]:
    """Every run record under ``roots`` (searched recursively), and notes on what was skipped."""
    runs: list[Run] = []
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
            except ToolgradError as exc:  # one damaged record must not stop the whole report
                run, note = None, BuildMessage.about(summary_path, f"skipped, unreadable run record: {exc}")
            except (ValueError, TypeError, KeyError, AttributeError) as exc:  # fields of the wrong shape
                run, note = (
                    None,
                    BuildMessage.about(summary_path, f"skipped, damaged run record ({type(exc).__name__}: {exc})"),
                )
            if run is not None:
                runs.append(run)
            if note:
                notes.append(note)
    return runs, notes


def load_run(summary_path: Path) -> tuple[Run | None, BuildMessage | None]:
    """Read one run record; a summary.json that is not ours is skipped with a note."""
    summary = read_json(summary_path)
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
        text = _read_text(per_sample_path)
        if rows_match_summary(summary, text):
            samples = tuple(_parse_jsonl(per_sample_path, text))
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


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"cannot read ({exc})") from None


def _parse_jsonl(path: Path, text: str) -> Iterator[Mapping[str, Any]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        row = loads_bounded(line, f"{path}:{number}")
        if not isinstance(row, dict):
            raise InputFileError(f"{path}:{number}", "expected a JSON object per line")
        yield row
