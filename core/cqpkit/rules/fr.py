"""French formatting of the values that messages show: dates, numbers, amounts, plurals, lists.

One place, so that every finding, decision and amount reads the same way: dates as
JJ/MM/AAAA, decimal comma, a space as thousands separator, « aucun » for an empty list,
the plural from 2 on (« 1,5 jour », « 2 jours »; 0 and 1 take the singular). The rules
layer uses this module; the front ends use it through :mod:`cqpkit.render.text`, which adds
what only they need (ISO strings read back from the store, « — » for a missing date).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

__all__ = [
    "accord",
    "date_fr",
    "decimal_fr",
    "entier_fr",
    "liste",
    "montant_fr",
    "nombre_fr",
    "periode_fr",
    "pluriel",
]


@lru_cache(maxsize=8192)
def date_fr(d: date) -> str:
    """A date as JJ/MM/AAAA (``20/01/2014``).

    Kept for the last 8 192 dates asked: a check writes some thirty dates per dossier, mostly the same
    few, and the lookup costs a tenth of the formatting.
    """
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def periode_fr(first: date, last: date | None) -> str:
    """« du 01/01/2017 au 31/12/2017 », « depuis le 03/09/2010 »."""
    return f"du {date_fr(first)} au {date_fr(last)}" if last is not None else f"depuis le {date_fr(first)}"


def nombre_fr(x: float) -> str:
    """A number the French way, as it is: ``280``, ``12,5`` (no thousands separator)."""
    if float(x).is_integer():
        return str(int(x))
    return f"{x:g}".replace(".", ",")


def decimal_fr(x: float, decimals: int | None = None) -> str:
    """A French number with thousands separators, rounded half up: ``2 730,00`` (with ``decimals``), ``32,5`` / ``120``
    (without: to the cent, trailing zeros dropped).

    Kept for the last 4 096 numbers asked (a float or an int other than zero: ``-0.0`` equals ``0.0`` as a key but
    prints ``-0,00``): the same rates, quantities and caps come back in every dossier's lines and findings, and the
    decimal arithmetic costs some ten times the lookup.
    """
    if x and (type(x) is float or type(x) is int):
        return _decimal_fr_kept(x, decimals)
    return _decimal_fr(x, decimals)


def _decimal_fr(x: float, decimals: int | None) -> str:
    from decimal import ROUND_HALF_UP, Decimal  # here: not on every start (`cqpkit list` imports this module)

    d = Decimal(repr(float(x)))
    if decimals is not None:
        text = f"{d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP):,.{decimals}f}"
    else:
        text = f"{d.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", " ").replace(".", ",")


_decimal_fr_kept = lru_cache(maxsize=4096)(_decimal_fr)


def entier_fr(n: int) -> str:
    """An integer with French thousands separators: ``1 095``."""
    return f"{n:,}".replace(",", " ")


def accord(x: float, singulier: str, pluriel: str | None = None) -> str:
    """The word agreeing with ``x``: plural from 2 on (« 1,5 jour », « 2 jours », « 0 jour »)."""
    return (pluriel or singulier + "s") if abs(x) >= 2 else singulier


def pluriel(n: int, singulier: str, pluriel: str | None = None) -> str:
    """``1 jour``, ``2 jours``, ``0 jour``, ``1 095 jours``: the count and its word (:func:`accord`)."""
    return f"{entier_fr(n)} {accord(n, singulier, pluriel)}"


def montant_fr(x: float, en: str) -> str:
    """An amount: « 958,80 € » (``en="euro"``, two decimals) or « 60 points », « 1 point »."""
    return f"{decimal_fr(x, 2)} €" if en == "euro" else f"{decimal_fr(x)} {accord(x, 'point')}"


def liste(items: Iterable[str]) -> str:
    """``a, b, c``, or « aucun » when empty."""
    items = list(items)
    return ", ".join(items) if items else "aucun"
