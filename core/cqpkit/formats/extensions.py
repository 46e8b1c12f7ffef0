"""Plugin-owned keys: the ``[extensions.<plugin>]`` tables of a référentiel.

A référentiel may hold one table per plugin under ``extensions``, named by the plugin's entry-point
name (``[extensions.cqp_mo]``). The plugin declares the attrs class that validates its table with a
module attribute, as it declares ``CQPKIT_BLOCKS``: preferably a reference ``"module:Classe"`` (as an
entry point is written), imported only when a référentiel's table is validated or a schema written, so
that loading the plugin (on every start, ``cqpkit list`` included) costs neither the model nor cattrs::

    CQPKIT_EXTENSION = "cqpkit_cqp_mo.extension:ExtensionCqpMo"   # or the class itself

The table is structured with the project converter (same strict types, same path-first French
messages: ``fichier:ligne: extensions.cqp_mo.cle: message``), and the model keeps the structured
object (``Referentiel.extension("cqp_mo")``), never a raw table. A table for a plugin that is not
loaded, or for a plugin that declares no class, is an error naming the close name; a reference that
cannot be imported, or names something that is not an attrs class, is an error of the table.

The known declarations come from the plugin manager (:func:`set_extension_classes`, called when one
is built); a loader may also be given them explicitly. This module is below the plugins layer: it
only receives a mapping ``plugin name → class, reference or None``. It imports nothing heavy itself
(the converter is imported when a table is structured): the plugin manager calls it on every start.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from cqpkit.formats.positions import Path

__all__ = [
    "ExtensionClasses",
    "ExtensionError",
    "extension_classes",
    "is_attrs_class",
    "is_reference",
    "reference_problem",
    "resolve_extension",
    "resolved_classes",
    "set_extension_classes",
    "structure_extensions",
]

#: Each loaded plugin's name → the attrs class of its ``[extensions.<name>]`` table, or a ``"module:Classe"``
#: reference to it (resolved when needed: :func:`resolve_extension`), or ``None`` (it declares none).
ExtensionClasses = Mapping[str, "type | str | None"]

_classes: dict[str, type | str | None] = {}
_resolved: dict[str, type] = {}

_REFERENCE = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")


class ExtensionError(ValueError):
    """A ``CQPKIT_EXTENSION`` reference that cannot be used; ``str(exc)`` says why, in French."""


def set_extension_classes(classes: ExtensionClasses) -> None:
    """Replace the known extension declarations (the plugin manager calls it with every loaded plugin)."""
    _classes.clear()
    _classes.update(classes)


def extension_classes() -> ExtensionClasses:
    """The extension declarations of the last plugin manager built (empty before any), references unresolved."""
    return dict(_classes)


def is_reference(value: object) -> bool:
    """Whether ``value`` is a well-formed ``"module:Classe"`` reference (dotted module path, colon, attribute path)."""
    return isinstance(value, str) and _REFERENCE.match(value) is not None


def is_attrs_class(value: object) -> bool:
    """Whether ``value`` is an attrs class, without importing attrs when nothing has (no attrs class can exist then)."""
    attr = sys.modules.get("attr")  # what every attrs class is made with (``attrs`` imports it too)
    return isinstance(value, type) and attr is not None and bool(attr.has(value))


def reference_problem(reference: str) -> str | None:
    """Why a ``"module:Classe"`` reference cannot be used, found without importing its module; ``None`` if it looks usable."""
    if not is_reference(reference):
        return "une référence « module:Classe » est attendue (comme un point d'entrée : « mon_paquet.extension:MaClasse »)"
    module = reference.partition(":")[0]
    return None if _module_exists(module) else f"module « {module} » introuvable"


def _module_exists(name: str) -> bool:
    """Whether module ``name`` can be imported, found as the import system finds it but without running it (its
    parent packages are imported: the plugin's own, already loaded). ``importlib.util.find_spec`` does the same, at
    the cost of importing ``importlib.util`` on every start."""
    if name in sys.modules:
        return True
    parent = name.rpartition(".")[0]
    path = None
    if parent:
        try:
            path = getattr(importlib.import_module(parent), "__path__", None)
        except Exception:  # a parent that does not import
            return False
        if path is None:  # a module, not a package: it has no sub-modules
            return False
    for finder in sys.meta_path:
        find = getattr(finder, "find_spec", None)
        if find is not None and find(name, path) is not None:
            return True
    return False


def resolve_extension(name: str, declared: type | str | None) -> type | None:
    """The class ``declared`` stands for: itself, or the class a ``"module:Classe"`` reference names (imported
    once, then kept). An unusable reference raises :class:`ExtensionError` naming the plugin."""
    if declared is None or isinstance(declared, type):
        return declared
    key = f"{name}={declared}"
    cls = _resolved.get(key)
    if cls is not None:
        return cls
    module_name, _, attr_path = str(declared).partition(":")
    where = f"CQPKIT_EXTENSION de l'extension « {name} » (« {declared} »)"
    if not is_reference(declared):
        raise ExtensionError(f"{where} : une classe attrs ou une référence « module:Classe » est attendue")
    try:
        obj: Any = importlib.import_module(module_name)
    except ModuleNotFoundError:
        raise ExtensionError(f"{where} : module « {module_name} » introuvable") from None
    except Exception as exc:  # the plugin's module fails to import: said, not a traceback
        raise ExtensionError(f"{where} : échec de l'import de « {module_name} » ({type(exc).__name__}: {exc})") from None
    for part in attr_path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ExtensionError(f"{where} : « {part} » introuvable dans le module « {module_name} »") from None
    if not is_attrs_class(obj):
        raise ExtensionError(f"{where} : doit désigner une classe attrs, pas {type(obj).__name__}")
    _resolved[key] = obj
    return obj


def resolved_classes(classes: ExtensionClasses) -> tuple[dict[str, type | None], dict[str, str]]:
    """Every declaration resolved to its class (``None`` for an unusable reference), and why each unusable one is."""
    out: dict[str, type | None] = {}
    problems: dict[str, str] = {}
    for name, declared in classes.items():
        try:
            out[name] = resolve_extension(name, declared)
        except ExtensionError as exc:
            out[name] = None
            problems[name] = str(exc)
    return out, problems


def structure_extensions(raw: Any, classes: ExtensionClasses) -> tuple[dict[str, Any], list[tuple[Path, str]]]:
    """Structure the ``extensions`` table; return the objects and every ``(path, message)`` error."""
    import cattrs

    from cqpkit.formats.converter import converter, value_label
    from cqpkit.formats.errors import structure_errors

    if not isinstance(raw, dict):
        return {}, [(("extensions",), f"type incorrect : attendu une table, trouvé {value_label(raw)}")]
    out: dict[str, Any] = {}
    errors: list[tuple[Path, str]] = []
    for name, table in raw.items():
        path: Path = ("extensions", name)
        if name not in classes:
            errors.append((path, _unknown(name, classes)))
            continue
        try:
            cls = resolve_extension(name, classes[name])
        except ExtensionError as exc:
            errors.append((path, str(exc)))
            continue
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
    import difflib

    declaring = sorted(n for n, c in classes.items() if c is not None)
    msg = f"extension « {name} » inconnue : aucune extension chargée ne porte ce nom"
    msg += f" (extensions à table : {', '.join(declaring) or 'aucune'})"
    near = difflib.get_close_matches(name, list(classes), n=1)
    return msg + (f" ; vouliez-vous dire « {near[0]} » ?" if near else "")


def iter_fragments(classes: ExtensionClasses) -> Iterator[tuple[str, type]]:
    """The declared classes, sorted by plugin name (for the JSON Schema); an unusable reference is left out
    (the registry lists it among its failures: :meth:`~cqpkit.plugins.registry.Registry.extension_classes`)."""
    resolved, _ = resolved_classes(classes)
    for name in sorted(resolved):
        cls = resolved[name]
        if cls is not None:
            yield name, cls
