"""The leaderboard's tables as Markdown (tabulate) and CSV (pandas), next to the HTML."""

from __future__ import annotations

import re

from typing import Any

from toolgrad_eval.leaderboard import Leaderboard, Table
from toolgrad_eval.report import formatting

CSV_FILES = {"bfcl": "bfcl.csv", "toolgrad5k": "toolgrad5k.csv", "toolbench": "toolbench.csv"}
DELTAS_CSV = "deltas.csv"
MARKDOWN_FILE = "leaderboard.md"


def markdown(board: Leaderboard) -> str:
    from tabulate import tabulate

    out = [f"# {_md(board.title)}", ""]
    if board.synthetic:
        out += [
            "> **Synthetic data.** Rows marked *(synthetic)* come from generated demo data, not from real model outputs.",
            "",
        ]
    out += [
        "Reported = as printed in the named source; reproduced = measured by toolgrad-eval; "
        "(a–b) after a value = its 95% bootstrap CI ([a, b] for differences); Δ = reproduced − reported (points); "
        "† = reported value outside our CI; "
        "⚠n = reported numbers inconsistent, see note n.",
        "",
    ]
    for table in board.tables:
        headers = [
            "Model",
            "Source",
            *(c.label if table.benchmark == "toolgrad5k" else f"{c.label} ({c.group})" for c in table.columns),
        ]
        rows = []
        for group in table.groups:
            for i, row in enumerate(group.rows):
                name = group.label if row.kind == "reported" else ("" if row.kind == "difference" else row.label)
                if row.kind == "reproduced" and i == 0:
                    name = f"{group.label}: {row.label}"
                if row.synthetic:
                    name = f"{name} (synthetic)".strip()
                cells = [_md_cell(row.kind, row.cells[c.key], table) for c in table.columns]
                rows.append([_md(name), _md(_source(row)), *cells])
        out += [
            f"## {table.title}",
            "",
            tabulate(
                rows,
                headers=headers,
                tablefmt="github",
                disable_numparse=True,
                colalign=("left", "left", *("right",) * len(table.columns)),
            ),
            "",
        ]
        for note in table.notes:
            out.append(
                f"{note.number}. {'⚠ **Inconsistent reported numbers.** ' if note.kind == 'warning' else ''}{_md(note.text)}"
            )
        if table.notes:
            out.append("")
        if table.deltas:
            out += [f"### Base → fine-tune: {table.title}", ""]
            delta_rows = []
            for d in table.deltas:
                cells = []
                for c in table.columns:
                    cell = d.cells[c.key]
                    text = formatting.signed(cell.diff)
                    if cell.ci:
                        text += f" {formatting.interval(cell.ci, 1, sign=True)}"
                    if cell.p_value is not None:
                        text += f" ({formatting.p_value(cell.p_value)})"
                    cells.append(text)
                label = f"{d.pair} (synthetic)" if d.synthetic else d.pair
                delta_rows.append([_md(label), _md(f"{d.kind}: {d.detail}"), *cells])
            out += [
                tabulate(
                    delta_rows,
                    headers=headers[:2] + headers[2:],
                    tablefmt="github",
                    disable_numparse=True,
                    colalign=("left", "left", *("right",) * len(table.columns)),
                ),
                "",
            ]
    out += ["## Sources", ""]
    for name, file in board.sources:
        p = file.provenance
        out.append(
            f"- {_md(p.source)}: <{p.url}> (copied {p.date.isoformat()}; {_md(file.benchmark_version)}; `{name}`)"
        )
    return "\n".join(out) + "\n"


def csv_files(board: Leaderboard) -> dict[str, str]:
    """One CSV per benchmark table (values, CI bounds, note numbers) and one for all deltas."""
    import pandas as pd

    def text(records: list[dict[str, Any]]) -> str:
        # Six decimals keep every reported digit and drop binary noise such as 49.99999999999999.
        return pd.DataFrame.from_records(records).round(6).to_csv(index=False, lineterminator="\n")

    files = {CSV_FILES[t.benchmark]: text(_table_records(t)) for t in board.tables}
    files[DELTAS_CSV] = text([r for t in board.tables for r in _delta_records(t)])
    return files


def _table_records(table: Table) -> list[dict[str, Any]]:
    records = []
    for group in table.groups:
        for row in group.rows:
            record: dict[str, Any] = {
                "model": _csv_text(group.label),
                "row": row.kind,
                "name": _csv_text(row.label),
                "synthetic": row.synthetic,
                "source": _csv_text(row.source),
                "source_url": row.source_url or "",
            }
            for c in table.columns:
                cell = row.cells[c.key]
                record[c.key] = cell.value
                record[f"{c.key}_ci_low"] = cell.ci[0] if cell.ci else None
                record[f"{c.key}_ci_high"] = cell.ci[1] if cell.ci else None
                if row.kind == "difference":
                    record[f"{c.key}_outside_ci"] = cell.outside_ci
            record["notes"] = " ".join(f"{c.key}:{n}" for c in table.columns for n in row.cells[c.key].marks)
            records.append(record)
    return records


def _delta_records(table: Table) -> list[dict[str, Any]]:
    records = []
    for d in table.deltas:
        record: dict[str, Any] = {
            "benchmark": table.benchmark,
            "pair": d.pair,
            "row": d.kind,
            "detail": _csv_text(d.detail),
            "synthetic": d.synthetic,
        }
        for c in table.columns:
            delta = d.cells[c.key]
            record[c.key] = delta.diff
            record[f"{c.key}_ci_low"] = delta.ci[0] if delta.ci else None
            record[f"{c.key}_ci_high"] = delta.ci[1] if delta.ci else None
            record[f"{c.key}_p"] = delta.p_value
            record[f"{c.key}_n"] = delta.n
        records.append(record)
    return records


def _source(row: Any) -> str:
    if row.kind == "difference":
        return row.label
    return f"{row.kind}: {row.source}"


def _md_cell(kind: str, cell: Any, table: Table) -> str:
    if kind == "difference":
        return formatting.signed(cell.value) + ("†" if cell.outside_ci else "") if cell.value is not None else "—"
    text = formatting.value(cell.value)
    notes = table.notes_by_number
    for n in cell.marks:
        text += f" ⚠{n}" if notes[n].kind == "warning" else f" [{n}]"
    if cell.ci:
        text += f" ({formatting.interval(cell.ci)})"
    return text


_MD_SPECIAL = re.compile(r"([\\`*_\[\]()!|#~])")


def _md(text: str) -> str:
    """Model names are untrusted: Markdown renderers may pass raw HTML through, ``[x](javascript:..)``
    would be a live link, and '|' breaks rows. HTML characters become entities; every other
    punctuation Markdown gives a meaning is backslash-escaped (CommonMark shows it literally)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ").replace("\r", " ")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _csv_text(text: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas; a leading quote keeps them text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
