"""Builtin plugin: the checks of the ``[[regles]]`` of the référentiel, :mod:`cqpkit.rules.checks.regles`.

One rule family of the generic engine; block it by name (``CQPKIT_DISABLE_PLUGINS``, or a plugin's
``CQPKIT_BLOCKS`` for its own référentiels) to do without it. The rules are imported inside the hook:
this module is loaded on every start, including ``cqpkit list``.
"""

from __future__ import annotations

from typing import Any

from cqpkit.hookspecs import hookimpl


@hookimpl
def cqpkit_check_dossier(referentiel: Any, dossier: Any, date: Any) -> list:
    from cqpkit.rules.checks.regles import check_regles

    return check_regles(referentiel, dossier, date)
