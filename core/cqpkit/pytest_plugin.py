"""Moved to :mod:`cqpkit.testing.pytest_plugin` (the ``pytest11`` entry point); this name stays for an environment
whose installed metadata still points here, until it is reinstalled."""

from cqpkit.testing.pytest_plugin import *  # noqa: F403
