"""The faster check paths give the very findings of the code they replaced (old vs new, on generated dossiers).

The check families were rewritten for speed (issue 16: ``cqpkit check DIR`` per dossier), each without changing one
finding: indexes of the readiness checks built at their first question and the favourable verdicts found in one
pass (:mod:`cqpkit.rules.checks.conditions_passage`), event occurrences from (date, position) pairs
(:mod:`cqpkit.rules.events`), the Mutualité domaine 1 checks in one pass, one ``in_order`` answer per evaluator rule
shared by several épreuves, ``decimal_fr`` kept for the numbers asked again. The code they replaced is kept below,
as it was (docstrings left out), and both are run on dossiers that Hypothesis generates, for every référentiel of the
registry and for generated référentiels, at dates before, during and after each dossier: every finding (code, level,
message, path, source, rule, values), in the same order, and every occurrence.

Over 500 lines for that reason: the replaced code is kept whole, below the tests, so that the comparison needs nothing
but this file.

A rule whose findings change *on purpose* (a new reading of the documents) makes its comparison here fail: that is
the signal this file was written for. Then delete the old copy of that rule and its comparison (the rule's own
scenario tests say what it must find); do not change the old copy to follow the new code.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import date
from typing import Any

import attrs
import cqpkit
import pytest
from cqpkit.formats.dossiers import load_dossier
from cqpkit.formats.refindex import per_referentiel
from cqpkit.model import EVENEMENTS, Constat, Dossier, PassageJury, Referentiel, Source
from cqpkit.rules import dates
from cqpkit.rules.checks import (
    check_conditions_passage,
    check_evaluateurs,
    check_heures_formation,
    check_premier_passage,
    check_tutorat,
    check_vae,
)
from cqpkit.rules.checks.common import _constat, _first
from cqpkit.rules.checks.conditions_passage import _favorables
from cqpkit.rules.checks.evaluateurs import _check_evaluation, _specs
from cqpkit.rules.checks.premier_passage import premier_passage_limite
from cqpkit.rules.checks.tutorat import _check_tuteur
from cqpkit.rules.checks.vae import is_vae_route, voie_vae
from cqpkit.rules.events import Occurrence, event_occurrences
from cqpkit.rules.fr import _decimal_fr, decimal_fr
from cqpkit.rules.fr import date_fr as _jj
from cqpkit.rules.fr import entier_fr as _entier
from cqpkit.rules.fr import liste as _liste
from cqpkit.rules.fr import nombre_fr as _nombre
from cqpkit.rules.fr import pluriel as _pluriel
from cqpkit.rules.sources import source_for
from cqpkit.rules.vigueur import check_version
from cqpkit.testing.strategies import dossiers, referentiels
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT

cqpkit_mutualite = pytest.importorskip("cqpkit_mutualite")
from cqpkit_mutualite.regles import DECOUVERTE, FINALE_D1, _mention, check_d1  # noqa: E402
from cqpkit_mutualite.regles import _jj as _mjj  # noqa: E402

PROFILE = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), database=None)
DAYS = st.sampled_from([dt.date(2005, 1, 1), dt.date(2016, 3, 15), dt.date(2022, 1, 1), dt.date(2040, 12, 31)]) | st.dates(
    min_value=dt.date(1990, 1, 1), max_value=dt.date(2040, 12, 31)
)
EVENTS = (*EVENEMENTS, "module:M1", "module:M2", "epreuve:E1", "epreuve:E2")
_REGISTRY: list[Any] = []


def registry() -> Any:
    if not _REGISTRY:
        _REGISTRY.append(cqpkit.load_registry())
    return _REGISTRY[0]


def referentiel_and_dossier() -> st.SearchStrategy[tuple[Referentiel, Dossier]]:
    """A référentiel of the registry or a generated one, and a dossier generated from it."""
    reg = registry()
    known = [reg.referentiel(f.id, f.version) for f in reg.fiches()]
    refs = st.sampled_from(known) | referentiels()
    return refs.flatmap(lambda ref: st.tuples(st.just(ref), dossiers(ref)))


def coarse(x: Any) -> Any:
    """``x`` with every date moved to the 1st of January of its even year (or of the year before): the order of the
    dates is kept, but many become equal (an evaluation on the day of the passage, two passages the same day…), the
    boundaries where rules say « on or before »."""
    if type(x) is dt.date:
        return dt.date(x.year - x.year % 2, 1, 1)
    if attrs.has(type(x)):
        return attrs.evolve(x, **{f.alias: coarse(getattr(x, f.name)) for f in attrs.fields(type(x)) if f.init})
    if type(x) is tuple:
        return tuple(coarse(v) for v in x)
    if type(x) is dict:
        return {k: coarse(v) for k, v in x.items()}
    return x


def dates_of(x: Any) -> set[date]:
    """Every date in ``x`` (a dossier: its registration, passages, evaluations…)."""
    if type(x) is dt.date:
        return {x}
    if attrs.has(type(x)):
        return set().union(*(dates_of(getattr(x, f.name)) for f in attrs.fields(type(x))))
    if type(x) in (tuple, list):
        return set().union(*map(dates_of, x))
    if type(x) is dict:
        return set().union(*map(dates_of, x.values()))
    return set()


def bare(dossier: Dossier) -> Dossier:
    """``dossier`` with no document and no deposit: a VAE file handed in by its passages only, missing everything."""
    return attrs.evolve(dossier, dossier=attrs.evolve(dossier.dossier, documents=(), depot_dossier=None))


def both(pair: tuple[Referentiel, Dossier], as_of: date) -> list[tuple[Referentiel, Dossier, date]]:
    """The dossier as generated, and with its dates (and ``as_of``) made coarse (:func:`coarse`)."""
    ref, dossier = pair
    try:
        other = coarse(dossier)
    except (ValueError, TypeError):  # (a check of the model the coarse dates break: the dossier as it is only)
        return [(ref, dossier, as_of)]
    return [(ref, dossier, as_of), (ref, other, coarse(as_of))]


def rows(constats: Iterable[Constat]) -> list[tuple[Any, ...]]:
    return [(c.code, c.niveau, c.message, c.chemin, c.source, c.regle, c.valeurs) for c in constats]


def batch() -> list[Dossier]:
    """The benchmark's dossiers (``bench/decide_batch.py``: many findings of the readiness checks, of domaine 1…), the
    examples and the campaign's dossiers."""
    import random
    import sys

    from cqpkit.formats.dossiers import loads_dossier

    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from decide_batch import dossier_text
    finally:
        sys.path.remove(str(ROOT / "bench"))
    rng = random.Random(16)
    found = [loads_dossier(dossier_text(i, rng).encode(), f"d{i}.toml", registry()) for i in range(300)]
    paths = [*(ROOT / "examples").glob("dossier-*.toml"), *(ROOT / "examples" / "campaign" / "dossiers").glob("*.toml")]
    return found + [load_dossier(p, registry()) for p in sorted(paths)]


