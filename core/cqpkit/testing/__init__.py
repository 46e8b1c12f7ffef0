"""The conformance suite for cqpkit plugins (SQLAlchemy's dialect suite, fsspec's abstract tests).

A plugin's test module is a few lines::

    from cqpkit.testing import Capability, ConformanceSuite

    class TestConformite(ConformanceSuite):
        plugin = "ma_branche"                    # the entry-point name
        certifications = ("ma-branche.agent",)    # what it supplies
        capabilities = (Capability.NO_VAE,)       # what is not applicable (optional)

and ``pytest`` runs every check on the installed plugin: its référentiels validate,
round-trip, cite a source for every dated value without gap or overlap, reference
existing échelles and domaines, have usable rule parameters and reachable domaines; the
engine is deterministic and monotonic, funding is non-negative and within caps, and no
hook raises on generated valid dossiers; its scenario files all pass.

Public names:

- :class:`ConformanceSuite`: every test, with the fixtures;
- the mixins :class:`PluginTests`, :class:`ReferentielTests`, :class:`EngineTests`,
  :class:`ScenarioTests`, to combine with :class:`PluginFixtures` for a part of the suite;
- :class:`PluginFixtures`: the fixtures (``plugin``, ``certifications``, ``capabilities``,
  ``scenarios``, ``max_examples``);
- :class:`Capability`: what a plugin may declare not applicable;
- :class:`FixtureNotSet`: the ``NotImplementedError`` a fixture left unset raises (shown
  by pytest as its sentence alone, without traceback);
- :mod:`cqpkit.testing.checks` (the référentiel checks as functions) and
  :mod:`cqpkit.testing.strategies` (hypothesis strategies for référentiels, dossiers,
  sessions).

The engine properties need hypothesis (``pip install hypothesis``). The guide is
``docs/writing-a-plugin.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from cqpkit.testing.fixtures import ALL, Capability, FixtureNotSet, PluginFixtures, PluginUnderTest, load_plugin
    from cqpkit.testing.suite import ConformanceSuite, EngineTests, PluginTests, ReferentielTests, ScenarioTests

# Imported when first asked for: this package also holds the pytest plugin (cqpkit.testing.pytest_plugin),
# which every pytest run of an environment with cqpkit installed imports, suite or not.
_FROM = {
    **dict.fromkeys(("ALL", "Capability", "FixtureNotSet", "PluginFixtures", "PluginUnderTest", "load_plugin"), "fixtures"),
    **dict.fromkeys(("ConformanceSuite", "EngineTests", "PluginTests", "ReferentielTests", "ScenarioTests"), "suite"),
}


def __getattr__(name: str) -> Any:
    if name in _FROM:
        import importlib

        return getattr(importlib.import_module(f"cqpkit.testing.{_FROM[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "ALL",
    "Capability",
    "ConformanceSuite",
    "EngineTests",
    "FixtureNotSet",
    "PluginFixtures",
    "PluginTests",
    "PluginUnderTest",
    "ReferentielTests",
    "ScenarioTests",
    "load_plugin",
]
