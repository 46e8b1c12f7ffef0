"""The acquisition ledger (:func:`cqpkit.rules.decision.decide`).

Expected values come from the Mutualité guide (seeds/mutualite_cqp_guide-et-outils-specialiste-prestations.txt):
the jury awards the CQP in full or in part, per domaine, the CQP only when every domaine is acquired, and
partially awarded domaines are valid 5 years (Partie 1, 2.5 and 3.5); the jury is sovereign (2.5); the
candidate goes to the jury only when the final evaluation is positive (livret d'évaluation finale, mode
d'emploi). "Valid 5 years" is the DESIGN semantic: acquired 2014-01-20, valid through 2019-01-19.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from cqpkit.formats.referentiels import load_referentiel
from cqpkit.model import (
    Candidat,
    Certification,
    Domaine,
    Dossier,
    DossierInfo,
    Duree,
    Evaluation,
    PassageJury,
    Referentiel,
    RegleJury,
    Source,
)
from cqpkit.rules.decision import STATUTS, decide, favourable_final_evaluation, is_training_route

ROOT = Path(__file__).resolve().parent.parent
MUTUALITE = ROOT / "plugins/mutualite/cqpkit_mutualite/referentiels/specialiste-prestations-2014.toml"
CQP_MO = ROOT / "plugins/cqp_mo/cqpkit_cqp_mo/referentiels/manager-operationnel-2016.toml"
GUIDE = "mutualite_cqp_guide-et-outils-specialiste-prestations.txt"
ALL = ("D1", "D2", "D3", "D4", "D5")


@pytest.fixture(scope="module")
def mutualite() -> Referentiel:
    return load_referentiel(MUTUALITE)


def passage(day: date, session: str = "S", absent: bool = False, excuse: bool = False, **decisions: str) -> PassageJury:
    return PassageJury(session=session, date=day, decisions=decisions, absent=absent, excuse=excuse)


def acquis(*ids: str) -> dict[str, str]:
    return dict.fromkeys(ids, "acquis")


def dossier(*passages: PassageJury, voie: str = "vae", evaluations: tuple[Evaluation, ...] = ()) -> Dossier:
    return Dossier(
        dossier=DossierInfo(
            id="OEMM-2014-0042",
            certification="mutualite.specialiste-prestations",
            version="2014",
            voie=voie,
            inscription=date(2013, 3, 4),
            mention="sante",
        ),
        candidat=Candidat(id="C-0042"),
        evaluations=evaluations,
        passages=passages,
    )


def small_referentiel(validite: str | None = "P5Y", jury: bool = True, domaines: int = 3) -> Referentiel:
    src = Source(document=GUIDE, section="Partie 1, 2.5 Évaluation et validation par le jury final")
    return Referentiel(
        certification=Certification(
            id="essai.cqp",
            intitule="CQP d'essai",
            branche="essai",
            certificateur="CPNEFP d'essai",
            version="1",
            sources=(Source(document=GUIDE, section="Partie 1, 1.3"),),
        ),
        domaines=tuple(Domaine(id=f"D{i}", intitule=f"Domaine {i}") for i in range(1, domaines + 1)),
        jury=RegleJury(validite_acquis_partiels=Duree.parse(validite) if validite else None, sources=(src,))
        if jury
        else None,
    )


def ids(acqs) -> tuple[str, ...]:
    return tuple(a.domaine for a in acqs)


# First jury (2014-01-20): D1, D2, D4, D5 acquired, D3 not (the DESIGN example dossier).
FIRST = passage(date(2014, 1, 20), "OEMM-JURY-2014-01", **acquis("D1", "D2", "D4", "D5"), D3="non_acquis")


class TestValidityBoundary:
    def test_completion_on_the_last_valid_day_certifies(self, mutualite):
        """D3 acquired on 2019-01-19, the last day of the 2014-01-20 acquisitions: every domaine is valid, certified."""
        res = decide(mutualite, dossier(FIRST, passage(date(2019, 1, 19), "J2", **acquis("D3"))), date(2019, 6, 1))
        assert res.statut == "certifie"
        assert res.date_certification == date(2019, 1, 19)
        assert ids(res.acquis) == ALL
        assert res.restants == ()
        assert res.expires == ()

    def test_completion_the_day_after_does_not_certify(self, mutualite):
        """D3 acquired on 2019-01-20: the four domaines of 2014 expired the day before; partial, expired ones listed."""
        res = decide(mutualite, dossier(FIRST, passage(date(2019, 1, 20), "J2", **acquis("D3"))), date(2019, 6, 1))
        assert res.statut == "partiel"
        assert res.date_certification is None
        assert ids(res.acquis) == ("D3",)
        assert ids(res.expires) == ("D1", "D2", "D4", "D5")
        assert res.restants == ("D1", "D2", "D4", "D5")
        assert res.acquis[0].valide_jusqua == date(2024, 1, 19)

    def test_partial_acquisition_valid_through_the_day_before_the_fifth_anniversary(self, mutualite):
        """Acquired 2014-01-20 for P5Y: valide_jusqua is 2019-01-19."""
        res = decide(mutualite, dossier(FIRST), date(2014, 2, 1))
        assert [a.valide_jusqua for a in res.acquis] == [date(2019, 1, 19)] * 4

    def test_as_of_the_last_valid_day_still_partial(self, mutualite):
        """As of 2019-01-19 the four acquisitions still hold: partial, D3 remaining."""
        res = decide(mutualite, dossier(FIRST), date(2019, 1, 19))
        assert res.statut == "partiel"
        assert ids(res.acquis) == ("D1", "D2", "D4", "D5")
        assert res.restants == ("D3",)

    def test_as_of_the_next_day_expired(self, mutualite):
        """As of 2019-01-20 every acquisition has expired: status expire, all five remaining."""
        res = decide(mutualite, dossier(FIRST), date(2019, 1, 20))
        assert res.statut == "expire"
        assert res.acquis == ()
        assert ids(res.expires) == ("D1", "D2", "D4", "D5")
        assert res.restants == ALL

    def test_reacquiring_an_expired_domaine_renews_it(self, mutualite):
        """D1 re-acquired in 2019 is valid five more years and leaves the expired list; certified when all are back."""
        d = dossier(
            FIRST,
            passage(date(2019, 3, 1), "J2", **acquis("D1", "D2", "D3")),
            passage(date(2019, 9, 1), "J3", **acquis("D4", "D5")),
        )
        mid = decide(mutualite, d, date(2019, 4, 1))
        assert ids(mid.acquis) == ("D1", "D2", "D3")
        assert mid.acquis[0].date == date(2019, 3, 1)
        assert mid.acquis[0].valide_jusqua == date(2024, 2, 29)
        assert ids(mid.expires) == ("D4", "D5")
        end = decide(mutualite, d, date(2019, 9, 1))
        assert end.statut == "certifie"
        assert end.date_certification == date(2019, 9, 1)


class TestFullAward:
    def test_one_jury_awards_everything(self, mutualite):
        """Every domaine acquired at one passage: certified on that date, no expiry, nothing remaining."""
        res = decide(mutualite, dossier(passage(date(2014, 1, 20), "J1", **acquis(*ALL))), date(2014, 1, 20))
        assert res.statut == "certifie"
        assert res.date_certification == date(2014, 1, 20)
        assert ids(res.acquis) == ALL
        assert all(a.valide_jusqua is None for a in res.acquis)
        assert all(a.session == "J1" for a in res.acquis)

    def test_certified_acquisitions_no_longer_expire(self, mutualite):
        """Twenty years later the certification still holds."""
        res = decide(mutualite, dossier(passage(date(2014, 1, 20), **acquis(*ALL))), date(2034, 1, 20))
        assert res.statut == "certifie"
        assert res.expires == ()

    def test_result_identifies_dossier_and_referentiel(self, mutualite):
        """dossier, certification, version and date are those given; source is the jury's first source."""
        res = decide(mutualite, dossier(), date(2014, 1, 1))
        assert (res.dossier, res.certification, res.version, res.date) == (
            "OEMM-2014-0042",
            "mutualite.specialiste-prestations",
            "2014",
            date(2014, 1, 1),
        )
        # « les domaines de compétences obtenus ont une validité de 5 ans » : Partie 1, 2.5.
        assert res.source is not None and res.source.section == "Partie 1, 2.5 Évaluation et validation par le jury final"


