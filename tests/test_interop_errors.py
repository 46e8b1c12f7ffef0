"""The interoperability commands' errors, as a new user meets them: a missing extra, an unreadable file, a key that is
not the issuer's public key, a mistyped référentiel id. One test per class of defect; each checks the exit code
(1 invalid input, 2 usage / unreadable / environment), the French message, and that nothing was written."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.test_store_support import CAMPAIGN, SP, db  # noqa: F401 (the fixture: both engines)

DOSSIER = CAMPAIGN / "dossiers" / "oemm-2018-0203.toml"
ISSUER = "https://oemm.example.invalid"
EXTRA = "pip install 'cqpkit[interop]'"


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    assert run_cli("credential", "keygen", str(tmp_path / "cle")).returncode == 0
    return tmp_path / "cle"


def _issue(keys: Path, out: Path):
    return run_cli("credential", "issue", str(DOSSIER), "--key", str(keys), "--issuer-id", ISSUER, "--issuer-name", "OEMM (fictif)",
                   "-o", str(out), "--as-of", "2020-06-30")


class TestMissingExtra:
    """Without the `interop` extra's libraries: the command names `pip install 'cqpkit[interop]'` and the library, exit 2."""

    @pytest.fixture
    def without(self, monkeypatch: pytest.MonkeyPatch):
        def hide(module: str) -> None:
            # None in sys.modules: `import module` raises ImportError, as when it is not installed
            for name in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
                monkeypatch.delitem(sys.modules, name)
            monkeypatch.setitem(sys.modules, module, None)

        return hide

    def test_xlsx_template_import_and_report(self, without, tmp_path: Path):
        """openpyxl missing: the XLSX template, the import of an XLSX table, a report to XLSX — each exit 2, nothing written."""
        without("openpyxl")
        proc = run_cli("export", "modele-dossiers", SP, "-o", str(tmp_path / "m.xlsx"))
        assert proc.returncode == 2
        assert proc.stderr == f"erreur : le modèle XLSX demande l'extension « interop » de cqpkit ({EXTRA}) : openpyxl n'est pas installé\n"
        table = tmp_path / "t.xlsx"
        table.write_bytes(b"PK\x03\x04")
        base = tmp_path / "b.db"
        proc = run_cli("import", str(table), "--db", str(base))
        assert proc.returncode == 2
        assert f"erreur : {table} : la lecture d'une table XLSX demande l'extension « interop » de cqpkit ({EXTRA}) : openpyxl n'est pas installé" in proc.stderr
        proc = run_cli("funding", str(DOSSIER), "-o", str(tmp_path / "f.xlsx"))
        assert proc.returncode == 2 and f"({EXTRA}) : openpyxl n'est pas installé" in proc.stderr
        assert sorted(f.name for f in tmp_path.iterdir()) == ["t.xlsx"] and not base.exists()

    def test_csv_needs_no_extra(self, without, tmp_path: Path):
        """The CSV template and a report to CSV are the standard library's: they work without openpyxl."""
        without("openpyxl")
        assert run_cli("export", "modele-dossiers", SP, "-o", str(tmp_path / "m.csv")).returncode == 0
        assert run_cli("funding", str(DOSSIER), "-o", str(tmp_path / "f.csv")).returncode == 0
        assert (tmp_path / "m.csv").read_text(encoding="utf-8-sig").startswith("dossier.id;")

    def test_credentials(self, without, keys: Path, tmp_path: Path):
        """PyJWT missing: `credential issue` and `verify` name it (its distribution's name, not the module's), exit 2."""
        without("jwt")
        proc = _issue(keys, tmp_path / "out")
        message = f"erreur : l'émission ou la vérification d'attestations Open Badges demande l'extension « interop » de cqpkit ({EXTRA}) : PyJWT n'est pas installé\n"
        assert proc.returncode == 2 and proc.stderr == message
        assert not (tmp_path / "out").exists()
        token = tmp_path / "x.jwt"
        token.write_text("a.b.c\n", encoding="ascii")
        proc = run_cli("credential", "verify", str(token), "--public-key", f"{keys}.pub")
        assert proc.returncode == 2 and proc.stderr == message


class TestUnreadable:
    """A file that cannot be read, or an output that cannot be written: exit 2, the path named, in French."""

    def test_inputs(self, keys: Path, tmp_path: Path):
        """A missing table, a missing export of the registers, a directory given as a credential: exit 2, the path named."""
        for args, path in [
            (("import", str(tmp_path / "absent.xlsx"), "--db", str(tmp_path / "b.db")), tmp_path / "absent.xlsx"),
            (("rncp", "import", str(tmp_path / "absent.zip")), tmp_path / "absent.zip"),
            (("credential", "verify", str(tmp_path), "--public-key", f"{keys}.pub"), tmp_path),
        ]:
            proc = run_cli(*args)
            assert proc.returncode == 2, args
            assert str(path) in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
        assert not (tmp_path / "b.db").exists()

    def test_a_csv_table_not_in_utf8(self, tmp_path: Path):
        """A table saved as Excel's « CSV (séparateur : point-virgule) » (Windows-1252): exit 2, the line and byte, and which CSV to choose."""
        table = tmp_path / "dossiers.csv"
        table.write_bytes("dossier.id;candidat.nom\r\nX-1;Hélène\r\n".encode("cp1252"))
        proc = run_cli("import", str(table), "--db", str(tmp_path / "b.db"))
        assert proc.returncode == 2
        assert proc.stderr.splitlines()[0] == (
            f"erreur : {table}:2: le fichier n'est pas encodé en UTF-8 (octet 0xE9, colonne 6) : l'enregistrer en UTF-8 "
            "(dans Excel : Enregistrer sous › « CSV UTF-8 (délimité par des virgules) »)"
        )
        assert not (tmp_path / "b.db").exists()

    def test_outputs(self, tmp_path: Path):
        """A template or a Moodle export into a directory that does not exist: « écriture impossible … rien n'a été écrit », exit 2."""
        for command in (("modele-dossiers", SP), ("moodle", SP)):
            target = tmp_path / "absent" / "sortie.csv"
            proc = run_cli("export", *command, "-o", str(target))
            assert proc.returncode == 2, command
            assert proc.stderr == f"erreur : {target} : écriture impossible (fichier ou répertoire introuvable) ; rien n'a été écrit\n"


