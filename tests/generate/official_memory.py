"""The first request of BFCL memory entries as bfcl-eval 2026.3.23 builds it (a test oracle).

Run in the oracle's interpreter (tests/bfcl/oracle.py): the release's own loading of a memory
category (ids renamed, prerequisites first, the agentic answer format, function docs with their
language note), its memory system prompt around the memory content we give per id, the ``tools``
its OpenAI-style FC handler sends and the messages its prompt mode sends.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bfcl import oracle  # noqa: E402


def official_first_requests(cases: dict[str, dict[str, str]]) -> dict[str, dict[str, Any]]:
    """``cases``: category -> {entry id: the memory content its system prompt shows}; returns per id
    ``{"tools", "fc_messages", "prompt_messages"}``."""
    return dict(oracle.official_worker(__file__, [], "v4", cases, "official memory request worker"))


def _worker(cases_path: str, out_path: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bfcl"))
    from agentic_oracle import _stand_ins  # a lock that does nothing (the loader locks data files)

    _stand_ins()
    from bfcl_eval.constants.enums import ModelStyle
    from bfcl_eval.constants.type_mappings import GORILLA_TO_OPENAPI
    from bfcl_eval.model_handler.utils import (
        add_memory_instruction_system_prompt,
        convert_to_tool,
        system_prompt_pre_processing_chat_model,
    )
    from bfcl_eval.utils import load_dataset_entry

    out = {}
    for category, contents in json.loads(Path(cases_path).read_text()).items():
        for entry in load_dataset_entry(category):
            if entry["id"] not in contents:
                continue

            class Memory:
                def _dump_core_memory_to_context(self, content: str = contents[entry["id"]]) -> str:
                    return content

            question = add_memory_instruction_system_prompt(entry["question"], category, entry["scenario"], Memory())
            out[entry["id"]] = {
                "tools": convert_to_tool(entry["function"], GORILLA_TO_OPENAPI, ModelStyle.OPENAI_COMPLETIONS),
                "fc_messages": question[0],
                "prompt_messages": system_prompt_pre_processing_chat_model(
                    copy.deepcopy(question[0]), entry["function"], entry["id"]
                ),
            }
    Path(out_path).write_text(json.dumps(out))


if __name__ == "__main__":
    _worker(*sys.argv[1:3])
