"""What the jury's papers, the awards and the funding statements share: French print values, sources, labels.

Every value a template prints is made here, by Python, from what the engine or the référentiel says:
dates « 18 mars 2019 » (:func:`date_longue`) or 18/03/2019 (:func:`date_courte`), amounts « 9 650,00 € »
with a narrow no-break space between the thousands and a no-break space before the unit (:func:`montant`),
sources « document, section » (:func:`source`). The numbers themselves are formatted by
:mod:`cqpkit.rules.fr` (the engines' own French), only the spaces are made unbreakable for print.
Standard library and the model only: imported by the builders, never by ``cqpkit list``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from cqpkit.rules.fr import date_fr, montant_fr

__all__ = [
    "FORMAT",
    "NBSP",
    "NNBSP",
    "candidat_nom",
    "college_label",
    "date_courte",
    "date_longue",
    "decision_label",
    "domaine_label",
    "montant",
    "source",
    "sources",
    "type_domaine",
]

#: The version of the data shape the papers' templates receive (``papiers.schema.json``; ``data.format``).
#: Raised when a key is removed or changes meaning; a key added keeps it (templates ignore what they do not read).
FORMAT = 1

NBSP = "\u00a0"  #: no-break space: before « € », « points », after « n° »
NNBSP = "\u202f"  #: narrow no-break space: between the thousands (« 9 650,00 € »)

_MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre")


def date_longue(d: dt.date | None) -> str:
    """« 18 mars 2019 », « 1er octobre 2020 »; « » when there is no date."""
    if d is None:
        return ""
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day}{NBSP}{_MOIS[d.month - 1]} {d.year}"


def date_courte(d: dt.date | None) -> str:
    """« 18/03/2019 »; « » when there is no date."""
    return date_fr(d) if d is not None else ""


def montant(x: float, en: str) -> str:
    """An amount as :func:`cqpkit.rules.fr.montant_fr` writes it, its spaces unbreakable: « 9 650,00 € », « 60 points »."""
    text = montant_fr(x, en)
    number, _, unit = text.rpartition(" ")
    return number.replace(" ", NNBSP) + NBSP + unit


def source(src: Any) -> str:
    """« document, section » of a :class:`~cqpkit.model.Source`; « » when there is none."""
    if src is None:
        return ""
    return f"{src.document}, {src.section}" if src.section else str(src.document)


def sources(srcs: Iterable[Any]) -> list[str]:
    """Each source once, in order."""
    return list(dict.fromkeys(s for s in (source(x) for x in srcs) if s))


#: Collèges when the référentiel gives no ``libelle`` (as :mod:`cqpkit.render.labels` says them).
_COLLEGES = {"employeur": "Représentants des employeurs", "salarie": "Représentants des salariés"}


def college_label(referentiel: Any, college: str) -> str:
    """A collège's ``libelle`` in the référentiel's ``[jury] composition``, else the core label, else its id."""
    jury = getattr(referentiel, "jury", None)
    for c in getattr(jury, "composition", ()) or ():
        if c.college == college and c.libelle:
            return str(c.libelle[:1].upper() + c.libelle[1:])
    return _COLLEGES.get(college, college[:1].upper() + college[1:])


def type_domaine(referentiel: Any) -> str:
    """« domaine » or « bloc »: what the référentiel's units are called (the first unit's type decides)."""
    for d in referentiel.domaines:
        if d.type == "bloc":
            return "bloc"
    return "domaine"


def domaine_label(referentiel: Any, domaine_id: str) -> str:
    """« D1 — Analyser et traiter… », or « Certification entière » for a decision on the whole certification."""
    from cqpkit.model import CERTIFICATION_ENTIERE

    if domaine_id == CERTIFICATION_ENTIERE:
        return "Certification entière"
    for d in referentiel.domaines:
        if d.id == domaine_id:
            return f"{d.id} — {d.intitule}"
    return domaine_id


def decision_label(domaine_id: str, decision: str) -> str:
    """« acquis », « non acquis »; on the whole certification, « acquise », « non acquise »."""
    from cqpkit.model import CERTIFICATION_ENTIERE

    text = decision.replace("_", " ")
    return text + "e" if domaine_id == CERTIFICATION_ENTIERE and decision in ("acquis", "non_acquis") else text


def candidat_nom(dossier: Any) -> str:
    """« Prénom Nom » of the dossier's candidate, or their id when the dossier holds no name (erased, or not given)."""
    c = dossier.candidat
    name = " ".join(x for x in (c.prenom, c.nom) if x)
    return name or f"candidat {c.id}"
