"""The cqp_mo plugin: both versions of ``secu.manager-operationnel``, its hooks and its scenarios.

Expected figures come from the four ``cqp-mo_*`` documents (seeds/), worked out by hand in the
docstrings: never from the engine's output. The scenarios (plugins/cqp_mo/cqpkit_cqp_mo/scenarios/)
hold the rules on both sides of their boundaries; the tests here pin what the scenarios cannot see
(the text of ``cqpkit show``, the choice of a version by date, the consistency of the figures of a
référentiel, the hooks on their own).
"""

from __future__ import annotations

import json
import re
from datetime import date

import cqpkit
import cqpkit_cqp_mo
import pytest
from cqpkit.formats.referentiels import load_referentiel
from cqpkit.model import Duree
from cqpkit_cqp_mo import regles

from tests.conftest import ROOT, run_cli
from tests.factories import activite, day, dossier, formation, passage

MO = "secu.manager-operationnel"
PLUGIN = ROOT / "plugins" / "cqp_mo"
REFERENTIELS = PLUGIN / "cqpkit_cqp_mo" / "referentiels"
SCENARIOS = PLUGIN / "cqpkit_cqp_mo" / "scenarios"
V2016 = REFERENTIELS / "manager-operationnel-2016.toml"
BLOCS = REFERENTIELS / "manager-operationnel-blocs.toml"
SEEDS = {
    "cqp-mo_lancement_lettre-2017-01.md",
    "cqp-mo_tutorat_lettre-2017-05.md",
    "cqp-mo_acteurs-et-tutorat_2022.md",
    "cqp-mo_architecture-et-parcours.md",
}


@pytest.fixture(scope="module")
def v2016():
    return load_referentiel(V2016)


@pytest.fixture(scope="module")
def blocs():
    return load_referentiel(BLOCS)


def mo_dossier(version: str = "blocs", **kw):
    kw.setdefault("voie", "parcours-individualise")
    kw.setdefault("inscription", date(2022, 1, 3))
    return dossier(certification=MO, version=version, **kw)


def codes(constats) -> list[str]:
    return sorted(c.code for c in constats)


def volume(ref, vid: str) -> float:
    return next(v.valeur for v in ref.volumes if v.id == vid)


