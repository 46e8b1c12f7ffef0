"""Tests of cqpkit.rules.checks: each rule on both sides of its boundaries, then the bundled référentiels.

Expected values come from the documents (seeds/) and from the rule definitions of docs/engine.md and
DESIGN.md, worked out by hand in the test names and docstrings; never from the code's output.
"""

from __future__ import annotations

import functools
from datetime import date

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cqpkit.formats.referentiels import load_referentiel
from cqpkit.model import NIVEAUX, ROLES, Constat, Duree, Referentiel
from cqpkit.rules.checks import (
    CHECKS,
    check_conditions_passage,
    check_dossier,
    check_evaluateurs,
    check_heures_formation,
    check_organismes,
    check_premier_passage,
    check_regle,
    check_regles,
    check_tutorat,
    check_vae,
    domaines_presentes,
    premier_passage_limite,
    sort_constats,
)
from cqpkit.rules.vigueur import check_version
from tests.conftest import ROOT
from tests.factories import (
    SOURCE,
    acteur,
    activite,
    day,
    dossier,
    echelle,
    epreuve,
    evaluation,
    experience,
    formation,
    formation_regles,
    jury,
    module,
    passage,
    referentiel,
    regle,
    tutorat,
    voie,
)
from tests.strategies import referentiels
from tests.strategies_dossiers import dossiers

SPECIALISTE = ROOT / "plugins/mutualite/cqpkit_mutualite/referentiels/specialiste-prestations-2014.toml"
MANAGER = ROOT / "plugins/cqp_mo/cqpkit_cqp_mo/referentiels/manager-operationnel-2016.toml"
LATER = day("2030-01-01")


@functools.cache
def real(path: object) -> Referentiel:
    """A bundled référentiel, loaded once."""
    return load_referentiel(path)  # type: ignore[arg-type]


def codes(constats: list[Constat]) -> list[str]:
    """The codes of the findings, in their order."""
    return [c.code for c in constats]


P3Y, P2Y, P12Y = Duree(annees=3), Duree(annees=2), Duree(annees=12)
P2M, P6M, P1M, P3W = Duree(mois=2), Duree(mois=6), Duree(mois=1), Duree(semaines=3)


# ============================================================================ first passage
class TestPremierPassage:
    REF = referentiel(jury=jury(delai_premier_passage=P3Y))

    @pytest.mark.parametrize(
        ("premier", "attendu"),
        [
            (day("2016-03-03"), []),
            (day("2016-03-04"), []),
            (day("2016-03-05"), ["premier_passage_hors_delai"]),
        ],
    )
    def test_three_years_from_registration_the_anniversary_included(self, premier: date, attendu: list[str]) -> None:
        """Registered 04/03/2013 with 3 years (guide 2.1): 04/03/2016 is the last day, 05/03/2016 is late."""
        dos = dossier(inscription=day("2013-03-04"), passages=(passage(premier),))
        assert codes(check_premier_passage(self.REF, dos, LATER)) == attendu

    def test_finding_names_dates_duration_and_source(self) -> None:
        """The finding names the passage, the registration, the deadline in JJ/MM/AAAA and « 3 ans »."""
        dos = dossier(inscription=day("2013-03-04"), passages=(passage(day("2016-03-05")),))
        [c] = check_premier_passage(self.REF, dos, LATER)
        assert c.niveau == "erreur"
        assert c.chemin == "passages[0].date"
        assert "05/03/2016" in c.message and "04/03/2013" in c.message and "3 ans" in c.message
        assert c.source == self.REF.jury.sources[0]
        assert c.valeurs["date_limite"] == "04/03/2016"
        assert c.regle == "jury.delai_premier_passage"

    @pytest.mark.parametrize(
        ("as_of", "attendu"), [(day("2016-03-04"), []), (day("2016-03-05"), ["premier_passage_hors_delai"])]
    )
    def test_no_passage_yet_is_a_breach_only_once_the_deadline_passed(self, as_of: date, attendu: list[str]) -> None:
        """With no passage, nothing on the last day of the delay, a finding the day after."""
        dos = dossier(inscription=day("2013-03-04"))
        found = check_premier_passage(self.REF, dos, as_of)
        assert codes(found) == attendu
        assert all(c.chemin == "passages" for c in found)

    def test_a_passage_after_as_of_has_not_happened(self) -> None:
        """A late passage on 01/06/2016 is unknown as of 04/03/2016 (deadline not reached): nothing."""
        dos = dossier(inscription=day("2013-03-04"), passages=(passage(day("2016-06-01")),))
        assert check_premier_passage(self.REF, dos, day("2016-03-04")) == []
        assert codes(check_premier_passage(self.REF, dos, day("2016-05-01"))) == ["premier_passage_hors_delai"]

    def test_an_absence_in_time_is_not_a_first_passage(self) -> None:
        """Absent in 2015, present on 01/04/2016: the first passage is the late one."""
        dos = dossier(
            inscription=day("2013-03-04"),
            passages=(passage(day("2015-01-10"), absent=True), passage(day("2016-04-01"))),
        )
        [c] = check_premier_passage(self.REF, dos, LATER)
        assert c.chemin == "passages[1].date"

    @pytest.mark.parametrize(
        ("premier", "attendu"), [(day("2019-02-28"), []), (day("2019-03-01"), ["premier_passage_hors_delai"])]
    )
    def test_registered_on_29_february(self, premier: date, attendu: list[str]) -> None:
        """29/02/2016 + 3 years is 28/02/2019 (DESIGN: 29 Feb → 28 Feb); 01/03/2019 is late."""
        dos = dossier(inscription=day("2016-02-29"), passages=(passage(premier),))
        assert codes(check_premier_passage(self.REF, dos, LATER)) == attendu

    def test_no_deadline_no_finding(self) -> None:
        """Without ``delai_premier_passage`` (or without ``[jury]``) the rule does not apply."""
        dos = dossier(inscription=day("2000-01-01"))
        assert check_premier_passage(referentiel(jury=jury()), dos, LATER) == []
        assert check_premier_passage(referentiel(), dos, LATER) == []

    @pytest.mark.parametrize(
        ("voie_id", "attendu"), [("formation", ["premier_passage_hors_delai"]), ("vae", [])]
    )
    def test_scoped_to_the_routes_named(self, voie_id: str, attendu: list[str]) -> None:
        """Guide 2.1, under « L'accès par la formation »: with ``delai_premier_passage_voies = ["formation"]``,
        a VAE dossier one day past the 3 years has no finding, a training one has."""
        ref = referentiel(
            voies=(voie("formation"), voie("vae")),
            jury=jury(delai_premier_passage=P3Y, delai_premier_passage_voies=("formation",)),
        )
        late = dossier(voie=voie_id, inscription=day("2013-03-04"), passages=(passage(day("2016-03-05")),))
        assert codes(check_premier_passage(ref, late, LATER)) == attendu
        none_yet = dossier(voie=voie_id, inscription=day("2013-03-04"))
        assert codes(check_premier_passage(ref, none_yet, day("2016-03-05"))) == attendu
        assert premier_passage_limite(ref, none_yet) == (day("2016-03-04") if attendu else None)


# ============================================================================ [[regles]]
PREP = regle("prep-2-mois", "delai", de="module:prep", a="passage", min=P2M, libelle="Préparation 2 mois avant le jury")
REF_PREP = referentiel(modules=(module("prep"), module("analyse")), regles=(PREP,))


class TestRegleDelaiMin:
    @pytest.mark.parametrize(
        ("jury_le", "attendu"),
        [(day("2020-03-09"), [PREP.id]), (day("2020-03-10"), []), (day("2020-03-11"), [])],
    )
    def test_at_least_two_months_before_the_jury(self, jury_le: date, attendu: list[str]) -> None:
        """Preparation on 10/01/2020: a jury on 10/03/2020 is exactly 2 months later (fine), 09/03 is too soon."""
        dos = dossier(formations=(formation("prep", day("2020-01-10")),), passages=(passage(jury_le),))
        assert codes(check_regle(REF_PREP, PREP, dos, LATER)) == attendu

    def test_breach_finding_carries_the_rule(self) -> None:
        """Code is the rule's id, level its ``niveau``, source its ``source``, chemin the passage."""
        rule = attrs.evolve(PREP, niveau="avertissement")
        dos = dossier(formations=(formation("prep", day("2020-01-10")),), passages=(passage(day("2020-03-09")),))
        [c] = check_regle(REF_PREP, rule, dos, LATER)
        assert (c.code, c.niveau, c.source, c.chemin) == (PREP.id, "avertissement", PREP.source, "passages[0].date")
        assert c.regle == "regles.prep-2-mois"
        assert "10/01/2020" in c.message and "09/03/2020" in c.message and "2 mois" in c.message
        assert c.valeurs["date_limite"] == "10/03/2020"

    def test_each_passage_is_checked_any_preparation_counting(self) -> None:
        """Preparation 01/05/2020: the jury of 10/03/2020 has none before it; the one of 01/07/2020 is fine."""
        dos = dossier(
            formations=(formation("prep", day("2020-05-01")),),
            passages=(passage(day("2020-03-10")), passage(day("2020-07-01"))),
        )
        [c] = check_regle(REF_PREP, PREP, dos, LATER)
        assert c.chemin == "passages[0].date"
        assert c.valeurs["date_de"] == "01/05/2020"

    def test_an_earlier_session_of_the_module_covers_a_later_jury(self) -> None:
        """Repeated preparation: the first session (10/01) is 2 months before both juries; the second is not needed."""
        dos = dossier(
            formations=(formation("prep", day("2020-01-10")), formation("prep", day("2020-09-01"))),
            passages=(passage(day("2020-03-10")), passage(day("2020-10-01"))),
        )
        assert check_regle(REF_PREP, PREP, dos, LATER) == []

    def test_module_never_followed_before_a_jury_is_a_finding(self) -> None:
        """The jury took place and the preparation has no date: the event is missing."""
        dos = dossier(passages=(passage(day("2020-03-10")),))
        [c] = check_regle(REF_PREP, PREP, dos, LATER)
        assert c.code == PREP.id and c.valeurs["date_de"] == "aucune"

    def test_no_jury_yet_the_rule_is_not_applicable(self) -> None:
        """A jury dated after ``as_of`` has not happened: nothing, even without preparation."""
        dos = dossier(passages=(passage(day("2020-03-10")),))
        assert check_regle(REF_PREP, PREP, dos, day("2020-03-09")) == []

    def test_a_preparation_after_as_of_does_not_exist_yet(self) -> None:
        """As of 01/03/2020 a preparation planned on 02/03/2020 has not been followed."""
        dos = dossier(formations=(formation("prep", day("2020-03-02")),), passages=(passage(day("2020-01-10")),))
        [c] = check_regle(REF_PREP, PREP, dos, day("2020-03-01"))
        assert c.valeurs["date_de"] == "aucune"


