"""What the conformance suite needs to know about a plugin: :class:`PluginFixtures` and :class:`Capability`.

A plugin author subclasses the suite and sets three class attributes; each pytest
fixture below reads one of them, and a required one left unset raises
:class:`NotImplementedError` with a sentence saying what to provide (fsspec's abstract
fixtures work the same way). Overriding a fixture method instead of an attribute works
too, for anything computed.

The plugin is tested alone: the registry of the suite loads the builtin plugins and this
plugin only (``CQPKIT_LOAD_PLUGINS`` set to its entry-point name while the registry
loads; ``CQPKIT_DISABLE_PLUGINS`` and ``CQPKIT_REFERENTIELS_PATH`` ignored), without the
validation cache, so that neither another installed plugin nor a stale cache changes
the verdict.
"""

from __future__ import annotations

import enum
import os
import sys
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pytest

if TYPE_CHECKING:  # pragma: no cover
    from cqpkit.model import Referentiel
    from cqpkit.plugins.manager import PluginFailure, PluginSet, PluginSource
    from cqpkit.plugins.registry import Registry

__all__ = ["ALL", "Capability", "FixtureNotSet", "PluginFixtures", "PluginUnderTest"]

#: Key of :attr:`PluginFixtures.capabilities` (mapping form) for what applies to every certification.
ALL = "*"


class FixtureNotSet(NotImplementedError, pytest.fail.Exception):  # type: ignore[misc]
    """A fixture of the suite is not set, or set wrong: a :class:`NotImplementedError` with a sentence saying what to write.

    It is also pytest's "fail" outcome without traceback (``pytrace=False``), so that pytest
    shows the sentence alone on each test, not a Python traceback into cqpkit's code.
    """

    def __init__(self, message: str) -> None:
        pytest.fail.Exception.__init__(self, message, pytrace=False)

    def __str__(self) -> str:
        return f"NotImplementedError: {self.msg}"


class Capability(enum.StrEnum):
    """What a plugin declares not applicable. A declared capability is checked too: it must be true.

    A test that a capability makes irrelevant is skipped with the capability as its reason,
    never passed silently; and the suite fails when a declared capability is not true
    (a VAE route in a référentiel that declares ``NO_VAE``), so that a declaration never
    hides a later change.
    """

    #: The certification has no VAE route (no voie ``vae``, no voie with an ``experience`` condition).
    NO_VAE = "no_vae"
    #: The certification has no funding or reward line (no ``[financement]``, the funding hook adds none).
    NO_FUNDING = "no_funding"
    #: The référentiel is incomplete (``complet = false``): domaines that no épreuve evaluates are
    #: accepted when they (or the référentiel) are marked incomplete.
    INCOMPLETE = "incomplete"
    #: The plugin ships no scenario file (for the whole plugin, whatever the certification).
    NO_SCENARIOS = "no_scenarios"