# ============================================================================ référentiels
class TestReferentiels:
    """Both files validate, cite the four documents, and their figures add up as the documents say."""

    def test_validate(self):
        """`cqpkit validate` accepts both files (exit 0)."""
        result = run_cli("validate", str(V2016), str(BLOCS))
        assert result.returncode == 0, result.stderr
        assert "référentiel valide (secu.manager-operationnel, version 2016)" in result.stdout
        assert "référentiel valide (secu.manager-operationnel, version blocs)" in result.stdout

    def test_one_certification_two_versions(self, v2016, blocs):
        """The two generations are two versions of one certification id, both incomplete (annexes missing)."""
        assert (v2016.id, v2016.version, blocs.id, blocs.version) == (MO, "2016", MO, "blocs")
        assert not v2016.certification.complet and not blocs.certification.complet
        assert v2016.certification.en_vigueur_depuis == date(2016, 12, 16)  # CPNEFP du 16 décembre 2016
        assert blocs.certification.en_vigueur_depuis == date(2022, 1, 1)  # « Pour l'année 2022 »
        assert v2016.certification.en_vigueur_jusqua is None and blocs.certification.en_vigueur_jusqua is None

    def test_every_source_is_one_of_the_four_documents(self, v2016, blocs):
        """Every source names a cqp-mo_* document of seeds/ and a section."""
        found = []

        def visit(value) -> None:
            if type(value).__name__ == "Source":
                found.append(value)
                return
            if hasattr(value, "__attrs_attrs__"):
                for a in value.__attrs_attrs__:
                    visit(getattr(value, a.name))
            elif isinstance(value, (tuple, list)):
                for v in value:
                    visit(v)
            elif isinstance(value, dict):
                for v in value.values():
                    visit(v)

        visit(v2016)
        visit(blocs)
        assert len(found) > 50
        assert {s.document for s in found} <= SEEDS
        assert all(s.section for s in found)

    def test_no_personal_data(self):
        """No e-mail address nor phone number of the documents' authors in the plugin's files."""
        for path in PLUGIN.rglob("*"):
            if path.is_file() and path.suffix in (".toml", ".py", ".md"):
                text = path.read_text(encoding="utf-8")
                assert not re.search(r"[\w.-]+@[\w-]+\.\w+", text) and "mailto" not in text, path
                assert not re.search(r"\b0\d([ .]?\d\d){4}\b", text), path

    def test_2016_unites_de_professionnalisation(self, v2016):
        """Lancement VI.2: 3 + 5,5 + 2 + 4 + 2,5 + 2 + 4 + 4 = 27 days, the présentiel of VI.1."""
        days = [m.jours_presentiel for m in v2016.modules]
        assert [m.id for m in v2016.modules] == [f"UP{i}" for i in range(1, 9)]
        assert days == [3, 5.5, 2, 4, 2.5, 2, 4, 4]
        assert sum(days) == 27 == volume(v2016, "presentiel")

    def test_2016_durations_and_cost(self, v2016):
        """Lancement VI.1 and VII: 12 months, 6 days FOAD, 21 days experimentation, 11,5 tutor, 5 + 13,5; 9 650 €."""
        assert [(v.id, v.valeur) for v in v2016.volumes] == [
            ("amplitude", 12),
            ("presentiel", 27),
            ("foad", 6),
            ("experimentation", 21),
            ("tuteur", 11.5),
            ("suivi-individuel", 5),
            ("accompagnement-collectif", 13.5),
        ]
        assert v2016.financement["cout_pedagogique"].valeurs[0].valeur == 9650

    def test_blocs_spe_and_tutor_days(self, blocs):
        """Acteurs, table: transverse 1 SPE 0,5 d; blocs 2/2,5, 3/3,5, 3/3, 1/2 → 10 SPE, 11,5 days."""
        rows = [(d.id, d.type, d.spe, d.jours_tuteur) for d in blocs.domaines]
        assert rows == [
            ("T", "transverse", 1, 0.5),
            ("B1", "bloc", 2, 2.5),
            ("B2", "bloc", 3, 3.5),
            ("B3", "bloc", 3, 3),
            ("B4", "bloc", 1, 2),
        ]
        assert sum(d.spe for d in blocs.domaines) == 10 == volume(blocs, "spe")
        assert sum(d.jours_tuteur for d in blocs.domaines) == 11.5 == volume(blocs, "tuteur") == blocs.tutorat.jours
        # « Accompagnement individuel 1h30 par bloc »; the transverse module's time is not given.
        assert [d.heures_accompagnement_individuel for d in blocs.domaines] == [None, 1.5, 1.5, 1.5, 1.5]
        assert all(not d.complet for d in blocs.domaines if d.type == "bloc")  # the 17 competences are not listed

    def test_blocs_modules_and_training_days(self, blocs):
        """Architecture 1: présentiel + e-learning per module; the labour-law module's 2,5 + 0,5 is derived (33,5)."""
        training = [m for m in blocs.modules if m.type in ("transverse", "formation")]
        assert [(m.id, m.domaines, m.jours_presentiel, m.jours_elearning) for m in training] == [
            ("transverse", ("T",), 3, 0.5),
            ("pilotage", ("B1",), 5.5, 0.5),
            ("communication", ("B2",), 2, 1),
            ("animation", ("B2",), 4, 1),
            ("droit-travail", ("B2",), 2.5, 0.5),
            ("accompagnement-managerial", ("B3",), 2, 0.5),
            ("evaluation-competences", ("B3",), 4, 1),
            ("amelioration", ("B4",), 4, 1),
        ]
        assert "déduites" in blocs.module("droit-travail").notes
        presentiel = sum(m.jours_presentiel for m in training)
        elearning = sum(m.jours_elearning for m in training)
        ouverture = blocs.module("ouverture").jours_elearning
        assert (presentiel, elearning, ouverture) == (27, 6, 0.5)
        assert presentiel + elearning + ouverture == 33.5 == volume(blocs, "formation")

    def test_blocs_collective_modules(self, blocs):
        """Both collective modules are mandatory, in order; the preparation (2,5 + 0,5 = 3 days) may be repeated."""
        analyser, preparer = blocs.module("analyser-pratique"), blocs.module("preparer-certification")
        assert analyser.obligatoire and preparer.obligatoire and preparer.repetable and not analyser.repetable
        assert (analyser.jours_presentiel, preparer.jours_presentiel + preparer.jours_elearning) == (2, 3)
        assert blocs.extension("cqp_mo").module_conseille_en_premier == "transverse"
        rules = {r.id: r for r in blocs.regles}
        assert (rules["analyser-puis-preparer"].avant, rules["analyser-puis-preparer"].apres) == (
            "analyser-pratique",
            "preparer-certification",
        )
        assert rules["preparation-2-mois-avant-jury"].min == Duree(mois=2)
        assert rules["preparation-2-mois-avant-jury"].niveau == "erreur"
        assert rules["jury-6-mois-apres-preparation"].max == Duree(mois=6)
        assert rules["jury-6-mois-apres-preparation"].niveau == "avertissement"
        assert blocs.jury.conditions_passage == ("modules_obligatoires",)

    def test_tutor_requirements_of_each_generation(self, v2016, blocs):
        """2017: 21 h, a month before; 2022: 2 days, 2 to 3 weeks before; both: 2 years, not the N+1, 2 / 3 managers."""
        for t in (v2016.tutorat, blocs.tutorat):
            assert (t.experience_min, t.pas_n_plus_1, t.charge_recommandee, t.charge_max) == (Duree(annees=2), True, 2, 3)
            assert t.formation_prealable and t.jours == 11.5
        assert (v2016.tutorat.formation_heures, v2016.tutorat.formation_delai_min, v2016.tutorat.formation_delai_max) == (
            21,
            Duree(mois=1),
            None,
        )
        assert (blocs.tutorat.formation_heures, blocs.tutorat.formation_delai_min, blocs.tutorat.formation_delai_max) == (
            None,
            Duree(semaines=2),
            Duree(semaines=3),
        )

    def test_evaluators(self, v2016, blocs):
        """2016: by the tutor and the formateur de suivi; blocs: the N+1 « ne participe pas à l'évaluation »."""
        assert v2016.epreuve("evaluation-formative").evaluateurs.roles_admis == ("tuteur", "formateur_suivi")
        assert blocs.epreuve("evaluation-formative").evaluateurs.roles_exclus == ("n_plus_1",)

    def test_funding_barèmes(self, v2016, blocs):
        """Tutorat VIII–X (2017) and acteurs (2022): rates, caps, and the derived 7 h a day said in notes."""
        f = v2016.financement
        assert f["accompagnement_tutoral_alternance"].valeurs[0].valeur == 12
        assert f["accompagnement_tutoral_alternance"].heures_par_jour == 7
        assert "déduite" in f["accompagnement_tutoral_alternance"].notes
        assert (f["formation_tuteur"].valeurs[0].valeur, f["formation_tuteur"].valeurs[0].plafond_quantite) == (15, 40)
        assert (f["aide_fonction_tutorale"].valeurs[0].valeur, f["aide_fonction_tutorale"].valeurs[0].plafond_quantite) == (
            230,
            6,
        )
        prime = f["prime_mission_tutorale"]
        assert (prime.unite, prime.en, prime.valeurs[0].valeur, prime.valeurs[0].plafond_annuel) == (
            "mois_commence",
            "point",
            5,
            180,
        )
        tarif = blocs.financement["tarif_formation_tuteur"].valeurs[0]
        assert (tarif.depuis, tarif.jusqua, tarif.valeur) == (date(2022, 1, 1), date(2022, 12, 31), 577)
        assert blocs.financement["accompagnement_tutoral"].quantite_de == "parcours.jours_tuteur"


