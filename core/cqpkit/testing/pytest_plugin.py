"""pytest plugin (entry point ``pytest11``): runs scenario files as tests.

Any ``*.toml`` file with a ``[scenario]`` table inside a directory named ``scenarios``
is collected as one test item. A failing scenario is reported in French with every
difference between what was expected and what the engines returned; an invalid
scenario file shows its errors with file, line and key path, never a traceback.

This module is imported by every pytest run of an environment where cqpkit is
installed, so it imports nothing heavy until a scenario is actually collected.
"""

from __future__ import annotations

from typing import Any

import pytest

_REGISTRY = pytest.StashKey[Any]()


class ScenarioFailed(Exception):
    """The engines did not return what the scenario expects."""


def pytest_collect_file(file_path: Any, parent: Any) -> Any:
    if file_path.suffix != ".toml" or "scenarios" not in file_path.parts:
        return None
    from cqpkit.testing.scenarios import is_scenario_file

    if is_scenario_file(str(file_path)):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


def _registry(config: Any) -> Any:
    registry = config.stash.get(_REGISTRY, None)
    if registry is None:
        from cqpkit.plugins.registry import load_registry

        registry = config.stash[_REGISTRY] = load_registry()
    return registry


class ScenarioFile(pytest.File):
    """A scenario file: one item."""

    def collect(self) -> Any:
        yield ScenarioItem.from_parent(self, name=self.path.stem)


class ScenarioItem(pytest.Item):
    """One scenario, run against the installed plugins."""

    def runtest(self) -> None:
        from cqpkit.testing.scenarios import load_scenario, run_scenario

        registry = _registry(self.config)
        outcome = run_scenario(load_scenario(self.path, registry), registry)
        if not outcome.ok:
            raise ScenarioFailed("\n".join([f"scénario « {outcome.description} » :", *(f"  {d}" for d in outcome.differences)]))

    def repr_failure(self, excinfo: Any, style: Any = None) -> Any:
        from cqpkit.exceptions import CqpkitError

        if isinstance(excinfo.value, (ScenarioFailed, CqpkitError)):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> Any:
        return self.path, None, f"scénario {self.path.name}"
