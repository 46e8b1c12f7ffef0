"""The model's invariants, checked where an object is built: closed sets, ids, dates.

Every model class is declared ``@frozen(kw_only=True, field_transformer=invariants)``: the
transformer reads each field's annotation and adds an attrs validator when the field is

- a closed set (a ``Literal``, alone, optional, in a ``tuple[…, ...]`` or as the values of a
  ``dict``): a value outside the set is a :class:`~cqpkit.exceptions.ModelValueError`
  (a text) or :class:`~cqpkit.exceptions.ModelTypeError` (anything else);
- an id (a field named ``id``, and the ``code`` of a finding or a funding line): an empty
  text is a ``ModelValueError``, a non-text a ``ModelTypeError``;
- a date (``date`` or ``date | None``): a ``datetime`` or a text is a ``ModelTypeError``
  saying what to pass.

So ``Constat(niveau="warning")`` built by a plugin is refused where it is built, with a French
message (``Constat.niveau : valeur « warning » non admise ; valeurs possibles : …``); inside a
hook, the registry reports it as that plugin's error with the file and line that built it.

Only these shallow checks run: the engines build many objects per dossier (each ``Constat``,
``DomaineAcquis``, ``LigneFinancement``), so a check is one set lookup or one type test
(``bench/decide_batch.py`` measures it). Deep checks (references between ids, dates in order)
are the format layer's (:func:`cqpkit.formats.dossiers.validate_dossier`). A file never meets
these validators with a value they refuse, except an empty id, whose message here is the
format layer's own (the two are then reported once).
"""

from __future__ import annotations

import datetime as dt
import sys
import types
import typing
from collections.abc import Callable
from typing import Any, Literal, get_args, get_origin

import attrs

from cqpkit.exceptions import ModelTypeError, ModelValueError

__all__ = ["ID_RULE", "invariants", "quick_constructor"]

#: What an id may hold (the format layer checks the whole rule; the model, that an id is not empty).
ID_RULE = "lettres ASCII, chiffres, « - », « _ » ou « . », sans espace ni accent"

#: Text fields that are ids although not named ``id``: the stable code of a finding or a funding line.
_CODES = {"Constat": ("code",), "LigneFinancement": ("code",)}

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f"« {value} »"
    if isinstance(value, dt.datetime):
        return f"une date et heure ({value.isoformat()})"
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 40 else text[:39] + '…'}"


def _one_of(owner: str, allowed: tuple[Any, ...]) -> Callable[[str, Any], None]:
    """A check of one value against a closed set (raises with the field's name and the allowed values)."""
    accepted = frozenset(allowed)
    listed = ", ".join(f"« {a} »" for a in allowed)

    def check(name: str, value: Any) -> None:
        try:
            if value in accepted:
                return
        except TypeError:  # unhashable: not one of the texts
            pass
        error = ModelValueError if isinstance(value, str) else ModelTypeError
        raise error(owner, name, f"valeur {_shown(value)} non admise ; valeurs possibles : {listed}")

    return check


