"""The months of a tutor's mission, for the funding engine (:mod:`cqpkit.rules.funding`).

Each month of a mission is paid at the barème in force on its first day; the months of a group are
capped in order; the tutor's earlier missions use each calendar year's cap first. The semantics are
stated in :mod:`cqpkit.rules.funding`'s docstring.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from cqpkit.model import Acteur, Bareme, Dossier, Financement
from cqpkit.rules import asof, dates
from cqpkit.rules.fr import date_fr
from cqpkit.rules.funding_parts import Findings, Groupe, Portion, bareme_note, dec, month_range
from cqpkit.rules.funding_text import cap_txt, quantite_txt


def counted_months(fin: Financement, debut: date, fin_mission: date, as_of: date) -> list[date]:
    """The months of ``debut .. fin_mission`` that count as of ``as_of`` (started, or complete)."""
    if fin.unite == "mois_commence":
        return dates.month_starts(debut, min(fin_mission, as_of))
    return dates.month_starts(debut, min(fin_mission, as_of), complete=True)


def month_groups(fin: Financement, dossier: Dossier, as_of: date, findings: Findings) -> list[Groupe]:
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
        months = [m for debut, end in spans for m in counted_months(fin, debut, end, as_of)]
        listed = " ; ".join(
            f"{a.id} du {date_fr(a.mission_debut)} au {date_fr(a.mission_fin)}" for _, a in with_mission
        )  # type: ignore[arg-type]
        notes = (
            f"Période de tutorat du candidat (missions de ses tuteurs, réunies quand elles se suivent ou se "
            f"chevauchent) : {listed}."
        )
        chemin = f"acteurs[{with_mission[0][0]}].mission_debut"
        group = months_to_group(fin, months, {}, notes, chemin, "de la période de tutorat", findings)
        return [group] if group is not None else []
    groups = []
    for i, a in with_mission:
        assert a.mission_debut is not None and a.mission_fin is not None
        months = counted_months(fin, a.mission_debut, a.mission_fin, as_of)
        notes = f"Tuteur {a.id} : mission du {date_fr(a.mission_debut)} au {date_fr(a.mission_fin)}."
        deja: dict[int, Decimal] = {}
        if split_per_year(fin) and a.autres_missions:
            deja, more = earlier_missions(dossier, a, fin, as_of)
            notes += more
        group = months_to_group(
            fin, months, deja, notes, f"acteurs[{i}].mission_debut", f"de la mission du tuteur {a.id}", findings
        )
        if group is not None:
            groups.append(group)
    return groups


def split_per_year(fin: Financement) -> bool:
    return any(v.plafond_annuel is not None for v in fin.valeurs)


def rate(fin: Financement, day: date) -> Decimal:
    bareme = asof.value_as_of(fin.valeurs, day)
    return dec(bareme.valeur) if bareme is not None else Decimal(0)


def earlier_missions(dossier: Dossier, tutor: Acteur, fin: Financement, as_of: date) -> tuple[dict[int, Decimal], str]:
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
        for month in counted_months(fin, other.debut, other.fin, as_of):
            earlier[month.year] = earlier.get(month.year, Decimal(0)) + rate(fin, month)
        ref = f", dossier {other.dossier}" if other.dossier else ""
        listed.append(f"du {date_fr(other.debut)} au {date_fr(other.fin)}{ref}")
    notes = ""
    if listed:
        notes += f" Autres missions du tuteur, antérieures, qui entament le plafond annuel avant celle-ci : {' ; '.join(listed)}."
    if later:
        notes += (
            f" {later} autre(s) mission(s) du tuteur, postérieure(s) à celle-ci, sans effet sur son plafond annuel."
        )
    return earlier, notes


def months_to_group(
    fin: Financement,
    months: list[date],
    deja: dict[int, Decimal],
    notes: str,
    chemin: str,
    what: str,
    findings: Findings,
) -> Groupe | None:
    """The months of one group, capped in order, split per barème (and calendar year), unknown ones reported."""
    if not months:
        return None
    per_year = split_per_year(fin)
    funded: list[tuple[date, Bareme]] = []
    unknown: list[date] = []
    capped: list[tuple[date, Bareme]] = []
    # The barème of the latest month that had one; before any, the first barème of the line (only to know
    # which unpaid months to report: a month beyond the période's cap would not be paid whatever its rate).
    last: Bareme | None = min(fin.valeurs, key=lambda v: v.depuis) if fin.valeurs else None
    for index, month in enumerate(months):
        bareme = asof.value_as_of(fin.valeurs, month)
        cap = (bareme or last).plafond_quantite if (bareme or last) is not None else None  # type: ignore[union-attr]
        if cap is not None and index + 1 > cap:  # whole months: a cap of 6 pays months 0–5; a cap of 0,5 none
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
            f"pour {month_range(unknown)} {what}",
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
            Portion(
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
    return Groupe(portions=tuple(portions), notes=f"{notes} {bareme_note(portions[0].bareme, label)}")
