"""The ``Registry`` facade: what the rest of cqpkit (CLI, services, applications) calls.

``cqpkit.load_registry()`` builds the plugin manager, asks every plugin for its
référentiels (``cqpkit_referentiels``) and validates each contribution. Problems never
stop the others: a plugin that fails to import, raises, or sends an invalid référentiel
is listed in :attr:`Registry.failures` by name with the reason (French, with every error
of the file), and the remaining certifications load. Two contributions with the same
certification id and version are an error naming both plugins; that version is then
unavailable until one of them is removed.

Référentiel files are validated at load time (through :mod:`cqpkit.plugins.cache`, so
an unchanged file is not re-validated) and fully loaded into the model on first use.

The dossier hooks (``cqpkit_check_dossier``, ``cqpkit_check_session``, ``cqpkit_plan_parcours``,
``cqpkit_decide``, ``cqpkit_funding``) reach only the plugin that supplied the référentiel, plus
the builtin plugins (pluggy's ``subset_hook_caller``, one caller per hook and plugin, cached): a
plugin never sees another plugin's certification, so it needs no « is this mine? » guard. A
référentiel of ``CQPKIT_REFERENTIELS_PATH`` (the builtin ``default_referentiels``) is served by the
builtins only. A plugin's ``CQPKIT_BLOCKS`` (names of builtin plugins) removes those builtins from
the calls for its own référentiels.

(The class is assembled from two sibling modules, one per part: :mod:`cqpkit.plugins.registry_entries`, the
référentiels and the queries on them, and :mod:`cqpkit.plugins.registry_engines`, the engine calls; every
public name is importable from here. The state they share — the validated entries, the loaded référentiels, the
routed hook callers — is set here, in ``Registry.__init__``; the checks of hook answers are in
:mod:`cqpkit.plugins.hookcalls`.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from cqpkit.plugins.hookcalls import HookFailure, HookReturnError
from cqpkit.plugins.manager import PluginFailure, PluginSet, make_plugin_manager
from cqpkit.plugins.registry_engines import BUILTIN_CHECK_CODES, Bilan, Explication, RegistryEngines
from cqpkit.plugins.registry_entries import FicheReferentiel, _Entry, expand

if TYPE_CHECKING:  # pragma: no cover
    from cqpkit.model import Referentiel

__all__ = ["BUILTIN_CHECK_CODES", "Bilan", "Explication", "FicheReferentiel", "HookFailure", "HookReturnError", "Registry", "expand", "load_registry"]


class Registry(RegistryEngines):
    """The certifications the installed plugins supply, and (later) the engines applied to dossiers."""

    #: Whether the engines validate a dossier built in Python as a file before answering (:meth:`_valid`).
    #: On by default; the conformance suite turns it off for its generated dossiers (cqpkit.testing.fixtures).
    validate_dossiers: bool = True

    def __init__(self, plugins: PluginSet, *, cache: bool = True) -> None:
        self._plugins = plugins
        self.failures: list[PluginFailure] = list(plugins.failures)
        self._entries: list[_Entry] = []
        self._duplicates: dict[tuple[str, str], list[str]] = {}
        self._memo: dict[tuple[str, str], tuple[Referentiel, str]] = {}
        self._callers: dict[tuple[str, str], Any] = {}
        self._code_callers: dict[tuple[str, frozenset[str], bool], Any] = {}
        self._blocks = self._read_blocks()
        self._collect(cache)


def load_registry(*, plugins: Iterable[tuple[str, object]] = (), cache: bool = True) -> Registry:
    """Load the registry: builtin plugins, installed plugins (entry points), then ``plugins``.

    ``plugins`` lets an embedding application add plugin objects without packaging them,
    as ``(name, plugin)`` pairs. ``cache=False`` re-validates every référentiel file.
    """
    return Registry(make_plugin_manager(extra=plugins), cache=cache)


def __getattr__(name: str) -> Any:
    # Old name kept importable for one release (deprecated): ``Resume`` read as the English « resume ».
    if name != "Resume":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import warnings

    warnings.warn("cqpkit.plugins.registry.Resume is deprecated; use FicheReferentiel", DeprecationWarning, stacklevel=2)
    return FicheReferentiel
