"""How a funding line reads in French: numbers, units, rates, amounts and caps.

Kept apart from :mod:`cqpkit.rules.funding` (the computation) so that the engine reads as rules.
Numbers are French (decimal comma, a space between thousands); amounts in euros have two decimals
(« 2 730,00 € »), points none unless they have a fraction (« 60 points »); from 2 on, the plural
(« 1,5 jour », « 2 jours »).
"""

from __future__ import annotations

from datetime import date

from cqpkit.rules.fr import accord, decimal_fr, montant_fr, periode_fr

__all__ = ["UNITES", "cap_txt", "montant_txt", "nombre", "periode_txt", "periodes_txt", "quantite_txt", "taux_txt"]

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


#: A French number (:func:`cqpkit.rules.fr.decimal_fr`), under the name the funding modules use.
nombre = decimal_fr


def quantite_txt(q: float, unite: str) -> str:
    """« 32,5 jours », « 6 mois », « 21 h »."""
    one, many, _ = UNITES[unite]
    return f"{nombre(q)} {accord(q, one, many)}"


#: « 958,80 € » or « 60 points » (:func:`cqpkit.rules.fr.montant_fr`).
montant_txt = montant_fr


def taux_txt(t: float, unite: str, en: str) -> str:
    """« 12,00 €/h », « 5 points/mois commencé »."""
    per = UNITES[unite][2]
    return f"{nombre(t, 2)} €/{per}" if en == "euro" else f"{montant_fr(t, 'point')}/{per}"


def cap_txt(kind: str, cap: str) -> str:
    """« , plafond de 40 h », « , plafond annuel de 180 points »."""
    return f", {kind} de {cap}"


#: « du 01/01/2017 au 31/12/2017 », « depuis le 03/09/2010 » (:func:`cqpkit.rules.fr.periode_fr`).
periode_txt = periode_fr


def periodes_txt(periods: list[tuple[date, date | None]]) -> str:
    """The periods a barème covers, in French, or « aucune »."""
    return " ; ".join(periode_txt(a, b) for a, b in periods) or "aucune"
