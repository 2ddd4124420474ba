"""The ToolGrad-5k benchmark: dataset layout, rule metrics, and the scoring run."""
