"""Tests of cqpkit.rules.jury: composition, presidency, alternation, certifications and passages of a session.

The Mutualité jury (guide 2.5, 3.5): « composé de 4 personnes (deux représentants de l'UGEM …, deux
représentants des syndicats de salariés). Il est présidé par un de ses membres, désigné en début de
séance. La présidence reviendra alternativement à un représentant employeur et un représentant salarié. »
"""

from __future__ import annotations

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cqpkit.formats.referentiels import load_referentiel
from cqpkit.model import NIVEAUX, Constat, SessionJury
from cqpkit.rules.checks import sort_constats
from cqpkit.rules.jury import (
    check_certifications,
    check_composition,
    check_passages,
    check_presidence_alternee,
    check_president,
    check_session,
    previous_session,
)
from tests.conftest import ROOT
from tests.factories import day, dossier, jury, membre, passage, referentiel, session
from tests.strategies import referentiels
from tests.strategies_dossiers import sessions

REF = referentiel(
    jury=jury(composition={"employeur": 2, "salarie": 2}, presidence_parmi_membres=True, presidence_alternee=True)
)
E1, E2, E3 = membre("E1", "employeur"), membre("E2", "employeur"), membre("E3", "employeur")
S1, S2, S3 = membre("S1", "salarie"), membre("S2", "salarie"), membre("S3", "salarie")
QUATRE = (E1, E2, S1, S2)
JOUR = day("2014-01-20")


def codes(constats: list[Constat]) -> list[str]:
    return [c.code for c in constats]


class TestComposition:
    def test_two_employer_and_two_employee_members(self) -> None:
        """Two UGEM and two union representatives: the required composition."""
        assert check_composition(REF, session("J1", JOUR, QUATRE)) == []

    def test_three_members(self) -> None:
        """Two employers and one employee: the employee collège is short, and 3 members is not 4."""
        found = check_composition(REF, session("J1", JOUR, (E1, E2, S1)))
        assert [(c.code, c.valeurs.get("college"), c.valeurs["nombre"]) for c in found] == [
            ("jury_composition", "salarie", "1"),
            ("jury_composition", None, "3"),
        ]
        assert all(c.niveau == "erreur" and c.chemin == "membres" for c in found)
        assert found[1].valeurs["nombre_requis"] == "4"

    def test_three_employer_members(self) -> None:
        """Three employers and one employee: four in total, but both collèges are wrong."""
        found = check_composition(REF, session("J1", JOUR, (E1, E2, E3, S1)))
        assert sorted(c.valeurs["college"] for c in found) == ["employeur", "salarie"]
        assert "3 membres au lieu de 2" in next(c.message for c in found if c.valeurs["college"] == "employeur")

    def test_five_members(self) -> None:
        """Three employers and two employees: the employer collège and the total are wrong."""
        found = check_composition(REF, session("J1", JOUR, (E1, E2, E3, S1, S2)))
        assert [c.valeurs.get("college") for c in found] == ["employeur", None]

    def test_member_of_an_unknown_college(self) -> None:
        """A member of a collège the composition does not name is reported at his collège."""
        found = check_composition(REF, session("J1", JOUR, (*QUATRE, membre("X1", "expert"))))
        assert sorted(c.chemin for c in found) == ["membres", "membres[4].college"]

    def test_member_listed_twice_counts_once(self) -> None:
        """E1 listed twice: reported, and the employer collège has only one distinct member."""
        found = check_composition(REF, session("J1", JOUR, (E1, E1, S1, S2)))
        assert sorted(c.chemin for c in found) == ["membres", "membres", "membres[1].id"]

    def test_no_composition_no_check(self) -> None:
        """Without ``[jury]`` or ``composition``, any membership is accepted."""
        assert check_composition(referentiel(), session("J1", JOUR, (E1,))) == []
        assert check_composition(referentiel(jury=jury()), session("J1", JOUR, (E1,))) == []

    def test_source_is_the_first_source_of_the_jury(self) -> None:
        """Findings cite ``[jury]``'s first source."""
        [c, _] = check_composition(REF, session("J1", JOUR, (E1, E2, S1)))
        assert c.source == REF.jury.sources[0] and c.regle == "jury.composition"


