"""cqpkit plugin ``exemple``: a fictional branch CQP, the third-party plugin of cqpkit's tests.

Registered through the entry point ``exemple`` of group ``cqpkit``. It supplies one
référentiel (``referentiels/agent-test-2024.toml``: three blocs, an épreuve, a VAE route,
a jury and a funding barème) and one rule the TOML cannot say, written in Python in
:mod:`cqpkit_exemple.regles`. Its référentiels are found with :mod:`importlib.resources`, so
that the plugin works from a wheel, a ``--target`` directory or a source tree alike.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files

from cqpkit import hookimpl

from cqpkit_exemple.regles import cqpkit_check_dossier

__all__ = ["CQPKIT_CODES", "cqpkit_check_dossier", "cqpkit_referentiels"]

#: The finding codes this plugin's hooks give (its scenarios may expect them).
CQPKIT_CODES = ("exemple_bloc_d3_premature",)


@hookimpl
def cqpkit_referentiels(register: Callable[[object], None]) -> None:
    """Register the ``referentiels/`` directory of this package: each of its ``*.toml`` files, sorted by name."""
    register(files(__name__) / "referentiels")
