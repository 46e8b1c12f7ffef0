"""Broken input through the real CLI: syntax, encodings, numbers, file kinds, sessions, paths.

Each test writes real TOML files to ``tmp_path`` and runs ``cqpkit``; the expected line of
each error is found in the written text (the line holding the offending key), not copied
from the output. The standard checked everywhere: a French message
``fichier:ligne: chemin: message``, every error of every file at once, exit code 1 for
invalid input and 2 for unreadable files or usage errors, never a Python traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import jsonschema
import pytest
from cqpkit.exceptions import InvalidFileError
from cqpkit.formats.dossiers import load_dossier
from cqpkit.formats.referentiels import load_referentiel
from cqpkit.formats.schema import json_schema

from tests.conftest import ROOT, run_cli

FORMATION = (ROOT / "examples" / "dossier-specialiste-prestations-formation.toml").read_text(encoding="utf-8")
SESSION = (ROOT / "examples" / "session-oemm-jury-2014-01.toml").read_text(encoding="utf-8")
REFERENTIEL = (ROOT / "plugins" / "mutualite" / "cqpkit_mutualite" / "referentiels" / "teleconseiller-2014.toml")

SMALL_REFERENTIEL = """\
[certification]
id = "demo.essai"
intitule = "CQP d'essai (fictif)"
branche = "demo"
certificateur = "Commission d'essai"
version = "1"

[[domaines]]
id = "D1"
intitule = "Domaine un"

[jury]
composition = [{ college = "employeur", nombre = 2 }, { college = "salarie", nombre = 2 }]

[formation]
heures_min = 100
heures_max = 200
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """The 1-based line of the ``nth`` occurrence of ``needle`` in ``text``."""
    start = -1
    for _ in range(nth):
        start = text.index(needle, start + 1)
    return text.count("\n", 0, start) + 1


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr
    assert "erreur interne" not in result.stderr


