"""Dossiers and jury sessions as JSON, and any model object as JSON-ready data.

For an application that holds a dossier as JSON (an HTTP request's body, a row of its own
database), beside the TOML loaders of :mod:`cqpkit.formats.dossiers`:

- :func:`loads_dossier_json` / :func:`loads_session_json` read JSON text (or its UTF-8 bytes)
  with the same checks and French messages as a file: every error at once, each
  ``fichier:LIGNE: chemin.de.la.cle: message`` in an :class:`~cqpkit.exceptions.InvalidFileError`
  (the line is the JSON text's); never cattrs' English ``ClassValidationError``. The JSON has the
  keys of the TOML file, dates as ISO text (``"2014-01-06"``).
- :func:`to_json` gives the JSON-ready data of any model object (a ``Resultat``, a list of
  ``Constat``, an ``Explication``…): the CLI's ``--json`` contract (``docs/json-output.md``):
  every key, dates as ISO text. :func:`dump_json` writes it as text; a dossier or a session
  written so loads back to an equal object.

A dossier read with a registry (or a référentiel) is marked valid, so the engines do not check
it again (:func:`cqpkit.formats.dossiers.require_valid_dossier`).
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import re
from typing import Any

from cqpkit.exceptions import Erreur, InvalidArgumentError, InvalidFileError
from cqpkit.formats.converter import converter, json_input_converter, output_converter
from cqpkit.formats.dossier_checks import check_dossier_data, check_session_data
from cqpkit.formats.dossiers import ReferentielSource, _certifications, _mark_valid, _raise_if_any, _resolve
from cqpkit.formats.errors import structure_errors
from cqpkit.formats.positions import Path, line_of
from cqpkit.formats.tomlfile import TomlDocument, decode_text, raise_if_other_kind
from cqpkit.model import Dossier, Referentiel, SessionJury

__all__ = ["dump_json", "loads_dossier_json", "loads_session_json", "to_json"]

#: json's syntax messages, in French (the others keep json's text after « syntaxe JSON invalide »).
_JSON_MESSAGES = {
    "Expecting value": "valeur attendue",
    "Expecting property name enclosed in double quotes": "nom de clé entre guillemets droits attendu",
    "Expecting ':' delimiter": "« : » attendu après la clé",
    "Expecting ',' delimiter": "« , » attendu entre deux éléments",
    "Unterminated string starting at": "texte jamais fermé (guillemet manquant)",
    "Invalid control character at": "caractère de contrôle dans un texte (un saut de ligne s'écrit \\n)",
    "Invalid \\escape": "séquence d'échappement invalide",
    "Extra data": "données après la fin de l'objet JSON",
}


class JsonDocument(TomlDocument):
    """A parsed JSON text: its data, its text and the line of each key path (found only when an error needs it)."""

    __slots__ = ()

    def line(self, path: Path) -> int:
        """The line where ``path`` (or its nearest ancestor) is written."""
        if self._lines is None:
            self._lines = _key_lines(self.text)
        return line_of(self._lines, path)


_WS = re.compile(r"[ \t\n\r]*")


def _key_lines(text: str) -> dict[Path, int]:
    """The line of every key path of a valid JSON text (a key's line for an object member)."""
    starts = [m.end() for m in re.finditer("\n", text)]
    decoder = json.JSONDecoder()
    out: dict[Path, int] = {}

    def line(i: int) -> int:
        return bisect.bisect_right(starts, i) + 1

    def value(i: int, path: Path) -> int:
        i = _WS.match(text, i).end()  # type: ignore[union-attr]
        out.setdefault(path, line(i))
        opening = text[i]
        if opening not in "{[":
            return decoder.raw_decode(text, i)[1]
        closing, index = ("}" if opening == "{" else "]"), 0
        i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
        while text[i] != closing:
            if opening == "{":
                key, i = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
                out[path + (key,)] = line(i)
                i = _WS.match(text, i).end() + 1  # type: ignore[union-attr]  # past « : »
                i = value(i, path + (key,))
            else:
                i = value(i, path + (index,))
                index += 1
            i = _WS.match(text, i).end()  # type: ignore[union-attr]
            if text[i] == ",":
                i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
        return i + 1

    value(0, ())
    return out


def parse_json(text: str | bytes, fichier: str) -> JsonDocument:
    """Parse JSON text (or UTF-8 bytes) holding one object; a syntax error raises :class:`InvalidFileError` with its line."""
    if isinstance(text, (bytes, bytearray, memoryview)):
        text = decode_text(bytes(text), fichier)
    elif not isinstance(text, str):
        raise InvalidArgumentError(f"{fichier} : un texte JSON (str ou bytes) est attendu, pas {type(text).__name__}")
    text = text.removeprefix("\ufeff")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        said = next((fr for en, fr in _JSON_MESSAGES.items() if exc.msg.startswith(en)), exc.msg)
        detail = f"syntaxe JSON invalide : {said} (colonne {exc.colno})"
        raise InvalidFileError(fichier, [Erreur(fichier, exc.lineno, "", detail)]) from None
    except RecursionError:
        raise InvalidFileError(fichier, [Erreur(fichier, 1, "", "syntaxe JSON invalide : imbrication trop profonde")]) from None
    if not isinstance(data, dict):
        raise InvalidFileError(fichier, [Erreur(fichier, 1, "", "un objet JSON ({ … }) est attendu, avec les clés d'un fichier")])
    return JsonDocument(fichier, text, data)


def _structured(doc: JsonDocument, cls: type, findings: list[tuple[Path, str]]) -> Any:
    import cattrs

    try:
        return json_input_converter().structure(doc.data, cls)
    except cattrs.BaseValidationError as exc:
        findings.extend(structure_errors(exc))
    except ValueError as exc:  # a validator outside any class (should not happen)
        findings.append(((), str(exc)))
    return None


def _as_file(obj: Any, raw: dict) -> dict:
    """The data the cross-checks read: as a TOML file holds it (dates as dates) once structured, else the raw JSON."""
    return raw if obj is None else converter().unstructure(obj)


def loads_dossier_json(
    text: str | bytes, referentiel: Referentiel | ReferentielSource | None = None, *, fichier: str = "<json>"
) -> Dossier:
    """Load a dossier from JSON text (the keys of a dossier file, dates as ``"AAAA-MM-JJ"``).

    ``referentiel``: a registry or a :class:`~cqpkit.model.Referentiel`, checked as
    :func:`cqpkit.formats.dossiers.loads_dossier` checks a TOML file. Raises
    :class:`~cqpkit.exceptions.InvalidFileError` with every error (French, with line and key
    path), :class:`~cqpkit.exceptions.UnreadableFileError` for bytes that are not UTF-8.
    """
    doc = parse_json(text, fichier)
    raise_if_other_kind(doc, "dossier")
    findings: list[tuple[Path, str]] = []
    dossier = _structured(doc, Dossier, findings)
    ref, problems = _resolve(doc.data, referentiel)
    findings.extend(problems)
    findings.extend(check_dossier_data(_as_file(dossier, doc.data), ref))
    _raise_if_any(doc, findings)
    if ref is not None:
        _mark_valid(dossier)
    return dossier  # type: ignore[no-any-return]


def loads_session_json(text: str | bytes, registry: ReferentielSource | None = None, *, fichier: str = "<json>") -> SessionJury:
    """Load a jury session from JSON text; checked as :func:`cqpkit.formats.dossiers.loads_session` checks a file."""
    doc = parse_json(text, fichier)
    raise_if_other_kind(doc, "session")
    findings: list[tuple[Path, str]] = []
    session = _structured(doc, SessionJury, findings)
    known = None if registry is None else _certifications(registry)
    findings.extend(check_session_data(_as_file(session, doc.data), known))
    _raise_if_any(doc, findings)
    return session  # type: ignore[no-any-return]


def to_json(obj: Any) -> Any:
    """The JSON-ready data of a model object, a list or tuple of them, or a named tuple of them (``Explication``).

    Dicts, lists, texts, numbers, booleans and ``None``; dates as ISO text; every key written,
    defaults included: the documented ``--json`` contract (``docs/json-output.md``).
    """
    if isinstance(obj, tuple) and hasattr(obj, "_asdict"):
        return {k: to_json(v) for k, v in obj._asdict().items()}
    if isinstance(obj, (list, tuple)):
        return [to_json(x) for x in obj]
    if isinstance(obj, dict):
        return {k: to_json(v) for k, v in obj.items()}
    if isinstance(obj, dt.date):
        return obj.isoformat()
    return output_converter().unstructure(obj)


def dump_json(obj: Any, *, indent: int | None = 2) -> str:
    """:func:`to_json` as JSON text (UTF-8 characters kept); a dossier or a session loads back to an equal object."""
    return json.dumps(to_json(obj), ensure_ascii=False, indent=indent)