class TestPartialThenCompletion:
    def test_partial_after_the_first_jury(self, mutualite):
        """After the first jury: partial, D3 remaining."""
        res = decide(mutualite, dossier(FIRST), date(2014, 6, 1))
        assert res.statut == "partiel"
        assert res.restants == ("D3",)
        assert res.date_certification is None

    def test_completion_at_the_second_jury(self, mutualite):
        """D3 acquired in 2015: certified on the second jury's date; earlier acquisitions keep their dates."""
        res = decide(mutualite, dossier(FIRST, passage(date(2015, 1, 19), "J2", **acquis("D3"))), date(2015, 2, 1))
        assert res.statut == "certifie"
        assert res.date_certification == date(2015, 1, 19)
        assert [a.date for a in res.acquis] == [date(2014, 1, 20)] * 2 + [date(2015, 1, 19)] + [date(2014, 1, 20)] * 2

    def test_passages_are_taken_in_date_order(self, mutualite):
        """The dossier may list passages in any order; the ledger follows the dates."""
        d = dossier(passage(date(2015, 1, 19), "J2", **acquis("D3")), FIRST)
        res = decide(mutualite, d, date(2015, 2, 1))
        assert res.date_certification == date(2015, 1, 19)

    def test_non_acquis_does_not_withdraw_an_acquisition(self, mutualite):
        """A later "non_acquis" on an acquired domaine does not take the award back."""
        d = dossier(FIRST, passage(date(2015, 1, 19), "J2", D1="non_acquis", D3="non_acquis"))
        res = decide(mutualite, d, date(2015, 2, 1))
        assert ids(res.acquis) == ("D1", "D2", "D4", "D5")
        assert res.acquis[0].date == date(2014, 1, 20)


