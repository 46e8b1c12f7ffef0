"""The cqpkit command: French output, stable JSON, exit codes 0 / 1 / 2, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import run_cli

MO = "secu.manager-operationnel"
SP = "mutualite.specialiste-prestations"


class TestList:
    """`cqpkit list` shows the bundled certifications with plugin, version and number of domaines."""

    def test_text(self):
        """Each bundled certification is one row; the summary line counts them."""
        result = run_cli("list")
        assert result.returncode == 0, result.stderr
        rows = [line.split("  ") for line in result.stdout.splitlines()[1:-1]]
        rows = [[cell.strip() for cell in r if cell.strip()] for r in rows]
        by_key = {(r[0], r[1]): r for r in rows}
        # CQP MO 2016: five domaines (lancement, III); Spécialiste prestations: five domaines (Partie 2).
        assert by_key[(MO, "2016")][2:4] == ["5 domaines", "cqp_mo"]
        assert by_key[(SP, "2014")][2:4] == ["5 domaines", "mutualite"]
        header = [c.strip() for c in result.stdout.splitlines()[0].split("  ") if c.strip()]
        assert header == ["Certification", "Version", "Domaines / blocs", "Extension", "Intitulé"]
        assert result.stdout.splitlines()[-1] == f"{len(rows)} référentiels"

    def test_json(self):
        """`--json` gives the documented keys for each référentiel and an empty error list."""
        data = json.loads(run_cli("list", "--json").stdout)
        assert data["erreurs"] == []
        mo = next(r for r in data["referentiels"] if r["id"] == MO)
        assert set(mo) == {
            "id", "version", "intitule", "branche", "domaines", "unites", "unites_libelle", "complet",
            "en_vigueur_depuis", "en_vigueur_jusqua", "plugin", "fichier",
        }
        assert (mo["version"], mo["domaines"], mo["plugin"], mo["branche"]) == ("2016", 5, "cqp_mo", "secu")
        assert mo["fichier"].endswith(".toml")

    def test_broken_plugin_file_exit_1(self, tmp_path):
        """A broken référentiel on CQPKIT_REFERENTIELS_PATH is reported with file:line; the others are listed; exit 1."""
        bad = tmp_path / "brouillon.toml"
        bad.write_text('[certification]\nid = "demo.x"\n', encoding="utf-8")
        result = run_cli("list", env={"CQPKIT_REFERENTIELS_PATH": str(bad)})
        assert result.returncode == 1
        assert MO in result.stdout
        assert "erreur : extension « cqpkit.plugins.default_referentiels » : référentiel invalide" in result.stderr
        assert f"  {bad}:1: certification.intitule: clé obligatoire manquante" in result.stderr
        assert "Traceback" not in result.stderr


class TestShow:
    """`cqpkit show ID` prints a référentiel in French or as JSON."""

    def test_text(self):
        """The text view names the certification, its version, plugin and domaines."""
        result = run_cli("show", SP)
        assert result.returncode == 0, result.stderr
        assert f"— {SP}, version" in result.stdout.splitlines()[0]
        assert "\nDomaines de compétences (5)\n" in result.stdout
        for d in ("D1", "D2", "D3", "D4", "D5"):
            assert f"\n  {d}  " in result.stdout

    def test_json_round_trips(self):
        """The JSON view is the whole référentiel and loads back into an equal object."""
        from cqpkit.formats.converter import json_converter
        from cqpkit.model import Referentiel
        import cqpkit

        data = json.loads(run_cli("show", MO, "--version", "2016", "--json").stdout)
        assert data["plugin"] == "cqp_mo"
        ref = json_converter().structure(data["referentiel"], Referentiel)
        assert ref == cqpkit.load_registry().referentiel(MO, version="2016")

    def test_unknown_id_exit_1(self):
        """An unknown certification is a French error listing the known ones, exit 1."""
        result = run_cli("show", "mutualite.inconnu")
        assert result.returncode == 1
        assert result.stderr.startswith("erreur : certification « mutualite.inconnu » inconnue (certifications disponibles : ")
        assert "Traceback" not in result.stderr

    def test_bad_date_exit_2(self):
        """A malformed --as-of date is a usage error, exit 2."""
        result = run_cli("show", MO, "--as-of", "16/12/2016")
        assert result.returncode == 2
        assert "date invalide « 16/12/2016 » : forme attendue AAAA-MM-JJ" in result.stderr


class TestPlugins:
    """`cqpkit plugins` lists plugins, versions, hooks and référentiel files."""

    def test_json(self):
        """Each bundled plugin shows its distribution, hooks and files."""
        data = json.loads(run_cli("plugins", "--json").stdout)
        by_name = {p["nom"]: p for p in data["plugins"]}
        assert "cqpkit_referentiels" in by_name["mutualite"]["hooks"]
        assert by_name["mutualite"]["distribution"] == "cqpkit"
        assert any(f.endswith("specialiste-prestations-2014.toml") for f in by_name["mutualite"]["referentiels"])
        assert by_name["cqpkit.plugins.default_referentiels"]["integre"] is True

    def test_text(self):
        """The text view names each plugin and its hooks."""
        result = run_cli("plugins")
        assert result.returncode == 0
        assert "cqp_mo 0.1.0 (distribution cqpkit, module cqpkit_cqp_mo)" in result.stdout
        assert "  hooks : cqpkit_referentiels" in result.stdout


class TestUsageAndDebug:
    """Usage errors exit 2 in French; --debug shows a traceback, nothing else does."""

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["commande-inconnue"], "choix invalide"),
            (["show"], "arguments obligatoires manquants : ID"),
            (["validate"], "arguments obligatoires manquants : FICHIER"),
            (["list", "--inconnu"], "arguments non reconnus : --inconnu"),
        ],
    )
    def test_usage_errors(self, args, message):
        """Each usage error exits with 2 and a French message."""
        result = run_cli(*args, subprocess=True)
        assert result.returncode == 2
        assert "cqpkit" in result.stderr and "erreur d'utilisation" in result.stderr
        assert message in result.stderr

    def test_help_in_french(self):
        """The help is in French."""
        result = run_cli("--help", subprocess=True)
        assert result.returncode == 0
        assert "lister les certifications enregistrées" in result.stdout
        assert result.stdout.startswith("usage : cqpkit")

    @pytest.mark.skipif(not os.path.exists("/dev/full"), reason="/dev/full (un périphérique toujours plein) n'existe que sous Linux")
    def test_output_refused_by_the_system(self):
        """An output the system refuses (a full disk): exit 2 and a French reason, not « erreur interne »."""
        with open("/dev/full", "w") as full:
            result = subprocess.run([sys.executable, "-m", "cqpkit", "list"], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
        assert result.returncode == 2
        assert result.stderr == "erreur : écriture de la sortie impossible : plus de place sur le disque\n"

    def test_debug_shows_traceback(self):
        """With --debug, an error shows the Python traceback; without, only the French message."""
        plain = run_cli("show", "x.y", subprocess=True)
        debug = run_cli("show", "x.y", "--debug", subprocess=True)
        assert "Traceback" not in plain.stderr and plain.returncode == 1
        assert "Traceback" in debug.stderr and "UnknownCertificationError" in debug.stderr


class TestDossierCommands:
    """check, decide, funding and explain on the fictional examples, in French."""

    FORMATION = "examples/dossier-specialiste-prestations-formation.toml"

    def test_decide_text(self):
        """The training example (D3 refused in January, awarded in June 2014) is certified on 30/06/2014."""
        from tests.conftest import ROOT

        result = run_cli("decide", str(ROOT / self.FORMATION), "--as-of", "2014-07-01")
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0] == "OEMM-2013-0042 (mutualite.specialiste-prestations 2014) : certifié le 30/06/2014"
        assert "  acquis   D3 (jury du 30/06/2014)" in lines
        assert lines[-1] == "1 dossier au 01/07/2014 (--as-of) : 1 certifié"

    def test_decide_before_the_second_jury(self):
        """As of the day before the second jury, four domaines are acquired, valid 5 years, and D3 remains."""
        from tests.conftest import ROOT

        result = run_cli("decide", str(ROOT / self.FORMATION), "--as-of", "2014-06-29")
        lines = result.stdout.splitlines()
        assert lines[0].endswith(": validation partielle")
        # Partie 1, 2.5: partial awards valid 5 years: acquired 20/01/2014, valid through 19/01/2019.
        assert "  acquis   D1 (jury du 20/01/2014, valable jusqu'au 19/01/2019)" in lines
        assert "  restants D3" in lines

    def test_explain_cites_sources(self):
        """explain gives the computation and the source of the gratification."""
        from tests.conftest import ROOT

        result = run_cli("explain", str(ROOT / self.FORMATION), "--as-of", "2014-07-01")
        assert result.returncode == 0, result.stderr
        assert "120 points × 7,99 €/point = 958,80 €" in result.stdout
        assert "source : mutualite_cqp_guide-et-outils-specialiste-prestations.txt, Partie 1, 1.4 Remarques" in result.stdout

    def test_check_session_exit_1_on_errors(self, tmp_path):
        """A session of three members is a blocking finding: exit code 1."""
        from tests.conftest import ROOT

        session = ROOT / "tests" / "scenarios" / "sessions" / "jury-2014-05-trois-membres.toml"
        result = run_cli("check", str(ROOT / self.FORMATION), "--session", str(session), "--as-of", "2014-07-01")
        assert result.returncode == 1
        assert "jury_composition" in result.stdout


class TestDbOption:
    """`--db` may come before or after the store command."""

    def test_before_and_after(self, tmp_path):
        """`cqpkit --db X report campaign` and `cqpkit report campaign --db X` read the same base."""
        from tests.conftest import ROOT

        db = tmp_path / "b.db"
        example = ROOT / "examples" / "dossier-specialiste-prestations-formation.toml"
        imported = run_cli("--db", str(db), "import", str(example))
        assert imported.returncode == 0, imported.stderr
        before = run_cli(f"--db={db}", "report", "campaign", "--as-of", "2014-07-01")
        after = run_cli("report", "campaign", "--db", str(db), "--as-of", "2014-07-01")
        assert before.returncode == after.returncode == 0, before.stderr + after.stderr
        assert before.stdout == after.stdout
        assert "mutualite.specialiste-prestations" in before.stdout

    def test_unit(self):
        """The rewriting keeps every other argument in place."""
        from cqpkit.cli import _db_after_command

        assert _db_after_command(["--debug", "--db", "x.db", "import", "a.toml"]) == ["--debug", "import", "a.toml", "--db", "x.db"]
        assert _db_after_command(["import", "--db", "x.db", "a.toml"]) == ["import", "--db", "x.db", "a.toml"]
        assert _db_after_command(["--db=x.db", "report", "campaign"]) == ["report", "campaign", "--db=x.db"]
