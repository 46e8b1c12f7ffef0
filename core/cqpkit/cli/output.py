"""Everything the ``cqpkit`` command writes for humans goes through here: no terminal injection, capped errors.

**Escaping.** :func:`main <cqpkit.cli.main>` replaces ``sys.stdout`` and ``sys.stderr`` by a
:class:`SafeStream` for the whole run (argparse's messages included), so no command can write a raw control
character, whatever it prints and however it prints it. Written visibly instead (``\\x1b``, ``\\u202e``):
the C0 controls (tab and carriage return included), DEL, the C1 controls (U+0080–U+009F, some terminals
take U+009B as CSI), the bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069, which reorder
what a reader sees) and lone surrogates (a file name that is not UTF-8: writing it would fail).

**Lines.** A newline reaches the terminal only as the end of a ``print()`` call: ``print`` writes its text
and then its ``end`` in two ``write`` calls, and the stream lets a newline through only when it is that
whole write. A newline *inside* a text is written ``\\n``: a value printed on one line (a name, an id, a
file name, ``nom = "X\\n erreur : faux"``) can never start a line of its own. The CLI's own multi-line
text is printed line by line (:func:`print_lines`); a multi-line error message is cut into its lines by
:func:`error_lines`, which only cuts where the message's author put an indented continuation line.

**JSON** bypasses the escaping (:func:`json_stream`): ``json.dump`` already writes the C0 controls as
``\\u001b``; :func:`json_text` also writes DEL, C1, the bidi controls and lone surrogates as ``\\uXXXX``,
which is the same JSON value, read back identically.

**Errors are capped**: a file with 500 errors prints the first :func:`max_errors` (50, or
``CQPKIT_MAX_ERRORS``; 0 for no cap) and « … et K autres erreurs ». ``--json`` keeps them all.

Standard library only (``cqpkit list`` imports it).
"""

from __future__ import annotations

import functools
import io
import os
import re
import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any

__all__ = [
    "SafeStream",
    "error_lines",
    "escape",
    "install",
    "json_stream",
    "json_text",
    "max_errors",
    "print_block",
    "print_error",
    "print_lines",
]

#: What is never written raw to a terminal (the newline is handled apart, see the module's docstring).
_UNSAFE = "\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}

#: Errors printed per file, unless ``CQPKIT_MAX_ERRORS`` says otherwise.
DEFAULT_MAX_ERRORS = 50


def _visible(m: re.Match[str]) -> str:
    c = m.group()
    if c in _NAMED:
        return _NAMED[c]
    code = ord(c)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


@functools.cache
def _pattern(newlines: bool) -> re.Pattern[str]:
    # compiled on first need (a millisecond and a half: not at the start of `cqpkit list`)
    return re.compile(f"[{_UNSAFE}\n]" if newlines else f"[{_UNSAFE}]")


def escape(text: str, *, newlines: bool = True) -> str:
    """``text`` with every control character written visibly (``\\x1b``); the newline too unless ``newlines=False``."""
    if text.isprintable():  # the common case, in C: no control, no format character, no newline
        return text
    return _pattern(newlines).sub(_visible, text)


class SafeStream(io.TextIOBase):
    """A text stream writing to ``raw`` with every control character escaped; newlines only as print's ``end``."""

    def __init__(self, raw: IO[str]) -> None:
        super().__init__()
        self.raw = raw

    def write(self, s: str) -> int:
        self.raw.write(s if s == "\n" else escape(s))
        return len(s)

    def writelines(self, lines: Iterable[str]) -> None:  # type: ignore[override]
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self.raw.flush()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.raw.isatty()

    def fileno(self) -> int:
        return self.raw.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.raw, "encoding", "utf-8")

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.raw, "errors", None)

    def close(self) -> None:  # the real stream stays open: it is not ours
        pass


class install:
    """Put :class:`SafeStream` in front of ``sys.stdout`` and ``sys.stderr`` for a block; put them back after."""

    def __enter__(self) -> None:
        self.saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = SafeStream(sys.stdout), SafeStream(sys.stderr)

    def __exit__(self, *exc: object) -> None:
        sys.stdout, sys.stderr = self.saved


def json_stream() -> IO[str]:
    """Where JSON goes: standard output itself, past the escaping (JSON escapes what it must)."""
    out = sys.stdout
    return out.raw if isinstance(out, SafeStream) else out