JURY_6_MOIS = regle("jury-6-mois", "delai", de="fin_formation", a="passage", max=P6M, niveau="avertissement")


class TestRegleDelaiMax:
    REF = referentiel(regles=(JURY_6_MOIS,))

    @pytest.mark.parametrize(
        ("jury_le", "attendu"),
        [(day("2020-12-29"), []), (day("2020-12-30"), []), (day("2020-12-31"), [JURY_6_MOIS.id])],
    )
    def test_at_most_six_months_after_the_training(self, jury_le: date, attendu: list[str]) -> None:
        """Training ends 30/06/2020: a jury on 30/12/2020 is 6 months later (fine), 31/12 is too late."""
        dos = dossier(
            formations=(formation("M1", day("2020-06-01"), fin=day("2020-06-30")),), passages=(passage(jury_le),)
        )
        found = check_regle(self.REF, JURY_6_MOIS, dos, LATER)
        assert codes(found) == attendu
        assert all(c.niveau == "avertissement" and c.valeurs["date_limite"] == "30/12/2020" for c in found)

    def test_training_ending_the_day_of_the_jury_fits(self) -> None:
        """``de`` on the same day as ``a`` is zero time later: within 6 months."""
        dos = dossier(
            formations=(formation("M1", day("2020-06-01"), fin=day("2020-09-01")),),
            passages=(passage(day("2020-09-01")),),
        )
        assert check_regle(self.REF, JURY_6_MOIS, dos, LATER) == []

    def test_training_ending_after_the_jury_does_not_count(self) -> None:
        """The time from ``de`` to ``a`` starts at ``de``: an end after the jury fits no jury before it."""
        dos = dossier(
            formations=(formation("M1", day("2020-06-01"), fin=day("2020-09-30")),),
            passages=(passage(day("2020-09-01")),),
        )
        [c] = check_regle(self.REF, JURY_6_MOIS, dos, LATER)
        assert c.valeurs["date_de"] == "30/09/2020"

    def test_min_and_max_together(self) -> None:
        """Between 2 and 6 months: sessions 8 and 1 months before the jury both fail; a third at 3.5 months fits."""
        rule = regle("fenetre", "delai", de="module:prep", a="passage", min=P2M, max=P6M)
        ref = referentiel(modules=(module("prep"),), regles=(rule,))
        base = (formation("prep", day("2020-05-15")), formation("prep", day("2020-12-15")))
        dos = dossier(formations=base, passages=(passage(day("2021-01-15")),))
        [c] = check_regle(ref, rule, dos, LATER)
        assert c.valeurs["date_de"] == "15/05/2020" and c.valeurs["date_limite"] == "15/11/2020"
        assert "6 mois" in c.message
        ok = dossier(formations=(*base, formation("prep", day("2020-10-01"))), passages=(passage(day("2021-01-15")),))
        assert check_regle(ref, rule, ok, LATER) == []


SPE_AVANT_DEPOT = regle("spe-avant-depot", "avant", de="module:spe", a="depot_dossier")


class TestRegleAvant:
    REF = referentiel(modules=(module("spe"),), regles=(SPE_AVANT_DEPOT,))

    @pytest.mark.parametrize(
        ("spe", "attendu"),
        [(day("2021-01-31"), []), (day("2021-02-01"), [SPE_AVANT_DEPOT.id]), (day("2021-02-02"), [SPE_AVANT_DEPOT.id])],
    )
    def test_spe_strictly_before_the_deposit(self, spe: date, attendu: list[str]) -> None:
        """Deposit on 01/02/2021: an SPE the day before is fine; the same day or after is not before."""
        dos = dossier(depot_dossier=day("2021-02-01"), formations=(formation("spe", spe),))
        assert codes(check_regle(self.REF, SPE_AVANT_DEPOT, dos, LATER)) == attendu

    def test_finding_points_at_the_deposit(self) -> None:
        """The breach is written at ``dossier.depot_dossier``."""
        dos = dossier(depot_dossier=day("2021-02-01"))
        [c] = check_regle(self.REF, SPE_AVANT_DEPOT, dos, LATER)
        assert c.chemin == "dossier.depot_dossier" and c.niveau == "erreur"

    def test_no_deposit_yet_nothing_to_check(self) -> None:
        """Without a deposit (or one after ``as_of``) the rule gives nothing."""
        assert check_regle(self.REF, SPE_AVANT_DEPOT, dossier(), LATER) == []
        dos = dossier(depot_dossier=day("2021-02-01"))
        assert check_regle(self.REF, SPE_AVANT_DEPOT, dos, day("2021-01-31")) == []


ORDRE = regle("analyse-puis-prep", "ordre", avant="analyse", apres="prep")


class TestRegleOrdre:
    REF = referentiel(modules=(module("analyse"), module("prep")), regles=(ORDRE,))

    def test_in_order_nothing(self) -> None:
        """« Analyser et formaliser sa pratique » then « Se préparer aux épreuves »: fine."""
        dos = dossier(formations=(formation("analyse", day("2020-03-01")), formation("prep", day("2020-09-01"))))
        assert check_regle(self.REF, ORDRE, dos, LATER) == []

    @pytest.mark.parametrize("prep", [day("2020-02-29"), day("2020-03-01")])
    def test_preparation_before_or_with_the_analysis(self, prep: date) -> None:
        """The preparation the day before or the same day as the analysis is out of order."""
        dos = dossier(formations=(formation("analyse", day("2020-03-01")), formation("prep", prep)))
        [c] = check_regle(self.REF, ORDRE, dos, LATER)
        assert c.chemin == "formations[1].debut"

    def test_each_preparation_session_is_checked(self) -> None:
        """Of two preparation sessions, only the one before the analysis is reported."""
        dos = dossier(
            formations=(
                formation("prep", day("2020-02-01")),
                formation("analyse", day("2020-03-01")),
                formation("prep", day("2020-09-01")),
            )
        )
        assert [c.chemin for c in check_regle(self.REF, ORDRE, dos, LATER)] == ["formations[0].debut"]

    def test_analysis_never_followed(self) -> None:
        """The preparation without any analysis is a finding; nothing followed yet gives nothing."""
        assert codes(
            check_regle(self.REF, ORDRE, dossier(formations=(formation("prep", day("2020-09-01")),)), LATER)
        ) == [ORDRE.id]
        assert check_regle(self.REF, ORDRE, dossier(), LATER) == []

    def test_check_regles_runs_every_rule(self) -> None:
        """``check_regles`` applies each ``[[regles]]`` rule of the référentiel."""
        ref = referentiel(modules=(module("analyse"), module("prep")), regles=(ORDRE, PREP))
        dos = dossier(formations=(formation("prep", day("2020-02-01")),), passages=(passage(day("2020-03-01")),))
        assert sorted(codes(check_regles(ref, dos, LATER))) == sorted([ORDRE.id, PREP.id])


# ============================================================================ evaluators
FINALE = epreuve(
    "finale-D1",
    domaines=("D1",),
    evaluateurs={"nombre": 2, "distincts": True, "roles_requis": ("n_plus_1",), "source": SOURCE},
)
ACTEURS = (
    acteur("N1", "n_plus_1"),
    acteur("T1", "tuteur"),
    acteur("F1", "formateur_interne"),
    acteur("R1", "responsable_rh", "n_plus_1"),
    acteur("S1", "formateur_suivi"),
)


