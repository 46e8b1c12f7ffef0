"""Funding and reward lines of a dossier, each at the barème of its own event's date (:func:`funding_report`).

The rule (DESIGN, « Dated values »; ``docs/engine.md``, « Funding: the barème of the event's date »):
**a line takes the barème in force on the date of the event it pays**, never the as-of date. ``as_of``
only decides what is known — events after it have not happened and are ignored — and which findings
are due. The same 2017 tutoring month is paid 230 € whether the statement is printed in 2017 or in 2030.

Semantic choices, each pinned by ``tests/test_rules_funding.py`` and the plugins' scenarios
-------------------------------------------------------------------------------------------
- **The event of a line** (:func:`evenement_of`): ``Financement.evenement`` when the référentiel
  gives it, else derived from the line: ``condition = "certifie"`` → ``certification`` (the day
  the jury delivered the CQP, ``Resultat.date_certification``); ``quantite_de =
  "tutorat.formation_heures"`` → ``formation_tuteur`` (each tutor's ``forme_le``);
  ``"mission_tuteur"`` / ``"periode_tutorat"`` → ``mission`` (each month of the mission, at that
  month's first day); anything else (a fixed quantity, a lump sum, volumes, the parcours' tutor
  days) → ``debut_formation`` (the first ``formations[].debut``: the parcours starts then).
  ``inscription`` (the registration day) may be given explicitly.
- **Known events.** An event dated after ``as_of``, or not recorded, gives no line and an
  ``information`` finding ``financement_en_attente`` that names the line and what it waits for.
  A dossier not certified as of the date simply has no gratification (no finding).
- **No barème at the event's date** (before the first ``depuis``, in a gap, after a ``jusqua``):
  no line, never an extrapolation, and an ``avertissement`` ``bareme_inconnu`` naming the line,
  the date (or the months) and the periods the référentiel knows.
- **Quantity**, in the line's ``unite``:

  - ``quantite`` when the référentiel fixes it; with ``unite = "heure"`` and ``heures_par_jour``, a
    fixed ``quantite`` is in days and is turned into hours (32,5 jours × 7 h);
  - ``quantite_de = "volumes:<id>+<id>…"``: the sum of those volumes, which must share one unit: in
    days for a line per day, or per hour with ``heures_par_jour``; in hours for a line per hour; in
    months for a line per month;
  - ``"tutorat.formation_heures"``: for each tutor, its ``formation_heures`` when given, else
    ``[tutorat] formation_heures``; one line per tutor (per tutor trained, at his training's date);
  - ``"mission_tuteur"``: the months of each tutor's mission, one group of lines per tutor (the
    prime de mission tutorale: « par tuteur »);
  - ``"periode_tutorat"``: the months during which the candidate had a tutor — the tutors'
    missions merged where they overlap or follow one another (:func:`cqpkit.rules.dates.merge`) —
    one group for the dossier, whatever the number of tutors (the aide à la fonction tutorale:
    « une durée maximale de 6 mois » per période de professionnalisation, i.e. per parcours);
  - for both: months started, complete or not (:func:`cqpkit.rules.dates.month_starts`), for
    ``unite = "mois_commence"``; complete anniversary months for ``unite = "mois"``; a month counts
    once it has started (resp. ended) on or before the mission's end **and** on or before
    ``as_of``; each month is paid at the barème in force on its first day;
  - ``"parcours.jours_tuteur"``: the tutor days of the domaines in training in
    :func:`cqpkit.rules.orientation.plan` **as of the positionnement** (or of the registration);
  - ``unite = "forfait"`` without a quantity: 1 (``valeur`` is the lump sum); with
    ``evenement = "formation_tuteur"``, one per tutor trained.

  A quantity that cannot be known (no quantity given, a volume in another unit, a re-oriented
  candidate, a domaine in training without tutor days) gives no line.
- **Caps.** ``plafond_quantite`` on the quantity: for months, the months are taken in order and a
  month is paid only while fewer months than the cap of *its* barème came before it in the group
  (months without a barème count: they are months of the same period); for hours, on the line's
  hours. Then the amount; ``plafond_annuel`` on the amount of each calendar year, in the line's
  ``en`` (« 180 points par année civile et par tuteur »): months are counted in the calendar year in
  which they start, the tutor's earlier missions (``autres_missions``, in chronological order of
  start, end, dossier id; months known as of the date, each at its own month's barème) use each
  year's cap first; ``plafond_montant`` on the group's total. An amount cap with fractions of a cent
  is taken down to the cent.
- **Lines.** One line per group and barème, and, when the barème has a ``plafond_annuel``, per
  calendar year (``annee``). ``date_evenement`` is the event's date (the first month of the line
  for a mission); ``depuis`` and ``source`` are those of the barème used; ``plafond`` the cap that
  limited the line (the last applied) or ``None``; ``notes`` name the tutor, where the quantity comes
  from and the event whose date chose the barème.
- **Amount** = quantity × ``valeur``, rounded half up to the cent, computed in decimal (120 × 7,99 =
  958,80); never negative.
- **Conditions stated in words** (a période de professionnalisation, objectives met, the tutor named
  on the request) are not in the model: ``Financement.notes`` states them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from attrs import frozen

from cqpkit.model import (
    Acteur,
    Bareme,
    Constat,
    Dossier,
    Financement,
    LigneFinancement,
    Parcours,
    Referentiel,
    Resultat,
)
from cqpkit.rules import asof, dates
from cqpkit.rules.fr import date_fr
from cqpkit.rules.funding_text import (
    cap_txt,
    montant_txt,
    nombre,
    periode_txt,
    periodes_txt,
    quantite_txt,
    taux_txt,
)
from cqpkit.rules.orientation import plan

__all__ = [
    "EVENEMENTS",
    "Financements",
    "evenement_of",
    "funding",
    "funding_constats",
    "funding_report",
    "round_cents",
]

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


@frozen(kw_only=True)
class Financements:
    """What the funding engine concludes: the lines, and the findings about lines it could not give."""

    lignes: tuple[LigneFinancement, ...] = ()
    constats: tuple[Constat, ...] = ()


# ---------------------------------------------------------------------------- quantities
@frozen(kw_only=True)
class _Portion:
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
class _Groupe:
    """The portions of one line or of one tutor's lines, with what the notes say about them."""

    portions: tuple[_Portion, ...]
    notes: str = ""


