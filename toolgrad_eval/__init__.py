"""toolgrad-eval: evaluate tool-use LLMs on ToolGrad-5k and BFCL, and publish leaderboards."""

__version__ = "0.1.0"

__all__ = ["__version__"]
