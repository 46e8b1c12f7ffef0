"""Funding and reward lines of a dossier, as of a date (:func:`funding`).

One line (or one line per calendar year, or per tutor, see below) for each ``[financement.<id>]`` of
the référentiel whose barème has a value in force as of the date
(:func:`cqpkit.rules.asof.value_as_of`).

Semantic choices, each pinned by ``tests/test_rules_funding.py``
----------------------------------------------------------------
- **Barème.** The value in force on ``as_of`` applies to the whole line, including every year of a
  mission split per year; no value in force (before the first ``depuis``, in a gap, after the last
  ``jusqua``): no line.
- **Quantity**, in the line's ``unite``:

  - ``quantite`` when the référentiel fixes it; with ``unite = "heure"`` and ``heures_par_jour``, a
    fixed ``quantite`` is in days and is turned into hours (32,5 jours × 7 h);
  - ``quantite_de = "volumes:<id>+<id>…"``: the sum of those volumes, which must share one unit: in
    days for a line per day, or per hour with ``heures_par_jour`` (days × hours per day); in hours
    for a line per hour; in months for a line per month;
  - ``"tutorat.formation_heures"``: for each acteur of the dossier holding the role ``tuteur``, its
    ``formation_heures`` when given, else ``[tutorat] formation_heures``; one line per tutor; a
    dossier naming no tutor gets one line with ``[tutorat] formation_heures``; only for a line per hour;
  - ``"mission_tuteur"``: for each tutor with both ``mission_debut`` and ``mission_fin``, the months
    of the mission (:func:`cqpkit.rules.dates.months_started`): months started, complete or not, for
    ``unite = "mois_commence"``; complete months (anniversary months from the start whose last day is
    on or before the end) for ``unite = "mois"``; one line per tutor;
  - ``"parcours.jours_tuteur"``: the tutor days (``Domaine.jours_tuteur``) of the domaines in
    training in :func:`cqpkit.rules.orientation.plan` **as of the positionnement** (or of the
    registration when there is none), for a line per day, or per hour with ``heures_par_jour``:
    the blocs the candidate followed stay counted after a jury acquires them;
  - ``unite = "forfait"`` without a quantity: 1 (``valeur`` is the lump sum).

  A quantity that cannot be known (no quantity given, a volume in another unit, a conversion
  without ``heures_par_jour``, a tutor without mission dates, a re-oriented candidate, a domaine in
  training without tutor days) gives **no line**; the engine-level caller reports it.
- **Caps**, in this order: ``plafond_quantite`` on the quantity (in the line's unit, after the
  conversion to hours: « dans la limite de 40 heures »); the amount; ``plafond_annuel`` on the
  amount of each calendar year, in the line's ``en`` (euros or points: « 180 points par année
  civile »); ``plafond_montant`` on the total amount. ``plafond_annuel`` is read as a cap on the
  *amount* (the model's docstring says "quantity"): the only annual cap the sources give is the
  prime's 180 points, an amount in points when one month is worth 5 points; read as months, it would
  mean nothing. An amount cap with fractions of a cent is taken down to the cent, so that an amount
  never exceeds its cap.
- **Per calendar year.** With ``plafond_annuel`` and a ``mission_tuteur`` quantity, each month is
  counted in the calendar year in which it starts (:func:`cqpkit.rules.dates.months_started_by_year`)
  and there is **one line per calendar year** (``annee``); the quantity and amount caps are then used
  up by the earliest years first. A line that is not split per year counts as one year for
  ``plafond_annuel``. One mission gives at most 12 months a year (60 points for the prime): the
  180-point cap only bites across the several missions of one tutor.
- **Across a tutor's missions.** The tuteur acteur may declare his other missions (for other
  candidates, ``autres_missions``). With ``plafond_annuel`` and a ``mission_tuteur`` quantity, the
  missions are taken in chronological order of (start, end, dossier id), as
  :func:`cqpkit.rules.dates.cap_per_year_across` does: the months each earlier mission starts in a
  calendar year, counted in the line's unit and valued at the same barème, use that year's cap first
  (up to the cap), and this dossier's mission gets what is left, possibly 0. Later missions do not
  reduce it (they get what this one leaves). A mission that ends before it starts is ignored. Each of
  two dossiers of one tutor declaring the other gets the same order, so their lines never exceed the
  cap together.
  The mission counts as recorded (``mission_debut`` .. ``mission_fin``), even when it ends after
  ``as_of`` (a planned end): ``as_of`` chooses the barème.
- **plafond** on a line is the cap that limited it (the last one applied), in its own unit; ``None``
  when no cap limited it.
- **Amount** = quantity × ``valeur``, rounded half up to the cent (0,01), computed in decimal
  (120 × 7,99 = 958,80); for ``en = "point"`` the amount is a number of points, rounded the same way.
  Amounts and quantities are never negative (a negative figure gives 0).
- **Eligibility.** ``condition = "certifie"`` (the gratification of the holders of a CQP) emits the
  line only when ``decide`` says the dossier is certified as of the date. Other conditions a source
  states in words (a période de professionnalisation, objectives met, the tutor named on the
  request) are not in the model: the line is computed whenever its quantity is known;
  ``Financement.notes`` states them.
- **Text.** ``base`` is the computation in French, without the final amount, which a reader puts
  after it (« 32,5 jours × 7 h × 12,00 €/h », then « = 2 730,00 € »); a quantity cap shows the
  quantity before and after it (« 45 h, plafond de 40 h appliqué : 40 h × 15,00 €/h »), an amount cap
  the amount before it and the cap (« … = 60 points, plafond annuel de 50 points »); the year is in
  ``annee``, not in ``base``. ``source`` and ``depuis`` are those of the barème used, ``notes`` names
  the tutor concerned and where the quantity comes from.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from attrs import frozen

from cqpkit.model import Acteur, Bareme, Dossier, Duree, Financement, LigneFinancement, Parcours, Referentiel
from cqpkit.rules import asof, dates
from cqpkit.rules.orientation import plan

__all__ = ["funding", "round_cents"]

_CENT = Decimal("0.01")


def round_cents(value: Decimal | float) -> float:
    """``value`` rounded half up to 0,01 (``Decimal`` arithmetic, floats read through ``repr``)."""
    d = value if isinstance(value, Decimal) else Decimal(repr(value))
    return float(d.quantize(_CENT, rounding=ROUND_HALF_UP))


# ---------------------------------------------------------------------------- French text
def _nombre(x: float, decimals: int | None = None) -> str:
    """A French number: ``2 730,00`` (with ``decimals``) or ``32,5`` / ``120`` (without)."""
    d = Decimal(repr(float(x)))
    if decimals is not None:
        text = f"{d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP):,.{decimals}f}"
    else:
        text = f"{d.quantize(_CENT, rounding=ROUND_HALF_UP):,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", " ").replace(".", ",")


# Singular, plural, and the form after « € / » of each unit (funding units and volume units).
_UNITES = {
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


def _plural(x: float) -> bool:
    """French agreement: plural from 2 on (« 1,5 jour », « 2 jours »)."""
    return abs(x) >= 2


def _quantite_txt(q: float, unite: str) -> str:
    one, many, _ = _UNITES[unite]
    return f"{_nombre(q)} {many if _plural(q) else one}"


def _points_txt(x: float) -> str:
    return f"{_nombre(x)} point{'s' if _plural(x) else ''}"


def _montant_txt(x: float, en: str) -> str:
    return f"{_nombre(x, 2)} €" if en == "euro" else _points_txt(x)


def _taux_txt(t: float, unite: str, en: str) -> str:
    per = _UNITES[unite][2]
    return f"{_nombre(t, 2)} €/{per}" if en == "euro" else f"{_points_txt(t)}/{per}"


def _cap_txt(kind: str, cap: str) -> str:
    """« , plafond de 40 h », « , plafond annuel de 180 points »."""
    return f", {kind} de {cap}"


# ---------------------------------------------------------------------------- quantities
@frozen(kw_only=True)
class _Portion:
    """A quantity to fund, in the line's unit: the whole line, or one calendar year of it."""

    quantite: float
    texte: str  # how the quantity reads in the base, before any cap (« 32,5 jours × 7 h »)
    annee: int | None = None
    converti: bool = False  # days turned into hours: the base then shows the hours before a cap
    autres: float = 0.0  # quantity of the tutor's earlier other missions in the same year (shares plafond_annuel)


