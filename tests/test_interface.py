"""One interface: every command's options walked, one name per concept, one default, help present.

The table below is the interface's definition: concept -> canonical name and the old spellings that
stay accepted (so no existing command line breaks). Adding an option to a command means adding it
here; a concept spelled two ways, or the same concept with two defaults and no reason written down,
fails this test.
"""

from __future__ import annotations

from pathlib import Path

from dataclasses import dataclass
from typing import Any

import click
import pytest

from toolgrad_eval.cli.main import _COMMANDS, cli


@dataclass(frozen=True)
class Concept:
    canonical: str
    aliases: tuple[str, ...] = ()
    meaning: str = ""


_CONCEPTS: dict[str, Concept] = {
    c.canonical: c
    for c in (
        Concept("--model", ("--pred_model", "--pred-model"), "the model under test (reference: --pred_model)"),
        Concept("--dataset", (), "the data read: ToolGrad-5k folder, BFCL run or ToolBench folder"),
        Concept("--output", ("-o", "--runs"), "run-record folder WRITTEN (--runs: demo/baselines' old spelling)"),
        Concept("--runs", (), "run-record folders READ (report, diff)"),
        Concept("--report-dir", ("--out", "--report"), "the leaderboard site written"),
        Concept("--cache-dir", ("--cache_dir",), "the judgment cache"),
        Concept("--cache-url", ("--cache_url",), "a shared judgment cache server"),
        Concept("--bfcl-cache", ("--cache-dir",), "the BFCL data cache (--cache-dir: bfcl-data's old spelling)"),
        Concept("--bfcl-data", ("--bfcl_data",), "one BFCL data folder"),
        Concept("--fetch-bfcl-data", (), "fetch the BFCL data when missing"),
        Concept("--num-process", ("--num_process",), "requests in flight (reference: --num_process)"),
        Concept("--timeout", (), "seconds per request to the server the command calls"),
        Concept("--overwrite", (), "redo and replace what exists"),
        Concept("--ignore-stored", ("--ignore_stored",)),
        Concept("--split", ()),
        Concept("--response-key", ("--response_key",)),
        Concept("--unbiased-writer", ("--unbiased_writer",)),
        Concept("--judge", (), "the judge model"),
        Concept("--judge-template", ("--judge_template",)),
        Concept("--claim-lease", ("--claim_lease",)),
        Concept("--judge-endpoint", ("--judge_endpoint",)),
        Concept("--judge-samples", ("--judge_samples",)),
        Concept("--judge-temperature", ("--judge_temperature",)),
        Concept("--prices", ()),
        Concept("--max-cost", ("--max_cost",)),
        Concept("--max-judge-errors", ("--max_judge_errors",)),
        Concept("--batch", ()),
        Concept("--batch-id", ("--batch_id",)),
        Concept("--batch-poll-interval", ("--batch_poll_interval",)),
        Concept("--strict", ()),
        Concept("--compare-model", ("--compare_model",)),
        Concept("--reference-model", ("--reference_model",)),
        Concept("--format", ()),
        Concept("--bfcl-handler", ("--bfcl_handler",)),
        Concept("--score-dir", ("--score_dir",)),
        Concept("--base-url", ("--base_url",)),
        Concept("--mode", ()),
        Concept("--categories", ()),
        Concept("--temperature", ()),
        Concept("--max-tokens", ("--max_tokens",)),
        Concept("--bfcl-version", ("--bfcl_version",)),
        Concept("--system-prompt", ("--system_prompt",)),
        Concept("--max-stall", ("--max_stall",)),
        Concept("--match", ()),
        Concept("--title", ()),
        Concept("--diff", ()),
        Concept("--series", ()),
        Concept("--include-synthetic", ("--include_synthetic",)),
        Concept("--json", ()),
        Concept("--fail-on-regression", ("--fail_on_regression",)),
        Concept("--metric", ()),
        Concept("--alpha", ()),
        Concept("--from", ()),
        Concept("--force", ()),
        Concept("--wheel", ()),
        Concept("--help", ("-h",)),
    )
}

# An old spelling that is another concept's canonical name is accepted only where it always was.
_LEGACY_CLASHES = {
    ("demo", "--runs"),
    ("baselines", "--runs"),
    ("bfcl-data fetch", "--cache-dir"),
    ("bfcl-data where", "--cache-dir"),
}

