"""Test support code shared across test areas: the fake OpenAI server (support.fake_openai, with
its Files/Batch routes in support.fake_batch and shared request rules in support.fake_protocol)."""
