"""The fast entry-point scanner finds what importlib.metadata finds."""

from __future__ import annotations

import importlib.metadata as md

import pytest

from cqpkit.plugins.entrypoints import EntryPoint, entry_points


def _reference(group: str) -> list[tuple[str, str, str]]:
    seen = set()
    out = []
    for dist in md.distributions():
        key = md.Prepared.normalize(dist.metadata["Name"])
        if key in seen:
            continue
        seen.add(key)
        out += [(ep.name, ep.value, dist.version) for ep in dist.entry_points if ep.group == group]
    return sorted(out)


class TestAgainstImportlibMetadata:
    """Same names, values and versions as the standard library, for several groups."""

    @pytest.mark.parametrize("group", ["cqpkit", "console_scripts", "pytest11"])
    def test_same_entry_points(self, group):
        """Every entry point of the group is found with the same value and distribution version."""
        ours = sorted((e.name, e.value, e.dist_version) for e in entry_points(group))
        assert ours == _reference(group)

    def test_bundled_plugins_found(self):
        """The two bundled plugins are entry points of the cqpkit distribution."""
        found = {e.name: e for e in entry_points("cqpkit")}
        assert found["cqp_mo"].value == "cqpkit_cqp_mo"
        assert found["mutualite"].dist_name == "cqpkit"


class TestLoad:
    """Loading an entry point imports its module and walks its attributes."""

    def test_module_and_attribute(self):
        """`module:attr.attr` resolves like importlib.metadata does."""
        ep = EntryPoint("x", "cqpkit.plugins.entrypoints:EntryPoint.load", "g", "d", "1")
        assert ep.load() is EntryPoint.load

    def test_module_only(self):
        """A bare module name loads the module."""
        import cqpkit.plugins.entrypoints as mod

        assert EntryPoint("x", "cqpkit.plugins.entrypoints", "g", "d", "1").load() is mod
