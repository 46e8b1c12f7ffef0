"""Packaging: the wheel holds the three import packages, their TOML files and the entry points."""

from __future__ import annotations

import zipfile

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def wheel(wheel_path):
    """The wheel built once for the run (tests/conftest.py), opened."""
    return zipfile.ZipFile(wheel_path)


@pytest.mark.slow
class TestWheel:
    """A built wheel is installable as documented in DESIGN.md."""

    def test_packages_and_no_stray_top_level(self, wheel):
        """Only cqpkit, cqpkit_cqp_mo and cqpkit_mutualite are importable top-level names."""
        tops = {n.split("/")[0] for n in wheel.namelist() if not n.split("/")[0].endswith(".dist-info")}
        assert tops == {"cqpkit", "cqpkit_cqp_mo", "cqpkit_mutualite"}

    def test_referentiels_ship(self, wheel):
        """Every bundled référentiel TOML file is inside the wheel."""
        names = set(wheel.namelist())
        bundled = sorted((ROOT / "plugins").glob("*/cqpkit_*/referentiels/*.toml"))
        assert bundled
        for path in bundled:
            rel = path.relative_to(path.parents[2]).as_posix()
            assert rel in names, rel

    def test_entry_points(self, wheel):
        """The console script and the two plugin entry points are declared."""
        (ep,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
        text = wheel.read(ep).decode()
        assert "[console_scripts]\ncqpkit = cqpkit.cli:main" in text
        assert "[cqpkit]\ncqp_mo = cqpkit_cqp_mo\nmutualite = cqpkit_mutualite" in text

    def test_plugin_template_ships(self, wheel):
        """The template of `cqpkit new-plugin` is inside the package, so the command works from a wheel."""
        names = set(wheel.namelist())
        assert "cqpkit/_template/pyproject.toml" in names