class PluginUnderTest:
    """The plugin the suite tests, loaded alone beside the builtin plugins, with what it declares."""

    def __init__(
        self,
        name: str,
        plugin_set: PluginSet,
        registry: Registry,
        declared: tuple[str, ...],
        capabilities: Mapping[str, frozenset[Capability]],
    ) -> None:
        self.name = name
        self.plugin_set = plugin_set
        self.registry = registry
        self.declared = declared
        self._capabilities = capabilities
        #: What the plugin passed to ``register()`` (paths or ``Referentiel``), asked again, alone.
        self.contributions: list[object] = []
        #: The exception ``cqpkit_referentiels`` raised when asked alone, if any.
        self.contribution_error: BaseException | None = None
        if self.source is not None:
            self._collect()

    # -- what the plugin is -------------------------------------------------------------------
    @property
    def source(self) -> PluginSource | None:
        """Where the plugin comes from (entry point, distribution, version); ``None`` if not loaded."""
        return self.plugin_set.sources.get(self.name)

    @property
    def plugin(self) -> object | None:
        """The plugin object (usually its module) as registered."""
        return self.plugin_set.pm.get_plugin(self.name)

    @property
    def failures(self) -> list[PluginFailure]:
        """What went wrong for this plugin while loading (import, registration, référentiels)."""
        return [f for f in self.registry.failures if f.plugin == self.name]

    def hooks(self) -> list[str]:
        """The hooks the plugin implements."""
        return self.registry.hooks_of(self.name)

    def hook(self, name: str) -> Any:
        """A caller of hook ``name`` that calls this plugin's implementation only (not the builtin engine)."""
        pm = self.plugin_set.pm
        others = [p for n, p in pm.list_name_plugin() if n != self.name]
        return pm.subset_hook_caller(name, remove_plugins=others)

    def _collect(self) -> None:
        try:
            self.hook("cqpkit_referentiels")(register=self.contributions.append)
        except Exception as exc:  # third-party code: reported by a test
            self.contribution_error = exc

    # -- its référentiels -----------------------------------------------------------------------
    def files(self) -> list[str]:
        """The référentiel files the plugin registers (valid or not; a directory registered gives its ``*.toml``)."""
        from cqpkit.plugins.registry import expand

        found = (x for c in self.contributions for x in expand(c))
        return [os.fspath(c) for c in found if isinstance(c, (str, os.PathLike))]

    def referentiels(self) -> list[tuple[Referentiel, str | None]]:
        """Each valid référentiel the plugin supplies, with its file (``None`` when built in Python)."""
        out = []
        for r in self.registry.fiches():
            if r.plugin == self.name:
                out.append((self.registry.referentiel(r.id, version=r.version), r.fichier))
        return out

    def certifications(self) -> list[str]:
        """The certification ids the plugin supplies (valid référentiels only), sorted."""
        return sorted({r.id for r in self.registry.fiches() if r.plugin == self.name})

    # -- what it declares -----------------------------------------------------------------------
    def capabilities(self, certification: str = ALL) -> frozenset[Capability]:
        """The capabilities declared for a certification (those declared for all included)."""
        return self._capabilities.get(ALL, frozenset()) | self._capabilities.get(certification, frozenset())

    def declares(self, capability: Capability, certification: str = ALL) -> bool:
        """Whether ``capability`` is declared for ``certification`` (or for the whole plugin)."""
        return capability in self.capabilities(certification)

    def raised_at(self, exc: BaseException) -> str:
        """`` (levée à FICHIER:LIGNE)``: where the plugin's code raised ``exc``, or ``""`` when unknown.

        It is the innermost frame in the plugin's code (its package), else the innermost one
        outside cqpkit, pluggy and the standard library: the line a plugin author opens,
        since the suite shows no traceback (:func:`cqpkit.plugins.manager.raised_at`). The
        registry's :class:`~cqpkit.exceptions.PluginError` for a hook that raised already says
        it in its message (it has a ``lieu``): ``""`` then; for another ``PluginError``, the
        place is taken from its cause.
        """
        from cqpkit.exceptions import PluginError
        from cqpkit.plugins.manager import code_root, raised_at

        if isinstance(exc, PluginError) and hasattr(exc, "lieu"):
            return ""
        if isinstance(exc, PluginError) and exc.__cause__ is not None:
            exc = exc.__cause__
        obj = self.plugin
        root = code_root(obj, self.source.module if self.source is not None else None) if obj is not None else None
        lieu = raised_at(exc, root)
        return f" (levée à {lieu})" if lieu else ""

    def unmarked_hooks(self) -> list[str]:
        """The functions of the plugin named like a hook but without the ``@hookimpl`` marker (never called), with their place."""
        from cqpkit import hookspecs
        from cqpkit.plugins.manager import where

        obj = self.plugin
        if obj is None:
            return []
        pm = self.plugin_set.pm
        out = []
        for name in sorted(n for n in dir(hookspecs) if n.startswith("cqpkit_")):
            func = getattr(obj, name, None)
            if callable(func) and pm.parse_hookimpl_opts(obj, name) is None:
                place = where(func)
                out.append(f"{name}{f' ({place})' if place else ''}")
        return out

    def module_dir(self) -> Path | None:
        """The directory of the plugin's module (the package directory for a package's module)."""
        obj = self.plugin
        path = getattr(obj, "__file__", None)
        if path is None and self.source is not None:
            module = sys.modules.get(self.source.module.partition(":")[0].strip())
            path = getattr(module, "__file__", None)
        return Path(path).resolve().parent if path else None


