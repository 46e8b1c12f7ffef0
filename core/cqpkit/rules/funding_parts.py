"""The parts of the funding engine (:mod:`cqpkit.rules.funding`): quantities, portions, findings.

Internal to the engine: the semantics are stated in :mod:`cqpkit.rules.funding`'s docstring; this module
and :mod:`cqpkit.rules.funding_months` hold its pieces so that each file reads in one sitting.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from attrs import frozen

from cqpkit.model import Acteur, Bareme, Constat, Financement, Parcours, Referentiel
from cqpkit.model.invariants import quick_constructor
from cqpkit.rules import asof
from cqpkit.rules.fr import date_fr
from cqpkit.rules.funding_text import nombre, periode_txt, periodes_txt, quantite_txt

_new_Constat = quick_constructor(Constat)  # a Constat without attrs' generic __init__ (the same invariants, inline)

_CENT = Decimal("0.01")

#: The events a line's barème is read at, with how a message names them.
EVENEMENTS = {
    "debut_formation": "le début de la formation",
    "inscription": "l'inscription",
    "certification": "la délivrance du CQP par le jury",
    "formation_tuteur": "la formation du tuteur",
    "mission": "chaque mois de la mission",
}


def round_cents(value: Decimal | float) -> float:
    """``value`` rounded half up to 0,01 (``Decimal`` arithmetic, floats read through ``repr``)."""
    d = value if isinstance(value, Decimal) else Decimal(repr(value))
    return float(d.quantize(_CENT, rounding=ROUND_HALF_UP))


def evenement_of(fin: Financement) -> str:
    """The event whose date chooses a line's barème (see the module docstring)."""
    if fin.evenement is not None:
        return fin.evenement
    if fin.condition == "certifie":
        return "certification"
    if fin.quantite_de == "tutorat.formation_heures":
        return "formation_tuteur"
    if fin.quantite_de in ("mission_tuteur", "periode_tutorat"):
        return "mission"
    return "debut_formation"


# ---------------------------------------------------------------------------- quantities
@frozen(kw_only=True)
class Portion:
    """A quantity to fund at one barème: the whole line, or the months of one barème (and year)."""

    quantite: float
    texte: str  # how the quantity reads in the base, before the caps still to apply
    jour: date  # the event's date (first month of the portion)
    bareme: Bareme
    annee: int | None = None
    converti: bool = False  # days turned into hours: the base then shows the hours before a cap
    plafonne: float | None = None  # a quantity cap already applied (months): its value
    deja: Decimal = Decimal(0)  # amount of the year already used by the tutor's earlier missions


@frozen(kw_only=True)
class Groupe:
    """The portions of one line or of one tutor's lines, with what the notes say about them."""

    portions: tuple[Portion, ...]
    notes: str = ""


@frozen(kw_only=True)
class Quantite:
    quantite: float
    texte: str
    converti: bool = False


def days_to_line(days: float, fin: Financement) -> Quantite | None:
    """A quantity in days for a line per day, or per hour with ``heures_par_jour``."""
    if fin.unite == "jour":
        return Quantite(quantite=days, texte=quantite_txt(days, "jour"))
    if fin.unite == "heure" and fin.heures_par_jour is not None:
        return Quantite(
            quantite=days * fin.heures_par_jour,
            texte=f"{quantite_txt(days, 'jour')} × {nombre(fin.heures_par_jour)} h",
            converti=True,
        )
    return None


def volumes(ref: Referentiel, fin: Financement, ids: str) -> tuple[Quantite, str] | None:
    found = []
    for vid in ids.split("+"):
        volume = next((v for v in ref.volumes if v.id == vid), None)
        if volume is None:
            return None
        found.append(volume)
    units = {v.unite for v in found}
    if len(units) != 1:
        return None
    unit = units.pop()
    total = float(sum(v.valeur for v in found))
    notes = "Quantité : " + " + ".join(f"{v.libelle} ({quantite_txt(v.valeur, unit)})" for v in found) + "."
    if unit == "jour":
        q = days_to_line(total, fin)
    elif unit == "heure" and fin.unite == "heure":
        q = Quantite(quantite=total, texte=quantite_txt(total, "heure"))
    elif unit == "mois" and fin.unite in ("mois", "mois_commence"):
        q = Quantite(quantite=total, texte=quantite_txt(total, fin.unite))
    else:
        q = None
    return (q, notes) if q is not None else None