BATCH_DAYS = (dt.date(2013, 6, 1), dt.date(2015, 1, 1), dt.date(2016, 9, 1), dt.date(2018, 1, 1), dt.date(2022, 1, 1))


def test_the_batch_gives_the_same_findings() -> None:
    """On the benchmark's dossiers and the examples, as they are and with coarse dates, at five dates."""
    seen: dict[str, int] = {}
    for original in batch():
        own = registry().referentiel_for(original)
        # and at every date the dossier gives, the day before and the day after (the « on or before » boundaries)
        given = {d + dt.timedelta(days=k) for d in dates_of(original) for k in (-1, 0, 1)}
        for day in sorted(set(BATCH_DAYS) | given):
            for ref, dossier, when in both((own, original), day) + both((own, bare(original)), day):
                new = rows(check_conditions_passage(ref, dossier, when))
                assert new == rows(old_check_conditions_passage(ref, dossier, when))
                for check, old in PAIRS[1:]:
                    assert rows(check(ref, dossier, when)) == rows(globals()[old](ref, dossier, when)), check.__name__
                d1 = rows(check_d1(ref, dossier, when))
                assert d1 == rows(old_check_d1(ref, dossier, when))
                for name in EVENTS:
                    assert event_occurrences(dossier, name, as_of=when) == old_event_occurrences(dossier, name, as_of=when)
                for row in new + d1:
                    seen[row[0]] = seen.get(row[0], 0) + 1
    # the comparison saw findings of every kind these checks give
    assert {"passage_evaluation_finale", "passage_activites", "d1_decouverte_manquante"} <= set(seen), seen


