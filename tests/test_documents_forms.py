"""The référentiel's four forms (cqpkit.documents.forms), blank and filled, read back from the PDF with pypdf.

Expected labels, scales and figures are those of the source documents in seeds/ (the line or section of
the document is given next to each), not copied from the output. Renders are kept few: the 28 blank
forms (7 référentiels × 4 kinds) once per module, and a handful of filled ones.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from functools import cache
from pathlib import Path

import cqpkit
import pytest
from cqpkit.documents import KINDS, builder
from cqpkit.formats.dossiers import load_dossier

pypdf = pytest.importorskip("pypdf", reason="pypdf (extra [test]) lit le texte des PDF produits")
pytest.importorskip("typst", reason="le compilateur Typst (extra [documents]) n'est pas installé")

from cqpkit.documents.typst import render_pdf  # noqa: E402  (after the skip: it needs no typst to import, but reads better here)

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGN = ROOT / "examples" / "campaign" / "dossiers"
FORMS = ("positionnement", "livret-suivi", "grille-tuteur", "livret-evaluation-finale")
SP = ("mutualite.specialiste-prestations", "2014")
REFERENTIELS = (
    SP,
    ("mutualite.conseiller-mutualiste", "2014"),
    ("mutualite.charge-accueil-relation-clients", "2014"),
    ("mutualite.teleconseiller", "2014"),
    ("mutualite.assistant-commercial", "2014"),
    ("secu.manager-operationnel", "2016"),
    ("secu.manager-operationnel", "blocs"),
)


def norm(text: str) -> str:
    """Text as compared: typographic apostrophes and no-break spaces made plain, whitespace collapsed."""
    for a, b in (("\u2019", "'"), ("\u00a0", " "), ("\u202f", " ")):
        text = text.replace(a, b)
    # A line broken at a word's own hyphen (« Connaissez-/vous ») reads back « Connaissez- vous ».
    return re.sub(r"(\w)- (\w)", r"\1-\2", " ".join(text.split()))


def pdf_text(pdf: bytes) -> str:
    return norm("\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages))


@cache
def registry() -> cqpkit.plugins.registry.Registry:
    return cqpkit.load_registry()


@cache
def blank(kind: str, cid: str, version: str) -> str:
    doc = builder(kind)(registry(), registry().referentiel(cid, version))
    return pdf_text(render_pdf(doc.template, doc.data))


@cache
def filled(kind: str, path: str, as_of: dt.date | None = dt.date(2020, 6, 30)) -> str:
    d = load_dossier(ROOT / path, registry())
    doc = builder(kind)(registry(), registry().referentiel_for(d), d, as_of)
    return pdf_text(render_pdf(doc.template, doc.data))


def all_blank(cid: str, version: str) -> str:
    return " ".join(blank(k, cid, version) for k in FORMS)


class TestEveryBlankForm:
    """Every form of every bundled référentiel prints, versioned, and says when the référentiel is incomplete."""

    @pytest.mark.parametrize("ref", REFERENTIELS, ids=lambda r: f"{r[0]}@{r[1]}")
    @pytest.mark.parametrize("kind", FORMS)
    def test_renders_with_version_and_date_of_effect(self, kind, ref):
        """The heading names the certification, the version, the date of effect (or that none is given)."""
        r = registry().referentiel(*ref)
        text = blank(kind, *ref)
        assert norm(r.certification.intitule) in text
        assert f"version {ref[1]}" in text
        expected = {"2016": "16/12/2016", "blocs": "01/01/2022"}.get(ref[1], "non indiquée par les sources")
        assert f"en vigueur depuis : {expected}" in text
        assert ("Référentiel incomplet (complet = false)" in text) is (not r.certification.complet)
        assert "×" not in text  # a blank form has no box ticked

    def test_the_builders_are_the_kinds_references(self):
        """`cqpkit.documents.builder` finds the four builders under the kinds' names."""
        from cqpkit.documents import forms

        assert [builder(k) for k in FORMS] == [
            forms.positionnement, forms.livret_suivi, forms.grille_tuteur, forms.livret_evaluation_finale
        ]
        assert all(KINDS[k].source == "referentiel" for k in FORMS)

    def test_data_is_plain_json(self):
        """The data given to a template is plain JSON (nothing left for the template to format)."""
        for kind in FORMS:
            doc = builder(kind)(registry(), registry().referentiel(*SP))
            assert json.loads(json.dumps(doc.data)) == doc.data
            assert doc.data["format"] == 1 and doc.filename == f"{kind}-specialiste-prestations-2014.pdf"

    def test_same_data_same_bytes(self):
        """A form is reproducible: the same référentiel gives the same bytes."""
        doc = builder("grille-tuteur")(registry(), registry().referentiel(*SP))
        assert render_pdf(doc.template, doc.data) == render_pdf(doc.template, doc.data)


