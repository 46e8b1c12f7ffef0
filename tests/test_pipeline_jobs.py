"""``decide``, ``check``, ``funding`` with ``--jobs N`` (issue 16, point 3): the dossiers computed by worker processes,
the output byte for byte that of the same command without workers (stdout, stderr, exit code), in the same order.

The commands run as processes (``python -m cqpkit``): the workers are forked, which a test process running
other threads should not do to itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.test_pipeline import CAMPAIGN, _generated
from tests.test_plugin_failures import KINDS, cqpkit, files, site  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2022-01-01"


@pytest.fixture(scope="module")
def lot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """More files than one chunk per worker: the campaign, generated dossiers, an invalid file, an unreadable one, a scenario."""
    root = tmp_path_factory.mktemp("lot") / "lot"
    shutil.copytree(CAMPAIGN, root)
    _generated(root / "sub", 150)
    (root / "sub" / "dossier-00077-invalide.toml").write_text('[dossier]\nid = "X"\ncertification = 3\n', encoding="utf-8")
    (root / "sub" / "dossier-00099-utf16.toml").write_bytes("[dossier]\n".encode("utf-16"))
    shutil.copy(ROOT / "tests" / "scenarios" / "premier-jury-3-ans-jour.toml", root / "sub" / "dossier-00120-scenario.toml")
    return root


def _both(*args: str) -> tuple:
    serial = run_cli(*args, subprocess=True)
    workers = run_cli(*args, "--jobs", "2", subprocess=True)
    return serial, workers


@pytest.mark.parametrize("command", ["decide", "check", "funding"])
@pytest.mark.parametrize("form", [[], ["--json"], ["--verbose"]])
def test_same_output_as_without_workers(lot: Path, command: str, form: list[str]) -> None:
    """Every line (results, errors of the bad files, the scenario's note on stderr, the summary) and the exit code."""
    serial, workers = _both(command, str(lot), "--as-of", AS_OF, "--quiet", *form)
    assert serial.returncode == 2  # the unreadable file
    assert "UTF-16" in serial.stderr and "certification" in serial.stderr and "scénario" in serial.stderr
    assert (workers.returncode, workers.stdout, workers.stderr) == (serial.returncode, serial.stdout, serial.stderr)
    if form == ["--verbose"] or (command == "check" and not form):
        assert "BENCH-0000149" in serial.stdout  # the per-dossier lines are compared, not only the summary


def test_one_per_core_and_a_single_file(lot: Path) -> None:
    """``-j 0``: one worker per core; one file: the same output."""
    one = str(lot / "sub" / "dossier-00003.toml")
    for args in (["decide", str(lot), "--as-of", AS_OF, "--json"], ["check", one, "--as-of", AS_OF]):
        serial = run_cli(*args, subprocess=True)
        workers = run_cli(*args, "-j", "0", subprocess=True)
        assert (workers.returncode, workers.stdout, workers.stderr) == (serial.returncode, serial.stdout, serial.stderr)
        assert serial.stdout


@pytest.mark.parametrize("value", ["x", "-1", "1000"])
def test_jobs_usage_error(value: str) -> None:
    proc = run_cli("decide", str(CAMPAIGN), "--jobs", value)
    assert proc.returncode == 2 and "un nombre de processus de 0 (un par cœur) à 256 est attendu" in proc.stderr


@pytest.mark.parametrize("kind", ["ValueError", "SystemExit"])
@pytest.mark.parametrize(("command", "hook"), [("decide", "cqpkit_decide"), ("check", "cqpkit_check_dossier"), ("funding", "cqpkit_funding")])
def test_a_plugin_failing_in_a_worker(site: Path, files: list[str], command: str, hook: str, kind: str) -> None:  # noqa: F811
    """A plugin failing on one dossier in a worker: the same lines, « non évalué » or the finding, exit 1."""
    assert kind in KINDS
    for form in ([], ["--json"]):
        args = [command, *files, "--as-of", AS_OF, *form]
        serial = cqpkit(site, *args, fail=f"{hook}:{kind}", subprocess=True)
        workers = cqpkit(site, *args, "-j", "2", fail=f"{hook}:{kind}", subprocess=True)
        assert serial.returncode == 1 and "« defaillant »" in serial.stderr, serial.stderr
        assert (workers.returncode, workers.stdout, workers.stderr) == (serial.returncode, serial.stdout, serial.stderr)
