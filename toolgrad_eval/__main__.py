from toolgrad_eval.cli.main import entry

entry()
