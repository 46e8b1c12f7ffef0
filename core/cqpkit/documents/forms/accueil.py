"""The entretien d'accueil et de positionnement (kind ``positionnement``), blank or filled.

Laid out as the Mutualité « Guide d'entretien d'accueil et d'orientation »: the prerequisites checked yes /
no, the questions to ask, per domaine its savoir-faire and savoirs with the positioning scale, then the
orientation per domaine, the route, and the modules (or unités de professionnalisation) of the parcours.
For a référentiel without those tools (CQP MO, the four incomplete Mutualité CQPs) the same sections
print what the référentiel has: the pré-positionnement scale per bloc, the routes, the units with their
days, SPE and tutor days.

Filled from a dossier: the date and the person of the entretien, the prerequisites, the positions per
domaine as recorded, the orientation per domaine as the engine plans it at the date of the entretien
(``registry.plan``), the route, the modules the plan gives. What the dossier does not record stays blank.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cqpkit.documents import Document
from cqpkit.documents.forms.commun import (
    acteur_txt,
    cases,
    domaine_data,
    entete,
    epreuves_of,
    filename,
    questions,
    sources_txt,
    verifie,
)
from cqpkit.model import Dossier, Module, Parcours, Referentiel, Voie
from cqpkit.render import labels
from cqpkit.rules.fr import date_fr, nombre_fr

__all__ = ["modules_data", "positionnement"]

_OUI_NON = ("oui", "non")


def _duree(m: Module) -> str:
    parts = []
    for value, what in (
        (m.jours_presentiel, "en présentiel"),
        (m.jours_elearning, "en e-learning"),
        (m.jours_foad, "en FOAD"),
    ):
        if value is not None:
            parts.append(f"{nombre_fr(value)} {labels.UNITES['jour'][value >= 2]} {what}")
    if m.heures is not None:
        parts.append(f"{nombre_fr(m.heures)} {labels.UNITES['heure'][m.heures >= 2]}")
    return " + ".join(parts)


def modules_data(ref: Referentiel, coches: set[str] | None = None) -> list[dict[str, Any]]:
    """The modules as a parcours table prints them: title, domaines, mention, durations, SPE, tutor days."""
    coches = coches or set()
    out = []
    for m in ref.modules:
        extra = []
        if m.spe is not None:
            extra.append(f"{m.spe} SPE")
        if m.jours_tuteur is not None:
            extra.append(f"{nombre_fr(m.jours_tuteur)} j de tutorat")
        if m.obligatoire:
            extra.append("obligatoire")
        out.append({
            "id": m.id,
            "intitule": m.intitule,
            "type": labels.TYPES_MODULE.get(m.type, m.type) if m.type != "formation" else "",
            "domaines": ", ".join(m.domaines),
            "mention": f"mention {labels.mention(ref, m.mention)}" if m.mention else "",
            "duree": _duree(m),
            "autres": ", ".join(extra),
            "coche": m.id in coches,
        })
    return out


def _voie_condition(ref: Referentiel, v: Voie) -> str:
    o = v.orientation
    if o is None:
        return ""
    parts = []
    if o.experience is not None:
        x = o.experience
        text = f"au moins {x.duree.libelle()} d'expérience"
        if x.fenetre is not None:
            text += f" dans les {x.fenetre.libelle()} précédents"
        parts.append(text)
    if o.tous_domaines_acquis:
        parts.append("compétences a priori acquises sur l'ensemble des domaines")
    return f"Orientation possible vers « {v.intitule} » : " + " ; ".join(parts) if parts else ""


def _orientation_cases(ref: Referentiel, echelle: str | None, planned: str | None) -> list[dict[str, Any]]:
    """The orientation échelle's boxes, the engine's orientation ticked (training: the unfavourable value)."""
    boxes = cases(ref, echelle)
    e = ref.echelles.get(echelle or "")
    if planned is None or e is None:
        return boxes
    want_favourable = planned in ("evaluation_directe", "acquis")
    return [{**b, "coche": n.favorable == want_favourable} for b, n in zip(boxes, e.valeurs, strict=True)]


def positionnement(
    registry: Any, referentiel: Referentiel, dossier: Dossier | None = None, as_of: dt.date | None = None
) -> Document:
    """The entretien d'accueil et de positionnement of ``referentiel``, blank, or filled from ``dossier``."""
    ref = referentiel
    verifie(ref, dossier)
    ep = next(iter(epreuves_of(ref, "positionnement")), None)
    pos = dossier.positionnement if dossier is not None else None
    if pos is not None and as_of is not None and pos.date > as_of:
        pos = None
    # The orientation the engine plans at the date of the entretien (later awards do not change it).
    plan: Parcours | None = registry.plan(dossier, pos.date) if pos is not None and pos.domaines else None
    planned = {p.domaine: p for p in plan.domaines} if plan is not None else {}
    recorded = pos.domaines if pos is not None else {}

    prerequis = []
    for p in ref.prerequis:
        answer = pos.prerequis.get(p.id) if pos is not None else None
        prerequis.append({
            "libelle": p.libelle,
            "details": list(p.details),
            "cases": [{"libelle": v.capitalize(), "coche": answer == v} for v in _OUI_NON],
            "consequence": "Si la réponse est négative, le candidat doit être ré-orienté." if p.consequence == "reorientation" else "",
            "sources": sources_txt(p.sources[:1]),
        })

    domaine_ids = list(ep.domaines) if ep is not None and ep.domaines else [d.id for d in ref.domaines]
    natures = {c.nature for c in ep.criteres} if ep is not None else set()
    orientation_echelle = next((c.echelle for c in (ep.criteres if ep else ()) if c.echelle), None)
    domaines = []
    for did in domaine_ids:
        d = ref.domaine(did)
        rec = recorded.get(did)
        rows = []
        if ep is not None and "savoir_faire" in natures:
            rows.append({"libelle": "Savoir-faire", "items": list(d.savoir_faire),
                         "cases": cases(ref, ep.echelle, rec.savoir_faire if rec else None)})
        if ep is not None and "savoir" in natures:
            rows.append({"libelle": "Savoirs", "items": list(d.savoirs),
                         "cases": cases(ref, ep.echelle, rec.savoirs if rec else None)})
        if ep is not None and not rows and ep.echelle:
            rows.append({"libelle": labels.echelle(ref, ep.echelle), "items": list(d.competences),
                         "cases": cases(ref, ep.echelle, rec.niveau if rec else None)})
        entetes = (
            ["Savoir-faire et savoirs requis par le CQP",
             "L'expérience du candidat lui a permis d'acquérir ces savoir-faire et savoirs"]
            if natures & {"savoir_faire", "savoir"} else [d.intitule, "Positionnement"]
        )
        domaines.append({**domaine_data(ref, d), "questions": questions(ep, did) if ep else [], "positionnement": rows,
                         "entetes": entetes})

    orientation = None
    if orientation_echelle:
        orientation = {
            "colonnes": [c["libelle"] for c in cases(ref, orientation_echelle)],
            "lignes": [
                {
                    "domaine": f"{x['titre']} : {x['intitule']}",
                    "cases": _orientation_cases(
                        ref, orientation_echelle, planned[x["id"]].orientation if x["id"] in planned and x["id"] in recorded else None
                    ),
                }
                for x in domaines
            ],
            "sources": sources_txt(ref.echelles[orientation_echelle].sources),
        }

    voie = dossier.dossier.voie if dossier is not None else None
    planned_modules = {m for p in (plan.domaines if plan else ()) for m in p.modules}
    data = {
        **entete(ref, "Entretien d'accueil et de positionnement", dossier, as_of,
                 sources=(ep.sources if ep is not None else ())),
        "epreuve": {
            "intitule": ep.intitule if ep is not None else "",
            "consigne": ep.consigne if ep is not None else "",
            "modalites": list(ep.modalites) if ep is not None else [],
            "supports": list(ep.supports) if ep is not None else [],
        },
        "entretien": {
            "date": date_fr(pos.date) if pos is not None else "",
            "par": acteur_txt(dossier, pos.par) if pos is not None else "",
            "notes": pos.notes if pos is not None else "",
        },
        "questions_generales": questions(ep, None) if ep is not None else [],
        "prerequis": prerequis,
        "domaines": domaines,
        "appellation_domaines": _appellation(ref),
        "orientation": orientation,
        "voies": [
            {"libelle": v.intitule, "public": v.public, "coche": v.id == voie, "condition": _voie_condition(ref, v),
             "sources": sources_txt(v.sources[:1])}
            for v in ref.voies
        ],
        "appellation_modules": labels.module_appellation(ref),
        "modules": modules_data(ref, planned_modules),
        "reorientation": bool(plan and plan.reorientation),
    }
    return Document("positionnement", "positionnement", data, filename("positionnement", ref, dossier),
                    referentiels=((ref.id, ref.version),))


def _appellation(ref: Referentiel) -> str:
    """« Domaines de compétences », « Blocs de compétences » (the first type the référentiel uses)."""
    kinds: list[str] = [d.type for d in ref.domaines if d.type != "transverse"] or [d.type for d in ref.domaines]
    plural = labels.TYPES_DOMAINE.get(kinds[0], ("", "domaines de compétences"))[1] if kinds else "domaines de compétences"
    return plural[:1].upper() + plural[1:]
