"""``run_toolbench(config)``: one ToolBench / StableToolBench evaluation, from options to a written run record.

What the command line, tests and notebooks call. Everything that can stop a run (the layout, the
models' answers, the output folder, the templates, the prices) is checked before the first paid
request; the judge machinery (cache, one cost meter for pass rate and preference, ``--overwrite``
markers) comes from ``judge/session.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from toolgrad_eval.errors import ConfigError
from toolgrad_eval.fileio import ensure_writable_dir
from toolgrad_eval.judge.coverage import Coverage
from toolgrad_eval.judge.session import JudgeConfig, Notify, judge_session
from toolgrad_eval.judge.template import load_template
from toolgrad_eval.record import refuse_other_models_record, write_run_record
from toolgrad_eval.toolbench.dataset import ToolbenchData
from toolgrad_eval.toolbench.runner import PassJudges, ToolbenchRun, evaluate_toolbench, rows_as_dicts
from toolgrad_eval.toolbench.verdict import parse_pass, parse_preference

ANSWER_TEMPLATE = "toolbench-pass-answer-v1"  # ToolEval's first step: the query and the final answer
DETAILS_TEMPLATE = "toolbench-pass-details-v1"  # its second step, after an Unsure: the whole answer
SINGLE_TEMPLATE = "toolbench-pass-v1"  # ours: one request with the tools and the whole answer
PREFERENCE_TEMPLATE = "toolbench-preference-v2"
DEFAULT_ROUNDS = 3  # StableToolBench's published runs evaluate three times (eval_pass_rate.py defaults to 4)
Progress = Callable[[str], "Callable[[int, int], None] | None"]  # phase -> its progress callback


@dataclass(frozen=True)
class ToolbenchConfig:
    dataset: Path
    model: str
    output: Path  # the run-record folder
    judge: JudgeConfig = field(default_factory=lambda: JudgeConfig(samples=DEFAULT_ROUNDS))
    # None: ToolEval's two-step pass rate (ANSWER_TEMPLATE, then DETAILS_TEMPLATE after an Unsure);
    # a template id under judges/ or a file: one request per round with it (ours, e.g. SINGLE_TEMPLATE)
    template: str | None = None
    reference_model: str | None = None  # the win rate's reference
    strict: bool = False  # a query without a readable answer counts Unsolved (ToolEval leaves it out)
    use_stored: bool = True  # ToolEval's stored verdicts and preference tallies (False: --ignore-stored)
    num_process: int = 1


def run_toolbench(
    config: ToolbenchConfig, *, notify: Notify | None = None, progress: Progress | None = None
) -> ToolbenchRun:
    """Score ``config.model`` (and its win rate against ``config.reference_model``), write the run record.

    Raises our errors (one line each) for what stops a run, and
    :class:`~toolgrad_eval.judge.session.RunInterrupted` on Ctrl-C (received verdicts are cached)."""
    model, reference = config.model, config.reference_model
    if reference == model:
        raise ConfigError(f"--reference_model names the model being scored ({model!r}); compare it with another model")
    data = ToolbenchData(config.dataset)
    data.check_model(model)
    if reference:
        data.check_model(reference)
    for test_set in data.model_test_sets(model):
        data.test_ids(test_set)
    pass_templates = [
        load_template(t) for t in ([config.template] if config.template else [ANSWER_TEMPLATE, DETAILS_TEMPLATE])
    ]
    preference_template = load_template(PREFERENCE_TEMPLATE)
    ensure_writable_dir(config.output, "run-record folder")
    refuse_other_models_record(config.output, "toolbench", model, config.judge.overwrite)

    with judge_session(config.judge, notify) as session:
        passing = PassJudges(*(session.judge(t, parse=parse_pass) for t in pass_templates))
        judge = passing.first
        preference = session.judge(preference_template, parse=parse_preference)
        judges = [*passing.all, preference]
        identity = {
            "benchmark": "toolbench",
            "dataset": str(data.root.resolve()),
            "model": model,
            "reference_model": reference,
            "judge_model": judge.settings.model,
            "judge_templates": [j.template.id for j in judges],
            "judge_template_sha256": [j.template.sha256 for j in judges],
            "temperature": judge.temperature,
            "judge_samples": judge.settings.samples,
            "strict": config.strict,
        }
        with session.overwrite_run(identity, judges) as marker:
            run = evaluate_toolbench(
                data,
                model,
                passing,
                reference=reference,
                preference_judge=preference if reference else None,
                strict=config.strict,
                num_process=config.num_process,
                use_stored=config.use_stored,
                on_progress=progress or (lambda _phase: None),
            )
    if marker is not None:
        run.result = run.result.with_fields(overwrite_run_started=marker.started, overwrite_run_resumed=marker.resumed)
    coverage = Coverage.of(run.summary, config.judge.max_judge_errors)
    run.result = run.result.with_fields(**coverage.as_summary())  # partial: n of N judged
    write_run_record(config.output, run.summary, rows_as_dicts(run))
    if marker is not None and not run.result.budget_reached:
        marker.finish()
    return run
