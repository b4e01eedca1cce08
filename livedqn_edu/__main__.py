"""``python -m livedqn_edu ...`` is the same as the ``livedqn-edu`` command."""

from livedqn_edu.cli import main

raise SystemExit(main())
