"""The README's test command is the one CI runs (``.ci/run``), and it runs the tests in parallel (issue « a fast suite »)."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import ROOT

#: The line that sets up the project and runs every test.
SETUP = "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && "


def _commands(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith(SETUP)]


def test_readme_and_ci_run_the_same_command() -> None:
    """One command in the README's test section, the same one, character for character, at the end of .ci/run."""
    readme = _commands((ROOT / "README.md").read_text(encoding="utf-8"))
    ci = _commands((ROOT / ".ci" / "run").read_text(encoding="utf-8"))
    assert len(readme) == 1 and readme == ci, (readme, ci)


def test_the_command_runs_in_parallel_with_xdist_from_the_test_extra() -> None:
    """``-n auto`` needs pytest-xdist: it is in the ``[test]`` extra the same command installs."""
    (command,) = _commands((ROOT / "README.md").read_text(encoding="utf-8"))
    assert re.search(r"pytest -q -n auto --dist loadfile$", command), command
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]["test"]
    assert any(req.startswith("pytest-xdist") for req in extra), extra


def test_the_slow_files_exist() -> None:
    """``SLOW_FILES`` (tests/conftest.py) names test files that exist, once each: a renamed file would lose its early start."""
    from tests.conftest import SLOW_FILES

    assert len(set(SLOW_FILES)) == len(SLOW_FILES), SLOW_FILES
    missing = [name for name in SLOW_FILES if not (ROOT / name).is_file()]
    assert not missing, missing
