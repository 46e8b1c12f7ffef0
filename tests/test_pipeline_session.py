"""``cqpkit check --session S DIR`` streams (issue 16, point 3): a dossier found in a directory is checked and printed as
it is read, and kept for the session's checks only when one of its passages names the session; a dossier file named on
the command line is presented to the session (docs/engine.md, « check --session »)."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.test_pipeline import AS_OF, BIG, CAMPAIGN, PER_FILE, ROOT, SMALL, _peak, two_directories

SESSION = ROOT / "examples" / "session-oemm-jury-2014-01.toml"  # OEMM-JURY-2014-01, 20/01/2014, Spécialiste prestations
FORMATION = ROOT / "examples" / "dossier-specialiste-prestations-formation.toml"  # presented to it (a passage names it)
I410 = CAMPAIGN / "i410-2018-0101.toml"  # Manager opérationnel: a certification the session does not cover


def _session_findings(*args: str) -> tuple[int, list[tuple[str, str, str]]]:
    result = run_cli("check", *args, "--session", str(SESSION), "--as-of", "2014-07-01", "--json")
    assert "Traceback" not in result.stderr
    data = json.loads(result.stdout)
    return result.returncode, [(c["code"], c["niveau"], c["valeurs"].get("dossier", "")) for c in data["session"]["constats"]]


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    """The campaign's dossiers (none presented to the session; some of a certification it does not cover) and, in a
    sub-directory, the dossier presented to it, its passage dated a day after the session (a warning about it)."""
    root = tmp_path / "campagne"
    shutil.copytree(CAMPAIGN, root)
    (root / "sub").mkdir()
    text = FORMATION.read_text(encoding="utf-8")
    moved = text.replace('session = "OEMM-JURY-2014-01"\ndate = 2014-01-20', 'session = "OEMM-JURY-2014-01"\ndate = 2014-01-21')
    assert moved != text
    (root / "sub" / "presente.toml").write_text(moved, encoding="utf-8")
    return root


class TestPresented:
    """Which dossiers the session is checked against."""

    def test_directory_only_the_dossiers_whose_passages_name_the_session(self, campaign):
        """In a directory, the session is checked against the one dossier with a passage at it: its late passage is a
        warning; the campaign's other dossiers (their certification uncovered, or no passage there) say nothing."""
        code, found = _session_findings(str(campaign))
        assert ("jury_passage", "avertissement", "OEMM-2013-0042") in found
        assert [f for f in found if f[2]] == [("jury_passage", "avertissement", "OEMM-2013-0042")]
        assert code == 0  # no jury_certification error for the I410 dossiers, which are not presented

    def test_files_named_are_presented(self, campaign):
        """Files named one by one are the candidates the user presents: one of an uncovered certification is an
        error, one without a passage there an information, as before directories streamed."""
        code, found = _session_findings(str(I410), str(campaign / "sub" / "presente.toml"), str(CAMPAIGN / "oemm-2019-0302.toml"))
        by_dossier = {(c, n, d) for c, n, d in found if d}
        assert ("jury_certification", "erreur", "I410-2018-0101") in by_dossier
        assert ("jury_passage", "information", "OEMM-2019-0302") in by_dossier
        assert ("jury_passage", "avertissement", "OEMM-2013-0042") in by_dossier
        assert code == 1

    def test_dossiers_printed_as_before(self, campaign):
        """Every dossier of the directory is still checked and printed (with --verbose), in the walk's order, whether
        presented or not; the session's findings come after them."""
        with_session = run_cli("check", str(campaign), "--session", str(SESSION), "--as-of", AS_OF, "--verbose")
        without = run_cli("check", str(campaign), "--as-of", AS_OF, "--verbose")
        lines, plain = with_session.stdout.splitlines(), without.stdout.splitlines()
        assert lines[: len(plain) - 1] == plain[:-1]
        assert lines[len(plain) - 1].startswith(f"Session {SESSION} — ") and lines[-1] == plain[-1]

    def test_session_file_errors_after_the_dossiers(self, campaign, tmp_path):
        """A broken session file: the dossiers are checked and printed, then its errors, « non vérifiée », exit 1."""
        bad = tmp_path / "session.toml"
        bad.write_text('[session]\nid = "S"\n', encoding="utf-8")
        result = run_cli("check", str(campaign), "--session", str(bad), "--as-of", AS_OF, "--json")
        data = json.loads(result.stdout)
        assert result.returncode == 1 and data["dossiers"] and data["session"]["constats"] == []
        assert {Path(e["fichier"]).name for e in data["erreurs"]} == {"session.toml"}