class TestPresident:
    def test_president_among_the_members(self) -> None:
        """« présidé par un de ses membres »: S1, a member, is fine."""
        assert check_president(REF, session("J1", JOUR, QUATRE, president="S1")) == []

    def test_president_not_a_member(self) -> None:
        """A president who does not sit in the jury is an error at ``session.president``."""
        [c] = check_president(REF, session("J1", JOUR, QUATRE, president="Z9"))
        assert (c.code, c.niveau, c.chemin) == ("jury_president", "erreur", "session.president")
        assert "Z9" in c.message

    def test_president_not_yet_named(self) -> None:
        """Chosen at the start of the session: none before it closes, an error once closed without one."""
        assert check_president(REF, session("J1", JOUR, QUATRE)) == []
        assert codes(check_president(REF, session("J1", JOUR, QUATRE, cloturee=True))) == ["jury_president"]

    def test_president_outside_the_jury_when_required(self) -> None:
        """With ``presidence_parmi_membres = false`` a member as president is the error."""
        ref = referentiel(jury=jury(presidence_parmi_membres=False))
        assert codes(check_president(ref, session("J1", JOUR, QUATRE, president="S1"))) == ["jury_president"]
        assert check_president(ref, session("J1", JOUR, QUATRE, president="Z9")) == []

    def test_unstated_rule_checks_nothing(self) -> None:
        """``presidence_parmi_membres`` unset: the sources say nothing, nothing is checked."""
        assert check_president(referentiel(jury=jury()), session("J1", JOUR, QUATRE, president="Z9")) == []


class TestPresidenceAlternee:
    EMPLOYEUR = session("J0", day("2013-06-10"), QUATRE, president="E1")
    SALARIE = session("J0", day("2013-06-10"), QUATRE, president="S1")

    def test_employer_then_employee(self) -> None:
        """Employer president last time, employee president now: alternation respected."""
        assert check_presidence_alternee(REF, session("J1", JOUR, QUATRE, president="S2"), [self.EMPLOYEUR]) == []

    def test_same_college_presiding_twice(self) -> None:
        """An employee president after an employee president is an error naming both sessions."""
        [c] = check_presidence_alternee(REF, session("J1", JOUR, QUATRE, president="S2"), [self.SALARIE])
        assert (c.code, c.niveau, c.chemin) == ("jury_presidence_alternee", "erreur", "session.president")
        assert c.valeurs["college"] == c.valeurs["college_precedent"] == "salarie"
        assert "J0" in c.message and "10/06/2013" in c.message

    def test_the_same_person_presiding_twice(self) -> None:
        """The same member presiding twice is the same collège twice."""
        assert codes(check_presidence_alternee(REF, session("J1", JOUR, QUATRE, president="E1"), [self.EMPLOYEUR])) == [
            "jury_presidence_alternee"
        ]

    def test_previous_is_the_newest_of_the_history(self) -> None:
        """``historique`` is newest first: only its first session counts."""
        older = attrs.evolve(self.SALARIE, session=attrs.evolve(self.SALARIE.session, id="J-1", date=day("2012-06-10")))
        current = session("J1", JOUR, QUATRE, president="S2")
        assert check_presidence_alternee(REF, current, [self.EMPLOYEUR, older]) == []
        assert codes(check_presidence_alternee(REF, current, [self.SALARIE, self.EMPLOYEUR])) == [
            "jury_presidence_alternee"
        ]

    def test_precedente_names_the_previous_session(self) -> None:
        """``session.precedente`` wins over the order of ``historique``."""
        autre = attrs.evolve(self.EMPLOYEUR, session=attrs.evolve(self.EMPLOYEUR.session, id="J-autre"))
        current = session("J1", JOUR, QUATRE, president="S2", precedente="J0")
        assert codes(check_presidence_alternee(REF, current, [autre, self.SALARIE])) == ["jury_presidence_alternee"]
        assert previous_session(current, [autre, self.SALARIE]) == self.SALARIE

    def test_unknown_previous_session(self) -> None:
        """No history, or a ``precedente`` absent from it: nothing can be compared."""
        current = session("J1", JOUR, QUATRE, president="S2")
        assert check_presidence_alternee(REF, current, []) == []
        assert (
            check_presidence_alternee(
                REF, attrs.evolve(current, session=attrs.evolve(current.session, precedente="JX")), [self.SALARIE]
            )
            == []
        )

    def test_the_session_itself_or_a_later_one_is_not_previous(self) -> None:
        """A history that contains this session or a later one skips them."""
        current = session("J1", JOUR, QUATRE, president="S2")
        later = session("J2", day("2014-06-01"), QUATRE, president="S1")
        assert previous_session(current, [later, current, self.SALARIE]) == self.SALARIE

    def test_no_alternation_required(self) -> None:
        """With ``presidence_alternee = false`` the same collège may preside twice."""
        ref = referentiel(jury=jury(presidence_alternee=False))
        assert check_presidence_alternee(ref, session("J1", JOUR, QUATRE, president="S2"), [self.SALARIE]) == []


