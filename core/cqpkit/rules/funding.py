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
  month is paid only when it and the months before it in the group do not exceed the cap of *its*
  barème (whole months; months without a barème count: they are months of the same period); for hours, on the line's
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

from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from attrs import frozen

from cqpkit.model import Acteur, Constat, Dossier, Financement, LigneFinancement, Parcours, Referentiel, Resultat
from cqpkit.model.invariants import quick_constructor
from cqpkit.rules import asof
from cqpkit.rules.fr import date_fr
from cqpkit.rules.funding_months import month_groups
from cqpkit.rules.funding_parts import (
    _CENT,
    EVENEMENTS,
    Findings,
    Groupe,
    Portion,
    bareme_note,
    cap_cents,
    dec,
    evenement_of,
    quantity,
    round_cents,
)
from cqpkit.rules.funding_text import cap_txt, montant_txt, quantite_txt, taux_txt
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


@frozen(kw_only=True)
class Financements:
    """What the funding engine concludes: the lines, and the findings about lines it could not give."""

    lignes: tuple[LigneFinancement, ...] = ()
    constats: tuple[Constat, ...] = ()


#: ``Financements(lignes, constats)`` without attrs' generic ``__init__`` (one per dossier checked).
_new_Financements = quick_constructor(Financements)


# ---------------------------------------------------------------------------- events (one date)
class _Occasion:
    """The event one line is paid for: its day, where the dossier gives it, its label (« début de la formation le
    06/03/2017 »), the tutor it concerns and the notes it adds to the line (a plain class: one or more per dossier)."""

    __slots__ = ("chemin", "jour", "label", "notes", "tutor")

    def __init__(self, *, jour: date, chemin: str, label: str, tutor: Acteur | None = None, notes: str = "") -> None:
        self.jour, self.chemin, self.label, self.tutor, self.notes = jour, chemin, label, tutor, notes


def _occasions(
    fin: Financement, dossier: Dossier, as_of: date, resultat: Resultat, findings: Findings
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
                findings.waiting(
                    chemin, f"formation du tuteur {a.id} le {date_fr(a.forme_le)}, après le {date_fr(as_of)}"
                )
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
        findings.waiting(
            "formations", f"la formation n'a pas commencé au {date_fr(as_of)} (aucun module commencé à cette date)"
        )
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
    findings: Findings,
) -> list[Groupe]:
    groups = []
    for occasion in _occasions(fin, dossier, as_of, resultat, findings):
        bareme = asof.value_as_of(fin.valeurs, occasion.jour)
        found = quantity(ref, fin, occasion.tutor, parcours)
        if bareme is None:
            # The quantity is said when it is known: the reader can apply the year's rate himself.
            qty = f", pour {found[0].texte}" if found is not None and fin.unite != "forfait" else ""
            findings.unknown(
                occasion.chemin,
                f"le {date_fr(occasion.jour)} ({occasion.label}{qty})",
                {"date": occasion.jour.isoformat()},
            )
            continue
        if found is None:
            continue
        q, notes = found
        portion = Portion(quantite=q.quantite, texte=q.texte, converti=q.converti, jour=occasion.jour, bareme=bareme)
        text = " ".join(t for t in (occasion.notes, notes, bareme_note(bareme, occasion.label)) if t)
        groups.append(Groupe(portions=(portion,), notes=text))
    return groups


# ---------------------------------------------------------------------------- lines


def _lines_of(code: str, fin: Financement, group: Groupe) -> list[LigneFinancement]:
    lines = []
    total = Decimal(0)  # the group's amount so far (plafond_montant)
    used: dict[int, Decimal] = {}  # each year's amount so far (plafond_annuel), earlier missions included
    for portion in group.portions:
        bareme = portion.bareme
        taux = dec(bareme.valeur)
        plafond: float | None = portion.plafonne
        quantite = max(dec(portion.quantite), Decimal(0))
        texte = portion.texte
        if portion.plafonne is None and bareme.plafond_quantite is not None:
            allowed = max(dec(bareme.plafond_quantite), Decimal(0))
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
            annual = cap_cents(bareme.plafond_annuel)
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
            allowed = max(cap_cents(bareme.plafond_montant) - total, Decimal(0))
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
        findings = Findings(code, fin, constats)
        if evenement_of(fin) == "mission":
            groups = month_groups(fin, dossier, as_of, findings)
        else:
            groups = _dated_groups(ref, fin, dossier, as_of, resultat, parcours, findings)
        for group in groups:
            lines.extend(_lines_of(code, fin, group))
    return _new_Financements(tuple(lines), tuple(constats))


def funding(ref: Referentiel, dossier: Dossier, as_of: date, resultat: Resultat) -> list[LigneFinancement]:
    """The funding and reward lines of ``dossier`` as of ``as_of``, in référentiel order (see the module docstring)."""
    return list(funding_report(ref, dossier, as_of, resultat).lignes)


def funding_constats(ref: Referentiel, dossier: Dossier, as_of: date, resultat: Resultat) -> list[Constat]:
    """The findings of the funding engine: ``bareme_inconnu`` and ``financement_en_attente``."""
    return list(funding_report(ref, dossier, as_of, resultat).constats)