@frozen(kw_only=True)
class _Quantite:
    quantite: float
    texte: str
    converti: bool = False


def _days_to_line(days: float, fin: Financement) -> _Quantite | None:
    """A quantity in days for a line per day, or per hour with ``heures_par_jour``."""
    if fin.unite == "jour":
        return _Quantite(quantite=days, texte=quantite_txt(days, "jour"))
    if fin.unite == "heure" and fin.heures_par_jour is not None:
        return _Quantite(
            quantite=days * fin.heures_par_jour,
            texte=f"{quantite_txt(days, 'jour')} × {nombre(fin.heures_par_jour)} h",
            converti=True,
        )
    return None


def _volumes(ref: Referentiel, fin: Financement, ids: str) -> tuple[_Quantite, str] | None:
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
        q = _days_to_line(total, fin)
    elif unit == "heure" and fin.unite == "heure":
        q = _Quantite(quantite=total, texte=quantite_txt(total, "heure"))
    elif unit == "mois" and fin.unite in ("mois", "mois_commence"):
        q = _Quantite(quantite=total, texte=quantite_txt(total, fin.unite))
    else:
        q = None
    return (q, notes) if q is not None else None


def _parcours_days(fin: Financement, parcours: Parcours) -> tuple[_Quantite, str] | None:
    if parcours.reorientation or not parcours.domaines:
        return None
    training = [pd for pd in parcours.domaines if pd.orientation == "formation"]
    if any(pd.jours_tuteur is None for pd in training):
        return None
    days = float(sum(pd.jours_tuteur or 0.0 for pd in training))
    q = _days_to_line(days, fin)
    if q is None:
        return None
    listed = ", ".join(f"{pd.domaine} ({quantite_txt(pd.jours_tuteur or 0.0, 'jour')})" for pd in training) or "aucun"
    return q, f"Jours de tuteur des domaines suivis en formation : {listed}."


