"""Moved to :mod:`cqpkit.render.labels`; this name stays for the code that imports it from here."""

from cqpkit.render.labels import *  # noqa: F403
from cqpkit.render.labels import __all__  # noqa: F401
