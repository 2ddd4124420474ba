"""The LLM judge: versioned prompt templates, an OpenAI-compatible client, and a cache."""
