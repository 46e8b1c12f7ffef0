"""Builtin plugin: the generic orientation after the positionnement, :func:`cqpkit.rules.orientation.plan`.

``trylast``: any plugin's ``cqpkit_plan_parcours`` answers before it (``firstresult``).
"""

from __future__ import annotations

from typing import Any

from cqpkit.hookspecs import hookimpl


@hookimpl(trylast=True)
def cqpkit_plan_parcours(referentiel: Any, dossier: Any, date: Any) -> Any:
    from cqpkit.rules.orientation import plan

    return plan(referentiel, dossier, date)