@contextmanager
def _only(name: str) -> Iterator[None]:
    """The environment of a registry that loads the builtin plugins and the installed plugin ``name`` only."""
    keys = ("CQPKIT_LOAD_PLUGINS", "CQPKIT_DISABLE_PLUGINS", "CQPKIT_REFERENTIELS_PATH")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ["CQPKIT_LOAD_PLUGINS"] = name
    os.environ.pop("CQPKIT_DISABLE_PLUGINS", None)
    os.environ.pop("CQPKIT_REFERENTIELS_PATH", None)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def load_plugin(
    name: str,
    declared: Collection[str] = (),
    capabilities: Mapping[str, frozenset[Capability]] | None = None,
    *,
    plugin: object | None = None,
) -> PluginUnderTest:
    """Load the builtin plugins and the installed plugin ``name`` alone (see the module docstring).

    With ``plugin``, that object is registered under ``name`` instead, and no installed
    plugin is loaded: a plugin can be tested before it is packaged.
    """
    from cqpkit.plugins.manager import make_plugin_manager
    from cqpkit.plugins.registry import Registry

    with _only("" if plugin is not None else name):
        plugin_set = make_plugin_manager(extra=[(name, plugin)] if plugin is not None else ())
        registry = Registry(plugin_set, cache=False)
    # The suite's property tests feed the engines generated dossiers (hypothesis strategies, passages added
    # with attrs.evolve) that only a file's cross-checks would refuse (a domaine decided without a final
    # evaluation, two passages the same day): the engines must still answer on them, so they are not
    # validated as files here. The scenario files and the dossiers read from files are validated when read.
    registry.validate_dossiers = False
    return PluginUnderTest(name, plugin_set, registry, tuple(sorted(set(declared))), capabilities or {})


def _capability(value: object) -> Capability:
    try:
        return Capability(value)
    except ValueError:
        known = ", ".join(f"Capability.{c.name}" for c in Capability)
        near = _near_capability(value)
        hint = f"vouliez-vous dire Capability.{near.name} (« {near.value} ») ? " if near is not None else ""
        raise FixtureNotSet(
            f"capacité inconnue {value!r} dans `capabilities` : {hint}{'L' if hint else 'l'}es capacités possibles sont {known}."
        ) from None


def _near_capability(value: object) -> Capability | None:
    """The capability a misspelt one was meant to be (``"no-vae"``, ``"NO_VEA"``, ``"Capability.NO_VAE"``), if one is close."""
    import difflib

    if not isinstance(value, str):
        return None
    text = value.strip().lower().removeprefix("capability.")
    names = {c.value: c for c in Capability}
    if text.replace("-", "_").replace(" ", "_") in names:
        return names[text.replace("-", "_").replace(" ", "_")]
    found = difflib.get_close_matches(text, list(names), n=1)
    return names[found[0]] if found else None