# The same concept with different defaults, each with the reason (also said in the option's help).
_DEFAULTS_THAT_DIFFER = {
    "--num-process": "evaluate: 1, the reference's, for a paid judge API's rate limit; generate/run: 8 for a "
    "local model server",
    "--timeout": "evaluate: 120 s for a short judge verdict; generate/run: 300 s for a long model answer",
    "--output": "each command writes its own run-record root (toolgrad-eval-out/..., the demo apart)",
    "--report-dir": "each command publishes its own site (reports/mine, reports/demo, reports/baselines)",
    "--model": "evaluate/generate/run: required; baselines: the reported models, all by default",
}


def _walk(group: click.Group, ctx: click.Context, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, f"{prefix}{name}: listed but cannot be imported"
        if isinstance(command, click.Group):
            found += _walk(command, ctx, f"{prefix}{name} ")
        else:
            found.append((f"{prefix}{name}", command))
    return found


def _commands() -> list[tuple[str, click.Command]]:
    return _walk(cli, click.Context(cli))


def _options(command: click.Command) -> list[click.Option]:
    ctx = click.Context(command)
    return [p for p in command.get_params(ctx) if isinstance(p, click.Option)]


def test_every_listed_command_is_walked() -> None:
    tops = {name.split()[0] for name, _ in _commands()}
    assert tops == set(_COMMANDS)
    assert len(_commands()) >= len(_COMMANDS) + 2  # bfcl-data and cache have subcommands


def _canonical_and_aliases(name: str, option: click.Option) -> tuple[Concept, list[str]]:
    spellings = [*option.opts, *option.secondary_opts]
    long_names = [s for s in spellings if s.startswith("--")]
    assert long_names, f"{name}: option {spellings} has no long name"
    first = long_names[0]
    concept = _CONCEPTS.get(first)
    assert concept is not None, f"{name}: {first} names no concept in the interface table; add it there"
    return concept, [s for s in spellings if s != first]


@pytest.mark.parametrize(("name", "command"), _commands(), ids=[n for n, _ in _commands()])
def test_one_name_per_concept_with_its_aliases(name: str, command: click.Command) -> None:
    for option in _options(command):
        concept, others = _canonical_and_aliases(name, option)
        for spelling in others:
            assert spelling in concept.aliases, f"{name}: {spelling} is not a registered alias of {concept.canonical}"
            if spelling in _CONCEPTS and spelling != concept.canonical:
                assert (name, spelling) in _LEGACY_CLASHES, (
                    f"{name}: {spelling} is {_CONCEPTS[spelling].canonical}'s own name, used for {concept.canonical}"
                )


@pytest.mark.parametrize(("name", "command"), _commands(), ids=[n for n, _ in _commands()])
def test_every_option_and_command_has_help(name: str, command: click.Command) -> None:
    assert (command.help or "").strip(), f"{name}: no command help"
    for option in _options(command):
        assert (option.help or "").strip(), f"{name}: {option.opts[0]} has no help text"


def test_a_concept_has_one_default_or_a_written_reason() -> None:
    defaults: dict[str, dict[str, Any]] = {}
    for name, command in _commands():
        for option in _options(command):
            concept, _ = _canonical_and_aliases(name, option)
            if concept.canonical == "--help":
                continue
            defaults.setdefault(concept.canonical, {})[name] = repr(option.default)
    for canonical, per_command in defaults.items():
        if len(set(per_command.values())) > 1:
            assert canonical in _DEFAULTS_THAT_DIFFER, f"{canonical} defaults differ with no reason: {per_command}"


def test_the_reference_spellings_still_parse() -> None:
    """The reference's --pred_model/--num_process and every old spelling reach the same parameter."""
    for name, command in _commands():
        for option in _options(command):
            _, others = _canonical_and_aliases(name, option)
            for spelling in others:
                if option.is_flag:
                    args, expected = [spelling], True
                elif isinstance(option.type, click.Choice):
                    args = [spelling, str(option.type.choices[0])]
                    expected = option.type.choices[0]
                else:
                    args = [spelling, "1"]
                    expected = option.type.convert("1", None, None)
                if option.multiple:
                    expected = (expected,)
                if spelling in ("-h", "--help"):
                    continue
                ctx = command.make_context(name, list(args), resilient_parsing=True)
                assert ctx.params[option.name or ""] == expected, f"{name}: {spelling} does not reach {option.name}"


def test_model_and_num_process_canonical_everywhere_the_reference_spelling_works() -> None:
    commands = dict(_commands())
    for name in ("evaluate", "generate", "run"):
        spellings = {s for o in _options(commands[name]) for s in o.opts}
        assert {"--model", "--pred_model", "--num-process", "--num_process"} <= spellings, name


# --- units: one percent helper, one p-value formatter, used by the terminal and the pages ---


def test_one_percent_and_one_p_value_style() -> None:
    from toolgrad_eval import units
    from toolgrad_eval.bfcl.aggregate import percent as card_cell
    from toolgrad_eval.report import formatting

    assert units.percent(0.7286) == card_cell(0.7286) == "72.86"
    assert formatting.percent(0.7286) == "72.86" and formatting.percent(None) == "—"
    assert units.percent(None) == card_cell(None) == "N/A"
    assert [units.p_value(p) for p in (2.2e-09, 0.0042, 0.2)] == ["p < 0.001", "p = 0.004", "p = 0.20"]
    assert formatting.p_value(2.2e-09) == units.p_value(2.2e-09)


def test_no_surface_formats_a_rate_or_a_p_value_on_its_own() -> None:
    """Every `x * 100` with a fixed width and every `.4g` p-value goes through toolgrad_eval.units."""
    import re
    from pathlib import Path

    import toolgrad_eval

    package = Path(toolgrad_eval.__file__).parent
    pattern = re.compile(r"\*\s*100\s*:\.\d+f\}|\b100\s*\*\s*[\w.\[\]'\"]+\s*:\.\d+f\}|:\.4g\}|\|format\(.*\*\s*100\)")
    # BFCL's own leaderboard CSV prints "79.44%" cells: its format, checked against BFCL's files.
    allowed = {"units.py", "leaderboard_csv.py"}
    found = [
        f"{path.relative_to(package)}: {line.strip()[:100]}"
        for path in sorted([*package.rglob("*.py"), *package.rglob("*.jinja")])
        if path.name not in allowed
        for line in path.read_text(encoding="utf-8").splitlines()
        if pattern.search(line)
    ]
    assert found == []


@pytest.fixture(scope="module")
def diff_site(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from report.records import write_demo_runs

    from toolgrad_eval.report import publish

    root = tmp_path_factory.mktemp("interface-site")
    return publish([write_demo_runs(root / "runs")], root / "site")


def test_diff_pages_show_rates_in_percent_and_say_which_overall(diff_site: Any) -> None:
    from report.dom import parse

    from toolgrad_eval.diff import diff_runs

    runs = {(r.model, r.benchmark): r for r in diff_site.leaderboard.runs}
    a, b = runs[("demo-gemma-3-12b", "bfcl")], runs[("demo-toolgrad-12b", "bfcl")]
    expected = diff_runs(a, b).bfcl
    assert expected is not None
    doc = parse((diff_site.out / "diffs/demo-gemma-3-12b--demo-toolgrad-12b-bfclv4.html").read_text(encoding="utf-8"))
    overall = doc.find("table", id="diff-categories").find("tbody").find_all("tr")[-1]
    assert "overall (pooled)" in overall.find("th").text()
    cells = [td.text().strip() for td in overall.find_all("td")]
    assert cells[1:3] == [f"{100 * expected.overall.accuracy_a:.2f}", f"{100 * expected.overall.accuracy_b:.2f}"]
    assert cells[-1].startswith("p ")
    assert "not BFCL's Overall Accuracy" in doc.find("section", id="categories").text()

    t5 = parse(
        (diff_site.out / "diffs/demo-gemma-3-12b--demo-toolgrad-12b-toolgrad5k.html").read_text(encoding="utf-8")
    )
    rows = {r.attrs["data-k-metric"]: r for r in t5.find("table", id="diff-metrics").find("tbody").find_all("tr")}
    recall_a = float(rows["recall"].attrs["data-k-a"])  # the sort key keeps the fraction
    assert 0 < recall_a <= 1
    assert rows["recall"].find_all("td")[1].text().strip() == f"{100 * recall_a:.2f}"


def test_the_docs_spell_every_option_the_canonical_way() -> None:
    """README and docs/ show commands with the canonical names; an old spelling appears only where a
    line says it is one ("also", "alias", "spelling"). docs/interface.md lists them all, on purpose."""
    import re

    root = Path(__file__).resolve().parent.parent
    old = {alias: c.canonical for c in _CONCEPTS.values() for alias in c.aliases if alias.startswith("--")}
    # Names that are one concept's alias and another's canonical name are judged by context: skip them.
    old = {alias: canonical for alias, canonical in old.items() if alias not in _CONCEPTS}
    pattern = re.compile("(" + "|".join(re.escape(a) for a in sorted(old, key=len, reverse=True)) + r")(?![\w-])")
    found = []
    for page in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        if page.name == "interface.md":
            continue
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\balso\b|alias|spelling", line):
                continue
            found += [f"{page.name}:{number}: {m} (say {old[m]})" for m in pattern.findall(line)]
    assert not found, "\n".join(found)
    assert "--pred_model" in old and "--out" in old  # the check looks for something
