"""The Mutualité plugin: five CQPs from one guide, branch rules written once, the domaine 1 checks."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tomllib
from pathlib import Path

import pytest
from cqpkit.formats.dossiers import loads_dossier
from cqpkit.formats.referentiels import load_referentiel
from cqpkit.rules.asof import value_as_of
from cqpkit.rules.checks import check_organismes
from cqpkit.rules.decision import decide
from cqpkit.rules.funding import funding
from cqpkit_mutualite import regles

from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "plugins" / "mutualite" / "cqpkit_mutualite"
REFERENTIELS = PLUGIN / "referentiels"
GUIDE = "mutualite_cqp_guide-et-outils-specialiste-prestations.txt"

SP = "mutualite.specialiste-prestations"
AUTRES = {
    "mutualite.conseiller-mutualiste": "conseiller-mutualiste-2014.toml",
    "mutualite.charge-accueil-relation-clients": "charge-accueil-relation-clients-2014.toml",
    "mutualite.teleconseiller": "teleconseiller-2014.toml",
    "mutualite.assistant-commercial": "assistant-commercial-2014.toml",
}
FICHIERS = {SP: "specialiste-prestations-2014.toml", **AUTRES}


def ref(cid: str):
    return load_referentiel(REFERENTIELS / FICHIERS[cid])


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


class TestList:
    """`cqpkit list` shows the five Mutualité CQPs, the Spécialiste prestations complete, the four others not."""

    def test_text(self):
        """Five rows of branche mutualite; « (incomplet) » on the four whose domaines the guide lacks."""
        result = run_cli("list")
        assert result.returncode == 0, result.stderr
        rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:-1]}
        cells = {cid: [c.strip() for c in line.split("  ") if c.strip()] for cid, line in rows.items()}
        assert {cid for cid in rows if cid.startswith("mutualite.")} == set(FICHIERS)
        assert cells[SP][1:4] == ["2014", "5 domaines", "mutualite"]
        assert not rows[SP].endswith("(incomplet)")
        for cid in AUTRES:
            assert cells[cid][1:4] == ["2014", "aucun domaine", "mutualite"]
            assert rows[cid].endswith("(incomplet)")

    def test_json(self):
        """`--json`: completeness and number of domaines of each of the five."""
        data = json.loads(run_cli("list", "--json").stdout)
        mutualite = {r["id"]: r for r in data["referentiels"] if r["branche"] == "mutualite"}
        assert set(mutualite) == set(FICHIERS)
        assert (mutualite[SP]["complet"], mutualite[SP]["domaines"]) == (True, 5)
        for cid in AUTRES:
            assert (mutualite[cid]["complet"], mutualite[cid]["domaines"]) == (False, 0)


class TestShow:
    """`cqpkit show mutualite.specialiste-prestations`: the 5 domaines with savoir-faire, savoirs and critères."""

    def test_text(self):
        """`--court`: the five domaines are listed with their counts of savoir-faire and savoirs."""
        result = run_cli("show", SP, "--court")
        assert result.returncode == 0, result.stderr
        assert "\nDomaines de compétences (5)\n" in result.stdout
        for line, counts in [
            ("D1  Analyser et traiter les dossiers complexes", "(8 savoir-faire, 4 savoirs)"),
            ("D2  Prendre en compte la réglementation", "(5 savoir-faire, 6 savoirs)"),
            ("D3  Identifier et prendre en compte l'organisation", "(2 savoir-faire, 4 savoirs)"),
            ("D4  Analyser la conformité et la qualité", "(8 savoir-faire, 5 savoirs)"),
            ("D5  Apporter un support technique", "(5 savoir-faire, 2 savoirs)"),
        ]:
            shown = next(x for x in result.stdout.splitlines() if line in x)
            assert shown.endswith(counts)
        assert "finale-entreprise-D1" in result.stdout and "critères" in result.stdout

    def test_full_text_lists_savoir_faire_savoirs_and_criteres(self):
        """Without --court, each domaine's savoir-faire and savoirs and each épreuve's critères are written out."""
        result = run_cli("show", SP)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        d1 = lines.index(next(x for x in lines if x.startswith("  D1  Analyser et traiter les dossiers complexes")))
        sf = lines.index("    Savoir-faire :", d1)
        assert sf <= d1 + 2, "the savoir-faire follow the domaine (after its description)"
        assert lines[sf + 1] == "      - Analyser la demande et/ou la réclamation"
        assert "    Savoirs :" in lines[d1 : d1 + 15]
        assert any(x.startswith("      D1-F1  ") for x in lines), "the critères of the final evaluation of D1"

    def test_json_every_domaine_has_savoir_faire_savoirs_and_criteres(self):
        """`--json`: each domaine's savoir-faire and savoirs, and the critères of its final evaluation."""
        data = json.loads(run_cli("show", SP, "--json").stdout)["referentiel"]
        assert [d["id"] for d in data["domaines"]] == ["D1", "D2", "D3", "D4", "D5"]
        epreuves = {e["id"]: e for e in data["epreuves"]}
        for d in data["domaines"]:
            assert d["savoir_faire"] and d["savoirs"]
            notes = [c for c in epreuves[f"finale-entreprise-{d['id']}"]["criteres"] if "nature" not in c]
            assert len(notes) >= 3, d["id"]
        assert data["domaines"][0]["savoir_faire"][0] == "Analyser la demande et/ou la réclamation"

    def test_other_cqp(self):
        """A CQP without domaines shows, says it is incomplete and lists its voies and jury."""
        result = run_cli("show", "mutualite.teleconseiller")
        assert result.returncode == 0, result.stderr
        assert "Référentiel incomplet" in result.stdout and "Composition : aucun domaine de compétences dans les sources" in result.stdout
        assert "Domaines" not in result.stdout, "no heading over an empty list"
        assert "vae" in result.stdout and "gratification" in result.stdout


