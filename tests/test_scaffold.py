"""``cqpkit new-plugin``: the scaffold writes a plugin distribution that installs, lists and passes its suite.

The slow test does exactly what a branch body does on its first afternoon, offline: scaffold
a plugin in a temporary directory, ``pip install -e`` it into a fresh virtual environment,
see it in ``cqpkit list``, run its scenario with ``cqpkit test`` and its conformance suite with
pytest, inside that environment.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import sysconfig
import time
import tomllib
from pathlib import Path

import pytest
from cqpkit.scaffold import ScaffoldError, new_plugin, placeholders, template_dir

from tests.conftest import ROOT, run_cli

TODAY = dt.date(2025, 5, 12)
FILES = [
    ".github/workflows/tests.yml",
    ".gitignore",
    "README.md",
    "cqpkit_ma_branche/__init__.py",
    "cqpkit_ma_branche/hooks.py",
    "cqpkit_ma_branche/modeles/attestation.typ",
    "cqpkit_ma_branche/modeles/logo.svg",
    "cqpkit_ma_branche/referentiels/mon-cqp-2025.toml",
    "cqpkit_ma_branche/scenarios/certification-complete.toml",
    "pyproject.toml",
    "schemas/dossier.schema.json",
    "schemas/referentiel.schema.json",
    "schemas/session.schema.json",
    "tests/test_conformance.py",
]
TOKEN = re.compile(
    r"__(?:NAME|DISTRIBUTION|PACKAGE|ENTRY_POINT|BRANCHE|SLUG|CERTIFICATION|INTITULE|YEAR|NEXT_YEAR|CQPKIT_VERSION|INSTALL_CQPKIT)__"
)


# ----------------------------------------------------------------------------- helpers
def fresh_venv(where: Path) -> Path:
    """A new virtual environment that sees the packages of the running one (cqpkit, pytest, hypothesis, hatchling).

    ``python -m venv --system-site-packages`` would expose the *base* interpreter's packages:
    the test environment is itself a virtual environment, whose packages are not the
    system's. So the new environment gets no pip and no packages of its own, and a ``.pth``
    file that adds the running environment's site directories with ``site.addsitedir`` (so
    that their own ``.pth`` files, such as cqpkit's editable install, are processed too).
    Nothing is downloaded. Returns the new environment's Python.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, timeout=120)
    python = where / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()
    ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    lines = "".join(f"import site; site.addsitedir({d!r})\n" for d in ours)
    Path(purelib, "cqpkit-environnement-de-test.pth").write_text(lines, encoding="utf-8")
    return python


def venv_env(**extra: str) -> dict[str, str]:
    """The environment of a command run in a fresh venv: every installed plugin loads, nothing on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CQPKIT_", "PYTHON"))}
    return {**env, **extra}


def run(cmd: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing its output as text."""
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def plugin_dir(tmp_path: Path) -> Path:
    """A plugin ``ma-branche`` scaffolded in a temporary directory, as of 12/05/2025."""
    target, _ = new_plugin("ma-branche", tmp_path / "cqpkit-ma-branche", today=TODAY)
    return target


# ------------------------------------------------------------------------------- tests
class TestNames:
    """What the tokens of the template become."""

    def test_placeholders(self):
        """Distribution, package, entry point, branche, certification id, years and cqpkit version follow from the name."""
        from cqpkit import __version__

        table = placeholders("ma-branche", today=TODAY)
        assert table == {
            "__NAME__": "ma-branche",
            "__DISTRIBUTION__": "cqpkit-ma-branche",
            "__PACKAGE__": "cqpkit_ma_branche",
            "__ENTRY_POINT__": "ma_branche",
            "__BRANCHE__": "ma-branche",
            "__SLUG__": "mon-cqp",
            "__CERTIFICATION__": "ma-branche.mon-cqp",
            "__INTITULE__": "CQP de la branche ma-branche",
            "__NEXT_YEAR__": "2026",
            "__YEAR__": "2025",
            "__CQPKIT_VERSION__": __version__,
        }

    def test_cqpkit_prefix_is_dropped(self):
        """``cqpkit-proprete`` names the plugin ``proprete`` (not ``cqpkit-cqpkit-proprete``)."""
        assert placeholders("cqpkit-proprete", certification="agent", today=TODAY)["__DISTRIBUTION__"] == "cqpkit-proprete"

    @pytest.mark.parametrize("name", ["Ma-Branche", "ma branche", "2branche", "ma_branche", "ma--branche", "-x", "é"])
    def test_invalid_names(self, name):
        """A name is lowercase ASCII letters, digits and single hyphens, starting with a letter; otherwise a sentence says so."""
        with pytest.raises(ScaffoldError, match=r"nom d'extension invalide .* minuscules ASCII, chiffres et tirets"):
            placeholders(name)

    def test_invalid_certification(self):
        """The certification slug follows the same rule as in a référentiel id."""
        with pytest.raises(ScaffoldError, match="identifiant de certification invalide « Mon CQP »"):
            placeholders("ma-branche", certification="Mon CQP")


