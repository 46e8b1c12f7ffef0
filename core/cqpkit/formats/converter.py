"""The project's one cattrs converter, shaped like cattrs' ``preconf/tomllib.py``.

Rules of :func:`make_converter`:

- **Strict scalars.** TOML has real types, so nothing is coerced: a string is not an
  integer, ``true`` is not a number, an integer is accepted where a float is expected
  (``3`` for ``3.0``) but not the other way round. A date is a TOML date (``2014-01-01``),
  not a string and not a date-time. Each refusal is a :class:`FormatError` whose message
  is the French sentence shown to the user.
- **Lists are lists.** A ``tuple[X, ...]`` field takes a TOML array only (a string is
  not a list of characters). Tables are tables.
- **No negative numbers** (nor ``nan``, ``inf``) in files: every number of the model is a count, a duration, an
  amount or a rate, so ``-3`` is refused with its own message rather than computed with.
- **Limits** (:mod:`cqpkit.formats.limits`): the length and the characters of every text, the
  number of items of every list and table, dates, durations and numbers between bounds, so that
  what a file holds, both store engines can store and the engines can compute with. Checked in
  the same pass: a text field's hook carries its own limit (per class and field), a list's hook
  its own count.
- **Strict or not.** The two rules above are those of the files a user writes (``strict``, the
  default of the TOML flavour, and of the JSON input converter); the JSON flavour that reads
  back what the store wrote does not check them (it was checked on the way in, and a limit made
  stricter later must not make a stored dossier unreadable).
- **Closed sets.** ``Literal`` fields list their allowed values in the message.
- **No unknown keys** (``forbid_extra_keys=True``), every error of a document collected
  at once (``detailed_validation=True``).
- **Durations** (:class:`~cqpkit.model.Duree`) are ISO 8601 period strings.
- **Writing**: ``omit_if_default=True`` (tomli-w cannot write ``None``, and a file
  should only hold what its author wrote); tuples become arrays, dates stay dates.

The JSON flavour (``make_converter(json=True)``) is the same except that dates are
ISO strings, since JSON has no date type.
"""

from __future__ import annotations

import datetime as dt
import math
import types
import typing
from functools import cache
from typing import Any, Literal, get_args, get_origin

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from cqpkit.formats import limits
from cqpkit.model import Duree

__all__ = [
    "FormatError",
    "converter",
    "json_converter",
    "json_input_converter",
    "make_converter",
    "output_converter",
    "type_label",
    "value_label",
]


class FormatError(ValueError):
    """A value of the wrong shape; ``str(exc)`` is the French message for the user."""


_TYPE_LABELS: dict[Any, str] = {
    str: "un texte",
    int: "un entier",
    float: "un nombre",
    bool: "un booléen (true ou false)",
    dt.date: "une date (AAAA-MM-JJ)",
    dt.datetime: "une date et heure",
    list: "une liste",
    tuple: "une liste",
    dict: "une table",
    Duree: "une durée (« P3Y », « P2M »…)",
}


def type_label(tp: Any) -> str:
    """The French name of an expected type, for messages."""
    if tp in _TYPE_LABELS:
        return _TYPE_LABELS[tp]
    origin = get_origin(tp)
    if origin in (tuple, list):
        return "une liste"
    if origin is dict or attrs.has(tp):
        return "une table"
    if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        return " ou ".join(type_label(a) for a in get_args(tp) if a is not type(None))
    return str(tp)


def value_label(value: Any) -> str:
    """The French name of the type of a value found in a file."""
    if isinstance(value, bool):
        return f"un booléen ({str(value).lower()})"
    if isinstance(value, dt.datetime):
        return f"une date et heure ({value.isoformat()})"
    if isinstance(value, dt.date):
        return f"une date ({value.isoformat()})"
    if isinstance(value, dt.time):
        return f"une heure ({value.isoformat()})"
    if isinstance(value, str):
        shown = value if len(value) <= 30 else value[:29] + "…"
        return f"un texte (« {shown} »)"
    if isinstance(value, int):
        return f"un entier ({value})"
    if isinstance(value, float):
        return f"un nombre ({value})"
    if isinstance(value, list):
        return "une liste"
    if isinstance(value, dict):
        return "une table"
    return type(value).__name__


