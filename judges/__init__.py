"""Judge prompt templates (data). Shipped inside the wheel as toolgrad_eval.judges."""