def _quantity(
    ref: Referentiel, fin: Financement, tutor: Acteur | None, parcours: Callable[[], Parcours]
) -> tuple[_Quantite, str] | None:
    """The quantity of a line paid at one event (for ``tutor`` when the event is his training)."""
    if fin.quantite is not None:
        if fin.unite == "heure" and fin.heures_par_jour is not None:
            q = _days_to_line(fin.quantite, fin)
            return (q, "") if q is not None else None
        return _Quantite(quantite=fin.quantite, texte=quantite_txt(fin.quantite, fin.unite)), ""
    source = fin.quantite_de
    if source is None:
        if fin.unite == "forfait":
            return _Quantite(quantite=1.0, texte="1 forfait"), ""
        return None
    kind, colon, ids = source.partition(":")
    if kind == "volumes" and colon and ids:
        return _volumes(ref, fin, ids)
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
        return _Quantite(quantite=hours, texte=quantite_txt(hours, "heure")), f"Formation de tuteur : {origin}."
    if source == "parcours.jours_tuteur":
        return _parcours_days(fin, parcours())
    return None


# ---------------------------------------------------------------------------- findings
class _Findings:
    """The findings of one line, built with the line's source and rule."""

    def __init__(self, code: str, fin: Financement, out: list[Constat]) -> None:
        self.code, self.fin, self.out = code, fin, out

    def _source(self) -> object:
        return self.fin.sources[0] if self.fin.sources else (self.fin.valeurs[0].source if self.fin.valeurs else None)

    def periods(self) -> str:
        return periodes_txt([(first, last) for _, first, last in asof.holding_periods(self.fin.valeurs)])

    def unknown(self, chemin: str, quand: str, valeurs: dict[str, str]) -> None:
        self.out.append(
            Constat(
                code="bareme_inconnu",
                niveau="avertissement",
                message=(
                    f"« {self.fin.intitule} » : aucun barème en vigueur {quand} : la ligne n'est pas calculée "
                    f"(périodes connues du barème : {self.periods()})"
                ),
                chemin=chemin,
                source=self._source(),  # type: ignore[arg-type]
                regle=f"financement.{self.code}",
                valeurs={"ligne": self.code, **valeurs, "periodes": self.periods()},
            )
        )

    def waiting(self, chemin: str, what: str) -> None:
        self.out.append(
            Constat(
                code="financement_en_attente",
                niveau="information",
                message=f"« {self.fin.intitule} » : {what} ; la ligne sera calculée au barème en vigueur à cette date",
                chemin=chemin,
                source=self._source(),  # type: ignore[arg-type]
                regle=f"financement.{self.code}",
                valeurs={"ligne": self.code, "evenement": evenement_of(self.fin)},
            )
        )


def _month_range(months: Sequence[date]) -> str:
    if len(months) == 1:
        return f"le mois commençant le {date_fr(months[0])}"
    return f"les {len(months)} mois commençant du {date_fr(months[0])} au {date_fr(months[-1])}"


# ---------------------------------------------------------------------------- events (one date)
@frozen(kw_only=True)
class _Occasion:
    jour: date
    chemin: str
    label: str  # « début de la formation le 06/03/2017 »
    tutor: Acteur | None = None
    notes: str = ""


