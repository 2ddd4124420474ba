"""What the official generator sends for BFCL entries, computed by bfcl-eval itself (a test oracle).

Run in the oracle's interpreter with bfcl-eval on ``PYTHONPATH`` (see tests/bfcl/oracle.py): for each
entry, the functions after the official language pre-processing, the ``tools`` the OpenAI-style FC
handler sends, and the messages its prompt mode sends. Entries are data only (literals); nothing
here runs model output.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bfcl import oracle  # noqa: E402


def official_requests(version: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``{"tools": [...], "messages": [...]}`` per entry, as bfcl-eval ``version``'s release builds them."""
    return list(oracle.official_worker(__file__, [version], version, entries, "official request worker"))


def _worker(version: str, cases_path: str, out_path: str) -> None:
    oracle._install_stand_ins()
    from bfcl_eval.constants.type_mappings import GORILLA_TO_OPENAPI

    if version == "v4":
        from bfcl_eval.constants.enums import ModelStyle
        from bfcl_eval.model_handler.utils import convert_to_tool, system_prompt_pre_processing_chat_model
        from bfcl_eval.utils import _func_doc_language_specific_pre_processing as notes

        def prompted(messages: list, functions: list, entry: dict) -> list:
            return system_prompt_pre_processing_chat_model(messages, functions, entry["id"])
    else:
        from bfcl_eval.model_handler.model_style import ModelStyle
        from bfcl_eval.model_handler.utils import convert_to_tool, system_prompt_pre_processing_chat_model
        from bfcl_eval.model_handler.utils import func_doc_language_specific_pre_processing as notes

        def prompted(messages: list, functions: list, entry: dict) -> list:
            return system_prompt_pre_processing_chat_model(messages, functions, entry["id"].rsplit("_", 1)[0])

    out = []
    for entry in json.loads(Path(cases_path).read_text()):
        category = entry["id"].rsplit("_", 1)[0] if version == "v3" else entry["category"]
        functions = notes(copy.deepcopy(entry["function"]), category)
        style = ModelStyle.OPENAI_COMPLETIONS if version == "v4" else ModelStyle.OpenAI
        tools = convert_to_tool(functions, GORILLA_TO_OPENAPI, style)
        messages = prompted(copy.deepcopy(entry["question"][0]), functions, entry)
        out.append({"tools": tools, "messages": messages})
    Path(out_path).write_text(json.dumps(out))


if __name__ == "__main__":
    _worker(*sys.argv[1:4])
