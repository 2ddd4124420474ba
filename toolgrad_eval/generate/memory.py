"""``generate`` for BFCL v4's memory categories: each scenario's prerequisite chain, then its questions.

A memory category (``memory_kv``, ``memory_rec_sum``; ``memory_vector`` opt-in) asks the questions
of ``BFCL_v4_memory.json`` of a model that first held the conversations of
``memory_prereq_conversation/memory_<scenario>.json`` with the same memory back-end. As the official
generator does (bfcl-eval 2026.3.23):

* ids are renamed per back-end (``memory_prereq_0-customer-0`` -> ``memory_kv_prereq_0-customer-0``,
  ``memory_0-customer-0`` -> ``memory_kv_0-customer-0``); the entry's only class is the back-end
  (``MemoryAPI_kv``), its ``initial_config`` the model's result folder, the scenario and the id;
* the prerequisite conversations of a scenario run one after another, in their declared order: the
  first starts with an empty memory, each later one loads the snapshot the previous one left
  (``<scenario>_final.json``), and each writes its snapshot when its conversation ends
  (``memory_snapshot/prereq_checkpoints/<id>.json`` and ``memory_snapshot/<scenario>_final.json``
  under ``agentic/memory/<backend>/``); the questions then load the final snapshot and never write
  one, so a scenario's questions run concurrently, as do different scenarios and back-ends;
* the first message is a system prompt with the scenario's setting and the back-end's instructions,
  holding the core memory as loaded (``_dump_core_memory_to_context``); a question's first message
  also carries the agentic answer-format instruction after it. These texts are read from the
  release's ``default_prompts.py`` (beside the data), as prompt mode's system prompt is;
* results go to ``agentic/memory/<backend>/BFCL_v4_memory_<backend>_prereq_result.json`` (the
  chains: never scored, only what the memory was built from) and ``BFCL_v4_memory_<backend>_result.json``.

Where we differ, on purpose: a prerequisite conversation that fails (no reply after the retries, a
refused request, the execution bounds) stops its chain for this run, and that scenario's questions
wait for the next run (the official generator goes on with the memory missing that conversation).
A question is never asked on a half-built memory.

Resuming (``kill -9``): prerequisite lines are written after their snapshots, so a recorded
prerequisite has its checkpoint. A chain restarts after its last recorded entry, from that entry's
checkpoint (copied over ``<scenario>_final.json`` first: a later entry may have written it and died
before its line); when that checkpoint is missing or unreadable the chain's lines are dropped and it
is redone from its start. A scenario whose questions are all answered is not redone at all (as
officially).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolgrad_eval.bfcl.agentic import MEMORY_SCENARIOS, agentic_entries
from toolgrad_eval.bfcl.data import BfclData, Entry, installed_package
from toolgrad_eval.errors import ConfigError
from toolgrad_eval.fileio import atomic_write_text
from toolgrad_eval.generate import prompt as prompts
from toolgrad_eval.generate.conversation import MultiTurnEntry
from toolgrad_eval.generate.resultfile import ResultFile

__all__ = [
    "BACKEND_CLASS",
    "MEMORY_CATEGORIES",
    "Chain",
    "MemoryPrompts",
    "first_turn_system",
    "memory_folder",
    "plan_chains",
    "prereq_category",
    "prereq_digest",
    "prereq_entries",
    "read_prompts",
    "restore_snapshot",
    "with_answer_format",
    "with_memory_config",
]

MEMORY_CATEGORIES = ("memory_kv", "memory_rec_sum", "memory_vector")
BACKEND_CLASS = {c: f"MemoryAPI_{c[len('memory_') :]}" for c in MEMORY_CATEGORIES}
PREREQ_FOLDER = "memory_prereq_conversation"
SNAPSHOTS = "memory_snapshot"
CHECKPOINTS = "prereq_checkpoints"
# The ids and scenarios a snapshot path is made of: nothing else reaches a path.
_ID = re.compile(r"^memory_(?:kv|rec_sum|vector)(?:_prereq)?_[0-9]+-[a-z]+-[0-9]+$")
_SCENARIO = re.compile(r"^[a-z]+$")


def prereq_category(category: str) -> str:
    """The result-file name of a back-end's prerequisite conversations (``memory_kv_prereq``)."""
    return f"{category}_prereq"


def memory_folder(model_dir: Path, category: str) -> Path:
    """``<model>/agentic/memory/<backend>``: the back-end's result files and snapshots."""
    return model_dir / "agentic" / "memory" / category[len("memory_") :]