def _occasions(
    fin: Financement, dossier: Dossier, as_of: date, resultat: Resultat, findings: _Findings
) -> list[_Occasion]:
    kind = evenement_of(fin)
    if kind == "certification":
        day = resultat.date_certification
        if resultat.statut != "certifie" or day is None or day > as_of:
            return []
        k = next((i for i, p in enumerate(dossier.passages) if p.date == day), None)
        chemin = f"passages[{k}].date" if k is not None else "passages"
        return [_Occasion(jour=day, chemin=chemin, label=f"délivrance du CQP par le jury le {date_fr(day)}")]
    if kind == "inscription":
        day = dossier.dossier.inscription
        if day > as_of:
            findings.waiting("dossier.inscription", f"inscription le {date_fr(day)}, après le {date_fr(as_of)}")
            return []
        return [_Occasion(jour=day, chemin="dossier.inscription", label=f"inscription le {date_fr(day)}")]
    if kind == "formation_tuteur":
        found = []
        for i, a in enumerate(dossier.acteurs):
            if "tuteur" not in a.roles:
                continue
            chemin = f"acteurs[{i}].forme_le"
            if a.forme_le is None:
                findings.waiting(chemin, f"date de la formation du tuteur {a.id} non renseignée (forme_le)")
            elif a.forme_le > as_of:
                findings.waiting(chemin, f"formation du tuteur {a.id} le {date_fr(a.forme_le)}, après le {date_fr(as_of)}")
            else:
                found.append(
                    _Occasion(
                        jour=a.forme_le,
                        chemin=chemin,
                        label=f"formation du tuteur {a.id} le {date_fr(a.forme_le)}",
                        tutor=a,
                        notes=f"Tuteur {a.id}.",
                    )
                )
        return found
    # debut_formation
    started = [(f.debut, i) for i, f in enumerate(dossier.formations) if f.debut <= as_of]
    if not started:
        findings.waiting("formations", f"la formation n'a pas commencé au {date_fr(as_of)} (aucun module suivi)")
        return []
    day, i = min(started)
    return [_Occasion(jour=day, chemin=f"formations[{i}].debut", label=f"début de la formation le {date_fr(day)}")]


def _dated_groups(
    ref: Referentiel,
    fin: Financement,
    dossier: Dossier,
    as_of: date,
    resultat: Resultat,
    parcours: Callable[[], Parcours],
    findings: _Findings,
) -> list[_Groupe]:
    groups = []
    for occasion in _occasions(fin, dossier, as_of, resultat, findings):
        bareme = asof.value_as_of(fin.valeurs, occasion.jour)
        found = _quantity(ref, fin, occasion.tutor, parcours)
        if bareme is None:
            # The quantity is said when it is known: the reader can apply the year's rate himself.
            qty = f", pour {found[0].texte}" if found is not None and fin.unite != "forfait" else ""
            findings.unknown(
                occasion.chemin, f"le {date_fr(occasion.jour)} ({occasion.label}{qty})", {"date": occasion.jour.isoformat()}
            )
            continue
        if found is None:
            continue
        q, notes = found
        portion = _Portion(
            quantite=q.quantite, texte=q.texte, converti=q.converti, jour=occasion.jour, bareme=bareme
        )
        text = " ".join(t for t in (occasion.notes, notes, _bareme_note(bareme, occasion.label)) if t)
        groups.append(_Groupe(portions=(portion,), notes=text))
    return groups


def _bareme_note(bareme: Bareme, label: str) -> str:
    period = periode_txt(bareme.depuis, bareme.jusqua)
    return f"Barème en vigueur {period}, appliqué à la date de l'événement : {label}."


# ---------------------------------------------------------------------------- events (months)
def _months(fin: Financement, debut: date, fin_mission: date, as_of: date) -> list[date]:
    """The months of ``debut .. fin_mission`` that count as of ``as_of`` (started, or complete)."""
    if fin.unite == "mois_commence":
        return dates.month_starts(debut, min(fin_mission, as_of))
    return dates.month_starts(debut, min(fin_mission, as_of), complete=True)


