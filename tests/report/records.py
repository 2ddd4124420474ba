"""Writers of run records in the documented format (toolgrad_eval/record.py), for report tests.

Each writer produces what the real runners write: summary.json + per_sample.jsonl through
toolgrad_eval.record.write_run_record, and for BFCL official-format score files whose failure lines
carry id, error, error_type, prompt, model_result_raw, model_result_decoded, possible_answer.
Model outputs and judge reasons include hostile strings; a page that executes them sets window.__xss.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from toolgrad_eval.record import write_run_record

XSS_SCRIPT = "<script>window.__xss=1</script>"
XSS_IMG = '<img src=x onerror="window.__xss=2">'
LONE_SURROGATE = "\ud83d"

# Small categories keep tests fast; live sizes keep BFCL's uneven proportions.
BFCL_SIZES = {
    "simple_python": 20,
    "simple_java": 10,
    "simple_javascript": 10,
    "multiple": 20,
    "parallel": 20,
    "parallel_multiple": 20,
    "irrelevance": 24,
    "live_simple": 26,
    "live_multiple": 40,
    "live_parallel": 8,
    "live_parallel_multiple": 8,
    "live_irrelevance": 30,
    "live_relevance": 8,
}


def write_toolgrad5k_run(
    root: Path, model: str, *, n: int = 40, skill: float = 0.7, seed: int = 0, synthetic: bool = True
) -> Path:
    """A ToolGrad-5k run record under root/toolgrad5k/<model>/; returns its folder."""
    rng = random.Random(f"{model}-{seed}")
    rows = []
    for i in range(n):
        sid = f"sample-{i:03d}"
        row = {
            "id": sid,
            "recall": 1.0 if rng.random() < skill else 0.5,
            "precision": 1.0,
            "success_rate": 1.0 if rng.random() < skill else 0.5,
            "qor": float(round(100 * min(1.0, max(0.0, rng.gauss(skill, 0.2))))),
            "verdict_source": "judge",
            "judge_reason": f"Answered {i % 3 + 1} of 3 requests.",
            "response_scores": [80],
            "num_requests": 1,
            "prediction_error": None,
            "judge_error": None,
            "query": f"Find flights for trip {i}",
            "response": f"Here are the flights for trip {i}.",
        }
        if i == 0:
            row["judge_reason"] = f"The response contains {XSS_SCRIPT} and {XSS_IMG}"
            row["response"] = f"Sure! {XSS_IMG} {XSS_SCRIPT}"
            row["query"] = f"Query with {XSS_SCRIPT}"
        if i == 1:
            # The reference quirk: an errored prediction scores 0 but leaves the Success Rate mean.
            row.update(
                recall=0.0,
                precision=0.0,
                success_rate=None,
                qor=0.0,
                verdict_source="none",
                judge_reason=None,
                prediction_error=f"model returned {XSS_IMG}",
            )
        if i == 2:
            row.update(qor=None, judge_error=f"judge refused: {XSS_SCRIPT}")
        rows.append(row)
    summary = {
        "benchmark": "toolgrad5k",
        "model": model,
        "dataset": "benchmarks/demo/toolgrad5k-synthetic",
        "synthetic": synthetic,
        "split": "test",
        "response_key": "response-unbiased-gpt-4.1-mini",
        "n_samples": n,
        "recall": _mean(r["recall"] for r in rows),
        "precision": 1.0,
        "success_rate": _mean(r["success_rate"] for r in rows),
        "qor": _mean(r["qor"] for r in rows),
        "success_rate_mode": "reference",
        "n_success_rate": sum(r["success_rate"] is not None for r in rows),
        "n_prediction_errors": 1,
        "n_judge_errors": 1,
        "judge_requests": n,
        "cache_hits": 0,
        "stored_verdicts": 0,
        "judge_model": "gpt-4.1",
        "judge_template": "qor-v1",
        "judge_template_sha256": "0" * 64,
        # gpt-4.1's standard tier: $2 / $8 per 1M prompt / completion tokens
        "prompt_tokens": 812 * n,
        "completion_tokens": 95 * n,
        "cost_usd": round((812 * 2 + 95 * 8) * n / 1e6, 6),
        "price": {"tier": "standard"},
        "replies_without_usage": 0,
    }
    folder = root / "toolgrad5k" / model
    write_run_record(folder, summary, rows)
    return folder


def write_bfcl_run(
    root: Path,
    model: str,
    *,
    skill: float = 0.7,
    seed: int = 0,
    synthetic: bool = True,
    sizes: dict[str, int] | None = None,
    relative_score_files: bool = False,
    per_sample: bool = True,
) -> Path:
    """A BFCL v4 run record under root/bfcl/<model>/ with score files under root/bfcl-data/score/<model>/."""
    sizes = sizes or BFCL_SIZES
    rng = random.Random(f"{model}-{seed}")
    folder = root / "bfcl" / model
    score_dir = root / "bfcl-data" / "score" / model
    score_dir.mkdir(parents=True, exist_ok=True)
    categories, rows = {}, []
    for category, size in sizes.items():
        failures = []
        for i in range(size):
            entry = f"{category}_{i}"
            valid = rng.random() < skill
            row = {"id": entry, "category": category, "valid": valid, "error_type": None, "error": None}
            if not valid:
                error_type, error, line = _failure(category, entry, model, i)
                row.update(error_type=error_type, error=error)
                failures.append(line)
            rows.append(row)
        correct = size - len(failures)
        score_file = score_dir / f"BFCL_v4_{category}_score.json"
        header = {"accuracy": correct / size, "correct_count": correct, "total_count": size}
        # ensure_ascii keeps the lone surrogate as an escape, the way a JSON writer can store it.
        score_file.write_text("".join(json.dumps(x) + "\n" for x in [header, *failures]), encoding="utf-8")
        shown = str(score_file.relative_to(folder.parent.parent)) if relative_score_files else str(score_file)
        categories[category] = {**header, "score_file": shown}
    summary = {
        "benchmark": "bfcl",
        "model": model,
        "dataset": str(root) if relative_score_files else "bfcl-run",
        "synthetic": synthetic,
        "n_samples": sum(sizes.values()),
        "data_version": "v4",
        "categories": categories,
        "aggregates": {},
    }
    write_run_record(folder, summary, rows if per_sample else [])
    if not per_sample:
        (folder / "per_sample.jsonl").unlink()
    return folder


def _failure(category: str, entry: str, model: str, i: int) -> tuple[str, list[str], dict]:
    question = [[{"role": "user", "content": f"What is the weather in city {i}? {XSS_SCRIPT}"}]]
    prompt = {"id": entry, "question": question, "function": [{"name": "get_weather", "parameters": {}}]}
    if category in ("irrelevance", "live_irrelevance"):
        line = {
            "id": entry,
            "model_name": model,
            "test_category": category,
            "valid": False,
            "error": ["Valid syntax. Successfully decode AST when it should not."],
            "error_type": "irrelevance_error:decoder_success",
            "prompt": prompt,
            "model_result": f"[get_weather(city='{XSS_IMG}')]",
            "decoded_result": [{"get_weather": {"city": "x"}}],
        }
        return line["error_type"], line["error"], line
    if category == "live_relevance":
        line = {
            "id": entry,
            "model_name": model,
            "test_category": category,
            "valid": False,
            "error": ["Invalid syntax. Failed to decode AST when it should have."],
            "error_type": "relevance_error:decoder_failed",
            "prompt": prompt,
            "model_result": "I cannot help with that.",
            "decoded_result": None,
        }
        return line["error_type"], line["error"], line
    error = [f"Invalid value for parameter 'city': '{XSS_SCRIPT}'. Expected one of ['Paris']. {LONE_SURROGATE}"]
    line = {
        "id": entry,
        "model_name": model,
        "test_category": category,
        "valid": False,
        "error": error,
        "error_type": "value_error:string",
        "prompt": prompt,
        "model_result_raw": f"[get_weather(city='{XSS_IMG}')] {XSS_SCRIPT}",
        "model_result_decoded": [{"get_weather": {"city": XSS_IMG}}],
        "possible_answer": [{"get_weather": {"city": ["Paris"]}}],
    }
    return line["error_type"], [error[0].replace(LONE_SURROGATE, "")], line


def _mean(values) -> float:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals)


DEMO_MODELS = {"demo-gemma-3-4b": 0.55, "demo-toolgrad-4b": 0.75, "demo-gemma-3-12b": 0.7, "demo-toolgrad-12b": 0.85}


def write_demo_runs(root: Path) -> Path:
    """The four demo models on both benchmarks, synthetic, as the demo produces them."""
    for model, skill in DEMO_MODELS.items():
        write_toolgrad5k_run(root, model, skill=skill)
        write_bfcl_run(root, model, skill=skill)
    return root


LONG_NAME = "hostile-" + "Z" * 600  # no break point anywhere
RLO_NAME = "evil\u202e4b-amme\u2066g"  # a right-to-left override would reverse the page around it
LONG_REASON = "unbroken_" * 300


def write_hostile_runs(root: Path) -> Path:
    """Demo runs plus a model with a 608-character unbreakable name, one with bidi controls, and
    failure reasons, judge reasons and errors with no break points."""
    write_demo_runs(root)
    # Folders get short names (a 600-character folder name is too long for the file system).
    for folder, name in (
        (write_bfcl_run(root, "long-name", skill=0.5), LONG_NAME),
        (write_toolgrad5k_run(root, "rlo-name", skill=0.5), RLO_NAME),
    ):
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        summary["model"] = name
        (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    for path in (root / "bfcl-data" / "score" / "long-name").glob("*_score.json"):
        lines = path.read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines[1:]]
        for row in rows:
            row["error"] = [LONG_REASON]
            row["error_type"] = "value_error:" + "x" * 200
        path.write_text("\n".join([lines[0], *(json.dumps(r) for r in rows)]) + "\n", encoding="utf-8")
    per_sample = root / "toolgrad5k" / "rlo-name" / "per_sample.jsonl"
    rows = [json.loads(line) for line in per_sample.read_text(encoding="utf-8").splitlines()]
    for row in rows:
        row["judge_reason"] = "\u202e" + LONG_REASON
        if row.get("prediction_error"):
            row["prediction_error"] = LONG_REASON
    per_sample.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return root