class TestPassageAfterCertification:
    def test_later_passage_is_an_error_and_decides_nothing(self, mutualite):
        """A passage after the award: error passage_apres_certification on that passage; the result is unchanged."""
        full = passage(date(2014, 1, 20), "J1", **acquis(*ALL))
        later = passage(date(2015, 1, 19), "J2", D1="acquis")
        res = decide(mutualite, dossier(full, later), date(2016, 1, 1))
        assert res.statut == "certifie"
        assert res.date_certification == date(2014, 1, 20)
        assert [a.date for a in res.acquis] == [date(2014, 1, 20)] * 5
        [c] = res.constats
        assert (c.code, c.niveau, c.chemin) == ("passage_apres_certification", "erreur", "passages[1]")
        assert "19/01/2015" in c.message and "20/01/2014" in c.message
        assert c.valeurs["date_certification"] == "2014-01-20"

    def test_passage_after_as_of_is_not_yet_an_error(self, mutualite):
        """The later passage has not happened as of the date: no finding."""
        d = dossier(passage(date(2014, 1, 20), **acquis(*ALL)), passage(date(2015, 1, 19), D1="acquis"))
        assert decide(mutualite, d, date(2014, 12, 31)).constats == ()

    def test_absent_passage_after_certification_is_not_an_error(self, mutualite):
        """An absent candidate did not pass in front of the jury."""
        d = dossier(passage(date(2014, 1, 20), **acquis(*ALL)), passage(date(2015, 1, 19), absent=True))
        assert decide(mutualite, d, date(2016, 1, 1)).constats == ()


