"""The French values the front ends print: dates, amounts, numbers, plurals.

Built on :mod:`cqpkit.rules.fr` (the same JJ/MM/AAAA, decimal comma and plural from 2 on as the
engines' messages), plus what only a front end meets: a date that may be missing (« — »), an ISO
date or timestamp read back from the store or from JSON. Standard library only: ``cqpkit list``
imports it.
"""

from __future__ import annotations

import datetime as dt

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
