"""cqpkit plugin: the five CQPs of the Mutualité branch (CPNEFP de la Mutualité / OEMM).

Registered through the entry point ``mutualite`` of group ``cqpkit``, like any third-party
plugin. Its référentiels are the TOML files of ``referentiels/``.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files

from cqpkit import hookimpl


@hookimpl
def cqpkit_referentiels(register: Callable[[object], None]) -> None:
    for entry in sorted(files(__name__).joinpath("referentiels").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            register(entry)
