"""Readiness at each attended passage: :func:`check_conditions_passage`, :func:`domaines_presentes`.

Training route only, per domaine presented: a favourable verdict for every final in-company épreuve with
a verdict échelle, and activities carried out (an ``Activite`` realised, or a favourable « activité »
critère such as the fiche de synthèse's).

Part of :mod:`cqpkit.rules.checks` (see its docstring for what a finding holds and how ``as_of`` reads).
"""

from __future__ import annotations

from datetime import date

from cqpkit.model import Constat, Dossier, PassageJury, Referentiel, Source
from cqpkit.rules.checks.common import _constat, _first
from cqpkit.rules.checks.vae import is_vae_route
from cqpkit.rules.fr import date_fr as _jj
from cqpkit.rules.fr import liste as _liste
from cqpkit.rules.sources import source_for

__all__ = ["check_conditions_passage", "domaines_presentes"]


def domaines_presentes(ref: Referentiel, dossier: Dossier, index: int) -> list[str]:
    """The domaines presented at ``dossier.passages[index]``, in the référentiel's order.

    Those the jury decided on (the keys of ``decisions``) when there are decisions; otherwise
    every domaine of the référentiel not acquired at an earlier passage. Ids the référentiel does
    not define are left out (the dossier's validation reports them).
    """
    passage = dossier.passages[index]
    ordre = [d.id for d in ref.domaines]
    if passage.decisions:
        return [d for d in ordre if d in passage.decisions]
    acquis = {
        d
        for p in dossier.passages
        if p.date < passage.date and not p.absent
        if not p.excuse
        for d, decision in p.decisions.items()
        if decision == "acquis"
    }
    return [d for d in ordre if d not in acquis]


def _favorables(ref: Referentiel, echelle: str | None) -> set[str] | None:
    if echelle is None or echelle not in ref.echelles:
        return None
    return {n.id for n in ref.echelles[echelle].valeurs if n.favorable}