class TestKeyFiles:
    """`credential verify --public-key` with a file that is not the issuer's Ed25519 public key: exit 2 (the file is unusable), in French."""

    def test_not_a_key_another_algorithm_absent(self, keys: Path, tmp_path: Path):
        """Text that is no PEM key; an RSA public key; no file at all: each said, exit 2, no verification attempted."""
        assert _issue(keys, tmp_path / "out").returncode == 0
        token = tmp_path / "out" / "OEMM-2018-0203-D1.jwt"
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        (tmp_path / "texte.pub").write_text("pas une clé\n", encoding="utf-8")
        rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
        (tmp_path / "rsa.pub").write_bytes(rsa_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        expected = {
            "texte.pub": "clé publique illisible (format PEM non reconnu) ; le fichier .pub écrit par « cqpkit credential keygen » est attendu",
            "rsa.pub": "clé publique RSAPublicKey : une clé Ed25519 est attendue",
            "absente.pub": "fichier introuvable",
        }
        for name, message in expected.items():
            proc = run_cli("credential", "verify", str(token), "--public-key", str(tmp_path / name), "--as-of", "2020-06-30")
            assert proc.returncode == 2, name
            assert proc.stderr == f"erreur : {tmp_path / name} : {message}\n"

    def test_the_public_key_given_to_sign(self, keys: Path, tmp_path: Path):
        """`issue --key` with the .pub file (the two are easily swapped): « clé privée illisible », exit 2, nothing issued."""
        proc = _issue(Path(f"{keys}.pub"), tmp_path / "out")
        assert proc.returncode == 2 and "clé privée illisible" in proc.stderr
        assert not (tmp_path / "out").exists()


class TestUnknownReferentiel:
    """A mistyped référentiel id for `export moodle | modele-dossiers`: exit 1, the known ids, and the close one suggested."""

    @pytest.mark.parametrize("command", ["moodle", "modele-dossiers"])
    def test_a_close_id_is_suggested(self, command: str, tmp_path: Path):
        """« mutualite.specialiste-prestation » (an s missing): « vouliez-vous dire « mutualite.specialiste-prestations » ? », nothing written."""
        out = tmp_path / "sortie.csv"
        proc = run_cli("export", command, "mutualite.specialiste-prestation", "-o", str(out))
        assert proc.returncode == 1
        assert proc.stderr.startswith("erreur : certification « mutualite.specialiste-prestation » inconnue (certifications disponibles : ")
        assert proc.stderr.endswith(" ; vouliez-vous dire « mutualite.specialiste-prestations » ?\n")
        assert not out.exists()

    def test_no_suggestion_for_a_far_id_nor_for_a_version(self):
        """An id close to nothing gets no suggestion; an unknown version of a known certification lists its versions."""
        proc = run_cli("export", "moodle", "batiment.macon")
        assert proc.returncode == 1 and "inconnue" in proc.stderr and "vouliez-vous dire" not in proc.stderr
        proc = run_cli("export", "moodle", SP, "--version", "2099")
        assert proc.returncode == 1
        assert proc.stderr == f"erreur : version « 2099 » inconnue pour « {SP} » (versions disponibles : 2014)\n"


class TestOutputsAndStoreIds:
    """`credential issue`: an output that is a file, a candidate id mistyped in the base."""

    def test_output_that_is_a_file(self, keys: Path, tmp_path: Path):
        """-o naming a file, not a directory: said in French (not the system's « File exists »), exit 2, the file untouched."""
        target = tmp_path / "attestations"
        target.write_text("gardé\n", encoding="utf-8")
        proc = _issue(keys, target)
        assert proc.returncode == 2
        assert proc.stderr == f"erreur : {target} : ce n'est pas un répertoire (-o nomme le répertoire des attestations) ; rien n'a été écrit\n"
        assert target.read_text(encoding="utf-8") == "gardé\n"

    def test_a_close_candidate_id_is_suggested(self, db: str, keys: Path, tmp_path: Path, store_templates):  # noqa: F811
        """`--candidat C-O201` (a letter O) in a base holding C-0201: exit 1, « vouliez-vous dire « C-0201 » ? » (ids only), nothing written."""
        store_templates.fill("campaign-cli", db)  # what `cqpkit import examples/campaign --db DB` writes (made once, copied)
        proc = run_cli("credential", "issue", "--db", db, "--candidat", "C-O201", "--key", str(keys), "--issuer-id", ISSUER,
                       "--issuer-name", "OEMM (fictif)", "-o", str(tmp_path / "out"))
        assert proc.returncode == 1
        assert proc.stderr.startswith("erreur : candidat « C-O201 » inconnu dans ")
        assert proc.stderr.endswith(" : aucun dossier ; vouliez-vous dire « C-0201 » ?\n")
        assert not (tmp_path / "out").exists()