def _snapshots(model_dir: Path, category: str) -> Path:
    return memory_folder(model_dir, category) / SNAPSHOTS


@dataclass(frozen=True)
class MemoryPrompts:
    """The release's memory texts: the agentic answer format, each scenario's setting, and the two
    back-end instruction templates (``{scenario_setting}``, ``{memory_content}``)."""

    answer_format: str
    settings: dict[str, str]
    core_archival: str
    unified: str

    def system(self, category: str, scenario: str, memory_content: str) -> str:
        template = self.unified if category == "memory_rec_sum" else self.core_archival
        return prompts.fill(template, scenario_setting=self.settings[scenario], memory_content=memory_content)


def read_prompts(data: BfclData) -> MemoryPrompts:
    """The memory texts of the release the data came from; ConfigError when they are not there."""
    found_package = installed_package()
    installed = found_package[0] if found_package else None
    path = prompts.find_official(data.version, data.root, installed)
    if path is None:
        raise ConfigError(
            f"{data.root}: no {prompts.OFFICIAL_FILE} beside the data; memory categories need the official "
            f"memory prompts: run `toolgrad-eval bfcl-data fetch {data.version} --force`"
        )
    values = prompts.read_literals(path)
    try:
        out = MemoryPrompts(
            values["ADDITIONAL_SYSTEM_PROMPT_FOR_AGENTIC_RESPONSE_FORMAT"],
            dict(values["MEMORY_AGENT_SETTINGS"]),
            values["MEMORY_BACKEND_INSTRUCTION_CORE_ARCHIVAL"],
            values["MEMORY_BACKEND_INSTRUCTION_UNIFIED"],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: not the BFCL v4 memory prompt layout (no {exc})") from None
    texts = [out.answer_format, out.core_archival, out.unified, *out.settings.values()]
    if not all(isinstance(t, str) for t in texts):
        raise ConfigError(f"{path}: a memory prompt is not a string")
    return out


@dataclass
class Chain:
    """One scenario of one back-end: the prerequisite conversations still to hold (in order), then
    the questions still to ask. ``restore`` is the checkpoint to copy over ``latest`` before the first
    prerequisite runs (None: the chain starts from its first entry, or is already complete)."""

    category: str
    scenario: str
    prereqs: list[Entry]
    questions: list[Entry]
    latest: Path
    restore: Path | None = None


def prereq_digest(data: BfclData) -> str:
    """``sha256:<hex>`` of the prerequisite conversations (every scenario's file, by name): recorded
    beside the question files' digests, so a resume over other chains is refused as over other questions."""
    digest = hashlib.sha256()
    folder = data.root / PREREQ_FOLDER
    try:
        for path in sorted(folder.glob("memory_*.json")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    except OSError as exc:
        raise ConfigError(
            f"{folder}: cannot read the memory prerequisite conversations ({exc.strerror or exc})"
        ) from None
    return f"sha256:{digest.hexdigest()}"


def prereq_entries(data: BfclData, category: str, scenario: str) -> list[Entry]:
    """The scenario's prerequisite conversations with the back-end's ids, in their declared order."""
    path = data.root / PREREQ_FOLDER / f"memory_{scenario}.json"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read the memory prerequisite conversations ({exc.strerror or exc})"
        ) from None
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            question = json.loads(line)
            entry_id = question["id"].replace("memory", category)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ConfigError(f"{path}:{number}: not a BFCL memory prerequisite entry (JSON with an id)") from None
        if not _ID.match(entry_id) or not entry_id.endswith(f"-{scenario}-{len(out)}"):
            raise ConfigError(f"{path}:{number}: id {question['id']!r} is not the chain's entry {len(out)}")
        question = {**question, "id": entry_id, "scenario": scenario, "involved_classes": [BACKEND_CLASS[category]]}
        out.append(Entry(entry_id, question, None))
    return out


def with_memory_config(entry: Entry, category: str, model_dir: Path) -> Entry:
    """The entry with the official ``initial_config`` of its back-end; ValueError when its id or
    scenario could steer a snapshot path."""
    scenario = entry.question.get("scenario")
    if not isinstance(scenario, str) or not _SCENARIO.match(scenario) or scenario not in MEMORY_SCENARIOS:
        raise ValueError(f"scenario {scenario!r} is not a BFCL memory scenario")
    if not _ID.match(entry.id):
        raise ValueError(f"id {entry.id!r} is not a BFCL memory id")
    config = {
        BACKEND_CLASS[category]: {
            "model_result_dir": model_dir.resolve(),
            "scenario": scenario,
            "test_id": entry.id,
            "test_category": entry.id.rsplit("_", 1)[0],
        }
    }
    return Entry(entry.id, {**entry.question, "initial_config": config}, entry.answer)


def plan_chains(
    data: BfclData, category: str, model_dir: Path, prereq_store: ResultFile, question_store: ResultFile
) -> tuple[list[Chain], list[Entry]]:
    """What a run of ``category`` has to do, scenario by scenario, given what the stores hold; and
    the questions with no BFCL scenario (each gets an error line)."""
    questions = agentic_entries(data, category)
    by_scenario: dict[str, list[Entry]] = {}
    malformed: list[Entry] = []
    for entry in questions:
        scenario = entry.question.get("scenario")
        if scenario in MEMORY_SCENARIOS:
            by_scenario.setdefault(str(scenario), []).append(entry)
        elif entry.id not in question_store.done:
            malformed.append(entry)
    chains = []
    snapshots = _snapshots(model_dir, category)
    for scenario, entries in by_scenario.items():
        waiting = [e for e in entries if e.id not in question_store.done]
        if not waiting:
            continue  # every question answered: the chain is not held again
        chain = prereq_entries(data, category, scenario)
        ids = [e.id for e in chain]
        _clear_leftovers(snapshots, ids, scenario)
        start = next((i for i, entry_id in enumerate(ids) if entry_id not in prereq_store.done), len(ids))
        restore: Path | None = None
        if start:
            restore = snapshots / CHECKPOINTS / f"{ids[start - 1]}.json"
            later_done = any(entry_id in prereq_store.done for entry_id in ids[start:])
            if later_done or not _readable_json(restore):
                prereq_store.forget(ids)  # cannot show where the chain stood: held again from its start
                start, restore = 0, None
        chains.append(Chain(category, scenario, chain[start:], waiting, snapshots / f"{scenario}_final.json", restore))
    return chains, malformed


def _clear_leftovers(snapshots: Path, ids: list[str], scenario: str) -> None:
    """What a ``kill -9`` in the middle of a snapshot's flush left (a ``.flush-*`` scratch folder,
    a temporary beside a snapshot), once it is older than ``_LEFTOVER_SECONDS``: a flush in progress
    in another run is younger. Nothing reads them; this keeps the folder to what BFCL writes."""
    import shutil
    import time

    from toolgrad_eval.fileio import remove_stale_temporaries

    checkpoints = snapshots / CHECKPOINTS
    for scratch in checkpoints.glob(".flush-*"):
        try:
            if scratch.is_dir() and time.time() - scratch.stat().st_mtime > _LEFTOVER_SECONDS:
                shutil.rmtree(scratch, ignore_errors=True)
        except OSError:
            pass
    for path in [*(checkpoints / f"{entry_id}.json" for entry_id in ids), snapshots / f"{scenario}_final.json"]:
        remove_stale_temporaries(path, older_than=_LEFTOVER_SECONDS)


_LEFTOVER_SECONDS = 600.0


def with_answer_format(entry: Entry, text: str) -> Entry:
    """A question with the agentic answer-format instruction as a system message opening its first
    turn (the official ``process_agentic_test_case``; prerequisites get none)."""
    turns = entry.question.get("question")
    if not isinstance(turns, list) or not turns or not isinstance(turns[0], list):
        return entry  # prepare_entry says what is wrong with it
    first = [{"role": "system", "content": text}, *turns[0]]
    return Entry(entry.id, {**entry.question, "question": [first, *turns[1:]]}, entry.answer)


def restore_snapshot(chain: Chain) -> None:
    """Put the checkpoint a resumed chain starts from in place of the scenario's latest snapshot."""
    if chain.restore is not None:
        atomic_write_text(chain.latest, chain.restore.read_text(encoding="utf-8"))


def _readable_json(path: Path) -> bool:
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return True


def first_turn_system(entry: MultiTurnEntry, text: str) -> MultiTurnEntry:
    """``entry`` with ``text`` as (the start of) its first system message, as the official
    ``add_memory_instruction_system_prompt`` and ``process_agentic_test_case`` put it."""
    from dataclasses import replace

    turns: list[list[dict[str, Any]]] = [list(t) for t in entry.turns]
    if not turns:
        raise ValueError("the question has no turn")
    turns[0] = prompts.with_system_prompt(turns[0], text)
    return replace(entry, turns=turns)