class TestEvaluateurs:
    REF = referentiel(epreuves=(FINALE,))

    def run(self, *evaluateurs: str, ref: Referentiel | None = None, as_of: date = LATER) -> list[str]:
        dos = dossier(acteurs=ACTEURS, evaluations=(evaluation("finale-D1", day("2020-11-15"), *evaluateurs),))
        return sorted(codes(check_evaluateurs(ref or self.REF, dos, as_of)))

    def test_line_manager_and_second_evaluator(self) -> None:
        """The N+1 and a tutor, two distinct people (guide 2.3, 2.4): nothing."""
        assert self.run("N1", "T1") == []

    def test_one_evaluator(self) -> None:
        """The N+1 alone: one evaluator where two are required."""
        assert self.run("N1") == ["evaluateurs_nombre"]

    def test_two_identical_evaluators(self) -> None:
        """The N+1 twice: not distinct, and only one distinct evaluator of the two required."""
        assert self.run("N1", "N1") == ["evaluateurs_nombre", "evaluateurs_non_distincts"]

    def test_no_line_manager(self) -> None:
        """A tutor and an internal trainer: the required N+1 is missing."""
        assert self.run("T1", "F1") == ["evaluateur_role_requis"]

    def test_a_secondary_role_counts(self) -> None:
        """An HR manager who is also the N+1 (secondary role) satisfies the requirement."""
        assert self.run("R1", "T1") == []

    def test_three_evaluators_are_not_fewer_than_two(self) -> None:
        """``nombre`` is a minimum: three distinct evaluators with the N+1 are fine."""
        assert self.run("N1", "T1", "F1") == []

    def test_without_distincts_the_listed_evaluators_count(self) -> None:
        """With ``distincts = false`` the same person twice counts as two and is allowed."""
        ref = referentiel(epreuves=(epreuve("finale-D1", evaluateurs={"nombre": 2}),))
        assert self.run("N1", "N1", ref=ref) == []

    def test_every_required_role_is_needed(self) -> None:
        """CQP MO formative evaluation: tutor and formateur de suivi; the tutor alone misses the other."""
        ref = referentiel(
            epreuves=(epreuve("finale-D1", "formative", evaluateurs={"roles_requis": ("tuteur", "formateur_suivi")}),)
        )
        dos = dossier(acteurs=ACTEURS, evaluations=(evaluation("finale-D1", day("2020-11-15"), "T1"),))
        [c] = check_evaluateurs(ref, dos, LATER)
        assert c.code == "evaluateur_role_requis" and c.valeurs["role_requis"] == "formateur_suivi"
        assert "formateur de suivi" in c.message

    def test_excluded_role(self) -> None:
        """CQP MO (acteurs): the N+1 does not take part in the evaluation: excluded role."""
        ref = referentiel(epreuves=(epreuve("finale-D1", evaluateurs={"roles_exclus": ("n_plus_1",)}),))
        assert self.run("T1", "N1", ref=ref) == ["evaluateur_role_exclu"]
        assert self.run("T1", "S1", ref=ref) == []

    def test_finding_fields(self) -> None:
        """Chemin to the evaluators, source of ``evaluateurs``, values used."""
        dos = dossier(
            acteurs=ACTEURS,
            evaluations=(evaluation("autre", day("2020-01-01")), evaluation("finale-D1", day("2020-11-15"), "N1")),
        )
        [c] = check_evaluateurs(self.REF, dos, LATER)
        assert c.chemin == "evaluations[1].evaluateurs"
        assert c.source == SOURCE
        assert c.valeurs["nombre"] == "1" and c.valeurs["nombre_requis"] == "2"
        assert "15/11/2020" in c.message

    def test_source_falls_back_to_the_epreuve(self) -> None:
        """Without a source on ``evaluateurs``, the épreuve's first source is cited."""
        ep = epreuve("finale-D1", evaluateurs={"nombre": 2})
        dos = dossier(evaluations=(evaluation("finale-D1", day("2020-11-15"), "N1"),))
        [c] = check_evaluateurs(referentiel(epreuves=(ep,)), dos, LATER)
        assert c.source == ep.sources[0]

    def test_evaluation_after_as_of_is_ignored(self) -> None:
        """An evaluation dated after ``as_of`` has not happened."""
        assert self.run("N1", as_of=day("2020-11-14")) == []
        assert self.run("N1", as_of=day("2020-11-15")) == ["evaluateurs_nombre"]


# ============================================================================ tutor
TUTORAT_MO = tutorat(
    experience_min=P2Y,
    pas_n_plus_1=True,
    charge_recommandee=2,
    charge_max=3,
    formation_prealable=True,
    formation_delai_min=P1M,
)


class TestTuteurExperience:
    REF = referentiel(tutorat=TUTORAT_MO)

    @pytest.mark.parametrize(
        ("debut", "attendu"), [(day("2017-02-28"), ["tuteur_experience"]), (day("2017-03-01"), [])]
    )
    def test_two_years_at_the_start_of_the_mission(self, debut: date, attendu: list[str]) -> None:
        """Manager since 01/03/2015: 2 years on 01/03/2017 exactly (fine); a mission from 28/02/2017 is a day short."""
        dos = dossier(acteurs=(acteur("T1", management_depuis=day("2015-03-01"), mission_debut=debut),))
        assert codes(check_tutorat(self.REF, dos, LATER)) == attendu

    @pytest.mark.parametrize(
        ("debut", "attendu"), [(day("2017-02-28"), ["tuteur_experience"]), (day("2017-03-01"), [])]
    )
    def test_start_of_training_when_the_mission_has_no_start(self, debut: date, attendu: list[str]) -> None:
        """Without ``mission_debut`` the start of the candidate's training is used."""
        dos = dossier(
            acteurs=(acteur("T1", management_depuis=day("2015-03-01"), forme_le=day("2016-01-04")),),
            formations=(formation("UP1", debut),),
        )
        assert [c for c in codes(check_tutorat(self.REF, dos, LATER)) if c == "tuteur_experience"] == attendu

    def test_experience_is_not_measured_on_as_of(self) -> None:
        """One day short at the mission's start stays a finding years later (not measured on ``as_of``)."""
        dos = dossier(acteurs=(acteur("T1", management_depuis=day("2015-03-01"), mission_debut=day("2017-02-28")),))
        [c] = check_tutorat(self.REF, dos, day("2025-01-01"))
        assert c.chemin == "acteurs[0].management_depuis"
        assert c.valeurs["date_requise"] == "01/03/2017" and "2 ans" in c.message

    @pytest.mark.parametrize(("niveau", "debut", "attendu"), [
        ("avertissement", day("2017-02-28"), ["avertissement"]),
        ("avertissement", day("2017-03-01"), []),
        ("erreur", day("2017-02-28"), ["erreur"]),
    ])
    def test_level_set_by_the_referentiel(self, niveau: str, debut: date, attendu: list[str]) -> None:
        """``experience_min_niveau``: « de préférence … deux ans au moins » (2022) is a warning, « deux ans
        minimum » (2017) an error; the boundary is the same (2 years on 01/03/2017, one day short before)."""
        ref = referentiel(tutorat=attrs.evolve(TUTORAT_MO, experience_min_niveau=niveau))
        dos = dossier(acteurs=(acteur("T1", management_depuis=day("2015-03-01"), mission_debut=debut),))
        found = check_tutorat(ref, dos, LATER)
        assert [c.niveau for c in found if c.code == "tuteur_experience"] == attendu

    def test_mission_not_started_or_experience_unknown(self) -> None:
        """A mission starting after ``as_of``, or no ``management_depuis``: nothing."""
        dos = dossier(acteurs=(acteur("T1", management_depuis=day("2015-03-01"), mission_debut=day("2017-02-28")),))
        assert check_tutorat(self.REF, dos, day("2017-02-27")) == []
        assert check_tutorat(self.REF, dossier(acteurs=(acteur("T1", mission_debut=day("2017-02-28")),)), LATER) == []


class TestTuteurNPlus1:
    REF = referentiel(tutorat=TUTORAT_MO)

    @pytest.mark.parametrize(
        ("tuteur", "champ"),
        [(acteur("T1", "tuteur", "n_plus_1"), "roles_secondaires"), (acteur("N1", "n_plus_1", "tuteur"), "role")],
    )
    def test_tutor_who_is_the_line_manager(self, tuteur: object, champ: str) -> None:
        """The tutor is « autre que le manager hiérarchique » (tutorat III), whichever role is the main one."""
        [c] = check_tutorat(self.REF, dossier(acteurs=(tuteur,)), LATER)
        assert c.code == "tuteur_n_plus_1" and c.chemin == f"acteurs[0].{champ}"

    def test_a_separate_line_manager_is_fine(self) -> None:
        """A tutor and a distinct N+1: nothing; without ``pas_n_plus_1`` nothing either."""
        assert check_tutorat(self.REF, dossier(acteurs=(acteur("T1"), acteur("N1", "n_plus_1"))), LATER) == []
        ref = referentiel(tutorat=tutorat())
        assert check_tutorat(ref, dossier(acteurs=(acteur("T1", "tuteur", "n_plus_1"),)), LATER) == []


class TestTuteurCharge:
    REF = referentiel(tutorat=TUTORAT_MO)

    @pytest.mark.parametrize(
        ("tutores", "attendu"),
        [
            (2, []),
            (3, ["tuteur_charge_recommandee"]),
            (4, ["tuteur_charge_max", "tuteur_charge_recommandee"]),
        ],
    )
    def test_two_recommended_three_at_most(self, tutores: int, attendu: list[str]) -> None:
        """Two managers per tutor (recommendation), three employees at most (Code du travail D6324-5)."""
        dos = dossier(acteurs=(acteur("T1", tutores_simultanes=tutores),))
        assert sorted(codes(check_tutorat(self.REF, dos, LATER))) == attendu

    def test_levels(self) -> None:
        """Above the recommendation is a warning; above the maximum an error."""
        found = check_tutorat(self.REF, dossier(acteurs=(acteur("T1", tutores_simultanes=4),)), LATER)
        assert {c.code: c.niveau for c in found} == {
            "tuteur_charge_recommandee": "avertissement",
            "tuteur_charge_max": "erreur",
        }
        assert all(c.chemin == "acteurs[0].tutores_simultanes" for c in found)


class TestTuteurFormation:
    DEBUT = day("2017-03-06")

    def run(self, forme_le: date | None, ref_tutorat: object = TUTORAT_MO, as_of: date = LATER) -> list[str]:
        dos = dossier(acteurs=(acteur("T1", forme_le=forme_le),), formations=(formation("UP1", self.DEBUT),))
        return sorted(codes(check_tutorat(referentiel(tutorat=ref_tutorat), dos, as_of)))

    @pytest.mark.parametrize(
        ("forme_le", "attendu"),
        [
            (day("2017-02-05"), []),
            (day("2017-02-06"), []),
            (day("2017-02-07"), ["tuteur_delai_formation"]),
            (day("2017-03-06"), ["tuteur_delai_formation"]),
            (day("2017-03-07"), ["tuteur_forme_apres"]),
        ],
    )
    def test_trained_a_month_before_the_training(self, forme_le: date, attendu: list[str]) -> None:
        """Training starts 06/03/2017: tutor training a month before (06/02) or earlier is fine; later is a
        warning; after the start is an error (« un préalable indispensable », tutorat VII)."""
        assert self.run(forme_le) == attendu

    def test_no_tutor_training_date(self) -> None:
        """A compulsory prior training without any date is not shown to precede the training."""
        assert self.run(None) == ["tuteur_forme_apres"]

    def test_training_not_started_yet(self) -> None:
        """Before the candidate's training starts, the tutor may still be trained: nothing."""
        assert self.run(None, as_of=day("2017-03-05")) == []
        assert self.run(None, as_of=day("2017-03-06")) == ["tuteur_forme_apres"]

    @pytest.mark.parametrize(
        ("forme_le", "attendu"),
        [(day("2017-02-12"), ["tuteur_delai_formation"]), (day("2017-02-13"), []), (day("2017-02-14"), [])],
    )
    def test_at_most_three_weeks_before(self, forme_le: date, attendu: list[str]) -> None:
        """« 2 à 3 semaines avant » (2022): 13/02/2017 is exactly 3 weeks before 06/03/2017, 12/02 is too early."""
        assert self.run(forme_le, tutorat(formation_prealable=True, formation_delai_max=P3W)) == attendu

    def test_delay_finding_values(self) -> None:
        """The warning names both dates, the days between them and the expected delay."""
        dos = dossier(acteurs=(acteur("T1", forme_le=day("2017-02-20")),), formations=(formation("UP1", self.DEBUT),))
        [c] = check_tutorat(referentiel(tutorat=TUTORAT_MO), dos, LATER)
        assert c.niveau == "avertissement" and c.valeurs["jours"] == "14"
        assert "20/02/2017" in c.message and "06/03/2017" in c.message and "1 mois" in c.message