@frozen(kw_only=True)
class _Groupe:
    """The portions of one line or of one tutor's lines, with what the notes say about them."""

    portions: tuple[_Portion, ...]
    notes: str = ""


def _days_to_line(days: float, fin: Financement) -> _Portion | None:
    """A quantity in days for a line per day, or per hour with ``heures_par_jour``."""
    if fin.unite == "jour":
        return _Portion(quantite=days, texte=_quantite_txt(days, "jour"))
    if fin.unite == "heure" and fin.heures_par_jour is not None:
        return _Portion(
            quantite=days * fin.heures_par_jour,
            texte=f"{_quantite_txt(days, 'jour')} × {_nombre(fin.heures_par_jour)} h",
            converti=True,
        )
    return None


def _volumes(ref: Referentiel, fin: Financement, ids: str) -> _Groupe | None:
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
    notes = "Quantité : " + " + ".join(f"{v.libelle} ({_quantite_txt(v.valeur, unit)})" for v in found) + "."
    if unit == "jour":
        portion = _days_to_line(total, fin)
    elif unit == "heure" and fin.unite == "heure":
        portion = _Portion(quantite=total, texte=_quantite_txt(total, "heure"))
    elif unit == "mois" and fin.unite in ("mois", "mois_commence"):
        portion = _Portion(quantite=total, texte=_quantite_txt(total, fin.unite))
    else:
        portion = None
    return _Groupe(portions=(portion,), notes=notes) if portion is not None else None


