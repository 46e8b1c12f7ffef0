"""JSON Schema generation from the attrs model.

The schema of a file kind is derived from its root class, so it cannot drift from the
model; ``referentials/<kind>.schema.json`` (``referentiel``, ``dossier``, ``session``) are
the generated files, checked in, and a test fails when one is stale (regenerate with
``cqpkit schema referentiel > referentials/referentiel.schema.json``, and likewise for
``dossier`` and ``session``). The référentiel schema carries, under
``properties.extensions.properties.<plugin>``, the fragment of each loaded plugin's
``CQPKIT_EXTENSION`` class (:mod:`cqpkit.formats.extensions`); the checked-in file is generated with
the bundled plugins loaded, so it holds theirs. TOML dates appear as strings of format
``date``, the convention of TOML schema tools (Taplo, Even Better TOML). The limits of
:mod:`cqpkit.formats.limits` appear as ``maxLength``, ``maxItems``, ``maxProperties``,
``propertyNames`` and ``maximum`` (the date bounds in each date's description: JSON Schema has no
standard keyword for them).
"""

from __future__ import annotations

import datetime as dt
import json
import typing
from typing import Any, Literal, get_args, get_origin

import attrs

from cqpkit.formats import limits
from cqpkit.formats.extensions import ExtensionClasses, extension_classes, iter_fragments
from cqpkit.model import Dossier, Duree, Referentiel, SessionJury

__all__ = ["SCHEMAS", "json_schema", "schema_text"]

SCHEMAS: dict[str, tuple[type, str]] = {
    "referentiel": (Referentiel, "Référentiel cqpkit : une version datée d'une certification (CQP)"),
    "dossier": (Dossier, "Dossier cqpkit : le dossier d'un candidat à une certification (CQP)"),
    "session": (SessionJury, "Session de jury cqpkit : la session, les certifications qu'elle couvre et ses membres"),
}


_DATES = f"Date AAAA-MM-JJ, du {limits.DATE_MIN.isoformat()} au {limits.DATE_MAX.isoformat()}."


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().split("\n\n")[0].replace("\n", " ")


class _Builder:
    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}

    def of(self, tp: Any) -> dict[str, Any]:
        origin = get_origin(tp)
        if tp is Any:  # the extensions' values: filled in by json_schema from the plugins' classes
            return {}
        if tp is str:
            return {"type": "string", "maxLength": limits.TEXTE}
        if tp is bool:
            return {"type": "boolean"}
        if tp is int:  # every number of a file is a count, a duration, an amount or a rate
            return {"type": "integer", "minimum": 0, "maximum": limits.NOMBRE_MAX}
        if tp is float:
            return {"type": "number", "minimum": 0, "maximum": limits.NOMBRE_MAX}
        if tp is dt.date:
            return {"type": "string", "format": "date", "description": _DATES}
        if tp is Duree:
            return {
                "type": "string",
                "pattern": r"^P(?=\d)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?$",
                "description": "Durée ISO 8601 : « P3Y », « P2M », « P3W », « P15D » ; au plus 100 ans.",
            }
        if origin is Literal:
            return {"enum": list(get_args(tp))}
        if origin is tuple:
            return {"type": "array", "items": self.of(get_args(tp)[0]), "maxItems": limits.ELEMENTS}
        if origin is dict:
            return {
                "type": "object",
                "additionalProperties": self.of(get_args(tp)[1]),
                "maxProperties": limits.ELEMENTS,
                "propertyNames": {"maxLength": limits.CODE},
            }
        if origin is typing.Union or type(tp).__name__ == "UnionType":
            options = [a for a in get_args(tp) if a is not type(None)]
            return self.of(options[0]) if len(options) == 1 else {"anyOf": [self.of(a) for a in options]}
        if attrs.has(tp):
            name = tp.__name__
            if name not in self.defs:
                self.defs[name] = {}  # placeholder against recursion
                self.defs[name] = self.cls(tp)
            return {"$ref": f"#/$defs/{name}"}
        raise TypeError(f"no JSON Schema for {tp!r}")

    def cls(self, cl: type) -> dict[str, Any]:
        hints = typing.get_type_hints(cl)
        props: dict[str, Any] = {}
        required = []
        for a in attrs.fields(cl):
            props[a.name] = _limited(self.of(hints[a.name]), cl.__name__, a.name)
            pattern = a.metadata.get("pattern")  # a code's form (model: CODES_REPERTOIRE)
            if pattern:
                target = props[a.name]["items"] if props[a.name].get("type") == "array" else props[a.name]
                target["pattern"] = pattern
            if a.default is attrs.NOTHING:
                required.append(a.name)
        out: dict[str, Any] = {
            "type": "object",
            "description": _first_line(cl.__doc__),
            "properties": props,
            "additionalProperties": False,
        }
        if required:
            out["required"] = required
        return out


def _limited(schema: dict[str, Any], cls_name: str, name: str) -> dict[str, Any]:
    """A field's schema with the limits of its own (:mod:`cqpkit.formats.limits`): length, number of items."""
    text = limits.TEXTES.get(cls_name, {}).get(name)
    items = limits.NOMBRES_D_ELEMENTS.get(cls_name, {}).get(name)
    kind = schema.get("type")
    if kind == "string" and text is not None and "enum" not in schema:
        schema["maxLength"] = text
    elif kind == "array":
        if items is not None:
            schema["maxItems"] = items
        if text is not None and schema["items"].get("type") == "string":
            schema["items"]["maxLength"] = text
    elif kind == "object" and "additionalProperties" in schema:
        if items is not None:
            schema["maxProperties"] = items
        if text is not None:
            schema["propertyNames"] = {"maxLength": text}
    return schema


def json_schema(kind: str, extensions: ExtensionClasses | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a file kind (``referentiel``, ``dossier``, ``session``).

    ``extensions``: the plugins' extension classes (by default, those of the last plugin manager built).
    """
    root, title = SCHEMAS[kind]
    b = _Builder()
    body = b.cls(root)
    if root is Referentiel:
        classes = extension_classes() if extensions is None else extensions
        body["properties"]["extensions"] = {
            "type": "object",
            "description": "Tables propres aux extensions : [extensions.<extension>], validée par la classe qu'elle déclare.",
            "properties": {name: b.of(cls) for name, cls in iter_fragments(classes)},
            "additionalProperties": False,
        }
        # Merge-only keys (cqpkit.formats.fragments): removed before the référentiel is structured.
        body["properties"]["extends"] = {
            "type": "array",
            "items": {"type": "string"},
            "description": "Fragments fusionnés avant ce fichier, dans l'ordre (chemins relatifs au fichier).",
        }
        body["properties"]["_gabarits"] = {
            "type": "object",
            "description": "Valeurs par défaut des épreuves, par type : [_gabarits.<nom>] types = [...], puis les clés.",
            "additionalProperties": {
                "type": "object",
                "properties": {"types": {"type": "array", "items": {"type": "string"}}},
                "required": ["types"],
            },
        }
        # A file that extends fragments may get its required tables from them.
        required = body.pop("required", [])
        body["anyOf"] = [{"required": required}, {"required": ["extends"]}]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://cqpkit.invalid/referentials/{kind}.schema.json",
        "title": title,
        **body,
        "$defs": dict(sorted(b.defs.items())),
    }


def schema_text(kind: str, extensions: ExtensionClasses | None = None) -> str:
    """The schema as the checked-in file holds it (indented, sorted defs, final newline)."""
    return json.dumps(json_schema(kind, extensions), ensure_ascii=False, indent=2) + "\n"
