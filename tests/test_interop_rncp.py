"""RNCP / RS identity in the référentiel format, and ``cqpkit rncp import`` (issue 21, points 1 and 2).

The test records are real public records of France Compétences' registers, copied from the test
fixtures of a public project that consumes the same open data (no personal data: certifications and
public bodies), in ``tests/data/rncp/``:

- RNCP1796 « Conducteur de travaux aménagement finitions » (Titre professionnel, ministère du Travail):
  the rows of the CSV export's tables (Standard, Blocs_De_Compétences, Nsf, Rome, Formacode,
  Certificateurs) of ``mission-apprentissage/api-apprentissage``,
  ``shared/src/models/fixtures/source.france_competence.model.fixture.ts``; with the four blocs of
  RNCP38596 from the same project's test of its blocs builder (a second fiche in the same tables);
- RNCP34826 « Conseiller en économie sociale familiale » (Diplôme d'État), three of its blocs with their
  compétences and evaluation modalities as France Compétences writes them (HTML): from the example
  response documented in ``mission-apprentissage/catalogue-apprentissage``,
  ``docs/tables-de-correspondances/documentation/cfd-code-formation-diplome.md``, written here in the
  XML flux's element names, with RNCP1796 as a second fiche.

Expected values are those of these records, not the command's output.
"""

from __future__ import annotations

import os
import re
import tomllib
import zipfile
from pathlib import Path

import pytest
from cqpkit.exceptions import InvalidFileError
from cqpkit.formats.referentiels import load_referentiel, loads_referentiel

from tests.conftest import DATA, ROOT, run_cli

RNCP = DATA / "rncp"
XML = RNCP / "export-fiches-rncp.xml"
CSVS = sorted(str(p) for p in RNCP.glob("export_fiches_CSV_*.csv"))

HEAD = """\
[certification]
id = "exemple.demo"
intitule = "CQP Démo (fictif)"
branche = "exemple"
certificateur = "CPNE fictive"
version = "1"
"""