class TestAbsentPassage:
    @pytest.mark.parametrize("flag", ["absent", "excuse"])
    def test_absent_or_excused_decides_nothing(self, mutualite, flag):
        """Decisions recorded on an absent or excused passage are not applied; no attended passage: en_cours."""
        res = decide(mutualite, dossier(passage(date(2014, 1, 20), **{flag: True}, **acquis(*ALL))), date(2014, 6, 1))
        assert res.statut == "en_cours"
        assert res.acquis == ()
        assert res.restants == ALL

    def test_absent_after_a_partial_changes_nothing(self, mutualite):
        """A partial award followed by an absence: still partial with the same acquisitions."""
        res = decide(mutualite, dossier(FIRST, passage(date(2015, 1, 19), absent=True, D3="acquis")), date(2015, 2, 1))
        assert res.statut == "partiel"
        assert res.restants == ("D3",)


class TestStatus:
    def test_no_passage_is_en_cours(self, mutualite):
        """No passage yet: en_cours, every domaine remaining."""
        res = decide(mutualite, dossier(), date(2014, 1, 1))
        assert (res.statut, res.restants) == ("en_cours", ALL)

    def test_passage_after_as_of_is_ignored(self, mutualite):
        """A passage dated after as_of has not happened yet."""
        res = decide(mutualite, dossier(FIRST), date(2014, 1, 19))
        assert res.statut == "en_cours"

    def test_passage_with_nothing_acquired_is_non_acquis(self, mutualite):
        """Passages but no acquisition: non_acquis."""
        res = decide(
            mutualite, dossier(passage(date(2014, 1, 20), **dict.fromkeys(ALL, "non_acquis"))), date(2014, 2, 1)
        )
        assert res.statut == "non_acquis"
        assert res.restants == ALL

    def test_status_order_constant(self):
        """STATUTS lists the statuses from the least to the most advanced."""
        assert STATUTS == ("en_cours", "non_acquis", "expire", "partiel", "certifie")

    def test_without_validity_acquisitions_never_expire(self):
        """A référentiel that gives no validity: partial acquisitions have no end."""
        ref = small_referentiel(validite=None)
        res = decide(ref, dossier(passage(date(2000, 1, 1), D1="acquis")), date(2040, 1, 1))
        assert res.statut == "partiel"
        assert res.acquis[0].valide_jusqua is None

    def test_without_jury_table_source_falls_back_to_certification(self):
        """No [jury]: acquisitions never expire and the result cites the certification's first source."""
        ref = small_referentiel(jury=False)
        res = decide(ref, dossier(passage(date(2000, 1, 1), D1="acquis")), date(2040, 1, 1))
        assert res.acquis[0].valide_jusqua is None
        assert res.source == ref.certification.sources[0]

    def test_validity_taken_from_the_referentiel(self):
        """A one-year validity: acquired 2012-02-29, valid through 2013-02-27 (anniversary on 28 Feb)."""
        ref = small_referentiel(validite="P1Y")
        d = dossier(passage(date(2012, 2, 29), D1="acquis"))
        assert decide(ref, d, date(2013, 2, 27)).statut == "partiel"
        assert decide(ref, d, date(2013, 2, 28)).statut == "expire"


def without_domaines() -> Referentiel:
    """A référentiel like the four incomplete Mutualité CQPs: complet = false, no [[domaines]], the branch jury."""
    return Referentiel(
        certification=Certification(
            id="mutualite.teleconseiller",
            intitule="CQP Téléconseiller",
            branche="mutualite",
            certificateur="CPNEFP de la Mutualité",
            version="2014",
            complet=False,
            sources=(Source(document=GUIDE, section="Partie 1, 1.3"),),
        ),
        jury=small_referentiel().jury,
    )


def whole(day: date, decision: str, session: str = "S", **more: str) -> PassageJury:
    return PassageJury(session=session, date=day, decisions={"certification": decision, **more})


