"""Test support code shared across test areas (fake OpenAI server: support.fake_openai)."""