class TestValidate:
    """The five référentiel files validate, through the command and at load time."""

    def test_cli(self):
        """`cqpkit validate` on the five files: exit 0."""
        result = run_cli("validate", *(str(REFERENTIELS / f) for f in FICHIERS.values()))
        assert result.returncode == 0, result.stderr
        assert "5 fichiers valides sur 5" in result.stdout

    @pytest.mark.parametrize("cid", sorted(FICHIERS))
    def test_load(self, cid):
        """Each file loads into the model with its id, version 2014 and the guide as source."""
        r = ref(cid)
        assert (r.certification.id, r.certification.version) == (cid, "2014")
        assert r.certification.sources[0].document == GUIDE

    def test_no_personal_data(self):
        """No e-mail address or phone number of the guide's 4.1–4.3 lists went into the plugin's files."""
        import re

        texts = [
            p.read_text(encoding="utf-8")
            for p in (*REFERENTIELS.glob("*.toml"), *(PLUGIN / "fragments").glob("*.toml"))
        ]
        for text in texts:
            assert not re.search(r"[\w.-]+@[\w-]+\.\w+", text)
            assert not re.search(r"\b0\d( ?\d\d){4}\b", text)


class TestFragments:
    """The référentiels are made of fragments (`extends`): the branch rules written once."""

    @pytest.mark.parametrize("cid", sorted(FICHIERS))
    def test_branch_fragment_first(self, cid):
        """Each of the five extends branche.toml first and its own fragment last, and holds nothing else."""
        data = tomllib.loads((REFERENTIELS / FICHIERS[cid]).read_text(encoding="utf-8"))
        assert list(data) == ["extends"]
        assert data["extends"][0] == "../fragments/branche.toml"
        assert data["extends"][-1] == f"../fragments/{cid.partition('.')[2]}.toml"

    def test_one_change_reaches_all_five(self, tmp_path):
        """Changing a branch rule once (partial awards valid 6 years, 130 points) changes the five référentiels."""
        shutil.copytree(PLUGIN / "fragments", tmp_path / "fragments")
        shutil.copytree(REFERENTIELS, tmp_path / "referentiels")
        branche = tmp_path / "fragments" / "branche.toml"
        text = branche.read_text(encoding="utf-8")
        assert text.count('validite_acquis_partiels = "P5Y"') == 1 and text.count("quantite = 120") == 1
        branche.write_text(
            text.replace('validite_acquis_partiels = "P5Y"', 'validite_acquis_partiels = "P6Y"').replace(
                "quantite = 120", "quantite = 130"
            ),
            encoding="utf-8",
        )
        for name in FICHIERS.values():
            r = load_referentiel(tmp_path / "referentiels" / name)
            assert str(r.jury.validite_acquis_partiels) == "P6Y"
            assert r.financement["gratification"].quantite == 130

    def test_a_fragment_may_not_override_a_branch_value(self, tmp_path):
        """A CQP fragment giving the branch's validity another value is refused, with both places."""
        shutil.copytree(PLUGIN / "fragments", tmp_path / "fragments")
        shutil.copytree(REFERENTIELS, tmp_path / "referentiels")
        own = tmp_path / "fragments" / "teleconseiller.toml"
        own.write_text(own.read_text(encoding="utf-8") + '\n[jury]\nvalidite_acquis_partiels = "P6Y"\n', encoding="utf-8")
        result = run_cli("validate", str(tmp_path / "referentiels" / "teleconseiller-2014.toml"))
        assert result.returncode == 1
        assert "teleconseiller.toml:" in result.stderr and "jury.validite_acquis_partiels: valeur en conflit avec" in result.stderr
        assert "branche.toml:" in result.stderr

    @pytest.mark.parametrize("cid", sorted(FICHIERS))
    def test_branch_rules(self, cid):
        """The branch rules of Partie 1, identical in each of the five."""
        r = ref(cid)
        j = r.jury
        assert [(c.college, c.nombre) for c in j.composition] == [("employeur", 2), ("salarie", 2)]
        assert (j.presidence_parmi_membres, j.presidence_alternee, j.delivrance_partielle, j.souverain) == (
            True, True, True, True,
        )  # fmt: skip
        assert (str(j.validite_acquis_partiels), str(j.delai_premier_passage)) == ("P5Y", "P3Y")
        f = r.formation
        assert (f.heures_min, f.heures_max, f.organisme_agree, f.agrement_jusqua) == (280, 320, True, day("2014-06-30"))
        assert len(f.organismes_agrees) == 12
        vae = next(v for v in r.voies if v.id == "vae")
        assert (str(vae.experience.duree), str(vae.experience.fenetre)) == ("P3Y", "P12Y")
        assert vae.experience.natures == ("salariee", "non_salariee", "benevole")
        assert [d.id for d in vae.documents_requis] == ["cv", "descriptif-postes", "preuves", "dossier-vae"]
        grat = r.financement["gratification"]
        assert (grat.quantite, grat.unite, grat.condition) == (120, "point", "certifie")
        assert value_as_of(grat.valeurs, day("2014-01-01")).valeur == 7.99
        assert value_as_of(grat.valeurs, day("2013-12-31")) is None
        finales = [e for e in r.epreuves if e.type == "finale_entreprise"]
        assert finales
        for e in finales:
            ev = e.evaluateurs
            assert (ev.nombre, ev.distincts, ev.roles_requis) == (2, True, ("n_plus_1",))