class TestWholeCertification:
    """Guide, Partie 1, 2.5: « le jury délivrera en totalité ou en partie le CQP (par domaines de compétences) »;
    without domaines, only « en totalité » can be recorded (decisions.certification)."""

    def test_whole_acquis_certifies_on_the_jury_date(self):
        """certification = acquis at the 2014-06-16 jury: certified that day; no domaine listed, no finding."""
        res = decide(without_domaines(), dossier(whole(date(2014, 6, 16), "acquis")), date(2014, 7, 1))
        assert (res.statut, res.date_certification) == ("certifie", date(2014, 6, 16))
        assert res.acquis == () and res.expires == () and res.restants == ()
        assert res.constats == ()

    def test_as_of_the_day_before_the_jury_nothing_has_happened(self):
        """As of 2014-06-15 the 2014-06-16 passage has not happened: en_cours, domaine_non_defini as information."""
        res = decide(without_domaines(), dossier(whole(date(2014, 6, 16), "acquis")), date(2014, 6, 15))
        assert (res.statut, res.date_certification) == ("en_cours", None)
        assert [(c.code, c.niveau) for c in res.constats] == [("domaine_non_defini", "information")]
        on_the_day = decide(without_domaines(), dossier(whole(date(2014, 6, 16), "acquis")), date(2014, 6, 16))
        assert (on_the_day.statut, on_the_day.date_certification) == ("certifie", date(2014, 6, 16))

    def test_whole_non_acquis_is_a_failure_then_a_later_jury_certifies(self):
        """non_acquis in 2014 → status non_acquis; acquis at a second jury in 2015 → certified on that date."""
        first = whole(date(2014, 6, 16), "non_acquis", "J1")
        res = decide(without_domaines(), dossier(first), date(2014, 7, 1))
        assert (res.statut, res.date_certification, res.constats) == ("non_acquis", None, ())
        later = decide(without_domaines(), dossier(first, whole(date(2015, 6, 15), "acquis", "J2")), date(2015, 7, 1))
        assert (later.statut, later.date_certification) == ("certifie", date(2015, 6, 15))

    def test_passage_after_certification_is_an_error_and_not_applied(self):
        """A non_acquis after the certifying jury changes nothing: passage_apres_certification."""
        d = dossier(whole(date(2014, 6, 16), "acquis", "J1"), whole(date(2014, 12, 10), "non_acquis", "J2"))
        res = decide(without_domaines(), d, date(2015, 1, 15))
        assert (res.statut, res.date_certification) == ("certifie", date(2014, 6, 16))
        [c] = res.constats
        assert (c.code, c.niveau, c.chemin) == ("passage_apres_certification", "erreur", "passages[1]")

    def test_absent_passage_decides_nothing(self):
        """An absent candidate's passage decides nothing, whatever it records."""
        d = dossier(PassageJury(session="S", date=date(2014, 6, 16), decisions={"certification": "acquis"}, absent=True))
        res = decide(without_domaines(), d, date(2014, 7, 1))
        assert res.statut == "en_cours"
        assert [(c.code, c.niveau) for c in res.constats] == [("domaine_non_defini", "information")]

    def test_passage_without_a_whole_decision_cannot_be_decided(self):
        """Attended, no decision at all: domaine_non_defini error, status en_cours, nothing acquired."""
        ref = without_domaines()
        res = decide(ref, dossier(passage(date(2014, 1, 20))), date(2014, 6, 1))
        assert (res.statut, res.acquis, res.restants) == ("en_cours", (), ())
        [c] = res.constats
        assert (c.code, c.niveau) == ("domaine_non_defini", "erreur")
        assert "CQP Téléconseiller" in c.message and "complet = false" in c.message
        assert "certification entière" in c.message
        assert c.source == ref.certification.sources[0]

    def test_domaine_decisions_are_refused_a_partial_award_is_impossible(self):
        """D1..D5 acquis on a référentiel without domaines: each refused (not applied), and no whole decision."""
        res = decide(without_domaines(), dossier(passage(date(2014, 1, 20), **acquis(*ALL))), date(2014, 6, 1))
        assert res.statut == "en_cours"
        codes = [(c.code, c.chemin) for c in res.constats]
        assert codes == [("decision_domaine_inconnu", f"passages[0].decisions.{d}") for d in ALL] + [
            ("domaine_non_defini", "passages")
        ]
        assert "délivrance partielle" in res.constats[0].message

    def test_whole_and_domaine_decisions_in_one_passage(self):
        """certification = acquis with D1 = acquis: the domaine decision is refused, the whole one applies."""
        res = decide(without_domaines(), dossier(whole(date(2014, 6, 16), "acquis", D1="acquis")), date(2014, 7, 1))
        assert res.statut == "certifie"
        assert [(c.code, c.chemin) for c in res.constats] == [("decision_domaine_inconnu", "passages[0].decisions.D1")]

    def test_whole_decision_where_domaines_exist_is_refused(self):
        """A référentiel with domaines: certification = acquis is an error and certifies nothing."""
        ref = small_referentiel()
        res = decide(ref, dossier(whole(date(2014, 1, 20), "acquis", D1="acquis")), date(2014, 6, 1))
        assert (res.statut, ids(res.acquis)) == ("partiel", ("D1",))
        [c] = res.constats
        assert (c.code, c.niveau, c.chemin) == ("decision_certification_entiere", "erreur", "passages[0].decisions.certification")
        assert "D1, D2, D3" in c.message