def _write(tmp_path: Path, text: str, name: str = "ref.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------ the format
class TestRepertoireFormat:
    """``[certification.repertoire]`` and ``code_bloc``: read, checked with file:line:key, shown, exported."""

    VALID = HEAD + """
[certification.repertoire]
fiche = "RNCP1796"
niveau = 5
nsf = ["233"]
rome = ["F1201"]
formacode = ["22293"]
certificateurs = [{ nom = "Ministère du Travail", siret = "11000007200014" }]
date_effet = 2019-05-07
date_fin_enregistrement = 2024-05-07
sources = [{ document = "https://www.francecompetences.fr/recherche/rncp/1796/", section = "Fiche RNCP1796" }]

[[domaines]]
id = "BC03"
intitule = "Conduire les travaux de chantiers"
type = "bloc"
code_bloc = "RNCP1796BC03"
"""

    def test_valid_identity_loads(self, tmp_path):
        """Every key is read into the model (codes, dates, certifiers, the bloc's code)."""
        ref = load_referentiel(_write(tmp_path, self.VALID))
        rep = ref.certification.repertoire
        assert (rep.fiche, rep.registre, rep.niveau) == ("RNCP1796", "RNCP", 5)
        assert (rep.nsf, rep.rome, rep.formacode) == (("233",), ("F1201",), ("22293",))
        assert rep.certificateurs[0].siret == "11000007200014"
        assert str(rep.date_effet) == "2019-05-07" and str(rep.date_fin_enregistrement) == "2024-05-07"
        assert ref.domaines[0].code_bloc == "RNCP1796BC03"

    def test_every_bad_code_at_its_line(self, tmp_path):
        """Each code of the wrong form is reported at once, with its line and key path."""
        bad = HEAD + """
[certification.repertoire]
fiche = "RNCP 1796"
niveau = 9
nsf = ["233", "23x", "233"]
rome = ["Z0000"]
formacode = ["2229"]
certificateurs = [{ nom = "X", siret = "1100000720001" }]
date_effet = 2019-05-07
date_fin_enregistrement = 2019-01-01

[[domaines]]
id = "B1"
intitule = "Bloc"
code_bloc = "RNCP1796BC3"
"""
        proc = run_cli("validate", str(_write(tmp_path, bad)))
        assert proc.returncode == 1
        f = str(tmp_path / "ref.toml")
        expected = [
            f"{f}:9: certification.repertoire.fiche: code de fiche « RNCP 1796 » invalide : « RNCP » suivi du numéro de la fiche "
            "au Répertoire national (« RNCP38596 ») ou « RS » suivi de son numéro au Répertoire spécifique (« RS5627 »), sans espace",
            f"{f}:10: certification.repertoire.niveau: niveau 9 invalide : de 1 à 8 (cadre national des certifications professionnelles)",
            f"{f}:11: certification.repertoire.nsf[1]: code NSF « 23x » invalide : trois chiffres et éventuellement une lettre minuscule (« 313 », « 313m »)",
            f"{f}:11: certification.repertoire.nsf[2]: code « 233 » en double",
            f"{f}:12: certification.repertoire.rome[0]: code ROME « Z0000 » invalide : une lettre de A à N et quatre chiffres (« D1401 »)",
            f"{f}:13: certification.repertoire.formacode[0]: code Formacode « 2229 » invalide : cinq chiffres (« 22293 »)",
            f"{f}:14: certification.repertoire.certificateurs[0].siret: SIRET « 1100000720001 » invalide : quatorze chiffres, sans espace",
            f"{f}:16: certification.repertoire.date_fin_enregistrement: fin d'enregistrement (2019-01-01) antérieure à la date d'effet (2019-05-07)",
            f"{f}:21: domaines[0].code_bloc: code de bloc « RNCP1796BC3 » invalide : le code de la fiche RNCP, « BC » et deux chiffres (« RNCP38596BC01 »)",
        ]
        assert proc.stderr.splitlines()[1:] == expected

    @pytest.mark.parametrize(
        "repertoire,code,message",
        [
            ("", "RNCP1796BC01", 'code de bloc « RNCP1796BC01 » sans fiche : indiquer la fiche dans [certification.repertoire] (fiche = "RNCP1796")'),
            ('fiche = "RS5627"', "RNCP1796BC01", "code de bloc « RNCP1796BC01 » : la fiche RS5627 est au Répertoire spécifique, qui n'a pas de blocs de compétences"),
            ('fiche = "RNCP1796"', "RNCP1797BC01", "code de bloc « RNCP1797BC01 » d'une autre fiche que RNCP1796 (attendu « RNCP1796BC01 »)"),
        ],
    )
    def test_bloc_code_names_the_fiche(self, tmp_path, repertoire, code, message):
        """A bloc's code belongs to the RNCP fiche of the file: no fiche, an RS fiche or another number is an error."""
        table = f"\n[certification.repertoire]\n{repertoire}\n" if repertoire else ""
        text = HEAD + table + f'\n[[domaines]]\nid = "B1"\nintitule = "Bloc"\ncode_bloc = "{code}"\n'
        with pytest.raises(InvalidFileError) as exc:
            loads_referentiel(text, "r.toml")
        assert [e.message for e in exc.value.erreurs] == [message]
        assert exc.value.erreurs[0].chemin == "domaines[0].code_bloc"

    def test_same_bloc_code_twice(self, tmp_path):
        """A bloc code is given to one domaine only."""
        text = self.VALID + '\n[[domaines]]\nid = "BC04"\nintitule = "Autre"\ncode_bloc = "RNCP1796BC03"\n'
        with pytest.raises(InvalidFileError) as exc:
            loads_referentiel(text, "r.toml")
        assert [(e.chemin, e.message) for e in exc.value.erreurs] == [
            ("domaines[1].code_bloc", "code de bloc « RNCP1796BC03 » en double (déjà donné en domaines[0])")
        ]

    def test_unknown_key_and_wrong_type(self, tmp_path):
        """The table is closed and typed like every other (the converter's messages)."""
        text = HEAD + '\n[certification.repertoire]\nfiche = "RS5627"\nniveau = "5"\nromes = ["D1401"]\n'
        with pytest.raises(InvalidFileError) as exc:
            loads_referentiel(text, "r.toml")
        got = {(e.chemin, e.message) for e in exc.value.erreurs}
        assert ("certification.repertoire.romes", "clé inconnue (vouliez-vous dire « rome » ?)") in got
        assert ("certification.repertoire.niveau", "type incorrect : attendu un entier, trouvé un texte (« 5 »)") in got

    def test_show_and_json(self, tmp_path):
        """``show`` prints the fiche, its codes and certifiers, and the bloc's code; ``show --json`` carries them."""
        refs = tmp_path / "refs"
        refs.mkdir()
        _write(refs, self.VALID)
        env = {"CQPKIT_REFERENTIELS_PATH": str(refs)}
        proc = run_cli("show", "exemple.demo", env=env)
        assert proc.returncode == 0, proc.stderr
        assert "  Fiche RNCP1796 (Répertoire national des certifications professionnelles), niveau 5" in proc.stdout
        assert "    Enregistrement : effet le 07/05/2019 ; fin d'enregistrement le 07/05/2024" in proc.stdout
        assert "    Codes NSF : 233 ; ROME : F1201 ; Formacode : 22293" in proc.stdout
        assert "    Certificateur au répertoire : Ministère du Travail (SIRET 11000007200014)" in proc.stdout
        assert "  BC03  Conduire les travaux de chantiers  (RNCP1796BC03)" in proc.stdout
        import json

        data = json.loads(run_cli("show", "exemple.demo", "--json", env=env).stdout)["referentiel"]
        assert data["certification"]["repertoire"]["fiche"] == "RNCP1796"
        assert data["certification"]["repertoire"]["date_effet"] == "2019-05-07"
        assert data["domaines"][0]["code_bloc"] == "RNCP1796BC03"

    def test_json_schema_carries_the_forms(self):
        """The checked-in JSON Schema gives editors each code's form: a good file passes it, a bad code does not."""
        import json

        jsonschema = pytest.importorskip("jsonschema", reason="jsonschema n'est pas installé (pip install -e '.[test]')")
        schema = json.loads((ROOT / "referentials" / "referentiel.schema.json").read_text(encoding="utf-8"))
        good = tomllib.loads(self.VALID)
        good["certification"]["repertoire"]["date_effet"] = "2019-05-07"  # JSON has no dates: TOML tools pass them as text
        good["certification"]["repertoire"]["date_fin_enregistrement"] = "2024-05-07"
        jsonschema.validate(good, schema)
        for key, value in (("fiche", "RNCP-1796"), ("rome", ["d1401"]), ("nsf", ["3131"]), ("formacode", ["2229"])):
            bad = json.loads(json.dumps(good))
            bad["certification"]["repertoire"][key] = value
            with pytest.raises(jsonschema.ValidationError):
                jsonschema.validate(bad, schema)
        bad = json.loads(json.dumps(good))
        bad["domaines"][0]["code_bloc"] = "RNCP1796-BC03"
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)

    def test_bundled_referentiels_state_no_code_the_seeds_do_not(self):
        """The seeds give no RNCP / RS code, so no bundled référentiel has one (nothing invented)."""
        # The team's shared folder, looked for as the Open Badges test does: $CQPKIT_SHARED, next to this
        # checkout, one level up, or the machine's /work/shared (a clone made elsewhere).
        places = [Path(p) for p in (os.environ.get("CQPKIT_SHARED"),) if p]
        places += [ROOT.parent / "shared", ROOT.parent.parent / "shared", Path("/work/shared")]
        seeds = next((place / "seeds" for place in places if (place / "seeds").is_dir()), None)
        if seeds is None:
            pytest.skip("the seed documents (shared/seeds) are neither next to this checkout nor in $CQPKIT_SHARED")
        codes = set()
        for doc in seeds.iterdir():
            if doc.is_file():
                codes |= set(re.findall(r"\b(?:RNCP|RS) ?\d{3,5}\b", doc.read_text(encoding="utf-8", errors="replace")))
        bundled = [*ROOT.glob("plugins/*/*/referentiels/*.toml")]
        assert bundled
        for path in bundled:
            text = path.read_text(encoding="utf-8")
            if not codes:
                assert "[certification.repertoire]" not in text and "code_bloc" not in text, path