# ============================================================================ VAE
def _vae_voie(**experience: object) -> object:
    """A VAE voie: 3 years within the last 12, any nature, CV and dossier VAE required (guide 3.2, 3.3)."""
    exp = {"duree": P3Y, "fenetre": P12Y, "natures": ("salariee", "non_salariee", "benevole"), **experience}
    return voie("vae", experience=exp, documents_requis=("cv", "dossier-vae"))


class TestVaeExperience:
    REF = referentiel(voies=(voie("formation"), _vae_voie()))
    INSCRIPTION = day("2024-05-15")  # the last 12 years run from 16/05/2012 to 15/05/2024

    def run(
        self, *experiences: object, as_of: date = LATER, voie_id: str = "vae", ref: Referentiel | None = None
    ) -> list[Constat]:
        dos = dossier(voie=voie_id, inscription=self.INSCRIPTION, experiences=experiences)
        return check_vae(ref or self.REF, dos, as_of)

    def test_exactly_three_years_at_the_start_of_the_window(self) -> None:
        """16/05/2012–15/05/2015 is 1 095 days, all inside the window: admissible."""
        assert self.run(experience(day("2012-05-16"), day("2015-05-15"))) == []

    def test_period_straddling_the_window_start_is_clipped(self) -> None:
        """15/05/2012–14/05/2015: its first day is before the window, leaving 1 094 days: one short."""
        [c] = self.run(experience(day("2012-05-15"), day("2015-05-14")))
        assert c.code == "vae_experience" and c.valeurs["jours"] == "1094" and c.valeurs["jours_requis"] == "1095"
        assert c.valeurs["debut_fenetre"] == "16/05/2012"
        assert "12 ans" in c.message and "3 ans" in c.message

    @pytest.mark.parametrize(
        ("fin", "attendu"),
        [(day("2015-05-14"), ["vae_experience"]), (day("2015-05-15"), []), (day("2015-05-16"), [])],
    )
    def test_straddling_period_just_below_and_above(self, fin: date, attendu: list[str]) -> None:
        """From 01/01/2010 (before the window): 16/05/2012 to 14/05, 15/05, 16/05/2015 is 1 094, 1 095, 1 096 days."""
        assert codes(self.run(experience(day("2010-01-01"), fin))) == attendu

    def test_overlapping_periods_just_above(self) -> None:
        """Overlapping 01/01/2018–31/12/2019 and 01/01/2019–31/12/2020: 1 096 distinct days (2020 is leap)."""
        assert (
            self.run(experience(day("2018-01-01"), day("2019-12-31")), experience(day("2019-01-01"), day("2020-12-31")))
            == []
        )

    def test_overlapping_periods_are_merged(self) -> None:
        """01/01/2018–31/12/2019 and 01/01/2019–30/12/2020 overlap: 1 095 distinct days (not 1 460)."""
        assert (
            self.run(experience(day("2018-01-01"), day("2019-12-31")), experience(day("2019-01-01"), day("2020-12-30")))
            == []
        )

    def test_overlapping_periods_one_day_short(self) -> None:
        """The same with the second ending 29/12/2020: 1 094 distinct days, below 3 years."""
        [c] = self.run(
            experience(day("2018-01-01"), day("2019-12-31")), experience(day("2019-01-01"), day("2020-12-29"))
        )
        assert c.valeurs["jours"] == "1094"

    @pytest.mark.parametrize(("debut", "jours"), [(day("2021-05-17"), None), (day("2021-05-18"), "1094")])
    def test_ongoing_experience_counts_up_to_registration(self, debut: date, jours: str | None) -> None:
        """An ongoing job from 17/05/2021 covers 1 095 days to 15/05/2024 (29/02/2024 included); from 18/05, 1 094."""
        found = self.run(experience(debut, None))
        assert [c.valeurs["jours"] for c in found] == ([] if jours is None else [jours])

    def test_experience_after_registration_does_not_count(self) -> None:
        """A job 01/01/2023–31/12/2026 counts only to 15/05/2024 (501 days), even as of 2030."""
        [c] = self.run(experience(day("2023-01-01"), day("2026-12-31")))
        assert c.valeurs["jours"] == "501" and c.valeurs["date_reference"] == "15/05/2024"

    def test_only_relevant_experience_of_the_allowed_natures(self) -> None:
        """Non-relevant experience, or voluntary work when only salaried work counts, is left out."""
        trois_ans = experience(day("2015-01-01"), day("2017-12-31"))  # 1 095 days
        assert self.run(trois_ans) == []
        assert codes(self.run(attrs.evolve(trois_ans, pertinente=False))) == ["vae_experience"]
        ref = referentiel(voies=(_vae_voie(natures=("salariee",)),))
        assert codes(self.run(attrs.evolve(trois_ans, nature="benevole"), ref=ref)) == ["vae_experience"]
        assert self.run(trois_ans, ref=ref) == []

    def test_message_states_the_window_counted(self) -> None:
        """The message prints the first and last day of the window the count used: 16/05/2012 to 15/05/2024."""
        [c] = self.run(experience(day("2012-05-15"), day("2015-05-14")))
        assert "du 16/05/2012 au 15/05/2024 inclus" in c.message
        assert (c.valeurs["debut_fenetre"], c.valeurs["fin_fenetre"]) == ("16/05/2012", "15/05/2024")

    @pytest.mark.parametrize(
        ("jour", "jours"),
        [
            (day("2012-05-15"), "0"),  # the day before the first day printed: not counted
            (day("2012-05-16"), "1"),  # the first day printed: counted
            (day("2024-05-15"), "1"),  # the last day printed (registration): counted
            (day("2024-05-16"), "0"),  # the day after: not counted
        ],
    )
    def test_the_days_printed_are_the_days_counted(self, jour: date, jours: str) -> None:
        """One day of experience on each side of each bound of the printed window: counted exactly when inside."""
        [c] = self.run(experience(jour, jour))
        assert c.valeurs["jours"] == jours and "du 16/05/2012 au 15/05/2024 inclus" in c.message

    def test_not_on_the_training_route_nor_before_registration(self) -> None:
        """The formation route has no experience condition; before registration nothing is checked."""
        assert self.run(voie_id="formation") == []
        assert self.run(as_of=day("2024-05-14")) == []
        assert codes(self.run(as_of=day("2024-05-15"))) == ["vae_experience"]


class TestVaeDocuments:
    REF = referentiel(voies=(_vae_voie(),))
    OK = (experience(day("2015-01-01"), day("2017-12-31")),)

    def test_missing_documents_once_the_file_is_deposited(self) -> None:
        """Deposited 01/06/2024 with only the CV: the dossier VAE is missing."""
        dos = dossier(
            voie="vae",
            inscription=day("2018-01-01"),
            depot_dossier=day("2024-06-01"),
            experiences=self.OK,
            documents=("cv",),
        )
        [c] = check_vae(self.REF, dos, LATER)
        assert (c.code, c.niveau, c.chemin) == ("vae_document_manquant", "erreur", "dossier.documents")
        assert c.valeurs["document"] == "dossier-vae" and "Document dossier-vae" in c.message

    def test_not_before_the_deposit(self) -> None:
        """A file being built is not yet incomplete: nothing the day before the deposit."""
        dos = dossier(voie="vae", inscription=day("2018-01-01"), depot_dossier=day("2024-06-01"), experiences=self.OK)
        assert check_vae(self.REF, dos, day("2024-05-31")) == []
        assert len(check_vae(self.REF, dos, day("2024-06-01"))) == 2

    def test_a_passage_without_deposit_date(self) -> None:
        """A jury passage shows the file was handed in."""
        dos = dossier(
            voie="vae", inscription=day("2018-01-01"), experiences=self.OK, passages=(passage(day("2024-09-01")),)
        )
        assert sorted(c.valeurs["document"] for c in check_vae(self.REF, dos, LATER)) == ["cv", "dossier-vae"]

    def test_all_documents_present(self) -> None:
        """Every required document listed: nothing."""
        dos = dossier(
            voie="vae",
            inscription=day("2018-01-01"),
            depot_dossier=day("2024-06-01"),
            experiences=self.OK,
            documents=("dossier-vae", "cv"),
        )
        assert check_vae(self.REF, dos, LATER) == []