class TestSyntaxMessages:
    """TOML syntax errors are French sentences: no English left from the parser, no Python reprs."""

    CASES: ClassVar[dict[str, tuple[str, str, str]]] = {
        # name: (text, needle on the offending line, expected message after « syntaxe TOML invalide : »)
        "table-deux-fois": (
            '[dossier]\nid = "X"\n\n[dossier]\nversion = "1"\n',
            "[dossier]\nversion",
            "table « dossier » déjà définie plus haut dans le fichier (colonne 9)",
        ),
        "cle-deux-fois": (
            '[dossier]\nid = "X"\n  id = "Y"\n',
            '  id = "Y"',
            "clé « id » déjà définie plus haut : une valeur ne peut pas être redéfinie (colonne 11)",
        ),
        "texte-en-trop": (
            '[dossier]\nid = "X" version = "1"\n',
            'id = "X"',
            "texte inattendu après la valeur ou l'en-tête de table : une ligne ne contient qu'une clé et sa valeur "
            "(colonne 10)",
        ),
        "mois-13": (
            "[dossier]\ninscription = 2014-13-01\n",
            "inscription",
            "date ou heure invalide « 2014-13-01 » : forme attendue AAAA-MM-JJ (ou HH:MM:SS) (colonne 19)",
        ),
        "jour-inexistant": (
            "[dossier]\ninscription = 2014-02-30\n",
            "inscription",
            "date ou date-heure invalide « 2014-02-30 » : ce jour ou cette heure n'existe pas (colonne 15)",
        ),
        "chaine-non-fermee": (
            '[dossier]\nid = "X\nversion = "1"\n',
            'id = "X',
            "fin de ligne dans une chaîne : guillemet fermant manquant (colonne 8)",
        ),
        "caractere-de-controle": (
            '[dossier]\nid = "X\x01"\n',
            'id = "X',
            "caractère interdit U+0001 (colonne 8)",
        ),
        "table-en-ligne-completee": (
            '[dossier]\nid = "X"\n[candidat]\nid = "C"\nadresse = { ville = "Lyon" }\nadresse.pays = "France"\n',
            "adresse.pays",
            "« candidat.adresse » est écrite en ligne (table ou liste entre accolades ou crochets) : "
            "elle ne peut pas être complétée plus loin (colonne 24)",
        ),
        "liste-de-tables-sur-une-valeur": (
            '[dossier]\nid = "X"\n\n[acteurs.P-01]\nrole = "tuteur"\n\n[[acteurs]]\nid = "P-02"\n',
            "[[acteurs]]",
            "[[acteurs]] : « acteurs » est déjà défini plus haut autrement que comme liste de tables "
            "([acteurs] ou acteurs = …) (colonne 10)",
        ),
        "cle-en-double-en-ligne": (
            '[dossier]\ncertification = { a = 1, a = 2 }\n',
            "certification",
            "clé « a » en double dans la table en ligne (colonne 31)",
        ),
    }

    def test_all_files_at_once_in_french(self, tmp_path):
        """Several broken files in one call: each gets its French message at the offending line; exit 1."""
        paths = {name: write(tmp_path, f"{name}.toml", text) for name, (text, _, _) in self.CASES.items()}
        result = run_cli("validate", *map(str, paths.values()))
        no_traceback(result)
        assert result.returncode == 1
        for name, (text, needle, message) in self.CASES.items():
            expected = f"{paths[name]}:{line_of(text, needle)}: syntaxe TOML invalide : {message}"
            assert expected in result.stderr.splitlines(), (expected, result.stderr)
        assert result.stdout.splitlines()[-1] == f"0 fichier valide sur {len(self.CASES)}"
        for english in ("Expected", "newline", "Cannot", "Illegal", "('", "\\x01", "\\n"):
            assert english not in result.stderr

    def test_invalid_escape_says_which_escapes_exist(self, tmp_path):
        """A Windows path in a basic string (« \\d ») is explained, with the way out (« \\\\ » or '…')."""
        path = write(tmp_path, "chemin.toml", '[dossier]\nnotes = "C:\\dossiers"\n')
        result = run_cli("validate", str(path))
        assert result.returncode == 1
        assert result.stderr.splitlines()[1].startswith(
            f"{path}:2: syntaxe TOML invalide : « \\ » suivi d'un caractère non admis dans une chaîne (séquences admises : "
        )
        assert "écrire « \\\\ » pour une barre oblique inverse" in result.stderr

    def test_unclosed_multiline_string_points_at_its_opening(self, tmp_path):
        """A multi-line string never closed is reported where it opens, not at the last line of the file."""
        basic = '[dossier]\nid = "X"\nnotes = """Début de note\n\n[candidat]\nid = "C"\n'
        literal = "[dossier]\nnotes = '''Début de note\nid = \"X\"\n"
        paths = [write(tmp_path, "basique.toml", basic), write(tmp_path, "litterale.toml", literal)]
        result = run_cli("validate", *map(str, paths))
        assert result.returncode == 1
        for path, text in zip(paths, (basic, literal), strict=True):
            assert (
                f"{path}:{line_of(text, 'notes')}: syntaxe TOML invalide : chaîne sur plusieurs lignes ouverte ici et jamais fermée"
            ) in result.stderr.splitlines()

    def test_nesting_too_deep_is_an_error_not_a_crash(self, tmp_path):
        """Arrays nested beyond the parser's limit: a syntax error at their line, exit 1 (was « erreur interne »)."""
        path = write(tmp_path, "profond.toml", "[dossier]\n\nnotes = " + "[" * 1000 + "]" * 1000 + "\n")
        result = run_cli("validate", str(path))
        no_traceback(result)
        assert result.returncode == 1
        assert result.stderr.splitlines()[1] == (
            f"{path}:3: syntaxe TOML invalide : listes ou tables en ligne imbriquées trop profondément"
        )