# ---------------------------------------------------------------------------- rncp import
def _import(tmp_path: Path, *args: str) -> tuple[object, Path]:
    out = tmp_path / "squelette.toml"
    return run_cli("rncp", "import", *args, "-o", str(out)), out


class TestRncpImportXml:
    """The XML flux: one fiche of several, streamed; the skeleton validates as written."""

    def test_skeleton_of_rncp34826(self, tmp_path):
        """Identity, blocs with their codes and compétences, modalities in notes, complet = false, sources."""
        proc, out = _import(tmp_path, str(XML), "--fiche", "RNCP34826", "--id", "social.cesf")
        assert proc.returncode == 0, proc.stderr
        check = run_cli("validate", str(out))
        assert check.returncode == 0 and "référentiel valide (social.cesf, version RNCP34826)" in check.stdout
        data = tomllib.loads(out.read_text(encoding="utf-8"))
        cert = data["certification"]
        assert (cert["intitule"], cert["complet"], cert["version"]) == ("Conseiller en économie sociale familiale", False, "RNCP34826")
        rep = cert["repertoire"]
        assert (rep["fiche"], rep["niveau"], rep["nsf"], rep["rome"]) == ("RNCP34826", 6, ["332"], ["K1201"])
        assert str(rep["date_fin_enregistrement"]) == "2025-08-31" and "date_effet" not in rep
        assert rep["certificateurs"] == [
            {"nom": "Ministère chargé de la solidarité"},
            {"nom": "Ministère de l’Enseignement supérieur, de la Recherche et de l’Innovation", "siret": "11004401300040"},
        ]
        assert rep["sources"][0]["document"] == "https://www.francecompetences.fr/recherche/rncp/34826/"
        assert [(d["id"], d["code_bloc"], d["type"]) for d in data["domaines"]] == [
            ("BC01", "RNCP34826BC01", "bloc"), ("BC04", "RNCP34826BC04", "bloc"), ("BC05", "RNCP34826BC05", "bloc"),
        ]
        bc04 = data["domaines"][1]
        assert bc04["intitule"] == "Accompagnement éducatif budgétaire"
        assert bc04["competences"] == ["C2.B1 Analyser les besoins d’un public", "C2.4 Mettre en œuvre un accompagnement éducatif budgétaire"]
        assert "Modalités d'évaluation (fiche RNCP34826)" in bc04["notes"] and "Durée de l'épreuve : 3 heures" in bc04["notes"]
        assert "<p>" not in out.read_text(encoding="utf-8")  # the HTML of the export is text
        assert "epreuves" not in data  # nothing the fiche does not give

    def test_one_fiche_needs_no_option(self, tmp_path):
        """A flux holding one fiche needs no --fiche; written to standard output when no -o."""
        one = tmp_path / "une.xml"
        text = XML.read_text(encoding="utf-8")
        start = text.index("  <FICHE>\n    <NUMERO_FICHE>RNCP1796")
        one.write_text(text[:text.index("  <FICHE>")] + text[start:], encoding="utf-8")
        proc = run_cli("rncp", "import", str(one))
        assert proc.returncode == 0, proc.stderr
        ref = loads_referentiel(proc.stdout, "stdout")
        assert ref.certification.repertoire.fiche == "RNCP1796" and ref.certification.repertoire.formacode == ("22293",)

    def test_several_fiches_without_option(self, tmp_path):
        """Several fiches and no --fiche: a usage error naming some, nothing written."""
        proc, out = _import(tmp_path, str(XML))
        assert proc.returncode == 2
        assert "2 fiches dans l'export ; choisir la fiche avec --fiche (par exemple RNCP1796, RNCP34826)" in proc.stderr
        assert not out.exists()

    def test_fiche_absent(self, tmp_path):
        """A fiche the flux does not hold: exit 1, said with the count of fiches read."""
        proc, out = _import(tmp_path, str(XML), "--fiche", "RNCP99999")
        assert proc.returncode == 1 and "fiche RNCP99999 absente (2 fiches lues)" in proc.stderr
        assert not out.exists()

    @pytest.mark.parametrize("cut", [200, 1500, -20])
    def test_truncated_flux(self, tmp_path, cut):
        """A flux cut anywhere (even after the fiche wanted): exit 1 with the line, nothing written, a file kept as it was."""
        data = XML.read_bytes()
        cut_file = tmp_path / "coupe.xml"
        cut_file.write_bytes(data[:cut])
        out = tmp_path / "squelette.toml"
        out.write_text("ancien", encoding="utf-8")
        proc = run_cli("rncp", "import", str(cut_file), "--fiche", "RNCP34826", "-o", str(out))
        assert proc.returncode == 1
        line = data[:cut].count(b"\n") + 1
        assert re.search(rf"coupe\.xml:{line}: colonne \d+ : fin de fichier inattendue : fichier tronqué", proc.stderr), proc.stderr
        assert out.read_text(encoding="utf-8") == "ancien"
        assert "Traceback" not in proc.stderr

    def test_malformed_flux(self, tmp_path):
        """A tag closed by another: the XML error, at its line."""
        bad = _write(tmp_path, XML.read_text(encoding="utf-8").replace("</INTITULE>", "</LIBELLE>", 1), "mal.xml")
        proc, out = _import(tmp_path, str(bad), "--fiche", "RNCP34826")
        assert proc.returncode == 1 and re.search(r"mal\.xml:7: colonne \d+ : XML mal formé", proc.stderr), proc.stderr
        assert not out.exists()

    def test_bad_date_and_root(self, tmp_path):
        """A date not in the export's form, and a document that is not the flux, are refused in French."""
        bad = _write(tmp_path, XML.read_text(encoding="utf-8").replace("31/08/2025", "2025/31/08"), "date.xml")
        proc, _ = _import(tmp_path, str(bad), "--fiche", "RNCP34826")
        assert proc.returncode == 1
        assert "fiche RNCP34826, DATE_FIN_ENREGISTREMENT : date « 2025/31/08 » invalide : forme attendue JJ/MM/AAAA" in proc.stderr
        other = _write(tmp_path, "<?xml version='1.0'?>\n<LISTE><FICHE/></LISTE>\n", "autre.xml")
        proc, _ = _import(tmp_path, str(other))
        assert proc.returncode == 1 and "élément racine <LISTE>" in proc.stderr

    def test_zip_of_the_flux(self, tmp_path):
        """The ZIP archive as published is read as its XML member."""
        archive = tmp_path / "export-fiches-rncp-v4-1.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(XML, "export-fiches-rncp.xml")
        proc, out = _import(tmp_path, str(archive), "--fiche", "RNCP34826")
        assert proc.returncode == 0, proc.stderr
        assert load_referentiel(out).certification.repertoire.nsf == ("332",)
        cut = tmp_path / "coupe.zip"
        cut.write_bytes(archive.read_bytes()[:-60])
        proc, _ = _import(tmp_path, str(cut), "--fiche", "RNCP34826")
        assert proc.returncode == 1 and "archive ZIP illisible ou tronquée" in proc.stderr