# ============================================================================ readiness at a passage
AVIS = echelle("pas_maitrise", "maitrise", favorables=("maitrise",))
OUI_NON = echelle("non", "oui", favorables=("oui",))
REF_PASSAGE = referentiel(
    echelles={"avis": AVIS, "oui_non": OUI_NON},
    epreuves=(
        epreuve("finale-D1", domaines=("D1",), verdict="avis", echelle="oui_non"),
        epreuve("finale-D1-bis", domaines=("D1",), echelle="oui_non"),
        epreuve("finale-D2", domaines=("D2",), verdict="avis", echelle="oui_non"),
        epreuve("finale-D2-prevoyance", domaines=("D2",), verdict="avis", mention="prevoyance"),
        epreuve(
            "synthese",
            "synthese",
            domaines=("D1", "D2"),
            echelle="oui_non",
            criteres=(
                {"id": "D1-A", "libelle": "Activités D1", "domaine": "D1", "nature": "activite"},
                {"id": "D2-A", "libelle": "Activités D2", "domaine": "D2", "nature": "activite"},
            ),
        ),
    ),
    modules=(module("M1", "D1"), module("M2", "D2")),
    voies=(voie("formation"), _vae_voie()),
    jury=jury(conditions_passage=("evaluation_finale_favorable", "activites_realisees")),
)
JURY_LE = day("2021-01-20")


class TestEvaluationFinaleAvantPassage:
    def run(
        self, *evaluations: object, decisions: dict | None = None, mention: str | None = "sante", **kw: object
    ) -> list[Constat]:
        dos = dossier(
            mention=mention,
            evaluations=evaluations,
            activites=(
                activite("a1", day("2020-10-01"), domaine="D1"),
                activite("a2", day("2020-10-01"), domaine="D2"),
            ),
            passages=(passage(JURY_LE, decisions=decisions or {"D1": "acquis"}),),
            **kw,
        )
        return check_conditions_passage(REF_PASSAGE, dos, LATER)

    @pytest.mark.parametrize(
        ("evalue_le", "attendu"),
        [(day("2021-01-19"), []), (day("2021-01-20"), []), (day("2021-01-21"), ["passage_evaluation_finale"])],
    )
    def test_favourable_final_evaluation_on_or_before_the_passage(self, evalue_le: date, attendu: list[str]) -> None:
        """« le domaine est maîtrisé » the day before or the day of the jury is fine; the day after is too late."""
        assert codes(self.run(evaluation("finale-D1", evalue_le, verdict="maitrise"))) == attendu

    @pytest.mark.parametrize("verdict", ["pas_maitrise", None])
    def test_unfavourable_or_missing_verdict(self, verdict: str | None) -> None:
        """« n'est pas totalement maîtrisé », or no verdict at all, is not a positive final evaluation."""
        [c] = self.run(evaluation("finale-D1", day("2021-01-10"), verdict=verdict))
        assert (c.code, c.niveau, c.chemin) == (
            "passage_evaluation_finale",
            "avertissement",
            "passages[0].decisions.D1",
        )
        assert c.valeurs["verdict"] == (verdict or "aucun")

    def test_no_final_evaluation(self) -> None:
        """Nothing recorded for D1: a warning naming the épreuve and the jury date."""
        [c] = self.run()
        assert c.valeurs["epreuve"] == "finale-D1" and "20/01/2021" in c.message
        assert c.source == REF_PASSAGE.jury.sources[0]

    def test_an_epreuve_without_verdict_is_not_required(self) -> None:
        """The second D1 grid has no verdict of its own: only finale-D1's verdict is asked for."""
        assert self.run(evaluation("finale-D1", day("2021-01-10"), verdict="maitrise")) == []

    def test_only_presented_domaines_and_the_dossiers_mention(self) -> None:
        """D2 presented with mention santé needs finale-D2 only, not the prévoyance épreuve."""
        found = self.run(
            evaluation("finale-D1", day("2021-01-10"), verdict="maitrise"),
            evaluation("finale-D2", day("2021-01-10"), verdict="maitrise"),
            decisions={"D1": "acquis", "D2": "non_acquis"},
        )
        assert found == []
        found = self.run(
            evaluation("finale-D1", day("2021-01-10"), verdict="maitrise"),
            evaluation("finale-D2", day("2021-01-10"), verdict="maitrise"),
            decisions={"D1": "acquis", "D2": "non_acquis"},
            mention="prevoyance",
        )
        assert [c.valeurs["epreuve"] for c in found] == ["finale-D2-prevoyance"]


class TestActivitesAvantPassage:
    FAVORABLE = (evaluation("finale-D1", day("2021-01-10"), verdict="maitrise"),)

    def run(self, activites: tuple = (), evaluations: tuple = ()) -> list[str]:
        dos = dossier(
            evaluations=(*self.FAVORABLE, *evaluations),
            activites=activites,
            passages=(passage(JURY_LE, decisions={"D1": "acquis"}),),
        )
        return codes(check_conditions_passage(REF_PASSAGE, dos, LATER))

    @pytest.mark.parametrize(("le", "attendu"), [(day("2021-01-20"), []), (day("2021-01-21"), ["passage_activites"])])
    def test_activity_of_the_domaine_carried_out_before_the_jury(self, le: date, attendu: list[str]) -> None:
        """The activities must be carried out before the jury (note aux entreprises): same day fine, day after not."""
        assert self.run((activite("a", le, domaine="D1"),)) == attendu

    def test_activity_not_carried_out_or_of_another_domaine(self) -> None:
        """``realisee = false``, or an activity of D2 only, does not show D1's activities."""
        assert self.run((activite("a", day("2020-10-01"), domaine="D1", realisee=False),)) == ["passage_activites"]
        assert self.run((activite("a", day("2020-10-01"), domaine="D2"),)) == ["passage_activites"]

    def test_activity_of_a_module_covering_the_domaine(self) -> None:
        """An activity linked to module M1 (which covers D1) and no domaine counts for D1."""
        assert self.run((activite("spe", day("2020-10-01"), module="M1"),)) == []
        assert self.run((activite("spe", day("2020-10-01"), module="M2"),)) == ["passage_activites"]

    @pytest.mark.parametrize(("valeur", "attendu"), [("oui", []), ("non", ["passage_activites"])])
    def test_fiche_de_synthese(self, valeur: str, attendu: list[str]) -> None:
        """« Activités exercées : oui » on the fiche de synthèse counts; « non » does not."""
        assert self.run(evaluations=(evaluation("synthese", day("2021-01-15"), criteres={"D1-A": valeur}),)) == attendu

    def test_fiche_de_synthese_after_the_jury(self) -> None:
        """A fiche de synthèse signed after the jury does not show activities before it."""
        assert self.run(evaluations=(evaluation("synthese", day("2021-01-21"), criteres={"D1-A": "oui"}),)) == [
            "passage_activites"
        ]


class TestConditionsPassageScope:
    def test_vae_route_is_not_checked(self) -> None:
        """The conditions concern the route with in-company evaluation: nothing on the VAE route."""
        dos = dossier(voie="vae", passages=(passage(JURY_LE, decisions={"D1": "acquis"}),))
        assert check_conditions_passage(REF_PASSAGE, dos, LATER) == []

    def test_absent_and_future_passages_are_not_checked(self) -> None:
        """An absence, or a passage after ``as_of``, presents nothing to the jury."""
        dos = dossier(passages=(passage(JURY_LE, decisions={"D1": "acquis"}, absent=True),))
        assert check_conditions_passage(REF_PASSAGE, dos, LATER) == []
        dos = dossier(passages=(passage(JURY_LE, decisions={"D1": "acquis"}),))
        assert check_conditions_passage(REF_PASSAGE, dos, day("2021-01-19")) == []
        assert len(check_conditions_passage(REF_PASSAGE, dos, day("2021-01-20"))) == 2

    def test_domaines_presented_without_decisions(self) -> None:
        """Without decisions, the domaines not acquired at an earlier passage are presented."""
        dos = dossier(
            passages=(passage(day("2020-06-01"), decisions={"D1": "acquis", "D2": "non_acquis"}), passage(JURY_LE))
        )
        assert domaines_presentes(REF_PASSAGE, dos, 1) == ["D2"]
        assert domaines_presentes(REF_PASSAGE, dos, 0) == ["D1", "D2"]

    def test_no_conditions_no_findings(self) -> None:
        """Without ``conditions_passage`` nothing is required before the jury."""
        ref = attrs.evolve(REF_PASSAGE, jury=jury())
        assert check_conditions_passage(ref, dossier(passages=(passage(JURY_LE),)), LATER) == []


# ============================================================================ training hours and bodies
class TestHeuresFormation:
    REF = referentiel(
        modules=(module("M1", "D1"), module("M2", "D2")), formation=formation_regles(heures_min=280, heures_max=320)
    )

    def run(
        self, h1: float | None, h2: float | None, as_of: date = LATER, modules: tuple = ("M1", "M2")
    ) -> list[Constat]:
        f = [
            formation("M1", day("2020-02-03"), fin=day("2020-03-01"), heures=h1),
            formation("M2", day("2020-04-01"), fin=day("2020-05-01"), heures=h2),
        ]
        dos = dossier(formations=tuple(x for x in f if x.module in modules))
        return check_heures_formation(self.REF, dos, as_of)

    @pytest.mark.parametrize(
        ("h2", "attendu"), [(139, ["heures_formation"]), (140, []), (180, []), (181, ["heures_formation"])]
    )
    def test_280_to_320_hours_for_all_modules(self, h2: float, attendu: list[str]) -> None:
        """« 280 heures à 320 heures » (guide 2.3), both included: 279 and 321 hours are outside."""
        assert codes(self.run(140, h2)) == attendu

    def test_finding_is_a_warning_naming_the_range(self) -> None:
        """A warning at ``formations`` naming 279 h and 280 à 320 h."""
        [c] = self.run(140, 139)
        assert (c.niveau, c.chemin) == ("avertissement", "formations")
        assert "279 h" in c.message and "280 h à 320 h" in c.message

    def test_partial_parcours_is_not_checked(self) -> None:
        """A parcours covering D1 only (no minimum number of modules) has no hours range."""
        assert self.run(100, None, modules=("M1",)) == []

    def test_minimum_waits_for_the_end_of_the_training_maximum_does_not(self) -> None:
        """Mid-training (15/04/2020) 200 h is not yet too few; 400 h is already too many."""
        assert self.run(100, 100, as_of=day("2020-04-15")) == []
        assert codes(self.run(200, 200, as_of=day("2020-04-15"))) == ["heures_formation"]
        assert codes(self.run(100, 100, as_of=day("2020-05-01"))) == ["heures_formation"]

    def test_unknown_hours(self) -> None:
        """A module without hours: the total is unknown below the maximum, certain above it."""
        assert self.run(100, None) == []
        assert codes(self.run(330, None)) == ["heures_formation"]


