"""Generation: ask a served model (any OpenAI-compatible server) the BFCL questions and write BFCL
result files, then score them with :mod:`toolgrad_eval.bfcl`.

Modules: ``runner`` (the flow), ``request`` (one entry as a request, the reply as a result),
``functions`` (function docs and ``tools``), ``prompt`` (the system prompt), ``sender`` (requests
through the judge's endpoint pool, limiter and retries), ``resultfile`` (resumable result files),
``settings`` (the settings recorded beside the results, read by scoring), ``progress``;
multi-turn: ``multi_turn`` (conversations in threads), ``conversation`` (one entry's turns and
steps), ``multi_turn_sim`` (an entry's simulators in a bounded child), ``memory`` (BFCL v4's memory
categories: prerequisite chains, snapshots, resume).
Import what you need from those modules; nothing is imported here, so scoring can read the
settings without loading the rest.
"""
