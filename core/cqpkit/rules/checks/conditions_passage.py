"""Readiness at each attended passage: :func:`check_conditions_passage`, :func:`domaines_presentes`.

Training route only, per domaine presented: a favourable verdict for every final in-company épreuve with
a verdict échelle, and activities carried out (an ``Activite`` realised, or a favourable « activité »
critère such as the fiche de synthèse's).

Part of :mod:`cqpkit.rules.checks` (see its docstring for what a finding holds and how ``as_of`` reads).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date
from typing import Any

from cqpkit.formats.refindex import per_referentiel
from cqpkit.model import Constat, Dossier, PassageJury, Referentiel, Source
from cqpkit.rules.checks.common import _constat, _first
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


def _favorables(ref: Referentiel, echelle: str | None) -> frozenset[str] | None:
    if echelle is None or echelle not in ref.echelles:
        return None
    return frozenset(n.id for n in ref.echelles[echelle].valeurs if n.favorable)


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
    lookups = per_referentiel(ref, _RefLookups)
    voie = dossier.dossier.voie
    if not lookups.conditions or voie == "vae" or voie in lookups.voies_vae:  # (is_vae_route, from the lookups)
        return []
    passages = [
        (i, p) for i, p in enumerate(dossier.passages) if not (p.absent or p.excuse or p.date > as_of)
    ]
    if not passages:
        return []
    source = lookups.source
    modules, finales, activites = lookups.modules_obligatoires, lookups.finales if lookups.evaluation_finale else None, lookups.activites
    mention = dossier.dossier.mention
    index = _Index(ref, dossier, lookups)
    premiere_favorable = index.premiere_favorable_slots()
    premiere_activite = index.premiere_activite if activites else {}
    found: list[Constat] = []
    for i, passage in passages:
        day = passage.date
        jour = _jj(day)  # (written in every finding of the passage)
        if modules:
            premier_debut = index.premier_debut
            for module in modules:
                debut = premier_debut.get(module.id)
                if debut is None or debut > day:
                    found.append(
                        _constat(
                            "passage_modules_obligatoires",
                            "erreur",
                            f"Passage devant le jury du {jour} : le module obligatoire « {module.intitule} » "
                            f"({module.id}) n'a pas été suivi.",
                            chemin=f"passages[{i}]",
                            source=_first(module.sources) or source,
                            regle="jury.conditions_passage.modules_obligatoires",
                            valeurs={"module": module.id, "date_passage": jour, "session": passage.session},
                        )
                    )
        for domaine in index.presentes(passage):
            chemin = None
            if finales:
                for entry in finales.get(domaine, ()):
                    epreuve = entry[0]
                    if epreuve.mention is not None and epreuve.mention != mention:
                        continue
                    premiere = premiere_favorable[entry[4]]
                    if premiere is not None and premiere <= day:
                        continue
                    if chemin is None:
                        chemin = f"passages[{i}].decisions.{domaine}"
                    found.append(_evaluation_finale(index, dossier, passage, domaine, chemin, source, entry, jour))
            if activites:
                first = premiere_activite.get(domaine)
                if first is None or first > day:
                    found.append(
                        _constat(
                            "passage_activites",
                            "erreur",
                            f"Passage devant le jury du {jour} : aucune trace que le candidat a exercé les "
                            f"activités du domaine {domaine} à cette date (activité réalisée ou fiche de synthèse).",
                            chemin=chemin or f"passages[{i}].decisions.{domaine}",
                            source=source,
                            regle="jury.conditions_passage.activites_realisees",
                            valeurs={"domaine": domaine, "date_passage": jour, "session": passage.session},
                        )
                    )
    return found


class _RefLookups:
    """What :class:`_Index` needs of the référentiel alone, built once per référentiel (:func:`per_referentiel`)."""

    def __init__(self, ref: Referentiel) -> None:
        conditions = set(ref.jury.conditions_passage) if ref.jury is not None else set()
        self.conditions = bool(conditions)
        # the voies stating an experience: a dossier on one of them (or on the voie « vae ») is on a VAE route
        self.voies_vae = frozenset(v.id for v in ref.voies if v.experience is not None)
        self.source = source_for(ref.jury.sources, "conditions_passage") if ref.jury is not None else None
        # the modules that must have been followed (condition modules_obligatoires), the two other conditions
        self.modules_obligatoires = [m for m in ref.modules if m.obligatoire] if "modules_obligatoires" in conditions else []
        self.evaluation_finale = "evaluation_finale_favorable" in conditions
        self.activites = "activites_realisees" in conditions
        self.ordre = [d.id for d in ref.domaines]
        self.module_domaines = {m.id: m.domaines for m in ref.modules}
        # per épreuve, its « activité » critères of a domaine: (critère id, favourable values, domaine)
        self.criteres_activite: dict[str, list[tuple[str, frozenset[str], str]]] = {}
        for epreuve in ref.epreuves:
            for critere in epreuve.criteres:
                if critere.nature != "activite" or critere.domaine is None:
                    continue
                favorables = _favorables(ref, critere.echelle or epreuve.echelle)
                if favorables is not None:
                    self.criteres_activite.setdefault(epreuve.id, []).append((critere.id, favorables, critere.domaine))
        # per domaine, the final in-company épreuves covering it that name a verdict échelle, with its favourable
        # values (and, for the messages, those values as a list and the labels of the échelle's values), and the
        # slot of the pair (épreuve id, favourable values) in :meth:`_Index.premiere_favorable_slots`
        self.finales: dict[str, list[tuple[Any, frozenset[str], str, dict[str, str], int]]] = {}
        slots: dict[tuple[str, frozenset[str]], int] = {}
        for epreuve in ref.epreuves:
            if epreuve.type != "finale_entreprise":
                continue
            favorables = _favorables(ref, epreuve.verdict)
            if favorables is None:
                continue
            libelles = {n.id: n.libelle for n in ref.echelles[epreuve.verdict].valeurs}  # type: ignore[index]
            slot = slots.setdefault((epreuve.id, favorables), len(slots))
            for d in dict.fromkeys(epreuve.domaines):
                self.finales.setdefault(d, []).append((epreuve, favorables, _liste(sorted(favorables)), libelles, slot))
        self.slots = len(slots)
        # per épreuve id, its slots and their favourable values
        self.slots_of: dict[str, list[tuple[int, frozenset[str]]]] = {}
        for (ident, favorables), slot in slots.items():
            self.slots_of.setdefault(ident, []).append((slot, favorables))


def _earliest(into: dict[str, date], key: str, day: date) -> None:
    if key not in into or day < into[key]:
        into[key] = day


class _Index:
    """What the readiness checks ask of a dossier at each passage, computed once (sorted dates, earliest dates).

    Asked at every passage, scanning the dossier each time would cost passages × (evaluations +
    activities + formations + passages): with these indexes, each question is a dictionary look-up
    or a binary search, and the whole check is n log n in the size of the dossier
    (``tests/test_rule_complexity.py``). Each index is built at its first question: most dossiers ask
    only a few of them (a passage with decisions needs no acquisitions; the evaluations are sorted
    only for a finding's message).
    """

    def __init__(self, ref: Referentiel, dossier: Dossier, lookups: _RefLookups | None = None) -> None:
        self.lookups = per_referentiel(ref, _RefLookups) if lookups is None else lookups
        self.ordre = self.lookups.ordre
        self._dossier = dossier
        self._acquis: dict[str, date] | None = None
        self._debut: dict[str, date] | None = None
        self._activite: dict[str, date] | None = None
        self._sorted: dict[str, list[tuple[date, int]]] | None = None
        self._dates: dict[str, list[date]] = {}

    @property
    def premier_acquis(self) -> dict[str, date]:
        """The earliest passage (attended) where each domaine was acquired."""
        if self._acquis is None:
            self._acquis = {}
            for p in self._dossier.passages:
                if not p.absent and not p.excuse:
                    for d, decision in p.decisions.items():
                        if decision == "acquis":
                            _earliest(self._acquis, d, p.date)
        return self._acquis

    @property
    def premier_debut(self) -> dict[str, date]:
        """The earliest start of each module followed."""
        if self._debut is None:
            self._debut = {}
            for f in self._dossier.formations:
                _earliest(self._debut, f.module, f.debut)
        return self._debut

    @property
    def premiere_activite(self) -> dict[str, date]:
        """The earliest sign that each domaine's activities were carried out."""
        if self._activite is None:
            found: dict[str, date] = {}
            module_domaines = self.lookups.module_domaines
            for activite in self._dossier.activites:
                if not activite.realisee:
                    continue
                if activite.domaine is not None:
                    _earliest(found, activite.domaine, activite.date)
                elif activite.module is not None:
                    for d in module_domaines.get(activite.module, ()):
                        _earliest(found, d, activite.date)
            criteres = self.lookups.criteres_activite
            if criteres:
                for e in self._dossier.evaluations:
                    for critere_id, favorables, d in criteres.get(e.epreuve, ()):
                        if e.criteres.get(critere_id) in favorables:
                            _earliest(found, d, e.date)
            self._activite = found
        return self._activite

    @property
    def evaluations(self) -> dict[str, list[tuple[date, int]]]:
        """Each épreuve's evaluations sorted by date (then by their order in the dossier): (date, index)."""
        if self._sorted is None:
            par_epreuve: dict[str, list[tuple[date, int]]] = {}
            for n, e in enumerate(self._dossier.evaluations):
                par_epreuve.setdefault(e.epreuve, []).append((e.date, n))
            for v in par_epreuve.values():
                v.sort()
            self._sorted = par_epreuve
        return self._sorted

    def presentes(self, passage: PassageJury) -> list[str]:
        """:func:`domaines_presentes` of ``passage``, from the indexes."""
        if passage.decisions:
            return [d for d in self.ordre if d in passage.decisions]
        premier_acquis = self.premier_acquis
        return [d for d in self.ordre if not (d in premier_acquis and premier_acquis[d] < passage.date)]

    def activites_realisees(self, domaine: str, jusqua: date) -> bool:
        first = self.premiere_activite.get(domaine)
        return first is not None and first <= jusqua

    def premiere_favorable_slots(self) -> list[date | None]:
        """Per slot of :attr:`_RefLookups.finales` (an épreuve and favourable values), the date of the épreuve's earliest
        evaluation whose verdict is one of them (``None``: none), in one pass over the evaluations."""
        first: list[date | None] = [None] * self.lookups.slots
        slots_of = self.lookups.slots_of
        if slots_of:
            for e in self._dossier.evaluations:
                slots = slots_of.get(e.epreuve)
                if slots is not None:
                    verdict = e.verdict
                    for slot, favorables in slots:
                        if verdict in favorables:
                            known = first[slot]
                            if known is None or e.date < known:
                                first[slot] = e.date
        return first

    def derniere(self, epreuve: str, day: date) -> int | None:
        """The index of ``epreuve``'s latest evaluation dated on or before ``day`` (the first in the dossier among
        those of that date, as ``max`` picks it); ``None``: none."""
        evaluations = self.evaluations.get(epreuve, [])
        dates = self._dates.get(epreuve)
        if dates is None:
            dates = self._dates[epreuve] = [d for d, _ in evaluations]
        k = bisect_right(dates, day)
        if k == 0:
            return None
        return evaluations[bisect_left(dates, dates[k - 1])][1]


def _evaluation_finale(
    index: _Index,
    dossier: Dossier,
    passage: PassageJury,
    domaine: str,
    chemin: str,
    source: Source | None,
    entry: tuple[Any, frozenset[str], str, dict[str, str], int],
    jour: str,
) -> Constat:
    """The finding ``passage_evaluation_finale`` on ``entry``'s épreuve (of :attr:`_RefLookups.finales`), which has no
    favourable evaluation on or before ``passage`` (``jour``: its date, written)."""
    epreuve, _, favorables_text, libelles, _ = entry
    derniere = index.derniere(epreuve.id, passage.date)
    valeurs = {
        "domaine": domaine,
        "date_passage": jour,
        "epreuve": epreuve.id,
        "verdicts_favorables": favorables_text,
    }
    if derniere is None:
        detail = "aucune évaluation finale en entreprise enregistrée à cette date"
        valeurs["verdict"] = "aucun"
    else:
        evaluation = dossier.evaluations[derniere]
        valeurs["date_evaluation"] = _jj(evaluation.date)
        valeurs["verdict"] = evaluation.verdict or "aucun"
        if evaluation.verdict is None:
            detail = f"l'évaluation du {_jj(evaluation.date)} n'a pas de verdict"
        else:
            libelle = libelles.get(evaluation.verdict, evaluation.verdict)
            detail = f"dernière évaluation le {_jj(evaluation.date)} : « {libelle} »"
    return _constat(
        "passage_evaluation_finale",
        "avertissement",
        f"Passage devant le jury du {jour}, domaine {domaine} : pas d'évaluation finale "
        f"favorable « {epreuve.intitule} » ({detail}).",
        chemin=chemin,
        source=source,
        regle="jury.conditions_passage.evaluation_finale_favorable",
        valeurs=valeurs,
    )