MARS_2014 = day("2014-03-03")


class TestOrganismes:
    REF = referentiel(
        formation=formation_regles(
            organisme_agree=True, agrement_jusqua=day("2014-06-30"), organismes_agrees=("Centre A",)
        )
    )

    def run(
        self, debut: date = MARS_2014, ref: Referentiel | None = None, as_of: date = LATER, **f: object
    ) -> list[Constat]:
        return check_organismes(ref or self.REF, dossier(formations=(formation("M1", debut, **f),)), as_of)

    def test_body_not_agreed_is_an_error(self) -> None:
        """Training by a body that is not agreed (guide 2.3): error at the module's ``organisme``."""
        [c] = self.run(organisme="Centre B", organisme_agree=False)
        assert (c.code, c.niveau, c.chemin) == ("organisme_non_agree", "erreur", "formations[0].organisme")

    def test_agreed_by_the_dossier_or_by_the_list(self) -> None:
        """Agreed per the dossier, or listed in ``organismes_agrees``: nothing."""
        assert self.run(organisme="Centre B", organisme_agree=True) == []
        assert self.run(organisme="Centre A") == []
        assert codes(self.run(organisme="Centre B")) == ["organisme_non_agree"]

    def test_unknown_agreement(self) -> None:
        """No flag and no list: nothing can be said."""
        ref = referentiel(formation=formation_regles(organisme_agree=True))
        assert self.run(organisme="Centre B", ref=ref) == []

    @pytest.mark.parametrize(("debut", "niveau"), [(day("2014-06-30"), "erreur"), (day("2014-07-01"), "avertissement")])
    def test_after_the_end_of_the_agreement_only_a_warning(self, debut: date, niveau: str) -> None:
        """Agreement « délivré jusqu'à juin 2014 » (4.1): a module starting after it is only a warning."""
        [c] = self.run(debut, organisme="Centre B", organisme_agree=False)
        assert c.niveau == niveau

    @pytest.mark.parametrize(
        ("debut", "organisme", "attendu"),
        [
            (day("2014-06-30"), "Centre A", []),
            (day("2014-07-01"), "Centre A", [("organisme_non_agree", "avertissement")]),
            (day("2014-06-30"), "Centre B", [("organisme_non_agree", "erreur")]),
            (day("2014-07-01"), "Centre B", [("organisme_non_agree", "avertissement")]),
        ],
    )
    def test_the_list_agrees_only_until_the_end_of_the_agreement(
        self, debut: date, organisme: str, attendu: list[tuple[str, str]]
    ) -> None:
        """« L'agrément … a été délivré jusqu'à juin 2014 » (4.1): after it a listed body is no more agreed than an
        unlisted one; the module's start decides, not the as-of date (checked in 2030)."""
        found = self.run(debut, organisme=organisme)
        assert [(c.code, c.niveau) for c in found] == attendu
        if organisme == "Centre A" and found:
            assert "de la liste des organismes agréés" in found[0].message and "30/06/2014" in found[0].message
            assert found[0].valeurs["organisme_liste"] == "oui"

    @pytest.mark.parametrize("as_of", [day("2014-06-30"), day("2014-09-01"), day("2030-01-01")])
    def test_the_as_of_date_does_not_move_the_boundary(self, as_of: date) -> None:
        """A listed body for a module started on 30/06/2014 is agreed whatever the as-of date after it."""
        assert self.run(day("2014-06-30"), organisme="Centre A", as_of=as_of) == []

    def test_future_module_and_no_requirement(self) -> None:
        """A module after ``as_of``, or a référentiel without ``organisme_agree``: nothing."""
        assert self.run(as_of=day("2014-03-02"), organisme_agree=False) == []
        assert self.run(ref=referentiel(formation=formation_regles()), organisme_agree=False) == []


# ============================================================================ version in force
class TestVersionEnVigueur:
    """``version_hors_vigueur``: registered outside the period the named version is in force (both days inclusive)."""

    @staticmethod
    def ref(depuis: date | None = None, jusqua: date | None = None) -> Referentiel:
        base = referentiel()
        cert = attrs.evolve(base.certification, en_vigueur_depuis=depuis, en_vigueur_jusqua=jusqua)
        return attrs.evolve(base, certification=cert)

    @pytest.mark.parametrize(
        ("inscription", "attendu"),
        [(day("2021-12-31"), ["version_hors_vigueur"]), (day("2022-01-01"), []), (day("2021-06-01"), ["version_hors_vigueur"])],
    )
    def test_before_the_date_of_effect(self, inscription: date, attendu: list[str]) -> None:
        """A version in force from 01/01/2022: registered on 31/12/2021 it did not exist yet; on 01/01/2022 it did."""
        found = check_dossier(self.ref(depuis=day("2022-01-01")), dossier(inscription=inscription), LATER)
        assert [c.code for c in found if c.code == "version_hors_vigueur"] == attendu

    def test_finding_names_both_dates(self) -> None:
        """The error names the registration and the date of effect, at ``dossier.version``."""
        [c] = check_version(self.ref(depuis=day("2022-01-01")), dossier(inscription=day("2021-06-01")), LATER)
        assert (c.niveau, c.chemin, c.regle) == ("erreur", "dossier.version", "certification.en_vigueur_depuis")
        assert "01/06/2021" in c.message and "01/01/2022" in c.message and "n'existait pas encore" in c.message

    @pytest.mark.parametrize(("inscription", "attendu"), [(day("2021-12-31"), []), (day("2022-01-01"), ["erreur"])])
    def test_after_the_end(self, inscription: date, attendu: list[str]) -> None:
        """A version in force until 31/12/2021 (inclusive): registered on 01/01/2022 it had been replaced."""
        found = check_version(self.ref(jusqua=day("2021-12-31")), dossier(inscription=inscription), LATER)
        assert [c.niveau for c in found] == attendu
        assert all("31/12/2021" in c.message and "01/01/2022" in c.message for c in found)

    def test_undated_version_and_registration_to_come(self) -> None:
        """No dates given: nothing; a registration after the as-of date has not happened yet."""
        assert check_version(self.ref(), dossier(inscription=day("1990-01-01")), LATER) == []
        ref = self.ref(depuis=day("2022-01-01"))
        assert check_version(ref, dossier(inscription=day("2021-06-01")), day("2021-05-31")) == []


# ============================================================================ check_dossier
class TestCheckDossier:
    def test_all_rule_kinds_are_composed(self) -> None:
        """``check_dossier`` runs the nine rule kinds."""
        assert [f.__name__ for f in CHECKS] == [
            "check_premier_passage",
            "check_regles",
            "check_evaluateurs",
            "check_tutorat",
            "check_vae",
            "check_conditions_passage",
            "check_heures_formation",
            "check_organismes",
            "check_version",
        ]

    def test_a_dossier_breaking_several_rules(self) -> None:
        """Findings of several kinds are gathered in one list."""
        ref = attrs.evolve(
            REF_PASSAGE,
            tutorat=TUTORAT_MO,
            regles=(PREP,),
            modules=(*REF_PASSAGE.modules, module("prep")),
            epreuves=tuple(
                attrs.evolve(e, evaluateurs=FINALE.evaluateurs) if e.id == "finale-D1" else e
                for e in REF_PASSAGE.epreuves
            ),
        )
        dos = dossier(
            acteurs=(*ACTEURS, acteur("T9", tutores_simultanes=4, forme_le=day("2019-01-01"))),
            evaluations=(evaluation("finale-D1", day("2021-01-10"), "N1", verdict="maitrise"),),
            passages=(passage(JURY_LE, decisions={"D1": "acquis"}),),
        )
        assert set(codes(check_dossier(ref, dos, LATER))) == {
            PREP.id,
            "evaluateurs_nombre",
            "tuteur_charge_recommandee",
            "tuteur_charge_max",
            "passage_activites",
        }

    def test_sorted_by_chemin_with_numeric_indices_then_code(self) -> None:
        """evaluations[2] comes before evaluations[10]; at one chemin, codes are in order."""
        ref = referentiel(epreuves=(FINALE,))
        dos = dossier(
            acteurs=ACTEURS, evaluations=tuple(evaluation("finale-D1", day("2020-11-15"), "T1") for _ in range(12))
        )
        found = check_dossier(ref, dos, LATER)
        chemins = [c.chemin for c in found]
        assert chemins[:4] == ["evaluations[0].evaluateurs"] * 2 + ["evaluations[1].evaluateurs"] * 2
        assert chemins.index("evaluations[2].evaluateurs") < chemins.index("evaluations[10].evaluateurs")
        assert [c.code for c in found[:2]] == ["evaluateur_role_requis", "evaluateurs_nombre"]
        assert sort_constats(reversed(found)) == found

    def test_same_inputs_same_result(self) -> None:
        """Two calls give equal lists."""
        ref = referentiel(epreuves=(FINALE,), tutorat=TUTORAT_MO)
        dos = dossier(
            acteurs=(*ACTEURS, acteur("T9", tutores_simultanes=4)),
            evaluations=(evaluation("finale-D1", day("2020-11-15")),),
        )
        assert check_dossier(ref, dos, LATER) == check_dossier(ref, dos, LATER)

    def test_values_are_text(self) -> None:
        """``valeurs`` maps text to text, ready for ``cqpkit explain``."""
        ref = referentiel(epreuves=(FINALE,), tutorat=TUTORAT_MO, jury=jury(delai_premier_passage=P3Y))
        dos = dossier(
            inscription=day("2010-01-01"),
            acteurs=(acteur("T9", tutores_simultanes=4),),
            evaluations=(evaluation("finale-D1", day("2020-11-15")),),
        )
        found = check_dossier(ref, dos, LATER)
        assert found and all(isinstance(k, str) and isinstance(v, str) for c in found for k, v in c.valeurs.items())


