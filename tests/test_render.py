"""`cqpkit show` and `cqpkit list` as a certification officer reads them (core/cqpkit/render/referentiel.py, render/labels.py).

Each expected value is read in the seeds, not in the code's output: the section is named next to it.
"""

from __future__ import annotations

import json
import re

import pytest
from cqpkit.model import referentiel as model
from cqpkit.render import labels

from tests.conftest import run_cli

MO = "secu.manager-operationnel"
SP = "mutualite.specialiste-prestations"
AUTRES = (
    "mutualite.conseiller-mutualiste",
    "mutualite.charge-accueil-relation-clients",
    "mutualite.teleconseiller",
    "mutualite.assistant-commercial",
)


def show(*args: str, env: dict[str, str] | None = None) -> str:
    result = run_cli("show", *args, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def sp() -> str:
    return show(SP, "--as-of", "2014-06-01")


@pytest.fixture(scope="module")
def mo2016() -> str:
    return show(MO, "--version", "2016", "--as-of", "2017-06-01")


@pytest.fixture(scope="module")
def blocs() -> str:
    return show(MO, "--version", "blocs", "--as-of", "2022-06-01")


def section(out: str, heading: str) -> str:
    """The lines under a heading (a line starting at column 0), up to the next heading."""
    lines = out.splitlines()
    start = lines.index(heading)
    end = next((i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith(" ")), len(lines))
    return "\n".join(lines[start + 1 : end])


# ============================================================================ labels
class TestLabels:
    """Every value of the model's fixed vocabularies has a French label; the référentiel's own labels win."""

    @pytest.mark.parametrize(
        ("vocabulary", "table"),
        [
            (model.ROLES, labels.ROLES),
            (model.TYPES_DOMAINE, labels.TYPES_DOMAINE),
            (model.TYPES_EPREUVE, labels.TYPES_EPREUVE),
            (model.TYPES_MODULE, labels.TYPES_MODULE),
            (model.NIVEAUX, labels.NIVEAUX),
            (model.EVENEMENTS, labels.EVENEMENTS),
            (model.NatureExperience.__args__, labels.NATURES_EXPERIENCE),
            (("evaluation_finale_favorable", "activites_realisees", "modules_obligatoires"), labels.CONDITIONS_PASSAGE),
            (("heure", "jour", "mois", "mois_commence", "point", "forfait", "semaine", "minute", "action"), labels.UNITES),
        ],
    )
    def test_every_value_has_a_label(self, vocabulary, table):
        """A value added to a vocabulary without a label fails here."""
        assert set(vocabulary) <= set(table), set(vocabulary) - set(table)

    def test_roles_in_words(self):
        """« le responsable hiérarchique et un autre évaluateur (tuteur et/ou formateur interne et/ou autre professionnel expérimenté) » (guide, 2.3)."""
        assert labels.role("n_plus_1") == "responsable hiérarchique (N+1)"
        assert labels.roles(["tuteur", "formateur_interne", "professionnel_experimente"]) == (
            "tuteur, formateur interne ou autre professionnel expérimenté"
        )
        assert labels.role("inconnu") == "inconnu"

    @pytest.mark.parametrize(
        ("counts", "text"),
        [
            ({"domaine": 5}, "5 domaines"),
            ({"bloc": 4, "transverse": 1}, "4 blocs + 1 module transverse"),
            ({"bloc": 1}, "1 bloc"),
            ({"domaine": 1}, "1 domaine"),
            ({}, "aucun domaine"),
        ],
    )
    def test_units(self, counts, text):
        """Architecture 1: « un module transverse » and « 4 blocs de compétences »; lancement III: « cinq domaines »."""
        assert labels.unites_domaines(counts) == text

    @pytest.mark.parametrize(
        ("note", "reader"),
        [
            ("charge_max = 3 : article D6324-5", "Charge maximale (3) : article D6324-5"),
            ("formation_delai_min = P1M : la lettre dit", "Délai minimal de la formation du tuteur (1 mois) : la lettre dit"),
            ("experience_min = P2Y : le document", "Expérience minimale du tuteur (2 ans) : le document"),
            ("Quantité : sinon les 21 h de [tutorat].", "Quantité : sinon les 21 h de « Tutorat »."),
            ("Le jury est souverain (2.5).", "Le jury est souverain (2.5)."),
        ],
    )
    def test_officer_text(self, note, reader):
        """A note's key names become what they mean; French prose is left as it is."""
        assert labels.officer_text(note) == reader


# ============================================================================ cqpkit list
UNITS = {
    (MO, "2016"): ("5 domaines", {"domaine": 5, "bloc": 0, "transverse": 0}),  # lancement III: cinq domaines
    (MO, "blocs"): ("4 blocs + 1 module transverse", {"domaine": 0, "bloc": 4, "transverse": 1}),  # architecture 1
    (SP, "2014"): ("5 domaines", {"domaine": 5, "bloc": 0, "transverse": 0}),  # Partie 2, référentiel de compétences
    **{(cid, "2014"): ("aucun domaine", {"domaine": 0, "bloc": 0, "transverse": 0}) for cid in AUTRES},
}


class TestListUnits:
    """`cqpkit list` says the units each référentiel uses: domaines, or blocs and a module transverse."""

    def test_text(self):
        """The column « Domaines / blocs » of each of the seven référentiels."""
        result = run_cli("list")
        assert result.returncode == 0, result.stderr
        for (cid, version), (text, _) in UNITS.items():
            row = next(x for x in result.stdout.splitlines() if x.startswith(cid + " ") and x.split()[1] == version)
            cells = [c.strip() for c in row.split("  ") if c.strip()]
            assert cells[2] == text, row

    def test_json(self):
        """`domaines` stays the count; `unites` counts each type and `unites_libelle` says it in words."""
        data = json.loads(run_cli("list", "--json").stdout)
        by_key = {(r["id"], r["version"]): r for r in data["referentiels"]}
        for key, (text, counts) in UNITS.items():
            assert by_key[key]["unites"] == counts
            assert by_key[key]["unites_libelle"] == text
            assert by_key[key]["domaines"] == sum(counts.values())


# ============================================================================ cqpkit show
class TestShowLabels:
    """No raw id of a vocabulary in the text: roles, échelles, mentions, natures are labels."""

    @pytest.mark.parametrize("raw", ["n_plus_1", "oui_non", "acquis_a_ameliorer", "formateur_interne", "salariee", "savoir_faire", "prevoyance"])
    def test_no_raw_id(self, sp, raw):
        """The Spécialiste prestations shown whole names none of these ids."""
        assert re.search(rf"(?<![\w.-]){raw}(?![\w.-])", sp) is None, raw

    def test_labels_instead(self, sp):
        """Guide 2.3 / 2.4, échelle of the livret d'évaluation finale, mentions of Partie 2."""
        assert "Mentions : santé, prévoyance" in sp
        assert (
            "Évaluateurs : 2 évaluateurs distincts ; dont obligatoirement : responsable hiérarchique (N+1) ; "
            "l'autre : tuteur, formateur interne ou autre professionnel expérimenté"
        ) in sp
        assert "    Échelle : Oui / non" in sp
        assert "(expérience salariée, non salariée ou bénévole)" in sp  # 3.3

    def test_2016_unites_de_professionnalisation(self, mo2016):
        """Lancement VI.2: « huit unités de professionnalisation » (UP1–UP8)."""
        assert "  Composition : 5 domaines ; 8 unités de professionnalisation" in mo2016
        assert "\nUnités de professionnalisation (8)\n" in mo2016

    def test_evaluators_excluded(self, blocs):
        """Acteurs: the N+1 « ne participe pas à l'évaluation de la progression du manager »."""
        assert "Évaluateurs : ne peut pas évaluer : responsable hiérarchique (N+1)" in blocs


class TestShowEpreuves:
    """Each épreuve's instructions: consigne, modalités, supports."""

    def test_formative_d1(self, sp):
        """Livret de suivi, domaine 1: « Une étude de cas … questionnaire à choix multiples portant sur l'autre domaine »."""
        block = sp.split("  formative-D1  ", 1)[1].split("\n  formative-D2", 1)[0]
        assert "Consigne : Une étude de cas portant sur l'analyse d'un dossier complexe" in block
        assert "questionnaire à choix multiples" in block

    def test_finale_d1(self, sp):
        """Livret d'évaluation finale, domaine 1: « choisir 3 dossiers complexes »."""
        block = sp.split("  finale-entreprise-D1  ", 1)[1].split("\n  finale-entreprise-D1-decouverte", 1)[0]
        assert "    Modalités :" in block and "choisir 3 dossiers complexes" in block
        assert "    Supports : Livret d'évaluation finale en entreprise" in block
        assert "    Avis d'ensemble : Avis des évaluateurs sur la maîtrise du domaine" in block


class TestShowJury:
    """The jury of the Mutualité (guide 2.1, 2.5, 3.5) and what the CQP MO sources say of theirs."""

    @pytest.mark.parametrize("cid", [SP, *AUTRES])
    def test_mutualite(self, cid):
        """« 4 personnes (deux représentants de l'UGEM … et deux représentants des syndicats de salariés) … alternativement »; 5 ans; 3 ans; souverain."""
        jury = section(show(cid), "Jury")
        assert (
            "  Composition : 4 membres — 2 représentants de l'UGEM, dont, le cas échéant, le responsable de l'OEMM ; "
            "2 représentants des syndicats de salariés"
        ) in jury
        assert "  Présidence : un président choisi parmi les membres, à tour de rôle entre les collèges (présidence alternée)" in jury
        assert "  Premier passage : au plus tard 3 ans après l'inscription" in jury
        assert "  Délivrance : en totalité ou en partie, par domaine" in jury
        assert "  Validité des acquis partiels : 5 ans" in jury
        assert "  Souveraineté : le jury est souverain" in jury

    def test_format_per_cqp(self, sp):
        """2.5: diaporama 10 minutes, entretien 10 minutes, délibération (Spécialiste); 20 minutes environ (Téléconseiller)."""
        assert "(10 min) ; puis entretien avec le jury (10 min) ; puis délibération ; 20 min hors délibération" in sp
        assert "  Déroulement : entretien avec le jury (20 min) ; puis délibération\n" in show("mutualite.teleconseiller")

    def test_blocs(self, blocs):
        """Architecture 1 and 3: both collective modules before certification; one or several blocs; validity not given."""
        jury = section(blocs, "Jury")
        assert "  Conditions pour se présenter : les modules obligatoires ont été suivis" in jury
        assert "  Délivrance : en totalité ou en partie, par bloc" in jury
        assert "  Validité des blocs acquis : non précisée par les sources" in jury
        assert "  Composition :" not in jury and "  Souveraineté :" not in jury

    def test_2016_has_no_jury_heading(self, mo2016):
        """Lancement VI.4 says only « jury local »: no [jury] table, so no heading either."""
        assert "\nJury\n" not in mo2016


class TestShowCapsAndPeriods:
    """The caps and lead times of the tutorat letter (2017) and the actors' document (2022), with their periods."""

    def test_tutorat_2016(self, mo2016):
        """Tutorat III, V, VII: 2 years, 2 managers (recommended), 3 (Code du travail), 21 h one month before, 11,5 days."""
        tutorat = section(mo2016, "Tutorat")
        assert "  Expérience du tuteur : au moins 2 ans" in tutorat
        assert "  Charge recommandée : au plus 2 candidats à la fois" in tutorat
        assert "  Charge maximale : 3 candidats à la fois" in tutorat
        assert "  Formation du tuteur : obligatoire avant la mission, 21 heures, commencée au moins 1 mois avant" in tutorat
        assert "  Temps de tutorat : 11,5 jours par candidat" in tutorat

    def test_tutorat_blocs(self, blocs):
        """Acteurs: « planifiée 2 à 3 semaines avant le début de la formation du manager »."""
        assert "commencée 2 à 3 semaines avant le début de la formation du candidat" in section(blocs, "Tutorat")

    def test_financement_2016(self, mo2016):
        """Tutorat IX and X, lancement VII: 15 €/h within 40 h; 230 €/month, 6 months (« Priorités de financement 2017 »,
        note (6): the year 2017); 5 points per month, 180 per calendar year (protocol of 3 September 2010); 9 650 €."""
        fin = section(mo2016, "Financement")
        assert "du 01/01/2017 au 31/12/2017 : 15 € par heure, dans la limite de 40 heures — en vigueur le 01/06/2017" in fin
        assert "du 01/01/2017 au 31/12/2017 : 230 € par mois, dans la limite de 6 mois" in fin
        assert "depuis le 03/09/2010 : 5 points par mois commencé, au plus 180 points par année civile" in fin
        assert "Barème appliqué : celui en vigueur à la date de l'événement payé — chaque mois de mission (son premier jour)" in fin
        assert "depuis le 16/01/2017 : 9 650 € (forfait)" in fin
        # Tutorat VIII: 11,5 days of tutoring + 21 days of alternance = 32,5 days at 12 € per hour.
        assert "soit 32,5 jours" in fin and "Conversion : 7 h par jour" in fin

    def test_financement_mutualite(self, sp):
        """Guide 1.4: « une gratification de 120 points (1 point correspond en 2014 à 7,99 €) »."""
        fin = section(sp, "Financement")
        assert "    Quantité : 120 points" in fin
        assert "    du 01/01/2014 au 31/12/2014 : 7,99 € par point — en vigueur le 01/06/2014" in fin
        assert "Barème appliqué : celui en vigueur à la date de l'événement payé — délivrance du CQP par le jury" in fin
        assert "due une fois la certification délivrée" in fin

    def test_tutor_training_price_2022_only(self):
        """Acteurs: « Pour l'année 2022 … 577 € »: in force on 31/12/2022, not on 01/01/2023."""
        inside = section(show(MO, "--version", "blocs", "--as-of", "2022-12-31"), "Financement")
        after = section(show(MO, "--version", "blocs", "--as-of", "2023-01-01"), "Financement")
        line = "    du 01/01/2022 au 31/12/2022 : 577 € (forfait)"
        assert f"{line} — en vigueur le 31/12/2022" in inside
        assert f"{line}\n" in after and "    Aucune valeur en vigueur le 01/01/2023" in after

    def test_formation_mutualite(self, sp):
        """Guide 2.3: 280 to 320 hours; 4.1: agreement « jusqu'à juin 2014 » (expired after 30/06/2014)."""
        formation = section(sp, "Formation")
        assert "  Durée de l'ensemble des modules : de 280 à 320 heures" in formation
        assert "agrément jusqu'au 30/06/2014\n" in formation + "\n"
        assert "agrément jusqu'au 30/06/2014 (expiré)" in section(show(SP, "--as-of", "2014-07-01"), "Formation")


class TestShowRegles:
    """`[[regles]]` under « Règles », as French sentences, with their weight and source."""

    def test_blocs(self, blocs):
        """Architecture 3: « au moins 2 mois avant le passage en jury »; « il est conseillé de ne pas dépasser 6 mois »."""
        regles = section(blocs, "Règles")
        assert "    Règle : Au moins 2 mois entre le module « Se préparer aux épreuves de certification » et le passage devant le jury" in regles
        assert "    Règle : Au plus 6 mois entre le module « Se préparer aux épreuves de certification » et le passage devant le jury" in regles
        assert "(recommandation)" in regles and "(bloquant)" in regles
        assert "    Règle : Le module « Analyser et formaliser sa pratique professionnelle » est suivi avant" in regles
        assert "    Règle : La nomination a lieu au plus tard le jour du début de la formation" in regles


# ============================================================================ headings and notes
DRAFT = """\
[certification]
id = "demo.brouillon"
intitule = "CQP Brouillon"
branche = "demo"
certificateur = "CPNEFP démo"
version = "1"
complet = false
notes = "Rien d'autre dans les sources."

[jury]

[tutorat]

[formation]

[financement.prime]
intitule = "Prime"
unite = "point"
en = "point"
quantite = 10

[[financement.prime.valeurs]]
depuis = 2020-01-01
valeur = 1
source = { document = "demo.md", section = "1" }

[[financement.prime.valeurs]]
depuis = 2021-01-01
valeur = 2
plafond_annuel = 50
source = { document = "demo.md", section = "2" }
"""


@pytest.fixture(scope="module")
def draft(tmp_path_factory):
    """The environment that registers the DRAFT référentiel."""
    path = tmp_path_factory.mktemp("brouillon") / "brouillon.toml"
    path.write_text(DRAFT, encoding="utf-8")
    return {"CQPKIT_REFERENTIELS_PATH": str(path)}


class TestHeadings:
    """A heading is written only when something follows it."""

    def test_empty_tables_no_heading(self, draft):
        """Empty [jury], [tutorat] and [formation], no domaines, no épreuves: none of their headings."""
        out = show("demo.brouillon", "--as-of", "2020-06-01", env=draft)
        for heading in ("Jury", "Tutorat", "Formation", "Épreuves", "Prérequis", "Règles", "Voies d'accès"):
            assert f"\n{heading}" not in out, heading
        assert "  Composition : aucun domaine de compétences dans les sources" in out

    @pytest.mark.parametrize(("as_of", "first", "second"), [("2020-12-31", True, False), ("2021-01-01", False, True)])
    def test_periods_both_sides(self, draft, as_of, first, second):
        """Two values: the first holds through the day before the second's start; the one in force is marked."""
        fin = section(show("demo.brouillon", "--as-of", as_of, env=draft), "Financement")
        lines = fin.splitlines()
        one = next(x for x in lines if x.startswith("    du 01/01/2020 au 31/12/2020 : 1 point par point"))
        two = next(x for x in lines if x.startswith("    depuis le 01/01/2021 : 2 points par point, au plus 50 points par année civile"))
        assert ("en vigueur le" in one) is first and ("en vigueur le" in two) is second

    def test_every_heading_has_content(self, sp, mo2016, blocs):
        """In the seven référentiels shown whole, each heading is followed by an indented line."""
        outs = [sp, mo2016, blocs, *(show(cid) for cid in AUTRES)]
        for out in outs:
            lines = out.splitlines()
            for i, line in enumerate(lines[1:], 1):
                if line and not line.startswith(" "):
                    assert i + 1 < len(lines) and lines[i + 1].startswith("  "), (line, out.splitlines()[0])

    def test_court_has_no_notes(self):
        """`--court`: one line per element, no notes."""
        out = show(SP, "--court")
        assert "Notes" not in out and "\nDomaines de compétences (5)\n" in out

    def test_notes_without_key_names(self, sp, mo2016, blocs):
        """The notes of [certification], domaines, épreuves, modules and voies are written for the officer: no key of the format."""
        keys = ("complet =", "en_vigueur", "roles_admis", "roles_exclus", "conseille_en_premier", "module_conseille", "jours_presentiel", "documents_requis", "[[", "obligatoire =")
        for out in (sp, mo2016, blocs):
            for key in keys:
                assert key not in out, key


class TestValidation:
    """`libelles_mentions` names only mentions of the certification."""

    def test_unknown_mention_label(self, tmp_path):
        """A label for a mention the certification does not have is an error with file, line and key path, exit 1."""
        path = tmp_path / "r.toml"
        path.write_text(
            '[certification]\nid = "demo.x"\nintitule = "X"\nbranche = "demo"\ncertificateur = "C"\nversion = "1"\n'
            'mentions = ["sante"]\nlibelles_mentions = { sante = "santé", prevoyanse = "prévoyance" }\n',
            encoding="utf-8",
        )
        result = run_cli("validate", str(path))
        assert result.returncode == 1
        assert "libelles_mentions.prevoyanse" in result.stdout + result.stderr
        assert "mention « prevoyanse » inconnue" in result.stdout + result.stderr
