"""What the user documentation promises about the CLI, checked where an audit of the docs found it broken."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import BUNDLED, ROOT, run_cli

SCENARIOS = ROOT / "tests" / "scenarios"
ONE_SCENARIO = SCENARIOS / "premier-jury-3-ans-jour.toml"
CAMPAIGN_DOSSIERS = ROOT / "examples" / "campaign" / "dossiers"


class TestScenarioPaths:
    """``cqpkit test PATH…`` (docs/scenarios.md): a path that does not exist is an unreadable input, never skipped."""

    def test_missing_path_is_exit_2_and_named(self, tmp_path: Path) -> None:
        """A misspelt path beside a good scenario: the good one runs, the missing one is an ERREUR, exit 2."""
        missing = tmp_path / "scenarioz"
        result = run_cli("test", str(ONE_SCENARIO), str(missing))
        assert result.returncode == 2, result.stdout + result.stderr
        assert f"ok     {ONE_SCENARIO}" in result.stdout
        assert result.stdout.splitlines()[-1] == "1 scénario réussi, 1 en échec"
        assert f"ERREUR {missing}" in result.stderr
        assert f"{missing} : fichier ou répertoire introuvable" in result.stderr
        assert "Traceback" not in result.stderr

    def test_only_missing_paths_is_not_nothing_found(self, tmp_path: Path) -> None:
        """Every path missing: the user is told which, not « Aucun scénario trouvé »."""
        result = run_cli("test", str(tmp_path / "absent.toml"))
        assert result.returncode == 2
        assert "Aucun scénario trouvé" not in result.stdout
        assert f"{tmp_path / 'absent.toml'} : fichier ou répertoire introuvable" in result.stderr


class TestScenarioJson:
    """``cqpkit test --json`` (docs/json-output.md): every key of a scenario entry is always present."""

    KEYS = frozenset({"fichier", "reussi", "description", "differences", "erreur"})

    def test_keys_of_a_run_and_of_an_invalid_file(self, tmp_path: Path) -> None:
        """A scenario that ran has ``erreur`` null; an invalid one has ``description`` null and its errors."""
        bad = tmp_path / "scenarios" / "faute.toml"
        bad.parent.mkdir()
        bad.write_text('[scenario]\ndescription = "x"\n\n[attendu]\nstatut = "certifé"\n', encoding="utf-8")
        result = run_cli("test", "--json", str(ONE_SCENARIO), str(bad))
        assert result.returncode == 1, result.stderr
        data = json.loads(result.stdout)
        ran, invalid = data["scenarios"]
        assert set(ran) == self.KEYS and set(invalid) == self.KEYS
        assert ran["reussi"] is True and ran["erreur"] is None and ran["description"]
        assert invalid["reussi"] is False and invalid["description"] is None
        assert "scenario.date: clé obligatoire manquante" in invalid["erreur"]
        assert (data["reussis"], data["echoues"]) == (1, 1)

    def test_missing_path_in_json(self, tmp_path: Path) -> None:
        """A missing path is an entry like an unreadable file, with the French reason."""
        result = run_cli("test", "--json", str(tmp_path / "nulle-part"))
        assert result.returncode == 2
        (entry,) = json.loads(result.stdout)["scenarios"]
        assert set(entry) == self.KEYS
        assert entry["erreur"] == f"{tmp_path / 'nulle-part'} : fichier ou répertoire introuvable"


class TestDecideSummary:
    """The closing line of ``cqpkit decide`` agrees in number: « 6 certifiés », « 3 validations partielles »."""

    def test_plural_statuts(self) -> None:
        """The example campaign as of 30/06/2020 (examples/campaign/README.md)."""
        files = sorted(str(p) for p in CAMPAIGN_DOSSIERS.glob("*.toml"))
        result = run_cli("decide", "--as-of", "2020-06-30", *files)
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[-1] == (
            "23 dossiers au 30/06/2020 (--as-of) : 6 certifiés, 13 en cours, 1 aucun domaine acquis, 3 validations partielles"
        )

    def test_singular_unchanged(self) -> None:
        """One dossier of each: the singular forms stay."""
        result = run_cli("decide", "--as-of", "2014-07-01", str(ROOT / "examples" / "dossier-specialiste-prestations-formation.toml"))
        assert result.stdout.splitlines()[-1] == "1 dossier au 01/07/2014 (--as-of) : 1 certifié"


class TestStoreHelp:
    """Each positional argument of the store commands says, in French, which identifier it wants."""

    @pytest.mark.parametrize(
        ("command", "expected"),
        [
            (["jury", "add"], "identifiant de la session"),
            (["jury", "decide"], "identifiant du dossier présenté à la session"),
            (["jury", "close"], "identifiant de la session à clore"),
            (["jury", "show"], "identifiant de la session"),
            (["dossier", "show"], "identifiant du dossier"),
            (["dossier", "history"], "identifiant du dossier"),
            (["candidate", "export"], "identifiant du candidat (ex. C-0207), pas du dossier"),
            (["candidate", "erase"], "identifiant du candidat (ex. C-0207), pas du dossier"),
            (["personne", "show"], "identifiant de la personne (acteurs.personne, ex. T-0042)"),
        ],
    )
    def test_positional_help(self, command: list[str], expected: str) -> None:
        """``--help`` explains the identifier (it was a bare metavar)."""
        result = run_cli(*command, "--help", env={"COLUMNS": "200"})
        assert result.returncode == 0
        assert expected in result.stdout


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example campaign imported into a fresh SQLite file (module-wide: the autouse env is not set yet)."""
    db = tmp_path_factory.mktemp("echeances") / "campagne.db"
    result = run_cli("import", "--db", str(db), str(ROOT / "examples" / "campaign"), env={"CQPKIT_LOAD_PLUGINS": BUNDLED})
    assert result.returncode == 0, result.stderr
    return db


class TestDeadlinesHeading:
    """The heading of ``report deadlines`` says the window as it is computed (docs/store.md), in correct French."""

    @pytest.mark.parametrize(
        ("within", "as_of", "heading", "passed"),
        [
            ("0", "2020-09-20", "Échéances au 20/09/2020 (--as-of) : celles du jour même", "Passées (0)"),
            ("1", "2020-09-21", "Échéances au 21/09/2020 (--as-of) : celles du jour et de demain, et celles d'hier", "Passées (4)"),
            (
                "180",
                "2020-06-30",
                "Échéances au 30/06/2020 (--as-of) : dans les 180 jours à venir, et passées depuis 180 jours au plus",
                "Passées (1)",
            ),
        ],
    )
    def test_heading(self, base: Path, within: str, as_of: str, heading: str, passed: str) -> None:
        """No « dans les 0 jours », and a deadline exactly ``within`` days ago counts as passed (« au plus »)."""
        result = run_cli("report", "deadlines", "--db", str(base), "--within", within, "--as-of", as_of)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0] == heading
        assert passed in lines