# ============================================================================ the bundled référentiels
class TestSpecialistePrestations:
    """CQP Spécialiste prestations santé-prévoyance (Mutualité guide)."""

    ACTEURS = (acteur("N1", "n_plus_1"), acteur("T1", "tuteur"), acteur("F1", "formateur_interne"))

    def test_final_evaluation_with_one_evaluator(self) -> None:
        """« responsable hiérarchique et un autre évaluateur » (2.3, 2.4): the N+1 alone → evaluateurs_nombre."""
        ref = real(SPECIALISTE)
        dos = dossier(
            inscription=day("2013-03-04"),
            acteurs=self.ACTEURS,
            evaluations=(evaluation("finale-entreprise-D2", day("2013-11-15"), "N1", verdict="maitrise"),),
        )
        [c] = check_dossier(ref, dos, day("2013-12-01"))
        assert c.code == "evaluateurs_nombre"
        assert c.source is not None and c.source.section.startswith("Partie 1, 2.3 et 2.4")

    def test_final_evaluation_without_line_manager(self) -> None:
        """A tutor and an internal trainer without the line manager → evaluateur_role_requis."""
        dos = dossier(
            acteurs=self.ACTEURS, evaluations=(evaluation("finale-entreprise-D3", day("2013-11-15"), "T1", "F1"),)
        )
        assert codes(check_evaluateurs(real(SPECIALISTE), dos, LATER)) == ["evaluateur_role_requis"]

    @pytest.mark.parametrize(
        ("premier", "attendu"), [(day("2016-03-04"), []), (day("2016-03-05"), ["premier_passage_hors_delai"])]
    )
    def test_three_years_to_a_first_jury(self, premier: date, attendu: list[str]) -> None:
        """« le candidat dispose de 3 ans pour se présenter une 1re fois au jury » (2.1)."""
        dos = dossier(inscription=day("2013-03-04"), passages=(passage(premier),))
        assert codes(check_premier_passage(real(SPECIALISTE), dos, LATER)) == attendu

    @pytest.mark.parametrize(("fin", "attendu"), [(day("2015-05-15"), []), (day("2015-05-14"), ["vae_experience"])])
    def test_vae_three_years_within_twelve(self, fin: date, attendu: list[str]) -> None:
        """« au minimum de 3 ans sur les 12 dernières années » (3.3): 1 095 days from 16/05/2012 to 15/05/2015."""
        dos = dossier(
            voie="vae",
            inscription=day("2024-05-15"),
            experiences=(experience(day("2012-05-16"), fin, nature="benevole"),),
        )
        assert codes(check_vae(real(SPECIALISTE), dos, LATER)) == attendu

    def test_vae_file_documents(self) -> None:
        """The VAE file (3.2): CV, descriptif des postes, preuves, dossier VAE; with only the CV, three are missing."""
        dos = dossier(
            voie="vae",
            inscription=day("2014-01-06"),
            depot_dossier=day("2014-03-03"),
            documents=("cv",),
            experiences=(experience(day("2008-01-01"), None),),
        )
        assert sorted(c.valeurs["document"] for c in check_vae(real(SPECIALISTE), dos, LATER)) == [
            "descriptif-postes",
            "dossier-vae",
            "preuves",
        ]

    def test_ready_for_the_jury(self) -> None:
        """D1 presented after a positive final evaluation and « activités exercées : oui »: nothing; without them,
        a warning (final evaluation) and an error (activities)."""
        ref = real(SPECIALISTE)
        pret = dossier(
            mention="sante",
            acteurs=self.ACTEURS,
            evaluations=(
                evaluation("finale-entreprise-D1", day("2013-11-15"), "N1", "T1", verdict="maitrise"),
                evaluation("fiche-synthese", day("2013-12-01"), "N1", "T1", criteres={"D1-A": "oui"}),
            ),
            passages=(passage(day("2014-01-20"), decisions={"D1": "acquis"}),),
        )
        assert check_conditions_passage(ref, pret, LATER) == []
        pas_pret = attrs.evolve(pret, evaluations=())
        assert sorted(codes(check_conditions_passage(ref, pas_pret, LATER))) == [
            "passage_activites",
            "passage_evaluation_finale",
        ]

    @pytest.mark.parametrize(("heures", "attendu"), [(55.8, ["heures_formation"]), (56, [])])
    def test_280_hours_for_all_modules(self, heures: float, attendu: list[str]) -> None:
        """Five modules covering the five domaines: 5 × 56 = 280 h is the minimum; 5 × 55.8 = 279 h is below."""
        mods = ("M1-sante", "M2", "M3", "M4", "M5")
        dos = dossier(
            formations=tuple(formation(m, day("2013-04-01"), fin=day("2013-04-05"), heures=heures) for m in mods)
        )
        assert codes(check_heures_formation(real(SPECIALISTE), dos, LATER)) == attendu

    @pytest.mark.parametrize(
        ("debut", "niveau"),
        [(day("2014-06-30"), "erreur"), (day("2014-07-01"), "avertissement"), (day("2015-01-05"), "avertissement")],
    )
    def test_training_body_not_agreed(self, debut: date, niveau: str) -> None:
        """« délivrée par un organisme agréé par la CPNEFP » (2.3); « l'agrément … a été délivré jusqu'à juin 2014 »
        (4.1, encoded as 2014-06-30 inclusive): an error while agreements ran, a warning after (RULES.md: E / W)."""
        dos = dossier(formations=(formation("M2", debut, organisme="Centre X", organisme_agree=False),))
        assert [(c.code, c.niveau) for c in check_organismes(real(SPECIALISTE), dos, LATER)] == [
            ("organisme_non_agree", niveau)
        ]


class TestManagerOperationnel:
    """CQP Manager Opérationnel 2016 (tutorat letter of May 2017)."""

    @pytest.mark.parametrize(
        ("tutores", "attendu"),
        [(2, []), (3, ["tuteur_charge_recommandee"]), (4, ["tuteur_charge_max", "tuteur_charge_recommandee"])],
    )
    def test_tutor_load(self, tutores: int, attendu: list[str]) -> None:
        """« au maximum, deux managers » (V, a recommendation, note 3); « plus de trois salariés » is illegal
        (Code du travail D6324-5)."""
        dos = dossier(acteurs=(acteur("T1", tutores_simultanes=tutores),))
        assert sorted(codes(check_tutorat(real(MANAGER), dos, LATER))) == attendu

    @pytest.mark.parametrize(
        ("debut", "attendu"), [(day("2017-03-31"), ["tuteur_experience"]), (day("2017-04-01"), [])]
    )
    def test_two_years_of_management(self, debut: date, attendu: list[str]) -> None:
        """« pendant deux ans minimum » (III): manager since 01/04/2015, enough on 01/04/2017, not the day before."""
        dos = dossier(acteurs=(acteur("T1", management_depuis=day("2015-04-01"), mission_debut=debut),))
        assert codes(check_tutorat(real(MANAGER), dos, LATER)) == attendu

    def test_tutor_is_not_the_line_manager(self) -> None:
        """« un manager pair expérimenté, autre que le manager hiérarchique » (III)."""
        assert codes(check_tutorat(real(MANAGER), dossier(acteurs=(acteur("T1", "tuteur", "n_plus_1"),)), LATER)) == [
            "tuteur_n_plus_1"
        ]

    @pytest.mark.parametrize(
        ("forme_le", "attendu"),
        [
            (day("2017-02-06"), []),
            (day("2017-02-20"), ["tuteur_delai_formation"]),
            (day("2017-03-13"), ["tuteur_forme_apres"]),
        ],
    )
    def test_tutor_training_a_month_before(self, forme_le: date, attendu: list[str]) -> None:
        """« La formation des tuteurs démarre un mois avant le début de la formation des managers » (VII),
        « un préalable indispensable »: managers start 06/03/2017."""
        dos = dossier(acteurs=(acteur("T1", forme_le=forme_le),), formations=(formation("UP1", day("2017-03-06")),))
        assert codes(check_tutorat(real(MANAGER), dos, LATER)) == attendu


# ============================================================================ properties
DOCUMENT_IDS = ("cv", "doc1", "doc2", "autre")