def parcours_days(fin: Financement, parcours: Parcours) -> tuple[Quantite, str] | None:
    if parcours.reorientation or not parcours.domaines:
        return None
    training = [pd for pd in parcours.domaines if pd.orientation == "formation"]
    if any(pd.jours_tuteur is None for pd in training):
        return None
    days = float(sum(pd.jours_tuteur or 0.0 for pd in training))
    q = days_to_line(days, fin)
    if q is None:
        return None
    listed = ", ".join(f"{pd.domaine} ({quantite_txt(pd.jours_tuteur or 0.0, 'jour')})" for pd in training) or "aucun"
    return q, f"Jours de tuteur des domaines suivis en formation : {listed}."


def quantity(
    ref: Referentiel, fin: Financement, tutor: Acteur | None, parcours: Callable[[], Parcours]
) -> tuple[Quantite, str] | None:
    """The quantity of a line paid at one event (for ``tutor`` when the event is his training)."""
    if fin.quantite is not None:
        if fin.unite == "heure" and fin.heures_par_jour is not None:
            q = days_to_line(fin.quantite, fin)
            return (q, "") if q is not None else None
        return Quantite(quantite=fin.quantite, texte=quantite_txt(fin.quantite, fin.unite)), ""
    source = fin.quantite_de
    if source is None:
        if fin.unite == "forfait":
            return Quantite(quantite=1.0, texte="1 forfait"), ""
        return None
    kind, colon, ids = source.partition(":")
    if kind == "volumes" and colon and ids:
        return volumes(ref, fin, ids)
    if source == "tutorat.formation_heures":
        if fin.unite != "heure":
            return None
        default = ref.tutorat.formation_heures if ref.tutorat is not None else None
        hours = tutor.formation_heures if tutor is not None and tutor.formation_heures is not None else default
        if hours is None:
            return None
        origin = (
            "durée déclarée dans le dossier"
            if tutor is not None and tutor.formation_heures is not None
            else "durée prévue par le référentiel ([tutorat] formation_heures)"
        )
        return Quantite(quantite=hours, texte=quantite_txt(hours, "heure")), f"Formation de tuteur : {origin}."
    if source == "parcours.jours_tuteur":
        return parcours_days(fin, parcours())
    return None


# ---------------------------------------------------------------------------- findings
class Findings:
    """The findings of one line, built with the line's source and rule."""

    def __init__(self, code: str, fin: Financement, out: list[Constat]) -> None:
        self.code, self.fin, self.out = code, fin, out

    def _source(self) -> object:
        return self.fin.sources[0] if self.fin.sources else (self.fin.valeurs[0].source if self.fin.valeurs else None)

    def periods(self) -> str:
        return periodes_txt([(first, last) for _, first, last in asof.holding_periods(self.fin.valeurs)])

    def unknown(self, chemin: str, quand: str, valeurs: dict[str, str]) -> None:
        periods = self.periods()  # (in the message and in the values)
        self.out.append(
            _new_Constat(
                code="bareme_inconnu",
                niveau="avertissement",
                message=(
                    f"« {self.fin.intitule} » : aucun barème en vigueur {quand} : la ligne n'est pas calculée "
                    f"(périodes connues du barème : {periods})"
                ),
                chemin=chemin,
                source=self._source(),  # type: ignore[arg-type]
                regle=f"financement.{self.code}",
                valeurs={"ligne": self.code, **valeurs, "periodes": periods},
            )
        )

    def waiting(self, chemin: str, what: str) -> None:
        self.out.append(
            _new_Constat(
                code="financement_en_attente",
                niveau="information",
                message=f"« {self.fin.intitule} » : {what} ; la ligne sera calculée au barème en vigueur à cette date",
                chemin=chemin,
                source=self._source(),  # type: ignore[arg-type]
                regle=f"financement.{self.code}",
                valeurs={"ligne": self.code, "evenement": evenement_of(self.fin)},
            )
        )


def month_range(months: Sequence[date]) -> str:
    if len(months) == 1:
        return f"le mois commençant le {date_fr(months[0])}"
    return f"les {len(months)} mois commençant du {date_fr(months[0])} au {date_fr(months[-1])}"


def bareme_note(bareme: Bareme, label: str) -> str:
    period = periode_txt(bareme.depuis, bareme.jusqua)
    return f"Barème en vigueur {period}, appliqué à la date de l'événement : {label}."


# ---------------------------------------------------------------------------- decimals
def dec(x: float) -> Decimal:
    return Decimal(repr(float(x)))


def cap_cents(cap: float) -> Decimal:
    """An amount cap in cents, taken down to the cent so that a rounded amount never exceeds it."""
    return max(dec(cap), Decimal(0)).quantize(_CENT, rounding=ROUND_FLOOR)
