"""Entry point: `python -m diagnosis …` (see diagnosis/cli.py for the contract)."""
import sys

from .cli import main

sys.exit(main())
