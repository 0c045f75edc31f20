"""Entry point: `python -m diagnosis …` (see diagnosis/cli.py for the contract)."""
import sys

if sys.version_info < (3, 11):  # before importing the CLI: a clear message instead of an ImportError
    sys.exit("Space Doctor needs Python 3.11 or newer; this is Python %d.%d." % sys.version_info[:2])

from .cli import main

sys.exit(main())
