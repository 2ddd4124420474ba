"""The run record's published schema: current, and it accepts real records and refuses broken ones."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from toolgrad_eval.demo import run_demo
from toolgrad_eval.record_schema import json_schema, validate_record

pytestmark = pytest.mark.compat  # pydantic schemas (typing internals differ between versions)

DOCS_SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "run-record.schema.json"


def test_published_schema_is_generated_from_the_models() -> None:
    assert json.loads(DOCS_SCHEMA.read_text(encoding="utf-8")) == json_schema(), (
        "docs/run-record.schema.json is stale: python -m toolgrad_eval.record_schema > docs/run-record.schema.json"
    )


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    run_demo(root / "runs", root / "site", cache_dir=root / "cache", echo=lambda _line: None)
    return root / "runs"


def test_demo_records_validate(demo_runs: Path) -> None:
    folders = sorted(p.parent for p in demo_runs.glob("*/*/summary.json"))
    assert {f.parent.name for f in folders} == {"toolgrad5k", "bfcl", "toolbench"} and len(folders) >= 8
    for folder in folders:
        assert type(validate_record(folder)).__name__.lower() == f"{folder.parent.name}summary"


def _demo_record(demo_runs: Path, benchmark: str) -> Path:
    return sorted((demo_runs / benchmark).glob("*/summary.json"))[-1].parent


BROKEN_SUMMARIES = [
    ("toolgrad5k", lambda s: s.pop("model")),
    ("toolgrad5k", lambda s: s.update(recall=1.5)),
    ("toolgrad5k", lambda s: s.update(n_samples=-1)),
    ("toolgrad5k", lambda s: s.update(schema="toolgrad-eval/run/v0")),
    ("toolgrad5k", lambda s: s.update(benchmark="mystery")),
    ("bfcl", lambda s: s.update(data_version="v5")),
    ("bfcl", lambda s: next(iter(s["categories"].values())).update(accuracy=2)),
    ("bfcl", lambda s: s.update(per_sample_sha256="not a digest")),
    ("toolbench", lambda s: s["sopr"].update(average=120.0)),
    ("toolbench", lambda s: s.pop("sopr_n")),
]


@pytest.mark.parametrize("benchmark, damage", BROKEN_SUMMARIES)
def test_a_broken_summary_is_refused(demo_runs: Path, tmp_path: Path, benchmark: str, damage) -> None:
    folder = tmp_path / "record"
    shutil.copytree(_demo_record(demo_runs, benchmark), folder)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    damage(summary)
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    with pytest.raises(ValidationError):
        validate_record(folder)


@pytest.mark.parametrize(
    "benchmark, row",
    [
        (
            "toolgrad5k",
            {
                "id": "x",
                "recall": 1,
                "precision": 1,
                "success_rate": 1,
                "qor": 1,
                "verdict_source": "oracle",
                "judge_reason": None,
                "prediction_error": None,
                "judge_error": None,
                "input_error": None,
            },
        ),
        ("bfcl", {"id": "x", "category": "simple_python", "valid": "yes", "error_type": None, "error": []}),
        (
            "toolbench",
            {
                "id": "G1/1",
                "test_set": "G1",
                "query_id": "1",
                "statuses": ["Solved", "Maybe"],
                "score": 0.5,
                "verdict_source": "judge",
            },
        ),
    ],
)
def test_a_broken_row_is_refused_with_its_line(demo_runs: Path, tmp_path: Path, benchmark: str, row: dict) -> None:
    folder = tmp_path / "record"
    shutil.copytree(_demo_record(demo_runs, benchmark), folder)
    with (folder / "per_sample.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")
    n = len((folder / "per_sample.jsonl").read_text(encoding="utf-8").splitlines())
    with pytest.raises(ValueError, match=f"per_sample.jsonl:{n}:"):
        validate_record(folder)


def test_a_judged_record_the_schema_refuses_is_not_written(tmp_path: Path) -> None:
    from toolgrad_eval.errors import ToolgradError
    from toolgrad_eval.record import write_run_record

    row = {"id": "s1", "recall": 1.0, "precision": 1.0, "success_rate": 1.0, "qor": 80.0}
    with pytest.raises(ToolgradError, match=r"recall: Input should be less than or equal to 1"):
        write_run_record(tmp_path / "r", {"benchmark": "toolgrad5k", "model": "m", "recall": 1.5}, [row])
    with pytest.raises(ToolgradError, match=r"per_sample.jsonl row 1: success_rate: Input should be a valid number"):
        write_run_record(tmp_path / "r", {"benchmark": "toolgrad5k", "model": "m"}, [{**row, "success_rate": "1"}])
    assert not (tmp_path / "r").exists()
    write_run_record(tmp_path / "r", {"benchmark": "toolgrad5k", "model": "m", "recall": 1.0}, [row])
    assert (tmp_path / "r" / "summary.json").is_file()


def test_writing_a_bfcl_record_does_not_import_pydantic(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from toolgrad_eval.record import write_run_record\n"
        f"write_run_record(Path({str(tmp_path / 'r')!r}), {{'benchmark': 'bfcl', 'model': 'm'}}, "
        "[{'id': 'a_0', 'category': 'simple_python', 'valid': True}])\n"
        "print('pydantic' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


# --- the writers build their summaries from the models (issue 26, item 4) ---------------------------

_ADDED_BY_WRITE_RUN_RECORD = ("schema", "tool_version", "created_at", "command", "per_sample_sha256")


def _written_part(folder: Path) -> dict:
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return {key: value for key, value in summary.items() if key not in _ADDED_BY_WRITE_RUN_RECORD}


@pytest.mark.parametrize("benchmark", ["toolgrad5k", "toolbench"])
def test_a_judged_summary_is_its_model_dumped(demo_runs: Path, benchmark: str) -> None:
    """What the runner wrote is the model's dump, key for key and in its order: nothing beside the model."""
    from toolgrad_eval.record_schema import ToolbenchResult, Toolgrad5kResult

    model = {"toolgrad5k": Toolgrad5kResult, "toolbench": ToolbenchResult}[benchmark]
    for folder in sorted(p.parent for p in (demo_runs / benchmark).glob("*/summary.json")):
        written = _written_part(folder)
        dumped = model.model_validate(written).record()
        assert json.dumps(dumped) == json.dumps(written), folder.name


