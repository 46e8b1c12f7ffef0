"""The ``[[regles]]`` of a référentiel: :func:`check_regles`.

Each occurrence of ``a`` needs one occurrence of ``de`` that fits it (``delai``: on or before it, at least
``min`` and at most ``max`` earlier, bounds included; ``avant`` / ``ordre``: strictly before); one finding
per occurrence of ``a`` left unfitted; nothing while ``a`` has not happened.

Part of :mod:`cqpkit.rules.checks` (see its docstring for what a finding holds and how ``as_of`` reads).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from datetime import date

from cqpkit.model import Constat, Dossier, Referentiel, Regle
from cqpkit.rules import dates
from cqpkit.rules.checks.common import _constat, _event_label
from cqpkit.rules.events import Occurrence, event_occurrences
from cqpkit.rules.fr import date_fr as _jj

__all__ = ["check_regle", "check_regles"]


def _regle_events(regle: Regle) -> tuple[str, str] | None:
    if regle.type == "ordre":
        if regle.avant is None or regle.apres is None:
            return None
        return f"module:{regle.avant}", f"module:{regle.apres}"
    if regle.de is None or regle.a is None:
        return None
    return regle.de, regle.a


def _delai_ok(regle: Regle, de: date, a: date) -> bool:
    if de > a:
        return False
    if regle.min is not None and not dates.at_least(de, a, regle.min):
        return False
    return regle.max is None or dates.within(de, a, regle.max)


def _prefix(n: int, holds: Callable[[int], bool]) -> int:
    """How many of the indices 0…n-1 ``holds`` is true for, given that it is true on a prefix (binary search)."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if holds(mid):
            lo = mid + 1
        else:
            hi = mid
    return lo


def _before(regle: Regle, de_occ: list[Occurrence], day: date) -> int:
    """How many occurrences of ``de`` (sorted by date) come before ``day``: on or before it for ``delai``, strictly otherwise."""
    dates_de = [d.date for d in de_occ]
    return bisect_right(dates_de, day) if regle.type == "delai" else bisect_left(dates_de, day)


def _fits(regle: Regle, de_occ: list[Occurrence], day: date) -> bool:
    """Whether an occurrence of ``de`` (sorted by date) fits the occurrence of ``a`` on ``day``.

    ``avant`` / ``ordre``: the earliest is strictly before. ``delai``: the occurrences on or before
    ``day`` far enough from it for ``min`` are a prefix of ``de_occ`` (an earlier date is farther), and
    of those the latest is the nearest: one fits ``max`` if that one does. A binary search, not a scan
    of ``de`` for each ``a`` (quadratic): n log n in the size of the dossier.
    """
    if regle.type != "delai":
        return bool(de_occ) and de_occ[0].date < day
    n = _prefix(len(de_occ), lambda i: _far_enough(regle, de_occ[i].date, day))
    return n > 0 and _delai_ok(regle, de_occ[n - 1].date, day)


def _far_enough(regle: Regle, de: date, a: date) -> bool:
    """``de`` on or before ``a`` and at least ``min`` earlier (true on a prefix of the dates sorted)."""
    return de <= a and (regle.min is None or dates.at_least(de, a, regle.min))