#: The rule functions rewritten whose code is kept below: (new, old).
PAIRS = (
    (check_conditions_passage, "old_check_conditions_passage"),
    (check_premier_passage, "old_check_premier_passage"),
    (check_vae, "old_check_vae"),
    (check_tutorat, "old_check_tutorat"),
    (check_heures_formation, "old_check_heures_formation"),
    (check_version, "old_check_version"),
)


class TestOldAndNew:
    @PROFILE
    @given(referentiel_and_dossier(), DAYS)
    def test_rule_functions(self, pair: tuple[Referentiel, Dossier], as_of: date) -> None:
        for ref, dossier, day in both(pair, as_of):
            for new, old in PAIRS:
                assert rows(new(ref, dossier, day)) == rows(globals()[old](ref, dossier, day)), new.__name__

    @PROFILE
    @given(referentiel_and_dossier(), DAYS)
    def test_evaluateurs_ask_each_evaluation(self, pair: tuple[Referentiel, Dossier], as_of: date) -> None:
        """One ``in_order`` answer per rule and evaluators gives what checking every evaluation gives."""
        for ref, dossier, day in both(pair, as_of):
            acteurs: dict[str, Any] = {}
            for a in dossier.acteurs:
                acteurs.setdefault(a.id, a)
            specs = _specs(ref)
            every = [
                c
                for i, e in enumerate(dossier.evaluations)
                if e.epreuve in specs and e.date <= day
                for c in _check_evaluation(specs[e.epreuve].epreuve, e, i, acteurs)
            ]
            assert rows(check_evaluateurs(ref, dossier, day)) == rows(every)

    @PROFILE
    @given(referentiel_and_dossier(), DAYS)
    def test_events(self, pair: tuple[Referentiel, Dossier], as_of: date) -> None:
        for _, dossier, when in both(pair, as_of):
            for name in EVENTS:
                for day in (None, when):
                    assert event_occurrences(dossier, name, as_of=day) == old_event_occurrences(dossier, name, as_of=day)

    @PROFILE
    @given(st.data(), DAYS)
    def test_mutualite_d1(self, data: st.DataObject, as_of: date) -> None:
        sp = registry().referentiel("mutualite.specialiste-prestations")
        for ref, dossier, day in both((sp, data.draw(dossiers(sp))), as_of):
            assert rows(check_d1(ref, dossier, day)) == rows(old_check_d1(ref, dossier, day))

    @settings(max_examples=300, deadline=None, database=None)
    @given(st.floats(-1e12, 1e12) | st.integers(-(10**12), 10**12), st.sampled_from([None, 0, 1, 2]))
    def test_decimal_fr_kept(self, x: float, decimals: int | None) -> None:
        for _ in range(2):  # computed, then kept
            assert decimal_fr(x, decimals) == _decimal_fr(x, decimals)

    def test_decimal_fr_zero_keeps_its_sign(self) -> None:
        assert decimal_fr(0.0, 2) == "0,00" and decimal_fr(-0.0, 2) == "-0,00" and decimal_fr(0.0, 2) == "0,00"

    def test_the_events_reject_the_same_names(self) -> None:
        dossier = load_dossier(ROOT / "examples" / "dossier-specialiste-prestations-formation.toml", registry())
        for name in ("module:", "epreuve:", "rien", "module"):
            with pytest.raises(ValueError) as new:
                event_occurrences(dossier, name)
            with pytest.raises(ValueError) as old:
                old_event_occurrences(dossier, name)
            assert str(new.value) == str(old.value)