class TestOtherCqps:
    """The four CQPs whose domaines the guide lacks: what Partie 1 gives, and nothing invented."""

    @pytest.mark.parametrize("cid", sorted(AUTRES))
    def test_incomplete_without_domaines(self, cid):
        """complet = false, no domaines, no modules, and a note saying why."""
        r = ref(cid)
        assert r.certification.complet is False
        assert (r.domaines, r.modules, r.prerequis, r.certification.mentions) == ((), (), (), ())
        assert "les domaines de compétences de ce CQP ne sont pas dans les sources" in r.certification.notes
        assert len(r.certification.capacites) >= 5

    @pytest.mark.parametrize(
        ("cid", "debut"),
        [
            ("mutualite.conseiller-mutualiste", "Expérience de conseil, de promotion et de vente"),
            ("mutualite.charge-accueil-relation-clients", "Expérience, en situation de face-à-face et par téléphone"),
            ("mutualite.teleconseiller", "Expérience d'accueil, d'orientation, de conseil, de promotion au travers"),
            ("mutualite.assistant-commercial", "Expérience d'assistanat commercial"),
        ],
    )
    def test_vae_definition(self, cid, debut):
        """Partie 1, 3.3: each CQP's own definition of the relevant experience."""
        vae = next(v for v in ref(cid).voies if v.id == "vae")
        assert vae.experience.pertinente.startswith(debut)

    def test_jury_formats(self):
        """Partie 1, 2.5: slides 10 min + interview 10 min for three CQPs; an interview of about 20 min for two."""

        def fmt(cid):
            return [(f.minutes, f.supports) for f in ref(cid).jury.format]

        diaporama = [(10, ("Diaporama",)), (10, ()), (None, ())]
        entretien = [(20, ()), (None, ())]
        assert fmt(SP) == fmt("mutualite.conseiller-mutualiste") == fmt("mutualite.charge-accueil-relation-clients")
        assert fmt(SP) == diaporama
        assert fmt("mutualite.teleconseiller") == fmt("mutualite.assistant-commercial") == entretien


