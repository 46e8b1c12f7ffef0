"""Structuring a document without errors in one generated function per class, the detailed path kept for the rest.

The project converter (:mod:`cqpkit.formats.converter`) structures with cattrs' detailed validation: every
field in its own ``try``, every error collected with the path to it, so that a file gets all its errors at
once. A dossier without errors pays for that machinery too (about a quarter of reading a dossier). Here,
for each attrs class, one function is generated that makes the *same checks* inline (the hooks of the
converter are marked with what they check: :func:`cqpkit.formats.converter._fast`) and builds the same
objects; at the first thing it does not expect (a check that fails, a missing key, an unknown key, a hook
it does not know, an exception of a validator), it gives up and the caller runs the detailed path, which
finds the errors and says them. So the fast path never decides what is valid: it can only be stricter,
and what it returns is equal to what the converter returns (a test compares both on generated dossiers,
valid and broken).

Only the strict TOML converter's hooks are inlined (the others are called as they are). The functions are
built once per converter and class and hold no state.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Callable
from typing import Any, get_args

import attrs
import cattrs

from cqpkit.formats.limits import forbidden_character

__all__ = ["fast_structurer"]

_MISSING = object()  # a key absent from a table (``o.get(key, _M)``: one lookup instead of two)
_IDENTITY = frozenset({"text", "int", "date", "bool", "literal"})


class _Unsupported(Exception):
    """A class the generator cannot write a function for (a renamed key, a field outside ``__init__``)."""


class _Writer:
    """Writes the source of one function per attrs class reachable from the root class."""

    def __init__(self, conv: cattrs.Converter) -> None:
        self.conv = conv
        self.ns: dict[str, Any] = {
            "_date": dt.date, "_fc": forbidden_character, "_F": _GiveUp, "_new": object.__new__, "_M": _MISSING
        }
        self.names: dict[type, str] = {}
        self.sources: list[str] = []
        self.counter = 0

    def constant(self, value: Any, prefix: str = "c") -> str:
        name = f"_{prefix}{self.counter}"
        self.counter += 1
        self.ns[name] = value
        return name

    # -- specs ---------------------------------------------------------------------------------
    def spec_of_type(self, tp: Any) -> tuple:
        args = get_args(tp)
        if typing.get_origin(tp) in (typing.Union, types.UnionType) and type(None) in args:
            rest = [a for a in args if a is not type(None)]
            if len(rest) == 1:  # cattrs' Optional: None as it is, else the other type's hook
                return ("optional", self.spec_of_type(rest[0]))
        return self.spec_of_hook(self.conv.get_structure_hook(tp), tp)

    def spec_of_hook(self, hook: Any, tp: Any) -> tuple:
        spec = getattr(hook, "fast_spec", None)
        if spec is None:
            return ("call", hook, tp)
        kind = spec[0]
        if kind == "optional":
            inner = spec[1]
            return ("optional", self.spec_of_hook(inner, tp))
        if kind == "tuple":
            _, cap, item, item_hook = spec
            return ("tuple", cap, self.spec_of_hook(item_hook, item) if item_hook is not None else self.spec_of_type(item))
        if kind == "dict":
            _, cap, key_cap, value_type = spec
            return ("dict", cap, key_cap, self.spec_of_type(value_type))
        return spec

    def setters(self, cl: type, fields: Any, specs: list[tuple]) -> list[str]:
        """Names of the slot setters of ``cl``'s fields, when its ``__init__`` can be skipped; else ``[]``.

        attrs' ``__init__`` sets each field and runs its validators. Skipping it is safe only when it would do
        nothing more than the generated checks: no ``__attrs_pre_init__``/``__attrs_post_init__``, no converter,
        defaults that are values or factories without ``self``, slots, and each validator one of the model's
        invariants (:func:`cqpkit.model.invariants._covers`) that the field's generated checks already imply.
        """
        if (
            getattr(cl, "__attrs_post_init__", None) is not None
            or getattr(cl, "__attrs_pre_init__", None) is not None
            or cl.__new__ is not object.__new__
            or "__slots__" not in cl.__dict__
        ):
            return []
        names = []
        for a, spec in zip(fields, specs, strict=True):
            slot = getattr(cl, a.name, None)
            if a.converter is not None or type(slot) is not types.MemberDescriptorType:
                return []
            if isinstance(a.default, attrs.Factory) and a.default.takes_self:  # type: ignore[arg-type]
                return []
            if a.validator is not None and not _covered(getattr(a.validator, "invariant", None), spec):
                return []
            names.append(self.constant(slot.__set__, "set"))
        return names

    # -- code ------------------------------------------------------------------------------------
    def value(self, spec: tuple, src: str, dst: str, ind: str, depth: int) -> list[str]:
        """Lines that check ``src`` as ``spec`` says and set ``dst`` to what the hook would return (or raise _F)."""
        kind = spec[0]
        if kind == "text":
            return [
                f"{ind}if type({src}) is not str or len({src}) > {spec[1]} or (not {src}.isprintable() and _fc({src}) is not None): raise _F",
                f"{ind}{dst} = {src}",
            ]
        if kind == "int":
            return [f"{ind}if type({src}) is not int or not (0 <= {src} <= {spec[1]}): raise _F", f"{ind}{dst} = {src}"]
        if kind == "float":
            return [
                f"{ind}if type({src}) is not float and type({src}) is not int: raise _F",
                f"{ind}{dst} = float({src})",
                f"{ind}if not (0 <= {dst} <= {spec[1]}): raise _F",
            ]
        if kind == "date":
            low, high = self.constant(spec[1], "lo"), self.constant(spec[2], "hi")
            return [f"{ind}if type({src}) is not _date or not ({low} <= {src} <= {high}): raise _F", f"{ind}{dst} = {src}"]
        if kind == "bool":
            return [f"{ind}if type({src}) is not bool: raise _F", f"{ind}{dst} = {src}"]
        if kind == "literal":
            allowed = self.constant(spec[1], "lit")
            return [f"{ind}if type({src}) is not str or {src} not in {allowed}: raise _F", f"{ind}{dst} = {src}"]
        if kind == "optional":  # a TOML file holds no None: anything else is the inner type's
            inner = self.value(spec[1], src, dst, ind, depth)
            if spec[1][0] == "call":  # a hook of its own: None is refused before it
                return [f"{ind}if {src} is None: raise _F", *inner]
            return inner  # the inner checks begin with a type test (or a generated function's), which None fails
        if kind == "attrs":
            return [f"{ind}{dst} = {self.function(spec[1], spec[2])}({src})"]
        if kind == "tuple":
            _, cap, item = spec
            x, y, acc = f"x{depth}", f"y{depth}", f"acc{depth}"
            lines = [f"{ind}if type({src}) is not list{'' if cap is None else f' or len({src}) > {cap}'}: raise _F"]
            if item[0] == "attrs":  # one call per item, in a comprehension
                return [*lines, f"{ind}{dst} = tuple([{self.function(item[1], item[2])}({x}) for {x} in {src}])"]
            if item[0] in _IDENTITY:
                checks = [line for line in self.value(item, x, y, ind + "    ", depth + 1) if line != f"{ind}    {y} = {x}"]
                lines += [f"{ind}for {x} in {src}:", *checks, f"{ind}{dst} = tuple({src})"]
            else:
                lines += [
                    f"{ind}{acc} = []",
                    f"{ind}for {x} in {src}:",
                    *self.value(item, x, y, ind + "    ", depth + 1),
                    f"{ind}    {acc}.append({y})",
                    f"{ind}{dst} = tuple({acc})",
                ]
            return lines
        if kind == "dict":
            _, cap, key_cap, item = spec
            k, x, y, acc = f"k{depth}", f"x{depth}", f"y{depth}", f"acc{depth}"
            lines = [f"{ind}if type({src}) is not dict{'' if cap is None else f' or len({src}) > {cap}'}: raise _F"]
            identity = item[0] in _IDENTITY
            lines += [f"{ind}for {k}, {x} in {src}.items():"] if identity else [f"{ind}{acc} = {{}}", f"{ind}for {k}, {x} in {src}.items():"]
            if key_cap is not None:
                lines.append(
                    f"{ind}    if type({k}) is not str or len({k}) > {key_cap} or (not {k}.isprintable() and _fc({k}) is not None): raise _F"
                )
            if identity:  # the values themselves, in a new table (as the hook builds one)
                checks = [line for line in self.value(item, x, y, ind + "    ", depth + 1) if line != f"{ind}    {y} = {x}"]
                return [*lines, *checks, f"{ind}{dst} = dict({src})"]
            lines += [*self.value(item, x, y, ind + "    ", depth + 1), f"{ind}    {acc}[{k}] = {y}", f"{ind}{dst} = {acc}"]
            return lines
        # A hook without a mark: called as the converter would call it.
        hook, tp = self.constant(spec[1], "h"), self.constant(spec[2], "t")
        return [f"{ind}{dst} = {hook}({src}, {tp})"]

    def function(self, cl: type, overrides: dict[str, Any]) -> str:
        """The name of the generated function of ``cl`` (written on first use)."""
        name = self.names.get(cl)
        if name is not None:
            return name
        name = self.names[cl] = f"s_{cl.__name__}_{self.counter}"
        self.counter += 1
        hints = typing.get_type_hints(cl)
        fields = attrs.fields(cl)
        if any(not a.init for a in fields):
            raise _Unsupported(cl)
        specs = []
        for a in fields:
            override = overrides.get(a.name)
            specs.append(self.spec_of_hook(override, hints[a.name]) if override is not None else self.spec_of_type(hints[a.name]))
        setters = self.setters(cl, fields, specs)
        keys = self.constant(frozenset(a.name for a in fields), "keys")
        lines = [f"def {name}(o):", f"    if type(o) is not dict or not {keys}.issuperset(o): raise _F"]
        lines.append(f"    obj = _new({self.constant(cl, 'cls')})" if setters else "    kw = {}")
        for n, (a, spec) in enumerate(zip(fields, specs, strict=True)):
            required = a.default is attrs.NOTHING
            ind = "    " if required else "        "
            store = f"{setters[n]}(obj, " if setters else f"kw[{a.alias!r}] = ("
            if required:
                lines.append(f"{ind}v = o[{a.name!r}]")
            else:
                lines += [f"    v = o.get({a.name!r}, _M)", "    if v is not _M:"]
            checks, var = self.value(spec, "v", "r", ind, 0), "r"
            if checks[-1] == f"{ind}r = v":  # an identity check: the value itself
                checks, var = checks[:-1], "v"
            lines += checks
            if setters and a.validator is not None and a.validator.invariant[0] == "id":
                lines.append(f"{ind}if not {var}: raise _F")  # the model's invariant: an id is not empty
            lines.append(f"{ind}{store}{var})")
            if setters and not required:  # the default, as attrs' __init__ would set it
                default = a.default
                if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                    lines += ["    else:", f"        {store}{self.constant(default.factory, 'f')}())"]
                else:
                    lines += ["    else:", f"        {store}{self.constant(default, 'd')})"]
        lines.append("    return obj" if setters else f"    return {self.constant(cl, 'cls')}(**kw)")
        self.sources.append("\n".join(lines))
        return name


def _covered(invariant: Any, spec: tuple) -> bool:
    """Whether the generated checks of ``spec`` imply the model's ``invariant`` (an id is also checked non-empty)."""
    if invariant is None:
        return False
    kind, allowed = invariant
    if kind.startswith("optional_"):  # a TOML document holds no None: the generated code gives up on one
        kind = kind[len("optional_"):]
        spec = spec[1] if spec[0] == "optional" else spec
    if kind == "id":
        return spec[0] == "text"
    if kind == "date":
        return spec[0] == "date"
    if kind == "literal":
        return spec[0] == "literal" and frozenset(spec[1]) <= allowed
    if kind == "tuple_literal":
        return spec[0] == "tuple" and spec[2][0] == "literal" and frozenset(spec[2][1]) <= allowed
    if kind == "dict_literal":
        return spec[0] == "dict" and spec[3][0] == "literal" and frozenset(spec[3][1]) <= allowed
    return False