class PluginFixtures:
    """The fixtures the conformance suite uses: subclass it (through the suite) and set the attributes.

    Required:

    - :attr:`plugin`: the plugin's entry-point name (the key under
      ``[project.entry-points.cqpkit]`` of its ``pyproject.toml``);
    - :attr:`certifications`: the certification ids it supplies.

    Optional: :attr:`capabilities`, :attr:`scenarios`, :attr:`max_examples`.
    """

    #: The entry-point name of the plugin under test (required).
    plugin: ClassVar[str | None] = None
    #: The certification ids the plugin supplies (required): the suite checks it supplies exactly these.
    certifications: ClassVar[Collection[str] | None] = None
    #: What is not applicable: a collection of :class:`Capability` for every certification, or a
    #: mapping certification id (or :data:`ALL`) → collection.
    capabilities: ClassVar[Collection[Capability | str] | Mapping[str, Collection[Capability | str]]] = ()
    #: More scenario files or directories, beside those found by default (the ``scenarios`` directory
    #: of the plugin's package and the one next to the test module); in these, only the scenarios of
    #: the plugin's certifications are run.
    scenarios: ClassVar[Collection[str | os.PathLike[str]]] = ()
    #: Generated dossiers per property of the engine (hypothesis ``max_examples``).
    max_examples: ClassVar[int] = 25

    @pytest.fixture(scope="class")
    @classmethod
    def plugin_name(cls) -> str:
        """The entry-point name of the plugin under test."""
        if not cls.plugin:
            raise FixtureNotSet(
                "Donnez le nom de l'extension à tester : `plugin = \"<nom>\"` dans la classe de test, le nom de son "
                "point d'entrée sous [project.entry-points.cqpkit] dans pyproject.toml."
            )
        return cls.plugin

    @pytest.fixture(scope="class")
    @classmethod
    def declared_certifications(cls) -> tuple[str, ...]:
        """The certification ids the plugin declares it supplies."""
        if cls.certifications is None or isinstance(cls.certifications, str):
            raise FixtureNotSet(
                "Donnez la liste des certifications que fournit l'extension : "
                "`certifications = (\"<branche>.<slug>\", …)` dans la classe de test (les `id` de [certification] "
                "de ses référentiels)."
            )
        return tuple(sorted(set(cls.certifications)))

    @pytest.fixture(scope="class")
    @classmethod
    def declared_capabilities(cls, declared_certifications: tuple[str, ...]) -> dict[str, frozenset[Capability]]:
        """The declared capabilities, per certification id (:data:`ALL` for every one)."""
        value = cls.capabilities
        if isinstance(value, str):
            raise FixtureNotSet("`capabilities` est une collection de Capability (ou un dictionnaire), pas un texte.")
        if isinstance(value, Mapping):
            out = {}
            for key, caps in value.items():
                if key != ALL and key not in declared_certifications:
                    raise FixtureNotSet(
                        f"`capabilities` nomme « {key} », qui n'est pas dans `certifications` "
                        f"({', '.join(declared_certifications)}) : corrigez l'identifiant, ou utilisez \"{ALL}\" pour toutes."
                    )
                out[key] = frozenset(_capability(c) for c in caps)
            return out
        return {ALL: frozenset(_capability(c) for c in value)}

    @pytest.fixture(scope="class")
    @classmethod
    def plugin_under_test(
        self,
        plugin_name: str,
        declared_certifications: tuple[str, ...],
        declared_capabilities: dict[str, frozenset[Capability]],
    ) -> PluginUnderTest:
        """The plugin loaded alone beside the builtin plugins (fails when it is not installed)."""
        put = load_plugin(plugin_name, declared_certifications, declared_capabilities)
        if put.source is None:
            from cqpkit.plugins.entrypoints import entry_points
            from cqpkit.plugins.manager import ENTRY_POINT_GROUP

            found = sorted({ep.name for ep in entry_points(ENTRY_POINT_GROUP)})
            if plugin_name in found:  # installed but failed to load: the failure is reported by the tests
                return put
            pytest.fail(
                f"extension « {plugin_name} » introuvable : aucun point d'entrée « {plugin_name} » dans le groupe "
                f"« {ENTRY_POINT_GROUP} » des distributions installées (trouvés : {', '.join(found) or 'aucun'}). "
                "Installez la distribution de l'extension (`pip install -e .` dans son répertoire) et vérifiez "
                "[project.entry-points.cqpkit] dans son pyproject.toml.",
                pytrace=False,
            )
        return put

    @pytest.fixture(scope="class")
    @classmethod
    def scenario_files(cls, request: pytest.FixtureRequest, plugin_under_test: PluginUnderTest) -> list[str]:
        """The plugin's scenario files: the default directories, then :attr:`scenarios` (filtered)."""
        from cqpkit.scenarios import find_scenarios

        roots: list[Path] = []
        package = plugin_under_test.module_dir()
        if package is not None:
            roots.append(package / "scenarios")
        roots.append(Path(request.path).resolve().parent / "scenarios")
        found: list[str] = []
        for root in dict.fromkeys(roots):
            if root.is_dir():
                found += [p for p in find_scenarios(root) if p not in found]
        mine = set(plugin_under_test.declared) | set(plugin_under_test.certifications())
        here = Path(request.path).resolve().parent
        for given in cls.scenarios:
            extra = here / given  # a relative path is relative to the test module; an absolute one stays
            if not extra.exists():
                raise FixtureNotSet(
                    f"`scenarios` nomme « {os.fspath(given)} », qui n'existe pas ({extra}) : corrigez le chemin (un chemin "
                    "relatif part du répertoire du module de test)."
                )
            for path in find_scenarios(extra):
                if path not in found and scenario_certification(path) in mine:
                    found.append(path)
        return found


def scenario_certification(path: str) -> str | None:
    """The certification id of a scenario's dossier (inline or by path), read from the TOML; ``None`` if unreadable."""
    from cqpkit.exceptions import CqpkitError
    from cqpkit.formats.tomlfile import parse_toml, read_text

    try:  # through cqpkit's one reader: a FIFO or a device named *.toml is refused, never waited on
        data = parse_toml(read_text(path), path).data
        if "dossier" not in data and isinstance(data.get("scenario"), dict) and isinstance(data["scenario"].get("dossier"), str):
            other = os.path.join(os.path.dirname(path), data["scenario"]["dossier"])
            data = parse_toml(read_text(other), other).data
        value = data["dossier"]["certification"]
    except (CqpkitError, KeyError, TypeError):
        return None
    return value if isinstance(value, str) else None