def _wrong(expected: Any, value: Any) -> FormatError:
    return FormatError(f"type incorrect : attendu {type_label(expected)}, trouvé {value_label(value)}")


def _structure_str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise _wrong(str, value)
    return value


def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong(int, value)
    return value


def _too_big(value: Any) -> FormatError:
    text = repr(value)
    shown = text if len(text) <= 30 else f"{text[:12]}… ({len(text)} chiffres)"
    return FormatError(f"valeur trop grande ({shown}) : au plus {limits.NOMBRE_MAX:_}".replace("_", " "))


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _wrong(float, value)
    try:
        return float(value)
    except OverflowError:  # an integer beyond any float
        raise _too_big(value) from None


def _fast(hook: Any, *spec: Any) -> Any:
    """``hook``, marked with what it checks (``hook.fast_spec``), so that :mod:`cqpkit.formats.fastpath` can write the
    same checks inline for documents without errors; a hook without a mark is called as it is."""
    hook.fast_spec = spec
    return hook


def _bounded(hook: Any) -> Any:
    """A number hook that refuses ``nan``, ``inf``, negative numbers and numbers over :data:`~limits.NOMBRE_MAX`."""
    top = limits.NOMBRE_MAX

    def structure(value: Any, tp: type) -> Any:
        number = hook(value, tp)
        if 0 <= number <= top:
            return number
        if isinstance(number, float) and not math.isfinite(number):  # (an int is finite, and may be too big for a float)
            raise FormatError(f"valeur « {value} » non admise : un nombre fini est attendu")
        if number < 0:
            raise FormatError(f"valeur négative ({value}) : un nombre positif ou nul est attendu")
        raise _too_big(value)

    kind = {_structure_int: "int", _structure_float: "float"}.get(hook)
    return _fast(structure, kind, top) if kind else structure


def _text_hook(cap: int, what: str = "texte") -> Any:
    """The hook of a text of at most ``cap`` characters, without a forbidden character (strict converters)."""

    too_long = f"{what} trop longue" if what == "clé" else f"{what} trop long"

    def structure(value: Any, _: type) -> str:
        if not isinstance(value, str):
            raise _wrong(str, value)
        if len(value) > cap:
            raise FormatError(f"{too_long} : {len(value)} caractères, au plus {cap}")
        if not value.isprintable():  # C-speed; false for a line feed or a no-break space too: then look closer
            problem = limits.forbidden_character(value)
            if problem:
                raise FormatError(problem)
        return value

    return _fast(structure, "text", cap)


def _too_many(value: Any, cap: int | None) -> None:
    if cap is not None and len(value) > cap:
        if isinstance(value, dict):
            raise FormatError(f"trop d'entrées : {len(value)}, au plus {cap} dans cette table")
        raise FormatError(f"trop d'éléments : {len(value)}, au plus {cap} dans cette liste")


def _structure_bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise _wrong(bool, value)
    return value


def _structure_date(value: Any, _: type) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise _wrong(dt.date, value)
    return value


def _structure_date_json(value: Any, _: type) -> dt.date:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise FormatError(f"date invalide « {value} » : forme attendue AAAA-MM-JJ") from None
    return _structure_date(value, _)


def _date_in_bounds(hook: Any) -> Any:
    low, high = limits.DATE_MIN, limits.DATE_MAX

    def structure(value: Any, tp: type) -> dt.date:
        day = hook(value, tp)
        if low <= day <= high:
            return day
        raise FormatError(f"date {day.isoformat()} hors des bornes du format : entre le {low.isoformat()} et le {high.isoformat()}")

    return _fast(structure, "date", low, high) if hook is _structure_date else structure


def _structure_duree(value: Any, _: type) -> Duree:
    if not isinstance(value, str):
        raise _wrong(Duree, value)
    return Duree.parse(value)  # its ValueError carries the French message


def _structure_duree_bounded(value: Any, tp: type) -> Duree:
    duree = _structure_duree(value, tp)
    days = 365 * duree.annees + 30 * duree.mois + 7 * duree.semaines + duree.jours
    if days > limits.DUREE_MAX_JOURS:
        raise FormatError(
            f"durée « {value} » trop longue : au plus 100 ans ({limits.DUREE_MAX_JOURS:_} jours en comptant 365 jours "
            "par an, 30 par mois, 7 par semaine)".replace("_", " ")
        )
    return duree