class TestRncpImportCsv:
    """The CSV export: its tables joined by Numero_Fiche."""

    def test_skeleton_of_rncp1796(self, tmp_path):
        """Standard, blocs, NSF, ROME, Formacode and certifiers of RNCP1796, joined; the skeleton validates."""
        proc, out = _import(tmp_path, *CSVS, "--fiche", "RNCP1796")
        assert proc.returncode == 0, proc.stderr
        assert run_cli("validate", str(out)).returncode == 0
        ref = load_referentiel(out)
        rep = ref.certification.repertoire
        assert ref.certification.intitule == "Conducteur de travaux aménagement finitions"
        assert ref.certification.certificateur == "MINISTERE DU TRAVAIL DU PLEIN EMPLOI ET DE L' INSERTION"
        assert (rep.niveau, rep.nsf, rep.rome, rep.formacode) == (5, ("233",), ("F1201",), ("22293",))
        assert (str(rep.date_effet), str(rep.date_fin_enregistrement), rep.date_decision) == ("2019-05-07", "2024-05-07", None)
        assert [(d.id, d.code_bloc, d.intitule) for d in ref.domaines] == [
            ("BC03", "RNCP1796BC03", "Conduire les travaux de chantiers de plusieurs spécialités en aménagement finitions")
        ]

    def test_second_fiche_of_the_same_tables(self, tmp_path):
        """RNCP38596 has only blocs in these tables: its four blocs, in the order of their codes."""
        proc, out = _import(tmp_path, *CSVS, "--fiche", "rncp38596")
        assert proc.returncode == 0, proc.stderr
        ref = load_referentiel(out)
        assert [d.code_bloc for d in ref.domaines] == [f"RNCP38596BC0{i}" for i in (1, 2, 3, 4)]
        assert ref.domaines[0].intitule == "Conduire un entretien exploratoire auprès d’un client"

    def test_zip_equals_the_tables(self, tmp_path):
        """The ZIP of the tables gives the same skeleton as the tables themselves (its notes aside)."""
        archive = tmp_path / "export-fiches-csv.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            for path in CSVS:
                z.write(path, Path(path).name)
        proc, out = _import(tmp_path, str(archive), "--fiche", "RNCP1796")
        assert proc.returncode == 0, proc.stderr
        other = tmp_path / "b"
        other.mkdir()
        proc2, out2 = _import(other, *CSVS, "--fiche", "RNCP1796")
        assert proc2.returncode == 0, proc2.stderr
        import attrs

        a, b = load_referentiel(out), load_referentiel(out2)
        assert attrs.evolve(a.certification.repertoire, sources=()) == attrs.evolve(b.certification.repertoire, sources=())
        assert a.domaines == b.domaines
        assert "export-fiches-csv.zip." in a.certification.repertoire.sources[0].notes

    def test_truncated_table(self, tmp_path):
        """A row cut short is an error at its line; nothing written."""
        table = tmp_path / "export_fiches_CSV_Standard.csv"
        table.write_bytes(Path(CSVS[-1]).read_bytes()[:300])
        proc, out = _import(tmp_path, str(table))
        assert proc.returncode == 1
        assert "export_fiches_CSV_Standard.csv:2: 2 colonnes au lieu de 16 (ligne incomplète : fichier tronqué ?)" in proc.stderr
        assert not out.exists()

    def test_not_an_export(self, tmp_path):
        """A TOML file, a CSV without Numero_Fiche, an unreadable path: French errors, exit 1 or 2."""
        dossier = next((ROOT / "examples").glob("dossier-*.toml"))
        proc, _ = _import(tmp_path, str(dossier))
        assert proc.returncode == 1 and "colonne « Numero_Fiche » absente" in proc.stderr
        proc, _ = _import(tmp_path, str(tmp_path / "absent.xml"))
        assert proc.returncode == 2 and "absent.xml : fichier introuvable" in proc.stderr
        proc, _ = _import(tmp_path, str(tmp_path))
        assert proc.returncode == 2 and "c'est un répertoire" in proc.stderr

    def test_bad_id(self, tmp_path):
        """--id must be « branche.slug »."""
        proc, out = _import(tmp_path, *CSVS, "--fiche", "RNCP1796", "--id", "Mon CQP")
        assert proc.returncode == 2 and "--id « Mon CQP » invalide" in proc.stderr
        assert not out.exists()


def test_list_does_not_import_interop():
    """``cqpkit list`` loads neither the interop modules nor their command module."""
    proc = run_cli("list", subprocess=True, env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert proc.returncode == 0
    assert "cqpkit.interop" not in proc.stderr and "cqpkit.cli.interop" not in proc.stderr
    assert "cqpkit.cli" in proc.stderr  # the import trace is there


def test_data_files_are_present():
    """The records the tests read (a copy would lose them silently)."""
    assert XML.is_file() and len(CSVS) == 6