# ============================================================================ cqpkit show
class TestShow:
    """`cqpkit show` displays each version as an Institut 4.10 reader knows it.

    The checks look for the figures on the line of each domaine or module, not for the exact layout.
    """

    @staticmethod
    def line(out: str, ident: str) -> str:
        """The line of the domaine or module ``ident`` (its id, indented, then two spaces)."""
        found = [row for row in out.splitlines() if row.startswith(f"  {ident}  ")]
        assert found, f"no line for {ident} in:\n{out}"
        return found[0]

    def test_2016_text(self):
        """Five domaines and the eight UP with their présentiel days (lancement VI.2)."""
        result = run_cli("show", MO, "--version", "2016")
        assert result.returncode == 0, result.stderr
        out = result.stdout
        assert out.splitlines()[0] == "CQP Manager Opérationnel — secu.manager-operationnel, version 2016"
        assert "En vigueur : depuis le 16/12/2016" in out
        assert "\nDomaines de compétences (5)\n" in out
        # Lancement VI.2 calls them « unités de professionnalisation ».
        assert "\nUnités de professionnalisation (8)\n" in out and "\nModules" not in out
        assert "Le manager animateur et entraîneur de son équipe" in self.line(out, "D3")
        for up, title, days in (
            ("UP1", "Le rôle et les missions du manager opérationnel à la Sécurité sociale", "3 j présentiel"),
            ("UP2", "Le pilotage, l'organisation et la supervision des activités", "5,5 j présentiel"),
            ("UP5", "Les fondamentaux du droit du travail et des textes conventionnels", "2,5 j présentiel"),
        ):
            row = self.line(out, up)
            assert title in row and days in row, row
        assert "Parcours intégral" in self.line(out, "parcours-integral")

    def test_blocs_text(self):
        """Module transverse and four blocs with their SPE and tutor days; modules with présentiel and e-learning days."""
        result = run_cli("show", MO, "--version", "blocs", "--as-of", "2022-06-01")
        assert result.returncode == 0, result.stderr
        out = result.stdout
        assert out.splitlines()[0] == "CQP Manager Opérationnel — secu.manager-operationnel, version blocs"
        assert "En vigueur : depuis le 01/01/2022" in out
        # Architecture 1: « un module transverse » and « 4 blocs de compétences ».
        assert "\nModule transverse (1) et blocs de compétences (4)\n" in out
        for ident, title, spe, tutorat in (
            ("T", "Rôle et missions du manager opérationnel à la Sécurité sociale", "1 SPE", "0,5 j"),
            ("B1", "Pilotage, organisation, supervision des activités", "2 SPE", "2,5 j"),
            ("B2", "Management d'une équipe de collaborateurs", "3 SPE", "3,5 j"),
            ("B3", "Accompagnement des personnes dans le développement des compétences", "3 SPE", "3 j"),
            ("B4", "Contribution aux démarches d'amélioration continue et aux changements nécessaires", "1 SPE", "2 j"),
        ):
            row = self.line(out, ident)
            assert title in row and spe in row and tutorat in row, row
        for module, title, days in (
            ("transverse", "Le rôle et les missions du manager opérationnel à la Sécurité sociale", ("3 j présentiel", "0,5 j e-learning")),
            ("pilotage", "Le pilotage, l'organisation et la supervision des activités", ("5,5 j présentiel", "0,5 j e-learning")),
            ("communication", "La communication du manager", ("2 j présentiel", "1 j e-learning")),
            ("droit-travail", "Les fondamentaux du droit du travail", ("2,5 j présentiel", "0,5 j e-learning")),
            ("analyser-pratique", "Analyser et formaliser sa pratique professionnelle", ("2 j présentiel",)),
            ("preparer-certification", "Se préparer aux épreuves de certification", ("2,5 j présentiel", "0,5 j e-learning")),
        ):
            row = self.line(out, module)
            assert title in row and all(d in row for d in days), row
        # « Pour l'année 2022 le tarif de la formation des tuteurs du CQP Mo est fixé à 577 € » (acteurs).
        tarif = out.split("  tarif_formation_tuteur  ", 1)[1].splitlines()
        assert "    du 01/01/2022 au 31/12/2022 : 577 € (forfait) — en vigueur le 01/06/2022" in tarif

    def test_blocs_json_has_spe_and_tutor_days(self):
        """The JSON view carries, per bloc, its SPE, tutor days and individual accompaniment."""
        data = json.loads(run_cli("show", MO, "--version", "blocs", "--json").stdout)
        doms = {d["id"]: d for d in data["referentiel"]["domaines"]}
        assert (doms["B2"]["spe"], doms["B2"]["jours_tuteur"], doms["B2"]["heures_accompagnement_individuel"]) == (
            3,
            3.5,
            1.5,
        )