def _closed_set(owner: str, tp: Any) -> Validator | None:
    """The validator of a field typed with a ``Literal`` (alone, optional, in a tuple, as dict values)."""
    origin, args = get_origin(tp), get_args(tp)
    if origin is Literal:
        check = _one_of(owner, args)
        return _covers(lambda _inst, attribute, value: check(attribute.name, value), "literal", args)
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1 and get_origin(rest[0]) is Literal:
            check = _one_of(owner, get_args(rest[0]))
            return _covers(
                lambda _inst, attribute, value: None if value is None else check(attribute.name, value),
                "optional_literal",
                get_args(rest[0]),
            )
        return None
    # Per item, the set lookup first: the item's name (an f-string) is written only for the message.
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis and get_origin(args[0]) is Literal:
        check, accepted = _one_of(owner, get_args(args[0])), _hashable(get_args(args[0]))

        def each(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
            for i, item in enumerate(value):
                if type(item) is not str or item not in accepted:
                    check(f"{attribute.name}[{i}]", item)

        return _covers(each, "tuple_literal", get_args(args[0]))
    if origin is dict and len(args) == 2 and get_origin(args[1]) is Literal:
        check, accepted = _one_of(owner, get_args(args[1])), _hashable(get_args(args[1]))

        def values(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
            for key, item in value.items():
                if type(item) is not str or item not in accepted:
                    check(f"{attribute.name}.{key}", item)

        return _covers(values, "dict_literal", get_args(args[1]))
    return None


def _covers(check: Validator, kind: str, allowed: tuple[Any, ...]) -> Validator:
    """``check``, marked with what it accepts (``check.invariant``: its kind and closed set), so that the generated
    structuring functions (:mod:`cqpkit.formats.fastpath`) can tell that their own checks already cover it."""
    check.invariant = (kind, frozenset(allowed))  # type: ignore[attr-defined]
    return check


def _hashable(allowed: tuple[Any, ...]) -> frozenset[str]:
    """The texts of a closed set (a text found there is accepted without the full check)."""
    return frozenset(a for a in allowed if isinstance(a, str))


def _identifier(owner: str) -> Validator:
    def check(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if type(value) is str and value:
            return
        if isinstance(value, str):
            raise ModelValueError(owner, attribute.name, f"identifiant « {value} » invalide : {ID_RULE}")
        raise ModelTypeError(owner, attribute.name, f"un identifiant (texte) est attendu, pas {_shown(value)}")

    return _covers(check, "id", ())


def _date(owner: str, optional: bool) -> Validator:
    def check(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if type(value) is dt.date or (value is None and optional):
            return
        if isinstance(value, dt.datetime):
            hint = f"pas {_shown(value)} ; passez-en le jour : .date()"
        elif isinstance(value, dt.date):
            return  # a subclass of date that is not a datetime
        elif isinstance(value, str):
            hint = f"pas un texte (« {value} ») ; lisez-le avec datetime.date.fromisoformat(« {value} »)"
        else:
            hint = f"pas {_shown(value)}"
        raise ModelTypeError(owner, attribute.name, f"une date (datetime.date) est attendue, {hint}")

    return _covers(check, "optional_date" if optional else "date", ())


#: (module, annotation text) → the type it evaluated to: the model's classes repeat a few annotations (``str``,
#: ``date | None``, ``tuple[str, ...]``…) hundreds of times, and each ``eval`` of a text compiles it first.
_RESOLVED: dict[tuple[str, str], Any] = {}
_UNRESOLVED = object()


def _resolve(cls: type, annotation: Any) -> Any:
    """The annotation as a type (the model modules use ``from __future__ import annotations``)."""
    if not isinstance(annotation, str):
        return annotation
    module = cls.__module__
    if not module.startswith("cqpkit.model."):  # (another module's names may be bound again: evaluated each time)
        return eval(annotation, vars(sys.modules[module]))
    key = (module, annotation)
    tp = _RESOLVED.get(key, _UNRESOLVED)
    if tp is _UNRESOLVED:
        # the model's own annotations, in its module (whose names, once bound, are never bound again)
        tp = _RESOLVED[key] = eval(annotation, vars(sys.modules[module]))
    return tp


def validator_for(cls: type, name: str, annotation: Any) -> Validator | None:
    """The invariant validator of one field (``None``: the field has none)."""
    owner = cls.__name__
    tp = _resolve(cls, annotation)
    if name == "id" or name in _CODES.get(owner, ()):
        return _identifier(owner) if tp is str else None
    if tp is dt.date:
        return _date(owner, optional=False)
    if tp == (dt.date | None):
        return _date(owner, optional=True)
    return _closed_set(owner, tp)


def invariants(cls: type, fields: list[attrs.Attribute[Any]]) -> list[attrs.Attribute[Any]]:
    """attrs ``field_transformer``: add the invariant validator of each field that has one (see the module docstring)."""
    out = []
    for f in fields:
        check = validator_for(cls, f.name, f.type)
        if check is not None:
            combined = check if f.validator is None else attrs.validators.and_(f.validator, check)
            f = f.evolve(validator=combined)
        out.append(f)
    return out


# ------------------------------------------------------------------ constructors for the engines
_MISSING = object()


def quick_constructor(cls: type) -> Callable[..., Any]:
    """A function called as ``cls(**fields)`` that builds the same object, for the engines' many outputs per dossier.

    attrs' ``__init__`` runs each field's invariant validator through a generic call; this function tests the same
    invariants inline (an id is a non-empty text, a date a ``datetime.date``, a value of a closed set one of its
    texts) and sets the slots directly. At the first value the inline tests do not accept it calls ``cls`` itself,
    which raises the model's own error (or accepts a value the inline tests are stricter about). A class it cannot
    do this for (a validator that is not one of these invariants, a converter, ``__attrs_post_init__``, a
    ``Factory`` taking ``self``, no slots) gets ``cls`` itself.
    """
    fields = attrs.fields(cls)
    if (
        getattr(cls, "__attrs_post_init__", None) is not None
        or getattr(cls, "__attrs_pre_init__", None) is not None
        or cls.__new__ is not object.__new__
        or "__slots__" not in cls.__dict__
    ):
        return cls
    ns: dict[str, Any] = {"_new": object.__new__, "_cls": cls, "_M": _MISSING, "_date": dt.date}
    params, tests, sets, factories = [], [], [], []
    for n, a in enumerate(fields):
        slot = getattr(cls, a.name, None)
        if not a.init or a.converter is not None or type(slot) is not types.MemberDescriptorType:
            return cls
        name = a.alias
        ns[f"_s{n}"] = slot.__set__
        if a.default is attrs.NOTHING:
            params.append(name)
        elif isinstance(a.default, attrs.Factory):  # type: ignore[arg-type]
            if a.default.takes_self:
                return cls
            ns[f"_f{n}"] = a.default.factory
            params.append(f"{name}=_M")
            factories.append(f"    if {name} is _M: {name} = _f{n}()")
        else:
            ns[f"_d{n}"] = a.default
            params.append(f"{name}=_d{n}")
        if a.validator is not None:
            invariant = getattr(a.validator, "invariant", None)
            if invariant is None:
                return cls
            kind, allowed = invariant
            ns[f"_a{n}"] = allowed
            test = {
                "id": f"(type({name}) is str and {name} != '')",
                "date": f"type({name}) is _date",
                "optional_date": f"({name} is None or type({name}) is _date)",
                "literal": f"(type({name}) is str and {name} in _a{n})",
                "optional_literal": f"({name} is None or (type({name}) is str and {name} in _a{n}))",
                "tuple_literal": f"(type({name}) is tuple and all(type(x) is str and x in _a{n} for x in {name}))",
                "dict_literal": f"(type({name}) is dict and all(type(x) is str and x in _a{n} for x in {name}.values()))",
            }.get(kind)
            if test is None:
                return cls
            tests.append(test)
        sets.append(f"    _s{n}(o, {name})")
    call = ", ".join(f"{a.alias}={a.alias}" for a in fields)
    lines = [f"def make({', '.join(params)}):", *factories]  # (the fields may also be given in order)
    if tests:
        lines += [f"    if not ({' and '.join(tests)}):", f"        return _cls({call})"]
    lines += ["    o = _new(_cls)", *sets, "    return o"]
    exec(compile("\n".join(lines), f"<cqpkit quick constructor {cls.__name__}>", "exec"), ns)
    make = ns["make"]
    make.__doc__ = f"Build a {cls.__name__} (:func:`cqpkit.model.invariants.quick_constructor`)."
    return make  # type: ignore[no-any-return]
