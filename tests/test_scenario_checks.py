"""What `validate` and `test` say of a scenario's references (issue 15, point 8): empty paths, unknown codes.

Each class of defect is checked for every member of its class, not for one example: every path key of
``[scenario]`` (read from the model, so a new one is covered), every list of codes of ``[attendu]``, every
code the core's rules and the bundled plugins build.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import attrs
import pytest

from tests.conftest import ROOT, run_cli

SCENARIOS = ROOT / "tests" / "scenarios"
BASE = (SCENARIOS / "jury-trois-membres.toml").read_text(encoding="utf-8")
SESSION_LINE = 'session = "sessions/jury-2014-05-trois-membres.toml"'
PLUGINS = {
    "cqp_mo": ROOT / "plugins" / "cqp_mo" / "cqpkit_cqp_mo",
    "mutualite": ROOT / "plugins" / "mutualite" / "cqpkit_mutualite",
}
#: How the core's rules and the plugins build a finding: ``code="x"``, ``_constat("x", …``, ``add("x", …``,
#: or a tuple ``("x", "erreur", …)`` handed to one of them.
CODE_LITERAL = re.compile(
    r'(?:code=|_constat\(|_finding\(|\badd\()\s*"([a-z0-9_]+)"|\(\s*"([a-z0-9_]+)",\s*"(?:erreur|avertissement|information)"'
)


def scenario_copy(tmp_path: Path, text: str) -> Path:
    """``text`` as a scenario file beside a copy of the engine scenarios' sessions."""
    shutil.copytree(SCENARIOS / "sessions", tmp_path / "sessions", dirs_exist_ok=True)
    path = tmp_path / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return path


def path_keys() -> list[str]:
    """The keys of ``[scenario]`` that name files (text or list of text), read from the model."""
    from cqpkit.testing.scenarios import ScenarioInfo

    return [f.name for f in attrs.fields(ScenarioInfo) if f.name not in ("description", "date")]


def codes_built(folder: Path) -> set[str]:
    return {m.group(1) or m.group(2) for f in folder.rglob("*.py") for m in CODE_LITERAL.finditer(f.read_text(encoding="utf-8"))}


class TestEmptyPath:
    """A path key given as an empty (or blank) text is an error at its line, never « run without that file »."""

    def test_every_path_key_is_covered(self):
        """The keys checked below are all the path keys of [scenario] (a new one is checked too)."""
        assert set(path_keys()) == {"dossier", "session", "historique"}

    @pytest.mark.parametrize("value", ["", "  "])
    @pytest.mark.parametrize("key", ["dossier", "session", "historique"])
    @pytest.mark.parametrize("command", ["validate", "test"])
    def test_empty_path_is_an_error_at_its_line(self, tmp_path, key, value, command):
        line = f'{key} = ["{value}"]' if key == "historique" else f'{key} = "{value}"'
        text = BASE.replace(SESSION_LINE, line) if key == "session" else BASE.replace(SESSION_LINE, SESSION_LINE + "\n" + line)
        path = scenario_copy(tmp_path, text)
        result = run_cli(command, str(path))
        assert result.returncode == 1, result.stdout + result.stderr
        where = f"scenario.{key}[0]" if key == "historique" else f"scenario.{key}"
        number = text.splitlines().index(line) + 1
        assert f"{path}:{number}: {where}: chemin vide : donner le chemin d'un fichier" in result.stderr
        assert "Traceback" not in result.stdout + result.stderr and "erreur interne" not in result.stderr

    def test_a_valid_session_still_runs(self, tmp_path):
        """The same scenario with its session path passes (the check above is about the empty path only)."""
        result = run_cli("test", str(scenario_copy(tmp_path, BASE)))
        assert result.returncode == 0, result.stdout + result.stderr