class TestDataShape:
    """The data of every form holds to its documented JSON Schema (forms/formulaires.schema.json, format 1)."""

    @pytest.mark.parametrize("kind", FORMS)
    def test_blank_and_filled_data_follow_the_schema(self, kind):
        import jsonschema

        schema = json.loads((ROOT / "core/cqpkit/documents/forms/formulaires.schema.json").read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        whole = jsonschema.Draft202012Validator(schema)
        one = jsonschema.Draft202012Validator({**schema, "oneOf": [{"$ref": f"#/$defs/{kind}"}]})
        datas = [builder(kind)(registry(), registry().referentiel(*r)).data for r in REFERENTIELS]
        for path in sorted(CAMPAIGN.glob("*.toml"))[::4]:
            d = load_dossier(path, registry())
            datas.append(builder(kind)(registry(), registry().referentiel_for(d), d, dt.date(2020, 6, 30)).data)
        for data in datas:
            one.validate(data)
            whole.validate(data)  # and it is one kind only


class TestItemByItem:
    """The four blank forms together hold every item of the référentiel: domaines, savoir-faire, savoirs,
    prerequisites, criteria, questions, scales, modules."""

    @pytest.mark.parametrize("ref", REFERENTIELS, ids=lambda r: f"{r[0]}@{r[1]}")
    def test_every_item_of_the_referentiel(self, ref):
        r = registry().referentiel(*ref)
        text = all_blank(*ref)
        items = [d.intitule for d in r.domaines]
        items += [x for d in r.domaines for x in (*d.savoir_faire, *d.savoirs)]
        items += [x for p in r.prerequis for x in (p.libelle, *p.details)]
        # Criteria: every noted one, and every question; the positionnement's per-domaine criteria
        # (« Savoir-faire du domaine 1 »…) print as the rows « Savoir-faire », « Savoirs » of the domaine.
        # The fiche de synthèse's criteria (« Le candidat a exercé les activités liées au domaine de
        # compétences 1 ») print, as in the livret, as its column heading against each domaine's row.
        items += [c.libelle for e in r.epreuves if e.type != "positionnement" for c in e.criteres if c.nature != "activite"]
        items += [c.libelle for e in r.epreuves if e.type == "positionnement" for c in e.criteres if c.nature == "question"]
        items += [n.libelle for e in r.echelles.values() for n in e.valeurs]
        items += [m.intitule for m in r.modules]
        missing = [x for x in items if norm(x) not in text]
        assert missing == []


class TestAgainstTheSeeds:
    """Precise labels, scales and figures, checked against the source documents."""

    def test_specialiste_prestations_entretien_d_accueil(self):
        """Guide d'entretien (Mutualité guide, lines 1021–1104 and 1336–1399): prerequisites yes / no with
        the re-orientation, the positioning scale, the two orientation columns."""
        text = blank("positionnement", *SP)
        assert "Maîtrise des pré-requis" in text
        assert "Si la réponse est négative, le candidat doit être ré-orienté" in text
        assert "Pas du tout Partiellement En totalité" in text
        assert "Quel système informatisé avez-vous utilisé ?" in text
        assert "Le candidat doit suivre la formation" in text
        assert "peut être directement évalué" in text
        assert "Mention santé" in text and "Mention prévoyance" in text

    def test_specialiste_prestations_livret_de_suivi(self):
        """Livret de suivi (lines 1449–1505, 1784–1841): fiche de synthèse, module contents per mention,
        the criteria of the formative evaluation on « à améliorer / acquis » and its overall result."""
        text = blank("livret-suivi", *SP)
        for label in ("Mon parcours de formation : fiche de synthèse", "Organisme de formation", "Responsable de formation",
                      "Dates de la formation", "Nombre d'heures", "Objectif non atteint", "Objectif atteint",
                      "En progression / à améliorer", "Date de l'évaluation formative",
                      "Nom du formateur ayant procédé à l'évaluation", "Objectifs de progression"):
            assert label in text, label
        assert "Pour les candidats ayant choisi la mention « santé »" in text
        assert "Toutes les informations nécessaires à l'analyse ont été identifiées" in text

    def test_specialiste_prestations_grilles_du_tuteur(self):
        """Guide du tuteur, Partie 3 (lines 2771–3064): acquis / non acquis / à améliorer; « Pour faire le
        point régulièrement »: bilan effectué le, avec, points forts, objectifs de progression."""
        text = blank("grille-tuteur", *SP)
        assert "Non acquis À améliorer Acquis" in text
        assert "Le diagnostic est pertinent" in text
        for label in ("Pour faire le point régulièrement", "Bilan effectué le", "Avec", "Points forts", "Objectifs de progression"):
            assert label in text, label

    def test_specialiste_prestations_livret_d_evaluation_finale(self):
        """Livret d'évaluation finale (lines 3079–3457): the two evaluators' declarations, the fiche de
        synthèse, the oui / non grids, the verdict scale, the jury's 10 + 10 minutes."""
        text = blank("livret-evaluation-finale", *SP)
        assert text.count("déclare conformes et sincères les renseignements apportés dans ce dossier") == 2
        assert "Évaluateur 1" in text and "Évaluateur 2" in text
        assert "Le candidat a exercé les activités liées au domaine" in text
        assert "Conditions de l'évaluation (observation, entretien ou bilan d'activité, …)" in text
        assert text.count("Le domaine n'est pas totalement maîtrisé Le domaine est maîtrisé") == 5
        assert text.count("Signature des deux évaluateurs") == 5
        assert "Compréhension du processus de traitement observé : les étapes et les points clés sont cités" in text
        assert "(10 min)" in text and "Délibération" in text

    def test_manager_operationnel_2016_units_and_durations(self):
        """Lancement letter, VI.1 and VI.2: 12 months, 27 days over 7 months, tutor 11,5 days; UP 2 5,5 days."""
        text = blank("livret-suivi", "secu.manager-operationnel", "2016")
        assert "Unités de professionnalisation" in text
        assert "Le pilotage, l'organisation et la supervision des activités 5,5 jours en présentiel" in text
        assert "Amplitude de la formation intégrale" in text and "12 mois" in text
        assert "27 jours sur 7 mois" in text and "11,5 jours" in text

    def test_manager_operationnel_blocs_spe_and_tutor_days(self):
        """Acteurs et tutorat 2022, table of the mission: SPE and tutor days per bloc (1/0,5; 2/2,5; 3/3,5; 3/3; 1/2)."""
        text = blank("grille-tuteur", "secu.manager-operationnel", "blocs")
        for spe, jours in (("1 SPE", "0,5 jour de tutorat"), ("2 SPE", "2,5 jours de tutorat"), ("3 SPE", "3,5 jours de tutorat"),
                           ("3 SPE", "3 jours de tutorat"), ("1 SPE", "2 jours de tutorat")):
            assert f"{spe} · {jours}" in text
        assert "Temps de tutorat : 11,5 jours" in text

    def test_manager_operationnel_evaluation_steps(self):
        """Lancement VI.4: formative by the tutor and the formateur de suivi; certifying by the jury local on
        the livret de synthèse, the dossier de pratiques professionnelles and an interview."""
        text = blank("livret-evaluation-finale", "secu.manager-operationnel", "2016")
        assert "Les étapes de l'évaluation" in text
        assert "Livret de synthèse des évaluations formatives" in text
        assert "Dossier de pratiques professionnelles" in text
        assert "Évaluateur 1" not in text  # no in-company final evaluation in this CQP

    def test_incomplete_mutualite_cqp_prints_what_it_has(self):
        """A Mutualité CQP without domaines: the forms say so and print no domaine."""
        text = all_blank("mutualite.teleconseiller", "2014")
        assert "Le référentiel ne décrit aucun domaine de compétences" in text
        assert "Le référentiel ne contient pas de grille d'évaluation intermédiaire pour ce CQP" in text
        assert "Domaine de compétences" not in text


class TestFilled:
    """Forms filled from a dossier print what it records, ticked, and leave the rest blank."""

    FORMATION = "examples/dossier-specialiste-prestations-formation.toml"

    def test_positionnement_prints_the_recorded_positions(self):
        """The dossier's entretien: 12/02/2013, both prerequisites « oui », four « pas du tout » and six
        « partiellement »; the engine's orientation: every domaine in training."""
        text = filled("positionnement", self.FORMATION)
        assert "EXEMPLE Camille" in text and "12/02/2013" in text
        assert "P-03, Chargée de développement RH" in text
        assert text.count("× Oui") == 2
        assert text.count("× Pas du tout") == 4 and text.count("× Partiellement") == 6 and "× En totalité" not in text
        assert "× Mention santé" in text and "× Parcours de formation individualisé" in text

    def test_livret_de_suivi_prints_modules_and_formative_results(self):
        """Modules M1-sante … M5 with their dates and hours (84 + 63 + 42 + 56 + 49 = 294 h), the formative
        evaluation of D1 on 26/04/2013: « objectif atteint », one criterion « à améliorer »."""
        text = filled("livret-suivi", self.FORMATION)
        assert "du 18/03/2013 au 26/04/2013 84 h" in text
        assert "Nombre d'heures suivies : 294 h" in text
        assert "Centre de formation fictif Horizon" in text
        assert "× Objectif atteint" in text and "26/04/2013" in text

    def test_grille_tuteur_prints_the_intermediate_evaluation(self):
        """The tutor P-02 and the intermediate evaluation of D1 on 15/07/2013."""
        text = filled("grille-tuteur", self.FORMATION)
        assert "P-02, Spécialiste prestations confirmée" in text
        assert "Date de l'évaluation : 15/07/2013" in text
        assert text.count("×") == 6  # the five criteria of D1 and the mention « santé », nothing else

    def test_livret_d_evaluation_finale_campaign_dossier(self):
        """OEMM-2017-0201: five domaines « maîtrisé » between 14 and 18/01/2019, the synthesis of 21/01/2019,
        the line manager as first evaluator."""
        text = filled("livret-evaluation-finale", "examples/campaign/dossiers/oemm-2017-0201.toml")
        assert "AUBÉPINE Camille" in text
        assert text.count("× Le domaine est maîtrisé") == 5
        assert "Fiche de synthèse renseignée le 21/01/2019" in text
        for day in ("14/01/2019", "15/01/2019", "16/01/2019", "17/01/2019", "18/01/2019"):
            assert day in text
        first = text.index("Évaluateur 1")
        assert text.index("P-01, Responsable de service", first) < text.index("Évaluateur 2")

    def test_as_of_leaves_later_evaluations_out(self):
        """As of 01/01/2014, the second evaluation of D3 (19/05/2014) is not yet known."""
        before = filled("livret-evaluation-finale", self.FORMATION, dt.date(2014, 1, 1))
        after = filled("livret-evaluation-finale", self.FORMATION, dt.date(2014, 6, 30))
        assert "05/12/2013" in before and "19/05/2014" not in before
        assert "19/05/2014" in after

    @pytest.mark.parametrize("path", sorted(CAMPAIGN.glob("*.toml")), ids=lambda p: p.stem)
    def test_every_campaign_dossier_fills_the_forms(self, path):
        """For each dossier of the campaign (data only, not rendered): the candidate, each module followed and
        the date of each evaluation recorded reach the forms' data; an evaluation after the date « as of »
        does not."""
        d = load_dossier(path, registry())
        ref = registry().referentiel_for(d)
        as_of = dt.date(2020, 6, 30)
        data = json.dumps([builder(k)(registry(), ref, d, as_of).data for k in FORMS], ensure_ascii=False)
        assert d.candidat.prenom in data
        for f in d.formations:
            assert f.debut.strftime("%d/%m/%Y") in data
        for e in d.evaluations:
            assert (e.date.strftime("%d/%m/%Y") in data) is (e.date <= as_of), e.epreuve

    @pytest.mark.parametrize("kind", FORMS)
    def test_a_dossier_of_another_referentiel_is_refused(self, kind):
        """A dossier with the référentiel of another certification: a French message naming both, before any print."""
        from cqpkit.exceptions import InvalidArgumentError

        d = load_dossier(CAMPAIGN / "oemm-2017-0201.toml", registry())
        with pytest.raises(InvalidArgumentError, match=re.escape("le dossier OEMM-2017-0201 relève de « mutualite.specialiste-prestations »")):
            builder(kind)(registry(), registry().referentiel("secu.manager-operationnel", "2016"), d)

    def test_manager_operationnel_dossier(self):
        """I410-2018-0104: the tutor's mission and the units followed, from the dossier."""
        grille = filled("grille-tuteur", "examples/campaign/dossiers/i410-2018-0104.toml")
        assert "du 22/10/2018 au 17/10/2019" in grille and "T-01, Manager opérationnel confirmé" in grille
        livret = filled("livret-suivi", "examples/campaign/dossiers/i410-2018-0104.toml")
        assert "du 22/10/2018 au 24/10/2018" in livret
        assert livret.count("×") == 4  # UP1, UP3, UP5, UP7 followed