class TestUnknownDomaine:
    def test_unknown_domaine_is_an_error_and_not_applied(self):
        """A decision on D9, which the référentiel does not define: error, ignored; the others apply."""
        ref = small_referentiel()
        res = decide(ref, dossier(passage(date(2014, 1, 20), D1="acquis", D9="acquis")), date(2014, 6, 1))
        assert ids(res.acquis) == ("D1",)
        [c] = res.constats
        assert (c.code, c.niveau, c.chemin) == ("decision_domaine_inconnu", "erreur", "passages[0].decisions.D9")
        assert "D9" in c.message and "D1, D2, D3" in c.message


def final_evaluation(
    domaine: str, day: date, verdict: str | None = "maitrise", epreuve: str | None = None
) -> Evaluation:
    return Evaluation(
        epreuve=epreuve or f"finale-entreprise-{domaine}", date=day, evaluateurs=("P-01", "P-03"), verdict=verdict
    )


class TestDecisionContraire:
    def test_acquis_without_final_evaluation_is_flagged_but_recorded(self, mutualite):
        """Training route, no final evaluation: a warning per acquired domaine; the jury's decision stands."""
        d = dossier(passage(date(2014, 1, 20), D1="acquis"), voie="formation")
        res = decide(mutualite, d, date(2014, 2, 1))
        assert ids(res.acquis) == ("D1",)
        [c] = res.constats
        assert (c.code, c.niveau, c.chemin) == ("decision_contraire", "avertissement", "passages[0].decisions.D1")
        assert "souverain" in c.message

    def test_favourable_final_evaluation_supports_the_decision(self, mutualite):
        """« Le domaine est maîtrisé » on or before the passage: no warning."""
        d = dossier(
            passage(date(2014, 1, 20), D1="acquis"),
            voie="formation",
            evaluations=(final_evaluation("D1", date(2014, 1, 20)),),
        )
        assert decide(mutualite, d, date(2014, 2, 1)).constats == ()

    def test_unfavourable_verdict_does_not_support(self, mutualite):
        """« N'est pas totalement maîtrisé » is not a favourable value of the verdict échelle."""
        d = dossier(
            passage(date(2014, 1, 20), D1="acquis"),
            voie="formation",
            evaluations=(final_evaluation("D1", date(2013, 11, 15), "pas_totalement_maitrise"),),
        )
        assert [c.code for c in decide(mutualite, d, date(2014, 2, 1)).constats] == ["decision_contraire"]

    def test_evaluation_after_the_passage_does_not_support(self, mutualite):
        """A favourable evaluation dated the day after the jury does not count for that jury."""
        d = dossier(
            passage(date(2014, 1, 20), D1="acquis"),
            voie="formation",
            evaluations=(final_evaluation("D1", date(2014, 1, 21)),),
        )
        assert [c.code for c in decide(mutualite, d, date(2014, 2, 1)).constats] == ["decision_contraire"]

    def test_each_passage_is_read_against_the_evaluations_before_it(self, mutualite):
        """Unfavourable in November, favourable in March: the January jury is flagged, the April jury is not."""
        d = dossier(
            passage(date(2014, 1, 20), D1="acquis", session="J1"),
            passage(date(2014, 4, 14), D2="acquis", session="J2"),
            voie="formation",
            evaluations=(
                final_evaluation("D1", date(2013, 11, 15), "pas_totalement_maitrise"),
                final_evaluation("D2", date(2014, 3, 10)),
                final_evaluation("D1", date(2014, 3, 10)),
            ),
        )
        res = decide(mutualite, d, date(2014, 5, 1))
        assert [c.chemin for c in res.constats] == ["passages[0].decisions.D1"]
        assert favourable_final_evaluation(mutualite, d, "D1", date(2014, 3, 10))
        assert not favourable_final_evaluation(mutualite, d, "D1", date(2014, 3, 9))

    def test_epreuves_by_id_keep_the_file_order_and_are_read_only(self, mutualite):
        index = mutualite.epreuves_par_id
        assert list(index) == [e.id for e in mutualite.epreuves]
        assert index["finale-entreprise-D1"] is mutualite.epreuve("finale-entreprise-D1")
        assert mutualite.epreuves_par_id is index  # built once
        with pytest.raises(TypeError):
            index["x"] = None  # type: ignore[index]

    def test_evaluation_of_another_domaine_does_not_support(self, mutualite):
        """A favourable final evaluation of D2 says nothing of D1."""
        d = dossier(
            passage(date(2014, 1, 20), D1="acquis"),
            voie="formation",
            evaluations=(final_evaluation("D2", date(2013, 11, 15)),),
        )
        assert [c.chemin for c in decide(mutualite, d, date(2014, 2, 1)).constats] == ["passages[0].decisions.D1"]

    def test_epreuve_without_verdict_cannot_be_favourable(self, mutualite):
        """The D1 « découverte » grid has no verdict échelle: it cannot support the decision."""
        ev = final_evaluation("D1", date(2013, 11, 15), "maitrise", epreuve="finale-entreprise-D1-decouverte")
        assert not favourable_final_evaluation(mutualite, dossier(evaluations=(ev,)), "D1", date(2014, 1, 20))

    def test_vae_route_is_not_flagged(self, mutualite):
        """On the VAE route there is no final in-company evaluation to expect."""
        d = dossier(passage(date(2014, 1, 20), D1="acquis"), voie="vae")
        assert decide(mutualite, d, date(2014, 2, 1)).constats == ()

    def test_non_acquis_is_never_flagged(self, mutualite):
        """Only an "acquis" can be contrary to the rules."""
        d = dossier(passage(date(2014, 1, 20), D1="non_acquis"), voie="formation")
        assert decide(mutualite, d, date(2014, 2, 1)).constats == ()

    def test_no_condition_in_the_jury_table_no_check(self):
        """A référentiel whose jury does not require a favourable final evaluation: nothing to flag."""
        d = dossier(passage(date(2014, 1, 20), D1="acquis"), voie="formation")
        assert decide(small_referentiel(), d, date(2014, 2, 1)).constats == ()

    def test_training_routes(self, mutualite):
        """« formation » is a training route; « vae » (with an experience condition) is not."""
        assert is_training_route(mutualite, "formation")
        assert not is_training_route(mutualite, "vae")


class TestBundledCqpMo:
    def test_cqp_mo_without_jury_table_decides_without_expiry(self):
        """The CQP MO 2016 file has domaine titles but no [jury]: acquisitions are recorded without an end date."""
        ref = load_referentiel(CQP_MO)
        d = dossier(passage(date(2018, 3, 1), D1="acquis", D2="acquis"), voie="parcours-integral")
        res = decide(ref, d, date(2030, 1, 1))
        assert res.statut == "partiel"
        assert res.restants == ("D3", "D4", "D5")
        assert res.constats == ()
