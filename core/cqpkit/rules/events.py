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

from collections.abc import Iterable
from datetime import date

from attrs import frozen

from cqpkit.model import EVENEMENTS, Dossier

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


def _sorted(occurrences: Iterable[Occurrence], as_of: date | None) -> list[Occurrence]:
    kept = [o for o in occurrences if as_of is None or o.date <= as_of]
    # Ties on the date are broken by the position in the dossier, so the order never depends on input order.
    return sorted(kept, key=lambda o: (o.date, _position(o.chemin)))


def _position(chemin: str) -> tuple[str, int]:
    head, _, rest = chemin.partition("[")
    index = rest.partition("]")[0]
    return (head, int(index) if index.isdigit() else -1)


def event_occurrences(dossier: Dossier, name: str, *, as_of: date | None = None) -> list[Occurrence]:
    """Every occurrence of the event ``name`` in ``dossier``, sorted by date, without those after ``as_of``.

    See the module docstring for what each event is. Raises :class:`ValueError` for an unknown event.
    """
    info = dossier.dossier
    kind, colon, ident = name.partition(":")
    found: list[Occurrence]
    if colon and kind == "module" and ident:
        found = [
            Occurrence(date=f.debut, chemin=f"formations[{i}].debut")
            for i, f in enumerate(dossier.formations)
            if f.module == ident
        ]
    elif colon and kind == "epreuve" and ident:
        found = [
            Occurrence(date=e.date, chemin=f"evaluations[{i}].date")
            for i, e in enumerate(dossier.evaluations)
            if e.epreuve == ident
        ]
    elif name == "inscription":
        found = [Occurrence(date=info.inscription, chemin="dossier.inscription")]
    elif name == "nomination":
        found = [] if info.nomination is None else [Occurrence(date=info.nomination, chemin="dossier.nomination")]
    elif name == "depot_dossier":
        found = (
            [] if info.depot_dossier is None else [Occurrence(date=info.depot_dossier, chemin="dossier.depot_dossier")]
        )
    elif name == "debut_formation":
        starts = _sorted(
            (Occurrence(date=f.debut, chemin=f"formations[{i}].debut") for i, f in enumerate(dossier.formations)),
            None,
        )
        found = starts[:1]
    elif name == "fin_formation":
        ends = _sorted(
            (
                Occurrence(date=f.fin, chemin=f"formations[{i}].fin")
                if f.fin is not None
                else Occurrence(date=f.debut, chemin=f"formations[{i}].debut")
                for i, f in enumerate(dossier.formations)
            ),
            None,
        )
        found = ends[-1:]
    elif name in ("passage", "premier_passage"):
        passages = _sorted(
            (
                Occurrence(date=p.date, chemin=f"passages[{i}].date")
                for i, p in enumerate(dossier.passages)
                if not (p.absent or p.excuse)
            ),
            None,
        )
        found = passages[:1] if name == "premier_passage" else passages
    else:
        raise ValueError(
            f"événement « {name} » inconnu (événements possibles : {', '.join(EVENEMENTS)}, module:<id>, epreuve:<id>)"
        )
    return _sorted(found, as_of)


def event_dates(dossier: Dossier, name: str, *, as_of: date | None = None) -> list[date]:
    """The dates of the event ``name`` in ``dossier``, sorted (see :func:`event_occurrences`)."""
    return [o.date for o in event_occurrences(dossier, name, as_of=as_of)]
