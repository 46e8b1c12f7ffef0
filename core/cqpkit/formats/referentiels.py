"""Référentiel files: load (with every error at once), dump, validate.

A référentiel file is read with tomli (tomllib where tomli is absent), structured into a
:class:`~cqpkit.model.Referentiel` by the project converter, and cross-checked by
:mod:`cqpkit.formats.checks`; all findings of one file are reported together, sorted by
line, each as ``fichier.toml:LIGNE: chemin.de.la.cle: message``. Writing uses tomli-w and
gives a file that loads back to an equal object.
"""

from __future__ import annotations

import os
from typing import Any

import attrs
import cattrs

from cqpkit.exceptions import Erreur, InvalidFileError
from cqpkit.formats.checks import check_referentiel_data
from cqpkit.formats.converter import converter
from cqpkit.formats.errors import structure_errors
from cqpkit.formats.extensions import ExtensionClasses, extension_classes, structure_extensions
from cqpkit.formats.fragments import resolve_extends
from cqpkit.formats.repertoire import check_repertoire_data
from cqpkit.formats.tomlfile import TomlDocument, parse_toml, raise_if_other_kind, read_text
from cqpkit.model import Referentiel

__all__ = [
    "SCHEMA_URL",
    "dump_referentiel",
    "load_referentiel",
    "loads_referentiel",
    "referentiel_from_document",
    "validate_referentiel",
]

#: The ``#:schema`` line editors (Taplo, Even Better TOML) use to check a file as it is typed.
SCHEMA_URL = "https://cqpkit.invalid/referentials/referentiel.schema.json"


def referentiel_from_document(doc: TomlDocument, extensions: ExtensionClasses | None = None) -> Referentiel:
    """Structure and cross-check a parsed document; raise :class:`InvalidFileError` with every error.

    ``extensions`` maps each loaded plugin to the class of its ``[extensions.<plugin>]`` table
    (:mod:`cqpkit.formats.extensions`); by default, those of the last plugin manager built.
    """
    doc = resolve_extends(doc)  # a file that ``extends`` fragments: the merged tables (formats/fragments.py)
    raise_if_other_kind(doc, "referentiel")
    findings: list[tuple[Any, str]] = []
    ref = None
    data = doc.data
    objects: dict[str, Any] = {}
    if "extensions" in data:
        data = {k: v for k, v in data.items() if k != "extensions"}
        classes = extension_classes() if extensions is None else extensions
        objects, errors = structure_extensions(doc.data["extensions"], classes)
        findings.extend(errors)
    try:
        ref = converter().structure(data, Referentiel)
        if objects:
            ref = attrs.evolve(ref, extensions=objects)
    except cattrs.BaseValidationError as exc:
        findings.extend(structure_errors(exc))
    except ValueError as exc:  # a validator outside any class (should not happen)
        findings.append(((), str(exc)))
    findings.extend(check_referentiel_data(doc.data))
    findings.extend(check_repertoire_data(doc.data))  # RNCP / RS codes (formats/repertoire.py)
    if findings:
        erreurs = sorted({doc.erreur(path, msg) for path, msg in findings}, key=lambda e: (e.ligne, e.chemin, e.message))
        raise InvalidFileError(doc.fichier, erreurs)
    assert ref is not None
    return ref


def loads_referentiel(
    text: str | bytes, fichier: str = "<texte>", extensions: ExtensionClasses | None = None
) -> Referentiel:
    """Load a référentiel from TOML text, or its UTF-8 bytes (``fichier`` names it in messages)."""
    return referentiel_from_document(parse_toml(text, fichier), extensions)


def load_referentiel(path: str | os.PathLike[str], extensions: ExtensionClasses | None = None) -> Referentiel:
    """Load a référentiel file; raise :class:`InvalidFileError` (every error) or :class:`UnreadableFileError`."""
    fichier = os.fspath(path)
    return loads_referentiel(read_text(fichier), fichier, extensions)


def validate_referentiel(
    ref: Referentiel, fichier: str = "<référentiel>", extensions: ExtensionClasses | None = None
) -> list[Erreur]:
    """Cross-check a référentiel built in Python (not from a file); return the errors found.

    The object is written to TOML and read back, so the checks and messages are exactly
    those of a file (line numbers refer to that TOML text).
    """
    try:
        loads_referentiel(dump_referentiel(ref), fichier, extensions)
    except InvalidFileError as exc:
        return list(exc.erreurs)
    return []


def dump_referentiel(ref: Referentiel, *, schema_line: bool = False) -> str:
    """Write a référentiel as TOML text that :func:`loads_referentiel` reads back to an equal object."""
    import tomli_w

    text = tomli_w.dumps(converter().unstructure(ref), multiline_strings=True)
    return f"#:schema {SCHEMA_URL}\n{text}" if schema_line else text
