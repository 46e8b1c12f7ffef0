"""First passage before the jury (``premier_passage_hors_delai``): :func:`check_premier_passage`.

At most ``delai_premier_passage`` after registration, the anniversary day included; absences are not
passages; with no passage, reported from the day after the deadline; only on the routes of
``delai_premier_passage_voies`` when given.

Part of :mod:`cqpkit.rules.checks` (see its docstring for what a finding holds and how ``as_of`` reads).
"""

from __future__ import annotations

from datetime import date

from cqpkit.model import Constat, Dossier, Referentiel
from cqpkit.rules import dates
from cqpkit.rules.checks.common import _constat
from cqpkit.rules.fr import date_fr as _jj
from cqpkit.rules.sources import source_for

__all__ = ["check_premier_passage", "premier_passage_limite"]


def premier_passage_limite(ref: Referentiel, dossier: Dossier) -> date | None:
    """The last day of ``[jury] delai_premier_passage`` for this dossier, or ``None`` when none applies.

    ``None`` when the référentiel states no such deadline, or restricts it
    (``delai_premier_passage_voies``) to routes other than the dossier's. Otherwise
    ``dates.add(inscription, delai)``: the anniversary day is still in time. The store's deadlines
    (:func:`cqpkit.store.reading.deadlines`) use it too.
    """
    jury = ref.jury
    if jury is None or jury.delai_premier_passage is None:
        return None
    if jury.delai_premier_passage_voies and dossier.dossier.voie not in jury.delai_premier_passage_voies:
        return None  # a deadline of another route
    return dates.add(dossier.dossier.inscription, jury.delai_premier_passage)


def check_premier_passage(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    """``premier_passage_hors_delai``: the first passage later than ``[jury] delai_premier_passage`` after registration.

    The deadline is ``dates.add(inscription, delai)``, the anniversary day included
    (:func:`cqpkit.rules.dates.within`): registered on 04/03/2013 with P3Y, a first passage on
    04/03/2016 is in time, on 05/03/2016 it is not. With no passage as of ``as_of``, the finding
    comes the day after the deadline. A passage where the candidate was absent is not a passage
    (see :mod:`cqpkit.rules.events`). With ``[jury] delai_premier_passage_voies``, only a dossier
    on one of those routes is checked (the Mutualité states the 3 years for the training route).
    """
    limite = premier_passage_limite(ref, dossier)
    inscription = dossier.dossier.inscription
    if limite is None or inscription > as_of:
        return []
    jury = ref.jury
    assert jury is not None and jury.delai_premier_passage is not None
    delai = jury.delai_premier_passage
    # The event « premier_passage » (cqpkit.rules.events), found here without building its occurrence: the earliest
    # passage where the candidate was present (the first in the dossier among those of that day), if on or before as_of.
    premier: tuple[date, int] | None = None
    for i, p in enumerate(dossier.passages):
        if not (p.absent or p.excuse) and (premier is None or p.date < premier[0]):
            premier = (p.date, i)
    if premier is not None and premier[0] > as_of:
        premier = None
    if premier is not None and premier[0] <= limite:  # dates.within(inscription, premier, delai), the limit known
        return []
    if premier is None and as_of <= limite:
        return []
    # A finding: its values (written only now: most dossiers are in time).
    valeurs = {
        "inscription": _jj(inscription),
        "delai": str(delai),
        "date_limite": _jj(limite),
        "date": _jj(as_of),
    }
    if premier is not None:
        valeurs["premier_passage"] = _jj(premier[0])
        message = (
            f"Premier passage devant le jury le {_jj(premier[0])}, plus de {delai.libelle()} après "
            f"l'inscription du {_jj(inscription)} (date limite : {_jj(limite)})."
        )
        chemin = f"passages[{premier[1]}].date"
    else:
        valeurs["premier_passage"] = "aucun"
        message = (
            f"Aucun passage devant le jury au {_jj(as_of)}, alors que le délai de {delai.libelle()} après "
            f"l'inscription du {_jj(inscription)} a expiré le {_jj(limite)}."
        )
        chemin = "passages"
    return [
        _constat(
            "premier_passage_hors_delai",
            "erreur",
            message,
            chemin=chemin,
            source=source_for(jury.sources, "delai_premier_passage"),
            regle="jury.delai_premier_passage",
            valeurs=valeurs,
        )
    ]