class TestEncodingsAndLineEndings:
    """A BOM, UTF-16, Latin-1 and Windows line endings: read or refused in French, lines still right."""

    def test_bom_is_ignored(self, tmp_path):
        """A UTF-8 byte order mark (Windows Notepad) no longer makes line 1 an « instruction invalide »."""
        path = tmp_path / "bom.toml"
        path.write_bytes(b"\xef\xbb\xbf" + FORMATION.encode("utf-8"))
        result = run_cli("validate", str(path))
        assert result.returncode == 0, result.stderr
        assert "dossier valide (OEMM-2013-0042" in result.stdout

    def test_bom_keeps_line_numbers(self, tmp_path):
        """With a BOM, an error is still reported at the line of its key."""
        text = edit(FORMATION, 'version = "2014"', "version = 2014")
        path = tmp_path / "bom.toml"
        path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
        result = run_cli("validate", str(path))
        assert result.returncode == 1
        line = line_of(text, "version = 2014")
        assert f"{path}:{line}: dossier.version: type incorrect : attendu un texte, trouvé un entier (2014)" in result.stderr

    def test_utf16_is_named(self, tmp_path):
        """A UTF-16 file is unreadable (exit 2) with a message that names its encoding."""
        path = tmp_path / "utf16.toml"
        path.write_bytes(FORMATION.encode("utf-16"))
        result = run_cli("validate", str(path))
        no_traceback(result)
        assert result.returncode == 2
        assert f"erreur : {path}:1: le fichier est encodé en UTF-16, pas en UTF-8 : l'enregistrer en UTF-8" in result.stderr

    def test_latin1_gives_line_column_and_byte(self, tmp_path):
        """A Latin-1 byte is located by line and column (in characters), exit 2."""
        path = tmp_path / "latin1.toml"
        path.write_bytes('[dossier]\nnotes = "déjà '.encode() + b'\xe9t\xe9"\n')
        result = run_cli("validate", str(path))
        assert result.returncode == 2
        assert (
            f"erreur : {path}:2: le fichier n'est pas encodé en UTF-8 (octet 0xE9, colonne 15) : l'enregistrer en UTF-8"
            in result.stderr
        )

    def test_crlf_line_numbers(self, tmp_path):
        """Windows line endings: every error is still at the line of its key."""
        text = edit(FORMATION, 'evaluateurs = ["F-01"]', 'evaluateurs = ["F-09"]')
        text = edit(text, "heures = 63", "heures = -63")
        path = write(tmp_path, "crlf.toml", text.replace("\n", "\r\n"))
        result = run_cli("validate", str(path))
        assert result.returncode == 1
        assert result.stderr.splitlines()[1:] == [
            f"{path}:{line_of(text, 'heures = -63')}: formations[1].heures: "
            "valeur négative (-63) : un nombre positif ou nul est attendu",
            f"{path}:{line_of(text, 'F-09')}: evaluations[0].evaluateurs[0]: "
            "acteur « F-09 » inconnu (acteurs définis : P-01, P-02, P-03, F-01)",
        ]

    def test_escaped_quotes_in_multiline_string_keep_line_numbers(self, tmp_path):
        """An escaped quote before two quotes inside a multi-line string does not end it: lines stay right (were all 1)."""
        text = edit(
            FORMATION,
            'notes = "Inscription par',
            'notes = """Un « \\""" » dans le texte,\n[[evaluations]]\nsur deux lignes."""\nnotes2 = "Inscription par',
        )
        text = edit(text, "D1-EF2 = \"acquis\"", "D1-EF2 = 2")
        path = write(tmp_path, "multiligne.toml", text)
        result = run_cli("validate", str(path))
        assert result.returncode == 1
        assert result.stderr.splitlines()[1:] == [
            f"{path}:{line_of(text, 'notes2')}: dossier.notes2: clé inconnue (vouliez-vous dire « notes » ?)",
            f"{path}:{line_of(text, 'D1-EF2 = 2')}: evaluations[0].criteres.D1-EF2: "
            "type incorrect : attendu un texte, trouvé un entier (2)",
        ]