DOSSIER_SP = """
[dossier]
id = "T-1"
certification = "mutualite.specialiste-prestations"
version = "2014"
voie = "formation"
mention = "sante"
inscription = 2013-03-04

[candidat]
id = "C-1"

[[acteurs]]
id = "P-N1"
role = "n_plus_1"

[[acteurs]]
id = "P-TUT"
role = "tuteur"
"""


def evaluation(epreuve: str, date: str, mention: str | None = None, verdict: str | None = None) -> str:
    out = f'\n[[evaluations]]\nepreuve = "{epreuve}"\ndate = {date}\nevaluateurs = ["P-N1", "P-TUT"]\n'
    if mention:
        out += f'mention = "{mention}"\n'
    if verdict:
        out += f'verdict = "{verdict}"\n'
    return out


class TestHookDomaine1:
    """`cqpkit_mutualite.regles.check_d1` and the hook: the two domaine 1 grids and their mentions."""

    def codes(self, *evaluations: str, as_of: str = "2014-02-01", cid: str = SP) -> list[tuple[str, str]]:
        r = ref(SP)
        dossier = loads_dossier(DOSSIER_SP + "".join(evaluations), referentiel=r)
        return [(c.code, c.niveau) for c in regles.check_d1(ref(cid) if cid != SP else r, dossier, day(as_of))]

    def test_correct_grids(self):
        """Final grid on the chosen mention, découverte on the other: nothing."""
        assert (
            self.codes(
                evaluation(regles.DECOUVERTE, "2014-01-06", "prevoyance"),
                evaluation(regles.FINALE_D1, "2014-01-06", "sante", "maitrise"),
            )
            == []
        )

    def test_final_grid_on_the_other_mention(self):
        """The final grid of D1 held on prévoyance for a santé candidate: an error."""
        assert self.codes(
            evaluation(regles.DECOUVERTE, "2014-01-06", "prevoyance"),
            evaluation(regles.FINALE_D1, "2014-01-06", "prevoyance", "maitrise"),
        ) == [("d1_mention_choisie", "erreur")]

    def test_decouverte_on_the_same_mention(self):
        """The découverte held on the candidate's own mention: an error."""
        assert self.codes(
            evaluation(regles.DECOUVERTE, "2014-01-06", "sante"),
            evaluation(regles.FINALE_D1, "2014-01-06", "sante", "maitrise"),
        ) == [("d1_decouverte_autre_mention", "erreur")]

    def test_no_mention_recorded_is_not_checked(self):
        """An evaluation without a mention is not checked for it."""
        assert (
            self.codes(
                evaluation(regles.DECOUVERTE, "2014-01-06"),
                evaluation(regles.FINALE_D1, "2014-01-06", verdict="maitrise"),
            )
            == []
        )

    def test_favourable_without_decouverte(self):
        """D1 « maîtrisé » with no découverte grid on or before it: a warning (livret: the avis follows both
        grids); the découverte on the same day is in time, the day after is not."""
        assert self.codes(evaluation(regles.FINALE_D1, "2014-01-06", "sante", "maitrise")) == [
            ("d1_decouverte_manquante", "avertissement")
        ]
        assert self.codes(
            evaluation(regles.DECOUVERTE, "2014-01-07", "prevoyance"),
            evaluation(regles.FINALE_D1, "2014-01-06", "sante", "maitrise"),
        ) == [("d1_decouverte_manquante", "avertissement")]
        assert self.codes(
            evaluation(regles.DECOUVERTE, "2014-01-06", "prevoyance"),
            evaluation(regles.FINALE_D1, "2014-01-06", "sante", "maitrise"),
        ) == []

    def test_unfavourable_verdict_without_decouverte_is_incomplete_too(self):
        """Any avis on domaine 1 given without the découverte grid rests on an incomplete evaluation."""
        assert self.codes(evaluation(regles.FINALE_D1, "2014-01-06", "sante", "pas_totalement_maitrise")) == [
            ("d1_decouverte_manquante", "avertissement")
        ]

    def test_no_verdict_yet_is_an_evaluation_in_progress(self):
        """The D1 grid recorded without an avis: the evaluation is not finished, nothing to say."""
        assert self.codes(evaluation(regles.FINALE_D1, "2014-01-06", "sante")) == []

    def test_later_evaluations_ignored(self):
        """An evaluation dated after the date "as of" has not happened yet."""
        assert self.codes(evaluation(regles.FINALE_D1, "2014-01-06", "prevoyance"), as_of="2014-01-05") == []

    def test_other_certification(self):
        """Nothing for a référentiel other than the Spécialiste prestations."""
        assert (
            self.codes(
                evaluation(regles.FINALE_D1, "2014-01-06", "prevoyance", "maitrise"), cid="mutualite.teleconseiller"
            )
            == []
        )

    def test_through_the_registry(self):
        """The hook is registered: `Registry.check` reports its findings with the guide as source."""
        import cqpkit

        registry = cqpkit.load_registry()
        dossier = loads_dossier(
            DOSSIER_SP
            + evaluation(regles.DECOUVERTE, "2014-01-06", "prevoyance")
            + evaluation(regles.FINALE_D1, "2014-01-06", "prevoyance", "maitrise"),
            referentiel=registry,
        )
        [c] = [c for c in registry.check(dossier, day("2014-02-01")) if c.code.startswith("d1_")]
        assert (c.code, c.chemin) == ("d1_mention_choisie", "evaluations[1].mention")
        assert c.source is not None and c.source.document == GUIDE
        assert "mention choisie par le candidat (santé)" in c.message