def _is_literal(tp: Any) -> bool:
    return get_origin(tp) is Literal


def _literal_hook(tp: Any):
    allowed = get_args(tp)
    shown = ", ".join(f"« {a} »" for a in allowed)

    def structure(value: Any, _: type) -> Any:
        if isinstance(value, str) and value in allowed:
            return value
        if not isinstance(value, str):
            raise _wrong(str, value)
        raise FormatError(f"valeur « {value} » non admise ; valeurs possibles : {shown}")

    return _fast(structure, "literal", frozenset(allowed))


def _is_homogeneous_tuple(tp: Any) -> bool:
    args = get_args(tp)
    return get_origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis


def make_converter(*, json: bool = False, omit_defaults: bool = True, strict: bool | None = None) -> cattrs.Converter:
    """Build the converter (see the module docstring for its rules).

    ``omit_defaults=False`` writes every key, defaults included: the machine output of
    the CLI (``--json``) uses it so that its keys are always the same. ``strict`` (by default,
    the TOML flavour only): refuse negative numbers and whatever is beyond the limits of
    :mod:`cqpkit.formats.limits` (the files a user writes).
    """
    strict = not json if strict is None else strict
    conv = cattrs.Converter(forbid_extra_keys=True, omit_if_default=omit_defaults, detailed_validation=True)
    date_hook = _structure_date_json if json else _structure_date
    if strict:
        conv.register_structure_hook(str, _text_hook(limits.TEXTE))
        conv.register_structure_hook(int, _bounded(_structure_int))
        conv.register_structure_hook(float, _bounded(_structure_float))
        conv.register_structure_hook(dt.date, _date_in_bounds(date_hook))
        conv.register_structure_hook(Duree, _structure_duree_bounded)
    else:
        conv.register_structure_hook(str, _structure_str)
        conv.register_structure_hook(int, _structure_int)
        conv.register_structure_hook(float, _structure_float)
        conv.register_structure_hook(dt.date, date_hook)
        conv.register_structure_hook(Duree, _structure_duree)
    conv.register_structure_hook(bool, _fast(_structure_bool, "bool"))
    conv.register_unstructure_hook(Duree, str)
    if json:
        conv.register_unstructure_hook(dt.date, dt.date.isoformat)
    else:
        conv.register_unstructure_hook(dt.date, lambda d: d)
    conv.register_structure_hook_factory(_is_literal, _literal_hook)

    default_items = limits.ELEMENTS if strict else None
    default_key = limits.CODE if strict else None

    def tuple_hook(tp: Any, cap: int | None = default_items, item_hook: Any = None) -> Any:
        (item,) = get_args(tp)[:1]
        hook = item_hook  # else the item's hook, looked up at the first call (not per item: that dispatch hashes typing objects)

        def structure(value: Any, _: type) -> tuple:
            nonlocal hook
            if not isinstance(value, (list, tuple)):
                raise _wrong(tp, value)
            _too_many(value, cap)
            if hook is None:
                hook = conv.get_structure_hook(item)
            errors = []
            out = []
            for i, v in enumerate(value):
                try:
                    out.append(hook(v, item))
                except Exception as exc:  # collected, as cattrs does
                    exc.__notes__ = [*getattr(exc, "__notes__", []), cattrs.errors.IterableValidationNote(f"index {i}", i, item)]
                    errors.append(exc)
            if errors:
                raise cattrs.errors.IterableValidationError("liste invalide", errors, tp)
            return tuple(out)

        return _fast(structure, "tuple", cap, item, item_hook)

    conv.register_structure_hook_factory(_is_homogeneous_tuple, tuple_hook)

    def dict_hook(tp: Any, cap: int | None = default_items, key_cap: int | None = default_key) -> Any:
        _, value_type = get_args(tp)
        hook = None  # as in tuple_hook
        key_hook = None if key_cap is None else _text_hook(key_cap, "clé")

        def structure(value: Any, _: type) -> dict:
            nonlocal hook
            if not isinstance(value, dict):
                raise _wrong(tp, value)
            _too_many(value, cap)
            if hook is None:
                hook = conv.get_structure_hook(value_type)
            errors = []
            out = {}
            for k, v in value.items():
                try:
                    if key_hook is not None and (len(k) > key_cap or not k.isprintable()):  # type: ignore[operator]
                        key_hook(k, str)  # raises with the message
                    out[k] = hook(v, value_type)
                except Exception as exc:
                    exc.__notes__ = [*getattr(exc, "__notes__", []), cattrs.errors.IterableValidationNote(f"clé {k}", k, value_type)]
                    errors.append(exc)
            if errors:
                raise cattrs.errors.IterableValidationError("table invalide", errors, tp)
            return out

        return _fast(structure, "dict", cap, key_cap, value_type)

    conv.register_structure_hook_factory(lambda tp: get_origin(tp) is dict, dict_hook)

    def field_hook(cl: type, a: attrs.Attribute[Any], tp: Any) -> Any:
        """The hook of a field with limits of its own (a text's length, a list's count), or ``None``."""
        name = cl.__name__
        text, items = limits.TEXTES.get(name, {}).get(a.name), limits.NOMBRES_D_ELEMENTS.get(name, {}).get(a.name)
        if text is None and items is None:
            return None
        optional = False
        if get_origin(tp) in (typing.Union, types.UnionType) and type(None) in get_args(tp):
            rest = [t for t in get_args(tp) if t is not type(None)]
            if len(rest) != 1:
                return None
            tp, optional = rest[0], True
        if tp is str and text is not None:
            inner = _text_hook(text, "identifiant" if text <= limits.IDENTIFIANT else "texte")
        elif _is_homogeneous_tuple(tp):
            item_hook = _text_hook(text, "identifiant") if text is not None and get_args(tp)[0] is str else None
            inner = tuple_hook(tp, default_items if items is None else items, item_hook)
        elif get_origin(tp) is dict:
            inner = dict_hook(tp, default_items if items is None else items, default_key if text is None else text)
        else:
            return None
        if not optional:
            return inner
        return _fast(lambda value, t: None if value is None else inner(value, t), "optional", inner)

    def attrs_factory(cl: type) -> Any:
        overrides = {}
        if strict and (cl.__name__ in limits.TEXTES or cl.__name__ in limits.NOMBRES_D_ELEMENTS):
            hints = typing.get_type_hints(cl)
            for a in attrs.fields(cl):
                hook = field_hook(cl, a, hints[a.name])
                if hook is not None:
                    overrides[a.name] = override(struct_hook=hook)
        # cattrs' function, generated at the first call: the fast path asks for every hook and calls none
        made: list[Any] = []

        def structure(value: Any, _: type) -> Any:
            if not isinstance(value, dict):
                raise _wrong(cl, value)
            if not made:
                made.append(
                    make_dict_structure_fn(
                        cl, conv, _cattrs_forbid_extra_keys=True, _cattrs_detailed_validation=True, **overrides
                    )
                )
            return made[0](value, cl)

        return _fast(structure, "attrs", cl, {name: o.struct_hook for name, o in overrides.items()})

    conv.register_structure_hook_factory(attrs.has, attrs_factory)
    conv.register_unstructure_hook_factory(
        attrs.has, lambda cl: make_dict_unstructure_fn(cl, conv, _cattrs_omit_if_default=omit_defaults)
    )
    conv.register_unstructure_hook_factory(_is_homogeneous_tuple, lambda tp: _unstructure_seq(conv, tp))
    return conv


def _unstructure_seq(conv: cattrs.Converter, tp: Any):
    (item,) = get_args(tp)[:1]
    hook = conv.get_unstructure_hook(item)
    return lambda value: [hook(v) for v in value]


@cache
def converter() -> cattrs.Converter:
    """The shared TOML converter."""
    return make_converter()


@cache
def json_converter() -> cattrs.Converter:
    """The shared JSON converter (dates as ISO strings)."""
    return make_converter(json=True)


@cache
def json_input_converter() -> cattrs.Converter:
    """The converter of JSON a user wrote (:mod:`cqpkit.formats.jsonfile`): dates as ISO strings, strict as files are."""
    return make_converter(json=True, strict=True)


@cache
def output_converter() -> cattrs.Converter:
    """The converter of the CLI's ``--json`` output: ISO dates, every key written (the documented contract)."""
    return make_converter(json=True, omit_defaults=False)