class TestUnreadablePaths:
    """Paths that cannot be read: exit 2, a French reason, the other files still checked."""

    def test_reasons_in_french(self, tmp_path):
        """Missing, a directory, a path through a file, a symlink loop: each named in French; a valid file still passes."""
        good = write(tmp_path, "bon.toml", FORMATION)
        loop = tmp_path / "boucle.toml"
        loop.symlink_to(tmp_path / "boucle2.toml")
        (tmp_path / "boucle2.toml").symlink_to(loop)
        through = f"{good}/x.toml"
        result = run_cli("validate", str(good), str(tmp_path / "absent.toml"), str(tmp_path), through, str(loop))
        no_traceback(result)
        assert result.returncode == 2
        assert result.stderr.splitlines() == [
            f"erreur : {tmp_path / 'absent.toml'} : fichier introuvable",
            f"erreur : {tmp_path} : c'est un répertoire, pas un fichier",
            f"erreur : {through} : lecture impossible (une partie du chemin n'est pas un répertoire)",
            f"erreur : {loop} : lecture impossible (trop de liens symboliques : une boucle de liens ?)",
        ]
        assert result.stdout.splitlines() == [f"{good} : dossier valide (OEMM-2013-0042, mutualite.specialiste-prestations 2014)", "1 fichier valide sur 5"]

    @staticmethod
    def _run_bounded(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        """``cqpkit ARGS`` that must not block: reading a named pipe would wait for a writer forever."""
        try:
            return subprocess.run(
                [sys.executable, "-m", "cqpkit", *args], capture_output=True, text=True, cwd=cwd, timeout=60
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"cqpkit {' '.join(args)} reste bloqué (lecture d'un tube nommé ?)")

    @pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="pas de tube nommé ni de socket Unix sur ce système")
    def test_named_pipe_socket_and_device_are_refused(self, tmp_path):
        """A FIFO, a socket and a device are refused before reading (a FIFO would block): exit 2, French, the good file passes."""
        import socket

        good = write(tmp_path, "bon.toml", FORMATION)
        os.mkfifo(tmp_path / "tube.toml")
        server = socket.socket(socket.AF_UNIX)
        try:
            server.bind(str(tmp_path / "prise.toml"))
            result = self._run_bounded("validate", "bon.toml", "tube.toml", "prise.toml", os.devnull, cwd=tmp_path)
        finally:
            server.close()
        no_traceback(result)
        assert result.returncode == 2
        assert result.stderr.splitlines() == [
            "erreur : tube.toml : c'est un tube nommé (FIFO), pas un fichier ordinaire : cqpkit ne lit que des fichiers "
            "enregistrés sur le disque",
            "erreur : prise.toml : c'est une socket, pas un fichier ordinaire : cqpkit ne lit que des fichiers "
            "enregistrés sur le disque",
            f"erreur : {os.devnull} : c'est un périphérique, pas un fichier ordinaire : cqpkit ne lit que des fichiers "
            "enregistrés sur le disque",
        ]
        assert result.stdout.splitlines() == [
            "bon.toml : dossier valide (OEMM-2013-0042, mutualite.specialiste-prestations 2014)",
            "1 fichier valide sur 4",
        ]
        assert good.read_text(encoding="utf-8") == FORMATION

    @pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="pas de tube nommé sur ce système")
    def test_check_on_a_named_pipe_does_not_block(self, tmp_path):
        """``cqpkit check`` on a FIFO: the same refusal, exit 2."""
        os.mkfifo(tmp_path / "tube.toml")
        result = self._run_bounded("check", "tube.toml", cwd=tmp_path)
        no_traceback(result)
        assert result.returncode == 2
        assert "erreur : tube.toml : c'est un tube nommé (FIFO), pas un fichier ordinaire" in result.stderr

    @pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="pas de tube nommé sur ce système")
    def test_import_of_a_directory_holding_a_named_pipe(self, tmp_path):
        """``cqpkit import DIR`` where DIR holds a FIFO ending in .toml: refused with the others read, exit 2, no hang."""
        folder = tmp_path / "lot"
        folder.mkdir()
        write(folder, "a-dossier.toml", FORMATION)
        os.mkfifo(folder / "z-tube.toml")
        result = self._run_bounded("import", "--db", str(tmp_path / "base.db"), "lot", cwd=tmp_path)
        no_traceback(result)
        assert result.returncode == 2, result.stdout + result.stderr
        tube = os.path.join("lot", "z-tube.toml")
        assert (
            f"{tube} : c'est un tube nommé (FIFO), pas un fichier ordinaire : cqpkit ne lit que des fichiers enregistrés "
            "sur le disque"
        ) in result.stderr
        assert "a-dossier.toml" not in result.stderr  # the valid file was read and found valid

    def test_valid_and_invalid_lines_keep_their_order_in_one_log(self, tmp_path):
        """stdout and stderr sent to one file: each file's verdict comes in the order of the files."""
        good = write(tmp_path, "bon.toml", FORMATION)
        bad = write(tmp_path, "mauvais.toml", edit(FORMATION, 'version = "2014"', "version = 2014"))
        env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # stdout buffered, as in a real pipe
        result = subprocess.run(
            [sys.executable, "-m", "cqpkit", "validate", str(good), str(bad), str(good)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            timeout=120,
        )
        assert result.stdout.splitlines() == [
            f"{good} : dossier valide (OEMM-2013-0042, mutualite.specialiste-prestations 2014)",
            f"{bad} : 1 erreur",
            f"{bad}:{line_of(FORMATION, 'version =')}: dossier.version: type incorrect : attendu un texte, trouvé un entier (2014)",
            f"{good} : dossier valide (OEMM-2013-0042, mutualite.specialiste-prestations 2014)",
            "2 fichiers valides sur 3",
        ]


class TestNumbers:
    """Numbers in files are counts, durations, amounts, rates: never negative, never nan or inf."""

    def test_negative_and_nan_in_a_dossier(self, tmp_path):
        """A negative float, a negative int and a nan: one message each, at their line."""
        text = edit(FORMATION, "heures = 84", "heures = -84")
        text = edit(text, "tutores_simultanes = 1", "tutores_simultanes = -1")
        text = edit(text, "heures = 63", "heures = nan")
        path = write(tmp_path, "negatif.toml", text)
        result = run_cli("validate", str(path))
        assert result.returncode == 1
        assert result.stderr.splitlines()[1:] == [
            f"{path}:{line_of(text, 'tutores_simultanes')}: acteurs[1].tutores_simultanes: "
            "valeur négative (-1) : un nombre positif ou nul est attendu",
            f"{path}:{line_of(text, 'heures = -84')}: formations[0].heures: "
            "valeur négative (-84) : un nombre positif ou nul est attendu",
            f"{path}:{line_of(text, 'heures = nan')}: formations[1].heures: "
            "valeur « nan » non admise : un nombre fini est attendu",
        ]

    def test_negative_in_a_referentiel(self, tmp_path):
        """A negative collège size and training hours: errors at their line; the evaluator check does not repeat it."""
        text = edit(SMALL_REFERENTIEL, '{ college = "salarie", nombre = 2 }', '{ college = "salarie", nombre = -2 }')
        text = edit(text, "heures_min = 100", "heures_min = -100.5")
        path = write(tmp_path, "negatif.toml", text)
        result = run_cli("validate", str(path))
        assert result.returncode == 1
        assert result.stderr.splitlines()[1:] == [
            f"{path}:{line_of(text, 'composition')}: jury.composition[1].nombre: "
            "valeur négative (-2) : un nombre positif ou nul est attendu",
            f"{path}:{line_of(text, 'heures_min')}: formation.heures_min: "
            "valeur négative (-100.5) : un nombre positif ou nul est attendu",
        ]

    def test_negative_evaluators_one_message(self, tmp_path):
        """`nombre = -2` evaluators: the negative-number message only (not also « inférieur à 1 »)."""
        text = SMALL_REFERENTIEL + (
            '\n[[epreuves]]\nid = "finale"\nintitule = "Finale"\ntype = "finale_entreprise"\n'
            'domaines = ["D1"]\nevaluateurs = { nombre = -2 }\n'
        )
        path = write(tmp_path, "evaluateurs.toml", text)
        result = run_cli("validate", str(path))
        assert result.stderr.splitlines()[1:] == [
            f"{path}:{line_of(text, 'evaluateurs =')}: epreuves[0].evaluateurs.nombre: "
            "valeur négative (-2) : un nombre positif ou nul est attendu",
        ]

    @pytest.mark.parametrize("kind", ["referentiel", "dossier"])
    def test_schema_has_minimum_zero(self, kind):
        """The schemas say it too: every integer and number has `minimum: 0`."""
        text = json.dumps(json_schema(kind))
        assert '"type": "integer"}' not in text and '"type": "number"}' not in text

    def test_schema_rejects_a_negative_and_accepts_the_example(self):
        """The dossier schema (from `cqpkit schema dossier`) accepts the example and refuses `heures = -84`."""
        import tomllib

        from tests.test_schema import _jsonable

        result = run_cli("schema", "dossier")
        schema = json.loads(result.stdout)
        jsonschema.validate(_jsonable(tomllib.loads(FORMATION)), schema)
        with pytest.raises(jsonschema.ValidationError, match="less than the minimum"):
            jsonschema.validate(_jsonable(tomllib.loads(edit(FORMATION, "heures = 84", "heures = -84"))), schema)


class TestChecksOfOddShapes:
    """The cross-checks tolerate any shape the converter reports: no « erreur interne »."""

    def test_list_where_an_id_or_a_rule_type_is_expected(self, tmp_path):
        """`id = []` in a volume and `type = []` in a rule: type errors at their lines, exit 1 (was a TypeError)."""
        text = SMALL_REFERENTIEL + (
            '\n[[volumes]]\nid = []\nlibelle = "Volume"\njours = 1\n'
            '\n[[regles]]\nid = "r1"\ntype = []\nlibelle = "Règle"\nsource = { document = "guide.txt" }\n'
        )
        path = write(tmp_path, "formes.toml", text)
        result = run_cli("validate", str(path))
        no_traceback(result)
        assert result.returncode == 1
        assert f"{path}:{line_of(text, 'id = []')}: volumes[0].id: type incorrect : attendu un texte, trouvé une liste" in result.stderr
        assert f"{path}:{line_of(text, 'type = []')}: regles[0].type: type incorrect : attendu un texte, trouvé une liste" in result.stderr


class TestKeysUnderTheWrongHeader:
    """A top-level key written after a table header belongs to that table: the message says so."""

    def test_top_level_key_inside_a_table(self, tmp_path):
        """`prerequis = […]` after `[formation]` is not « clé inconnue » alone: the header is explained."""
        text = SMALL_REFERENTIEL + 'prerequis = []\n'
        path = write(tmp_path, "entete.toml", text)
        result = run_cli("validate", str(path))
        assert result.returncode == 1
        assert result.stderr.splitlines()[1] == (
            f"{path}:{line_of(text, 'prerequis')}: formation.prerequis: clé inconnue ici : « prerequis » "
            "est une clé du premier niveau du fichier, mais une clé écrite après un en-tête de table appartient "
            "à cette table ; l'écrire avant le premier en-tête"
        )

    def test_top_level_table_name_inside_a_table(self, tmp_path):
        """`tutorat = …` under `[formation]`: the key of the document is named."""
        text = SMALL_REFERENTIEL + 'tutorat = "non"\n'
        path = write(tmp_path, "entete.toml", text)
        result = run_cli("validate", str(path))
        assert result.stderr.splitlines()[1] == (
            f"{path}:{line_of(text, 'tutorat')}: formation.tutorat: clé inconnue ici : « tutorat » "
            "est une clé du premier niveau du fichier, mais une clé écrite après un en-tête de table appartient "
            "à cette table ; l'écrire avant le premier en-tête"
        )

    def test_key_path_quotes_non_ascii_keys(self, tmp_path):
        """A critère key with an accent is quoted in the path, as TOML needs it."""
        text = edit(FORMATION, "D1-EF2 = ", '"D1-É2" = ')
        path = write(tmp_path, "accent.toml", text)
        result = run_cli("validate", str(path))
        assert f'{path}:{line_of(text, "D1-É2")}: evaluations[0].criteres."D1-É2": critère « D1-É2 » inconnu' in result.stderr


class TestFileOfTheWrongKind:
    """A référentiel given as a dossier, a dossier as a session…: one clear error, not one per table."""

    def test_decide_on_a_referentiel_and_a_session(self, tmp_path):
        """`cqpkit decide` on a référentiel and a session: one error each, at the line of their table; exit 1."""
        session = write(tmp_path, "session.toml", SESSION)
        result = run_cli("decide", str(REFERENTIEL), str(session), "--as-of", "2014-07-01")
        no_traceback(result)
        assert result.returncode == 1
        ref_text = REFERENTIEL.read_text(encoding="utf-8")
        assert result.stderr.splitlines() == [
            f"{REFERENTIEL} : 1 erreur",
            f"{REFERENTIEL}:{line_of(ref_text, 'extends =')}: ce fichier est un référentiel (clé extends), "
            "pas un dossier : un dossier commence par la table [dossier]",
            f"{session} : 1 erreur",
            f"{session}:{line_of(SESSION, '[session]')}: ce fichier est une session de jury (table [session]), "
            "pas un dossier : un dossier commence par la table [dossier]",
        ]

    def test_load_referentiel_on_a_dossier(self, tmp_path):
        """The Python API too: a dossier file loaded as a référentiel is one error."""
        path = write(tmp_path, "dossier.toml", FORMATION)
        with pytest.raises(InvalidFileError) as info:
            load_referentiel(path)
        assert [e.message for e in info.value.erreurs] == [
            "ce fichier est un dossier (table [dossier]), pas un référentiel : un référentiel commence par la table [certification]"
        ]

    def test_load_dossier_on_a_scenario(self, tmp_path):
        """A scenario file is not a dossier file, even though it may hold a dossier."""
        path = write(tmp_path, "scenario.toml", '[scenario]\ndescription = "x"\n\n' + FORMATION)
        with pytest.raises(InvalidFileError) as info:
            load_dossier(path)
        assert [(e.ligne, e.message) for e in info.value.erreurs] == [
            (1, "ce fichier est un scénario (table [scenario]), pas un dossier : un dossier commence par la table [dossier]")
        ]


class TestValidateUnknownKinds:
    """`cqpkit validate` on a file of no known kind says why."""

    def test_empty_and_comment_only(self, tmp_path):
        """An empty file and a file of comments are « fichier vide », exit 1."""
        empty = write(tmp_path, "vide.toml", "")
        comments = write(tmp_path, "commentaires.toml", "# rien\n\n# encore rien\n")
        result = run_cli("validate", str(empty), str(comments))
        assert result.returncode == 1
        for path in (empty, comments):
            assert f"{path}:1: fichier vide (ou seulement des commentaires) : un référentiel commence par la table [certification]" in result.stderr


class TestCheckSessions:
    """`cqpkit check --session --historique`: every session file read, with all its errors, like the dossiers."""

    def test_every_session_error_at_once(self, tmp_path):
        """An invalid session and two invalid historique files: all reported (it stopped at the first), exit 2."""
        dossier = write(tmp_path, "dossier.toml", FORMATION)
        session_text = edit(SESSION, "date = 2014-01-20", 'date = "2014-01-20"')
        session = write(tmp_path, "session.toml", session_text)
        old_text = edit(SESSION, "cloturee = true", 'cloturee = "oui"')
        old = write(tmp_path, "ancienne.toml", old_text)
        result = run_cli(
            "check", str(dossier), "--session", str(session), "--historique", str(old), str(tmp_path / "absente.toml"),
            "--as-of", "2014-07-01",
        )
        no_traceback(result)
        assert result.returncode == 2
        err = result.stderr.splitlines()
        assert f"{session}:{line_of(session_text, 'date =')}: session.date: type incorrect : attendu une date (AAAA-MM-JJ), trouvé un texte (« 2014-01-20 »)" in err
        assert f"{old}:{line_of(old_text, 'cloturee')}: session.cloturee: type incorrect : attendu un booléen (true ou false), trouvé un texte (« oui »)" in err
        assert f"erreur : {tmp_path / 'absente.toml'} : fichier introuvable" in err
        # The dossier is still checked; the session is said not to be.
        assert result.stdout.splitlines()[0].startswith("OEMM-2013-0042 (mutualite.specialiste-prestations 2014)")
        assert f"Session {session} — non vérifiée : un fichier de session est invalide ou illisible (voir les erreurs)" in result.stdout

    def test_session_checked_against_the_registry(self, tmp_path):
        """As with `validate`, a member's collège must be one the certification's jury defines."""
        dossier = write(tmp_path, "dossier.toml", FORMATION)
        text = SESSION.replace('college = "salarie"', 'college = "salarié"')
        session = write(tmp_path, "session.toml", text)
        result = run_cli("check", str(dossier), "--session", str(session), "--as-of", "2014-07-01")
        assert result.returncode == 1
        assert (
            f"{session}:{line_of(text, 'salarié')}: membres[2].college: collège « salarié » inconnu "
            "(collèges définis : employeur, salarie)"
        ) in result.stderr.splitlines()

    def test_historique_without_session_is_a_usage_error(self, tmp_path):
        """`--historique` alone was silently ignored: it is a usage error (exit 2)."""
        dossier = write(tmp_path, "dossier.toml", FORMATION)
        session = write(tmp_path, "session.toml", SESSION)
        result = run_cli("check", str(dossier), "--as-of", "2014-07-01", "--historique", str(session))
        assert result.returncode == 2
        assert "cqpkit check : erreur d'utilisation : --historique ne s'emploie qu'avec --session" in result.stderr


class TestDossierCommandsJson:
    """With `--json`, the dossier commands keep errors on stderr, the JSON on stdout, and the exit code."""

    @pytest.mark.parametrize("command", ["check", "decide", "funding", "explain", "plan"])
    def test_broken_and_missing(self, tmp_path, command):
        """A negative number and a missing file: the error lines, valid JSON without them, exit 2."""
        text = edit(FORMATION, "heures = 84", "heures = -84")
        bad = write(tmp_path, "negatif.toml", text)
        result = run_cli(command, str(bad), str(tmp_path / "absent.toml"), "--json", "--as-of", "2014-07-01")
        no_traceback(result)
        assert result.returncode == 2
        json.loads(result.stdout)
        assert result.stderr.splitlines() == [
            f"{bad} : 1 erreur",
            f"{bad}:{line_of(text, 'heures = -84')}: formations[0].heures: valeur négative (-84) : un nombre positif ou nul est attendu",
            f"erreur : {tmp_path / 'absent.toml'} : fichier introuvable",
        ]