def _month_groups(
    fin: Financement, dossier: Dossier, as_of: date, findings: _Findings
) -> list[_Groupe]:
    if fin.unite not in ("mois", "mois_commence"):
        return []
    tutors = [(i, a) for i, a in enumerate(dossier.acteurs) if "tuteur" in a.roles]
    with_mission = []
    for i, a in tutors:
        if a.mission_debut is None or a.mission_fin is None or a.mission_fin < a.mission_debut:
            continue
        if a.mission_debut > as_of:
            findings.waiting(
                f"acteurs[{i}].mission_debut",
                f"mission du tuteur {a.id} commençant le {date_fr(a.mission_debut)}, après le {date_fr(as_of)}",
            )
            continue
        with_mission.append((i, a))
    if fin.quantite_de == "periode_tutorat":
        if not with_mission:
            return []
        spans = dates.merge([dates.Periode(debut=a.mission_debut, fin=a.mission_fin) for _, a in with_mission], as_of)  # type: ignore[arg-type]
        months = [m for debut, end in spans for m in _months(fin, debut, end, as_of)]
        listed = " ; ".join(f"{a.id} du {date_fr(a.mission_debut)} au {date_fr(a.mission_fin)}" for _, a in with_mission)  # type: ignore[arg-type]
        notes = (
            f"Période de tutorat du candidat (missions de ses tuteurs, réunies quand elles se suivent ou se "
            f"chevauchent) : {listed}."
        )
        chemin = f"acteurs[{with_mission[0][0]}].mission_debut"
        group = _months_to_group(fin, months, {}, notes, chemin, "de la période de tutorat", findings)
        return [group] if group is not None else []
    groups = []
    for i, a in with_mission:
        assert a.mission_debut is not None and a.mission_fin is not None
        months = _months(fin, a.mission_debut, a.mission_fin, as_of)
        notes = f"Tuteur {a.id} : mission du {date_fr(a.mission_debut)} au {date_fr(a.mission_fin)}."
        deja: dict[int, Decimal] = {}
        if _per_year(fin) and a.autres_missions:
            deja, more = _earlier_missions(dossier, a, fin, as_of)
            notes += more
        group = _months_to_group(fin, months, deja, notes, f"acteurs[{i}].mission_debut", f"de la mission du tuteur {a.id}", findings)
        if group is not None:
            groups.append(group)
    return groups


def _per_year(fin: Financement) -> bool:
    return any(v.plafond_annuel is not None for v in fin.valeurs)


def _rate(fin: Financement, day: date) -> Decimal:
    bareme = asof.value_as_of(fin.valeurs, day)
    return _dec(bareme.valeur) if bareme is not None else Decimal(0)


def _earlier_missions(dossier: Dossier, tutor: Acteur, fin: Financement, as_of: date) -> tuple[dict[int, Decimal], str]:
    """Amount per calendar year of the tutor's other missions that come before this one, and what the notes say.

    Missions are taken in chronological order of (start, end, dossier id): the earlier ones use the
    annual cap first; their months count as of ``as_of``, each at its own month's barème. A mission
    that ends before it starts is ignored.
    """
    assert tutor.mission_debut is not None and tutor.mission_fin is not None
    this = (tutor.mission_debut, tutor.mission_fin, dossier.id)
    earlier: dict[int, Decimal] = {}
    listed = []
    later = 0
    for other in tutor.autres_missions:
        if other.fin < other.debut:
            continue
        if (other.debut, other.fin, other.dossier) >= this:
            later += 1
            continue
        for month in _months(fin, other.debut, other.fin, as_of):
            earlier[month.year] = earlier.get(month.year, Decimal(0)) + _rate(fin, month)
        ref = f", dossier {other.dossier}" if other.dossier else ""
        listed.append(f"du {date_fr(other.debut)} au {date_fr(other.fin)}{ref}")
    notes = ""
    if listed:
        notes += f" Autres missions du tuteur, antérieures, qui entament le plafond annuel avant celle-ci : {' ; '.join(listed)}."
    if later:
        notes += f" {later} autre(s) mission(s) du tuteur, postérieure(s) à celle-ci, sans effet sur son plafond annuel."
    return earlier, notes


