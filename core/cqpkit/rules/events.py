"""The events of a dossier that rules name, resolved to dates (and to where they are written).

The event names are those of ``docs/engine.md`` and of ``[[regles]]`` in a référentiel
(:data:`cqpkit.model.EVENEMENTS`, plus ``module:<id>`` and ``epreuve:<id>``). Each one
resolves to zero, one or several dates, always sorted:

- ``inscription``: ``[dossier] inscription`` (always one date); ``nomination`` and
  ``depot_dossier``: those fields of ``[dossier]``, none when they are not filled in.
- ``debut_formation``: the first ``debut`` of ``formations``; ``fin_formation``: the last end of
  ``formations``, where a module without ``fin`` ends on its ``debut`` (a one-day session, or an
  end not recorded: the latest date known).
- ``premier_passage``: the first passage in front of the jury; ``passage``: every passage. A
  passage marked ``absent`` or ``excuse`` is not a passage in front of the jury: the candidate did
  not present himself, so it is neither the first passage nor a passage (as in
  :mod:`cqpkit.rules.decision`).
- ``module:<id>``: the ``debut`` of every time the module was followed (a repeatable module may be
  followed several times); ``epreuve:<id>``: the ``date`` of every evaluation of that épreuve.

With ``as_of``, occurrences after that day are dropped: they have not happened yet. The event is
resolved first and filtered afterwards, so ``fin_formation`` is the end of the whole training,
which has not happened while a module is still to end after ``as_of`` (it is not the end of the
last module finished so far).

An unknown event name raises :class:`ValueError` (the référentiel checks report it with its line
before any dossier is checked).
"""

from __future__ import annotations

from datetime import date

from attrs import frozen

from cqpkit.model import EVENEMENTS, Dossier
from cqpkit.model.invariants import quick_constructor

__all__ = ["Occurrence", "event_dates", "event_occurrences", "is_event"]

_PREFIXES = ("module", "epreuve")


@frozen(kw_only=True)
class Occurrence:
    """One occurrence of an event: its date and the ``chemin`` of the field that gives it in the dossier."""

    date: date
    chemin: str


def is_event(name: str) -> bool:
    """Whether ``name`` is an event that :func:`event_dates` resolves (``module:`` / ``epreuve:`` need an id)."""
    kind, colon, ident = name.partition(":")
    if colon:
        return kind in _PREFIXES and bool(ident)
    return name in EVENEMENTS


#: ``_occurrence(date, chemin)``: an :class:`Occurrence`, built without attrs' generic ``__init__``.
_occurrence = quick_constructor(Occurrence)


def _kept(pairs: list[tuple[date, int]], as_of: date | None, chemin: str) -> list[Occurrence]:
    """The occurrences of ``pairs`` (date, position in its list; sorted) on or before ``as_of``, ``chemin`` giving each
    one's path from its position (``"formations[{}].debut"``)."""
    return [_occurrence(d, chemin.format(i)) for d, i in pairs if as_of is None or d <= as_of]


def event_occurrences(dossier: Dossier, name: str, *, as_of: date | None = None) -> list[Occurrence]:
    """Every occurrence of the event ``name`` in ``dossier``, sorted by date, without those after ``as_of``.

    See the module docstring for what each event is. Raises :class:`ValueError` for an unknown event.
    Ties on the date are broken by the position in the dossier, so the order never depends on input order: every
    occurrence of one event comes from one list of the dossier, and the pairs (date, position) are sorted.
    """
    info = dossier.dossier
    kind, colon, ident = name.partition(":")
    if colon and kind == "module" and ident:
        pairs = [(f.debut, i) for i, f in enumerate(dossier.formations) if f.module == ident]
        pairs.sort()
        return _kept(pairs, as_of, "formations[{}].debut")
    if colon and kind == "epreuve" and ident:
        pairs = [(e.date, i) for i, e in enumerate(dossier.evaluations) if e.epreuve == ident]
        pairs.sort()
        return _kept(pairs, as_of, "evaluations[{}].date")
    if name == "inscription":
        single: tuple[date | None, str] = (info.inscription, "dossier.inscription")
    elif name == "nomination":
        single = (info.nomination, "dossier.nomination")
    elif name == "depot_dossier":
        single = (info.depot_dossier, "dossier.depot_dossier")
    elif name == "debut_formation":
        if not dossier.formations:
            return []
        first = min((f.debut, i) for i, f in enumerate(dossier.formations))
        return _kept([first], as_of, "formations[{}].debut")
    elif name == "fin_formation":
        if not dossier.formations:
            return []
        # a module without ``fin`` ends on its ``debut``: the last end, and the field that gives it
        day, i = max((f.fin if f.fin is not None else f.debut, i) for i, f in enumerate(dossier.formations))
        field = "fin" if dossier.formations[i].fin is not None else "debut"
        return _kept([(day, i)], as_of, f"formations[{{}}].{field}")
    elif name in ("passage", "premier_passage"):
        pairs = [(p.date, i) for i, p in enumerate(dossier.passages) if not (p.absent or p.excuse)]
        if name == "premier_passage":
            pairs = [min(pairs)] if pairs else []
        else:
            pairs.sort()
        return _kept(pairs, as_of, "passages[{}].date")
    else:
        raise ValueError(
            f"événement « {name} » inconnu (événements possibles : {', '.join(EVENEMENTS)}, module:<id>, epreuve:<id>)"
        )
    day, chemin = single
    if day is None or (as_of is not None and day > as_of):
        return []
    return [_occurrence(day, chemin)]


def event_dates(dossier: Dossier, name: str, *, as_of: date | None = None) -> list[date]:
    """The dates of the event ``name`` in ``dossier``, sorted (see :func:`event_occurrences`)."""
    return [o.date for o in event_occurrences(dossier, name, as_of=as_of)]