def test_a_judged_summary_part_refuses_what_the_model_does_not_declare(demo_runs: Path) -> None:
    """A misspelt key, a missing one, a value of another type: an error where the summary is built."""
    from toolgrad_eval.record_schema import Toolgrad5kResult

    fields = _written_part(_demo_record(demo_runs, "toolgrad5k"))
    Toolgrad5kResult(**fields)
    with pytest.raises(ValidationError, match="n_qor_typo\n  Extra inputs are not permitted"):
        Toolgrad5kResult(**{**fields, "n_qor_typo": 1})
    with pytest.raises(ValidationError, match="n_qor\n  Field required"):
        Toolgrad5kResult(**{k: v for k, v in fields.items() if k != "n_qor"})
    with pytest.raises(ValidationError, match="n_qor\n  Input should be a valid integer"):
        Toolgrad5kResult(**{**fields, "n_qor": "4"})
    # a key with a default is written only when it is given
    assert "compare" not in Toolgrad5kResult(**fields).record()
    assert Toolgrad5kResult(**fields).with_fields(compare={"model": "m"}).record()["compare"] == {"model": "m"}


def test_the_bfcl_runner_declares_the_keys_of_the_bfcl_model() -> None:
    """BFCL's summary is built without pydantic (bfcl/record_summary.py): its keys are the model's."""
    from dataclasses import MISSING, fields

    from toolgrad_eval.bfcl.record_summary import BfclRecordSummary
    from toolgrad_eval.record_schema import BfclResult

    light = {f.name: f.default is MISSING for f in fields(BfclRecordSummary)}
    model = {name: info.is_required() for name, info in BfclResult.model_fields.items()}
    assert light.keys() == model.keys()
    # what the model requires of a record, the runner must give
    assert all(light[name] or name == "benchmark" for name, required in model.items() if required)


def test_a_bfcl_summary_is_the_runners_declaration(demo_runs: Path) -> None:
    from toolgrad_eval.bfcl.record_summary import BfclRecordSummary

    written = _written_part(_demo_record(demo_runs, "bfcl"))
    assert json.dumps(BfclRecordSummary(**written).record()) == json.dumps(written)


def test_row_models_declare_only_what_the_rows_carry() -> None:
    """The row models pin some keys of the rows the runners' dataclasses write: a renamed field fails here."""
    from dataclasses import fields

    from toolgrad_eval.record_schema import ToolbenchRow, Toolgrad5kRow
    from toolgrad_eval.toolbench.rows import QueryRow
    from toolgrad_eval.toolgrad5k.sample import SampleRow

    for model, row in ((Toolgrad5kRow, SampleRow), (ToolbenchRow, QueryRow)):
        assert set(model.model_fields) <= {f.name for f in fields(row)}, model.__name__


def test_a_summary_part_its_model_refuses_stops_the_run_with_one_line(demo_runs: Path) -> None:
    from toolgrad_eval.errors import ToolgradError
    from toolgrad_eval.record_schema import Toolgrad5kResult, refused_as_error

    fields = _written_part(_demo_record(demo_runs, "toolgrad5k"))
    with pytest.raises(
        ToolgradError, match=r"^ToolGrad-5k run of 'm': .*\(recall: Input should be less than or equal to 1\)"
    ):
        with refused_as_error("ToolGrad-5k run of 'm'"):
            Toolgrad5kResult(**{**fields, "recall": 1.5})
    with pytest.raises(ToolgradError, match=r"\(n_judged: Input should be greater than or equal to 0\), so no record"):
        Toolgrad5kResult(**fields).with_fields(n_judged=-1)