def _months_to_group(
    fin: Financement,
    months: list[date],
    deja: dict[int, Decimal],
    notes: str,
    chemin: str,
    what: str,
    findings: _Findings,
) -> _Groupe | None:
    """The months of one group, capped in order, split per barème (and calendar year), unknown ones reported."""
    if not months:
        return None
    per_year = _per_year(fin)
    funded: list[tuple[date, Bareme]] = []
    unknown: list[date] = []
    capped: list[tuple[date, Bareme]] = []
    last: Bareme | None = None  # the barème of the latest month that had one
    for index, month in enumerate(months):
        bareme = asof.value_as_of(fin.valeurs, month)
        cap = (bareme or last).plafond_quantite if (bareme or last) is not None else None  # type: ignore[union-attr]
        if cap is not None and index >= cap:
            # Beyond the cap of the période (a month without barème is measured against the cap of the
            # last barème before it: the cap is reached whatever the rate of a later month would be).
            if bareme is not None:
                capped.append((month, bareme))
        elif bareme is None:
            unknown.append(month)
        else:
            funded.append((month, bareme))
        last = bareme or last
    if unknown:
        findings.unknown(
            chemin,
            f"pour {_month_range(unknown)} {what}",
            {"mois": ", ".join(m.isoformat() for m in unknown)},
        )
    # Consecutive funded months of one barème (and one calendar year when the cap is annual) make a portion.
    runs: list[list[tuple[date, Bareme]]] = []
    for month, bareme in funded:
        if runs and runs[-1][-1][1] is bareme and (not per_year or runs[-1][-1][0].year == month.year):
            runs[-1].append((month, bareme))
        else:
            runs.append([(month, bareme)])
    portions = []
    for n, run in enumerate(runs):
        first, bareme = run[0]
        count = float(len(run))
        texte = quantite_txt(count, fin.unite)
        plafonne = None
        if capped and n == len(runs) - 1 and bareme.plafond_quantite is not None:
            total = len(months)
            texte = (
                f"{quantite_txt(total, fin.unite)}{cap_txt('plafond', quantite_txt(bareme.plafond_quantite, fin.unite))} "
                f"appliqué : {quantite_txt(count, fin.unite)}"
                if len(runs) == 1
                else f"{texte} (plafond de {quantite_txt(bareme.plafond_quantite, fin.unite)} atteint sur {quantite_txt(total, fin.unite)})"
            )
            plafonne = bareme.plafond_quantite
        year = first.year if per_year else None
        portions.append(
            _Portion(
                quantite=count,
                texte=texte,
                jour=first,
                bareme=bareme,
                annee=year,
                plafonne=plafonne,
                deja=deja.get(year, Decimal(0)) if year is not None else Decimal(0),
            )
        )
    if not portions:
        return None
    label = f"chaque mois de la mission, à son premier jour (premier mois payé : le mois commençant le {date_fr(portions[0].jour)})"
    return _Groupe(portions=tuple(portions), notes=f"{notes} {_bareme_note(portions[0].bareme, label)}")


# ---------------------------------------------------------------------------- lines
def _dec(x: float) -> Decimal:
    return Decimal(repr(float(x)))


def _cap_cents(cap: float) -> Decimal:
    """An amount cap in cents, taken down to the cent so that a rounded amount never exceeds it."""
    return max(_dec(cap), Decimal(0)).quantize(_CENT, rounding=ROUND_FLOOR)


