"""cqpkit plugin ``exemple``: one fictional référentiel, a test fixture for third-party plugins.

Registered through the entry point ``exemple`` of group ``cqpkit``. Its référentiels are
the TOML files of ``referentiels/``, found with :mod:`importlib.resources` so that the
plugin works from a wheel, a ``--target`` directory or a source tree alike.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files

from cqpkit import hookimpl


@hookimpl
def cqpkit_referentiels(register: Callable[[object], None]) -> None:
    """Register every ``referentiels/*.toml`` file of this package, sorted by name."""
    for entry in sorted(files(__name__).joinpath("referentiels").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            register(entry)
