"""`python -m glassnet`: the command-line interface (see glassnet.cli)."""

from .cli import main

raise SystemExit(main())
