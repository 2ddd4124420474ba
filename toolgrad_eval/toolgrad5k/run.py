"""``run_toolgrad5k(config)``: one ToolGrad-5k evaluation, from options to a written run record.

This is what the command line, tests and notebooks call. Everything that can stop a run (the
dataset, the models, the output folder, the template, the prices) is checked before the first
paid request; the judge machinery comes from ``judge/session.py``; the run record is written
atomically under ``config.output``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from toolgrad_eval.errors import ConfigError
from toolgrad_eval.fileio import ensure_writable_dir, removed_if_failed
from toolgrad_eval.judge.coverage import DEFAULT_MAX_JUDGE_ERRORS, Coverage
from toolgrad_eval.judge.session import JudgeConfig, Notify, judge_session
from toolgrad_eval.judge.overwrite import OverwriteRun
from toolgrad_eval.judge.template import RENDER_VARIABLES, JudgeTemplate, load_template
from toolgrad_eval.record import refuse_other_models_record, write_run_record
from toolgrad_eval.toolgrad5k.dataset import Toolgrad5k, response_key_for
from toolgrad_eval.toolgrad5k.runner import ModelRun, compare_runs, evaluate_model, rows_as_dicts

DEFAULT_TEMPLATE = "qor-v1"
Progress = Callable[[str], "Callable[[int, int, int], None] | None"]  # model -> its (done, total, failed) callback


def _no_progress(_model: str) -> None:
    return None


@dataclass(frozen=True)
class Toolgrad5kConfig:
    dataset: Path
    model: str
    output: Path  # the run-record folder
    judge: JudgeConfig = field(default_factory=JudgeConfig)
    template: str = DEFAULT_TEMPLATE  # an id under judges/ or a template file
    split: str = "method=embedding"
    response_key: str | None = None  # None: response-unbiased-<unbiased_writer>
    unbiased_writer: str = "gpt-4.1-mini"
    compare_model: str | None = None  # a second model, paired t-test over shared ids
    strict: bool = False  # errored predictions count 0 in the Success Rate mean
    use_stored: bool = True  # verdicts stored in prediction files (False: --ignore-stored)
    num_process: int = 1  # judge requests in flight


@dataclass
class Toolgrad5kRecord:
    """What a run wrote: its run record (``output``) and each model's run, the scored model first."""

    output: Path
    runs: list[ModelRun]
    max_judge_errors: float = DEFAULT_MAX_JUDGE_ERRORS

    @property
    def summary(self) -> dict[str, Any]:
        return self.runs[0].summary

    @property
    def budget_reached(self) -> bool:
        return any(run.result.budget_reached for run in self.runs)

    @property
    def exit_status(self) -> int:
        """0 for a result, 3 after a --max-cost stop, 4 when too many judgments failed (coverage.py)."""
        return max(
            Coverage.of(run.summary, self.max_judge_errors).exit_status(self.budget_reached) for run in self.runs
        )


def run_toolgrad5k(
    config: Toolgrad5kConfig, *, notify: Notify | None = None, progress: Progress = _no_progress
) -> Toolgrad5kRecord:
    """Score ``config.model`` (and ``config.compare_model``) and write the run record.

    Raises our errors (one line each) for what stops a run, and
    :class:`~toolgrad_eval.judge.session.RunInterrupted` on Ctrl-C (received verdicts are cached).
    ``notify`` gets the lines a user should see while it runs (a read-only cache, a resumed
    ``--overwrite``); each model's warnings are in its run (``record.runs[i].warnings``).
    """
    model = config.model
    if config.compare_model == model:
        raise ConfigError(f"--compare_model names the model being scored ({model!r}); compare it with another model")
    dataset = Toolgrad5k(
        config.dataset, split=config.split, response_key=config.response_key or response_key_for(config.unbiased_writer)
    )
    template = load_template(config.template, variables=RENDER_VARIABLES)
    models = [model] + ([config.compare_model] if config.compare_model else [])
    dataset.test_ids()
    for name in models:
        dataset.check_model(name)
    with removed_if_failed(config.output):  # a run that stops leaves no empty folder behind
        ensure_writable_dir(config.output, "run-record folder")
        refuse_other_models_record(config.output, "toolgrad5k", model, config.judge.overwrite)
        runs, markers = _judge_models(config, dataset, template, models, notify, progress)
        record = Toolgrad5kRecord(config.output, runs, config.judge.max_judge_errors)
        if len(runs) == 2:
            runs[0].result = runs[0].result.with_fields(compare=compare_runs(runs[0], runs[1]))
        write_run_record(config.output, record.summary, rows_as_dicts(runs[0]))
    if not record.budget_reached:
        for marker in markers:
            marker.finish()
    return record


def _judge_models(
    config: Toolgrad5kConfig,
    dataset: Toolgrad5k,
    template: JudgeTemplate,
    models: list[str],
    notify: Notify | None,
    progress: Progress,
) -> tuple[list[ModelRun], list[OverwriteRun]]:
    """Each model's run in one judge session, and the --overwrite markers to finish once the record is written."""
    runs: list[ModelRun] = []
    markers = []  # --overwrite: removed only once the whole command has done its work
    with judge_session(config.judge, notify) as session:
        judge = session.judge(template)
        for name in models:
            identity = {
                "dataset": str(dataset.root.resolve()),
                "split": dataset.split,
                "response_key": dataset.response_key,
                "model": name,
                "judge_model": judge.settings.model,
                "judge_template": judge.template.id,
                "judge_template_sha256": judge.template.sha256,
                "temperature": judge.temperature,
                "judge_samples": judge.settings.samples,
            }
            with session.overwrite_run(identity, [judge]) as marker:
                run = evaluate_model(
                    dataset,
                    name,
                    judge,
                    success_rate_mode="strict" if config.strict else "reference",
                    num_process=config.num_process,
                    on_progress=progress(name),
                    use_stored=config.use_stored,
                )
            run.result = run.result.with_fields(**Coverage.of(run.summary, config.judge.max_judge_errors).as_summary())
            if marker is not None:
                run.result = run.result.with_fields(
                    overwrite_run_started=marker.started, overwrite_run_resumed=marker.resumed
                )
                markers.append(marker)
            runs.append(run)
    return runs, markers