@st.composite
def cases(draw: st.DrawFn) -> tuple[Referentiel, object, date]:
    """A valid référentiel (tests.strategies, plus tutoring, training, jury rules), a dossier using its ids, a date."""
    ref = draw(st.one_of(referentiels(), st.sampled_from([real(SPECIALISTE), real(MANAGER)])))
    dates_ = st.dates(min_value=date(1995, 1, 1), max_value=date(2035, 12, 31))
    maybe_date = st.none() | dates_
    durees = st.none() | st.builds(Duree, annees=st.integers(0, 3), mois=st.integers(0, 12), semaines=st.integers(0, 4))
    ref = attrs.evolve(
        ref,
        tutorat=draw(
            st.none()
            | st.builds(
                tutorat,
                experience_min=durees,
                pas_n_plus_1=st.booleans(),
                charge_recommandee=st.none() | st.integers(0, 4),
                charge_max=st.none() | st.integers(0, 5),
                formation_prealable=st.booleans(),
                formation_delai_min=durees,
                formation_delai_max=durees,
            )
        ),
        formation=draw(
            st.none()
            | st.builds(
                formation_regles,
                heures_min=st.none() | st.floats(0, 400),
                heures_max=st.none() | st.floats(0, 400),
                organisme_agree=st.booleans(),
                agrement_jusqua=maybe_date,
                organismes_agrees=st.lists(st.sampled_from(["A", "B"]), max_size=2).map(tuple),
            )
        ),
    )
    if ref.jury is not None:
        conds = draw(
            st.lists(
                st.sampled_from(["evaluation_finale_favorable", "activites_realisees", "modules_obligatoires"]),
                unique=True,
            )
        )
        ref = attrs.evolve(ref, jury=attrs.evolve(ref.jury, conditions_passage=tuple(conds)))
    dom_ids = [d.id for d in ref.domaines]
    mod_ids = [m.id for m in ref.modules] or ["M-inconnu"]
    inscription = draw(dates_)
    later = st.dates(min_value=inscription, max_value=date(2040, 12, 31))

    @st.composite
    def span(draw: st.DrawFn) -> tuple[date, date | None]:
        debut = draw(later)
        fin = draw(st.none() | st.dates(min_value=debut, max_value=date(2041, 12, 31)))
        return debut, fin

    n_acteurs = draw(st.integers(0, 4))
    acteur_ids = [f"A{i}" for i in range(n_acteurs)]
    acteurs = []
    for ident in acteur_ids:
        mission = draw(span())
        acteurs.append(
            acteur(
                ident,
                draw(st.sampled_from(ROLES)),
                *draw(st.lists(st.sampled_from(ROLES), max_size=2, unique=True)),
                management_depuis=draw(maybe_date),
                forme_le=draw(maybe_date),
                mission_debut=mission[0] if draw(st.booleans()) else None,
                mission_fin=mission[1],
                tutores_simultanes=draw(st.none() | st.integers(0, 6)),
            )
        )
    evaluations = []
    for _ in range(draw(st.integers(0, 4))):
        ep = draw(st.sampled_from(ref.epreuves)) if ref.epreuves else None
        values = [n.id for e in ref.echelles.values() for n in e.valeurs] or ["oui"]
        evaluations.append(
            evaluation(
                ep.id if ep else "E-inconnue",
                draw(later),
                *draw(st.lists(st.sampled_from(acteur_ids), max_size=3)) if acteur_ids else (),
                criteres={
                    c.id: draw(st.sampled_from(values)) for c in (ep.criteres if ep else ()) if draw(st.booleans())
                },
                verdict=draw(st.none() | st.sampled_from(values)),
            )
        )
    formations = []
    for _ in range(draw(st.integers(0, 5))):
        debut, fin = draw(span())
        formations.append(
            formation(
                draw(st.sampled_from(mod_ids)),
                debut,
                fin=fin,
                heures=draw(st.none() | st.floats(0, 200)),
                organisme=draw(st.sampled_from(["", "A", "C"])),
                organisme_agree=draw(st.none() | st.booleans()),
            )
        )
    experiences = []
    for _ in range(draw(st.integers(0, 4))):
        debut = draw(dates_)
        experiences.append(
            experience(
                debut,
                draw(st.none() | st.dates(min_value=debut, max_value=date(2040, 1, 1))),
                nature=draw(st.sampled_from(["salariee", "non_salariee", "benevole"])),
                pertinente=draw(st.booleans()),
            )
        )
    decision = st.sampled_from(["acquis", "non_acquis"])
    passages = tuple(
        passage(
            draw(later),
            draw(st.sampled_from(["S1", "S2"])),
            decisions=draw(st.dictionaries(st.sampled_from(dom_ids), decision)) if dom_ids else {},
            absent=draw(st.booleans()),
        )
        for _ in range(draw(st.integers(0, 3)))
    )
    activites = tuple(
        activite(
            f"a{i}",
            draw(later),
            domaine=draw(st.none() | st.sampled_from(dom_ids)) if dom_ids else None,
            module=draw(st.none() | st.sampled_from(mod_ids)),
            realisee=draw(st.booleans()),
        )
        for i in range(draw(st.integers(0, 3)))
    )
    voies = [v.id for v in ref.voies] or ["formation"]
    dos = dossier(
        voie=draw(st.sampled_from([*voies, "vae"])),
        inscription=inscription,
        mention=draw(st.none() | st.sampled_from(ref.certification.mentions)) if ref.certification.mentions else None,
        nomination=draw(maybe_date),
        depot_dossier=draw(st.none() | later),
        acteurs=tuple(acteurs),
        experiences=tuple(experiences),
        documents=tuple(draw(st.lists(st.sampled_from(DOCUMENT_IDS), unique=True))),
        formations=tuple(formations),
        activites=activites,
        evaluations=tuple(evaluations),
        passages=passages,
    )
    return ref, dos, draw(dates_)


class TestProperties:
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(cases())
    def test_check_dossier_is_deterministic_sorted_and_never_raises(self, case: tuple) -> None:
        """On generated valid dossiers, two calls agree, the list is sorted and every finding is well formed."""
        ref, dos, as_of = case
        first = check_dossier(ref, dos, as_of)
        assert check_dossier(ref, dos, as_of) == first
        assert sort_constats(first) == first
        for c in first:
            assert c.niveau in NIVEAUX and c.code and c.message and c.chemin and c.regle
            assert all(isinstance(k, str) and isinstance(v, str) for k, v in c.valeurs.items())

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(cases())
    def test_nothing_is_reported_before_registration(self, case: tuple) -> None:
        """As of the day before registration nothing has happened: no dated rule can be broken, only undated facts
        (tutor load and roles, evaluations' and modules' own dates aside) may be reported."""
        ref, dos, _ = case
        before = date.fromordinal(dos.dossier.inscription.toordinal() - 1)
        undated = {"tuteur_charge_recommandee", "tuteur_charge_max", "tuteur_n_plus_1"}
        assert {c.code for c in check_dossier(ref, dos, before)} <= undated


class TestPropertiesSharedStrategy:
    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.data())
    def test_check_dossier_on_the_projects_valid_dossiers(self, data: st.DataObject) -> None:
        """On tests.strategies_dossiers dossiers (valid against their référentiel) the result is stable and sorted."""
        ref = data.draw(st.one_of(referentiels(), st.sampled_from([real(SPECIALISTE), real(MANAGER)])))
        dos = data.draw(dossiers(ref))
        as_of = data.draw(st.dates(min_value=date(1995, 1, 1), max_value=date(2040, 12, 31)))
        first = check_dossier(ref, dos, as_of)
        assert check_dossier(ref, dos, as_of) == first == sort_constats(first)


class TestAdmittedRolesAndMandatoryModules:
    """`roles_admis` restricts who may evaluate; `modules_obligatoires` requires the mandatory modules before a jury."""

    def test_role_not_admitted(self) -> None:
        """With roles_admis = tuteur / formateur de suivi, an evaluation by the N+1 is refused, by the tutor accepted."""
        from cqpkit.rules.checks import check_evaluateurs

        ref = referentiel(epreuves=(epreuve("formative-D1", "formative", evaluateurs={"roles_admis": ("tuteur", "formateur_suivi")}),))
        acteurs = (acteur("T1", "tuteur"), acteur("N1", "n_plus_1"))
        bad = dossier(acteurs=acteurs, evaluations=(evaluation("formative-D1", day("2020-11-15"), "N1"),))
        good = dossier(acteurs=acteurs, evaluations=(evaluation("formative-D1", day("2020-11-15"), "T1"),))
        [c] = check_evaluateurs(ref, bad, day("2021-01-01"))
        assert (c.code, c.valeurs["evaluateur"]) == ("evaluateur_role_non_admis", "N1")
        assert check_evaluateurs(ref, good, day("2021-01-01")) == []

    def test_mandatory_module_before_each_passage(self) -> None:
        """CQP MO (architecture, 3): both collective modules are mandatory to present oneself: one missing is an error."""
        from cqpkit.rules.checks import check_conditions_passage

        ref = referentiel(
            modules=(module("analyser", obligatoire=True), module("preparer", obligatoire=True), module("UP1")),
            jury=jury(conditions_passage=("modules_obligatoires",)),
        )
        jury_day = day("2021-06-15")
        one = dossier(formations=(formation("analyser", day("2021-01-10")),), passages=(passage(jury_day),))
        both = dossier(
            formations=(formation("analyser", day("2021-01-10")), formation("preparer", jury_day)),
            passages=(passage(jury_day),),
        )
        late = dossier(
            formations=(formation("analyser", day("2021-01-10")), formation("preparer", day("2021-06-16"))),
            passages=(passage(jury_day),),
        )
        [c] = check_conditions_passage(ref, one, day("2021-12-31"))
        assert (c.code, c.niveau, c.valeurs["module"], c.chemin) == ("passage_modules_obligatoires", "erreur", "preparer", "passages[0]")
        assert check_conditions_passage(ref, both, day("2021-12-31")) == []  # followed on the day of the jury: counts
        assert [x.valeurs["module"] for x in check_conditions_passage(ref, late, day("2021-12-31"))] == ["preparer"]


class TestCitedSources:
    """A finding cites the section that states its rule (Source.cles), not just the table's first source."""

    def test_tutor_load_cites_section_v(self) -> None:
        """« au maximum, deux managers » is in section V of the tutoring letter."""
        dos = dossier(acteurs=(acteur("T1", tutores_simultanes=3),))
        [c] = check_tutorat(real(MANAGER), dos, LATER)
        assert c.code == "tuteur_charge_recommandee"
        assert c.source is not None and c.source.section.startswith("V - Mise en œuvre de la fonction tutorale")

    def test_first_jury_deadline_cites_2_1(self) -> None:
        """« 3 ans pour se présenter une 1re fois au jury » is in Partie 1, 2.1 of the Mutualité guide."""
        from cqpkit.rules.checks import check_premier_passage

        dos = dossier(certification="mutualite.specialiste-prestations", version="2014", inscription=day("2013-03-04"))
        [c] = check_premier_passage(real(SPECIALISTE), dos, day("2016-03-05"))
        assert c.source is not None and c.source.section == "Partie 1, 2.1 Modalités d'inscription"

    def test_source_for_order(self) -> None:
        """A source naming the key wins; else the first naming no key; else the first."""
        from cqpkit.model import Source
        from cqpkit.rules.sources import source_for

        general = Source(document="g")
        a = Source(document="a", cles=("x",))
        b = Source(document="b", cles=("y",))
        assert source_for((a, general, b), "y") is b
        assert source_for((a, general, b), "z") is general
        assert source_for((a, b), "z") is a
        assert source_for((), "z") is None