def _tutor_hours(ref: Referentiel, dossier: Dossier, fin: Financement) -> list[_Groupe]:
    if fin.unite != "heure":
        return []
    default = ref.tutorat.formation_heures if ref.tutorat is not None else None
    tutors = dossier.acteurs_with("tuteur")
    groups = []
    if not tutors:
        if default is not None:
            groups.append(
                _Groupe(
                    portions=(_Portion(quantite=default, texte=_quantite_txt(default, "heure")),),
                    notes="Durée de la formation de tuteur prévue par le référentiel ([tutorat] formation_heures).",
                )
            )
        return groups
    for tutor in tutors:
        hours = tutor.formation_heures if tutor.formation_heures is not None else default
        if hours is None:
            continue
        origin = (
            "durée déclarée dans le dossier"
            if tutor.formation_heures is not None
            else "durée prévue par le référentiel"
        )
        groups.append(
            _Groupe(
                portions=(_Portion(quantite=hours, texte=_quantite_txt(hours, "heure")),),
                notes=f"Tuteur {tutor.id} : formation de tuteur, {origin}.",
            )
        )
    return groups


def _complete_months_by_year(debut: date, fin: date) -> dict[int, int]:
    """Complete anniversary months of ``debut .. fin`` by the calendar year in which each starts."""
    # Month k is complete when month k + 1 starts on or before the day after ``fin``.
    complete = dates.months_started(debut, fin + dates.ONE_DAY) - 1
    if complete <= 0:
        return {}
    last_start = dates.add(debut, Duree(mois=complete - 1))
    return dates.months_started_by_year(debut, last_start)


def _months_by_year(fin: Financement, debut: date, end: date) -> dict[int, int]:
    if fin.unite == "mois_commence":
        return dates.months_started_by_year(debut, end)
    return _complete_months_by_year(debut, end)


def _earlier_missions(dossier: Dossier, tutor: Acteur, fin: Financement) -> tuple[dict[int, int], str]:
    """Months per calendar year of the tutor's other missions that come before this one, and what the notes say.

    Missions are taken in chronological order of (start, end, dossier id): the earlier ones use the
    annual cap first. A mission that ends before it starts is ignored.
    """
    assert tutor.mission_debut is not None and tutor.mission_fin is not None
    this = (tutor.mission_debut, tutor.mission_fin, dossier.id)
    earlier: dict[int, int] = {}
    listed = []
    later = 0
    for other in tutor.autres_missions:
        if other.fin < other.debut:
            continue
        if (other.debut, other.fin, other.dossier) >= this:
            later += 1
            continue
        for year, n in _months_by_year(fin, other.debut, other.fin).items():
            earlier[year] = earlier.get(year, 0) + n
        ref = f", dossier {other.dossier}" if other.dossier else ""
        listed.append(f"du {other.debut.strftime('%d/%m/%Y')} au {other.fin.strftime('%d/%m/%Y')}{ref}")
    notes = ""
    if listed:
        notes += f" Autres missions du tuteur, antérieures, qui entament le plafond annuel avant celle-ci : {' ; '.join(listed)}."
    if later:
        notes += f" {later} autre(s) mission(s) du tuteur, postérieure(s) à celle-ci, sans effet sur son plafond annuel."
    return earlier, notes