# ============================================================================ version by date
class TestVersionAsOf:
    """The registry picks the version in force: 2016 from 16/12/2016, blocs from 01/01/2022."""

    @pytest.mark.parametrize(
        ("as_of", "version"),
        [
            (date(2016, 12, 16), "2016"),  # CPNEFP of 16 December 2016
            (date(2017, 3, 1), "2016"),  # first sessions (lancement VIII)
            (date(2021, 12, 31), "2016"),
            (date(2022, 1, 1), "blocs"),  # « Pour l'année 2022 » (acteurs)
            (date(2024, 6, 1), "blocs"),
        ],
    )
    def test_pick(self, as_of, version):
        """Each side of the change of version."""
        assert cqpkit.load_registry().referentiel(MO, as_of=as_of).version == version

    def test_before_the_cpnefp_there_is_none(self):
        """The day before the CPNEFP validated the référentiels, no version is in force: a French error, exit 1."""
        result = run_cli("show", MO, "--as-of", "2016-12-15")
        assert result.returncode == 1
        assert "aucune version de « secu.manager-operationnel » en vigueur le 15/12/2016" in result.stderr

    def test_cli_as_of(self):
        """`cqpkit show --as-of` names the version chosen."""
        assert "version 2016" in run_cli("show", MO, "--as-of", "2021-12-31").stdout.splitlines()[0]
        assert "version blocs" in run_cli("show", MO, "--as-of", "2022-01-01").stdout.splitlines()[0]

    def test_without_date_the_latest(self):
        """Without version nor date: the latest version in force (blocs)."""
        assert cqpkit.load_registry().referentiel(MO).version == "blocs"


