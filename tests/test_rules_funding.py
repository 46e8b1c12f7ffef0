"""Funding and reward lines (:func:`cqpkit.rules.funding.funding`).

Expected values come from the sources (RULES.md lists them):

- seeds/cqp-mo_tutorat_lettre-2017-05.md (letter of 5 May 2017), VIII: tutoral accompaniment 11,5 days +
  integrative alternance 21 days = 32,5 days « à hauteur de 12 € par heure » (7 h a day, derived from the
  21 h / 3 days of tutor training: 2 730 €); IX: tutor training « 15 € par heure de formation dans la limite
  de 40 heures, soit un remboursement de 315 € » for 21 h; aide à l'exercice de la fonction tutorale
  « 230 € par mois pour une durée maximale de 6 mois (soit un maximum de 1 380 €) »; X: prime de mission
  tutorale « 5 points par mois, complet ou non », « au maximum 180 points par année civile et par tuteur ».
- seeds/mutualite_cqp_guide-et-outils-specialiste-prestations.txt, Partie 1, 1.4: gratification of
  120 points, 1 point = 7,99 € in 2014 (958,80 €), the bundled référentiel's line.

The lines are built here with the model, so that each rule of the engine is pinned on its own; the bundled
CQP MO files carry the same lines (their scenarios are in plugins/cqp_mo/cqpkit_cqp_mo/scenarios/).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from cqpkit.formats.referentiels import load_referentiel, validate_referentiel
from cqpkit.model import (
    Acteur,
    Bareme,
    Candidat,
    Certification,
    Domaine,
    Dossier,
    DossierInfo,
    Financement,
    MissionTutorale,
    Positionnement,
    PositionnementDomaine,
    Referentiel,
    Source,
    Tutorat,
    Volume,
)
from cqpkit.rules.decision import decide
from cqpkit.rules.funding import EVENEMENTS, evenement_of, funding_report, round_cents

ROOT = Path(__file__).resolve().parent.parent
MUTUALITE = ROOT / "plugins/mutualite/cqpkit_mutualite/referentiels/specialiste-prestations-2014.toml"
CQP_MO = ROOT / "plugins/cqp_mo/cqpkit_cqp_mo/referentiels/manager-operationnel-2016.toml"

LETTRE = "cqp-mo_tutorat_lettre-2017-05.md"
VIII = Source(
    document=LETTRE, section="VIII - Financement de l'accompagnement tutoral et de l'alternance", date=date(2017, 5, 5)
)
IX = Source(
    document=LETTRE,
    section="IX - Financement de la formation de tuteur et de l'aide à l'exercice de la fonction tutorale",
    date=date(2017, 5, 5),
)
X = Source(document=LETTRE, section="X - Prime à la mission tutorale", date=date(2017, 5, 5))
LANCEMENT = Source(document="cqp-mo_lancement_lettre-2017-01.md", section="VI.1 Le parcours de formation")
YEAR_2017 = date(2017, 1, 1)  # « Priorités de financement 2017 » (note (6)): the rates of the year 2017
AS_OF = date(2018, 1, 1)
START = date(2017, 3, 6)  # the training starts (first session of March 2017, lancement VIII)
TRAINED = date(2017, 2, 6)  # the tutor is trained a month before (tutorat VII)


def bareme(valeur: float, source: Source, depuis: date = YEAR_2017, **caps) -> Bareme:
    return Bareme(depuis=depuis, valeur=valeur, source=source, **caps)


def report(ref: Referentiel, d: Dossier, as_of: date):
    """The engine as the registry calls it: the decision of the same day, then the funding."""
    return funding_report(ref, d, as_of, decide(ref, d, as_of))


def funding(ref: Referentiel, d: Dossier, as_of: date):
    return list(report(ref, d, as_of).lignes)


def codes(ref: Referentiel, d: Dossier, as_of: date) -> list[tuple[str, str]]:
    return [(c.code, c.niveau) for c in report(ref, d, as_of).constats]


def accompagnement(**kw) -> Financement:
    """VIII: 32,5 days (11,5 tutor + 21 alternance) at 12 € per hour, 7 h a day (derived)."""
    args = dict(
        intitule="Prise en charge de l'accompagnement tutoral et de l'alternance intégrative",
        unite="heure",
        quantite_de="volumes:tuteur+experimentation",
        heures_par_jour=7,
        valeurs=(bareme(12, VIII),),
        beneficiaire="employeur",
    )
    return Financement(**{**args, **kw})


def formation_tuteur(**caps) -> Financement:
    """IX: 15 € per hour of tutor training within 40 h."""
    return Financement(
        intitule="Prise en charge de la formation de tuteur",
        unite="heure",
        quantite_de="tutorat.formation_heures",
        valeurs=(bareme(15, IX, **({"plafond_quantite": 40} | caps)),),
        beneficiaire="employeur",
    )


def aide(*valeurs: Bareme) -> Financement:
    """IX: 230 € per month, at most 6 months, per période de professionnalisation (the candidate's tutoring)."""
    return Financement(
        intitule="Aide à l'exercice de la fonction tutorale",
        unite="mois",
        quantite_de="periode_tutorat",
        valeurs=valeurs or (bareme(230, IX, plafond_quantite=6),),
        beneficiaire="employeur",
    )


def prime(plafond_annuel: float = 180) -> Financement:
    """X: 5 points per month started, at most 180 points per calendar year."""
    return Financement(
        intitule="Prime de mission tutorale",
        unite="mois_commence",
        en="point",
        quantite_de="mission_tuteur",
        valeurs=(bareme(5, X, plafond_annuel=plafond_annuel),),
        beneficiaire="tuteur",
    )


def referentiel(financement: dict[str, Financement], domaines: tuple[Domaine, ...] = ()) -> Referentiel:
    return Referentiel(
        certification=Certification(
            id="secu.manager-operationnel",
            intitule="CQP Manager Opérationnel",
            branche="secu",
            certificateur="CPNEFP de la Sécurité sociale (Ucanss)",
            version="2016",
            complet=False,
        ),
        domaines=domaines or (Domaine(id="D1", intitule="Le manager inscrit dans son rôle et ses missions"),),
        tutorat=Tutorat(formation_heures=21, sources=(IX,)),
        volumes=(
            Volume(id="tuteur", libelle="Accompagnement par le tuteur", valeur=11.5, unite="jour", source=LANCEMENT),
            Volume(
                id="experimentation", libelle="Expérimentation en organisme", valeur=21, unite="jour", source=LANCEMENT
            ),
            Volume(id="amplitude", libelle="Amplitude", valeur=12, unite="mois", source=LANCEMENT),
        ),
        financement=financement,
    )


def tuteur(**kw) -> Acteur:
    return Acteur(**{"id": "P-02", "role": "tuteur", "forme_le": TRAINED, **kw})


def dossier(*acteurs: Acteur, positionnement: Positionnement | None = None, start: date | None = START, passages=()) -> Dossier:
    from cqpkit.model import FormationSuivie

    return Dossier(
        dossier=DossierInfo(
            id="I410-2017-0003",
            certification="secu.manager-operationnel",
            version="2016",
            voie="parcours-integral",
            inscription=date(2017, 2, 20),
        ),
        candidat=Candidat(id="C-0003"),
        acteurs=acteurs,
        positionnement=positionnement,
        formations=(FormationSuivie(module="UP1", debut=start),) if start is not None else (),
        passages=passages,
    )


def only(lines):
    [line] = lines
    return line


class TestTestReferentiel:
    def test_the_test_referentiel_is_valid(self):
        """The référentiel built here passes the same checks as a file (quantite_de vocabulary, volumes)."""
        ref = referentiel(
            {
                "accompagnement": accompagnement(),
                "formation_tuteur": formation_tuteur(),
                "aide": aide(),
                "prime": prime(),
            }
        )
        assert validate_referentiel(ref) == []


def certified_mutualite(jury: date = date(2014, 5, 20)) -> Dossier:
    """A Spécialiste prestations dossier whose five domaines were all acquired at one jury (VAE, no evaluation needed)."""
    from cqpkit.model import PassageJury

    return Dossier(
        dossier=DossierInfo(
            id="OEMM-2014-0001", certification="mutualite.specialiste-prestations", version="2014",
            voie="vae", mention="sante", inscription=date(2013, 9, 2),
        ),
        candidat=Candidat(id="C-0001"),
        passages=(PassageJury(session="J-2014-05", date=jury, decisions={f"D{i}": "acquis" for i in range(1, 6)}),),
    )


class TestGratification:
    def test_bundled_gratification(self):
        """Mutualité 1.4: 120 points × 7,99 € = 958,80 €, barème of 2014, its source, once certified."""
        ref = load_referentiel(MUTUALITE)
        line = only(funding(ref, certified_mutualite(), date(2014, 6, 1)))
        assert (line.code, line.quantite, line.unite, line.taux, line.montant, line.en) == (
            "gratification",
            120,
            "point",
            7.99,
            958.80,
            "euro",
        )
        assert line.base == "120 points × 7,99 €/point"
        assert (line.depuis, line.date_evenement) == (date(2014, 1, 1), date(2014, 5, 20))
        assert line.source.section.startswith("Partie 1, 1.4 Remarques")
        assert line.plafond is None

    def test_jury_before_the_first_value_no_line(self):
        """CQP delivered on 2013-12-02, before the 2014 value: no line even read in 2014, a bareme_inconnu warning."""
        ref = load_referentiel(MUTUALITE)
        assert funding(ref, certified_mutualite(date(2013, 12, 2)), date(2014, 6, 1)) == []
        [finding] = report(ref, certified_mutualite(date(2013, 12, 2)), date(2014, 6, 1)).constats
        assert (finding.code, finding.niveau, finding.chemin) == ("bareme_inconnu", "avertissement", "passages[0].date")
        assert "aucun barème en vigueur le 02/12/2013 (délivrance du CQP par le jury le 02/12/2013, pour 120 points)" in finding.message
        assert "du 01/01/2014 au 31/12/2014" in finding.message

    @pytest.mark.parametrize(("jury", "montant"), [(date(2014, 12, 31), 958.80), (date(2015, 1, 1), None)])
    def test_last_day_of_the_2014_value(self, jury, montant):
        """« 1 point correspond en 2014 à 7,99 € »: a jury on 31/12/2014 is paid, on 01/01/2015 it is not."""
        lines = funding(load_referentiel(MUTUALITE), certified_mutualite(jury), date(2016, 1, 1))
        assert [line.montant for line in lines] == ([montant] if montant else [])

    def test_read_any_later_day_same_amount(self):
        """The gratification is at the point value of the jury's day, a week or five years after."""
        ref = load_referentiel(MUTUALITE)
        week = funding(ref, certified_mutualite(), date(2014, 5, 27))
        years = funding(ref, certified_mutualite(), date(2019, 5, 27))
        assert week == years and week[0].montant == 958.80

    def test_only_for_holders(self):
        """« attribuée à toute personne ayant obtenu un CQP »: not before the certifying jury, due from its day."""
        ref = load_referentiel(MUTUALITE)
        jury = date(2014, 5, 20)
        assert funding(ref, certified_mutualite(jury), date(2014, 5, 19)) == []
        assert only(funding(ref, certified_mutualite(jury), jury)).montant == 958.80


class TestAccompagnement:
    def test_volumes_in_days_times_hours_per_day(self):
        """VIII: (11,5 + 21) days × 7 h × 12 €/h = 2 730 €."""
        line = only(funding(referentiel({"accompagnement": accompagnement()}), dossier(), AS_OF))
        assert line.quantite == 227.5
        assert line.unite == "heure"
        assert line.montant == 2730.00
        assert line.base == "32,5 jours × 7 h × 12,00 €/h"
        assert line.source == VIII and (line.depuis, line.date_evenement) == (YEAR_2017, START)
        assert "Accompagnement par le tuteur (11,5 jours)" in line.notes
        assert "appliqué à la date de l'événement : début de la formation le 06/03/2017" in line.notes

    def test_fixed_quantity_in_days(self):
        """The same line with quantite = 32,5 (days, since heures_par_jour is given): 2 730 €."""
        fin = accompagnement(quantite_de=None, quantite=32.5)
        assert only(funding(referentiel({"a": fin}), dossier(), AS_OF)).montant == 2730.00

    def test_without_hours_per_day_no_line(self):
        """Days cannot be turned into hours without heures_par_jour: the quantity is unknown, no line."""
        assert funding(referentiel({"a": accompagnement(heures_par_jour=None)}), dossier(), AS_OF) == []

    def test_volumes_of_mixed_units_no_line(self):
        """Days plus months make no quantity."""
        assert (
            funding(referentiel({"a": accompagnement(quantite_de="volumes:tuteur+amplitude")}), dossier(), AS_OF) == []
        )

    def test_per_day_line(self):
        """A line per day takes the days as they are: 32,5 × 12 € = 390 €."""
        fin = accompagnement(unite="jour", heures_par_jour=None)
        line = only(funding(referentiel({"a": fin}), dossier(), AS_OF))
        assert (line.quantite, line.montant, line.base) == (32.5, 390.0, "32,5 jours × 12,00 €/jour")

    def test_quantity_cap_after_conversion(self):
        """A cap of 200 h applies to the 227,5 h: 200 × 12 = 2 400 €, the base shows both."""
        fin = accompagnement(valeurs=(bareme(12, VIII, plafond_quantite=200),))
        line = only(funding(referentiel({"a": fin}), dossier(), AS_OF))
        assert (line.quantite, line.montant, line.plafond) == (200, 2400.0, 200)
        assert line.base == "32,5 jours × 7 h = 227,5 h, plafond de 200 h appliqué : 200 h × 12,00 €/h"


class TestFormationTuteur:
    def test_referentiel_hours(self):
        """IX: 21 h × 15 €/h = 315 €, within the 40 h cap."""
        line = only(funding(referentiel({"formation_tuteur": formation_tuteur()}), dossier(tuteur()), AS_OF))
        assert (line.quantite, line.montant, line.plafond) == (21, 315.0, None)
        assert line.base == "21 h × 15,00 €/h"
        assert "P-02" in line.notes

    def test_no_tutor_no_line(self):
        """A dossier naming no tutor has no tutor training to fund (the event, his training, is unknown)."""
        assert funding(referentiel({"f": formation_tuteur()}), dossier(), AS_OF) == []

    def test_tutor_without_training_date_waits(self):
        """A tutor without forme_le: no line, an information saying the date is missing."""
        ref = referentiel({"f": formation_tuteur()})
        d = dossier(tuteur(forme_le=None))
        assert funding(ref, d, AS_OF) == []
        [finding] = report(ref, d, AS_OF).constats
        assert (finding.code, finding.niveau, finding.chemin) == ("financement_en_attente", "information", "acteurs[0].forme_le")
        assert "date de la formation du tuteur P-02 non renseignée" in finding.message

    def test_tutor_hours_capped_at_forty(self):
        """45 h of training: « dans la limite de 40 heures », 40 × 15 = 600 €."""
        line = only(funding(referentiel({"f": formation_tuteur()}), dossier(tuteur(formation_heures=45)), AS_OF))
        assert (line.quantite, line.montant, line.plafond) == (40, 600.0, 40)
        assert line.base == "45 h, plafond de 40 h appliqué : 40 h × 15,00 €/h"

    def test_forty_hours_exactly_is_not_capped(self):
        """40 h: the cap is reached, not exceeded; no cap reported."""
        line = only(funding(referentiel({"f": formation_tuteur()}), dossier(tuteur(formation_heures=40)), AS_OF))
        assert (line.montant, line.plafond) == (600.0, None)

    def test_amount_cap(self):
        """An amount cap of 500 € below 40 h × 15 €: 500 €."""
        fin = formation_tuteur(plafond_montant=500)
        line = only(funding(referentiel({"f": fin}), dossier(tuteur(formation_heures=45)), AS_OF))
        assert (line.montant, line.plafond) == (500.0, 500)
        assert line.base == "45 h, plafond de 40 h appliqué : 40 h × 15,00 €/h = 600,00 €, plafond de 500,00 €"

    def test_one_line_per_tutor(self):
        """Two tutors: one line each, with the hours each declares."""
        lines = funding(
            referentiel({"f": formation_tuteur()}), dossier(tuteur(), tuteur(id="P-05", formation_heures=14)), AS_OF
        )
        assert [line.montant for line in lines] == [315.0, 210.0]


class TestAide:
    def test_capped_at_six_months(self):
        """IX: a 12-month mission, at most 6 months × 230 € = 1 380 € (months of 2017 only: its barème)."""
        t = tuteur(mission_debut=date(2017, 5, 15), mission_fin=date(2018, 5, 14))
        line = only(funding(referentiel({"aide": aide()}), dossier(t), date(2018, 6, 1)))
        assert (line.quantite, line.montant, line.plafond) == (6, 1380.0, 6)
        assert line.base == "12 mois, plafond de 6 mois appliqué : 6 mois × 230,00 €/mois"

    def test_complete_months_only(self):
        """« par mois »: 2017-05-15 .. 2017-09-24 holds 4 complete months (the fifth ends 2017-10-14): 920 €."""
        t = tuteur(mission_debut=date(2017, 5, 15), mission_fin=date(2017, 9, 24))
        assert only(funding(referentiel({"aide": aide()}), dossier(t), AS_OF)).montant == 920.0

    def test_complete_month_boundary(self):
        """2017-05-15 .. 2017-06-14 is one complete month; .. 2017-06-13 none."""
        ref = referentiel({"aide": aide()})
        assert (
            only(
                funding(ref, dossier(tuteur(mission_debut=date(2017, 5, 15), mission_fin=date(2017, 6, 14))), AS_OF)
            ).quantite
            == 1
        )
        assert funding(ref, dossier(tuteur(mission_debut=date(2017, 5, 15), mission_fin=date(2017, 6, 13))), AS_OF) == []

    def test_mission_without_end_no_line(self):
        """The mission's end is not known: the quantity is unknown, no line."""
        assert funding(referentiel({"aide": aide()}), dossier(tuteur(mission_debut=date(2017, 5, 15))), AS_OF) == []

    def test_no_tutor_no_line(self):
        """No tutor in the dossier: no mission, no line."""
        assert funding(referentiel({"aide": aide()}), dossier(), AS_OF) == []


# A 50-month mission: months started 2017-09-01 .. 2021-10-31 → 4 in 2017, 12 in 2018, 2019, 2020, 10 in 2021.
MISSION = tuteur(mission_debut=date(2017, 9, 1), mission_fin=date(2021, 10, 31))


LATE = date(2022, 1, 1)  # after the end of MISSION


class TestPrime:
    def test_one_line_per_calendar_year(self):
        """X: 5 points per month started, one line per year: 20, 60, 60, 60, 50 = 250 points."""
        lines = funding(referentiel({"prime": prime()}), dossier(MISSION), LATE)
        assert [(line.annee, line.quantite, line.montant) for line in lines] == [
            (2017, 4, 20),
            (2018, 12, 60),
            (2019, 12, 60),
            (2020, 12, 60),
            (2021, 10, 50),
        ]
        assert sum(line.quantite for line in lines) == 50
        assert all(line.en == "point" and line.plafond is None for line in lines)
        assert lines[1].base == "12 mois commencés × 5 points/mois commencé"

    def test_180_points_never_reached_by_one_mission(self):
        """One mission gives at most 12 × 5 = 60 points a calendar year, below the 180-point cap."""
        lines = funding(referentiel({"prime": prime()}), dossier(MISSION), LATE)
        assert max(line.montant for line in lines) == 60 < 180

    def test_annual_cap_applies_per_year(self):
        """With a (hypothetical) 50-point yearly cap: 20, 50, 50, 50, 50."""
        lines = funding(referentiel({"prime": prime(plafond_annuel=50)}), dossier(MISSION), LATE)
        assert [line.montant for line in lines] == [20, 50, 50, 50, 50]
        assert [line.plafond for line in lines] == [None, 50, 50, 50, None]
        assert lines[1].base == "12 mois commencés × 5 points/mois commencé = 60 points, plafond annuel de 50 points"
        assert lines[0].base == "4 mois commencés × 5 points/mois commencé"

    def test_month_started_counts(self):
        """A mission of one day is one month started: 5 points."""
        t = tuteur(mission_debut=date(2017, 12, 31), mission_fin=date(2017, 12, 31))
        assert [line.montant for line in funding(referentiel({"prime": prime()}), dossier(t), AS_OF)] == [5]

    def test_month_goes_to_the_year_it_starts(self):
        """2017-12-20 .. 2018-01-19 is one month, started in 2017."""
        t = tuteur(mission_debut=date(2017, 12, 20), mission_fin=date(2018, 1, 19))
        assert [(line.annee, line.montant) for line in funding(referentiel({"prime": prime()}), dossier(t), LATE)] == [
            (2017, 5)
        ]

    def test_months_known_as_of_the_date(self):
        """As of 2018-01-01, the mission of MISSION has started 5 months (4 in 2017, 1 in 2018): 20 + 5 points."""
        lines = funding(referentiel({"prime": prime()}), dossier(MISSION), AS_OF)
        assert [(line.annee, line.montant) for line in lines] == [(2017, 20), (2018, 5)]


class TestPrimeAcrossMissions:
    """X: « au maximum 180 points par année civile et par tuteur »: the tutor's other missions share the cap."""

    @staticmethod
    def autre(debut: str, fin: str, dossier_id: str = "") -> MissionTutorale:
        return MissionTutorale(debut=date.fromisoformat(debut), fin=date.fromisoformat(fin), dossier=dossier_id)

    def lines(self, *autres: MissionTutorale, debut: str = "2017-07-02", fin: str = "2017-12-31"):
        t = tuteur(mission_debut=date.fromisoformat(debut), mission_fin=date.fromisoformat(fin), autres_missions=autres)
        return funding(referentiel({"prime": prime()}), dossier(t), AS_OF)

    def test_earlier_missions_use_the_cap_first(self):
        """Missions of 12 + 12 + 7 months started in 2017 (155 points) leave 25 of this mission's 30 points (37 months)."""
        line = only(
            self.lines(
                self.autre("2017-01-01", "2017-12-31", "A"),
                self.autre("2017-01-01", "2017-12-31", "B"),
                self.autre("2017-01-01", "2017-07-01", "C"),
            )
        )
        assert (line.annee, line.quantite, line.montant, line.plafond) == (2017, 6, 25, 180)
        assert line.base == (
            "6 mois commencés × 5 points/mois commencé = 30 points, plafond annuel de 180 points "
            "dont 155 points déjà atteints par les autres missions du tuteur"
        )
        assert "Autres missions du tuteur, antérieures" in line.notes and "dossier C" in line.notes

    def test_exactly_the_cap_is_not_capped(self):
        """12 + 12 + 6 months before (150 points) and 6 months here (30 points): 180, nothing cut."""
        line = only(
            self.lines(
                self.autre("2017-01-01", "2017-12-31", "A"),
                self.autre("2017-01-01", "2017-12-31", "B"),
                self.autre("2017-01-01", "2017-06-30", "C"),
            )
        )
        assert (line.montant, line.plafond) == (30, None)

    def test_cap_used_up_gives_zero(self):
        """Three full years of earlier missions in 2017 (180 points): nothing left this year."""
        line = only(self.lines(*(self.autre("2017-01-01", "2017-12-31", d) for d in "ABC")))
        assert (line.montant, line.plafond) == (0, 180)

    def test_later_missions_do_not_reduce_this_one(self):
        """A mission starting after this one gets what this one leaves: this one keeps its 30 points."""
        line = only(self.lines(*(self.autre("2017-08-01", "2017-12-31", d) for d in "ABCD")))
        assert (line.montant, line.plafond) == (30, None)
        assert "4 autre(s) mission(s) du tuteur, postérieure(s)" in line.notes

    def test_other_years_are_not_counted(self):
        """Missions of 2016 do not touch the 2017 cap."""
        line = only(self.lines(*(self.autre("2016-01-01", "2016-12-31", d) for d in "ABCD")))
        assert line.montant == 30

    def test_same_dates_ordered_by_dossier_id(self):
        """Same start and end: the dossier ids order the missions, so two dossiers declaring each other agree."""
        # This dossier is I410-2017-0003; « I410-2017-0001 » comes first, « I410-2017-0009 » after.
        first = [self.autre("2017-07-02", "2017-12-31", "I410-2017-0001")] * 5  # 5 × 30 = 150 points before
        assert only(self.lines(*first)).montant == 30
        assert only(self.lines(*first, self.autre("2017-07-02", "2017-12-31", "I410-2017-0002"))).montant == 0
        after = [self.autre("2017-07-02", "2017-12-31", "I410-2017-0009")] * 6
        assert only(self.lines(*after)).montant == 30

    def test_invalid_other_mission_is_ignored(self):
        """A mission that ends before it starts counts for nothing."""
        assert only(self.lines(self.autre("2017-12-31", "2017-01-01", "A"))).montant == 30

    def test_complete_months_for_a_line_per_month(self):
        """With a line per complete month and an annual cap, the other missions count in complete months too."""
        fin = Financement(
            intitule="Essai",
            unite="mois",
            quantite_de="mission_tuteur",
            valeurs=(bareme(10, X, plafond_annuel=100),),
        )
        t = tuteur(
            mission_debut=date(2017, 7, 1),
            mission_fin=date(2017, 12, 31),
            autres_missions=(self.autre("2017-01-01", "2017-07-30", "A"),),  # 6 complete months: 60
        )
        line = only(funding(referentiel({"e": fin}), dossier(t), AS_OF))
        assert (line.quantite, line.montant, line.plafond) == (6, 40, 100)


class TestEventDate:
    """Each line at the barème of the date of its event; as_of only decides what is known."""

    @staticmethod
    def two_rates() -> Financement:
        return Financement(
            intitule="Prise en charge de la formation de tuteur",
            unite="heure",
            quantite_de="tutorat.formation_heures",
            valeurs=(bareme(15, IX, jusqua=date(2018, 12, 31)), bareme(16, IX, depuis=date(2019, 1, 1))),
        )

    @pytest.mark.parametrize(("trained", "taux", "montant"), [(date(2018, 12, 31), 15, 315.0), (date(2019, 1, 1), 16, 336.0)])
    def test_rate_of_the_training_day(self, trained, taux, montant):
        """A change of rate on 2019-01-01: a tutor trained the day before is paid 15 €/h, on the day 16 €/h, whatever the as-of date."""
        ref = referentiel({"f": self.two_rates()})
        for as_of in (trained, date(2019, 1, 7), date(2024, 1, 7)):
            line = only(funding(ref, dossier(tuteur(forme_le=trained)), as_of))
            assert (line.taux, line.montant, line.date_evenement) == (taux, montant, trained)

    def test_event_after_as_of_is_not_known(self):
        """A tutor trained after the as-of date: no line yet, financement_en_attente (information)."""
        ref = referentiel({"f": self.two_rates()})
        d = dossier(tuteur(forme_le=date(2019, 1, 1)))
        assert funding(ref, d, date(2018, 12, 31)) == []
        assert codes(ref, d, date(2018, 12, 31)) == [("financement_en_attente", "information")]

    def test_no_value_at_the_event_date(self):
        """A 2017-only rate and a training on 2018-01-02: no line, a bareme_inconnu warning naming the periods."""
        fin = formation_tuteur()
        fin = Financement(
            intitule=fin.intitule, unite="heure", quantite_de="tutorat.formation_heures",
            valeurs=(bareme(15, IX, jusqua=date(2017, 12, 31)),),
        )
        ref = referentiel({"f": fin})
        d = dossier(tuteur(forme_le=date(2018, 1, 2)))
        assert funding(ref, d, date(2018, 6, 1)) == []
        [finding] = report(ref, d, date(2018, 6, 1)).constats
        assert (finding.code, finding.niveau, finding.regle) == ("bareme_inconnu", "avertissement", "financement.f")
        assert finding.message == (
            "« Prise en charge de la formation de tuteur » : aucun barème en vigueur le 02/01/2018 (formation du tuteur "
            "P-02 le 02/01/2018, pour 21 h) : la ligne n'est pas calculée (périodes connues du barème : du 01/01/2017 au 31/12/2017)"
        )
        assert finding.valeurs["date"] == "2018-01-02"

    def test_training_start_is_the_first_module(self):
        """The parcours' lines take the barème of the first module's start, not of a later module."""
        from cqpkit.model import FormationSuivie

        fin = accompagnement(valeurs=(bareme(12, VIII, jusqua=date(2017, 12, 31)),))
        d = dossier(start=date(2017, 12, 4))
        import attrs

        d = attrs.evolve(d, formations=(*d.formations, FormationSuivie(module="UP2", debut=date(2018, 1, 8))))
        line = only(funding(referentiel({"a": fin}), d, date(2019, 1, 1)))
        assert (line.montant, line.date_evenement) == (2730.0, date(2017, 12, 4))

    def test_training_not_started_waits(self):
        """No module followed as of the date: no line, financement_en_attente on « formations »."""
        ref = referentiel({"a": accompagnement()})
        assert funding(ref, dossier(start=None), AS_OF) == []
        [finding] = report(ref, dossier(start=None), AS_OF).constats
        assert (finding.code, finding.chemin) == ("financement_en_attente", "formations")

    def test_gratification_at_the_certification_day_not_as_of(self):
        """Two point values (7,99 € in 2014, a hypothetical 8 € from 2015): a jury of 2014 keeps 7,99 € when read in 2016."""
        from cqpkit.model import PassageJury

        gratif = Financement(
            intitule="Gratification", unite="point", quantite=120, condition="certifie", nature="gratification",
            valeurs=(bareme(7.99, IX, depuis=date(2014, 1, 1)), bareme(8, IX, depuis=date(2015, 1, 1))),
        )
        jury = PassageJury(session="J", date=date(2014, 6, 16), decisions={"D1": "acquis"})
        d = dossier(passages=(jury,))
        line = only(funding(referentiel({"g": gratif}), d, date(2016, 1, 1)))
        assert (line.taux, line.montant, line.date_evenement) == (7.99, 958.80, date(2014, 6, 16))
        assert funding(referentiel({"g": gratif}), d, date(2014, 6, 15)) == []  # not yet delivered

    def test_lines_follow_the_referentiel_order(self):
        """Several financements: one line each, in the référentiel's order."""
        ref = referentiel({"accompagnement": accompagnement(), "formation_tuteur": formation_tuteur(), "aide": aide()})
        t = tuteur(mission_debut=date(2017, 5, 15), mission_fin=date(2018, 5, 14))
        assert [(line.code, line.montant) for line in funding(ref, dossier(t), AS_OF)] == [
            ("accompagnement", 2730.0),
            ("formation_tuteur", 315.0),
            ("aide", 1380.0),
        ]

    @pytest.mark.parametrize(
        ("fin", "expected"),
        [
            (Financement(intitule="g", unite="point", quantite=1, condition="certifie", valeurs=()), "certification"),
            (Financement(intitule="f", unite="heure", quantite_de="tutorat.formation_heures", valeurs=()), "formation_tuteur"),
            (Financement(intitule="p", unite="mois", quantite_de="periode_tutorat", valeurs=()), "mission"),
            (Financement(intitule="v", unite="heure", quantite_de="volumes:a", valeurs=()), "debut_formation"),
            (Financement(intitule="t", unite="forfait", evenement="formation_tuteur", valeurs=()), "formation_tuteur"),
        ],
    )
    def test_event_of_a_line(self, fin, expected):
        """The event is the référentiel's ``evenement``, else follows from the line."""
        assert evenement_of(fin) == expected and expected in EVENEMENTS


class TestMonths:
    """Each month of a mission at the barème of its first day; the aide's cap per période, whatever the tutors."""

    RATES = (bareme(230, IX, jusqua=date(2017, 12, 31), plafond_quantite=6), bareme(240, IX, depuis=date(2018, 1, 1), plafond_quantite=6))

    def test_each_month_at_its_own_barème(self):
        """Mission from 2017-11-01: complete months of Nov and Dec 2017 at 230 €, Jan–Apr 2018 at 240 € (cap 6)."""
        t = tuteur(mission_debut=date(2017, 11, 1), mission_fin=date(2018, 10, 31))
        lines = funding(referentiel({"aide": aide(*self.RATES)}), dossier(t), date(2019, 1, 1))
        assert [(line.quantite, line.taux, line.montant, line.date_evenement) for line in lines] == [
            (2, 230, 460.0, date(2017, 11, 1)),
            (4, 240, 960.0, date(2018, 1, 1)),
        ]
        assert lines[1].plafond == 6 and "plafond de 6 mois atteint sur 12 mois" in lines[1].base

    def test_months_without_barème_are_reported_not_paid(self):
        """Only the 2017 amount: Nov–Dec 2017 paid, Jan–Apr 2018 (within the cap) reported, May on beyond the cap."""
        t = tuteur(mission_debut=date(2017, 11, 1), mission_fin=date(2018, 10, 31))
        ref = referentiel({"aide": aide(self.RATES[0])})
        assert [line.montant for line in funding(ref, dossier(t), date(2019, 1, 1))] == [460.0]
        [finding] = report(ref, dossier(t), date(2019, 1, 1)).constats
        assert finding.code == "bareme_inconnu" and finding.chemin == "acteurs[0].mission_debut"
        assert "les 4 mois commençant du 01/01/2018 au 01/04/2018 de la période de tutorat" in finding.message

    def test_successive_tutors_share_the_six_months(self):
        """IX « pour une durée maximale de 6 mois » per période: 3 + 6 complete months of two tutors → 6 months, 1 380 €."""
        a = tuteur(id="P-02", mission_debut=date(2017, 3, 6), mission_fin=date(2017, 6, 5))
        b = tuteur(id="P-03", mission_debut=date(2017, 6, 6), mission_fin=date(2017, 12, 5))
        line = only(funding(referentiel({"aide": aide()}), dossier(a, b), AS_OF))
        assert (line.quantite, line.montant, line.plafond) == (6, 1380.0, 6)
        assert "P-02 du 06/03/2017 au 05/06/2017 ; P-03 du 06/06/2017 au 05/12/2017" in line.notes

    def test_overlapping_tutors_count_a_month_once(self):
        """Two tutors on the same four months: 4 months of tutoring, 920 €, not 8."""
        a = tuteur(id="P-02", mission_debut=date(2017, 3, 1), mission_fin=date(2017, 6, 30))
        b = tuteur(id="P-03", mission_debut=date(2017, 3, 1), mission_fin=date(2017, 6, 30))
        assert only(funding(referentiel({"aide": aide()}), dossier(a, b), AS_OF)).montant == 920.0

    def test_gap_between_tutors(self):
        """2 complete months, a gap, 2 complete months: 4 months (each period counted from its own start)."""
        a = tuteur(id="P-02", mission_debut=date(2017, 3, 1), mission_fin=date(2017, 4, 30))
        b = tuteur(id="P-03", mission_debut=date(2017, 6, 10), mission_fin=date(2017, 8, 9))
        assert only(funding(referentiel({"aide": aide()}), dossier(a, b), AS_OF)).quantite == 4

    def test_mission_month_known_once_complete(self):
        """As of 2017-04-04 the month from 2017-03-05 is complete (it ends 04/04); as of 04/03 it is not."""
        t = tuteur(mission_debut=date(2017, 3, 5), mission_fin=date(2017, 12, 31))
        ref = referentiel({"aide": aide()})
        assert only(funding(ref, dossier(t), date(2017, 4, 4))).quantite == 1
        assert funding(ref, dossier(t), date(2017, 4, 3)) == []

    def test_mission_starting_after_as_of_waits(self):
        """A mission that starts after the as-of date: no line, financement_en_attente on its start."""
        t = tuteur(mission_debut=date(2018, 3, 1), mission_fin=date(2018, 12, 31))
        ref = referentiel({"aide": aide()})
        assert codes(ref, dossier(t), AS_OF) == [("financement_en_attente", "information")]


class TestParcoursJoursTuteur:
    DOMAINES = (
        Domaine(id="T", intitule="Module transverse", type="transverse", jours_tuteur=0.5),
        Domaine(id="B1", intitule="Pilotage", type="bloc", jours_tuteur=2.5),
        Domaine(id="B2", intitule="Management d'équipe", type="bloc", jours_tuteur=3.5),
        Domaine(id="B3", intitule="Accompagnement", type="bloc", jours_tuteur=3),
        Domaine(id="B4", intitule="Amélioration continue", type="bloc", jours_tuteur=2),
    )

    def fin(self) -> Financement:
        return accompagnement(quantite_de="parcours.jours_tuteur")

    def test_full_parcours(self):
        """No positionnement: every bloc in training, 11,5 days × 7 h × 12 € = 966 €."""
        line = only(funding(referentiel({"t": self.fin()}, self.DOMAINES), dossier(), AS_OF))
        assert (line.quantite, line.montant) == (80.5, 966.0)
        assert line.base == "11,5 jours × 7 h × 12,00 €/h"

    def test_individualised_parcours(self):
        """B2 directly evaluated: 11,5 − 3,5 = 8 days × 7 h × 12 € = 672 €."""
        pos = Positionnement(
            date=date(2017, 3, 1),
            domaines={
                d: PositionnementDomaine(orientation="evaluation_directe" if d == "B2" else "formation")
                for d in ("T", "B1", "B2", "B3", "B4")
            },
        )
        line = only(funding(referentiel({"t": self.fin()}, self.DOMAINES), dossier(positionnement=pos), AS_OF))
        assert line.montant == 672.0

    def test_domaine_without_tutor_days_no_line(self):
        """A domaine in training whose tutor days the référentiel does not give: unknown, no line."""
        doms = (*self.DOMAINES, Domaine(id="B5", intitule="Sans jours"))
        assert funding(referentiel({"t": self.fin()}, doms), dossier(), AS_OF) == []


class TestRoundingAndBounds:
    @pytest.mark.parametrize(
        ("value", "expected"), [(0.125, 0.13), (2.675, 2.68), (1.005, 1.01), (958.8, 958.8), (0.124999, 0.12)]
    )
    def test_round_half_up_to_the_cent(self, value, expected):
        """Half up in decimal: 2,675 → 2,68 (binary rounding would give 2,67)."""
        assert round_cents(value) == expected

    def test_amount_rounded_half_up(self):
        """1 h × 2,675 €/h = 2,68 € (half up, in decimal)."""
        fin = Financement(intitule="Essai", unite="heure", quantite=1, valeurs=(bareme(2.675, IX),))
        assert only(funding(referentiel({"e": fin}), dossier(), AS_OF)).montant == 2.68

    def test_negative_quantity_gives_zero(self):
        """A negative quantity never makes a negative amount."""
        fin = Financement(intitule="Essai", unite="heure", quantite=-3, valeurs=(bareme(15, IX),))
        line = only(funding(referentiel({"e": fin}), dossier(), AS_OF))
        assert (line.quantite, line.montant) == (0, 0)

    def test_forfait_without_quantity(self):
        """CQP MO VII: the 9 650 € lump sum of the bundled file."""
        line = only(line for line in funding(load_referentiel(CQP_MO), dossier(), AS_OF) if line.code == "cout_pedagogique")
        assert (line.code, line.quantite, line.montant, line.base) == (
            "cout_pedagogique",
            1,
            9650.0,
            "forfait",
        )

    def test_line_without_any_quantity_is_not_emitted(self):
        """Neither quantite nor quantite_de on a per-hour line: no line."""
        fin = Financement(intitule="Essai", unite="heure", valeurs=(bareme(15, IX),))
        assert funding(referentiel({"e": fin}), dossier(), AS_OF) == []


class TestRouteAndNature:
    """A line limited to some routes is left out on the others; each line carries its nature."""

    def test_price_of_the_parcours_integral_only(self):
        """CQP MO lancement VII: « en parcours intégral s'élève à 9 650 € »: not on the parcours individualisé."""
        import attrs

        ref = load_referentiel(ROOT / "plugins/cqp_mo/cqpkit_cqp_mo/referentiels/manager-operationnel-2016.toml")
        integral = dossier()
        individualise = attrs.evolve(integral, dossier=attrs.evolve(integral.dossier, voie="parcours-individualise"))
        [cost] = [x for x in funding(ref, integral, date(2017, 6, 1)) if x.code == "cout_pedagogique"]
        assert (cost.montant, cost.nature) == (9650.0, "cout")
        assert "cout_pedagogique" not in [x.code for x in funding(ref, individualise, date(2017, 6, 1))]


class TestFollowedBlocsAfterTheJury:
    """The tutor days of the blocs followed still count once a jury has acquired them."""

    def test_before_and_after_the_jury(self):
        """CQP MO blocs (acteurs, mise en œuvre): the funding of a parcours does not shrink when its blocs are certified."""
        from cqpkit.model import PassageJury

        ref = referentiel({"t": accompagnement(quantite_de="parcours.jours_tuteur")}, TestParcoursJoursTuteur.DOMAINES)
        before = funding(ref, dossier(), date(2017, 6, 1))
        jury = PassageJury(session="J", date=date(2018, 2, 1), decisions={b: "acquis" for b in ("B1", "B2", "B3", "B4")})
        after = funding(ref, dossier(passages=(jury,)), date(2018, 6, 1))
        assert [x.quantite for x in before] == [x.quantite for x in after] == [80.5]

    def test_bundled_blocs_version_has_no_rate_after_2017(self):
        """The blocs version starts in 2022 and the sources give the 12 €/h of 2017 only: bareme_inconnu, with the hours."""
        # Through the registry, as a user gets it: the file's [extensions.cqp_mo] table needs the plugin's
        # extension declared, which only a loaded plugin manager does (read alone, the test depended on order).
        import cqpkit
        from cqpkit.model import FormationSuivie

        ref = cqpkit.load_registry().referentiel("secu.manager-operationnel", version="blocs")

        d = Dossier(
            dossier=DossierInfo(
                id="I410-2023-0001", certification="secu.manager-operationnel", version="blocs",
                voie="parcours-complet", inscription=date(2023, 1, 9),
            ),
            candidat=Candidat(id="C-1"),
            formations=(FormationSuivie(module="transverse", debut=date(2023, 1, 16)),),
        )
        assert [x.code for x in funding(ref, d, date(2023, 6, 1))] == []
        [finding] = [c for c in report(ref, d, date(2023, 6, 1)).constats if c.code == "bareme_inconnu"]
        assert "pour 11,5 jours × 7 h" in finding.message and "du 01/01/2017 au 31/12/2017" in finding.message
