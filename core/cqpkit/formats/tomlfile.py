"""Reading TOML files a user wrote: bytes → text → tables, with French errors.

Shared by every file kind (référentiel, dossier, session, scenario): it reports
unreadable files (exit code 2: missing, a directory, not UTF-8 — UTF-16 named as such —,
with the system's reason in French) and TOML syntax errors with their line (exit code 1;
every parser message in French, made precise with the text of the line where it can be:
the key defined twice, the date that does not exist), and gives back the tables with the
line of each key path. A UTF-8 byte order mark is ignored. :func:`file_kind` tells the
kind of a file from its top-level tables, and :func:`raise_if_other_kind` refuses a file
of another kind with one error rather than one « clé inconnue » per table.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import stat
from types import ModuleType
from typing import Any, Literal

from cqpkit.exceptions import Erreur, InvalidArgumentError, InvalidFileError, UnreadableFileError, os_reason
from cqpkit.formats.positions import Path, key_lines, line_of

__all__ = [
    "DEFAULT_MAX_SIZE",
    "SIZE_VARIABLE",
    "TomlDocument",
    "decode_text",
    "file_kind",
    "max_size",
    "parse_toml",
    "raise_if_other_kind",
    "read_bytes",
    "read_file",
    "read_text",
    "toml_module",
]

_PARSER: ModuleType | None = None


def toml_module() -> ModuleType:
    """The TOML parser: tomli, the parser the standard library vendors as tomllib, compiled (mypyc: about 3 times
    faster), else tomllib itself. Imported at the first parse, not with this module (a warm ``cqpkit list`` reads
    files through here and parses none)."""
    global _PARSER
    if _PARSER is None:
        try:
            import tomli as parser
        except ImportError:  # pragma: no cover - a platform without tomli: the same parser, pure Python
            import tomllib as parser  # type: ignore[no-redef]
        _PARSER = parser
    return _PARSER


class _Lazy:
    """A regular expression compiled at its first use: those of the error messages are not compiled on every start."""

    __slots__ = ("_args", "_compiled")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._args = (pattern, flags)
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:  # match, search, finditer…
        if self._compiled is None:
            self._compiled = re.compile(*self._args)
        return getattr(self._compiled, name)


_AT = _Lazy(r"^(?P<msg>.*) \(at line (?P<line>\d+), column (?P<col>\d+)\)$", re.S)
_AT_END = _Lazy(r"^(?P<msg>.*) \(at end of document\)$", re.S)

# How tomli names a closing quote it expected: ' " ''' or """ (as a Python repr).
_QUOTES = "|".join(re.escape(repr(q)) for q in ("'", '"', "'''", '"""'))
_STRING_END = f"Unterminated string|Expected ({_QUOTES})"

_ESCAPES = r"\b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX"

# tomli's (and tomllib's) messages, in French. ``{x}`` is the message's own detail (a key,
# a character), already made readable by :func:`_detail`. Unknown ones are shown as they are.
_MESSAGES = [
    (r"Cannot overwrite a value", "une valeur ne peut pas être redéfinie"),
    (r"Escaped character is not a Unicode scalar value", "caractère échappé qui n'est pas un caractère Unicode valide"),
    (r"Expected '=' after a key in a key/value pair", "« = » attendu après la clé"),
    (r"Expected '\]' at the end of a table declaration", "« ] » attendu à la fin de l'en-tête de table"),
    (r"Expected '\]\]' at the end of an array declaration", "« ]] » attendu à la fin de l'en-tête de tableau de tables"),
    (
        r"Expected newline or end of document after a statement",
        "texte inattendu après la valeur ou l'en-tête de table : une ligne ne contient qu'une clé et sa valeur",
    ),
    (r"Invalid date or datetime", "date ou date-heure invalide"),
    (r"Invalid hex value", "valeur hexadécimale invalide"),
    (r"Invalid initial character for a key part", "caractère invalide au début d'une clé"),
    (r"Invalid statement", "instruction invalide"),
    (r"Invalid value", "valeur invalide"),
    (r"Unclosed array", "liste non fermée"),
    (r"Unclosed inline table", "table en ligne non fermée"),
    (
        r"Unescaped '\\' in a string",
        f"« \\ » suivi d'un caractère non admis dans une chaîne (séquences admises : {_ESCAPES} ; "
        "écrire « \\\\ » pour une barre oblique inverse, ou utiliser une chaîne littérale entre apostrophes)",
    ),
    (r"Unterminated string", "chaîne non terminée"),
    (r"Illegal character '\\n'", "fin de ligne dans une chaîne : guillemet fermant manquant"),
    (rf"Expected (?P<x>{_QUOTES})", "guillemet fermant {x} attendu : chaîne non terminée"),
    (r"Expected (?P<x>.*)", "{x} attendu"),
    (r"Found invalid character (?P<x>.*)", "caractère interdit {x}"),
    (r"Cannot declare (?P<x>.*) twice", "table {x} déjà définie plus haut dans le fichier"),
    (
        r"Cannot mutate immutable namespace (?P<x>.*)",
        "{x} est écrite en ligne (table ou liste entre accolades ou crochets) : elle ne peut pas être complétée plus loin",
    ),
    (r"Cannot redefine namespace (?P<x>.*)", "table {x} redéfinie"),
    (r"Duplicate inline table key (?P<x>.*)", "clé {x} en double dans la table en ligne"),
    (r"Illegal character (?P<x>.*)", "caractère interdit {x}"),
]