# ============================================================================ hooks
class TestConseilleEnPremier:
    """« Il est fortement conseillé de débuter le parcours de formation par ce module » (architecture 3)."""

    def test_transverse_first(self, blocs):
        """Opening session, then the module transverse, then a bloc: nothing."""
        d = mo_dossier(
            formations=(
                formation("ouverture", day("2022-01-10")),
                formation("transverse", day("2022-01-11")),
                formation("pilotage", day("2022-02-07")),
            )
        )
        assert regles.check_conseille_en_premier(blocs, d, day("2022-12-31")) == []

    def test_same_day_is_not_after(self, blocs):
        """The module transverse and a bloc starting the same day: the transverse is not after it."""
        d = mo_dossier(formations=(formation("pilotage", day("2022-01-10")), formation("transverse", day("2022-01-10"))))
        assert regles.check_conseille_en_premier(blocs, d, day("2022-12-31")) == []

    def test_never_followed(self, blocs):
        """A bloc followed and no module transverse: a warning at the first module."""
        d = mo_dossier(formations=(formation("analyser-pratique", day("2022-03-07")),))
        [c] = regles.check_conseille_en_premier(blocs, d, day("2022-12-31"))
        assert (c.code, c.niveau, c.chemin) == ("module_conseille_en_premier", "avertissement", "formations[0].debut")
        assert "non suivi au 31/12/2022" in c.message
        assert c.source.document == "cqp-mo_architecture-et-parcours.md"

    def test_later_fact_has_not_happened(self, blocs):
        """As of the day before the bloc module, nothing has started yet: nothing."""
        d = mo_dossier(formations=(formation("pilotage", day("2022-01-10")), formation("transverse", day("2022-02-07"))))
        assert regles.check_conseille_en_premier(blocs, d, day("2022-01-09")) == []
        assert codes(regles.check_conseille_en_premier(blocs, d, day("2022-01-10"))) == ["module_conseille_en_premier"]

    def test_2016_has_no_advised_module(self, v2016):
        """The 2016 référentiel marks no module as advised first."""
        d = mo_dossier("2016", formations=(formation("UP3", day("2017-03-06")),))
        assert regles.check_conseille_en_premier(v2016, d, day("2017-12-31")) == []


