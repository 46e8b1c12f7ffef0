"""The individualised parcours (:func:`cqpkit.rules.orientation.plan`).

Expected values come from the sources:

- Mutualité guide (seeds/mutualite_cqp_guide-et-outils-specialiste-prestations.txt), Partie 2, guide
  d'entretien d'accueil et d'orientation: prérequis checked oui / non, a « non » re-orients the candidate;
  per domaine, savoir-faire and savoirs on « pas du tout / partiellement / en totalité » and an orientation
  « doit suivre la formation / peut être directement évalué »; conclusion: VAE when more than 3 years in
  the job within the previous 12 and every domaine a priori acquired (3 years = 1 095 days, DESIGN).
- CQP MO bloc version (seeds/cqp-mo_architecture-et-parcours.md, 1; seeds/cqp-mo_acteurs-et-tutorat_2022.md,
  « Mise en œuvre de la mission »): modules per bloc in présentiel + e-learning days, tutor days and SPE
  per bloc (0,5 + 2,5 + 3,5 + 3 + 2 = 11,5 days; 1 + 2 + 3 + 3 + 1 = 10 SPE).
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
    Experience,
    Module,
    PassageJury,
    Positionnement,
    PositionnementDomaine,
    Referentiel,
    Source,
)
from cqpkit.rules.orientation import derive_orientation, domaine_modules, plan

ROOT = Path(__file__).resolve().parent.parent
MUTUALITE = ROOT / "plugins/mutualite/cqpkit_mutualite/referentiels/specialiste-prestations-2014.toml"
CQP_MO = ROOT / "plugins/cqp_mo/cqpkit_cqp_mo/referentiels/manager-operationnel-2016.toml"
ALL = ("D1", "D2", "D3", "D4", "D5")
ENTRETIEN = date(2014, 1, 10)
AS_OF = date(2014, 2, 1)


@pytest.fixture(scope="module")
def mutualite() -> Referentiel:
    return load_referentiel(MUTUALITE)


def dossier(
    positionnement: Positionnement | None = None,
    experiences: tuple[Experience, ...] = (),
    mention: str | None = "sante",
    passages: tuple[PassageJury, ...] = (),
) -> Dossier:
    return Dossier(
        dossier=DossierInfo(
            id="OEMM-2014-0007",
            certification="mutualite.specialiste-prestations",
            version="2014",
            voie="formation",
            inscription=date(2014, 1, 6),
            mention=mention,
        ),
        candidat=Candidat(id="C-0007"),
        positionnement=positionnement,
        experiences=experiences,
        passages=passages,
    )


YES = {"traiter-informations-gestion": "oui", "utiliser-systeme-informatique": "oui"}


def positionnement(
    domaines: dict[str, PositionnementDomaine] | None = None, prerequis=None, day: date = ENTRETIEN
) -> Positionnement:
    return Positionnement(date=day, prerequis=YES if prerequis is None else prerequis, domaines=domaines or {})


def pos(
    sf: str | None = None, s: str | None = None, orientation: str | None = None, niveau: str | None = None
) -> PositionnementDomaine:
    return PositionnementDomaine(savoir_faire=sf, savoirs=s, orientation=orientation, niveau=niveau)


TOTAL = pos("en_totalite", "en_totalite")


def orientations(parcours) -> dict[str, str]:
    return {pd.domaine: pd.orientation for pd in parcours.domaines}


def codes(parcours) -> list[str]:
    return [c.code for c in parcours.constats]


# ---------------------------------------------------------------------------- CQP MO blocs
ARCHI = Source(document="cqp-mo_architecture-et-parcours.md", section="1- L'architecture de la formation")
TUTORAT = Source(document="cqp-mo_acteurs-et-tutorat_2022.md", section="Le tuteur, Mise en œuvre de la mission")


def blocs_referentiel() -> Referentiel:
    """The CQP MO bloc version as the sources give it; ``heures`` at 7 h a day is a test assumption, not a source."""

    def module(mid: str, dom: str, presentiel: float, elearning: float) -> Module:
        return Module(
            id=mid,
            intitule=mid,
            domaines=(dom,),
            jours_presentiel=presentiel,
            jours_elearning=elearning,
            heures=(presentiel + elearning) * 7,
            sources=(ARCHI,),
        )

    return Referentiel(
        certification=Certification(
            id="secu.manager-operationnel",
            intitule="CQP Manager Opérationnel",
            branche="secu",
            certificateur="CPNEFP de la Sécurité sociale (Ucanss)",
            version="blocs",
            sources=(ARCHI,),
        ),
        domaines=(
            Domaine(
                id="T", intitule="Rôle et missions du manager opérationnel", type="transverse", spe=1, jours_tuteur=0.5
            ),
            Domaine(
                id="B1",
                intitule="Pilotage, organisation, supervision des activités",
                type="bloc",
                spe=2,
                jours_tuteur=2.5,
            ),
            Domaine(
                id="B2", intitule="Management d'une équipe de collaborateurs", type="bloc", spe=3, jours_tuteur=3.5
            ),
            Domaine(
                id="B3",
                intitule="Accompagnement des personnes dans le développement des compétences",
                type="bloc",
                spe=3,
                jours_tuteur=3,
            ),
            Domaine(
                id="B4",
                intitule="Contribution aux démarches d'amélioration continue",
                type="bloc",
                spe=1,
                jours_tuteur=2,
            ),
        ),
        modules=(
            module("transverse", "T", 3, 0.5),
            module("pilotage", "B1", 5.5, 0.5),
            module("communication", "B2", 2, 1),
            module("animation", "B2", 4, 1),
            module("droit-du-travail", "B2", 2.5, 0.5),  # e-learning 0,5 derived from the 6 FOAD days
            module("accompagnement", "B3", 2, 0.5),
            module("evaluation", "B3", 4, 1),
            module("amelioration", "B4", 4, 1),
            Module(
                id="analyser-sa-pratique",
                intitule="Analyser et formaliser sa pratique",
                type="accompagnement",
                jours_presentiel=2,
            ),
        ),
    )


class TestPrerequis:
    def test_a_no_reorients_the_candidate(self, mutualite):
        """« Si la réponse est négative, le candidat doit être ré-orienté »: reorientation, an error, no parcours."""
        p = plan(
            mutualite, dossier(positionnement({"D1": TOTAL}, {**YES, "utiliser-systeme-informatique": "non"})), AS_OF
        )
        assert p.reorientation is True
        assert p.domaines == () and p.heures is None and p.voie_suggeree is None
        [c] = p.constats
        assert (c.code, c.niveau, c.chemin) == (
            "prerequis_non_maitrise",
            "erreur",
            "positionnement.prerequis.utiliser-systeme-informatique",
        )
        assert "ré-orienté" in c.message
        assert c.source == mutualite.prerequis[1].sources[0]

    def test_all_yes_no_reorientation(self, mutualite):
        """Both prérequis answered « oui »: no re-orientation, no prérequis finding."""
        p = plan(mutualite, dossier(positionnement(dict.fromkeys(ALL, pos(orientation="formation")))), AS_OF)
        assert p.reorientation is False
        assert codes(p) == []

    def test_unanswered_prerequis_is_information(self, mutualite):
        """A prérequis not answered: information, the parcours is planned."""
        p = plan(
            mutualite,
            dossier(
                positionnement(
                    dict.fromkeys(ALL, pos(orientation="formation")), {"traiter-informations-gestion": "oui"}
                )
            ),
            AS_OF,
        )
        assert p.reorientation is False
        assert [(c.code, c.niveau) for c in p.constats] == [("prerequis_non_renseigne", "information")]


class TestOrientation:
    def test_recorded_orientations_are_used(self, mutualite):
        """Mixed orientations as recorded; training domaines list their modules, direct ones none."""
        doms = {
            "D1": pos("partiellement", "en_totalite", "formation"),
            "D2": pos(orientation="evaluation_directe"),
            "D3": pos(orientation="formation"),
            "D4": pos(orientation="evaluation_directe"),
            "D5": pos(orientation="formation"),
        }
        p = plan(mutualite, dossier(positionnement(doms)), AS_OF)
        assert orientations(p) == {
            "D1": "formation",
            "D2": "evaluation_directe",
            "D3": "formation",
            "D4": "evaluation_directe",
            "D5": "formation",
        }
        assert [pd.modules for pd in p.domaines] == [("M1-sante",), (), ("M3",), (), ("M5",)]
        assert codes(p) == []

    def test_recorded_orientation_wins_over_values(self, mutualite):
        """« en totalité » twice but « doit suivre la formation » recorded: training."""
        p = plan(
            mutualite,
            dossier(
                positionnement({**dict.fromkeys(ALL, TOTAL), "D2": pos("en_totalite", "en_totalite", "formation")})
            ),
            AS_OF,
        )
        assert orientations(p)["D2"] == "formation"

    @pytest.mark.parametrize(
        ("sf", "s", "expected"),
        [
            ("en_totalite", "en_totalite", "evaluation_directe"),
            ("en_totalite", "partiellement", "formation"),
            ("partiellement", "en_totalite", "formation"),
            ("pas_du_tout", "pas_du_tout", "formation"),
            ("en_totalite", None, "formation"),
            ("en-totalite", "en_totalite", "formation"),
        ],
    )
    def test_derived_from_the_positioning_scale(self, mutualite, sf, s, expected):
        """Only « en totalité » for both savoir-faire and savoirs gives direct evaluation."""
        p = plan(
            mutualite,
            dossier(positionnement({**dict.fromkeys(ALL, pos(orientation="formation")), "D3": pos(sf, s)})),
            AS_OF,
        )
        assert orientations(p)["D3"] == expected
        assert codes(p) == []

    def test_overall_level_when_no_savoir_faire_nor_savoirs(self, mutualite):
        """A positionnement giving one overall niveau: favourable → direct evaluation."""
        assert derive_orientation(mutualite, "D1", pos(niveau="en_totalite")) == ("evaluation_directe", None)
        assert derive_orientation(mutualite, "D1", pos(niveau="partiellement")) == ("formation", None)

    def test_nothing_recorded_for_a_domaine_defaults_to_training(self, mutualite):
        """A domaine absent from the positionnement: training, with an information saying so."""
        p = plan(mutualite, dossier(positionnement({d: pos(orientation="formation") for d in ALL if d != "D4"})), AS_OF)
        assert orientations(p)["D4"] == "formation"
        [c] = p.constats
        assert (c.code, c.niveau, c.chemin) == ("orientation_par_defaut", "information", "positionnement.domaines.D4")

    def test_scale_without_support_leaves_training(self):
        """No positionnement épreuve (CQP MO): values cannot be turned into an orientation; training, and said."""
        ref = load_referentiel(CQP_MO)
        p = plan(ref, dossier(positionnement({"D1": pos("en_totalite", "en_totalite")}, prerequis={})), AS_OF)
        assert orientations(p)["D1"] == "formation"
        assert codes(p) == ["orientation_par_defaut"] * 5
        assert "ne peut pas être déduite" in p.constats[0].message

    def test_mention_filters_modules(self, mutualite):
        """D1 has one module per mention: prévoyance gets M1-prevoyance; no mention gets neither."""
        doms = dict.fromkeys(ALL, pos(orientation="formation"))
        assert plan(mutualite, dossier(positionnement(doms), mention="prevoyance"), AS_OF).domaines[0].modules == (
            "M1-prevoyance",
        )
        assert plan(mutualite, dossier(positionnement(doms), mention=None), AS_OF).domaines[0].modules == ()
        assert [m.id for m in domaine_modules(mutualite, "D1", "sante")] == ["M1-sante"]

    def test_durations_unknown_when_modules_give_none(self, mutualite):
        """The Mutualité modules give no duration: hours and days unknown, never invented."""
        p = plan(mutualite, dossier(positionnement(dict.fromkeys(ALL, pos(orientation="formation")))), AS_OF)
        assert all(pd.heures is None and pd.jours is None for pd in p.domaines)
        assert p.heures is None


class TestNoPositionnement:
    def test_every_domaine_in_training(self, mutualite):
        """No positionnement: every domaine in training, an information, no suggested route."""
        p = plan(mutualite, dossier(), AS_OF)
        assert orientations(p) == dict.fromkeys(ALL, "formation")
        assert [(c.code, c.niveau) for c in p.constats] == [("positionnement_absent", "information")]
        assert p.voie_suggeree is None

    def test_positionnement_after_as_of_has_not_happened(self, mutualite):
        """An entretien dated after as_of counts as absent."""
        p = plan(mutualite, dossier(positionnement(dict.fromkeys(ALL, TOTAL))), date(2014, 1, 9))
        assert codes(p) == ["positionnement_absent"]
        assert orientations(p) == dict.fromkeys(ALL, "formation")

    def test_full_bloc_parcours(self):
        """All blocs in training: days per bloc from the modules, 10 SPE and 11,5 tutor days, 33 days, 231 h."""
        p = plan(blocs_referentiel(), dossier(), AS_OF)
        assert [pd.jours for pd in p.domaines] == [3.5, 6.0, 11.0, 7.5, 5.0]
        assert sum(pd.jours for pd in p.domaines) == 33.0  # 33,5 days with the 0,5-day opening
        assert sum(pd.spe for pd in p.domaines) == 10
        assert sum(pd.jours_tuteur for pd in p.domaines) == 11.5
        assert p.domaines[2].modules == ("communication", "animation", "droit-du-travail")
        assert p.heures == 231.0


class TestHours:
    def test_direct_evaluation_removes_hours_and_tutor_days(self):
        """B1 and B3 directly evaluated: only T, B2 and B4 count (24,5 + 77 + 35 = 136,5 h)."""
        doms = {d: pos(orientation="formation") for d in ("T", "B2", "B4")} | {
            d: pos(orientation="evaluation_directe") for d in ("B1", "B3")
        }
        p = plan(blocs_referentiel(), dossier(positionnement(doms, prerequis={})), AS_OF)
        assert p.heures == 136.5
        direct = [pd for pd in p.domaines if pd.orientation == "evaluation_directe"]
        assert all(pd.modules == () and pd.jours_tuteur is None and pd.spe is None for pd in direct)

    def test_module_shared_by_two_domaines_counts_once(self):
        """A module attached to two domaines in training is counted once in the total."""
        ref = Referentiel(
            certification=Certification(
                id="essai.cqp", intitule="CQP d'essai", branche="essai", certificateur="x", version="1"
            ),
            domaines=(Domaine(id="A", intitule="A"), Domaine(id="B", intitule="B")),
            modules=(
                Module(id="commun", intitule="Commun", domaines=("A", "B"), heures=14),
                Module(id="propre", intitule="Propre", domaines=("B",), heures=7),
            ),
        )
        p = plan(ref, dossier(), AS_OF)
        assert [pd.heures for pd in p.domaines] == [14.0, 21.0]
        assert p.heures == 21.0

    def test_all_direct_is_zero_hours(self):
        """No domaine in training: 0 h."""
        doms = {d: pos(orientation="evaluation_directe") for d in ("T", "B1", "B2", "B3", "B4")}
        assert plan(blocs_referentiel(), dossier(positionnement(doms, prerequis={})), AS_OF).heures == 0.0


def experience(debut: date, fin: date | None, **kw) -> Experience:
    return Experience(debut=debut, fin=fin, emploi="Spécialiste prestations", **kw)


class TestVaeSuggestion:
    def test_exactly_three_years_suggests_vae(self, mutualite):
        """2011-01-12 .. 2014-01-10: 1 095 days within 12 years before the entretien, all domaines a priori acquired."""
        p = plan(
            mutualite,
            dossier(positionnement(dict.fromkeys(ALL, TOTAL)), (experience(date(2011, 1, 12), date(2014, 1, 10)),)),
            AS_OF,
        )
        assert p.voie_suggeree == "vae"
        [c] = p.constats
        assert (c.code, c.niveau) == ("voie_suggeree", "information")
        assert c.valeurs["experience_jours"] == "1095"
        assert c.source == mutualite.voies[1].orientation.source

    def test_one_day_short_does_not(self, mutualite):
        """2011-01-13 .. 2014-01-10 is 1 094 days: no suggestion."""
        p = plan(
            mutualite,
            dossier(positionnement(dict.fromkeys(ALL, TOTAL)), (experience(date(2011, 1, 13), date(2014, 1, 10)),)),
            AS_OF,
        )
        assert p.voie_suggeree is None
        assert codes(p) == []

    def test_periods_are_merged_and_counted_in_days(self, mutualite):
        """Two touching periods (« y compris par séquences ») add up to 1 095 days."""
        exps = (experience(date(2011, 1, 12), date(2012, 12, 31)), experience(date(2013, 1, 1), date(2014, 1, 10)))
        assert plan(mutualite, dossier(positionnement(dict.fromkeys(ALL, TOTAL)), exps), AS_OF).voie_suggeree == "vae"

    def test_experience_after_the_entretien_does_not_count(self, mutualite):
        """Experience counts up to the entretien, not up to as_of."""
        exps = (experience(date(2011, 1, 13), None),)
        p = plan(mutualite, dossier(positionnement(dict.fromkeys(ALL, TOTAL)), exps), date(2016, 1, 1))
        assert p.voie_suggeree is None

    def test_experience_outside_the_twelve_year_window(self, mutualite):
        """Four years ending in 2001: outside the 12 years before 2014-01-10."""
        p = plan(
            mutualite,
            dossier(positionnement(dict.fromkeys(ALL, TOTAL)), (experience(date(1998, 1, 1), date(2001, 12, 31)),)),
            AS_OF,
        )
        assert p.voie_suggeree is None

    def test_non_relevant_experience_does_not_count(self, mutualite):
        """An experience marked not relevant is left out."""
        exps = (experience(date(2005, 1, 1), date(2014, 1, 10), pertinente=False),)
        assert plan(mutualite, dossier(positionnement(dict.fromkeys(ALL, TOTAL)), exps), AS_OF).voie_suggeree is None

    def test_one_domaine_in_training_prevents_vae(self, mutualite):
        """Enough experience but D5 only partially held: not every domaine is a priori acquired."""
        doms = {**dict.fromkeys(ALL, TOTAL), "D5": pos("en_totalite", "partiellement")}
        p = plan(mutualite, dossier(positionnement(doms), (experience(date(2005, 1, 1), date(2014, 1, 10)),)), AS_OF)
        assert p.voie_suggeree is None

    def test_no_suggestion_without_positionnement(self, mutualite):
        """The suggestion is the entretien's conclusion: none without it."""
        assert (
            plan(
                mutualite, dossier(experiences=(experience(date(2005, 1, 1), date(2014, 1, 10)),)), AS_OF
            ).voie_suggeree
            is None
        )


class TestAcquiredAndUndefined:
    def test_domaine_acquired_at_a_jury_is_not_planned(self, mutualite):
        """After a partial award, acquired domaines are « acquis » and only the others are planned."""
        passages = (PassageJury(session="J1", date=date(2014, 1, 20), decisions={"D1": "acquis", "D2": "acquis"}),)
        p = plan(mutualite, dossier(passages=passages), date(2014, 6, 1))
        assert orientations(p) == {
            "D1": "acquis",
            "D2": "acquis",
            "D3": "formation",
            "D4": "formation",
            "D5": "formation",
        }

    def test_referentiel_without_domaines(self):
        """Nothing to plan: domaine_non_defini, as an information (deciding is where it blocks)."""
        ref = Referentiel(
            certification=Certification(
                id="mutualite.teleconseiller",
                intitule="CQP Téléconseiller",
                branche="mutualite",
                certificateur="x",
                version="2014",
                complet=False,
            )
        )
        p = plan(ref, dossier(), AS_OF)
        assert p.domaines == ()
        assert [(c.code, c.niveau) for c in p.constats] == [("domaine_non_defini", "information")]