_BARE_KEY = _Lazy(r"^[A-Za-z0-9_-]+$")
# The key at the start of a ``key = value`` line (dotted and quoted keys included).
_LINE_KEY = _Lazy(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*'))*)\s*="""
)
_AOT_HEADER = _Lazy(r"^\s*\[\[\s*([^\]]+?)\s*\]\]")
# What follows ``=`` on a line, up to a blank, a comma, a bracket or a comment.
_LINE_VALUE = _Lazy(r"=\s*([^\s,\]}#]+)")
_TOKEN = _Lazy(r"[^\s,\]}#]+")
_DATE_LIKE = _Lazy(r"^(?:\d{4}-\d|\d{1,2}:\d)")
# A date written the French way (01/01/2026, 1/1/2026, 01-01-2026, 01.01.2026) or year first with
# slashes or dots (2026/01/01), as a value: after ``key =`` (the key is then named) or in a list.
_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')"""
_OTHER_DATE = _Lazy(
    rf"(?:(?P<key>{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*=\s*|(?<=[\[,\s]))"
    r"(?P<value>(?P<d>\d{1,2})(?P<s>[/.-])(?P<m>\d{1,2})(?P=s)(?P<y>\d{4}|\d{2})"
    r"|(?P<y2>\d{4})(?P<s2>[/.])(?P<m2>\d{1,2})(?P=s2)(?P<d2>\d{1,2}))(?=[\s,\]}#]|$)"
)


def _char(c: str) -> str:
    """A character for a message: itself in quotes when printable, else its code point."""
    return f"« {c} »" if c.isprintable() and c != " " else f"U+{ord(c):04X}"


def _detail(x: str) -> str:
    """tomli's detail (a Python repr of a string, a character or a tuple of key parts) made readable."""
    try:
        import ast  # error messages only

        value = ast.literal_eval(x)
    except (ValueError, SyntaxError):
        return x
    if isinstance(value, tuple) and all(isinstance(p, str) for p in value):
        return "« " + ".".join(p if _BARE_KEY.match(p) else f'"{p}"' for p in value) + " »"
    if isinstance(value, str) and len(value) == 1:
        return _char(value)
    if isinstance(value, str):
        return f"« {value} »"
    return x


def _other_date(line_text: str, col: int) -> str | None:
    """The message for a date not written AAAA-MM-JJ (``01/01/2026``…) on the line, nearest the column; else ``None``.

    The example is the date itself, rewritten (day first, as in French, unless the year is), when
    that is a real day with a four-digit year; else 2026-01-01.
    """
    # The parser stops inside the value (at its first character that a number or a date cannot hold).
    m = next((m for m in _OTHER_DATE.finditer(line_text) if m.start("value") <= col - 1 <= m.end("value")), None)
    if m is None:
        return None
    year, month, day = (m["y"], m["m"], m["d"]) if m["y"] else (m["y2"], m["m2"], m["d2"])
    try:
        example = dt.date(int(year), int(month), int(day)).isoformat() if len(year) == 4 else "2026-01-01"
    except ValueError:  # not a real day (31/02/2026)
        example = "2026-01-01"
    key = re.sub(r"\s*\.\s*", ".", m["key"] or "")
    where = f"clé « {key} » : " if key else ""
    return f"{where}« {m['value']} » n'est pas une date TOML : date attendue sous la forme AAAA-MM-JJ (par exemple {example})"