class TestSpeAvantDepot:
    """The SPE « doivent toutefois avoir été réalisées avant le dépôt du dossier de certification » (architecture 2)."""

    def dossier(self, *spe, depot="2022-10-14", modules=("transverse", "pilotage")):
        return mo_dossier(
            depot_dossier=day(depot),
            formations=tuple(formation(m, day("2022-01-10")) for m in modules),
            activites=tuple(activite(f"A{i}", day(when), domaine=dom) for i, (dom, when) in enumerate(spe)),
        )

    def test_all_before(self, blocs):
        """T: 1 SPE, B1: 2 SPE (acteurs), all before the deposit: nothing."""
        d = self.dossier(("T", "2022-02-01"), ("B1", "2022-03-01"), ("B1", "2022-10-13"))
        assert regles.check_spe_avant_depot(blocs, d, day("2022-12-31")) == []

    def test_on_the_day_of_the_deposit(self, blocs):
        """An SPE dated on the deposit day is not before it: B1 has 1 of its 2."""
        d = self.dossier(("T", "2022-02-01"), ("B1", "2022-03-01"), ("B1", "2022-10-14"))
        [c] = regles.check_spe_avant_depot(blocs, d, day("2022-12-31"))
        assert (c.code, c.niveau, c.chemin, c.valeurs["domaine"]) == ("spe_avant_depot", "erreur", "dossier.depot_dossier", "B1")
        assert c.valeurs["spe_prevues"] == "2" and c.valeurs["spe_avant_depot"] == "1"

    def test_activity_named_by_its_module(self, blocs):
        """An SPE recorded on the module (pilotage → B1) rather than on the bloc counts for the bloc."""
        d = self.dossier(("T", "2022-02-01"), ("B1", "2022-03-01"))
        d = mo_dossier(
            depot_dossier=d.dossier.depot_dossier,
            formations=d.formations,
            activites=(*d.activites, activite("A9", day("2022-04-01"), module="pilotage")),
        )
        assert regles.check_spe_avant_depot(blocs, d, day("2022-12-31")) == []

    def test_not_realised_does_not_count(self, blocs):
        """An SPE planned but not carried out (realisee = false) does not count."""
        d = self.dossier(("T", "2022-02-01"), ("B1", "2022-03-01"))
        d = mo_dossier(
            depot_dossier=d.dossier.depot_dossier,
            formations=d.formations,
            activites=(*d.activites, activite("A9", day("2022-04-01"), domaine="B1", realisee=False)),
        )
        assert codes(regles.check_spe_avant_depot(blocs, d, day("2022-12-31"))) == ["spe_avant_depot"]

    def test_blocs_not_followed_have_no_spe_to_do(self, blocs):
        """Only the domaines whose modules were followed before the deposit: here T and B1, not B2–B4."""
        d = self.dossier(("T", "2022-02-01"), ("B1", "2022-03-01"), ("B1", "2022-03-02"))
        assert regles.check_spe_avant_depot(blocs, d, day("2022-12-31")) == []

    def test_not_yet_deposited(self, blocs):
        """No deposit as of the date: nothing yet."""
        d = self.dossier(depot="2022-10-14")
        assert regles.check_spe_avant_depot(blocs, d, day("2022-10-13")) == []
        assert len(regles.check_spe_avant_depot(blocs, d, day("2022-10-14"))) == 2  # T and B1

    def test_2016_counts_no_spe(self, v2016):
        """The 2016 domaines give no number of SPE: nothing."""
        d = mo_dossier("2016", depot_dossier=day("2018-02-01"), formations=(formation("UP1", day("2017-03-06")),))
        assert regles.check_spe_avant_depot(v2016, d, day("2018-12-31")) == []


