"""The store commands: French output, exit codes 0 / 1 / 2, no traceback, and a light `cqpkit list`."""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import run_cli
from tests.test_store_support import CAMPAIGN, db, registry  # noqa: F401 (fixtures)

AS_OF = "2020-06-30"


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def _fails(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stderr


class TestMainJob:
    """The README's main job: import the campaign into a new database and print the report."""

    def test_campaign(self, db):
        """Import creates the database; the report lists the six certifications; a second import is a no-op."""
        out = _ok(run_cli("import", "--db", db, str(CAMPAIGN), "--operateur", "oemm"))
        assert "créée" in out.splitlines()[0]
        assert out.splitlines()[-1].startswith("Import dans ") and "23 dossiers (23 nouveaux" in out and "5 sessions (5 nouvelles" in out
        again = _ok(run_cli("import", "--db", db, str(CAMPAIGN)))
        assert "23 inchangés" in again and "0 entrée au journal" in again
        report = _ok(run_cli("report", "campaign", "--db", db, "--as-of", AS_OF, "--large"))  # the wide table: one line per row
        rows = {line.split()[0]: line.split() for line in report.splitlines() if line.startswith(("mutualite.", "secu.", "Total"))}
        assert len(rows) == 7
        assert rows["mutualite.specialiste-prestations"][1:9] == ["8", "8", "5", "3", "3", "2", "1", "0"]
        assert rows["Total"][1:3] == ["23", "22"]
        assert "22 candidats, 23 dossiers : 6 certifications complètes" in report
        data = json.loads(_ok(run_cli("report", "campaign", "--db", db, "--as-of", AS_OF, "--json")))
        assert set(data) == {"date", "date_source", "certifications", "total", "sessions", "certifications_ignorees", "certifications_non_evaluees"}
        assert data["certifications_ignorees"] == []
        deadlines = _ok(run_cli("report", "deadlines", "--db", db, "--as-of", AS_OF, "--within", "180"))
        assert "04/09/2020 (dans 66 j)  OEMM-2017-0207 — Glycine Léa (C-0207), formation : premier passage" in deadlines
        assert "06/02/2020 (depuis 145 j)  OEMM-2017-0601" in deadlines
        verify = _ok(run_cli("db", "verify", "--db", db))
        assert "journal d'audit intègre (55 entrées" in verify

    def test_dossier_show_and_history(self, db):
        """`dossier show` gives the result as of a date; `dossier history` every version and record."""
        _ok(run_cli("import", "--db", db, str(CAMPAIGN)))
        show = _ok(run_cli("dossier", "show", "OEMM-2014-0206", "--db", db, "--as-of", AS_OF, "--large"))
        assert "Résultat au 30/06/2020 (--as-of) : validation partielle" in show
        assert "Échéance : fin de validité des acquis partiels D1 Analyser et traiter les dossiers complexes" in show
        assert "D5 Apporter un support technique à différents interlocuteurs et transmettre des savoir-faire le 20/09/2020\n" in show
        # The last day of validity is still in time; the day after, the deadline is marked as passed.
        on_the_day = _ok(run_cli("dossier", "show", "OEMM-2014-0206", "--db", db, "--as-of", "2020-09-20", "--large"))
        day_after = _ok(run_cli("dossier", "show", "OEMM-2014-0206", "--db", db, "--as-of", "2020-09-21", "--large"))
        assert "savoir-faire le 20/09/2020\n" in on_the_day
        assert "savoir-faire le 20/09/2020 (passée)\n" in day_after
        data = json.loads(_ok(run_cli("dossier", "show", "OEMM-2014-0206", "--db", db, "--as-of", AS_OF, "--json")))
        assert data["resultat"]["statut"] == "partiel" and len(data["passages"]) == 2
        history = _ok(run_cli("dossier", "history", "OEMM-2014-0206", "--db", db))
        assert "dossier.creation OEMM-2014-0206" in history
        assert "dossier « NOPE » inconnu" in _fails(run_cli("dossier", "show", "NOPE", "--db", db), 1)


class TestJuryCommands:
    """`jury open | add | decide | close` from the command line."""

    def test_workflow_and_correction(self, db):
        """A new session decides a dossier; once closed, a change needs --motif and is a linked correction."""
        _ok(run_cli("import", "--db", db, str(CAMPAIGN)))
        members = ["--membre", "J-01:employeur", "--membre", "J-02:employeur", "--membre", "J-03:salarie", "--membre", "J-04:salarie"]
        out = _ok(run_cli("jury", "open", "OEMM-JURY-2020-07", "--date", "2020-07-06", "--certification", "mutualite.specialiste-prestations",
                          *members, "--president", "J-02", "--precedente", "OEMM-JURY-2019-10", "--db", db, "--operateur", "rs"))
        assert out.startswith("Session OEMM-JURY-2020-07 du 06/07/2020 ouverte")
        assert "présenté à la session" in _ok(run_cli("jury", "add", "OEMM-JURY-2020-07", "OEMM-2017-0207", "--db", db))
        out = _ok(run_cli("jury", "decide", "OEMM-JURY-2020-07", "OEMM-2017-0207", "D1=acquis", "D2=acquis", "D3=acquis", "D4=acquis", "D5=non_acquis",
                          "--db", db, "--as-of", "2020-07-31"))
        assert "décisions enregistrées" in out and "validation partielle" in out
        _ok(run_cli("jury", "close", "OEMM-JURY-2020-07", "--db", db))
        err = _fails(run_cli("jury", "decide", "OEMM-JURY-2020-07", "OEMM-2017-0207", "D5=acquis", "--db", db), 1)
        assert "close le " in err and "--motif" in err
        out = _ok(run_cli("jury", "decide", "OEMM-JURY-2020-07", "OEMM-2017-0207", "D5=acquis", "--motif", "Erreur de saisie du procès-verbal",
                          "--db", db, "--as-of", "2020-07-31"))
        assert "correction enregistrée" in out and "certifié le 06/07/2020" in out
        history = _ok(run_cli("dossier", "history", "OEMM-2017-0207", "--db", db))
        assert "[correction, remplace n° " in history and "motif : Erreur de saisie du procès-verbal" in history
        assert "usage" in _fails(run_cli("jury", "decide", "OEMM-JURY-2020-07", "OEMM-2017-0207", "D5", "--db", db), 2)


class TestErrors:
    """Bad input and unusable databases: French messages, file:line:path, exit codes, nothing written."""

    def test_invalid_file(self, tmp_path):
        """An invalid dossier: file:line: path: message, exit 1, no database created."""
        bad = tmp_path / "dossier.toml"
        bad.write_text('[dossier]\nid = "X-1"\ncertification = "mutualite.specialiste-prestations"\nversion = "2014"\nvoie = "formation"\n'
                       'mention = "sante"\ninscription = 2020-01-01\nvoiee = 3\n\n[candidat]\nid = "C-1"\n', encoding="utf-8")
        base = tmp_path / "base.db"
        err = _fails(run_cli("import", "--db", str(base), str(bad)), 1)
        assert f"{bad}:8: dossier.voiee: clé inconnue (vouliez-vous dire « voie » ?)" in err
        assert err.splitlines()[-1] == "import refusé : 1 fichier en erreur, rien n'a été enregistré"
        assert not base.exists()

    def test_unreadable_file_exit_2(self, tmp_path):
        """A missing file is exit 2."""
        err = _fails(run_cli("import", "--db", str(tmp_path / "b.db"), str(tmp_path / "absent.toml")), 2)
        assert "fichier introuvable" in err

    def test_missing_database(self, tmp_path):
        """A report on a missing database: exit 2, and the file is not created."""
        base = tmp_path / "absente.db"
        err = _fails(run_cli("report", "campaign", "--db", str(base)), 2)
        assert err.startswith("erreur : base introuvable") and not base.exists()

    def test_not_a_database(self, tmp_path):
        """A text file given as the database: exit 2, a clear French error."""
        base = tmp_path / "notes.db"
        base.write_text("bonjour\n" * 500, encoding="utf-8")
        err = _fails(run_cli("report", "campaign", "--db", str(base)), 2)
        assert "n'est pas une base SQLite : fichier corrompu ou d'un autre format" in err

    def test_corrupted_database(self, tmp_path):
        """A cqpkit database whose pages were overwritten: exit 2, a clear French error, for import and reports."""
        base = tmp_path / "campagne.db"
        _ok(run_cli("import", "--db", str(base), str(CAMPAIGN)))
        raw = bytearray(base.read_bytes())
        raw[4096:] = b"\xde\xad\xbe\xef" * ((len(raw) - 4096) // 4)
        base.write_bytes(bytes(raw))
        for args in (("report", "campaign"), ("import", str(CAMPAIGN)), ("db", "verify")):
            err = _fails(run_cli(*args, "--db", str(base)), 2)
            assert err.startswith("erreur : ") and ("corrompue" in err or "n'est pas une base" in err), err

    def test_foreign_database(self, tmp_path):
        """Another application's SQLite file is not touched."""
        import sqlite3

        base = tmp_path / "autre.db"
        with sqlite3.connect(base) as conn:
            conn.execute("CREATE TABLE factures (id INTEGER)")
        err = _fails(run_cli("import", "--db", str(base), str(CAMPAIGN)), 2)
        assert "n'est pas une base cqpkit (table cqpkit_meta absente ; tables trouvées : factures)" in err

    def test_erase_needs_confirmation(self, tmp_path):
        """`candidate erase` without --confirmer does nothing (exit 2); with it, the data are replaced."""
        base = str(tmp_path / "b.db")
        _ok(run_cli("import", "--db", base, str(CAMPAIGN)))
        assert "--confirmer" in _fails(run_cli("candidate", "erase", "C-0203", "--db", base), 2)
        assert "Capucine" in _ok(run_cli("candidate", "export", "C-0203", "--db", base))
        assert "pseudonyme" in _ok(run_cli("candidate", "erase", "C-0203", "--confirmer", "--db", base))
        exported = json.loads(_ok(run_cli("candidate", "export", "C-0203", "--db", base)))
        assert exported["candidat"]["prenom"] == "" and exported["candidat"]["efface_le"]

    def test_database_from_environment(self, tmp_path):
        """`CQPKIT_DB` names the database when --db is not given."""
        base = tmp_path / "env.db"
        _ok(run_cli("import", str(CAMPAIGN / "sessions"), env={"CQPKIT_DB": str(base)}))
        assert base.exists()


class TestStartup:
    """The store costs `cqpkit list` nothing: SQLAlchemy is imported only by the store commands."""

    def test_list_does_not_import_sqlalchemy(self):
        """After the list path, neither sqlalchemy nor the store is in sys.modules."""
        code = (
            "import sys, io, contextlib\n"
            "from cqpkit.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    main(['list'])\n"
            "print(sorted(m for m in sys.modules if m.startswith(('sqlalchemy', 'cqpkit.store', 'cqpkit.cli.store', 'cqpkit.cli.jury', 'cqpkit.cli.records'))))\n"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "[]"

    def test_help_lists_store_commands(self):
        """`cqpkit --help` lists the store commands without importing them."""
        out = _ok(run_cli("--help"))
        for name in ("db", "import", "jury", "dossier", "report", "candidate"):
            assert f"\n    {name} " in out or f"\n    {name}\n" in out


def test_readme_main_command():
    """The README's main command starts from a new file every time (`rm -f`), so it can be run twice."""
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = readme.split("## On a fresh machine", 1)[1].split("```sh", 1)[1].split("```", 1)[0].strip()
    assert "import --db /tmp/cqpkit-campagne.db examples/campaign" in first
    assert "rm -f /tmp/cqpkit-campagne.db" in first and "report campaign" in first