class TestSessionHookFailure:
    """A plugin failing on the session, once the dossiers are written."""

    def test_json_stays_whole_with_the_finding(self, tmp_path):
        """The session gets the finding extension_en_echec, stderr names the plugin and the hook, the JSON is whole, exit 1."""
        from tests.test_plugin_failures import DOSSIER, LOAD, PACKAGE, expose

        site = tmp_path / "site"
        site.mkdir()
        expose(site, entry="defaillant", module="cqpkit_defaillant", dist="cqpkit-defaillant", version="0.1.0", package=PACKAGE)
        own = tmp_path / "defaillant-0001.toml"
        own.write_text(DOSSIER, encoding="utf-8")
        session = tmp_path / "session.toml"
        session.write_text(
            '[session]\nid = "DF-JURY-2024-11"\ndate = 2024-11-18\ncertifications = ["defaillant.agent-fictif"]\npresident = "J-01"\n\n'
            '[[membres]]\nid = "J-01"\ncollege = "employeurs"\n\n[[membres]]\nid = "J-02"\ncollege = "salaries"\n',
            encoding="utf-8",
        )
        env = {"PYTHONPATH": str(site), "CQPKIT_LOAD_PLUGINS": LOAD, "CQPKIT_DEFAILLANT_ECHEC": "cqpkit_check_session:ValueError"}
        result = run_cli("check", str(own), "--session", str(session), "--as-of", AS_OF, "--json", env=env)
        data = json.loads(result.stdout)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert [d["dossier"] for d in data["dossiers"]] and "cqpkit_check_session" in result.stderr
        [found] = data["session"]["constats"]
        assert (found["code"], found["valeurs"]["extension"], found["valeurs"]["crochet"]) == (
            "extension_en_echec", "defaillant", "cqpkit_check_session"
        )


@pytest.fixture(scope="module")
def two_sizes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Generated dossiers (none presented to the session), 200 and 2 000 (test_pipeline's), plus the one dossier presented to it."""
    small, big = two_directories(tmp_path_factory)
    for d in (small, big):
        shutil.copy(FORMATION, d / "presente.toml")
    return small, big


def _check_session(directory: Path) -> object:
    """``cqpkit check DIR --session S`` in this process, its output written to /dev/null (a captured output would grow)."""
    from cqpkit.cli import main

    saved = sys.stdout, sys.stderr
    with open(os.devnull, "w", encoding="utf-8") as null:
        sys.stdout = sys.stderr = null
        try:
            code = main(["check", str(directory), "--session", str(SESSION), "--as-of", AS_OF, "--quiet"])
        finally:
            sys.stdout, sys.stderr = saved
    assert code == 1  # the generated dossiers have errors
    return code


class TestBoundedMemory:
    def test_memory_does_not_grow_with_the_dossiers_not_presented(self, two_sizes):
        """Ten times the files, about the same peak: the dossiers not presented to the session are not kept (all kept,
        the peak would grow by some 9 MB)."""
        small, big = two_sizes
        _check_session(small)  # warm: référentiels read and cached, modules imported
        peak_small = _peak(lambda: _check_session(small))
        peak_big = _peak(lambda: _check_session(big))
        assert peak_big - peak_small < PER_FILE * (BIG - SMALL), (peak_small, peak_big)
