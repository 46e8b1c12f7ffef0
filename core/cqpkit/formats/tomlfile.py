"""Reading TOML files a user wrote: bytes → text → tables, with French errors.

Shared by every file kind (référentiel, and later dossier, session, scenario): it
reports unreadable files (exit code 2) and TOML syntax errors with their line (exit
code 1), and gives back the tables with the line of each key path.
"""

from __future__ import annotations

import os
import re
from pathlib import Path as FsPath

try:  # tomli is the parser the standard library vendors as tomllib, compiled (mypyc): about 3 times faster
    import tomli as toml_parser
except ImportError:  # pragma: no cover - a platform without tomli: the same parser, pure Python
    import tomllib as toml_parser

from cqpkit.exceptions import Erreur, InvalidFileError, UnreadableFileError
from cqpkit.formats.positions import Path, key_lines, line_of

__all__ = ["TomlDocument", "parse_toml", "read_text"]

_AT = re.compile(r"^(?P<msg>.*) \(at line (?P<line>\d+), column (?P<col>\d+)\)$", re.S)
_AT_END = re.compile(r"^(?P<msg>.*) \(at end of document\)$", re.S)

# tomli's (and tomllib's) messages, in French. Unknown ones are shown as they are.
_MESSAGES = [
    (r"Cannot overwrite a value", "une valeur ne peut pas être redéfinie"),
    (r"Escaped character is not a Unicode scalar value", "caractère échappé qui n'est pas un caractère Unicode valide"),
    (r"Expected '=' after a key in a key/value pair", "« = » attendu après la clé"),
    (r"Expected '\]' at the end of a table declaration", "« ] » attendu à la fin de l'en-tête de table"),
    (r"Expected '\]\]' at the end of an array declaration", "« ]] » attendu à la fin de l'en-tête de tableau de tables"),
    (r"Invalid date or datetime", "date ou date-heure invalide"),
    (r"Invalid hex value", "valeur hexadécimale invalide"),
    (r"Invalid initial character for a key part", "caractère invalide au début d'une clé"),
    (r"Invalid statement", "instruction invalide"),
    (r"Invalid value", "valeur invalide"),
    (r"Unclosed array", "liste non fermée"),
    (r"Unclosed inline table", "table en ligne non fermée"),
    (r"Unescaped '\\' in a string", "« \\ » non échappé dans une chaîne"),
    (r"Unterminated string", "chaîne non terminée"),
    (r"Expected (?P<x>.*)", "{x} attendu"),
    (r"Found invalid character (?P<x>.*)", "caractère invalide {x}"),
    (r"Cannot declare (?P<x>.*) twice", "la clé {x} est déclarée deux fois"),
    (r"Cannot mutate immutable namespace (?P<x>.*)", "la table {x} ne peut plus être modifiée"),
    (r"Cannot redefine namespace (?P<x>.*)", "la table {x} est redéfinie"),
    (r"Duplicate inline table key (?P<x>.*)", "clé {x} en double dans la table en ligne"),
    (r"Illegal character (?P<x>.*)", "caractère interdit {x}"),
]


def _french(msg: str) -> str:
    for pattern, french in _MESSAGES:
        m = re.fullmatch(pattern, msg, re.S)
        if m:
            return french.format(**m.groupdict())
    return msg


def read_text(path: str | os.PathLike[str]) -> str:
    """Read a UTF-8 text file; any failure is an :class:`UnreadableFileError` in French."""
    p = FsPath(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise UnreadableFileError(f"{path} : fichier introuvable") from None
    except IsADirectoryError:
        raise UnreadableFileError(f"{path} : c'est un répertoire, pas un fichier") from None
    except PermissionError:
        raise UnreadableFileError(f"{path} : lecture non autorisée") from None
    except OSError as exc:
        raise UnreadableFileError(f"{path} : lecture impossible ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnreadableFileError(f"{path}:{line}: le fichier n'est pas encodé en UTF-8") from None


class TomlDocument:
    """A parsed TOML file: its tables, its text and the line of each key path."""

    __slots__ = ("_lines", "data", "fichier", "text")

    def __init__(self, fichier: str, text: str, data: dict) -> None:
        self.fichier = fichier
        self.text = text
        self.data = data
        self._lines: dict[Path, int] | None = None

    def line(self, path: Path) -> int:
        """The line where ``path`` (or its nearest ancestor) is written."""
        if self._lines is None:
            self._lines = key_lines(self.text)
        return line_of(self._lines, path)

    def erreur(self, path: Path, message: str) -> Erreur:
        """An :class:`Erreur` located at ``path`` in this file."""
        from cqpkit.formats.errors import format_path

        return Erreur(self.fichier, self.line(path), format_path(path), message)


def parse_toml(text: str, fichier: str) -> TomlDocument:
    """Parse TOML text; a syntax error raises :class:`InvalidFileError` with its line."""
    try:
        data = toml_parser.loads(text)
    except toml_parser.TOMLDecodeError as exc:
        msg = str(exc)
        m = _AT.match(msg)
        if m:
            line, col = int(m["line"]), int(m["col"])
            detail = f"syntaxe TOML invalide : {_french(m['msg'])} (colonne {col})"
        else:
            m2 = _AT_END.match(msg)
            # tomllib only says "at end of document": point at the last line written.
            line = text.rstrip().count("\n") + 1
            detail = f"syntaxe TOML invalide : {_french(m2['msg'] if m2 else msg)} (en fin de fichier)"
        raise InvalidFileError(fichier, [Erreur(fichier, line, "", detail)]) from None
    return TomlDocument(fichier, text, data)
