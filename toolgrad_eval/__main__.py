import sys

from toolgrad_eval.cli.main import main

sys.exit(main())
