"""French formatting of the values that messages show: dates, numbers, plurals, lists.

One place, so that every finding, decision and amount reads the same way: dates as
JJ/MM/AAAA, decimal comma, a space as thousands separator, « aucun » for an empty list.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

__all__ = ["date_fr", "entier_fr", "liste", "nombre_fr", "pluriel"]


def date_fr(d: date) -> str:
    """A date as JJ/MM/AAAA (``20/01/2014``)."""
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def nombre_fr(x: float) -> str:
    """A number the French way: ``280``, ``12,5``."""
    if float(x).is_integer():
        return str(int(x))
    return f"{x:g}".replace(".", ",")


def entier_fr(n: int) -> str:
    """An integer with French thousands separators: ``1 095``."""
    return f"{n:,}".replace(",", " ")


def pluriel(n: int, singulier: str, pluriel: str | None = None) -> str:
    """``1 jour``, ``2 jours``, ``0 jour`` (French: 0 and 1 take the singular)."""
    return f"{entier_fr(n)} {singulier if n <= 1 else (pluriel or singulier + 's')}"


def liste(items: Iterable[str]) -> str:
    """``a, b, c``, or « aucun » when empty."""
    items = list(items)
    return ", ".join(items) if items else "aucun"