def _french(msg: str, line_text: str = "", col: int = 0) -> str:
    # Some messages are made precise with the text of the offending line.
    if msg == "Invalid date or datetime" and col:
        m = _TOKEN.match(line_text, col - 1)
        if m:
            return f"date ou date-heure invalide « {m[0]} » : ce jour ou cette heure n'existe pas"
    if msg == "Cannot overwrite a value":
        header = _AOT_HEADER.match(line_text)
        if header:
            key = re.sub(r"\s*\.\s*", ".", header[1])
            return (
                f"[[{key}]] : « {key} » est déjà défini plus haut autrement que comme liste de tables "
                f"([{key}] ou {key} = …)"
            )
        m = _LINE_KEY.match(line_text)
        if m:
            key = re.sub(r"\s*\.\s*", ".", m[1])
            return f"clé « {key} » déjà définie plus haut : une valeur ne peut pas être redéfinie"
    if msg in ("Expected newline or end of document after a statement", "Invalid value", "Unclosed array", "Unclosed inline table"):
        other = _other_date(line_text, col)
        if other:
            return other
    if msg == "Expected newline or end of document after a statement":
        m = _LINE_VALUE.search(line_text)
        if m and _DATE_LIKE.match(m[1]):
            return f"date ou heure invalide « {m[1]} » : forme attendue AAAA-MM-JJ (ou HH:MM:SS)"
    for pattern, french in _MESSAGES:
        m = re.fullmatch(pattern, msg, re.S)
        if m:
            return french.format(**{k: _detail(v) for k, v in m.groupdict().items()})
    return msg


