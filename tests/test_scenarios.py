"""Scenario files and their runner: `cqpkit test`, the pytest plugin, clear errors for typos."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, run_cli

SCENARIOS = ROOT / "tests" / "scenarios"
GOOD = (SCENARIOS / "vae-certification-complete.toml").read_text(encoding="utf-8")


def write(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


class TestCqpkitTest:
    """`cqpkit test` runs scenario files and says what differs, in French."""

    def test_engine_scenarios_pass(self):
        """The engine's own scenarios all pass, and the closing line counts them."""
        result = run_cli("test", str(SCENARIOS))
        assert result.returncode == 0, result.stdout + result.stderr
        n = len([p for p in SCENARIOS.glob("*.toml")])
        assert result.stdout.splitlines()[-1] == f"{n} passed, 0 failed"
        assert n >= 12

    def test_wrong_expectation_fails_with_differences(self, tmp_path):
        """A scenario expecting the wrong status and amount fails with both differences and exit code 1."""
        text = GOOD.replace('statut = "certifie"', 'statut = "partiel"').replace("montant = 958.80", "montant = 900")
        path = write(tmp_path, "faux.toml", text)
        result = run_cli("test", str(path))
        assert result.returncode == 1
        assert f"ÉCHEC  {path} — VAE : les cinq domaines acquis au premier jury" in result.stdout
        assert "statut : attendu « partiel », obtenu « certifie »" in result.stdout
        assert "financement : attendu gratification = 900.00 ; obtenu gratification = 958.80" in result.stdout
        assert result.stdout.splitlines()[-1] == "0 passed, 1 failed"

    def test_typo_in_a_key_is_a_clear_error(self, tmp_path):
        """A misspelt key of [attendu] is reported with file, line and path, no traceback."""
        text = GOOD.replace('statut = "certifie"', 'status = "certifie"')
        path = write(tmp_path, "typo.toml", text)
        line = text.splitlines().index('status = "certifie"') + 1
        result = run_cli("test", str(path))
        assert result.returncode == 1
        assert f"{path}:{line}: attendu.status: clé inconnue (vouliez-vous dire « statut » ?)" in result.stderr
        assert "Traceback" not in result.stderr

    def test_missing_date_and_dossier(self, tmp_path):
        """A scenario without its date is refused before anything runs."""
        path = write(tmp_path, "vide.toml", '[scenario]\ndescription = "rien"\n\n[attendu]\n')
        result = run_cli("test", str(path))
        assert result.returncode == 1
        assert f"{path}:1: scenario.date: clé obligatoire manquante" in result.stderr

    def test_dossier_by_path(self, tmp_path):
        """`scenario.dossier` names a dossier file relative to the scenario."""
        example = ROOT / "examples" / "dossier-specialiste-prestations-formation.toml"
        text = (
            '[scenario]\ndescription = "Exemple de formation"\ndate = 2014-07-01\n'
            f'dossier = "{example}"\n\n[attendu]\nstatut = "certifie"\ndate_certification = 2014-06-30\n'
        )
        result = run_cli("test", str(write(tmp_path, "parchemin.toml", text)))
        assert result.returncode == 0, result.stdout + result.stderr


class TestPytestPlugin:
    """The pytest11 plugin collects scenarios/**/*.toml and reports failures in French."""

    def test_collect_and_report(self, tmp_path):
        """One passing and one failing scenario give one pass and one French failure."""
        write(tmp_path, "bon.toml", GOOD)
        write(tmp_path, "mauvais.toml", GOOD.replace('statut = "certifie"', 'statut = "expire"'))
        (tmp_path / "scenarios" / "pas-un-scenario.toml").write_text("[autre]\nx = 1\n", encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert "1 failed, 1 passed" in result.stdout, result.stdout
        assert "statut : attendu « expire », obtenu « certifie »" in result.stdout
