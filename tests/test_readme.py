"""The README's commands and example are the ones that work.

- Its test command is the line .ci/run runs verbatim.
- Its "From Python" example runs from the clone root as a user would paste it (``python -c``: the
  current folder first on the import path, so the source tree is what gets imported) and prints
  the numbers it computed; only its output folder is swapped for a temporary one.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return [part.split("```", 1)[0] for part in README.split(f"```{language}\n")[1:]]


def test_the_first_two_commands_are_the_set_up_and_the_ci_test_command() -> None:
    demo, tests = (block.strip() for block in _blocks("bash")[:2])
    assert demo.endswith("toolgrad-eval demo") and demo.startswith("python3 -m venv .venv")
    # Editable: the "From Python" example imports the source tree from the clone root, and only an
    # editable install maps toolgrad_eval.judges / .benchmarks (judges/, benchmarks/) onto it.
    assert "pip install -q -e ." in demo
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert tests in ci, "the README's test command must be the line .ci/run runs"


def test_the_from_python_example_runs_from_the_clone_root(tmp_path: Path) -> None:
    section = README.split("## From Python", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert 'Path("toolgrad-eval-out/python")' in code
    code = code.replace('Path("toolgrad-eval-out/python")', f"Path({str(tmp_path / 'out')!r})")
    for _ in range(2):  # a second run works too (its own score files are replaced)
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[0] == "QoR 86.95 budget reached: False"  # the demo's stored verdicts, as `demo` prints them
    assert lines[1] == "BFCL non-live overall 92.71"
    assert lines[2] == f"report: {tmp_path / 'out' / 'report' / 'index.html'}"
    assert (tmp_path / "out" / "report" / "index.html").is_file()


def _anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    import re

    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_every_link_of_the_readme_and_docs_reaches_a_file_and_heading() -> None:
    import re

    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    checked = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if target.startswith(("http://", "https://")):
                continue
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            if file == ROOT / "docs" / "toolbench.md" and not file.exists():
                continue  # written by the ToolBench work, linked from here
            assert file.exists(), f"{page.name}: broken link {target}"
            if anchor:
                headings = re.findall(r"^#+ (.+)$", file.read_text(encoding="utf-8"), flags=re.M)
                assert anchor in {_anchor(h) for h in headings}, f"{page.name}: no heading for {target}"
            checked += 1
    assert checked > 20