class _GiveUp(Exception):
    """Raised by a generated function: this document is for the detailed path."""


_BUILT: dict[tuple[int, type], Callable[[Any], Any] | None] = {}


def fast_structurer(conv: cattrs.Converter, cls: type) -> Callable[[Any], Any] | None:
    """A function ``data → object or None``: the object the converter would give, or ``None`` when the detailed
    path must run (anything unexpected). ``None`` itself when ``cls``'s hooks are not all understood."""
    key = (id(conv), cls)
    if key in _BUILT:
        return _BUILT[key]
    writer = _Writer(conv)
    spec = writer.spec_of_type(cls)
    run: Callable[[Any], Any] | None = None
    if spec[0] == "attrs":
        try:
            root = writer.function(spec[1], spec[2])
        except _Unsupported:
            root = None
        if root is not None:
            exec(compile("\n\n".join(writer.sources), f"<cqpkit fast structure {cls.__name__}>", "exec"), writer.ns)
            generated = writer.ns[root]

            def run(data: Any) -> Any:
                try:
                    return generated(data)
                except Exception:  # _GiveUp, a missing key, a validator's error…: the detailed path says what
                    return None

    _BUILT[key] = run
    _keep.append(conv)  # the id stays this converter's: the key is never reused by another one
    return run


_keep: list[cattrs.Converter] = []