def _mission(dossier: Dossier, fin: Financement, per_year: bool) -> list[_Groupe]:
    if fin.unite not in ("mois", "mois_commence"):
        return []
    groups = []
    for tutor in dossier.acteurs_with("tuteur"):
        debut, end = tutor.mission_debut, tutor.mission_fin
        if debut is None or end is None or end < debut:
            continue
        by_year = _months_by_year(fin, debut, end)
        notes = f"Tuteur {tutor.id} : mission du {debut.strftime('%d/%m/%Y')} au {end.strftime('%d/%m/%Y')}."
        if per_year and by_year:
            earlier, more = _earlier_missions(dossier, tutor, fin) if tutor.autres_missions else ({}, "")
            notes += more
            portions = tuple(
                _Portion(
                    quantite=float(n), texte=_quantite_txt(n, fin.unite), annee=year, autres=float(earlier.get(year, 0))
                )
                for year, n in sorted(by_year.items())
            )
        else:
            total = float(sum(by_year.values()))
            portions = (_Portion(quantite=total, texte=_quantite_txt(total, fin.unite)),)
        groups.append(_Groupe(portions=portions, notes=notes))
    return groups


def _parcours_days(ref: Referentiel, fin: Financement, parcours: Parcours) -> _Groupe | None:
    if parcours.reorientation or not parcours.domaines:
        return None
    training = [pd for pd in parcours.domaines if pd.orientation == "formation"]
    if any(pd.jours_tuteur is None for pd in training):
        return None
    days = float(sum(pd.jours_tuteur or 0.0 for pd in training))
    portion = _days_to_line(days, fin)
    if portion is None:
        return None
    listed = ", ".join(f"{pd.domaine} ({_quantite_txt(pd.jours_tuteur or 0.0, 'jour')})" for pd in training) or "aucun"
    return _Groupe(portions=(portion,), notes=f"Jours de tuteur des domaines suivis en formation : {listed}.")


def _groups(
    ref: Referentiel, dossier: Dossier, fin: Financement, bareme: Bareme, parcours: Callable[[], Parcours]
) -> list[_Groupe]:
    if fin.quantite is not None:
        if fin.unite == "heure" and fin.heures_par_jour is not None:
            portion = _days_to_line(fin.quantite, fin)
        else:
            portion = _Portion(quantite=fin.quantite, texte=_quantite_txt(fin.quantite, fin.unite))
        return [_Groupe(portions=(portion,))] if portion is not None else []
    source = fin.quantite_de
    if source is None:
        if fin.unite == "forfait":
            return [_Groupe(portions=(_Portion(quantite=1.0, texte="1 forfait"),))]
        return []
    kind, colon, ids = source.partition(":")
    if kind == "volumes" and colon and ids:
        group = _volumes(ref, fin, ids)
        return [group] if group is not None else []
    if source == "tutorat.formation_heures":
        return _tutor_hours(ref, dossier, fin)
    if source == "mission_tuteur":
        return _mission(dossier, fin, per_year=bareme.plafond_annuel is not None)
    if source == "parcours.jours_tuteur":
        group = _parcours_days(ref, fin, parcours())
        return [group] if group is not None else []
    return []


# ---------------------------------------------------------------------------- lines
def _dec(x: float) -> Decimal:
    return Decimal(repr(float(x)))


def _cap_cents(cap: float) -> Decimal:
    """An amount cap in cents, taken down to the cent so that a rounded amount never exceeds it."""
    return max(_dec(cap), Decimal(0)).quantize(_CENT, rounding=ROUND_FLOOR)


