"""The livret d'évaluation finale en entreprise (kind ``livret-evaluation-finale``), blank or filled.

Laid out as the Mutualité livret: the two evaluators' declarations, the fiche de synthèse (activities
carried out per domaine, dates and conditions of the evaluation, two signatures), the modalities per
domaine, the jury's format, then per domaine the candidate's questions (« Activités réalisées par le
candidat »), the grid(s) of criteria on their scale, the verdict scale (« Le domaine est maîtrisé / n'est
pas totalement maîtrisé »), the evaluators' comments and signatures. For a référentiel whose final
evaluation has no grid (the CQP MO: formative evaluation then certification by the jury; the four
incomplete Mutualité CQPs), the evaluation steps: each épreuve with its instructions, supports and
evaluators, the rules on the order and the dates of the steps, the conditions to go before the jury.

Filled from a dossier: the evaluators (the line manager first), the values of every criterion, the
verdicts, dates and comments of the evaluations recorded, the synthesis sheet, the activities recorded
per domaine; the rest stays blank.
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
    evaluations_of,
    filename,
    grille,
    questions,
    sources_txt,
    verifie,
)
from cqpkit.model import Dossier, Epreuve, Evaluateurs, Evaluation, Referentiel
from cqpkit.render import labels
from cqpkit.rules.fr import accord, date_fr

__all__ = ["livret_evaluation_finale"]


def evaluateurs_txt(ev: Evaluateurs | None) -> str:
    """Who evaluates, in words: « 2 évaluateurs distincts, dont le responsable hiérarchique (N+1) ; l'autre : … »."""
    if ev is None:
        return ""
    parts = []
    if ev.nombre is not None:
        parts.append(f"{ev.nombre} {accord(ev.nombre, 'évaluateur')}" + (" distincts" if ev.distincts and ev.nombre > 1 else ""))
    if ev.roles_requis:
        parts.append("dont obligatoirement : " + ", ".join(labels.role(r) for r in ev.roles_requis))
    if ev.roles_admis:
        who = "l'autre" if ev.nombre == 2 and len(ev.roles_requis) == 1 else "rôles admis"
        parts.append(f"{who} : {labels.roles(ev.roles_admis)}")
    if ev.roles_exclus:
        parts.append("ne peut pas évaluer : " + ", ".join(labels.role(r) for r in ev.roles_exclus))
    return " ; ".join(parts)


def _evaluateurs(dossier: Dossier | None, evaluations: list[Evaluation], requis: tuple[str, ...]) -> list[str]:
    """The evaluators of the final evaluations, the one holding a required role (the N+1) first."""
    if dossier is None:
        return []
    seen: list[str] = []
    for e in evaluations:
        for a in e.evaluateurs:
            if a not in seen:
                seen.append(a)

    def first(acteur_id: str) -> int:
        a = dossier.acteur(acteur_id)
        return 0 if a is not None and set(a.roles) & set(requis) else 1

    return sorted(seen, key=first)


def _etape(ref: Referentiel, ep: Epreuve, dossier: Dossier | None, as_of: dt.date | None) -> dict[str, Any]:
    recorded = evaluations_of(dossier, ep.id, as_of)
    return {
        "intitule": ep.intitule,
        "type": labels.TYPES_EPREUVE.get(ep.type, ep.type),
        "domaines": ", ".join(ep.domaines),
        "consigne": ep.consigne,
        "modalites": list(ep.modalites),
        "supports": list(ep.supports),
        "evaluateurs": evaluateurs_txt(ep.evaluateurs),
        "grille": grille(ref, ep, dict(recorded[-1].criteres) if recorded else None),
        "verdict": cases(ref, ep.verdict, recorded[-1].verdict if recorded else None) if ep.verdict else [],
        "enregistrees": [
            {"date": date_fr(e.date), "evaluateurs": "; ".join(acteur_txt(dossier, a) for a in e.evaluateurs), "notes": e.notes}
            for e in recorded
        ],
        "sources": sources_txt(ep.sources[:1]),
    }


