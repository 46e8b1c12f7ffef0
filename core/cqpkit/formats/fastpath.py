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

_IDENTITY = frozenset({"text", "int", "date", "bool", "literal"})


class _Unsupported(Exception):
    """A class the generator cannot write a function for (a renamed key, a field outside ``__init__``)."""


class _Writer:
    """Writes the source of one function per attrs class reachable from the root class."""

    def __init__(self, conv: cattrs.Converter) -> None:
        self.conv = conv
        self.ns: dict[str, Any] = {"_date": dt.date, "_fc": forbidden_character, "_F": _GiveUp}
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
            return [f"{ind}if {src} is None: raise _F", *self.value(spec[1], src, dst, ind, depth)]
        if kind == "attrs":
            return [f"{ind}{dst} = {self.function(spec[1], spec[2])}({src})"]
        if kind == "tuple":
            _, cap, item = spec
            x, y, acc = f"x{depth}", f"y{depth}", f"acc{depth}"
            lines = [f"{ind}if type({src}) is not list{'' if cap is None else f' or len({src}) > {cap}'}: raise _F"]
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
        keys = self.constant(frozenset(a.name for a in fields), "keys")
        lines = [f"def {name}(o):", f"    if type(o) is not dict or not {keys}.issuperset(o): raise _F", "    kw = {}"]
        for a in fields:
            override = overrides.get(a.name)
            spec = self.spec_of_hook(override, hints[a.name]) if override is not None else self.spec_of_type(hints[a.name])
            required = a.default is attrs.NOTHING
            ind = "    " if required else "        "
            if not required:
                lines.append(f"    if {a.name!r} in o:")
            lines += [f"{ind}v = o[{a.name!r}]", *self.value(spec, "v", "r", ind, 0), f"{ind}kw[{a.alias!r}] = r"]
            if lines[-2] == f"{ind}r = v":  # an identity check: the value itself
                lines[-2:] = [f"{ind}kw[{a.alias!r}] = v"]
        lines.append(f"    return {self.constant(cl, 'cls')}(**kw)")
        self.sources.append("\n".join(lines))
        return name


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