def _lines_of(code: str, fin: Financement, bareme: Bareme, group: _Groupe) -> list[LigneFinancement]:
    taux = _dec(bareme.valeur)
    quantity_left = _dec(bareme.plafond_quantite) if bareme.plafond_quantite is not None else None
    annual = _cap_cents(bareme.plafond_annuel) if bareme.plafond_annuel is not None else None
    amount_left = _cap_cents(bareme.plafond_montant) if bareme.plafond_montant is not None else None
    lines = []
    for portion in group.portions:
        plafond: float | None = None
        quantite = max(_dec(portion.quantite), Decimal(0))
        texte = portion.texte
        if quantity_left is not None:
            allowed = max(quantity_left, Decimal(0))
            if quantite > allowed:
                if portion.converti:
                    texte += f" = {_quantite_txt(float(quantite), fin.unite)}"
                quantite = allowed
                plafond = bareme.plafond_quantite
                cap = _quantite_txt(bareme.plafond_quantite, fin.unite)
                texte += f"{_cap_txt('plafond', cap)} appliqué : {_quantite_txt(float(quantite), fin.unite)}"
            quantity_left = allowed - quantite
        montant = max((quantite * taux).quantize(_CENT, rounding=ROUND_HALF_UP), Decimal(0))
        if fin.unite == "forfait" and quantite == 1:
            texte = "forfait"
        else:
            texte += f" × {_taux_txt(bareme.valeur, fin.unite, fin.en)}"
        computed = f" = {_montant_txt(float(montant), fin.en)}"  # shown only when a cap then lowers the amount
        if annual is not None:
            year = portion.annee if portion.annee is not None else 0
            # The tutor's earlier missions of the same year use the cap first (dates.cap_per_year_across).
            deja = min(annual, (_dec(portion.autres) * taux).quantize(_CENT, rounding=ROUND_HALF_UP))
            capped = dates.cap_per_year({year: montant}, annual - deja)[year]
            if capped < montant:
                montant = capped
                plafond = bareme.plafond_annuel
                texte += computed + _cap_txt("plafond annuel", _montant_txt(bareme.plafond_annuel, fin.en))
                if deja:
                    texte += f" dont {_montant_txt(float(deja), fin.en)} déjà atteints par les autres missions du tuteur"
                computed = ""
        if amount_left is not None:
            allowed = max(amount_left, Decimal(0))
            if montant > allowed:
                montant = allowed
                plafond = bareme.plafond_montant
                texte += computed + _cap_txt("plafond", _montant_txt(bareme.plafond_montant, fin.en))
                computed = ""
            amount_left = allowed - montant
        lines.append(
            LigneFinancement(
                code=code,
                libelle=fin.intitule,
                base=texte,
                quantite=float(quantite),
                unite=fin.unite,
                taux=bareme.valeur,
                montant=float(montant),
                en=fin.en,
                nature=fin.nature,
                plafond=plafond,
                annee=portion.annee,
                depuis=bareme.depuis,
                source=bareme.source,
                notes=group.notes,
            )
        )
    return lines


def funding(ref: Referentiel, dossier: Dossier, as_of: date) -> list[LigneFinancement]:
    """The funding and reward lines of ``dossier`` as of ``as_of``, in référentiel order (see the module docstring)."""
    cache: list[Parcours] = []

    def parcours() -> Parcours:
        # The parcours as it was set at the positionnement (or at registration without one):
        # the blocs followed in training stay followed after a jury acquires them.
        if not cache:
            basis = dossier.positionnement.date if dossier.positionnement is not None else dossier.dossier.inscription
            cache.append(plan(ref, dossier, min(as_of, basis)))
        return cache[0]

    lines: list[LigneFinancement] = []
    certified: list[bool] = []
    for code, fin in ref.financement.items():
        if fin.voies and dossier.dossier.voie not in fin.voies:
            continue  # a line of another route (e.g. the price of the parcours intégral)
        bareme = asof.value_as_of(fin.valeurs, as_of)
        if bareme is None:
            continue
        if fin.condition == "certifie":
            if not certified:
                from cqpkit.rules.decision import decide

                certified.append(decide(ref, dossier, as_of).statut == "certifie")
            if not certified[0]:
                continue
        for group in _groups(ref, dossier, fin, bareme, parcours):
            lines.extend(_lines_of(code, fin, bareme, group))
    return lines