class TestBranchRulesOnDossiers:
    """A few branch rules worked out by hand, both sides of their boundary."""

    @pytest.mark.parametrize(("debut", "niveau"), [("2014-06-30", "erreur"), ("2014-07-01", "avertissement")])
    def test_agreement_ends_june_2014(self, debut, niveau):
        """4.1 « jusqu'à juin 2014 » read as June included: a body not agreed is an error until 30/06/2014."""
        r = ref(SP)
        dossier = loads_dossier(
            DOSSIER_SP.replace("2013-03-04", "2014-03-03")
            + f'\n[[formations]]\nmodule = "M2"\ndebut = {debut}\norganisme = "Centre fictif"\n',
            referentiel=r,
        )
        assert [(c.code, c.niveau) for c in check_organismes(r, dossier, day("2014-09-01"))] == [
            ("organisme_non_agree", niveau)
        ]

    def test_organisme_of_the_list(self):
        """A body of the list of 4.1 is agreed without the dossier saying so."""
        r = ref(SP)
        dossier = loads_dossier(
            DOSSIER_SP + '\n[[formations]]\nmodule = "M2"\ndebut = 2013-05-13\norganisme = "SIGMA Formation"\n',
            referentiel=r,
        )
        assert check_organismes(r, dossier, day("2014-09-01")) == []

    @pytest.mark.parametrize("cid", sorted(FICHIERS))
    def test_gratification_958_80(self, cid):
        """1.4: 120 points × 7,99 € = 958,80 € once certified (the four others are never certified: no line)."""
        r = ref(cid)
        text = DOSSIER_SP.replace(SP, cid).replace('voie = "formation"', 'voie = "vae"')
        if cid != SP:
            text = text.replace('mention = "sante"\n', "")
        else:
            text += '\n[[passages]]\nsession = "S"\ndate = 2014-01-20\ndecisions = { D1 = "acquis", D2 = "acquis", D3 = "acquis", D4 = "acquis", D5 = "acquis" }\n'
        d = loads_dossier(text, referentiel=r)
        lines = funding(r, d, day("2014-02-01"), decide(r, d, day("2014-02-01")))
        if cid == SP:
            [line] = lines
            assert (line.code, line.quantite, line.taux, line.montant) == ("gratification", 120, 7.99, 958.80)
        else:
            assert lines == []