def json_text(text: str) -> str:
    """JSON text with DEL, C1, bidi controls and lone surrogates as ``\\uXXXX`` (they can only be inside strings)."""
    if text.isascii():  # ``json`` wrote the C0 controls as escapes already; DEL is the one ASCII left
        return text.replace("\x7f", "\\u007f")
    return re.sub("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", text)


def print_lines(text: str, file: Any = None) -> None:
    """The CLI's own multi-line text (a table, a rendered référentiel), one ``print`` per line."""
    for line in text.split("\n"):
        print(line, file=file)


def print_block(lines: Iterable[str], file: Any = None) -> None:
    """Several lines in one write, each exactly as ``print(line, file=file)`` writes it (escaped by a :class:`SafeStream`).

    For output that comes per item (a dossier's findings): one write per item instead of two per line.
    """
    file = sys.stdout if file is None else file
    if isinstance(file, SafeStream):
        text = "\n".join([line if line == "\n" else escape(line) for line in lines])
        file.raw.write(text + "\n")
    else:
        for line in lines:
            print(line, file=file)


def max_errors() -> int:
    """How many errors of one file are printed: ``CQPKIT_MAX_ERRORS`` (0: all), else 50."""
    try:
        n = int(os.environ.get("CQPKIT_MAX_ERRORS", DEFAULT_MAX_ERRORS))
    except ValueError:
        return DEFAULT_MAX_ERRORS
    return n if n >= 0 else DEFAULT_MAX_ERRORS


def capped(items: Iterable[Any], limit: int | None = None) -> Iterator[str]:
    """``str`` of each item, the first ``limit`` only (:func:`max_errors`), then « … et K autres erreurs »."""
    limit = max_errors() if limit is None else limit
    items = list(items)
    shown = items if not limit else items[:limit]
    yield from map(str, shown)
    rest = len(items) - len(shown)
    if rest:
        yield f"… et {rest} autre{'s' if rest > 1 else ''} erreur{'s' if rest > 1 else ''} (CQPKIT_MAX_ERRORS=0 pour tout afficher, ou --json)"


def _message_lines(text: str) -> list[str]:
    """A message cut where its author put a continuation line (a newline followed by an indent); other newlines stay in."""
    return re.split(r"\n(?=  )", text)


def _located(e: Any) -> str:
    """An :class:`~cqpkit.exceptions.Erreur` as a store refusal words it: without its line when it has none (0)."""
    if e.ligne:
        return str(e)
    return f"{e.fichier}: {e.chemin}: {e.message}" if e.chemin else f"{e.fichier}: {e.message}"


def error_lines(exc: BaseException) -> list[str]:
    """The lines of an error, as the CLI prints them: each located error on its own line, capped.

    :class:`~cqpkit.exceptions.InvalidFileError` (and a store refusal carrying ``erreurs``): its head, then
    its errors (:func:`capped`); an import refused: the lines of each file in error, then its head; any other
    error: its message, cut only at its indented continuation lines (:func:`_message_lines`).
    """
    from cqpkit.exceptions import InvalidFileError

    if isinstance(exc, InvalidFileError):
        n = len(exc.erreurs)
        return [f"{exc.fichier} : {n} erreur{'s' if n > 1 else ''}", *capped(exc.erreurs)]
    problems = getattr(exc, "problems", None)
    if problems is not None and isinstance(problems, tuple):  # store.reading.ImportErrors
        lines = [line for p in problems for line in error_lines(p)]
        return lines + str(exc).rsplit("\n", 1)[-1:]
    text = str(exc)
    erreurs = getattr(exc, "erreurs", None)
    if erreurs:  # store.errors.StoreConflictError: its message, then one line per error
        located = [_located(e) for e in erreurs]
        tail = "\n" + "\n".join(located)
        head = text[: -len(tail)] if text.endswith(tail) else text
        return [*_message_lines(head), *capped(located)]
    return _message_lines(text)


def print_error(exc: BaseException, prefix: str = "erreur : ", file: Any = None, suffix: str = "") -> None:
    """Print :func:`error_lines` on standard error, the first line after ``prefix`` and before ``suffix``."""
    file = sys.stderr if file is None else file
    for i, line in enumerate(error_lines(exc)):
        print(prefix + line + suffix if i == 0 else line, file=file)
