"""Scenario files and their runner: `cqpkit test`, the pytest plugin, clear errors for typos."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, run_cli

SCENARIOS = ROOT / "tests" / "scenarios"
GOOD = (SCENARIOS / "vae-certification-complete.toml").read_text(encoding="utf-8")


def line_of(text: str, line: str) -> int:
    """The 1-based number of the line ``line`` in ``text``."""
    return text.splitlines().index(line) + 1


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
        assert result.stdout.splitlines()[-1] == f"{n} scénarios réussis, 0 en échec"
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
        assert result.stdout.splitlines()[-1] == "0 scénario réussi, 1 en échec"

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


class TestFindingsByLevel:
    """`erreurs` and `avertissements` in `[attendu]`: the findings compared level by level."""

    SOURCE = ROOT / "plugins" / "mutualite" / "cqpkit_mutualite" / "scenarios" / "sp-passage-evaluation-finale-defavorable.toml"
    LINE = 'constats = ["passage_evaluation_finale", "decision_contraire"]'

    def test_levels_as_found(self, tmp_path):
        """Two warnings and no error (the Mutualité scenario): stated by level, the scenario passes."""
        text = self.SOURCE.read_text(encoding="utf-8")
        assert self.LINE in text
        text = text.replace(self.LINE, self.LINE + '\nerreurs = []\navertissements = ["decision_contraire", "passage_evaluation_finale"]')
        result = run_cli("test", str(write(tmp_path, "niveaux.toml", text)))
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.splitlines()[-1] == "1 scénario réussi, 0 en échec"

    def test_wrong_level_is_a_difference(self, tmp_path):
        """A warning expected as an error: `constats` alone cannot see it, `erreurs` / `avertissements` do."""
        text = self.SOURCE.read_text(encoding="utf-8").replace(
            self.LINE, self.LINE + '\nerreurs = ["decision_contraire"]\navertissements = ["passage_evaluation_finale"]'
        )
        result = run_cli("test", str(write(tmp_path, "niveau-faux.toml", text)))
        assert result.returncode == 1
        assert "erreurs : manquant(s) : decision_contraire (obtenu : aucun)" in result.stdout
        assert (
            "avertissements : en trop : decision_contraire (obtenu : decision_contraire, passage_evaluation_finale)" in result.stdout
        )
        assert "constats :" not in result.stdout  # the codes themselves are right


class TestErrorsAtOnce:
    """Every error of a scenario file at once, each with its line and key path."""

    def test_attendu_and_inline_dossier_errors_together(self, tmp_path):
        """A typo in [attendu] and one in the inline dossier are both reported in one run."""
        text = GOOD.replace('statut = "certifie"', 'status = "certifie"').replace("[[passages]]", "[[passage]]")
        path = write(tmp_path, "deux.toml", text)
        status, passage = line_of(text, 'status = "certifie"'), line_of(text, "[[passage]]")
        result = run_cli("test", str(path))
        assert result.returncode == 1
        assert f"{path} : 2 erreurs" in result.stderr
        assert f"{path}:{status}: attendu.status: clé inconnue" in result.stderr
        assert f"{path}:{passage}: passage: clé inconnue (vouliez-vous dire « passages » ?)" in result.stderr

    def test_unknown_statut_and_domaine(self, tmp_path):
        """A statut the engine never returns and a domaine the référentiel lacks are errors, not silent differences."""
        text = GOOD.replace('statut = "certifie"', 'statut = "certifé"').replace('acquis = ["D1", "D2", "D3", "D4", "D5"]', 'acquis = ["D1", "D9"]')
        path = write(tmp_path, "valeurs.toml", text)
        statut, acquis = line_of(text, 'statut = "certifé"'), line_of(text, 'acquis = ["D1", "D9"]')
        result = run_cli("test", str(path))
        assert result.returncode == 1
        assert (
            f"{path}:{statut}: attendu.statut: statut inconnu « certifé » "
            "(statuts possibles : en_cours, non_acquis, expire, partiel, certifie)"
        ) in result.stderr
        assert (
            f"{path}:{acquis}: attendu.acquis[1]: domaine « D9 » inconnu "
            "(domaines de mutualite.specialiste-prestations 2014 : D1, D2, D3, D4, D5)"
        ) in result.stderr

    def test_referenced_files_missing_at_their_key(self, tmp_path):
        """A dossier, session or historique file that does not exist is named at the line of its key."""
        text = (
            '[scenario]  # un commentaire après l\'en-tête\ndescription = "Fichiers absents"\ndate = 2014-07-01\n'
            'dossier = "absent.toml"\nsession = "jury.toml"\nhistorique = ["ancien.toml"]\n\n[attendu]\nstatut = "certifie"\n'
        )
        path = write(tmp_path, "absents.toml", text)
        result = run_cli("test", str(path.parent))
        assert result.returncode == 1
        folder = path.parent
        assert f"{path}:4: scenario.dossier: fichier introuvable : « absent.toml » (chemin relatif au fichier du scénario : {folder / 'absent.toml'})" in result.stderr
        assert f"{path}:5: scenario.session: fichier introuvable : « jury.toml »" in result.stderr
        assert f"{path}:6: scenario.historique[0]: fichier introuvable : « ancien.toml »" in result.stderr

    def test_misspelt_scenario_header_is_not_skipped(self, tmp_path):
        """A scenario whose [scenario] header is misspelt is reported when its directory is run, not silently left out."""
        path = write(tmp_path, "entete.toml", GOOD.replace("[scenario]", "[scenarios]"))
        result = run_cli("test", str(path.parent))
        assert result.returncode == 1
        assert f"{path}:1: scenario: clé obligatoire manquante" in result.stderr
        assert result.stdout.splitlines()[-1] == "0 scénario réussi, 1 en échec"


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
