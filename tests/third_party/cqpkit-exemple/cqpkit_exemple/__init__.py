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

__all__ = ["CERTIFICATIONS", "cqpkit_check_dossier", "cqpkit_referentiels"]

#: The certifications this plugin supplies: its hooks answer for these only.
CERTIFICATIONS = frozenset({"exemple.agent-test"})


@hookimpl
def cqpkit_referentiels(register: Callable[[object], None]) -> None:
    """Register every ``referentiels/*.toml`` file of this package, sorted by name."""
    for entry in sorted(files(__name__).joinpath("referentiels").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            register(entry)