def _scenario_dossier(name: str, tmp_path: Path) -> tuple[str, str]:
    """The dossier of a bundled scenario as a dossier file of its own, and the scenario's date."""
    import tomli_w

    data = tomllib.loads((PLUGIN / "scenarios" / name).read_text(encoding="utf-8"))
    date = data.pop("scenario")["date"].isoformat()
    data.pop("attendu")
    path = tmp_path / name
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return str(path), date


class TestVaeWindowMessage:
    """3.3 « au minimum de 3 ans sur les 12 dernières années »: the message states the window the count used."""

    # Registration on 06/01/2014: the last 12 years are 07/01/2002 (the day after 06/01/2002) to 06/01/2014.
    WINDOW = "du 07/01/2002 au 06/01/2014 inclus"

    @pytest.mark.parametrize(
        ("name", "jours"),
        [
            # 01/01/1999–04/01/2005 clipped to the window: 07/01/2002 → 04/01/2005 = 1 094 days.
            ("sp-vae-non-recevable-periode-a-cheval-sur-12-ans.toml", 1094),
            # 01/01/2010–29/12/2012 once merged: 365 + 365 + 364 = 1 094 days.
            ("sp-vae-non-recevable-1094-jours-chevauchement.toml", 1094),
        ],
    )
    def test_not_admissible_message_names_the_window(self, name, jours, tmp_path):
        """`check --json`: the finding prints the window's first and last days, and they are those counted."""
        path, date = _scenario_dossier(name, tmp_path)
        result = run_cli("check", path, "--as-of", date, "--json")
        assert result.returncode == 1, result.stderr
        [c] = [c for d in json.loads(result.stdout)["dossiers"] for c in d["constats"] if c["code"] == "vae_experience"]
        assert self.WINDOW in c["message"] and f"{jours // 1000} {jours % 1000:03d} jours" in c["message"]
        assert (c["valeurs"]["debut_fenetre"], c["valeurs"]["fin_fenetre"]) == ("07/01/2002", "06/01/2014")
        if "cheval" in name:  # the days from the printed first day to the end of the period are those counted
            assert (day("2005-01-04") - day("2002-01-07")).days + 1 == jours

    @pytest.mark.parametrize(
        "name", ["sp-vae-recevable-periode-a-cheval-sur-12-ans.toml", "sp-vae-recevable-1096-jours-chevauchement.toml"]
    )
    def test_admissible_side_has_no_finding(self, name, tmp_path):
        """One day more on the other side of the boundary (1 095 days from 07/01/2002; 1 096 merged): admissible."""
        path, date = _scenario_dossier(name, tmp_path)
        result = run_cli("check", path, "--as-of", date, "--json")
        assert result.returncode == 0, result.stderr
        assert all(c["code"] != "vae_experience" for d in json.loads(result.stdout)["dossiers"] for c in d["constats"])
