"""The French values the front ends print: dates, amounts, numbers, plurals.

Built on :mod:`cqpkit.rules.fr` (the same JJ/MM/AAAA, decimal comma and plural from 2 on as the
engines' messages), plus what only a front end meets: a date that may be missing (« — »), an ISO
date or timestamp read back from the store or from JSON. Standard library only: ``cqpkit list``
imports it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cqpkit.rules.fr import accord, date_fr, decimal_fr, entier_fr, montant_fr, nombre_fr, periode_fr, pluriel

__all__ = [
    "accord",
    "date_fr",
    "date_txt",
    "decimal_fr",
    "entier_fr",
    "horodatage_txt",
    "montant_fr",
    "nombre_fr",
    "periode_fr",
    "plafond_txt",
    "pluriel",
]


def date_txt(value: dt.date | str | None) -> str:
    """A date as JJ/MM/AAAA, from a ``date`` or an ISO text (``2020-07-06``, or a timestamp: its day); « — » when missing."""
    if not value:
        return "—"
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return date_fr(value)


def horodatage_txt(text: str | None) -> str:
    """A stored UTC time (``2020-07-06T09:30:00+00:00``) as ``06/07/2020 à 09:30:00 UTC``; « — » when missing."""
    if not text:
        return "—"
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return f"{date_fr(moment.date())} à {moment:%H:%M:%S} UTC"


def plafond_txt(line: Any) -> str:
    """The cap of a funding line (``LigneFinancement.plafond``) for ``explain``: « » when its ``base`` already
    says it (« 45 h, plafond de 40 h appliqué », « plafond annuel de 180 points »: the engine's texts always do),
    else « ; plafond de 40 h » / « ; plafond de 3 000,00 € », with its unit, never a bare number.

    A cap equal to the line's quantity capped the quantity (« 40 h »); otherwise it capped the amount.
    """
    cap = line.plafond
    if cap is None or "plafond" in line.base:
        return ""
    if cap == line.quantite and line.unite != "forfait":
        from cqpkit.rules.funding_text import quantite_txt

        try:
            return f" ; plafond de {quantite_txt(cap, line.unite)}"
        except KeyError:  # a unit of a plugin's own line
            return f" ; plafond de {decimal_fr(cap)} {line.unite}"
    return f" ; plafond de {montant_fr(cap, line.en)}"