def _lines_of(code: str, fin: Financement, group: _Groupe) -> list[LigneFinancement]:
    lines = []
    total = Decimal(0)  # the group's amount so far (plafond_montant)
    used: dict[int, Decimal] = {}  # each year's amount so far (plafond_annuel), earlier missions included
    for portion in group.portions:
        bareme = portion.bareme
        taux = _dec(bareme.valeur)
        plafond: float | None = portion.plafonne
        quantite = max(_dec(portion.quantite), Decimal(0))
        texte = portion.texte
        if portion.plafonne is None and bareme.plafond_quantite is not None:
            allowed = max(_dec(bareme.plafond_quantite), Decimal(0))
            if quantite > allowed:
                if portion.converti:
                    texte += f" = {quantite_txt(float(quantite), fin.unite)}"
                quantite = allowed
                plafond = bareme.plafond_quantite
                cap = quantite_txt(bareme.plafond_quantite, fin.unite)
                texte += f"{cap_txt('plafond', cap)} appliqué : {quantite_txt(float(quantite), fin.unite)}"
        montant = max((quantite * taux).quantize(_CENT, rounding=ROUND_HALF_UP), Decimal(0))
        if fin.unite == "forfait" and quantite == 1:
            texte = "forfait"
        else:
            texte += f" × {taux_txt(bareme.valeur, fin.unite, fin.en)}"
        computed = f" = {montant_txt(float(montant), fin.en)}"  # shown only when a cap then lowers the amount
        if bareme.plafond_annuel is not None:
            annual = _cap_cents(bareme.plafond_annuel)
            year = portion.annee if portion.annee is not None else 0
            if year not in used:
                used[year] = min(annual, portion.deja.quantize(_CENT, rounding=ROUND_HALF_UP))
            deja = used[year]
            granted = min(montant, max(annual - deja, Decimal(0)))
            if granted < montant:
                montant = granted
                plafond = bareme.plafond_annuel
                texte += computed + cap_txt("plafond annuel", montant_txt(bareme.plafond_annuel, fin.en))
                if portion.deja:
                    texte += f" dont {montant_txt(float(min(annual, portion.deja)), fin.en)} déjà atteints par les autres missions du tuteur"
                computed = ""
            used[year] = deja + montant
        if bareme.plafond_montant is not None:
            allowed = max(_cap_cents(bareme.plafond_montant) - total, Decimal(0))
            if montant > allowed:
                montant = allowed
                plafond = bareme.plafond_montant
                texte += computed + cap_txt("plafond", montant_txt(bareme.plafond_montant, fin.en))
                computed = ""
        total += montant
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
                date_evenement=portion.jour,
                depuis=bareme.depuis,
                source=bareme.source,
                notes=group.notes.strip(),
            )
        )
    return lines


def funding_report(ref: Referentiel, dossier: Dossier, as_of: date, resultat: Resultat) -> Financements:
    """The funding lines of ``dossier`` as of ``as_of`` and the findings on those it cannot give.

    ``resultat`` is the dossier's decision as of the same date (``Registry.decide``: the plugin's
    decision when a plugin decides), read for the lines due on certification.
    """
    cache: list[Parcours] = []

    def parcours() -> Parcours:
        # The parcours as it was set at the positionnement (or at registration without one):
        # the blocs followed in training stay followed after a jury acquires them.
        if not cache:
            basis = dossier.positionnement.date if dossier.positionnement is not None else dossier.dossier.inscription
            cache.append(plan(ref, dossier, min(as_of, basis)))
        return cache[0]

    lines: list[LigneFinancement] = []
    constats: list[Constat] = []
    for code, fin in ref.financement.items():
        if fin.voies and dossier.dossier.voie not in fin.voies:
            continue  # a line of another route (e.g. the price of the parcours intégral)
        findings = _Findings(code, fin, constats)
        if evenement_of(fin) == "mission":
            groups = _month_groups(fin, dossier, as_of, findings)
        else:
            groups = _dated_groups(ref, fin, dossier, as_of, resultat, parcours, findings)
        for group in groups:
            lines.extend(_lines_of(code, fin, group))
    return Financements(lignes=tuple(lines), constats=tuple(constats))


def funding(ref: Referentiel, dossier: Dossier, as_of: date, resultat: Resultat) -> list[LigneFinancement]:
    """The funding and reward lines of ``dossier`` as of ``as_of``, in référentiel order (see the module docstring)."""
    return list(funding_report(ref, dossier, as_of, resultat).lignes)


def funding_constats(ref: Referentiel, dossier: Dossier, as_of: date, resultat: Resultat) -> list[Constat]:
    """The findings of the funding engine: ``bareme_inconnu`` and ``financement_en_attente``."""
    return list(funding_report(ref, dossier, as_of, resultat).constats)