class TestFiles:
    """The files the scaffold writes, before anything is installed."""

    def test_the_files(self, plugin_dir):
        """pyproject, package with its hookimpl module, référentiel, scenario, conformance test, README and CI file."""
        written = sorted(p.relative_to(plugin_dir).as_posix() for p in plugin_dir.rglob("*") if p.is_file())
        assert written == FILES

    def test_no_token_left(self, plugin_dir):
        """No template token survives in a file name or a file."""
        for path in plugin_dir.rglob("*"):
            assert not TOKEN.search(str(path.relative_to(plugin_dir)))
            if path.is_file():
                assert not TOKEN.search(path.read_text(encoding="utf-8")), path

    def test_pyproject_entry_point(self, plugin_dir):
        """The distribution declares the entry point ``ma_branche`` (group ``cqpkit``) on the hooks module, and a test extra."""
        project = tomllib.loads((plugin_dir / "pyproject.toml").read_text(encoding="utf-8"))["project"]
        assert project["name"] == "cqpkit-ma-branche"
        assert project["entry-points"]["cqpkit"] == {"ma_branche": "cqpkit_ma_branche.hooks"}
        assert project["dependencies"][0].startswith("cqpkit>=")
        assert {"pytest>=8", "hypothesis>=6.100"} <= set(project["optional-dependencies"]["test"])

    def test_referentiel_has_schema_line_and_validates(self, plugin_dir):
        """The référentiel starts with a ``#:schema`` line naming the schema written beside it; it validates; its version is the year of creation."""
        from cqpkit import load_referentiel

        path = plugin_dir / "cqpkit_ma_branche" / "referentiels" / "mon-cqp-2025.toml"
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        assert first == "#:schema ../../schemas/referentiel.schema.json"
        assert (path.parent / first.removeprefix("#:schema ")).resolve() == plugin_dir / "schemas" / "referentiel.schema.json"
        ref = load_referentiel(path)
        assert (ref.id, ref.version, [d.id for d in ref.domaines]) == ("ma-branche.mon-cqp", "2025", ["B1", "B2"])

    def test_scenario_passes_against_the_referentiel(self, plugin_dir):
        """The scenario, run on the scaffolded référentiel (no install needed), gives what it expects."""
        import cqpkit
        from cqpkit import hookimpl
        from cqpkit.testing.scenarios import load_scenario, run_scenario

        package = plugin_dir / "cqpkit_ma_branche"

        class Plugin:
            @hookimpl
            def cqpkit_referentiels(self, register):
                register(package / "referentiels" / "mon-cqp-2025.toml")

        registry = cqpkit.load_registry(plugins=[("ma_branche", Plugin())], cache=False)
        outcome = run_scenario(load_scenario(package / "scenarios" / "certification-complete.toml", registry), registry)
        assert outcome.ok, outcome.differences

    def test_conformance_module_names_the_plugin(self, plugin_dir):
        """The conformance test module subclasses the suite with the plugin's name and certification."""
        text = (plugin_dir / "tests" / "test_conformance.py").read_text(encoding="utf-8")
        assert "class TestConformite(ConformanceSuite):" in text
        assert 'plugin = "ma_branche"' in text and 'certifications = ("ma-branche.mon-cqp",)' in text

    def test_ci_runs_the_suite(self, plugin_dir):
        """The CI file installs the plugin with its test extra and runs the scenarios and pytest."""
        text = (plugin_dir / ".github" / "workflows" / "tests.yml").read_text(encoding="utf-8")
        for step in ("pip install -e '.[test]'", "cqpkit validate cqpkit_ma_branche/referentiels/*.toml", "cqpkit test", "python -m pytest"):
            assert step in text
        assert "${{ matrix.python-version }}" in text

    def test_its_attestation_template_prints(self, plugin_dir, monkeypatch):
        """The override example works as scaffolded: its hook gives its attestation (logo, wording) for its référentiel,
        every other kind keeps cqpkit's, and every kind prints free of missing glyphs (the suite's own check)."""
        pytest.importorskip("typst", reason="le compilateur Typst (extra [documents]) n'est pas installé")
        pypdf = pytest.importorskip("pypdf", reason="pypdf (extra [test]) lit le texte des PDF produits")
        import io

        from cqpkit.documents.typst import Renderer
        from cqpkit.plugins.registry import load_registry
        from cqpkit.testing.documents import missing_glyphs, sample_documents

        monkeypatch.syspath_prepend(str(plugin_dir))
        import importlib

        hooks = importlib.import_module("cqpkit_ma_branche.hooks")
        try:
            registry = load_registry(plugins=[("ma_branche", hooks)], cache=False)
            ref = registry.referentiel("ma-branche.mon-cqp")
            docs = sample_documents(registry, ref)
            assert "attestation" in {d.kind for d in docs}
            with Renderer(registry) as renderer:
                for doc in docs:
                    pdf = renderer.render(doc)
                    assert missing_glyphs(pdf) == [], doc.filename
                    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
                    if doc.kind == "attestation":
                        assert text.startswith("VOTRE LOGO")  # modeles/logo.svg, above the heading
                        assert "Pour la branche « ma-branche »" in text
                    else:
                        assert "VOTRE LOGO" not in text
        finally:
            for name in [m for m in sys.modules if m.startswith("cqpkit_ma_branche")]:
                del sys.modules[name]

    def test_existing_directory_is_never_overwritten(self, plugin_dir):
        """A non-empty target directory is refused with a sentence; an empty one is used."""
        with pytest.raises(ScaffoldError, match="existe déjà et n'est pas un répertoire vide"):
            new_plugin("ma-branche", plugin_dir)
        empty = plugin_dir.parent / "vide"
        empty.mkdir()
        target, files = new_plugin("autre", empty, today=TODAY)
        assert target == empty and len(files) == len(FILES)

    def test_template_is_found(self):
        """In a source checkout the template is referentials/template."""
        assert template_dir() == ROOT / "referentials" / "template"