class TestDossiersOfTheSession:
    def test_certification_covered(self) -> None:
        """A dossier of a certification the session covers: nothing; another one: an error."""
        sess = session("J1", JOUR, QUATRE)
        assert check_certifications(REF, sess, [dossier()]) == []
        [c] = check_certifications(REF, sess, [dossier(id="D-9", certification="autre.cqp")])
        assert (c.code, c.niveau, c.valeurs["dossier"]) == ("jury_certification", "erreur", "D-9")

    def test_passage_at_the_session_date(self) -> None:
        """A passage naming the session on its date: nothing."""
        sess = session("J1", JOUR, QUATRE)
        assert check_passages(REF, sess, [dossier(passages=(passage(JOUR, "J1"),))]) == []

    def test_no_passage_recorded_is_information(self) -> None:
        """No passage naming this session (only another one): information, not an error."""
        sess = session("J1", JOUR, QUATRE)
        [c] = check_passages(REF, sess, [dossier(passages=(passage(JOUR, "J0"),))])
        assert (c.code, c.niveau, c.chemin) == ("jury_passage", "information", "passages")

    def test_passage_at_another_date_is_a_warning(self) -> None:
        """A passage naming the session the day after it: the two records disagree."""
        sess = session("J1", JOUR, QUATRE)
        [c] = check_passages(REF, sess, [dossier(passages=(passage(day("2014-01-21"), "J1"),))])
        assert (c.code, c.niveau, c.chemin) == ("jury_passage", "avertissement", "passages[0].date")
        assert "21/01/2014" in c.message and "20/01/2014" in c.message


class TestCheckSession:
    def test_everything_at_once_sorted(self) -> None:
        """Three members, president outside, same collège as last time, a dossier of another CQP: all, sorted."""
        previous = session("J0", day("2013-06-10"), QUATRE, president="S1")
        sess = session("J1", JOUR, (E1, E2, S1), president="S1")
        found = check_session(REF, sess, [dossier(certification="autre.cqp")], [previous])
        assert codes(found) == [
            "jury_certification",
            "jury_composition",
            "jury_composition",
            "jury_passage",
            "jury_presidence_alternee",
        ]
        assert sort_constats(found) == found

    def test_real_mutualite_jury(self) -> None:
        """Bundled Spécialiste prestations: 2 + 2 with an employer after an employee president passes; the same
        collège twice fails."""
        ref = load_referentiel(
            ROOT / "plugins/mutualite/cqpkit_mutualite/referentiels/specialiste-prestations-2014.toml"
        )
        cert = ref.id
        previous = session("J0", day("2013-06-10"), QUATRE, president="S1", certifications=(cert,))
        dos = dossier(certification=cert, passages=(passage(JOUR, "J1"),))
        ok = session("J1", JOUR, QUATRE, president="E2", certifications=(cert,), precedente="J0")
        assert check_session(ref, ok, [dos], [previous]) == []
        again = session("J1", JOUR, QUATRE, president="S2", certifications=(cert,), precedente="J0")
        assert codes(check_session(ref, again, [dos], [previous])) == ["jury_presidence_alternee"]
        trois = session("J1", JOUR, (E1, E2, S1), president="E2", certifications=(cert,))
        assert codes(check_session(ref, trois, [dos], [previous])) == ["jury_composition", "jury_composition"]


class TestProperties:
    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(referentiels(), sessions(), st.lists(sessions(), max_size=3))
    def test_check_session_never_raises_and_is_sorted(
        self, ref: object, sess: SessionJury, historique: list[SessionJury]
    ) -> None:
        """On generated sessions and histories, the result is stable, sorted and well formed."""
        dos = [dossier(passages=(passage(sess.session.date, sess.id),))]
        first = check_session(ref, sess, dos, historique)  # type: ignore[arg-type]
        assert check_session(ref, sess, dos, historique) == first == sort_constats(first)  # type: ignore[arg-type]
        assert all(c.niveau in NIVEAUX and c.code.startswith("jury_") for c in first)
