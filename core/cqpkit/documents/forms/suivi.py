"""The livret de suivi de la formation (kind ``livret-suivi``) and the tutor's grids (``grille-tuteur``).

Livret de suivi, as the Mutualité one: the training's identity, the fiche de synthèse of the parcours
(per domaine: the modules followed, their dates and hours), the presentation of the CQP (domaines,
savoir-faire, savoirs; for the CQP MO its durations and units with their days), then per formative
épreuve the module's contents, its modalities, the grid of its criteria, the result scale, the date and
the trainer. Grilles du tuteur: per intermediate épreuve its criteria on their scale, the SPE per
domaine when the référentiel counts them (CQP MO), and the table « Pour faire le point régulièrement ».

Filled from a dossier: the modules followed (dates, hours, training body), the evaluations recorded
(criteria, verdict, date, evaluators), the activities carried out; the rest stays blank.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cqpkit.documents import Document
from cqpkit.documents.forms.accueil import modules_data
from cqpkit.documents.forms.commun import (
    acteur_txt,
    cases,
    domaine_data,
    entete,
    epreuves_of,
    evaluations_of,
    filename,
    grille,
    sources_txt,
    verifie,
)
from cqpkit.model import Dossier, Epreuve, Evaluation, Referentiel
from cqpkit.render import labels
from cqpkit.rules.fr import date_fr, nombre_fr, periode_fr

__all__ = ["grille_tuteur", "livret_suivi"]

#: Rows of the table « Pour faire le point régulièrement » (guide du tuteur): three, as the guide prints.
_POINTS = 3


def _formations(dossier: Dossier | None, as_of: dt.date | None) -> list[Any]:
    if dossier is None:
        return []
    return sorted((f for f in dossier.formations if as_of is None or f.debut <= as_of), key=lambda f: f.debut)


def _evaluation_data(ref: Referentiel, ep: Epreuve, evaluations: list[Evaluation], dossier: Dossier | None) -> dict[str, Any]:
    """The last evaluation of ``ep`` as a grid to fill, plus the list of every evaluation recorded."""
    last = evaluations[-1] if evaluations else None
    return {
        "grille": grille(ref, ep, dict(last.criteres) if last else None),
        "verdict": {"libelle": labels.echelle(ref, ep.verdict), "cases": cases(ref, ep.verdict, last.verdict if last else None)}
        if ep.verdict else None,
        "date": date_fr(last.date) if last else "",
        "evaluateurs": "; ".join(acteur_txt(dossier, a) for a in last.evaluateurs) if last else "",
        "notes": last.notes if last else "",
        "enregistrees": [
            {"date": date_fr(e.date), "evaluateurs": "; ".join(acteur_txt(dossier, a) for a in e.evaluateurs), "notes": e.notes}
            for e in evaluations
        ],
    }


def _contenus(ref: Referentiel, domaines: tuple[str, ...]) -> list[dict[str, Any]]:
    out = []
    for m in ref.modules:
        if set(m.domaines) & set(domaines):
            head = f"Pour les candidats ayant choisi la mention « {labels.mention(ref, m.mention)} »" if m.mention else m.intitule
            out.append({"titre": head, "items": list(m.contenus)})
    return out


def livret_suivi(
    registry: Any, referentiel: Referentiel, dossier: Dossier | None = None, as_of: dt.date | None = None
) -> Document:
    """The livret de suivi de la formation of ``referentiel``, blank, or filled from ``dossier``."""
    ref = referentiel
    verifie(ref, dossier)
    suivies = _formations(dossier, as_of)
    modules_by_id = {m.id: m for m in ref.modules}
    synthese = []
    for d in ref.domaines:
        rows = []
        for f in suivies:
            m = modules_by_id.get(f.module)
            if m is not None and d.id in m.domaines:
                rows.append({
                    "intitule": f"{m.id} — {m.intitule}",
                    "dates": periode_fr(f.debut, f.fin) if f.fin else f"le {date_fr(f.debut)}",
                    "heures": f"{nombre_fr(f.heures)} h" if f.heures is not None else "",
                })
        synthese.append({"domaine": f"{domaine_data(ref, d)['titre']} : {d.intitule}", "formations": rows})
    # Modules that no domaine names (the UP of the CQP MO 2016): listed apart with what the dossier says.
    hors_domaines = [
        {"intitule": f"{modules_by_id[f.module].intitule if f.module in modules_by_id else ''}", "id": f.module,
         "dates": periode_fr(f.debut, f.fin) if f.fin else f"le {date_fr(f.debut)}",
         "heures": f"{nombre_fr(f.heures)} h" if f.heures is not None else ""}
        for f in suivies if f.module not in modules_by_id or not modules_by_id[f.module].domaines
    ]
    formatives = []
    for ep in epreuves_of(ref, "formative"):
        data = _evaluation_data(ref, ep, evaluations_of(dossier, ep.id, as_of), dossier)
        formatives.append({
            "intitule": ep.intitule,
            "domaines": [f"{domaine_data(ref, ref.domaine(x))['titre']} : {ref.domaine(x).intitule}" for x in ep.domaines],
            "contenus": _contenus(ref, ep.domaines),
            "consigne": ep.consigne,
            "modalites": list(ep.modalites),
            "supports": list(ep.supports),
            "sources": sources_txt(ep.sources),
            **data,
        })
    organismes = sorted({f.organisme for f in suivies if f.organisme})
    formateur = dossier.acteurs_with("formateur_suivi") if dossier is not None else ()
    ends = [f.fin or f.debut for f in suivies]
    data = {
        **entete(ref, "Livret de suivi de la formation", dossier, as_of),
        "formation": {
            "organismes": ", ".join(organismes),
            "responsable": acteur_txt(dossier, formateur[0].id) if formateur else "",
            "dates": periode_fr(suivies[0].debut, max(ends)) if suivies else "",
            "heures": f"{nombre_fr(sum(f.heures for f in suivies if f.heures is not None))} h"
            if any(f.heures is not None for f in suivies) else "",
        },
        "synthese": synthese,
        "hors_domaines": hors_domaines,
        "presentation": [domaine_data(ref, d) for d in ref.domaines],
        "volumes": [
            {"libelle": v.libelle, "valeur": f"{nombre_fr(v.valeur)} {labels.UNITES.get(v.unite, (v.unite, v.unite))[v.valeur >= 2]}"
             + (f" sur {nombre_fr(v.etalement_mois)} mois" if v.etalement_mois else ""),
             "sources": sources_txt([v.source])}
            for v in ref.volumes
        ],
        "appellation_modules": labels.module_appellation(ref),
        "modules": modules_data(ref, {f.module for f in suivies}),
        "formatives": formatives,
    }
    return Document("livret-suivi", "livret-suivi", data, filename("livret-suivi", ref, dossier),
                    referentiels=((ref.id, ref.version),))


def _tutorat_lignes(ref: Referentiel) -> list[str]:
    t = ref.tutorat
    if t is None:
        return []
    out = []
    if t.jours is not None:
        out.append(f"Temps de tutorat : {nombre_fr(t.jours)} {labels.UNITES['jour'][t.jours >= 2]}")
    if t.experience_min is not None:
        weight = "exigée" if t.experience_min_niveau == "erreur" else "de préférence"
        out.append(f"Expérience du tuteur : {t.experience_min.libelle()} de management au moins ({weight})")
    if t.pas_n_plus_1:
        out.append("Le tuteur n'est pas le responsable hiérarchique du candidat")
    if t.charge_recommandee is not None:
        out.append(f"Charge recommandée : {t.charge_recommandee} candidats au plus à la fois")
    if t.charge_max is not None:
        out.append(f"Charge maximale : {t.charge_max} salariés à la fois")
    if t.formation_prealable:
        h = f" ({nombre_fr(t.formation_heures)} h)" if t.formation_heures is not None else ""
        out.append(f"Formation du tuteur avant la mission{h}")
    return out


def grille_tuteur(
    registry: Any, referentiel: Referentiel, dossier: Dossier | None = None, as_of: dt.date | None = None
) -> Document:
    """The tutor's intermediate grids of ``referentiel``, blank, or filled from ``dossier``."""
    ref = referentiel
    verifie(ref, dossier)
    grilles = []
    for ep in epreuves_of(ref, "intermediaire"):
        doms = [domaine_data(ref, ref.domaine(x)) for x in ep.domaines]
        grilles.append({
            "intitule": ep.intitule,
            "domaines": doms,
            "consigne": ep.consigne,
            "sources": sources_txt(ep.sources[:1]),
            **_evaluation_data(ref, ep, evaluations_of(dossier, ep.id, as_of), dossier),
        })
    activites = [a for a in (dossier.activites if dossier is not None else ()) if as_of is None or a.date <= as_of]
    spe = []
    for d in ref.domaines:
        if d.spe is None:
            continue
        done = sorted((a for a in activites if a.domaine == d.id), key=lambda a: a.date)
        rows = [
            {"libelle": f"SPE {i + 1}", "date": date_fr(done[i].date) if i < len(done) else "",
             "texte": done[i].libelle if i < len(done) else ""}
            for i in range(max(d.spe, len(done)))
        ]
        spe.append({"domaine": f"{domaine_data(ref, d)['titre']} : {d.intitule}", "chiffres": domaine_data(ref, d)["chiffres"],
                    "lignes": rows, "sources": sources_txt(d.sources[:1])})
    # Where the tutor evaluates without intermediate grids (the CQP MO's formative evaluation).
    suivi = [
        {"intitule": ep.intitule, "consigne": ep.consigne, "modalites": list(ep.modalites), "sources": sources_txt(ep.sources[:1]),
         **_evaluation_data(ref, ep, evaluations_of(dossier, ep.id, as_of), dossier)}
        for ep in epreuves_of(ref, "formative")
        if not grilles and ep.evaluateurs is not None
        and ("tuteur" in ep.evaluateurs.roles_admis or "tuteur" not in ep.evaluateurs.roles_exclus)
    ]
    tuteurs = dossier.acteurs_with("tuteur") if dossier is not None else ()
    n1 = dossier.acteurs_with("n_plus_1") if dossier is not None else ()
    t = tuteurs[0] if tuteurs else None
    mission = ""
    if t is not None and t.mission_debut is not None:
        mission = periode_fr(t.mission_debut, t.mission_fin)
    data = {
        **entete(ref, "Grilles d'évaluation intermédiaire du tuteur", dossier, as_of),
        "tuteur": acteur_txt(dossier, t.id) if t is not None else "",
        "mission": mission,
        "n_plus_1": acteur_txt(dossier, n1[0].id) if n1 else "",
        "tutorat": _tutorat_lignes(ref),
        "tutorat_sources": sources_txt(ref.tutorat.sources[:1]) if ref.tutorat is not None else [],
        "grilles": grilles,
        "spe": spe,
        "suivi": suivi,
        "points": _POINTS,
    }
    return Document("grille-tuteur", "grille-tuteur", data, filename("grille-tuteur", ref, dossier),
                    referentiels=((ref.id, ref.version),))
