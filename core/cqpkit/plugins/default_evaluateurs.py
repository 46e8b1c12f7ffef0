"""Builtin plugin: the checks of the evaluators of each evaluation, :mod:`cqpkit.rules.checks.evaluateurs`.

One rule family of the generic engine; block it by name (``CQPKIT_DISABLE_PLUGINS``, or a plugin's
``CQPKIT_BLOCKS`` for its own référentiels) to do without it. The rules are imported inside the hook:
this module is loaded on every start, including ``cqpkit list``.
"""

from __future__ import annotations

from typing import Any

from cqpkit.hookspecs import hookimpl


@hookimpl
def cqpkit_check_dossier(referentiel: Any, dossier: Any, date: Any) -> list:
    from cqpkit.rules.checks.evaluateurs import check_evaluateurs

    return check_evaluateurs(referentiel, dossier, date)
