"""The one hook of a builtin rule-family plugin (``default_premier_passage`` … ``default_formation``).

Each such plugin is a module of its own, so that it can be blocked by name (datasette's default
plugins); its ``cqpkit_check_dossier`` is made here, importing its rule module on the first call
only: these modules are loaded on every start, including ``cqpkit list``.
"""

from __future__ import annotations

import importlib
from typing import Any

from cqpkit.hookspecs import hookimpl

__all__ = ["check_family"]


def check_family(module: str, *checks: str) -> Any:
    """A ``cqpkit_check_dossier`` implementation returning the findings of ``module``'s ``checks``, in order."""

    imported: list[Any] = []  # the module, imported at the first call (not looked up in sys.modules per dossier)

    if len(checks) == 1:  # (most families: the check's own list, a new one at each call, is the answer)
        (name,) = checks

        @hookimpl
        def cqpkit_check_dossier(referentiel: Any, dossier: Any, date: Any) -> list:
            if not imported:
                imported.append(importlib.import_module(module))
            return getattr(imported[0], name)(referentiel, dossier, date)

        return cqpkit_check_dossier

    @hookimpl
    def cqpkit_check_dossier(referentiel: Any, dossier: Any, date: Any) -> list:
        if not imported:
            imported.append(importlib.import_module(module))
        rules = imported[0]
        found: list = []
        for name in checks:
            found.extend(getattr(rules, name)(referentiel, dossier, date))
        return found

    return cqpkit_check_dossier
