"""The shape of the front end (core/cqpkit/cli/, render/, testing/): one module per group of commands,
no module reaching into another's private helpers, the rules layer never importing the front end."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parent.parent / "core" / "cqpkit"


def _imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) of every ``from cqpkit… import name`` in the file, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("cqpkit")
        for alias in node.names
    ]


class TestCli:
    """`cqpkit.cli` is a package whose modules share only public names."""

    @pytest.mark.parametrize("path", sorted((CORE / "cli").glob("*.py")), ids=lambda p: p.name)
    def test_no_private_import(self, path):
        """No command module imports a `_name` of another cqpkit module."""
        private = [f"{m}.{n}" for m, n in _imports(path) if n.startswith("_") and not n.startswith("__")]
        assert private == []

    def test_entry_point_names(self):
        """The console script's target and the parser builder stay where they were (`cqpkit.cli:main`)."""
        from cqpkit.cli import COMMANDS, build_parser, main

        assert callable(main) and callable(build_parser)
        assert {"check", "decide", "funding", "plan", "explain", "db", "jury", "test"} <= set(COMMANDS)

    @pytest.mark.parametrize("command", ["check", "decide", "funding", "plan", "explain"])
    def test_dossier_commands_share_the_runner(self, command):
        """Each of the five dossier commands goes through `run_dossiers`."""
        source = (CORE / "cli" / "dossiers.py").read_text(encoding="utf-8")
        body = source.split(f"def cmd_{command}(", 1)[1].split("\ndef ", 1)[0]
        assert "return run_dossiers(args, compute, as_json, as_text)" in body


class TestLayers:
    """The rules layer formats with `cqpkit.rules.fr`; only the front ends use `cqpkit.render`."""

    @pytest.mark.parametrize("path", sorted((CORE / "rules").glob("*.py")), ids=lambda p: p.name)
    def test_rules_do_not_import_render(self, path):
        """No rules module imports `cqpkit.render` or `cqpkit.cli`."""
        bad = [m for m, _ in _imports(path) if m.startswith(("cqpkit.render", "cqpkit.cli"))]
        assert bad == []

    def test_old_paths_still_import(self):
        """`cqpkit.scenarios` and `cqpkit.labels` stay as re-exports of the moved modules."""
        from cqpkit import labels, scenarios
        from cqpkit.render import labels as new_labels
        from cqpkit.testing import scenarios as new_scenarios

        assert scenarios.run_scenario is new_scenarios.run_scenario
        assert labels.unites_domaines is new_labels.unites_domaines
