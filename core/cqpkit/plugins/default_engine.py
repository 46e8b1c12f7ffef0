"""Builtin plugin: the generic, TOML-driven engine behind the dossier hooks.

Each hook calls a pure function of :mod:`cqpkit.rules`. The rules modules (and attrs,
cattrs) are imported inside the hooks, not at the top: this module is loaded on every
start, including ``cqpkit list``. The ``firstresult`` hooks (``cqpkit_decide``,
``cqpkit_plan_parcours``) are marked ``trylast`` so that any plugin answers before the
generic engine; the contributing hooks (checks, funding) add to what plugins return.
"""

from __future__ import annotations

from typing import Any

from cqpkit.hookspecs import hookimpl


@hookimpl
def cqpkit_check_dossier(referentiel: Any, dossier: Any, date: Any, resultat: Any) -> list:
    from cqpkit.rules.checks import check_dossier
    from cqpkit.rules.funding import funding_constats

    # The funding engine's findings (a barème unknown at an event's date…) are findings of the dossier.
    return check_dossier(referentiel, dossier, date) + funding_constats(referentiel, dossier, date, resultat)


@hookimpl
def cqpkit_check_session(referentiel: Any, session: Any, dossiers: Any, historique: Any) -> list:
    from cqpkit.rules.jury import check_session

    return check_session(referentiel, session, dossiers, historique)


@hookimpl(trylast=True)
def cqpkit_plan_parcours(referentiel: Any, dossier: Any, date: Any) -> Any:
    from cqpkit.rules.orientation import plan

    return plan(referentiel, dossier, date)


@hookimpl(trylast=True)
def cqpkit_decide(referentiel: Any, dossier: Any, date: Any) -> Any:
    from cqpkit.rules.decision import decide

    return decide(referentiel, dossier, date)


@hookimpl
def cqpkit_funding(referentiel: Any, dossier: Any, date: Any, resultat: Any) -> list:
    from cqpkit.rules.funding import funding

    return funding(referentiel, dossier, date, resultat)