class TestCommand:
    """``cqpkit new-plugin`` on the command line."""

    def test_creates_and_lists_the_files(self, tmp_path):
        """Exit 0; the output names the plugin, its certification, each file and the next steps."""
        proc = run_cli("new-plugin", "proprete", "--certification", "agent-de-proprete", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("Extension « proprete » (proprete.agent-de-proprete) créée dans cqpkit-proprete :\n")
        assert "  cqpkit_proprete/hooks.py\n" in proc.stdout and "python -m pytest" in proc.stdout
        assert (tmp_path / "cqpkit-proprete" / "pyproject.toml").is_file()

    def test_dest_and_intitule(self, tmp_path):
        """``--dest`` chooses the directory and ``--intitule`` the title in the référentiel."""
        dest = tmp_path / "ailleurs"
        proc = run_cli("new-plugin", "proprete", "--dest", str(dest), "--intitule", "CQP Agent de propreté", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        [ref] = (dest / "cqpkit_proprete" / "referentiels").glob("*.toml")
        assert 'intitule = "CQP Agent de propreté"' in ref.read_text(encoding="utf-8")

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["Ma Branche"], "erreur : nom d'extension invalide « Ma Branche »"),
            (["proprete", "--certification", "x y"], "erreur : identifiant de certification invalide « x y »"),
        ],
    )
    def test_usage_errors_exit_2(self, tmp_path, args, message):
        """An invalid name is a usage error: exit 2, one French line, no traceback, nothing written."""
        proc = run_cli("new-plugin", *args, cwd=tmp_path)
        assert proc.returncode == 2
        assert proc.stderr.startswith(message) and "Traceback" not in proc.stderr
        assert not any(tmp_path.iterdir())

    def test_name_of_an_installed_plugin_exit_2(self, tmp_path):
        """The name of an installed plugin (here the bundled ``mutualite``) is refused: the two would clash at every load."""
        proc = run_cli("new-plugin", "mutualite", cwd=tmp_path)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert proc.stderr.startswith(
            "erreur : le nom d'extension « mutualite » est déjà celui d'une extension installée (distribution cqpkit) : "
            "deux extensions de même nom ne peuvent pas être chargées ensemble ; choisissez-en un autre"
        )
        assert not any(tmp_path.iterdir())

    def test_existing_directory_exit_2(self, tmp_path):
        """Running it twice does not overwrite the first plugin."""
        assert run_cli("new-plugin", "proprete", cwd=tmp_path).returncode == 0
        proc = run_cli("new-plugin", "proprete", cwd=tmp_path)
        assert proc.returncode == 2 and "existe déjà" in proc.stderr

    def test_dest_is_an_existing_file_exit_2(self, tmp_path):
        """``--dest README.md`` (an existing file) is said to be a file, not "a non-empty directory"; the file is untouched."""
        readme = tmp_path / "README.md"
        readme.write_text("# Mon projet\n", encoding="utf-8")
        proc = run_cli("new-plugin", "proprete", "--dest", "README.md", cwd=tmp_path)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert proc.stderr == (
            "erreur : README.md existe déjà et est un fichier, pas un répertoire : --dest attend un répertoire à créer "
            "(ou vide) ; choisissez un autre --dest\n"
        )
        assert "répertoire vide" not in proc.stderr
        assert readme.read_text(encoding="utf-8") == "# Mon projet\n" and sorted(tmp_path.iterdir()) == [readme]

    def test_dest_under_a_file_exit_2(self, tmp_path):
        """``--dest README.md/extension``: the file in the way is named, in French, not a Python error."""
        readme = tmp_path / "README.md"
        readme.write_text("# Mon projet\n", encoding="utf-8")
        proc = run_cli("new-plugin", "proprete", "--dest", "README.md/extension", cwd=tmp_path)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr and "erreur interne" not in proc.stderr
        assert proc.stderr.startswith(
            "erreur : README.md est un fichier, pas un répertoire : --dest README.md/extension ne peut pas être créé dedans"
        )
        assert sorted(tmp_path.iterdir()) == [readme]

    @pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="pas de tube nommé sur ce système")
    def test_dest_is_a_named_pipe_exit_2(self, tmp_path):
        """A special file (here a named pipe) is named as such."""
        os.mkfifo(tmp_path / "tube")
        proc = run_cli("new-plugin", "proprete", "--dest", "tube", cwd=tmp_path)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert proc.stderr.startswith("erreur : tube existe déjà et est un fichier spécial (tube, socket ou périphérique), pas un répertoire")

    def test_listed_in_help(self):
        """``cqpkit --help`` lists the command."""
        assert "new-plugin" in run_cli("--help").stdout