def check_conditions_passage(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    """Readiness at each passage (``[jury] conditions_passage``), on any route but VAE (:func:`is_vae_route`).

    Each passage on or before ``as_of`` where the candidate was present is checked for each
    domaine presented (:func:`domaines_presentes`):

    - ``passage_evaluation_finale`` (warning), condition ``evaluation_finale_favorable``: every
      épreuve of type ``finale_entreprise`` covering the domaine (of the dossier's mention or of no
      mention) that names a ``verdict`` échelle needs an evaluation dated on or before the passage
      whose verdict is a ``favorable`` value of that échelle (any such evaluation counts, as for
      ``decision_contraire`` in :mod:`cqpkit.rules.decision`). One finding per épreuve lacking it.
      An épreuve without a ``verdict`` gives no opinion of its own (the CQP Spécialiste
      prestations' second D1 grid is covered by the D1 verdict) and is not required.
    - ``passage_activites`` (error), condition ``activites_realisees``: the domaine's activities
      count as carried out, on or before the passage, when (1) an :class:`~cqpkit.model.Activite`
      of that domaine (or, with no domaine, of a module covering it) has ``realisee = true``, or
      (2) a critère of nature ``activite`` for that domaine (the fiche de synthèse's « activités
      exercées : oui / non ») is rated on a ``favorable`` value of its échelle (the critère's, else
      the épreuve's) in an evaluation of its épreuve. Either is enough: activities carried out
      once stay carried out.

    - ``passage_modules_obligatoires`` (error), condition ``modules_obligatoires``: every module
      with ``obligatoire = true`` was followed (a ``formations`` entry starting on or before the
      passage). One finding per passage and missing module (not per domaine).

    The conditions concern the route with in-company evaluation; on a VAE route
    (:func:`is_vae_route`) nothing is checked.
    """
    jury = ref.jury
    if jury is None or not jury.conditions_passage or is_vae_route(ref, dossier):
        return []
    conditions = set(jury.conditions_passage)
    source = source_for(jury.sources, "conditions_passage")
    found: list[Constat] = []
    for i, passage in enumerate(dossier.passages):
        if passage.absent or passage.excuse or passage.date > as_of:
            continue
        if "modules_obligatoires" in conditions:
            suivis = {f.module for f in dossier.formations if f.debut <= passage.date}
            for module in ref.modules:
                if module.obligatoire and module.id not in suivis:
                    found.append(
                        _constat(
                            "passage_modules_obligatoires",
                            "erreur",
                            f"Passage devant le jury du {_jj(passage.date)} : le module obligatoire « {module.intitule} » "
                            f"({module.id}) n'a pas été suivi.",
                            chemin=f"passages[{i}]",
                            source=_first(module.sources) or source,
                            regle="jury.conditions_passage.modules_obligatoires",
                            valeurs={"module": module.id, "date_passage": _jj(passage.date), "session": passage.session},
                        )
                    )
        for domaine in domaines_presentes(ref, dossier, i):
            chemin = f"passages[{i}].decisions.{domaine}"
            if "evaluation_finale_favorable" in conditions:
                found.extend(_evaluation_finale(ref, dossier, passage, domaine, chemin, source))
            if "activites_realisees" in conditions and not _activites_realisees(ref, dossier, domaine, passage.date):
                found.append(
                    _constat(
                        "passage_activites",
                        "erreur",
                        f"Passage devant le jury du {_jj(passage.date)} : aucune trace que le candidat a exercé les "
                        f"activités du domaine {domaine} à cette date (activité réalisée ou fiche de synthèse).",
                        chemin=chemin,
                        source=source,
                        regle="jury.conditions_passage.activites_realisees",
                        valeurs={"domaine": domaine, "date_passage": _jj(passage.date), "session": passage.session},
                    )
                )
    return found


def _evaluation_finale(
    ref: Referentiel,
    dossier: Dossier,
    passage: PassageJury,
    domaine: str,
    chemin: str,
    source: Source | None,
) -> list[Constat]:
    mention = dossier.dossier.mention
    found: list[Constat] = []
    for epreuve in ref.epreuves:
        if epreuve.type != "finale_entreprise" or domaine not in epreuve.domaines:
            continue
        if epreuve.mention is not None and epreuve.mention != mention:
            continue
        favorables = _favorables(ref, epreuve.verdict)
        if favorables is None:
            continue
        evaluations = [e for e in dossier.evaluations if e.epreuve == epreuve.id and e.date <= passage.date]
        if any(e.verdict in favorables for e in evaluations):
            continue
        valeurs = {
            "domaine": domaine,
            "date_passage": _jj(passage.date),
            "epreuve": epreuve.id,
            "verdicts_favorables": _liste(sorted(favorables)),
        }
        if not evaluations:
            detail = "aucune évaluation finale en entreprise enregistrée à cette date"
            valeurs["verdict"] = "aucun"
        else:
            evaluation = max(evaluations, key=lambda e: e.date)
            valeurs["date_evaluation"] = _jj(evaluation.date)
            valeurs["verdict"] = evaluation.verdict or "aucun"
            if evaluation.verdict is None:
                detail = f"l'évaluation du {_jj(evaluation.date)} n'a pas de verdict"
            else:
                libelles = {n.id: n.libelle for n in ref.echelles[epreuve.verdict].valeurs}  # type: ignore[index]
                libelle = libelles.get(evaluation.verdict, evaluation.verdict)
                detail = f"dernière évaluation le {_jj(evaluation.date)} : « {libelle} »"
        found.append(
            _constat(
                "passage_evaluation_finale",
                "avertissement",
                f"Passage devant le jury du {_jj(passage.date)}, domaine {domaine} : pas d'évaluation finale "
                f"favorable « {epreuve.intitule} » ({detail}).",
                chemin=chemin,
                source=source,
                regle="jury.conditions_passage.evaluation_finale_favorable",
                valeurs=valeurs,
            )
        )
    return found


def _activites_realisees(ref: Referentiel, dossier: Dossier, domaine: str, jusqua: date) -> bool:
    module_domaines = {m.id: m.domaines for m in ref.modules}
    for activite in dossier.activites:
        if not activite.realisee or activite.date > jusqua:
            continue
        if activite.domaine == domaine:
            return True
        if (
            activite.domaine is None
            and activite.module is not None
            and domaine in module_domaines.get(activite.module, ())
        ):
            return True
    for epreuve in ref.epreuves:
        for critere in epreuve.criteres:
            if critere.nature != "activite" or critere.domaine != domaine:
                continue
            favorables = _favorables(ref, critere.echelle or epreuve.echelle)
            if favorables is None:
                continue
            if any(
                e.epreuve == epreuve.id and e.date <= jusqua and e.criteres.get(critere.id) in favorables
                for e in dossier.evaluations
            ):
                return True
    return False
