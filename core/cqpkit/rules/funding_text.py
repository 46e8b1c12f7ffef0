"""How a funding line reads in French: numbers, units, rates, amounts and caps.

Kept apart from :mod:`cqpkit.rules.funding` (the computation) so that the engine reads as rules.
Numbers are French (decimal comma, a space between thousands); amounts in euros have two decimals
(« 2 730,00 € »), points none unless they have a fraction (« 60 points »); from 2 on, the plural
(« 1,5 jour », « 2 jours »).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from cqpkit.rules.fr import date_fr

__all__ = ["UNITES", "cap_txt", "montant_txt", "nombre", "periode_txt", "periodes_txt", "quantite_txt", "taux_txt"]

_CENT = Decimal("0.01")

#: Singular, plural, and the form after « € / » of each unit (funding units and volume units).
UNITES = {
    "heure": ("h", "h", "h"),
    "jour": ("jour", "jours", "jour"),
    "mois": ("mois", "mois", "mois"),
    "mois_commence": ("mois commencé", "mois commencés", "mois commencé"),
    "point": ("point", "points", "point"),
    "forfait": ("forfait", "forfaits", "forfait"),
    "semaine": ("semaine", "semaines", "semaine"),
    "minute": ("minute", "minutes", "minute"),
    "action": ("action", "actions", "action"),
}


def nombre(x: float, decimals: int | None = None) -> str:
    """A French number: ``2 730,00`` (with ``decimals``) or ``32,5`` / ``120`` (without)."""
    d = Decimal(repr(float(x)))
    if decimals is not None:
        text = f"{d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP):,.{decimals}f}"
    else:
        text = f"{d.quantize(_CENT, rounding=ROUND_HALF_UP):,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", " ").replace(".", ",")


def _plural(x: float) -> bool:
    """French agreement: plural from 2 on (« 1,5 jour », « 2 jours »)."""
    return abs(x) >= 2


def quantite_txt(q: float, unite: str) -> str:
    """« 32,5 jours », « 6 mois », « 21 h »."""
    one, many, _ = UNITES[unite]
    return f"{nombre(q)} {many if _plural(q) else one}"


def _points_txt(x: float) -> str:
    return f"{nombre(x)} point{'s' if _plural(x) else ''}"


def montant_txt(x: float, en: str) -> str:
    """« 958,80 € » or « 60 points »."""
    return f"{nombre(x, 2)} €" if en == "euro" else _points_txt(x)


def taux_txt(t: float, unite: str, en: str) -> str:
    """« 12,00 €/h », « 5 points/mois commencé »."""
    per = UNITES[unite][2]
    return f"{nombre(t, 2)} €/{per}" if en == "euro" else f"{_points_txt(t)}/{per}"


def cap_txt(kind: str, cap: str) -> str:
    """« , plafond de 40 h », « , plafond annuel de 180 points »."""
    return f", {kind} de {cap}"


def periode_txt(first: date, last: date | None) -> str:
    """« du 01/01/2017 au 31/12/2017 », « depuis le 03/09/2010 »."""
    return f"du {date_fr(first)} au {date_fr(last)}" if last is not None else f"depuis le {date_fr(first)}"


def periodes_txt(periods: list[tuple[date, date | None]]) -> str:
    """The periods a barème covers, in French, or « aucune »."""
    return " ; ".join(periode_txt(a, b) for a, b in periods) or "aucune"
