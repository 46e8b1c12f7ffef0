"""A third-party plugin, packaged on its own, seen by cqpkit like any installed distribution.

``tests/third_party/cqpkit-exemple`` is a real plugin distribution (its own
``pyproject.toml``): a fictional branch CQP with three blocs, one rule written in Python
(``cqpkit_check_dossier``), one funding barème, two scenarios and the conformance test
module (run by tests/test_conformance_example.py). Most tests expose it the way an
installer leaves it — the package next to a ``.dist-info`` directory whose
``entry_points.txt`` declares the ``cqpkit`` group — on ``PYTHONPATH``, and run the
``cqpkit`` command (in this process: ``run_cli`` puts that ``PYTHONPATH`` first on ``sys.path`` and
forgets its modules after the call). One test installs it for real with pip.

The bundled plugins' own référentiels are not assumed: every test compares with a
baseline run of the same command without the third-party plugin.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BUNDLED, run_cli

PROJECT = Path(__file__).resolve().parent / "third_party" / "cqpkit-exemple"
PACKAGE = PROJECT / "cqpkit_exemple"
REF_NAME = "agent-test-2024.toml"
CERT_ID = "exemple.agent-test"
CERT_VERSION = "2024"
WITH_EXEMPLE = f"{BUNDLED},exemple"

_PYPROJECT = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
DIST_NAME: str = _PYPROJECT["project"]["name"]
DIST_VERSION: str = _PYPROJECT["project"]["version"]
ENTRY_POINTS: dict[str, str] = _PYPROJECT["project"]["entry-points"]["cqpkit"]


# ----------------------------------------------------------------------------- helpers
def expose(
    site: Path,
    *,
    entry: str = "exemple",
    module: str = "cqpkit_exemple",
    dist: str = DIST_NAME,
    version: str = DIST_VERSION,
    package: Path | None = PACKAGE,
) -> Path:
    """Put ``module`` (a copy of ``package``) and its ``.dist-info`` into ``site``, as an installer would.

    Returns the package directory, so a test can break it before running the command.
    """
    target = site / module
    if package is not None:
        shutil.copytree(package, target, ignore=shutil.ignore_patterns("__pycache__"))
    else:
        target.mkdir(parents=True)
    dist_info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8"
    )
    (dist_info / "entry_points.txt").write_text(f"[cqpkit]\n{entry} = {module}\n", encoding="utf-8")
    return target


def cli(
    *args: str, site: Path | None = None, load: str | None = WITH_EXEMPLE, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``cqpkit ARGS`` with ``site`` on ``PYTHONPATH`` and ``CQPKIT_LOAD_PLUGINS=load``."""
    extra = dict(env)
    if load is not None:
        extra["CQPKIT_LOAD_PLUGINS"] = load
    if site is not None:
        extra["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    return run_cli(*args, env=extra)


def as_json(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The JSON a ``--json`` command printed (with its stderr in the message if it is not JSON)."""
    try:
        return json.loads(proc.stdout)
    except ValueError:
        pytest.fail(f"sortie non JSON (code {proc.returncode}) :\n{proc.stdout}\n{proc.stderr}")


def keys(listing: dict[str, Any]) -> set[tuple[str, str]]:
    """The (id, version) pairs of a ``cqpkit list --json`` output."""
    return {(r["id"], r["version"]) for r in listing["referentiels"]}


def error_plugins(listing: dict[str, Any]) -> set[str]:
    """The plugin names of the errors of a ``--json`` output."""
    return {e["plugin"] for e in listing["erreurs"]}


@pytest.fixture
def baseline() -> dict[str, Any]:
    """``cqpkit list --json`` with the bundled plugins only: what must still be there beside the third party."""
    return as_json(cli("list", "--json", load=BUNDLED))


@pytest.fixture
def example_package(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The plugin's package imported from its source tree (and forgotten afterwards)."""
    import importlib

    monkeypatch.syspath_prepend(str(PROJECT))
    yield importlib.import_module("cqpkit_exemple")
    for name in [m for m in sys.modules if m == "cqpkit_exemple" or m.startswith("cqpkit_exemple.")]:
        del sys.modules[name]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """An empty directory standing for a ``site-packages``."""
    path = tmp_path / "site"
    path.mkdir()
    return path


# ------------------------------------------------------------------------------ tests
class TestFixturePlugin:
    def test_pyproject_declares_the_entry_point(self) -> None:
        """The distribution is ``cqpkit-exemple`` 0.1.0, declaring entry point ``exemple = cqpkit_exemple``."""
        assert (DIST_NAME, DIST_VERSION) == ("cqpkit-exemple", "0.1.0")
        assert ENTRY_POINTS == {"exemple": "cqpkit_exemple"}
        assert _PYPROJECT["build-system"]["build-backend"] == "hatchling.build"

    def test_referentiel_validates(self) -> None:
        """``cqpkit validate`` accepts the plugin's référentiel file."""
        path = PACKAGE / "referentiels" / REF_NAME
        proc = run_cli("validate", "--json", str(path))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        [result] = as_json(proc)["fichiers"]
        assert (result["valide"], result["certification"], result["version"]) == (True, CERT_ID, CERT_VERSION)

    def test_referentiel_content_is_the_small_fictional_cqp(self) -> None:
        """The référentiel is the fictional CQP: 3 blocs, an épreuve per route, a VAE route, a jury, one sourced barème."""
        from cqpkit import load_referentiel

        ref = load_referentiel(PACKAGE / "referentiels" / REF_NAME)
        assert [(d.id, d.type) for d in ref.domaines] == [("D1", "bloc"), ("D2", "bloc"), ("D3", "bloc")]
        assert ref.certification.branche == "exemple"
        assert [e.type for e in ref.epreuves] == ["finale_entreprise", "vae"]
        assert [v.id for v in ref.voies] == ["formation", "vae"] and ref.echelles and ref.jury is not None
        [fin] = ref.financement.values()
        assert len(fin.valeurs) == 2 and all(v.source.document and v.source.section for v in fin.valeurs)
        assert "FICTIVE" in ref.certification.notes and "pas un vrai CQP" in ref.certification.notes

    def test_referentiel_has_the_schema_line(self) -> None:
        """The file starts with the ``#:schema`` line editors use to check it as it is typed."""
        from cqpkit.formats.referentiels import SCHEMA_URL

        first = (PACKAGE / "referentiels" / REF_NAME).read_text(encoding="utf-8").splitlines()[0]
        assert first == f"#:schema {SCHEMA_URL}"

    def test_hook_cqpkit_referentiels_registers_the_package_files(self, example_package: Any) -> None:
        """The plugin's ``cqpkit_referentiels`` registers its package's ``referentiels/`` directory: each ``*.toml``, by name."""
        from cqpkit.plugins.registry import expand

        sent: list[object] = []
        example_package.cqpkit_referentiels(register=sent.append)
        [directory] = sent
        assert Path(str(directory)).name == "referentiels"
        assert [Path(str(p)).name for p in expand(directory)] == [REF_NAME]

    def test_python_rule_finds_d3_presented_alone(self, example_package: Any) -> None:
        """The Python rule (``cqpkit_check_dossier``) finds D3 presented alone (no guard: the registry calls it for its référentiel only)."""
        import datetime as dt

        from cqpkit.model import Certification

        from tests.factories import dossier, passage, referentiel

        rule = example_package.regles.cqpkit_check_dossier
        ours = referentiel(
            domaines=("D1", "D2", "D3"),
            certification=Certification(id=CERT_ID, intitule="CQP", branche="exemple", certificateur="C", version=CERT_VERSION),
        )

        def at_jury(**decisions: str) -> Any:
            return dossier(certification=CERT_ID, version=CERT_VERSION, passages=(passage(dt.date(2024, 11, 18), decisions=decisions),))

        [found] = rule(ours, at_jury(D3="acquis"), dt.date(2025, 1, 1))
        assert (found.code, found.niveau, found.chemin) == ("exemple_bloc_d3_premature", "erreur", "passages[0].decisions.D3")
        assert "sans D1 ni D2" in found.message
        assert rule(ours, at_jury(D1="acquis", D2="non_acquis", D3="acquis"), dt.date(2025, 1, 1)) == []


class TestExposedDistribution:
    def test_list_shows_the_certification(self, site: Path, baseline: dict[str, Any]) -> None:
        """``cqpkit list --json`` shows the fictional certification from plugin ``exemple`` beside the bundled ones."""
        expose(site)
        proc = cli("list", "--json", site=site)
        listing = as_json(proc)
        [row] = [r for r in listing["referentiels"] if r["id"] == CERT_ID]
        assert (row["plugin"], row["version"], row["domaines"]) == ("exemple", CERT_VERSION, 3)
        assert row["fichier"] == str(site / "cqpkit_exemple" / "referentiels" / REF_NAME)
        assert keys(listing) == keys(baseline) | {(CERT_ID, CERT_VERSION)}
        assert error_plugins(listing) == error_plugins(baseline)
        assert proc.returncode == (1 if baseline["erreurs"] else 0), proc.stderr

    def test_list_text_shows_the_certification(self, site: Path) -> None:
        """The text table of ``cqpkit list`` has a row for the certification naming the extension."""
        expose(site)
        proc = cli("list", site=site)
        [line] = [ln for ln in proc.stdout.splitlines() if ln.startswith(CERT_ID)]
        # Its three domaines are of type « bloc »: the column says so.
        assert [c.strip() for c in line.split("  ") if c.strip()][:4] == [CERT_ID, CERT_VERSION, "3 blocs", "exemple"]

    def test_plugins_shows_distribution_hook_and_file(self, site: Path) -> None:
        """``cqpkit plugins --json`` gives the plugin's distribution, version, hook and référentiel file."""
        expose(site)
        rows = {p["nom"]: p for p in as_json(cli("plugins", "--json", site=site))["plugins"]}
        assert rows["exemple"] == {
            "nom": "exemple",
            "module": "cqpkit_exemple",
            "version": DIST_VERSION,
            "distribution": DIST_NAME,
            "integre": False,
            "hooks": ["cqpkit_check_dossier", "cqpkit_document_template", "cqpkit_referentiels"],
            "referentiels": [str(site / "cqpkit_exemple" / "referentiels" / REF_NAME)],
        }

    def test_show_loads_the_full_referentiel(self, site: Path) -> None:
        """``cqpkit show --json`` loads the référentiel supplied by the plugin into the model."""
        expose(site)
        proc = cli("show", CERT_ID, "--json", site=site)
        assert proc.returncode == 0, proc.stderr
        data = as_json(proc)
        assert data["plugin"] == "exemple"
        assert [d["id"] for d in data["referentiel"]["domaines"]] == ["D1", "D2", "D3"]


class TestBrokenPlugin:
    @staticmethod
    def _dangling(site: Path) -> tuple[Path, int]:
        """Expose a copy whose épreuve names a domaine D9 that does not exist; return the file and that line."""
        path = expose(site) / "referentiels" / REF_NAME
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        index = next(i for i, ln in enumerate(lines) if ln.startswith('domaines = ["D1", "D2", "D3"]'))
        lines[index] = 'domaines = ["D1", "D2", "D9"]\n'
        path.write_text("".join(lines), encoding="utf-8")
        return path, index + 1

    def test_invalid_referentiel_is_reported_with_file_and_line(self, site: Path) -> None:
        """An invalid référentiel is reported on stderr under the plugin's name, as ``file:line: message``, exit 1."""
        path, line = self._dangling(site)
        proc = cli("list", site=site)
        assert proc.returncode == 1
        assert "erreur : extension « exemple » : référentiel invalide" in proc.stderr
        assert f"{path}:{line}: epreuves[0].domaines[2]: domaine « D9 » inconnu" in proc.stderr
        assert CERT_ID not in proc.stdout

    def test_invalid_referentiel_leaves_the_others_listed(self, site: Path, baseline: dict[str, Any]) -> None:
        """With one plugin's référentiel invalid, every bundled certification is still listed."""
        self._dangling(site)
        listing = as_json(cli("list", "--json", site=site))
        assert keys(listing) == keys(baseline)
        assert error_plugins(listing) == error_plugins(baseline) | {"exemple"}

    def test_import_error_is_reported_by_name(self, site: Path, baseline: dict[str, Any]) -> None:
        """A plugin whose import raises is reported by name with the exception, exit 1, and the others load."""
        expose(site)
        broken = expose(site, entry="casse", module="cqpkit_casse", dist="cqpkit-casse", package=None)
        (broken / "__init__.py").write_text('raise RuntimeError("dépendance absente")\n', encoding="utf-8")
        proc = cli("list", "--json", site=site, load=f"{WITH_EXEMPLE},casse")
        assert proc.returncode == 1
        listing = as_json(proc)
        [error] = [e for e in listing["erreurs"] if e["plugin"] == "casse"]
        assert error["raison"] == "échec du chargement de « cqpkit_casse » : RuntimeError: dépendance absente"
        assert "erreur : extension « casse » : échec du chargement" in proc.stderr
        assert keys(listing) == keys(baseline) | {(CERT_ID, CERT_VERSION)}

    def test_hook_error_is_reported_by_name(self, site: Path, baseline: dict[str, Any]) -> None:
        """A plugin whose ``cqpkit_referentiels`` raises is reported by name with the exception, and the others load."""
        broken = expose(site, entry="casse", module="cqpkit_casse", dist="cqpkit-casse", package=None)
        (broken / "__init__.py").write_text(
            "from cqpkit import hookimpl\n\n\n@hookimpl\ndef cqpkit_referentiels(register):\n"
            '    raise OSError("dossier introuvable")\n',
            encoding="utf-8",
        )
        proc = cli("list", "--json", site=site, load=f"{BUNDLED},casse")
        assert proc.returncode == 1
        listing = as_json(proc)
        [error] = [e for e in listing["erreurs"] if e["plugin"] == "casse"]
        assert error["raison"] == f"erreur dans cqpkit_referentiels : OSError: dossier introuvable (levée à {broken / '__init__.py'}:6)"
        assert keys(listing) == keys(baseline)


class TestAuthorMistakes:
    """The mistakes a plugin author makes are named in French, with the file and line or the key to fix, never a traceback."""

    @staticmethod
    def _casse(site: Path, code: str, *, value: str = "cqpkit_casse") -> Path:
        """Expose a plugin ``casse`` whose ``__init__.py`` is ``code``; return that file."""
        broken = expose(site, entry="casse", module="cqpkit_casse", dist="cqpkit-casse", package=None)
        if value != "cqpkit_casse":
            dist_info = site / "cqpkit_casse-0.1.0.dist-info"
            (dist_info / "entry_points.txt").write_text(f"[cqpkit]\ncasse = {value}\n", encoding="utf-8")
        init = broken / "__init__.py"
        init.write_text(code, encoding="utf-8")
        return init

    @staticmethod
    def _reason(site: Path) -> tuple[str, subprocess.CompletedProcess[str]]:
        proc = cli("list", "--json", site=site, load=f"{BUNDLED},casse")
        [error] = [e for e in as_json(proc)["erreurs"] if e["plugin"] == "casse"]
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        return error["raison"], proc

    def test_wrong_hook_signature_names_the_argument_and_the_signature(self, site: Path) -> None:
        """A hook argument the hookspec does not have: the hook, its file and line, and the signature to write."""
        init = self._casse(
            site, "from cqpkit import hookimpl\n\n\n@hookimpl\ndef cqpkit_check_dossier(referentiel, dossier, day):\n    return None\n"
        )
        raison, proc = self._reason(site)
        assert raison == (
            f"enregistrement refusé : le hook cqpkit_check_dossier ({init}:4) déclare « day », que cqpkit ne fournit pas : "
            "sa signature est cqpkit_check_dossier(referentiel, dossier, date, resultat) (un hook peut omettre des arguments, pas en "
            "renommer ni en ajouter)"
        )
        assert "hookimpl definition" not in proc.stderr and "erreur : extension « casse » : enregistrement refusé" in proc.stderr

    def test_misspelt_hook_is_named_with_the_hook_meant(self, site: Path) -> None:
        """A hook name that no hookspec has: its file and line, and the closest hook name."""
        init = self._casse(site, "from cqpkit import hookimpl\n\n\n@hookimpl\ndef cqpkit_check_dosier(referentiel):\n    return None\n")
        raison, _ = self._reason(site)
        assert raison.startswith(
            f"hook inconnu : « cqpkit_check_dosier » ({init}:4) n'est pas un hook de cqpkit ; vouliez-vous dire "
            "« cqpkit_check_dossier » ? (hooks : cqpkit_check_dossier, "
        )
        assert "unknown hook" not in raison

    def test_entry_point_naming_a_missing_module(self, site: Path) -> None:
        """An entry point naming a module that does not exist says to check the entry point."""
        self._casse(site, "", value="cqpkit_casse.hooks")
        raison, _ = self._reason(site)
        assert raison == (
            "échec du chargement de « cqpkit_casse.hooks » : module « cqpkit_casse.hooks » introuvable : vérifiez le point "
            "d'entrée sous [project.entry-points.cqpkit] du pyproject.toml de l'extension et que sa distribution est "
            "installée (`pip install -e .`)"
        )

    def test_missing_dependency(self, site: Path) -> None:
        """A module the plugin imports and that is not installed is named as a missing dependency."""
        self._casse(site, "import cqpkit_dependance_absente\n")
        raison, _ = self._reason(site)
        assert raison == (
            "échec du chargement de « cqpkit_casse » : module « cqpkit_dependance_absente » introuvable, importé par "
            "l'extension : installez-le, et ajoutez-le aux `dependencies` de son pyproject.toml"
        )

    def test_syntax_error_gives_file_and_line(self, site: Path) -> None:
        """A syntax error in the plugin's module gives its file and line."""
        init = self._casse(site, "x = 1\ndef f(:\n")
        raison, _ = self._reason(site)
        assert raison.startswith(f"échec du chargement de « cqpkit_casse » : erreur de syntaxe : {init}:2: ")

    def test_registered_file_missing_from_the_package(self, site: Path) -> None:
        """A registered référentiel file that does not exist (left out of the package data): said in French."""
        self._casse(
            site,
            "import os\nfrom cqpkit import hookimpl\n\n\n@hookimpl\ndef cqpkit_referentiels(register):\n"
            "    register(os.path.join(os.path.dirname(__file__), 'referentiels', 'absent.toml'))\n",
        )
        raison, _ = self._reason(site)
        path = site / "cqpkit_casse" / "referentiels" / "absent.toml"
        assert raison == (
            f"{path} : fichier introuvable : cqpkit_referentiels l'enregistre mais il n'existe pas (nom mal écrit ? fichier "
            "absent des données du paquet installé ?)"
        )

    def test_registered_directory(self, site: Path) -> None:
        """Registering a directory without any ``*.toml`` (the package's own) says so, and that subdirectories are not walked."""
        self._casse(
            site,
            "import os\nfrom cqpkit import hookimpl\n\n\n@hookimpl\ndef cqpkit_referentiels(register):\n"
            "    register(os.path.dirname(__file__))\n",
        )
        raison, _ = self._reason(site)
        assert raison == (
            f"{site / 'cqpkit_casse'} : répertoire sans fichier .toml : register() y enregistre chaque fichier *.toml "
            "(les sous-répertoires ne sont pas parcourus)"
        )

    def test_missing_referentiels_directory(self, site: Path) -> None:
        """A ``referentiels/`` directory left out of the package: the system's error said in French with the path."""
        self._casse(
            site,
            "import os\nfrom cqpkit import hookimpl\n\n\n@hookimpl\ndef cqpkit_referentiels(register):\n"
            "    for name in os.listdir(os.path.join(os.path.dirname(__file__), 'referentiels')):\n        register(name)\n",
        )
        raison, _ = self._reason(site)
        assert raison == (
            "erreur dans cqpkit_referentiels : FileNotFoundError: fichier ou répertoire introuvable : "
            f"{site / 'cqpkit_casse' / 'referentiels'} (levée à {site / 'cqpkit_casse' / '__init__.py'}:7)"
        )

    def test_hook_returning_a_lone_constat_is_named(self, site: Path, tmp_path: Path) -> None:
        """A check hook returning one Constat instead of a list: the plugin and the fix, not an "erreur interne"."""
        package = expose(site)
        rules = package / "regles.py"
        rules.write_text(rules.read_text(encoding="utf-8").replace("    return found\n", "    return found[0] if found else None\n"), encoding="utf-8")
        dossier = tmp_path / "dossier.toml"
        dossier.write_text(
            f'[dossier]\nid = "EX-SEUL"\ncertification = "{CERT_ID}"\nversion = "{CERT_VERSION}"\nvoie = "formation"\n'
            'inscription = 2024-02-05\n\n[candidat]\nid = "C-SEUL"\n\n'
            '[[passages]]\nsession = "S1"\ndate = 2024-11-18\ndecisions = { D3 = "acquis" }\n',
            encoding="utf-8",
        )
        proc = cli("check", str(dossier), "--as-of", "2025-01-01", site=site)
        assert proc.returncode == 1 and "erreur interne" not in proc.stderr and "Traceback" not in proc.stderr
        assert (
            "extension « exemple » : cqpkit_check_dossier renvoie un Constat seul au lieu d'une liste de Constat : "
            "`return [constat]` (ou None)"
        ) in proc.stderr


class TestDuplicate:
    @staticmethod
    def _twice(site: Path) -> None:
        """Expose the plugin twice, as ``exemple`` and as ``exemple_bis`` from another distribution."""
        expose(site)
        expose(site, entry="exemple_bis", module="cqpkit_exemple_bis", dist="cqpkit-exemple-bis")

    def test_same_id_and_version_is_an_error_naming_both(self, site: Path, baseline: dict[str, Any]) -> None:
        """Two plugins supplying the same id and version give one error naming both, and that version is withdrawn."""
        self._twice(site)
        proc = cli("list", "--json", site=site, load=f"{WITH_EXEMPLE},exemple_bis")
        assert proc.returncode == 1
        listing = as_json(proc)
        [error] = [e for e in listing["erreurs"] if CERT_ID in e["raison"]]
        assert "« exemple »" in error["raison"] and "« exemple_bis »" in error["raison"]
        assert f"version « {CERT_VERSION} »" in error["raison"]
        assert keys(listing) == keys(baseline)

    def test_show_of_a_duplicate_names_both(self, site: Path) -> None:
        """``cqpkit show`` of the duplicated certification fails with a message naming both plugins."""
        self._twice(site)
        proc = cli("show", CERT_ID, site=site, load=f"{WITH_EXEMPLE},exemple_bis")
        assert proc.returncode != 0
        last = proc.stderr.strip().splitlines()[-1]
        assert "fournie deux fois" in last and "« exemple »" in last and "« exemple_bis »" in last


class TestSwitches:
    @staticmethod
    def _names(proc: subprocess.CompletedProcess[str]) -> set[str]:
        return {p["nom"] for p in as_json(proc)["plugins"]}

    def test_disable_hides_the_plugin(self, site: Path, baseline: dict[str, Any]) -> None:
        """``CQPKIT_DISABLE_PLUGINS=exemple`` keeps the plugin out although it is installed and named to load."""
        expose(site)
        assert "exemple" not in self._names(cli("plugins", "--json", site=site, CQPKIT_DISABLE_PLUGINS="exemple"))
        listing = as_json(cli("list", "--json", site=site, CQPKIT_DISABLE_PLUGINS="exemple"))
        assert keys(listing) == keys(baseline)

    def test_load_restricts_to_the_named_plugins(self, site: Path) -> None:
        """``CQPKIT_LOAD_PLUGINS=exemple`` loads that plugin alone beside the builtin one."""
        expose(site)
        names = self._names(cli("plugins", "--json", site=site, load="exemple"))
        from cqpkit.plugins.manager import DEFAULT_PLUGINS

        assert names == {*DEFAULT_PLUGINS, "exemple"}
        assert keys(as_json(cli("list", "--json", site=site, load="exemple"))) == {(CERT_ID, CERT_VERSION)}

    def test_load_without_its_name_leaves_it_out(self, site: Path) -> None:
        """An installed plugin not named in ``CQPKIT_LOAD_PLUGINS`` is not loaded."""
        expose(site)
        names = self._names(cli("plugins", "--json", site=site, load=BUNDLED))
        assert "exemple" not in names and set(BUNDLED.split(",")) <= names

    def test_installed_plugin_loads_when_no_switch_is_set(self, site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without ``CQPKIT_LOAD_PLUGINS``, every installed plugin loads, the third-party one included."""
        monkeypatch.delenv("CQPKIT_LOAD_PLUGINS")
        expose(site)
        assert "exemple" in self._names(cli("plugins", "--json", site=site, load=None))

    def test_trace_prints_each_hook_call_and_result(self, site: Path, tmp_path: Path) -> None:
        """``CQPKIT_TRACE_PLUGINS=1`` prints, on stderr, each hook call with the plugins it reaches, then its result."""
        expose(site)
        dossier = tmp_path / "dossier.toml"
        dossier.write_text(
            f'[dossier]\nid = "EX-TRACE"\ncertification = "{CERT_ID}"\nversion = "{CERT_VERSION}"\nvoie = "formation"\n'
            'inscription = 2024-02-05\n\n[candidat]\nid = "C-TRACE"\n\n'
            '[[passages]]\nsession = "S1"\ndate = 2024-11-18\ndecisions = { D3 = "acquis" }\n',
            encoding="utf-8",
        )
        proc = cli("check", str(dossier), "--as-of", "2025-01-01", site=site, CQPKIT_TRACE_PLUGINS="1")
        lines = proc.stderr.splitlines()
        assert any(ln.startswith("[cqpkit] appel cqpkit_referentiels(register) → ") and ln.endswith("exemple") for ln in lines)
        [called] = [ln for ln in lines if ln.startswith("[cqpkit] appel cqpkit_check_dossier(referentiel, dossier, date, resultat) → ")]
        reached = set(called.partition(" → ")[2].split(", "))
        # The builtin families that check dossiers, and the plugin that supplied the référentiel: never another plugin.
        families = ("premier_passage", "regles", "evaluateurs", "tutorat", "vae", "conditions_passage", "formation", "vigueur", "funding")
        assert reached == {*(f"cqpkit.plugins.default_{f}" for f in families), "exemple"}
        [back] = [ln for ln in lines if ln.startswith("[cqpkit] retour cqpkit_check_dossier : ")]
        assert "exemple_bloc_d3_premature" in back
        assert "exemple_bloc_d3_premature" in proc.stdout
        quiet = cli("check", str(dossier), "--as-of", "2025-01-01", site=site)
        assert "[cqpkit]" not in quiet.stderr and quiet.stdout == proc.stdout


@pytest.mark.slow
class TestRealInstall:
    def test_pip_install_target_is_listed(self, tmp_path: Path) -> None:
        """After ``pip install --target``, the plugin's certification is listed from the installed copy."""
        pytest.importorskip(
            "hatchling",
            reason="hatchling n'est pas importable : pip ne peut pas construire cqpkit-exemple sans isolation de build",
        )
        # Built from a copy so that the build leaves nothing in the source tree.
        source = tmp_path / "src"
        shutil.copytree(PROJECT, source, ignore=shutil.ignore_patterns("__pycache__", "build", "dist", "*.egg-info"))
        target = tmp_path / "target"
        pip = subprocess.run(
            [
                sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
                "--disable-pip-version-check", "--quiet", "--target", str(target), str(source),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert pip.returncode == 0, pip.stdout + pip.stderr
        assert (target / f"cqpkit_exemple-{DIST_VERSION}.dist-info" / "entry_points.txt").is_file()
        listing = as_json(cli("list", "--json", site=target))
        [row] = [r for r in listing["referentiels"] if r["id"] == CERT_ID]
        assert (row["plugin"], row["domaines"]) == ("exemple", 3)
        assert row["fichier"] == str(target / "cqpkit_exemple" / "referentiels" / REF_NAME)
        rows = {p["nom"]: p for p in as_json(cli("plugins", "--json", site=target))["plugins"]}
        assert (rows["exemple"]["distribution"], rows["exemple"]["version"]) == (DIST_NAME, DIST_VERSION)


class TestHookRaisingInACommand:
    """A hook that raises during a command on a dossier: the plugin, the hook, the exception and the line that raised it."""

    #: The plugin's hooks: each calls its own helper module; the check hook fails inside the standard library.
    HOOKS = (
        "import json\n"
        "from cqpkit import hookimpl\n"
        "from cqpkit_exemple.calculs import part\n"
        "\n"
        "\n"
        "def _mine(referentiel):\n"
        '    return referentiel.id == "exemple.agent-test"\n'
        "\n"
        "\n"
        "@hookimpl\n"
        "def cqpkit_check_dossier(referentiel, dossier, date):\n"
        "    if _mine(referentiel):\n"
        '        json.loads("{")\n'
        "\n"
        "\n"
        "@hookimpl\n"
        "def cqpkit_decide(referentiel, dossier, date):\n"
        "    if _mine(referentiel) and dossier.passages:\n"
        "        return part(len(dossier.passages), 0)\n"
        "\n"
        "\n"
        "@hookimpl\n"
        "def cqpkit_funding(referentiel, dossier, date):\n"
        "    if _mine(referentiel):\n"
        "        return part(1, 0)\n"
        "\n"
        "\n"
        "@hookimpl\n"
        "def cqpkit_plan_parcours(referentiel, dossier, date):\n"
        "    if _mine(referentiel):\n"
        "        return part(2, 0)\n"
    )

    @pytest.fixture
    def raising(self, site: Path, tmp_path: Path) -> tuple[Path, Path]:
        """The example plugin with raising hooks (``casse.py``, helper in ``calculs.py``), and a dossier of its certification."""
        package = expose(site)
        (package / "calculs.py").write_text('def part(a, b):\n    """a / b."""\n    return a / b\n', encoding="utf-8")
        (package / "casse.py").write_text(self.HOOKS, encoding="utf-8")
        init = package / "__init__.py"
        init.write_text(
            init.read_text(encoding="utf-8").replace(
                "from cqpkit_exemple.regles import cqpkit_check_dossier\n",
                "from cqpkit_exemple.casse import cqpkit_check_dossier, cqpkit_decide, cqpkit_funding, cqpkit_plan_parcours\n",
            ),
            encoding="utf-8",
        )
        dossier = tmp_path / "dossier.toml"
        dossier.write_text(
            f'[dossier]\nid = "EX-1"\ncertification = "{CERT_ID}"\nversion = "{CERT_VERSION}"\nvoie = "formation"\n'
            'inscription = 2024-02-05\n\n[candidat]\nid = "C-1"\n',
            encoding="utf-8",
        )
        return package, dossier

    @pytest.mark.parametrize(
        ("command", "hook", "exception", "where"),
        [
            ("check", "cqpkit_check_dossier", "JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)", ("casse.py", 13)),
            ("explain", "cqpkit_check_dossier", "JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)", ("casse.py", 13)),
            ("decide", "cqpkit_decide", "ZeroDivisionError: division by zero", ("calculs.py", 3)),
            ("funding", "cqpkit_funding", "ZeroDivisionError: division by zero", ("calculs.py", 3)),
            ("plan", "cqpkit_plan_parcours", "ZeroDivisionError: division by zero", ("calculs.py", 3)),
        ],
    )
    def test_names_the_line_in_the_plugin(
        self, raising: tuple[Path, Path], site: Path, command: str, hook: str, exception: str, where: tuple[str, int]
    ) -> None:
        """Exit 1 and « (levée à FICHIER:LIGNE) »: the innermost line of the plugin's code, not cqpkit's, pluggy's or json's."""
        package, dossier = raising
        if command == "decide":
            # Every command decides first (check and funding read the decision): the decide hook raises only
            # for a dossier with a passage, so that the other commands reach their own hook.
            dossier.write_text(dossier.read_text(encoding="utf-8") + '\n[[passages]]\nsession = "S1"\ndate = 2024-11-18\n', encoding="utf-8")
        proc = cli(command, str(dossier), "--as-of", "2025-01-01", site=site)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr and "erreur interne" not in proc.stderr
        assert (
            f"erreur : extension « exemple » : erreur dans {hook} : {exception} (levée à {package / where[0]}:{where[1]})"
        ) in proc.stderr