class TestSpeAvantModuleCollectif:
    """Collective modules « sous réserve d'avoir déjà pu mener des expérimentations terrain » (architecture 3)."""

    def test_each_time_the_module_is_followed(self, blocs):
        """The preparation followed twice: before the first SPE (warning), after it (nothing)."""
        d = mo_dossier(
            formations=(
                formation("preparer-certification", day("2022-02-01")),
                formation("preparer-certification", day("2022-05-02")),
            ),
            activites=(activite("A1", day("2022-03-01"), domaine="B1"),),
        )
        found = regles.check_spe_avant_module_collectif(blocs, d, day("2022-12-31"))
        assert [(c.code, c.niveau, c.chemin) for c in found] == [
            ("spe_avant_module_collectif", "avertissement", "formations[0].debut")
        ]

    def test_spe_the_same_day_is_not_before(self, blocs):
        """An SPE on the first day of the module is not « déjà » carried out."""
        d = mo_dossier(
            formations=(formation("analyser-pratique", day("2022-03-01")),),
            activites=(activite("A1", day("2022-03-01"), domaine="B1"),),
        )
        assert codes(regles.check_spe_avant_module_collectif(blocs, d, day("2022-12-31"))) == ["spe_avant_module_collectif"]

    def test_2016_has_no_collective_module(self, v2016):
        """No SPE count in 2016: nothing."""
        d = mo_dossier("2016", formations=(formation("UP1", day("2017-03-06")),))
        assert regles.check_spe_avant_module_collectif(v2016, d, day("2017-12-31")) == []


class TestPremiereAnnee:
    """2016, beginners: the parcours intégral « leur est conseillé dès la première année de la prise de poste » (IV)."""

    def dossier(self, nomination, voie="parcours-integral"):
        return mo_dossier(
            "2016", voie=voie, nomination=day(nomination), formations=(formation("UP1", day("2017-03-06")),)
        )

    def test_anniversary_day(self, v2016):
        """Appointed 06/03/2016, training on 06/03/2017: still the first year."""
        assert regles.check_premiere_annee(v2016, self.dossier("2016-03-06"), day("2017-12-31")) == []

    def test_day_after(self, v2016):
        """Appointed 05/03/2016: the first year ended on 05/03/2017, a warning."""
        [c] = regles.check_premiere_annee(v2016, self.dossier("2016-03-05"), day("2017-12-31"))
        assert (c.code, c.niveau, c.valeurs["date_limite"]) == ("formation_premiere_annee", "avertissement", "05/03/2017")

    def test_only_the_parcours_integral(self, v2016):
        """Experienced managers (parcours individualisé) are not concerned."""
        assert regles.check_premiere_annee(v2016, self.dossier("2010-01-04", "parcours-individualise"), day("2017-12-31")) == []

    def test_not_yet_started(self, v2016):
        """Before the training starts: nothing."""
        assert regles.check_premiere_annee(v2016, self.dossier("2010-01-04"), day("2017-03-05")) == []

    def test_bloc_version_has_no_such_route(self, blocs):
        """The bloc version has no « parcours-integral » voie: nothing, whatever the dossier says."""
        assert regles.check_premiere_annee(blocs, self.dossier("2010-01-04"), day("2017-12-31")) == []


