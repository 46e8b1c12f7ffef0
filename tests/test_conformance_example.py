"""The conformance suite on the real third-party plugin ``tests/third_party/cqpkit-exemple``, intact and broken.

Intact, the plugin is installed with pip into a fresh virtual environment as a separate
distribution and its own test module (``tests/test_conformance.py``, the few lines every
plugin writes) passes there. Broken in each of five ways, a copy of it makes the suite fail,
and the failure says what to fix:

============================  ======================================================
break                         the suite fails with
============================  ======================================================
invalid référentiel           ``fichier:ligne: clé: message`` of the validation
dated value without source    the file, line and key of the value, and the ``source = {…}`` to add
a hook raising                the hook, the exception, and the dossier (TOML) that triggers it
non-monotonic ``decide``      the passage added, the status before and after, the hook to fix
failing scenario              the scenario, the expected and the obtained amounts
============================  ======================================================

The broken copies are exposed the way an installer leaves a package (next to a
``.dist-info`` directory, on ``PYTHONPATH``: ``tests.test_third_party.expose``) and their
suites run in parallel subprocesses, each a plain ``pytest`` in the copy's directory.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.test_scaffold import fresh_venv, run, venv_env
from tests.test_third_party import PROJECT, REF_NAME, expose

SUITE = "tests/test_conformance.py::TestConformite::"


class Run(NamedTuple):
    """The outcome of the suite on one copy: exit code, output, failed test names, the copy's site directory."""

    returncode: int
    output: str
    failed: set[str]
    site: Path
    seconds: float


# ----------------------------------------------------------------------------- the breaks
def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def invalid_referentiel(project: Path) -> None:
    """The final épreuve names a bloc D4 that the référentiel does not define."""
    _edit(
        project / "cqpkit_exemple" / "referentiels" / REF_NAME,
        'type = "finale_entreprise"\ndomaines = ["D1", "D2", "D3"]',
        'type = "finale_entreprise"\ndomaines = ["D1", "D2", "D4"]',
    )


def missing_source(project: Path) -> None:
    """The 2025 value of the barème loses its source."""
    _edit(
        project / "cqpkit_exemple" / "referentiels" / REF_NAME,
        'source = { document = "exemple_referentiel-fictif.md", section = "Avenant n° 1, Financement", date = 2025-01-01 }\n',
        "",
    )


def hook_raising(project: Path) -> None:
    """The Python rule reads the first passage of every dossier, even of a dossier without one."""
    _edit(
        project / "cqpkit_exemple" / "regles.py",
        "    found = []\n",
        "    found = []\n    premier = dossier.passages[0]  # bogue : un dossier sans passage\n",
    )


def non_monotonic_decide(project: Path) -> None:
    """A decide hook sends a candidate with a second passage back to the start."""
    regles = project / "cqpkit_exemple" / "regles.py"
    regles.write_text(
        regles.read_text(encoding="utf-8")
        + '''

@hookimpl
def cqpkit_decide(referentiel: Any, dossier: Any, date: dt.date) -> Any:
    """Bogue : un deuxième passage renvoie le candidat au début."""
    import attrs

    from cqpkit.rules.decision import decide

    resultat = decide(referentiel, dossier, date)
    if len(dossier.passages) >= 2:
        return attrs.evolve(resultat, statut="en_cours", acquis=(), restants=tuple(d.id for d in referentiel.domaines))
    return resultat
''',
        encoding="utf-8",
    )
    _edit(
        project / "cqpkit_exemple" / "__init__.py",
        "from cqpkit_exemple.regles import cqpkit_check_dossier\n",
        "from cqpkit_exemple.regles import cqpkit_check_dossier, cqpkit_decide\n",
    )


def failing_scenario(project: Path) -> None:
    """The scenario after the revaluation still expects the 2024 amount (140 h × 15 €)."""
    _edit(project / "cqpkit_exemple" / "scenarios" / "certifie-trois-blocs.toml", "montant = 2100.00", "montant = 2240.00")