def _special(mode: int) -> str | None:
    """What a file that is neither a regular file nor a directory is, in French (``None`` for those two)."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "un tube nommé (FIFO)"
    if stat.S_ISSOCK(mode):
        return "une socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "un périphérique"
    return "un fichier spécial"


def _refuse_special(path: str | os.PathLike[str], mode: int) -> None:
    what = _special(mode)
    if what is not None:
        raise UnreadableFileError(
            f"{path} : c'est {what}, pas un fichier ordinaire : cqpkit ne lit que des fichiers enregistrés sur le disque"
        )
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))


#: The environment variable that sets the size cap, and the cap without it (see :func:`max_size`).
SIZE_VARIABLE = "CQPKIT_TAILLE_MAX"
DEFAULT_MAX_SIZE = 10_000_000

_SIZE = _Lazy(r"^\s*(\d+)\s*(?:([kmg])o?|o)?\s*$", re.I)
_UNITS = {"": 1, "k": 1_000, "m": 1_000_000, "g": 1_000_000_000}


def _size_text(n: int) -> str:
    """A size in French (decimal units, as the cap is written): « 10 Mo », « 2,5 Mo », « 800 ko », « 12 octets »."""
    for unit, name in ((1_000_000_000, "Go"), (1_000_000, "Mo"), (1_000, "ko")):
        if n >= unit:
            value = f"{n / unit:.1f}".rstrip("0").rstrip(".").replace(".", ",")
            return f"{value} {name}"
    return f"{n} octet{'s' if n > 1 else ''}"


def max_size(path: str | os.PathLike[str] = "") -> int:
    """The largest file cqpkit reads, in bytes: ``$CQPKIT_TAILLE_MAX`` if set, else :data:`DEFAULT_MAX_SIZE` (10 Mo).

    The variable holds a number of bytes, optionally followed by k, M or G (decimal units,
    « o » accepted: ``500k``, ``50M``, ``2 Go``). Anything else is an :class:`UnreadableFileError`
    naming ``path`` (the file that was about to be read): a cap that is not understood is never
    silently replaced by another one.

    Why 10 Mo: the largest file cqpkit ships is a référentiel of about 90 ko and a real dossier
    is a few ko (a session of jury with hundreds of passages, a few hundred ko); 10 Mo is a
    hundred times the largest of them, reads and parses in a few seconds with a few hundred Mo
    of memory, and stops a mistaken input (a log, a dump, ``/dev/zero`` behind a link) before
    it costs minutes and gigabytes.
    """
    raw = os.environ.get(SIZE_VARIABLE)
    if raw is None or not raw.strip():
        return DEFAULT_MAX_SIZE
    m = _SIZE.match(raw)
    value = int(m[1]) * _UNITS[(m[2] or "").lower()] if m else 0
    if value <= 0:
        where = f"{os.fspath(path)} : non lu : " if path else ""
        raise UnreadableFileError(
            f"{where}{SIZE_VARIABLE} = « {raw} » n'est pas une taille de fichier : un nombre d'octets, "
            "éventuellement suivi de k, M ou G (par exemple 500k, 50M, 2G)"
        )
    return value


def _too_large(path: str | os.PathLike[str], size: int, cap: int, *, at_least: bool = False) -> UnreadableFileError:
    suggestion = -(-size // 10_000_000) * 10 + (10 if at_least else 0)  # the next ten Mo above the file
    octets = f"{cap:,}".replace(",", "\u202f")
    return UnreadableFileError(
        f"{os.fspath(path)} : fichier trop volumineux ({'plus de ' if at_least else ''}{_size_text(size)}) : "
        f"cqpkit ne lit pas de fichier de plus de {_size_text(cap)} ({octets} octets) ; pour lire ce fichier, "
        f"relever la limite avec la variable d'environnement {SIZE_VARIABLE} (par exemple {SIZE_VARIABLE}={suggestion}M)"
    )


def read_file(path: str | os.PathLike[str], *, limit: int | None = None) -> tuple[bytes, os.stat_result]:
    """The bytes of ``path`` and its status, if it is a regular file of at most ``limit`` bytes (default :func:`max_size`).

    This is the one function through which cqpkit reads a file given to it (a test checks that no
    other module opens one for reading). A named pipe (FIFO), a socket or a device is refused
    before it is opened (opening some devices acts on them), and again on the open descriptor,
    so that nothing can be swapped in between; the file is opened without blocking (opening a
    FIFO for reading would wait for a writer) and without becoming a controlling terminal. A file
    over the cap is refused before it is read, and no more than the cap plus one byte is ever read
    (a file that grows, or says it is empty as those of ``/proc`` do, is caught too).

    Refusals are :class:`UnreadableFileError` (French, naming the file and the cap); a failure of
    the system (missing file, a directory, permissions, a loop of links) is the :class:`OSError`
    itself, so that each caller words it for its own context (:func:`read_bytes` does it once for all).
    """
    cap = max_size(path) if limit is None else limit
    # Before opening: a socket cannot be opened (ENXIO) and some devices act when opened. A missing
    # file is said by the same exception os.open would raise.
    _refuse_special(path, os.stat(path).st_mode)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        _refuse_special(path, st.st_mode)  # a regular file from here on: O_NONBLOCK has no effect on its reads
        if st.st_size > cap:
            raise _too_large(path, st.st_size, cap)
        # On the descriptor (no file object per file: this is the read of every dossier of a directory).
        data = os.read(fd, st.st_size + 1)
        if len(data) > st.st_size:  # more than the file said (it grew, or says it is empty as /proc's do): read on, to the cap
            chunks, total = [data], len(data)
            while total <= cap:
                chunk = os.read(fd, cap + 1 - total)
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
            data = b"".join(chunks)
    finally:
        os.close(fd)
    if len(data) > cap:
        raise _too_large(path, cap, cap, at_least=True)  # only the cap and one byte were read
    return data, st


def read_bytes(path: str | os.PathLike[str], *, limit: int | None = None) -> bytes:
    """The bytes of a regular file (see :func:`read_file`); any failure is an :class:`UnreadableFileError` in French."""
    try:
        return read_file(path, limit=limit)[0]
    except FileNotFoundError:
        raise UnreadableFileError(f"{path} : fichier introuvable") from None
    except IsADirectoryError:
        raise UnreadableFileError(f"{path} : c'est un répertoire, pas un fichier") from None
    except PermissionError:
        raise UnreadableFileError(f"{path} : lecture non autorisée") from None
    except OSError as exc:
        reason = os_reason(exc)
        raise UnreadableFileError(f"{path} : lecture impossible ({reason})") from None


def read_text(path: str | os.PathLike[str], *, limit: int | None = None) -> str:
    """Read a UTF-8 text file; any failure is an :class:`UnreadableFileError` in French.

    Only a regular file of at most ``limit`` bytes (default :func:`max_size`, 10 Mo) is read:
    a named pipe (FIFO), a socket or a device is refused before reading (reading a pipe would
    wait forever for a writer, ``/dev/zero`` would fill the memory), see :func:`read_file`.
    """
    return decode_text(read_bytes(path, limit=limit), os.fspath(path))


def decode_text(data: bytes, path: str) -> str:
    """The UTF-8 text of a file's bytes (``path`` names it in messages); else :class:`UnreadableFileError` in French."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFileError(f"{path}:1: le fichier est encodé en UTF-16, pas en UTF-8 : l'enregistrer en UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[start : exc.start].decode("utf-8", errors="replace")) + 1
        raise UnreadableFileError(
            f"{path}:{line}: le fichier n'est pas encodé en UTF-8 (octet 0x{data[exc.start]:02X}, colonne {column}) : "
            "l'enregistrer en UTF-8"
        ) from None


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