def check_regle(ref: Referentiel, regle: Regle, dossier: Dossier, as_of: date) -> list[Constat]:
    """The findings of one ``[[regles]]`` rule (code: the rule's ``id``; level: its ``niveau``).

    - ``delai``: an occurrence ``d`` of ``de`` fits an occurrence ``a`` of ``a`` when ``d`` is on or
      before ``a``, ``a`` is at least ``min`` after ``d`` (:func:`~cqpkit.rules.dates.at_least`, the
      anniversary day included) and at most ``max`` after it (:func:`~cqpkit.rules.dates.within`,
      the anniversary day included).
    - ``avant``: ``d`` fits ``a`` when ``d`` is strictly before ``a`` (the same day is not before).
    - ``ordre``: ``avant`` with ``de = module:<avant>`` and ``a = module:<apres>``.

    Several occurrences: the rule holds for an occurrence of ``a`` when at least one occurrence of
    ``de`` fits it, and it is checked for every occurrence of ``a`` (each passage, each time a
    module is followed); each occurrence of ``a`` that no occurrence of ``de`` fits gives one
    finding, at the ``chemin`` of that occurrence. Occurrences after ``as_of`` do not exist yet:
    with no occurrence of ``a`` the rule is not yet applicable and gives nothing; with occurrences
    of ``a`` but none of ``de``, each occurrence of ``a`` gives a finding (the module was never
    followed before the jury). A deadline that runs out before ``a`` happens is reported when
    ``a`` happens.
    """
    pair = _regle_events(regle)
    if pair is None:
        return []
    de_name, a_name = pair
    de_occ = event_occurrences(dossier, de_name, as_of=as_of)
    a_occ = event_occurrences(dossier, a_name, as_of=as_of)
    de_label = _event_label(ref, de_name)
    a_label = _event_label(ref, a_name)
    found: list[Constat] = []
    for a in a_occ:
        if _fits(regle, de_occ, a.date):
            continue
        message, valeurs = _regle_breach(regle, de_occ, a, de_label, a_label, as_of)
        valeurs = {
            "regle": regle.id,
            "type": regle.type,
            "de": de_name,
            "a": a_name,
            "date_a": _jj(a.date),
            **valeurs,
            "date": _jj(as_of),
        }
        found.append(
            _constat(
                regle.id,
                regle.niveau,
                message,
                chemin=a.chemin,
                source=regle.source,
                regle=f"regles.{regle.id}",
                valeurs=valeurs,
            )
        )
    return found


def _regle_breach(
    regle: Regle,
    de_occ: list[Occurrence],
    a: Occurrence,
    de_label: str,
    a_label: str,
    as_of: date,
) -> tuple[str, dict[str, str]]:
    """The message and values of a breach of ``regle`` for the occurrence ``a``."""
    head = f"{regle.libelle.rstrip('. ')} : {a_label} le {_jj(a.date)}"
    before = de_occ[: _before(regle, de_occ, a.date)]
    if not before:
        when = "le " + _jj(a.date) + " ou avant" if regle.type == "delai" else "avant le " + _jj(a.date)
        if de_occ:
            detail = f"première date : {_jj(de_occ[0].date)}"
            valeurs = {"date_de": _jj(de_occ[0].date)}
        else:
            detail = f"aucune au {_jj(as_of)}"
            valeurs = {"date_de": "aucune"}
        return f"{head} ; aucune date pour {de_label} {when} ({detail}).", valeurs
    # Only a ``delai`` rule gets here: some occurrences of ``de`` come before ``a`` but none fits.
    earliest = before[0]
    if regle.min is not None and not dates.at_least(earliest.date, a.date, regle.min):
        limite = dates.add(earliest.date, regle.min)
        return (
            f"{head} ; {de_label} le {_jj(earliest.date)} : écart inférieur à {regle.min.libelle()} "
            f"(au plus tôt le {_jj(limite)}).",
            {"date_de": _jj(earliest.date), "min": str(regle.min), "date_limite": _jj(limite)},
        )
    # The earliest fits ``min``; the latest occurrence that fits ``min`` is the nearest to ``a``, and
    # since nothing fits, it is too early for ``max``.
    assert regle.max is not None
    latest = before[_prefix(len(before), lambda i: _far_enough(regle, before[i].date, a.date)) - 1]
    limite = dates.add(latest.date, regle.max)
    valeurs = {"date_de": _jj(latest.date), "max": str(regle.max), "date_limite": _jj(limite)}
    if regle.min is not None:
        valeurs["min"] = str(regle.min)
    return (
        f"{head} ; {de_label} le {_jj(latest.date)} : écart supérieur à {regle.max.libelle()} "
        f"(au plus tard le {_jj(limite)}).",
        valeurs,
    )


def check_regles(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    """Every ``[[regles]]`` rule of the référentiel that applies to the dossier's route (see :func:`check_regle`)."""
    found: list[Constat] = []
    for regle in ref.regles:
        if regle.voies and dossier.dossier.voie not in regle.voies:
            continue  # a rule of another route
        found.extend(check_regle(ref, regle, dossier, as_of))
    return found