class TestUnknownCodes:
    """An expected finding code that nothing loaded gives is warned about, with the closest known code."""

    @pytest.mark.parametrize("key", ["constats", "erreurs", "avertissements"])
    @pytest.mark.parametrize(
        ("wrong", "near"),
        [("jury_compositon", "jury_composition"), ("d1_mention_choisi", "d1_mention_choisie"), ("spe_avant_depo", "spe_avant_depot")],
        ids=["core", "mutualite", "cqp_mo"],
    )
    def test_close_code_is_named(self, tmp_path, key, wrong, near):
        text = BASE.replace('constats = ["jury_composition"]', f'{key} = ["{wrong}"]')
        path = scenario_copy(tmp_path, text)
        number = text.splitlines().index(f'{key} = ["{wrong}"]') + 1
        result = run_cli("validate", str(path))
        assert result.returncode == 0, result.stderr  # a warning: the file itself is valid
        expected = f"avertissement : {path}:{number}: attendu.{key}[0]: code de constat inconnu « {wrong} » : vouliez-vous dire « {near} » ?"
        assert expected in result.stderr.splitlines()
        data = json.loads(run_cli("validate", "--json", str(path)).stdout)["fichiers"][0]
        assert [(w["ligne"], w["chemin"]) for w in data["avertissements"]] == [(number, f"attendu.{key}[0]")]
        # `test` says it too, before the run fails on the code never found.
        run = run_cli("test", str(path))
        assert run.returncode == 1 and expected in run.stderr.splitlines()

    def test_code_far_from_every_known_one(self, tmp_path):
        path = scenario_copy(tmp_path, BASE.replace('constats = ["jury_composition"]', 'constats = ["jury_composition", "zzz"]'))
        result = run_cli("validate", str(path))
        assert result.returncode == 0
        assert "attendu.constats[1]: code de constat inconnu « zzz » : ni le moteur, ni une extension chargée" in result.stderr
        assert "constats[0]" not in result.stderr

    def test_regle_id_of_the_referentiel_is_known(self):
        """A [[regles]] id reports under its own id: a scenario expecting it is not warned about."""
        path = PLUGINS["cqp_mo"] / "scenarios" / "2016-manager-nomme-apres-le-debut.toml"
        assert "manager-nomme" in path.read_text(encoding="utf-8")
        result = run_cli("validate", str(path))
        assert result.returncode == 0 and "avertissement" not in result.stderr, result.stderr

    def test_every_bundled_scenario_expects_known_codes(self):
        """No bundled scenario is warned about: every code they expect is catalogued somewhere."""
        files = sorted(
            str(p) for folder in (SCENARIOS, *(d / "scenarios" for d in PLUGINS.values())) for p in folder.rglob("*.toml")
            if "[attendu]" in p.read_text(encoding="utf-8")
        )
        assert len(files) > 50
        result = run_cli("validate", *files)
        assert result.returncode == 0, result.stderr
        assert "avertissement :" not in result.stderr

    def test_core_catalogue_is_what_the_rules_build_and_the_docs_list(self):
        """Every code the core's rules (and its plugin layer: a failing plugin) build is in CODES, and CODES is the « Findings » table of docs/engine.md."""
        from cqpkit.rules.codes import CODES

        from cqpkit.plugins.hookcalls import FAILURE_CODE

        built = codes_built(ROOT / "core" / "cqpkit" / "rules") | {FAILURE_CODE}
        assert len(built) > 30
        assert built == set(CODES)
        assert len(CODES) == len(set(CODES))
        section = (ROOT / "docs" / "engine.md").read_text(encoding="utf-8").split("## Findings")[1].split("\n## ")[0]
        documented = {c for row in section.splitlines() if row.startswith("| `") for c in re.findall(r"`([a-z0-9_]+)`", row.split("|")[1])}
        assert documented == set(CODES)

    @pytest.mark.parametrize("plugin", sorted(PLUGINS))
    def test_each_plugin_declares_the_codes_its_hooks_build(self, plugin):
        import importlib

        module = importlib.import_module(f"cqpkit_{plugin}")
        built = codes_built(PLUGINS[plugin])
        assert built and built == set(module.CQPKIT_CODES)

    def test_registry_puts_the_three_sources_together(self):
        import cqpkit
        from cqpkit.rules.codes import CODES

        registry = cqpkit.load_registry(cache=False)
        ref = registry.referentiel("secu.manager-operationnel", "blocs")
        known = registry.finding_codes(ref)
        assert set(CODES) <= known
        assert {"d1_mention_choisie", "spe_avant_depot"} <= known
        assert {r.id for r in ref.regles} <= known and "manager-nomme" not in registry.finding_codes()
