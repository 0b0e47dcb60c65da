"""`python -m registry` runs the same command line as `registry`."""

from .cli import main

raise SystemExit(main())
