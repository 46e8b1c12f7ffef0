"""The in-process ``run_cli`` answers as ``python -m cqpkit`` does, and one call leaks nothing into the next."""

from __future__ import annotations

import os
import sys

import pytest

from tests.conftest import run_cli


@pytest.mark.parametrize(
    "args",
    [
        ("list", "--json"),
        ("show", "mutualite.inconnu"),  # an error: exit 1, French message on stderr
        ("show", "x.y", "--debug"),  # an exception leaving main: the traceback on stderr, exit 1
        ("list", "--inconnu"),  # a usage error: SystemExit(2) from argparse
        ("--help",),  # SystemExit(0), help 80 columns wide as in a pipe
    ],
)
def test_same_as_the_process(args):
    """Exit code, stdout and the first line of stderr are those of the real process."""
    inside, process = run_cli(*args), run_cli(*args, subprocess=True)
    assert inside.returncode == process.returncode
    assert inside.stdout == process.stdout
    assert inside.stderr.splitlines()[:1] == process.stderr.splitlines()[:1]
    assert ("Traceback" in inside.stderr) == ("Traceback" in process.stderr)


def test_env_cwd_and_streams_are_restored(tmp_path):
    """The call's environment, directory and standard streams are gone after it."""
    before = (dict(os.environ), os.getcwd(), sys.stdin, sys.stdout, sys.stderr, list(sys.path))
    run_cli("list", env={"CQPKIT_REFERENTIELS_PATH": str(tmp_path), "PYTHONPATH": str(tmp_path)}, cwd=tmp_path)
    assert (dict(os.environ), os.getcwd(), sys.stdin, sys.stdout, sys.stderr, list(sys.path)) == before


def test_environment_switch_does_not_leak():
    """A plugin switched off for one call is back for the next."""
    off = run_cli("list", "--json", env={"CQPKIT_DISABLE_PLUGINS": "mutualite"})
    on = run_cli("list", "--json")
    assert '"plugin": "mutualite"' not in off.stdout
    assert '"plugin": "mutualite"' in on.stdout