BREAKS: dict[str, Callable[[Path], None]] = {
    "invalid_referentiel": invalid_referentiel,
    "missing_source": missing_source,
    "hook_raising": hook_raising,
    "non_monotonic_decide": non_monotonic_decide,
    "failing_scenario": failing_scenario,
}


def _env(site: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CQPKIT_")}
    env["PYTHONPATH"] = str(site)
    return env


@pytest.fixture(scope="module")
def broken_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """The suite run on a copy of the plugin broken in each way, the five runs in parallel."""
    started: dict[str, tuple[subprocess.Popen[str], Path, float]] = {}
    for name, edit in BREAKS.items():
        base = tmp_path_factory.mktemp(name)
        project = base / "cqpkit-exemple"
        shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("__pycache__", ".hypothesis", ".pytest_cache"))
        edit(project)
        site = base / "site"
        site.mkdir()
        expose(site, package=project / "cqpkit_exemple")
        proc = subprocess.Popen(
            [sys.executable, "-P", "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider"],
            cwd=project,
            env=_env(site),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started[name] = (proc, site, time.perf_counter())
    runs = {}
    for name, (proc, site, start) in started.items():
        out, _ = proc.communicate(timeout=300)
        failed = set(re.findall(rf"^FAILED {re.escape(SUITE)}(\w+)", out, re.MULTILINE))
        runs[name] = Run(proc.returncode, out, failed, site, time.perf_counter() - start)
    return runs


def _lines(path: Path, needle: str) -> list[int]:
    """The 1-based numbers of the lines of ``path`` containing ``needle``."""
    return [i for i, ln in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in ln]


def _line(path: Path, needle: str) -> int:
    """The 1-based number of the first line of ``path`` containing ``needle``."""
    return _lines(path, needle)[0]


# ------------------------------------------------------------------------------- tests
class TestBrokenExample:
    """Each break makes the suite fail, in the test about it, with a message saying what to fix."""

    def test_invalid_referentiel(self, broken_runs):
        """The validation test fails with file, line, key and the validation message, and how to check again."""
        r = broken_runs["invalid_referentiel"]
        assert r.returncode == 1, r.output
        assert r.failed == {"test_referentiels_validate", "test_supplies_declared_certifications"}, r.output
        path = r.site / "cqpkit_exemple" / "referentiels" / REF_NAME
        line = _line(path, 'domaines = ["D1", "D2", "D4"]')
        assert f"{path}:{line}: epreuves[0].domaines[2]: domaine « D4 » inconnu (domaines définis : D1, D2, D3)" in r.output
        assert "corrigez chaque erreur (fichier:ligne: clé: message), puis vérifiez avec `cqpkit validate FICHIER`" in r.output
        assert "Traceback" not in r.output

    def test_missing_source_on_a_dated_value(self, broken_runs):
        """The dated-values test names the value's file, line and key, and gives the ``source`` line to add."""
        r = broken_runs["missing_source"]
        assert r.returncode == 1, r.output
        assert "test_dated_values_are_sourced_without_gaps_or_overlaps" in r.failed, r.output
        path = r.site / "cqpkit_exemple" / "referentiels" / REF_NAME
        line = _lines(path, "[[financement.cout_pedagogique.valeurs]]")[1]  # the second value's table
        assert (
            f"{path}:{line}: financement.cout_pedagogique.valeurs[1]: valeur datée sans source : ajoutez "
            '`source = { document = "…", section = "…" }` : le document et la section d\'où vient cette valeur.'
        ) in r.output

    def test_hook_raising(self, broken_runs):
        """The no-raise test names the hook, the plugin and the exception, says what a hook returns, and shows the dossier."""
        r = broken_runs["hook_raising"]
        assert r.returncode == 1, r.output
        assert "test_no_hook_raises_on_valid_dossiers" in r.failed, r.output
        assert (
            "cqpkit_check_dossier lève une exception sur un dossier valide, au " in r.output
            and "HookFailure: extension « exemple » : erreur dans cqpkit_check_dossier : IndexError: tuple index out of range"
            in r.output
        )
        assert "Un hook ne lève jamais sur une entrée valide : il renvoie des constats (Constat) ou None." in r.output
        assert 'certification = "exemple.agent-test"' in r.output  # the dossier, as TOML
        assert "test_scenarios_pass" not in r.failed  # both scenarios have passages: only generated dossiers find it

    def test_non_monotonic_decide(self, broken_runs):
        """Only the monotonicity test fails, with the passage added, the status before and after and the hook to fix."""
        r = broken_runs["non_monotonic_decide"]
        assert r.returncode == 1, r.output
        assert r.failed == {"test_decide_is_monotonic"}, r.output
        assert "cqpkit_decide n'est pas monotone : au " in r.output
        assert re.search(r"après l'ajout d'un passage du \S+ qui déclare « D\d » acquis, le statut passe de « partiel » à « en_cours »", r.output)
        assert "Un acquis de plus ne doit jamais dégrader le résultat : corrigez le hook cqpkit_decide de « exemple »." in r.output

    def test_failing_scenario(self, broken_runs):
        """Only the scenario test fails, naming the scenario and the expected and obtained amounts."""
        r = broken_runs["failing_scenario"]
        assert r.returncode == 1, r.output
        assert r.failed == {"test_scenarios_pass"}, r.output
        path = r.site / "cqpkit_exemple" / "scenarios" / "certifie-trois-blocs.toml"
        assert "1 scénario(s) sur 2 échouent : corrigez la règle, ou l'attendu du scénario s'il était faux" in r.output
        assert f"{path} — « Trois blocs acquis au jury du 10/03/2025 : certifié ; coût pédagogique au taux de l'inscription (2024) » :" in r.output
        assert "financement : attendu cout_pedagogique = 2240.00 ; obtenu cout_pedagogique = 2100.00" in r.output


@pytest.mark.slow
class TestInstalledExample:
    def test_installed_distribution_passes_the_suite(self, tmp_path):
        """pip installs the plugin (a wheel, not editable) into a fresh venv; its conformance module passes there."""
        source = tmp_path / "cqpkit-exemple"
        shutil.copytree(PROJECT, source, ignore=shutil.ignore_patterns("__pycache__", ".hypothesis", ".pytest_cache"))
        python = fresh_venv(tmp_path / "venv")
        env = venv_env(CQPKIT_CACHE_DIR=str(tmp_path / "cache"))
        pip = run(
            [str(python), "-m", "pip", "install", "--no-build-isolation", "--no-deps", "--no-index",
             "--disable-pip-version-check", "-q", str(source)],
            env=env,
        )
        assert pip.returncode == 0, pip.stdout + pip.stderr
        # The source package is removed from the copy: the suite can only find the installed one.
        shutil.rmtree(source / "cqpkit_exemple")
        start = time.perf_counter()
        suite = run([str(python), "-m", "pytest", "-v", "-p", "no:cacheprovider"], env=env, cwd=source)
        seconds = time.perf_counter() - start
        assert suite.returncode == 0, suite.stdout + suite.stderr
        passed = set(re.findall(rf"^{re.escape(SUITE)}(\w+) PASSED", suite.stdout, re.MULTILINE))
        assert {
            "test_referentiels_validate",
            "test_dated_values_are_sourced_without_gaps_or_overlaps",
            "test_vae_route",
            "test_funding_is_declared",
            "test_decide_is_monotonic",
            "test_hooks_reach_only_own_certifications",
            "test_scenarios_pass",
        } <= passed, suite.stdout
        assert "SKIPPED" not in suite.stdout  # nothing declared not applicable: every test ran
        print(f"suite de conformité de cqpkit-exemple installé : {seconds:.1f} s")
