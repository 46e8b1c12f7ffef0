"""Builtin plugin: the funding and reward lines, :mod:`cqpkit.rules.funding`.

``cqpkit_funding`` gives the lines of the référentiel's ``[financement.*]``; ``cqpkit_check_dossier``
gives the funding engine's findings (a barème unknown at an event's date, a line waiting for its
event…), which are findings of the dossier. Both read the registry's decision (``resultat``).
"""

from __future__ import annotations

from typing import Any

from cqpkit.hookspecs import hookimpl


@hookimpl
def cqpkit_check_dossier(referentiel: Any, dossier: Any, date: Any, resultat: Any) -> list:
    from cqpkit.rules.funding import funding_constats

    return funding_constats(referentiel, dossier, date, resultat)


@hookimpl
def cqpkit_funding(referentiel: Any, dossier: Any, date: Any, resultat: Any) -> list:
    from cqpkit.rules.funding import funding

    return funding(referentiel, dossier, date, resultat)