@pytest.mark.slow
class TestScaffoldToPassingSuite:
    def test_scaffold_install_list_and_pass(self, tmp_path):
        """new-plugin → pip install -e in a fresh venv → listed by cqpkit → cqpkit test and the conformance suite pass."""
        timings = {}
        start = time.perf_counter()
        proc = run_cli("new-plugin", "ma-branche", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        project = tmp_path / "cqpkit-ma-branche"
        python = fresh_venv(tmp_path / "venv")
        env = venv_env(CQPKIT_CACHE_DIR=str(tmp_path / "cache"))
        timings["scaffold + venv"] = time.perf_counter() - start

        start = time.perf_counter()
        pip = run(
            [str(python), "-m", "pip", "install", "--no-build-isolation", "--no-deps", "--no-index",
             "--disable-pip-version-check", "-q", "-e", str(project)],
            env=env,
        )
        timings["pip install -e"] = time.perf_counter() - start
        assert pip.returncode == 0, pip.stdout + pip.stderr

        listing = run([str(python), "-m", "cqpkit", "list", "--json"], env=env, cwd=tmp_path)
        year = str(dt.date.today().year)
        [row] = [r for r in json.loads(listing.stdout)["referentiels"] if r["id"] == "ma-branche.mon-cqp"]
        assert (row["plugin"], row["version"], row["domaines"]) == ("ma_branche", year, 2)
        assert row["fichier"] == str(project / "cqpkit_ma_branche" / "referentiels" / f"mon-cqp-{year}.toml")
        plugins = {p["nom"]: p for p in json.loads(run([str(python), "-m", "cqpkit", "plugins", "--json"], env=env).stdout)["plugins"]}
        assert (plugins["ma_branche"]["distribution"], plugins["ma_branche"]["version"]) == ("cqpkit-ma-branche", "0.1.0")
        assert plugins["ma_branche"]["hooks"] == ["cqpkit_document_template", "cqpkit_referentiels"]

        scenarios = run([str(python), "-m", "cqpkit", "test"], env=env, cwd=project)
        assert scenarios.returncode == 0, scenarios.stdout + scenarios.stderr
        assert "ok     " in scenarios.stdout and "certification-complete.toml" in scenarios.stdout
        assert scenarios.stdout.rstrip().endswith(", 0 en échec")

        start = time.perf_counter()
        suite = run([str(python), "-P", "-m", "pytest", "-v", "-p", "no:cacheprovider"], env=env, cwd=project)
        timings["conformance suite"] = time.perf_counter() - start
        assert suite.returncode == 0, suite.stdout + suite.stderr
        assert "tests/test_conformance.py::TestConformite::test_scenarios_pass PASSED" in suite.stdout
        assert "test_vae_route SKIPPED" in suite.stdout  # the declared Capability.NO_VAE, with its reason
        assert "TestConformite::test_documents_print PASSED" in suite.stdout  # its attestation template included
        assert " failed" not in suite.stdout and " error" not in suite.stdout
        print("durées :", ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