def parse_toml(text: str | bytes, fichier: str) -> TomlDocument:
    """Parse TOML text; a syntax error raises :class:`InvalidFileError` with its line.

    A UTF-8 byte order mark at the start (written by some Windows editors) is ignored. ``bytes``
    (a file read in binary, a request's body) are decoded as a file is (:func:`decode_text`);
    anything else is an :class:`~cqpkit.exceptions.InvalidArgumentError`.
    """
    if isinstance(text, (bytes, bytearray, memoryview)):
        text = decode_text(bytes(text), fichier)
    elif not isinstance(text, str):
        raise InvalidArgumentError(f"{fichier} : un texte TOML (str ou bytes) est attendu, pas {type(text).__name__}")
    if text.startswith("\ufeff"):
        text = text[1:]
    parser = _PARSER or toml_module()
    try:
        data = parser.loads(text)
    except parser.TOMLDecodeError as exc:
        msg = str(exc)
        m = _AT.match(msg)
        if m:
            line, col = int(m["line"]), int(m["col"])
            lines = text.split("\n")
            line_text = lines[line - 1] if line <= len(lines) else ""
            detail = f"syntaxe TOML invalide : {_french(m['msg'], line_text, col)} (colonne {col})"
        else:
            m2 = _AT_END.match(msg)
            # tomllib only says "at end of document": point at the last line written, or, for a
            # multi-line string never closed, at the line where it opens (an odd number of
            # triple quotes: the last one opens it).
            line = text.rstrip().count("\n") + 1
            detail = f"syntaxe TOML invalide : {_french(m2['msg'] if m2 else msg)} (en fin de fichier)"
            about_a_string = bool(m2) and re.fullmatch(_STRING_END, m2["msg"])
            opening = [text.rfind(q) for q in ('"""', "'''") if text.count(q) % 2]
            if about_a_string and opening:
                line = text.count("\n", 0, max(opening)) + 1
                detail = "syntaxe TOML invalide : chaîne sur plusieurs lignes ouverte ici et jamais fermée"
        raise InvalidFileError(fichier, [Erreur(fichier, line, "", detail)]) from None
    except RecursionError:  # tomli's guard against arrays or inline tables nested too deep
        detail = "syntaxe TOML invalide : listes ou tables en ligne imbriquées trop profondément"
        raise InvalidFileError(fichier, [Erreur(fichier, _deepest_line(text), "", detail)]) from None
    return TomlDocument(fichier, text, data)


def _deepest_line(text: str) -> int:
    """The line where brackets and braces are nested deepest (strings are not told apart: a hint)."""
    depth = best = 0
    line = best_line = 1
    for c in text:
        if c in "[{":
            depth += 1
            if depth > best:
                best, best_line = depth, line
        elif c in "]}":
            depth -= 1
        elif c == "\n":
            line += 1
    return best_line


#: Each file kind: the top-level table that marks it, and its name in messages.
_KINDS: dict[str, tuple[str, str]] = {
    "scenario": ("scenario", "un scénario"),
    "referentiel": ("certification", "un référentiel"),
    "dossier": ("dossier", "un dossier"),
    "session": ("session", "une session de jury"),
}


def file_kind(data: dict) -> Literal["referentiel", "dossier", "session", "scenario"] | None:
    """The kind of a parsed file, from its top-level tables.

    ``[certification]``: a référentiel; ``[dossier]``: a dossier; ``[session]``: a jury
    session; ``[scenario]``: a scenario (checked first, since a scenario may hold its
    dossier's tables inline); a file whose ``[certification]`` comes from the fragments it
    ``extends`` is a référentiel too. ``None`` for anything else.
    """
    for kind, (table, _) in _KINDS.items():
        if table in data:
            return kind  # type: ignore[return-value]
    return "referentiel" if "extends" in data else None


def raise_if_other_kind(doc: TomlDocument, expected: str) -> None:
    """Refuse, with one clear error, a file of another kind than ``expected`` (a référentiel given as a dossier…).

    Without this, every top-level table of the other kind would be one « clé inconnue ».
    """
    table, name = _KINDS[expected]
    kind = file_kind(doc.data)
    # A scenario may hold a dossier's tables, yet it is not a dossier file.
    if kind is None or kind == expected or (table in doc.data and kind != "scenario"):
        return
    other_table, other_name = _KINDS[kind]
    # A référentiel may get its [certification] from the fragments it extends.
    marker = (other_table,) if other_table in doc.data else ("extends",)
    what = f"table [{other_table}]" if other_table in doc.data else "clé extends"
    message = f"ce fichier est {other_name} ({what}), pas {name} : {name} commence par la table [{table}]"
    raise InvalidFileError(doc.fichier, [Erreur(doc.fichier, doc.line(marker), "", message)])
