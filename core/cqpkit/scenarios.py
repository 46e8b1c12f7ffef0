"""Moved to :mod:`cqpkit.testing.scenarios`; this name stays for the plugins and tests that import it from here."""

from cqpkit.testing.scenarios import *  # noqa: F403
from cqpkit.testing.scenarios import __all__  # noqa: F401
