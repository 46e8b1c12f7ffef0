"""The plugin manager: builtin plugins, entry points, environment switches.

:func:`make_plugin_manager` is the one factory. Load order is fixed: the builtin default
plugins first (in :data:`DEFAULT_PLUGINS` order), then the installed plugins of the
entry-point group ``cqpkit`` sorted by entry-point name, then ``check_pending()``.
pluggy calls hook implementations last-registered first, so an installed plugin answers
a ``firstresult`` hook before the builtin generic engine.

Environment switches (read at each call):

- ``CQPKIT_LOAD_PLUGINS``: comma-separated entry-point names; only these installed
  plugins are loaded (an empty value loads none). Builtin plugins load unless disabled by name.
- ``CQPKIT_DISABLE_PLUGINS``: comma-separated entry-point names not to load; a builtin plugin's
  name (``cqpkit.plugins.default_tutorat`` or ``default_tutorat``) blocks that builtin too.
  In either switch, a name that no installed plugin has (a typo, which would make the switch do
  nothing) is recorded as a failure of that name, with the close name if there is one.
- ``CQPKIT_TRACE_PLUGINS=1``: print every hook call and its result on stderr.

A plugin that fails to import is not fatal: it is recorded in
:attr:`PluginSet.failures` with its name and the reason, and the others load.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
import types
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

import pluggy

from cqpkit import hookspecs
from cqpkit.exceptions import os_reason

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

# pathlib and difflib are imported where a failure is described: not on every start (`cqpkit list`).

__all__ = [
    "DEFAULT_PLUGINS",
    "ENTRY_POINT_GROUP",
    "PluginFailure",
    "PluginSet",
    "PluginSource",
    "builtin_name",
    "make_plugin_manager",
    "plugin_raised",
]

ENTRY_POINT_GROUP = "cqpkit"

#: Builtin plugins, registered like any other (datasette's DEFAULT_PLUGINS): the référentiels of
#: ``CQPKIT_REFERENTIELS_PATH``, then the generic engine, one plugin per rule family, each blockable by
#: name (the full module name or its last part, ``default_tutorat``).
DEFAULT_PLUGINS: tuple[str, ...] = (
    "cqpkit.plugins.default_referentiels",
    "cqpkit.plugins.default_premier_passage",
    "cqpkit.plugins.default_regles",
    "cqpkit.plugins.default_evaluateurs",
    "cqpkit.plugins.default_tutorat",
    "cqpkit.plugins.default_vae",
    "cqpkit.plugins.default_conditions_passage",
    "cqpkit.plugins.default_formation",
    "cqpkit.plugins.default_vigueur",
    "cqpkit.plugins.default_decision",
    "cqpkit.plugins.default_orientation",
    "cqpkit.plugins.default_funding",
    "cqpkit.plugins.default_jury",
)


def builtin_name(name: str) -> str | None:
    """The builtin plugin ``name`` designates (its full module name, or the last part: ``default_tutorat``), else ``None``."""
    for modname in DEFAULT_PLUGINS:
        if name in (modname, modname.rpartition(".")[2]):
            return modname
    return None


class PluginFailure(NamedTuple):
    """A plugin that could not be loaded or used: its name and why, in French."""

    plugin: str
    raison: str


class PluginSource(NamedTuple):
    """Where a registered plugin comes from (for ``cqpkit plugins``)."""

    name: str
    module: str
    version: str
    distribution: str
    builtin: bool


class PluginSet(NamedTuple):
    """A loaded plugin manager with what it knows about each plugin."""

    pm: pluggy.PluginManager
    sources: dict[str, PluginSource]
    failures: list[PluginFailure]
    #: Each non-builtin plugin's ``CQPKIT_EXTENSION``: the attrs class of its ``[extensions.<name>]`` table, a
    #: ``"module:Classe"`` reference to it (imported when needed), or None.
    extensions: dict[str, type | str | None] | None = None


def _names(var: str) -> set[str] | None:
    value = os.environ.get(var)
    if value is None:
        return None
    return {n.strip() for n in value.split(",") if n.strip()}


def _entry_points(failures: list[PluginFailure]) -> Iterable[Any]:
    from cqpkit.plugins.entrypoints import entry_points

    seen: dict[str, Any] = {}
    for ep in sorted(entry_points(ENTRY_POINT_GROUP), key=lambda e: e.name):
        first = seen.get(ep.name)
        if first is not None:
            failures.append(
                PluginFailure(
                    ep.name,
                    f"nom d'extension utilisé deux fois : « {first.value} » ({first.dist_name}) et "
                    f"« {ep.value} » ({ep.dist_name}) ; seule la première est chargée",
                )
            )
            continue
        seen[ep.name] = ep
        yield ep


def exception_text(exc: BaseException) -> str:
    """``Type: message`` of an exception raised by plugin code, in French where Python's own text is English.

    An ``OSError`` raised by the system (with an ``errno`` and a file name) is said in
    French with the file; any other exception keeps the plugin's own message, escaped (a control
    character as ``\\n``, ``\\x1b``…: a plugin's text cannot forge lines or terminal sequences) and cut
    at :data:`_MESSAGE_MAX` characters.
    """
    name = type(exc).__name__
    if isinstance(exc, OSError) and exc.errno is not None and exc.filename is not None:
        what = os_reason(exc)
        return f"{name}: {what} : {_escaped(str(exc.filename))}"
    text = str(exc)
    return f"{name}: {_escaped(text)}" if text else name  # `raise KeyboardInterrupt`: no empty « : »


#: The longest exception message a report repeats (a plugin may raise with a whole file as its message).
_MESSAGE_MAX = 500


def _escaped(text: str) -> str:
    """``text`` with each non-printable character escaped as Python writes it, cut at :data:`_MESSAGE_MAX`."""
    if not text.isprintable():
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= _MESSAGE_MAX else text[: _MESSAGE_MAX - 1] + "…"


#: The opcodes of a ``raise`` statement: where the innermost frame of a KeyboardInterrupt a plugin raised stops.
_RAISE_OPS = frozenset({"RAISE_VARARGS", "RERAISE"})


def plugin_raised(exc: BaseException) -> bool:
    """Whether ``exc``, leaving a plugin's code, is that plugin's failure (reported) rather than something to let through.

    Every exception is, ``SystemExit`` included (a plugin does not end the command), except
    ``GeneratorExit`` (Python closing a generator) and a ``KeyboardInterrupt`` delivered by the
    user's Ctrl-C: that one still stops the command (« interrompu », exit 130). The two are told
    apart by where the innermost frame of the traceback stopped: a ``KeyboardInterrupt`` the code
    raised itself stops on a ``raise`` statement; one a signal delivers stops wherever Python
    checked for signals (a call, a loop's jump), never on a ``raise``.
    """
    if isinstance(exc, GeneratorExit):
        return False
    if isinstance(exc, KeyboardInterrupt):
        tb = exc.__traceback__
        if tb is None:
            return False
        while tb.tb_next is not None:
            tb = tb.tb_next
        import dis

        code = tb.tb_frame.f_code.co_code
        return 0 <= tb.tb_lasti < len(code) and dis.opname[code[tb.tb_lasti]] in _RAISE_OPS
    return True


def code_root(plugin: object, module: str | None = None) -> Path | None:
    """Where a plugin's code is: its top-level package directory, or its module file; ``None`` when unknown.

    ``plugin`` is the registered object (a module, a class instance…); ``module`` the
    entry point's value (``pkg.mod`` or ``pkg.mod:obj``) when there is one.
    """
    from pathlib import Path

    own = plugin.__name__ if isinstance(plugin, types.ModuleType) else getattr(plugin, "__module__", None)
    names = [own, module.partition(":")[0].strip() if module else None]
    for name in (n for n in names if isinstance(n, str) and n):
        top = sys.modules.get(name.partition(".")[0])
        path = getattr(top, "__file__", None) or getattr(sys.modules.get(name), "__file__", None)
        if path:
            path = Path(path).resolve()
            return path.parent if path.name == "__init__.py" else path
    return None


def _library_dirs() -> tuple[list[Path], list[Path], list[Path]]:
    """cqpkit's and pluggy's directories, the standard library's, and the site directories inside it."""
    import sysconfig
    from pathlib import Path

    import cqpkit

    paths = sysconfig.get_paths()
    ours = [Path(m.__file__).resolve().parent for m in (cqpkit, pluggy) if m.__file__]
    stdlib = [Path(paths[k]).resolve() for k in ("stdlib", "platstdlib") if paths.get(k)]
    sites = [Path(paths[k]).resolve() for k in ("purelib", "platlib") if paths.get(k)]
    return ours, stdlib, sites


def raised_at(exc: BaseException, root: Path | None) -> str:
    """``file:line`` where the plugin's code raised ``exc`` (the innermost such frame), or ``""`` when unknown.

    The plugin's code is what is under ``root`` (see :func:`code_root`), never cqpkit,
    pluggy or the standard library; when no frame is under ``root`` (or it is unknown),
    the innermost frame outside cqpkit, pluggy and the standard library. The file is
    written as Python names it (the function's ``co_filename``).
    """
    import traceback
    from pathlib import Path

    ours, stdlib, sites = _library_dirs()
    if root is not None:  # a builtin plugin's code is in cqpkit: not a library then
        ours = [d for d in ours if not root.is_relative_to(d)]

    def resolved(filename: str) -> Path | None:
        if filename.startswith("<"):  # <string>, <frozen …>: no file to open
            return None
        try:
            return Path(filename).resolve()
        except (OSError, RuntimeError):  # pragma: no cover - an unresolvable path
            return None

    def library(path: Path) -> bool:
        if any(path.is_relative_to(d) for d in ours):
            return True
        return any(path.is_relative_to(d) for d in stdlib) and not any(path.is_relative_to(d) for d in sites)

    frames = [(f, resolved(f.filename)) for f in traceback.extract_tb(exc.__traceback__)]
    candidates = [(f, p) for f, p in frames if p is not None and not library(p)]
    inside = [f for f, p in candidates if root is not None and p.is_relative_to(root)]
    chosen = inside or [f for f, _ in candidates]
    return f"{chosen[-1].filename}:{chosen[-1].lineno}" if chosen else ""


def where(obj: Any) -> str:
    """``file:line`` of a function (or method), for messages; empty when unknown."""
    func = getattr(obj, "__func__", obj)
    code = getattr(func, "__code__", None)
    if code is None:
        return ""
    return f"{code.co_filename}:{code.co_firstlineno}"


def _load_failure(ep: Any, exc: BaseException) -> str:
    """Why an entry point could not be imported, in French, with what to check."""
    head = f"échec du chargement de « {ep.value} »"
    target = ep.value.partition(":")[0].strip()
    if isinstance(exc, ModuleNotFoundError) and exc.name is not None:
        if target == exc.name or target.startswith(exc.name + "."):
            return (
                f"{head} : module « {exc.name} » introuvable : vérifiez le point d'entrée sous "
                "[project.entry-points.cqpkit] du pyproject.toml de l'extension et que sa distribution est installée "
                "(`pip install -e .`)"
            )
        return (
            f"{head} : module « {exc.name} » introuvable, importé par l'extension : installez-le, et ajoutez-le aux "
            "`dependencies` de son pyproject.toml"
        )
    if isinstance(exc, SyntaxError):
        return f"{head} : erreur de syntaxe : {exc.filename}:{exc.lineno}: {exc.msg}"
    return f"{head} : {exception_text(exc)}"


def _signature(func: Any) -> list[str]:
    try:
        return list(inspect.signature(func).parameters)
    except (TypeError, ValueError):  # a builtin or an odd callable
        return []


def _refusal(pm: pluggy.PluginManager, plugin: object, exc: Exception) -> str:
    """Why pluggy refused a plugin, in French: the hook, its file and line, and the signature to write.

    pluggy's own message (English) is kept only for the rare cases not recognised here
    (a wrapper that is not a generator…).
    """
    specs = {n: getattr(hookspecs, n) for n in dir(hookspecs) if n.startswith("cqpkit_")}
    for attr in dir(plugin):
        try:
            if pm.parse_hookimpl_opts(plugin, attr) is None:
                continue
            func = getattr(plugin, attr)
        except Exception:  # an attribute that cannot be read is not a hook
            continue
        spec = specs.get(attr)
        if spec is None:
            continue
        wanted = _signature(spec)
        extra = [a for a in _signature(func) if a not in wanted]
        if extra:
            names = ", ".join(f"« {a} »" for a in extra)
            return (
                f"enregistrement refusé : le hook {attr} ({where(func)}) déclare {names}, que cqpkit ne fournit pas : "
                f"sa signature est {attr}({', '.join(wanted)}) (un hook peut omettre des arguments, pas en renommer "
                "ni en ajouter)"
            )
    return f"enregistrement refusé : {exc}"


def _unknown_hook(pm: pluggy.PluginManager, plugin: object) -> str:
    """The hook implementations of ``plugin`` that match no hookspec (typos), in French with a suggestion."""
    specs = sorted(n for n in dir(hookspecs) if n.startswith("cqpkit_"))
    parts = []
    for attr in dir(plugin):
        try:
            if attr in specs or pm.parse_hookimpl_opts(plugin, attr) is None:
                continue
            func = getattr(plugin, attr)
        except Exception:  # an attribute that cannot be read is not a hook
            continue
        import difflib

        near = difflib.get_close_matches(attr, specs, n=1)
        hint = f" ; vouliez-vous dire « {near[0]} » ?" if near else ""
        place = where(func)
        parts.append(f"« {attr} »{f' ({place})' if place else ''} n'est pas un hook de cqpkit{hint}")
    if not parts:
        return "hook inconnu"
    return f"hook inconnu : {' ; '.join(parts)} (hooks : {', '.join(specs)})"


def _trace(pm: pluggy.PluginManager) -> None:
    def before(hook_name: str, hook_impls: list, kwargs: dict) -> None:
        names = ", ".join(i.plugin_name for i in hook_impls)
        print(f"[cqpkit] appel {hook_name}({', '.join(kwargs)}) → {names}", file=sys.stderr)

    def after(outcome: Any, hook_name: str, hook_impls: list, kwargs: dict) -> None:
        exc = outcome.exception
        result = f"exception {type(exc).__name__}: {exc}" if exc else repr(outcome.get_result())[:200]
        print(f"[cqpkit] retour {hook_name} : {result}", file=sys.stderr)

    pm.add_hookcall_monitoring(before, after)


def make_plugin_manager(*, extra: Iterable[tuple[str, object]] = ()) -> PluginSet:
    """Build the plugin manager: builtins, installed entry points, then ``extra`` (tests, API users).

    ``extra`` is a sequence of ``(name, plugin)`` pairs registered last, so an embedding
    application can add a plugin object without packaging it.
    """
    from cqpkit import __version__

    pm = pluggy.PluginManager("cqpkit")
    pm.add_hookspecs(hookspecs)
    sources: dict[str, PluginSource] = {}
    failures: list[PluginFailure] = []

    only = _names("CQPKIT_LOAD_PLUGINS")
    blocked = _names("CQPKIT_DISABLE_PLUGINS") or set()
    blocked_builtins = {b for b in map(builtin_name, blocked) if b is not None}
    for modname in DEFAULT_PLUGINS:
        if modname in blocked_builtins:
            pm.set_blocked(modname)
            continue
        pm.register(importlib.import_module(modname), name=modname)
        sources[modname] = PluginSource(modname, modname, __version__, "cqpkit", True)
    blocked = {b for b in blocked if builtin_name(b) is None}
    installed: list[str] = []
    for ep in _entry_points(failures):
        installed.append(ep.name)
        if (only is not None and ep.name not in only) or ep.name in blocked:
            continue
        version, dist_name = ep.dist_version, ep.dist_name
        try:
            plugin = ep.load()
        except BaseException as exc:  # any import failure of third-party code, SystemExit included
            if not plugin_raised(exc):
                raise
            failures.append(PluginFailure(ep.name, _load_failure(ep, exc)))
            continue
        try:
            pm.register(plugin, name=ep.name)
        except Exception as exc:  # e.g. a hook argument that is not in the hookspec (pluggy validation)
            failures.append(PluginFailure(ep.name, _refusal(pm, plugin, exc)))
            continue
        sources[ep.name] = PluginSource(ep.name, ep.value, version, dist_name, False)

    # A name in the switches that no installed plugin has (a typo): said, or the switch would silently do nothing.
    for var, names in (("CQPKIT_LOAD_PLUGINS", only or set()), ("CQPKIT_DISABLE_PLUGINS", blocked)):
        for name in sorted(names - set(installed)):
            # CQPKIT_DISABLE_PLUGINS also names builtins: a misspelt family is matched against them too.
            shorts = [m.rpartition(".")[2] for m in DEFAULT_PLUGINS] if var == "CQPKIT_DISABLE_PLUGINS" else []
            import difflib

            near = difflib.get_close_matches(name, installed + shorts, n=1)
            hint = f" ; vouliez-vous dire « {near[0]} » ?" if near else ""
            failures.append(
                PluginFailure(name, f"nommée dans {var} mais aucune extension installée ne porte ce nom (installées : {', '.join(installed) or 'aucune'}){hint}")
            )

    for name, plugin in extra:
        try:
            pm.register(plugin, name=name)
        except pluggy.PluginValidationError as exc:  # same check as for an installed plugin
            failures.append(PluginFailure(name, _refusal(pm, plugin, exc)))
            continue
        sources[name] = PluginSource(name, getattr(plugin, "__name__", type(plugin).__name__), "", "", False)

    # A hook implementation whose name matches no hookspec (a typo) is refused by
    # check_pending(); that plugin is set aside by name and the check runs again.
    while True:
        try:
            pm.check_pending()
            break
        except pluggy.PluginValidationError as exc:
            plugin = getattr(exc, "plugin", None)
            pname = pm.get_name(plugin) if plugin is not None else None
            if pname is None:
                raise
            failures.append(PluginFailure(pname, _unknown_hook(pm, plugin)))
            pm.unregister(plugin)
            sources.pop(pname, None)

    if os.environ.get("CQPKIT_TRACE_PLUGINS"):
        _trace(pm)
    extensions = _extension_classes(pm, sources, failures)
    return PluginSet(pm, sources, failures, extensions)


def _extension_classes(
    pm: pluggy.PluginManager, sources: dict[str, PluginSource], failures: list[PluginFailure]
) -> dict[str, type | str | None]:
    """Each plugin's ``CQPKIT_EXTENSION`` (an attrs class, a ``"module:Classe"`` reference, or None), made known to
    the format layer.

    A reference is not imported here (the plugin manager is built on every start, ``cqpkit list`` included: the
    class and what it imports, the model and cattrs, are loaded only when a table is validated); its module is
    only looked for, so that a misspelt one is reported by ``cqpkit list`` under the plugin's name.
    """
    from cqpkit.formats.extensions import is_attrs_class, reference_problem, set_extension_classes

    out: dict[str, type | str | None] = {}
    for name, source in sources.items():
        if source.builtin:
            continue
        declared = getattr(pm.get_plugin(name), "CQPKIT_EXTENSION", None)
        if isinstance(declared, str):
            problem = reference_problem(declared)
            if problem is not None:
                failures.append(PluginFailure(name, f"CQPKIT_EXTENSION = « {declared} » : {problem} ; ignoré"))
                declared = None
        elif declared is not None and not is_attrs_class(declared):
            failures.append(
                PluginFailure(name, f"CQPKIT_EXTENSION doit être une classe attrs, pas {type(declared).__name__} ; ignoré")
            )
            declared = None
        out[name] = declared
    set_extension_classes(out)
    return out
