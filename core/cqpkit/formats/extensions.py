"""Plugin-owned keys: the ``[extensions.<plugin>]`` tables of a référentiel.

A référentiel may hold one table per plugin under ``extensions``, named by the plugin's entry-point
name (``[extensions.cqp_mo]``). The plugin declares the attrs class that validates its table with a
module attribute, as it declares ``CQPKIT_BLOCKS``::

    CQPKIT_EXTENSION = ExtensionCqpMo   # a frozen attrs class

The table is structured with the project converter (same strict types, same path-first French
messages: ``fichier:ligne: extensions.cqp_mo.cle: message``), and the model keeps the structured
object (``Referentiel.extension("cqp_mo")``), never a raw table. A table for a plugin that is not
loaded, or for a plugin that declares no class, is an error naming the close name.

The known classes come from the plugin manager (:func:`set_extension_classes`, called when one is
built); a loader may also be given them explicitly. This module is below the plugins layer: it only
receives a mapping ``plugin name → class or None``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from typing import Any

import cattrs

from cqpkit.formats.converter import converter, value_label
from cqpkit.formats.errors import structure_errors
from cqpkit.formats.positions import Path

__all__ = ["ExtensionClasses", "extension_classes", "set_extension_classes", "structure_extensions"]

#: Each loaded plugin's name → the attrs class of its ``[extensions.<name>]`` table (``None``: it declares none).
ExtensionClasses = Mapping[str, "type | None"]

_classes: dict[str, type | None] = {}


def set_extension_classes(classes: ExtensionClasses) -> None:
    """Replace the known extension classes (the plugin manager calls it with every loaded plugin)."""
    _classes.clear()
    _classes.update(classes)


def extension_classes() -> ExtensionClasses:
    """The extension classes of the last plugin manager built (empty before any)."""
    return dict(_classes)


def structure_extensions(raw: Any, classes: ExtensionClasses) -> tuple[dict[str, Any], list[tuple[Path, str]]]:
    """Structure the ``extensions`` table; return the objects and every ``(path, message)`` error."""
    if not isinstance(raw, dict):
        return {}, [(("extensions",), f"type incorrect : attendu une table, trouvé {value_label(raw)}")]
    out: dict[str, Any] = {}
    errors: list[tuple[Path, str]] = []
    for name, table in raw.items():
        path: Path = ("extensions", name)
        if name not in classes:
            errors.append((path, _unknown(name, classes)))
            continue
        cls = classes[name]
        if cls is None:
            errors.append(
                (path, f"l'extension « {name} » ne déclare pas de table [extensions.{name}] (pas de CQPKIT_EXTENSION)")
            )
            continue
        try:
            out[name] = converter().structure(table, cls)
        except cattrs.BaseValidationError as exc:
            errors.extend((path + sub, msg) for sub, msg in structure_errors(exc))
        except ValueError as exc:
            errors.append((path, str(exc)))
    return out, errors


def _unknown(name: str, classes: ExtensionClasses) -> str:
    declaring = sorted(n for n, c in classes.items() if c is not None)
    msg = f"extension « {name} » inconnue : aucune extension chargée ne porte ce nom"
    msg += f" (extensions à table : {', '.join(declaring) or 'aucune'})"
    near = difflib.get_close_matches(name, list(classes), n=1)
    return msg + (f" ; vouliez-vous dire « {near[0]} » ?" if near else "")


def iter_fragments(classes: ExtensionClasses) -> Iterator[tuple[str, type]]:
    """The declared classes, sorted by plugin name (for the JSON Schema)."""
    for name in sorted(classes):
        cls = classes[name]
        if cls is not None:
            yield name, cls