# ------------------------------------------------------------------------------------------------------------------
# The code replaced, as it was (the rule modules of commit a79b74c).
# ---- conditions_passage
def old_check_conditions_passage(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    jury = ref.jury
    if jury is None or not jury.conditions_passage or is_vae_route(ref, dossier):
        return []
    lookups = per_referentiel(ref, _OldRefLookups)
    source = lookups.source
    modules, finales, activites = lookups.modules_obligatoires, lookups.evaluation_finale, lookups.activites
    index = _OldIndex(ref, dossier, lookups)
    found: list[Constat] = []
    for i, passage in enumerate(dossier.passages):
        if passage.absent or passage.excuse or passage.date > as_of:
            continue
        jour = _jj(passage.date)  # (written in every finding of the passage)
        for module in modules:
            debut = index.premier_debut.get(module.id)
            if debut is None or debut > passage.date:
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
            chemin = f"passages[{i}].decisions.{domaine}"
            if finales:
                found.extend(_old_evaluation_finale(ref, index, dossier, passage, domaine, chemin, source))
            if activites and not index.activites_realisees(domaine, passage.date):
                found.append(
                    _constat(
                        "passage_activites",
                        "erreur",
                        f"Passage devant le jury du {jour} : aucune trace que le candidat a exercé les "
                        f"activités du domaine {domaine} à cette date (activité réalisée ou fiche de synthèse).",
                        chemin=chemin,
                        source=source,
                        regle="jury.conditions_passage.activites_realisees",
                        valeurs={"domaine": domaine, "date_passage": jour, "session": passage.session},
                    )
                )
    return found


class _OldRefLookups:

    def __init__(self, ref: Referentiel) -> None:
        conditions = set(ref.jury.conditions_passage) if ref.jury is not None else set()
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
        # values (and, for the messages, those values as a list and the labels of the échelle's values)
        self.finales: dict[str, list[tuple[Any, frozenset[str], str, dict[str, str]]]] = {}
        for epreuve in ref.epreuves:
            if epreuve.type != "finale_entreprise":
                continue
            favorables = _favorables(ref, epreuve.verdict)
            if favorables is None:
                continue
            libelles = {n.id: n.libelle for n in ref.echelles[epreuve.verdict].valeurs}  # type: ignore[index]
            for d in dict.fromkeys(epreuve.domaines):
                self.finales.setdefault(d, []).append((epreuve, favorables, _liste(sorted(favorables)), libelles))


def _earliest(into: dict[str, date], key: str, day: date) -> None:
    if key not in into or day < into[key]:
        into[key] = day


class _OldIndex:

    def __init__(self, ref: Referentiel, dossier: Dossier, lookups: _OldRefLookups | None = None) -> None:
        lookups = self.lookups = per_referentiel(ref, _OldRefLookups) if lookups is None else lookups
        self.ordre = lookups.ordre
        # the earliest passage (attended) where each domaine was acquired
        self.premier_acquis: dict[str, date] = {}
        for p in dossier.passages:
            if not p.absent and not p.excuse:
                for d, decision in p.decisions.items():
                    if decision == "acquis":
                        _earliest(self.premier_acquis, d, p.date)
        # the earliest start of each module followed
        self.premier_debut: dict[str, date] = {}
        for f in dossier.formations:
            _earliest(self.premier_debut, f.module, f.debut)
        # each épreuve's evaluations sorted by date (then by their order in the dossier)
        par_epreuve: dict[str, list[tuple[date, int]]] = {}
        for n, e in enumerate(dossier.evaluations):
            par_epreuve.setdefault(e.epreuve, []).append((e.date, n))
        self.evaluations = {k: sorted(v) for k, v in par_epreuve.items()}
        self.dates = {k: [d for d, _ in v] for k, v in self.evaluations.items()}
        self._favorable: dict[tuple[str, frozenset[str]], date | None] = {}  # (the référentiel's own frozensets)
        self._dossier = dossier
        # the earliest sign that each domaine's activities were carried out
        self.premiere_activite: dict[str, date] = {}
        module_domaines = lookups.module_domaines
        for activite in dossier.activites:
            if not activite.realisee:
                continue
            if activite.domaine is not None:
                _earliest(self.premiere_activite, activite.domaine, activite.date)
            elif activite.module is not None:
                for d in module_domaines.get(activite.module, ()):
                    _earliest(self.premiere_activite, d, activite.date)
        criteres = lookups.criteres_activite
        for e in dossier.evaluations:
            for critere_id, favorables, d in criteres.get(e.epreuve, ()):
                if e.criteres.get(critere_id) in favorables:
                    _earliest(self.premiere_activite, d, e.date)

    def presentes(self, passage: PassageJury) -> list[str]:
        if passage.decisions:
            return [d for d in self.ordre if d in passage.decisions]
        return [d for d in self.ordre if not (d in self.premier_acquis and self.premier_acquis[d] < passage.date)]

    def activites_realisees(self, domaine: str, jusqua: date) -> bool:
        first = self.premiere_activite.get(domaine)
        return first is not None and first <= jusqua

    def premiere_favorable(self, epreuve: str, favorables: frozenset[str]) -> date | None:
        key = (epreuve, favorables)
        if key not in self._favorable:
            evaluations = self._dossier.evaluations
            self._favorable[key] = next(
                (d for d, n in self.evaluations.get(epreuve, []) if evaluations[n].verdict in favorables), None
            )
        return self._favorable[key]

    def derniere(self, epreuve: str, day: date) -> int | None:
        dates = self.dates.get(epreuve, [])
        k = bisect_right(dates, day)
        if k == 0:
            return None
        return self.evaluations[epreuve][bisect_left(dates, dates[k - 1])][1]


def _old_evaluation_finale(
    ref: Referentiel,
    index: _OldIndex,
    dossier: Dossier,
    passage: PassageJury,
    domaine: str,
    chemin: str,
    source: Source | None,
) -> list[Constat]:
    mention = dossier.dossier.mention
    found: list[Constat] = []
    for epreuve, favorables, favorables_text, libelles in index.lookups.finales.get(domaine, ()):
        if epreuve.mention is not None and epreuve.mention != mention:
            continue
        premiere = index.premiere_favorable(epreuve.id, favorables)
        if premiere is not None and premiere <= passage.date:
            continue
        derniere = index.derniere(epreuve.id, passage.date)
        valeurs = {
            "domaine": domaine,
            "date_passage": _jj(passage.date),
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


# ---- mutualite check_d1
def old_check_d1(referentiel: Any, dossier: Any, as_of: dt.date) -> list[Any]:
    epreuves = referentiel.epreuves_par_id
    if FINALE_D1 not in epreuves or DECOUVERTE not in epreuves:
        return []
    finale, decouverte = epreuves[FINALE_D1], epreuves[DECOUVERTE]
    choisie = dossier.dossier.mention
    found: list[Any] = []
    evaluations = [(i, e) for i, e in enumerate(dossier.evaluations) if e.date <= as_of]
    for i, ev in evaluations:
        if ev.mention is None or choisie is None:
            continue
        if ev.epreuve == FINALE_D1 and ev.mention != choisie:
            found.append(
                Constat(
                    code="d1_mention_choisie",
                    niveau="erreur",
                    message=(
                        f"L'évaluation finale du domaine 1 du {_mjj(ev.date)} porte sur la mention "
                        f"{_mention(ev.mention)} ; elle doit porter sur la mention choisie par le candidat "
                        f"({_mention(choisie)})."
                    ),
                    chemin=f"evaluations[{i}].mention",
                    source=finale.sources[0] if finale.sources else None,
                    regle=f"epreuves.{FINALE_D1}",
                    valeurs={"mention_evaluation": ev.mention, "mention_dossier": choisie},
                )
            )
        if ev.epreuve == DECOUVERTE and ev.mention == choisie:
            found.append(
                Constat(
                    code="d1_decouverte_autre_mention",
                    niveau="erreur",
                    message=(
                        f"L'évaluation du compte-rendu de découverte du {_mjj(ev.date)} porte sur la mention "
                        f"{_mention(ev.mention)}, celle du candidat ; la découverte porte sur le processus de "
                        "l'autre mention."
                    ),
                    chemin=f"evaluations[{i}].mention",
                    source=decouverte.sources[0] if decouverte.sources else None,
                    regle=f"epreuves.{DECOUVERTE}",
                    valeurs={"mention_evaluation": ev.mention, "mention_dossier": choisie},
                )
            )
    libelles: dict[str, str] = {}
    if finale.verdict is not None and finale.verdict in referentiel.echelles:
        libelles = {n.id: n.libelle for n in referentiel.echelles[finale.verdict].valeurs}
    # « a découverte dated on or before the verdict » is « the earliest découverte is »: one pass, not
    # one pass per verdict (quadratic: 53 s for a dossier of 32 000 evaluations).
    premiere = min((e.date for _, e in evaluations if e.epreuve == DECOUVERTE), default=None)
    for i, ev in evaluations:
        if ev.epreuve != FINALE_D1 or ev.verdict is None:
            continue
        if premiere is None or premiere > ev.date:
            avis = libelles.get(ev.verdict, ev.verdict)
            found.append(
                Constat(
                    code="d1_decouverte_manquante",
                    niveau="avertissement",
                    message=(
                        f"Avis sur le domaine 1 (« {avis} ») donné le {_mjj(ev.date)} sans évaluation du "
                        "compte-rendu de découverte du processus de l'autre mention à cette date : l'évaluation "
                        "finale du domaine 1 est incomplète (l'avis porte sur les deux grilles)."
                    ),
                    chemin=f"evaluations[{i}].verdict",
                    source=decouverte.sources[0] if decouverte.sources else None,
                    regle=f"epreuves.{DECOUVERTE}",
                    valeurs={"date_evaluation": _mjj(ev.date), "verdict": ev.verdict},
                )
            )
    return found


# ---- events
def _old_sorted(occurrences: Iterable[Occurrence], as_of: date | None) -> list[Occurrence]:
    kept = [o for o in occurrences if as_of is None or o.date <= as_of]
    # Ties on the date are broken by the position in the dossier, so the order never depends on input order.
    return sorted(kept, key=lambda o: (o.date, _old_position(o.chemin)))


def _old_position(chemin: str) -> tuple[str, int]:
    head, _, rest = chemin.partition("[")
    index = rest.partition("]")[0]
    return (head, int(index) if index.isdigit() else -1)


def old_event_occurrences(dossier: Dossier, name: str, *, as_of: date | None = None) -> list[Occurrence]:
    info = dossier.dossier
    kind, colon, ident = name.partition(":")
    found: list[Occurrence]
    if colon and kind == "module" and ident:
        found = [
            Occurrence(date=f.debut, chemin=f"formations[{i}].debut")
            for i, f in enumerate(dossier.formations)
            if f.module == ident
        ]
    elif colon and kind == "epreuve" and ident:
        found = [
            Occurrence(date=e.date, chemin=f"evaluations[{i}].date")
            for i, e in enumerate(dossier.evaluations)
            if e.epreuve == ident
        ]
    elif name == "inscription":
        found = [Occurrence(date=info.inscription, chemin="dossier.inscription")]
    elif name == "nomination":
        found = [] if info.nomination is None else [Occurrence(date=info.nomination, chemin="dossier.nomination")]
    elif name == "depot_dossier":
        found = (
            [] if info.depot_dossier is None else [Occurrence(date=info.depot_dossier, chemin="dossier.depot_dossier")]
        )
    elif name == "debut_formation":
        starts = _old_sorted(
            (Occurrence(date=f.debut, chemin=f"formations[{i}].debut") for i, f in enumerate(dossier.formations)),
            None,
        )
        found = starts[:1]
    elif name == "fin_formation":
        ends = _old_sorted(
            (
                Occurrence(date=f.fin, chemin=f"formations[{i}].fin")
                if f.fin is not None
                else Occurrence(date=f.debut, chemin=f"formations[{i}].debut")
                for i, f in enumerate(dossier.formations)
            ),
            None,
        )
        found = ends[-1:]
    elif name in ("passage", "premier_passage"):
        passages = _old_sorted(
            (
                Occurrence(date=p.date, chemin=f"passages[{i}].date")
                for i, p in enumerate(dossier.passages)
                if not (p.absent or p.excuse)
            ),
            None,
        )
        found = passages[:1] if name == "premier_passage" else passages
    else:
        raise ValueError(
            f"événement « {name} » inconnu (événements possibles : {', '.join(EVENEMENTS)}, module:<id>, epreuve:<id>)"
        )
    return _old_sorted(found, as_of)


# ---- premier_passage
def old_check_premier_passage(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    limite = premier_passage_limite(ref, dossier)
    inscription = dossier.dossier.inscription
    if limite is None or inscription > as_of:
        return []
    jury = ref.jury
    assert jury is not None and jury.delai_premier_passage is not None
    delai = jury.delai_premier_passage
    premiers = old_event_occurrences(dossier, "premier_passage", as_of=as_of)
    if premiers and dates.within(inscription, premiers[0].date, delai):
        return []
    if not premiers and as_of <= limite:
        return []
    # A finding: its values (written only now: most dossiers are in time).
    valeurs = {
        "inscription": _jj(inscription),
        "delai": str(delai),
        "date_limite": _jj(limite),
        "date": _jj(as_of),
    }
    if premiers:
        premier = premiers[0]
        valeurs["premier_passage"] = _jj(premier.date)
        message = (
            f"Premier passage devant le jury le {_jj(premier.date)}, plus de {delai.libelle()} après "
            f"l'inscription du {_jj(inscription)} (date limite : {_jj(limite)})."
        )
        chemin = premier.chemin
    else:
        valeurs["premier_passage"] = "aucun"
        message = (
            f"Aucun passage devant le jury au {_jj(as_of)}, alors que le délai de {delai.libelle()} après "
            f"l'inscription du {_jj(inscription)} a expiré le {_jj(limite)}."
        )
        chemin = "passages"
    return [
        _constat(
            "premier_passage_hors_delai",
            "erreur",
            message,
            chemin=chemin,
            source=source_for(jury.sources, "delai_premier_passage"),
            regle="jury.delai_premier_passage",
            valeurs=valeurs,
        )
    ]


# ---- vae
def old_check_vae(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    voie = voie_vae(ref, dossier)
    if voie is None:
        return []
    found: list[Constat] = []
    exp = voie.experience
    assert exp is not None
    inscription = dossier.dossier.inscription
    if inscription <= as_of:
        retenues = [
            e
            for e in dossier.experiences
            if e.pertinente and (not exp.natures or e.nature in exp.natures) and (e.fin is None or e.fin >= e.debut)
        ]
        periodes = [dates.Periode(debut=e.debut, fin=e.fin) for e in retenues]
        # One window for the count and the message: the days printed are the days counted.
        fenetre_comptee = dates.window_of(exp.fenetre, inscription)
        jours = dates.days_in(periodes, fenetre_comptee)
        requis = dates.duree_as_days(exp.duree)
        if jours < requis:
            debut_fenetre = fenetre_comptee.debut
            if exp.fenetre is not None and debut_fenetre is not None:
                fenetre = (
                    f"du {_jj(debut_fenetre)} au {_jj(fenetre_comptee.fin)} inclus (les {exp.fenetre.libelle()} qui "
                    "se terminent le jour de l'inscription)"
                )
            else:
                fenetre = f"jusqu'à l'inscription du {_jj(fenetre_comptee.fin)} inclus"
            found.append(
                _constat(
                    "vae_experience",
                    "erreur",
                    f"Expérience pertinente de {_pluriel(jours, 'jour')} {fenetre}, au lieu de "
                    f"{exp.duree.libelle()} ({_entier(requis)} jours) au moins.",
                    chemin="experiences",
                    source=exp.source or _first(voie.sources),
                    regle="voies.experience",
                    valeurs={
                        "voie": voie.id,
                        "jours": str(jours),
                        "jours_requis": str(requis),
                        "duree": str(exp.duree),
                        "fenetre": str(exp.fenetre) if exp.fenetre else "",
                        "debut_fenetre": _jj(debut_fenetre) if debut_fenetre else "",
                        "fin_fenetre": _jj(fenetre_comptee.fin),
                        "date_reference": _jj(inscription),
                        "natures": _liste(exp.natures),
                        "experiences_retenues": f"{len(retenues)} sur {len(dossier.experiences)}",
                    },
                )
            )
    depose = dossier.dossier.depot_dossier is not None and dossier.dossier.depot_dossier <= as_of
    if depose or old_event_occurrences(dossier, "passage", as_of=as_of):
        for doc in voie.documents_requis:
            if doc.id not in dossier.documents:
                found.append(
                    _constat(
                        "vae_document_manquant",
                        "erreur",
                        f"Document requis pour la VAE absent du dossier : {doc.libelle} ({doc.id}).",
                        chemin="dossier.documents",
                        source=_first(voie.sources),
                        regle="voies.documents_requis",
                        valeurs={"voie": voie.id, "document": doc.id, "documents": _liste(dossier.documents)},
                    )
                )
    return found


# ---- tutorat
def old_check_tutorat(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    tutorat = ref.tutorat
    if tutorat is None:
        return []
    debuts = old_event_occurrences(dossier, "debut_formation", as_of=as_of)
    debut_formation = debuts[0].date if debuts else None
    found: list[Constat] = []
    for i, acteur in enumerate(dossier.acteurs):
        if "tuteur" in acteur.roles:
            found.extend(_check_tuteur(ref, acteur, i, debut_formation, as_of))
    return found


# ---- formation
def old_check_heures_formation(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    formation = ref.formation
    if formation is None or (formation.heures_min is None and formation.heures_max is None) or not ref.domaines:
        return []
    suivies = [f for f in dossier.formations if f.debut <= as_of]
    modules = {m.id: m for m in ref.modules}
    couverts = {d for f in suivies if f.module in modules for d in modules[f.module].domaines}
    if not suivies or any(d.id not in couverts for d in ref.domaines):
        return []
    total = sum(f.heures for f in suivies if f.heures is not None)
    completes = all(f.heures is not None for f in suivies)
    fins = old_event_occurrences(dossier, "fin_formation")
    terminee = bool(fins) and fins[-1].date <= as_of
    fourchette = " à ".join(_nombre(x) + " h" for x in (formation.heures_min, formation.heures_max) if x is not None)
    if formation.heures_max is not None and total > formation.heures_max:
        sens = f"au-delà du maximum de {_nombre(formation.heures_max)} h"
    elif formation.heures_min is not None and completes and terminee and total < formation.heures_min:
        sens = f"en deçà du minimum de {_nombre(formation.heures_min)} h"
    else:
        return []
    return [
        _constat(
            "heures_formation",
            "avertissement",
            f"Formation de {_nombre(total)} h au total pour un parcours couvrant tous les domaines, {sens} "
            f"(durée prévue : {fourchette}).",
            chemin="formations",
            source=source_for(formation.sources, "heures_min", "heures_max"),
            regle="formation.heures",
            valeurs={
                "heures": _nombre(total),
                "heures_min": _nombre(formation.heures_min) if formation.heures_min is not None else "",
                "heures_max": _nombre(formation.heures_max) if formation.heures_max is not None else "",
                "modules": _liste(f.module for f in suivies),
            },
        )
    ]


# ---- vigueur
def old_check_version(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    cert = ref.certification
    inscription = dossier.dossier.inscription
    if inscription > as_of:
        return []
    head = f"Dossier inscrit le {_jj(inscription)} sur la version « {cert.version} » de {cert.id}"
    if cert.en_vigueur_depuis is not None and inscription < cert.en_vigueur_depuis:
        cle, borne = "en_vigueur_depuis", cert.en_vigueur_depuis
        message = (
            f"{head}, en vigueur à partir du {_jj(borne)} : cette version n'existait pas encore à la date "
            "d'inscription."
        )
    elif cert.en_vigueur_jusqua is not None and inscription > cert.en_vigueur_jusqua:
        cle, borne = "en_vigueur_jusqua", cert.en_vigueur_jusqua
        message = (
            f"{head}, en vigueur jusqu'au {_jj(borne)} : cette version n'était plus en vigueur à la date "
            "d'inscription."
        )
    else:
        return []
    return [
        Constat(
            code="version_hors_vigueur",
            niveau="erreur",
            message=message,
            chemin="dossier.version",
            source=source_for(cert.sources, cle),
            regle=f"certification.{cle}",
            valeurs={
                "version": cert.version,
                "inscription": _jj(inscription),
                "en_vigueur_depuis": _jj(cert.en_vigueur_depuis) if cert.en_vigueur_depuis else "",
                "en_vigueur_jusqua": _jj(cert.en_vigueur_jusqua) if cert.en_vigueur_jusqua else "",
            },
        )
    ]
