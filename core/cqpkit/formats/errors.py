"""Turning cattrs' validation errors into path-first French messages.

cattrs (with ``detailed_validation``) raises one exception group per document, whose
members carry notes saying which attribute (:class:`cattrs.errors.AttributeValidationNote`)
or which list index or table key (:class:`cattrs.errors.IterableValidationNote`) failed.
:func:`structure_errors` walks that tree and yields ``(path, message)`` pairs, keeping the
message of our own validators (:class:`~cqpkit.formats.converter.FormatError`,
:class:`~cqpkit.model.Duree` parsing) as it is.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

import attrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)

from cqpkit.exceptions import ModelError
from cqpkit.formats.converter import FormatError, type_label
from cqpkit.formats.positions import Path

__all__ = ["format_path", "structure_errors"]

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def format_path(path: Path) -> str:
    """``("domaines", 2, "criteres", 0, "id")`` → ``"domaines[2].criteres[0].id"``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            # Quoted unless TOML would take it as a bare key (ASCII letters, digits, « _ », « - »).
            escaped = part.replace("\\", "\\\\").replace('"', '\\"')
            text = part if part and all(c in _BARE for c in part) else f'"{escaped}"'
            out += f".{text}" if out else text
    return out


def _note(exc: BaseException, kind: type) -> Any:
    for note in getattr(exc, "__notes__", ()):
        if isinstance(note, kind):
            return note
    return None


def _leaf_message(exc: BaseException, expected: Any) -> str:
    if isinstance(exc, FormatError):
        return str(exc)
    if isinstance(exc, KeyError):
        return "clé obligatoire manquante"
    if isinstance(exc, ValueError) and str(exc):
        # Our validators and Duree.parse raise ValueError with a French sentence.
        return str(exc)
    if expected is not None:
        return f"valeur invalide : attendu {type_label(expected)}"
    return f"valeur invalide ({exc})"


def structure_errors(
    exc: BaseException, path: Path = (), cls: type | None = None, root: type | None = None
) -> Iterator[tuple[Path, str]]:
    """Yield ``(path, message)`` for every leaf error of a cattrs structuring failure.

    ``root`` is the class of the whole document (taken from ``exc`` when not given): an
    unknown key that is one of its keys, found inside a table, was written under the wrong
    header, and the message says so.
    """
    if root is None and not path and isinstance(exc, ClassValidationError):
        root = exc.cl
    if isinstance(exc, ClassValidationError):
        for sub in exc.exceptions:
            note = _note(sub, AttributeValidationNote)
            if note is None:
                yield from structure_errors(sub, path, exc.cl, root)
            else:
                yield from _child(sub, path + (note.name,), note.type, root)
    elif isinstance(exc, IterableValidationError):
        for sub in exc.exceptions:
            note = _note(sub, IterableValidationNote)
            if note is None:
                yield from structure_errors(sub, path, None, root)
            else:
                yield from _child(sub, path + (note.index,), note.type, root)
    elif isinstance(exc, ModelError):
        # A model invariant (an empty id): at the field's path, with the format layer's own message.
        yield path + tuple(_field_path(exc.champ)), exc.raison
    elif isinstance(exc, ForbiddenExtraKeysError):
        known = [a.name for a in attrs.fields(exc.cl)] if attrs.has(exc.cl) else []
        top = [a.name for a in attrs.fields(root)] if path and root is not None and attrs.has(root) else []
        for key in sorted(exc.extra_fields):
            hint = difflib.get_close_matches(key, known, n=1)
            msg = "clé inconnue"
            if hint:
                msg += f" (vouliez-vous dire « {hint[0]} » ?)"
            elif key in top:
                msg += (
                    f" ici : « {key} » est une clé du premier niveau du fichier, mais une clé écrite après "
                    "un en-tête de table appartient à cette table ; l'écrire avant le premier en-tête"
                )
            yield path + (key,), msg
    else:
        yield path, _leaf_message(exc, None)


def _field_path(champ: str) -> Path:
    """``"roles_requis[1]"`` → ``("roles_requis", 1)``, ``"decisions.D1"`` → ``("decisions", "D1")``."""
    name, _, rest = champ.partition(".")
    if rest:
        return (name, rest)
    if name.endswith("]") and "[" in name:
        head, _, index = name[:-1].partition("[")
        return (head, int(index))
    return (name,)


def _child(exc: BaseException, path: Path, expected: Any, root: type | None) -> Iterator[tuple[Path, str]]:
    if isinstance(exc, (ClassValidationError, IterableValidationError, ForbiddenExtraKeysError)):
        yield from structure_errors(exc, path, None, root)
    else:
        yield path, _leaf_message(exc, expected)
