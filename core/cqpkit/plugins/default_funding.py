"""Builtin plugin: the funding and reward lines, :mod:`cqpkit.rules.funding`.

``cqpkit_funding`` gives the lines of the référentiel's ``[financement.*]``; ``cqpkit_check_dossier``
gives the funding engine's findings (a barème unknown at an event's date, a line waiting for its
event…), which are findings of the dossier. Both read the registry's decision (``resultat``).

Both come from one report of the funding engine (:func:`cqpkit.rules.funding.funding_report`): the last one
is kept, for the same objects (the référentiel, the dossier and the decision, compared by identity — model
objects are frozen — and the date), so that the registry's checks and lines of one dossier at one date
(:meth:`Registry.assess`, ``explain``) compute it once.
"""

from __future__ import annotations

from typing import Any

from cqpkit.hookspecs import hookimpl

#: The last report: ``(referentiel, dossier, date, resultat, report)`` (one tuple, replaced whole: safe across threads).
_last: list[tuple[Any, Any, Any, Any, Any] | None] = [None]
_engine: list[Any] = []


def _report(referentiel: Any, dossier: Any, date: Any, resultat: Any) -> Any:
    """The funding engine's report for these arguments: the last one again when they are the same objects."""
    last = _last[0]
    if last is not None and last[0] is referentiel and last[1] is dossier and last[3] is resultat and last[2] == date:
        return last[4]
    if not _engine:  # imported at the first call (an import statement per dossier costs a microsecond)
        from cqpkit.rules.funding import funding_report

        _engine.append(funding_report)
    report = _engine[0](referentiel, dossier, date, resultat)
    _last[0] = (referentiel, dossier, date, resultat, report)
    return report


@hookimpl
def cqpkit_check_dossier(referentiel: Any, dossier: Any, date: Any, resultat: Any) -> list[Any]:
    return list(_report(referentiel, dossier, date, resultat).constats)


@hookimpl
def cqpkit_funding(referentiel: Any, dossier: Any, date: Any, resultat: Any) -> list[Any]:
    return list(_report(referentiel, dossier, date, resultat).lignes)