class TestDecide:
    """The bloc version certifies the four blocs; the module transverse is not certified."""

    def test_four_blocs_certify(self, blocs):
        """B1–B4 acquired: certified, nothing remaining (T is not a bloc)."""
        d = mo_dossier(passages=(passage(day("2022-12-01"), decisions={b: "acquis" for b in ("B1", "B2", "B3", "B4")}),))
        res = regles.decide(blocs, d, day("2022-12-31"))
        assert (res.statut, res.restants, res.date_certification) == ("certifie", (), day("2022-12-01"))

    def test_one_bloc_is_partial(self, blocs):
        """One bloc acquired: partial, the three others remain."""
        d = mo_dossier(passages=(passage(day("2022-12-01"), decisions={"B3": "acquis"}),))
        res = regles.decide(blocs, d, day("2022-12-31"))
        assert (res.statut, [a.domaine for a in res.acquis], res.restants) == ("partiel", ["B3"], ("B1", "B2", "B4"))

    def test_2016_left_to_the_generic_engine(self, v2016):
        """Version 2016 has no transverse domaine: None, the generic engine answers."""
        assert regles.decide(v2016, mo_dossier("2016"), day("2018-12-31")) is None

    def test_registry_uses_the_hook(self):
        """Through the registry, the bloc version's result has no transverse domaine remaining."""
        registry = cqpkit.load_registry()
        res = registry.decide(mo_dossier(passages=(passage(day("2022-12-01"), decisions={"B1": "acquis"}),)), day("2022-12-31"))
        assert res.restants == ("B2", "B3", "B4")


class TestHooksOnOtherCertifications:
    """Each hook answers nothing for another certification."""

    def test_other_certification(self):
        """The Mutualité référentiel: empty findings, no decision."""
        registry = cqpkit.load_registry()
        other = registry.referentiel("mutualite.specialiste-prestations")
        d = dossier(certification=other.id, version=other.version, mention="sante", depot_dossier=date(2020, 6, 1))
        assert cqpkit_cqp_mo.cqpkit_check_dossier(other, d, date(2021, 1, 1)) == []
        assert cqpkit_cqp_mo.cqpkit_decide(other, d, date(2021, 1, 1)) is None
        assert regles.check_dossier(other, d, date(2021, 1, 1)) == []
        assert regles.decide(other, d, date(2021, 1, 1)) is None

    def test_hooks_are_registered(self):
        """`cqpkit plugins` lists the plugin's hooks and both référentiel files."""
        data = json.loads(run_cli("plugins", "--json").stdout)
        mo = next(p for p in data["plugins"] if p["nom"] == "cqp_mo")
        assert mo["hooks"] == ["cqpkit_check_dossier", "cqpkit_decide", "cqpkit_referentiels"]
        assert sorted(p.rsplit("/", 1)[-1] for p in mo["referentiels"]) == [
            "manager-operationnel-2016.toml",
            "manager-operationnel-blocs.toml",
        ]


# ============================================================================ scenarios
class TestScenarios:
    """The plugin's scenarios: at least 25, both versions, all passing with `cqpkit test`."""

    def test_count_and_versions(self):
        """At least 25 scenario files, each version covered, each with its computation in comments."""
        files = sorted(SCENARIOS.glob("*.toml"))
        assert len(files) >= 25
        texts = [p.read_text(encoding="utf-8") for p in files]
        assert sum('version = "2016"' in t for t in texts) >= 10
        assert sum('version = "blocs"' in t for t in texts) >= 10
        assert all(t.startswith("# ") for t in texts)

    def test_cqpkit_test_passes(self):
        """`cqpkit test plugins/cqp_mo` runs every scenario; all pass (exit 0)."""
        result = run_cli("test", str(PLUGIN))
        n = len(list(SCENARIOS.glob("*.toml")))
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.splitlines()[-1] == f"{n} scénarios réussis, 0 en échec"

    def test_found_without_a_path(self):
        """`cqpkit test` without a path runs the scenarios/ of each loaded plugin package, ours included."""
        result = run_cli("test")
        assert str(SCENARIOS / "blocs-parcours-complet-certifie.toml") in result.stdout