def livret_evaluation_finale(
    registry: Any, referentiel: Referentiel, dossier: Dossier | None = None, as_of: dt.date | None = None
) -> Document:
    """The livret d'évaluation finale en entreprise of ``referentiel``, blank, or filled from ``dossier``."""
    ref = referentiel
    verifie(ref, dossier)
    finales = [e for e in epreuves_of(ref, "finale_entreprise") if e.domaines]
    synthese_ep = next(iter(epreuves_of(ref, "synthese")), None)
    recorded = {ep.id: evaluations_of(dossier, ep.id, as_of) for ep in ref.epreuves}
    activites = [a for a in (dossier.activites if dossier is not None else ()) if as_of is None or a.date <= as_of]

    domaines = []
    for d in ref.domaines:
        eps = [e for e in finales if d.id in e.domaines]
        if not eps:
            continue
        grilles, avis, last = [], None, None
        for ep in eps:
            ev = recorded[ep.id][-1] if recorded[ep.id] else None
            grilles.append({
                "intitule": ep.intitule,
                "consigne": ep.consigne,
                "grille": grille(ref, ep, dict(ev.criteres) if ev else None),
                "date": date_fr(ev.date) if ev else "",
                "notes": ev.notes if ev else "",
                "sources": sources_txt(ep.sources[:1]),
            })
            if ep.verdict:
                avis = {"libelle": "Votre avis sur la maîtrise de ce domaine de compétences par le candidat",
                        "cases": cases(ref, ep.verdict, ev.verdict if ev else None)}
                last = ev
        domaines.append({
            **domaine_data(ref, d),
            "questions": [q for ep in eps for q in questions(ep, None)],
            "activites": [f"{date_fr(a.date)} — {a.libelle or a.id}" for a in activites if a.domaine == d.id],
            "grilles": grilles,
            "avis": avis,
            "date": date_fr(last.date) if last else "",
            "evaluateurs": "; ".join(acteur_txt(dossier, a) for a in last.evaluateurs) if last else "",
            "commentaires": last.notes if last else "",
        })

    synthese = None
    if synthese_ep is not None:
        ev = recorded[synthese_ep.id][-1] if recorded[synthese_ep.id] else None
        lignes = []
        for c in synthese_ep.criteres:
            did = c.domaine
            dates = sorted({x.date for ep in finales if did in ep.domaines for x in recorded[ep.id]})
            lignes.append({
                "domaine": f"{domaine_data(ref, ref.domaine(did))['titre']} : {ref.domaine(did).intitule}" if did else c.libelle,
                "cases": cases(ref, c.echelle or synthese_ep.echelle, ev.criteres.get(c.id) if ev else None),
                "dates": ", ".join(date_fr(x) for x in dates),
            })
        synthese = {"intitule": synthese_ep.intitule, "consigne": synthese_ep.consigne, "lignes": lignes,
                    "date": date_fr(ev.date) if ev else "", "sources": sources_txt(synthese_ep.sources[:1])}

    # The evaluation steps, where the final evaluation is not a grid per domaine.
    if finales:
        etapes = [_etape(ref, e, dossier, as_of) for e in ref.epreuves if e.type in ("certifiante", "vae")]
    else:
        kinds = ("formative", "finale_entreprise", "synthese", "certifiante", "vae")
        etapes = [_etape(ref, e, dossier, as_of) for e in ref.epreuves if e.type in kinds]

    regle_ev = next((e.evaluateurs for e in finales + [x for x in ref.epreuves if x.type == "finale_entreprise"] if e.evaluateurs), None)
    all_finales = [x for ep in ref.epreuves if ep.type in ("finale_entreprise", "synthese") for x in recorded[ep.id]]
    who = _evaluateurs(dossier, all_finales, regle_ev.roles_requis if regle_ev else ())
    j = ref.jury
    en_entreprise = any(e.type == "finale_entreprise" for e in ref.epreuves)
    # Without an in-company final evaluation (CQP MO), the form is the steps of the evaluation.
    titre = "Livret d'évaluation finale en entreprise" if en_entreprise else "Livret d'évaluation : les étapes jusqu'à la certification"
    nombre = 0 if not en_entreprise else max(regle_ev.nombre if regle_ev and regle_ev.nombre else 2, len(who))
    data = {
        **entete(ref, titre, dossier, as_of),
        "regle_evaluateurs": evaluateurs_txt(regle_ev),
        "regle_sources": sources_txt([regle_ev.source] if regle_ev and regle_ev.source else []),
        "evaluateurs": [
            {"titre": f"Évaluateur {i + 1}", "nom": acteur_txt(dossier, who[i]) if i < len(who) else ""}
            for i in range(nombre)
        ],
        "synthese": synthese,
        "mode_emploi": [
            {"domaine": ", ".join(ep.domaines), "intitule": ep.intitule, "consigne": ep.consigne, "modalites": list(ep.modalites)}
            for ep in finales
        ],
        "domaines": domaines,
        "etapes": etapes,
        "regles": [
            {"libelle": r.libelle, "niveau": labels.NIVEAUX.get(r.niveau, r.niveau), "sources": sources_txt([r.source])}
            for r in ref.regles
        ],
        "jury": {
            "phases": [p.libelle + (f" ({p.minutes} min)" if p.minutes else "") for p in (j.format if j else ())],
            "conditions": [labels.CONDITIONS_PASSAGE.get(c, c) for c in (j.conditions_passage if j else ())],
            "sources": sources_txt([x for x in j.sources if {"format", "conditions_passage"} & set(x.cles)] or j.sources[:1]) if j else [],
        },
    }
    return Document("livret-evaluation-finale", "livret-evaluation-finale", data,
                    filename("livret-evaluation-finale", ref, dossier),
                    referentiels=((ref.id, ref.version),))
