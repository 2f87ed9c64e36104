"""``python -m exitmap.cli``: the same command group (the server starts its worker this way)."""

from exitmap.cli import main

main()
