"""Entry point: `python -m diagnosis …` (see diagnosis/cli.py for the contract)."""
import sys

# Before importing the CLI: a clear message instead of an ImportError (so ruff's py311 target must not drop it).
if sys.version_info < (3, 11):  # noqa: UP036
    sys.exit(f"Space Doctor needs Python 3.11 or newer; this is Python {sys.version_info[0]}.{sys.version_info[1]}.")

from .cli import main

sys.exit(main())
