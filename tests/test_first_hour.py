"""The first hour of a plugin author (issue 20, points 1, 7 and 8), met as a newcomer meets it.

- The next steps ``cqpkit new-plugin`` prints, and its README's, install cqpkit itself first, from
  where the running cqpkit comes (a source checkout, a wheel…): the slow tests parse them from the
  output and run them AS PRINTED in a shell, in a new virtual environment built by ``python3 -m
  venv`` (pip fetches the dependencies from the package index the machine is configured with).
- A date written the French way in a référentiel gets « date attendue sous la forme AAAA-MM-JJ ».
- The docs a scaffolded plugin points to are reachable from an installed wheel (``cqpkit doc
  TOPIC``), and its ``#:schema`` line names a schema written beside its files.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import tomllib
from pathlib import Path

import jsonschema
import pytest
from cqpkit.cli.authoring import DOC_TOPICS
from cqpkit.scaffold import cqpkit_source, new_plugin, next_steps

from tests.conftest import ROOT, run_cli

TODAY = dt.date(2026, 3, 2)
REF = Path("cqpkit_ma_branche", "referentiels", "mon-cqp-2026.toml")
_DOC_MENTION = re.compile(r"cqpkit doc (?:--path )?([a-z]+)")


# ----------------------------------------------------------------------------- helpers
def printed_steps(stdout: str) -> list[str]:
    """The command lines of the « Ensuite » block of ``cqpkit new-plugin``'s output, as printed (indent removed)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Ensuite"))
    block = []
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        block.append(line[2:])
    return block


def shell_env(tmp_path: Path) -> dict[str, str]:
    """A newcomer's shell: no virtual environment active, nothing of cqpkit's test set-up, nothing on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CQPKIT_", "PYTHON", "VIRTUAL_ENV", "PYTEST"))}
    return {**env, "CQPKIT_CACHE_DIR": str(tmp_path / "cache")}


def run_as_printed(steps: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the lines in one POSIX shell, stopping at the first that fails (``sh -e``)."""
    return subprocess.run(["sh", "-e", "-c", "\n".join(steps)], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def jsonable(value):
    """TOML dates become ISO strings, as TOML schema tools see them."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def assert_self_contained(plugin: Path) -> None:
    """No scaffolded file sends its reader to a file of cqpkit's repository; every ``cqpkit doc`` it names exists."""
    for path in plugin.rglob("*"):
        if path.is_file() and ".venv" not in path.parts and path.suffix != ".json":
            text = path.read_text(encoding="utf-8")
            for stray in ("docs/", "referentials/", "cqpkit.invalid"):
                assert stray not in text, f"{path.relative_to(plugin)} mentionne {stray}"
            for topic in _DOC_MENTION.findall(text):
                assert topic in DOC_TOPICS, f"{path.relative_to(plugin)} : cqpkit doc {topic}"


@pytest.fixture
def plugin(tmp_path: Path) -> Path:
    target, _ = new_plugin("ma-branche", tmp_path / "cqpkit-ma-branche", today=TODAY)
    return target


# ------------------------------------------------------------------- point 7: the date
class TestFrenchDate:
    """The newcomer writes the date of their référentiel as on their documents."""

    @pytest.mark.parametrize("written", ["01/01/2026", "1/1/2026", "01-01-2026", "2026/01/01", "01.01.2026"])
    def test_date_written_otherwise(self, plugin, written):
        """``en_vigueur_depuis = 01/01/2026`` (and its kin): file, line, key, and the form to write, with this very date."""
        path = plugin / REF
        text = path.read_text(encoding="utf-8")
        assert "en_vigueur_depuis = 2026-01-01\n" in text
        path.write_text(text.replace("en_vigueur_depuis = 2026-01-01", f"en_vigueur_depuis = {written}"), encoding="utf-8")
        line = text.splitlines().index("en_vigueur_depuis = 2026-01-01") + 1
        proc = run_cli("validate", str(REF), cwd=plugin)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr + proc.stdout
        assert (
            f"{REF}:{line}: syntaxe TOML invalide : clé « en_vigueur_depuis » : « {written} » n'est pas une date TOML : "
            "date attendue sous la forme AAAA-MM-JJ (par exemple 2026-01-01)"
        ) in proc.stdout + proc.stderr

    @pytest.mark.parametrize(
        ("written", "key", "example"),
        [
            ("05/12/2026", "en_vigueur_depuis", "2026-12-05"),  # day first, as in French
            ("31/02/2026", "en_vigueur_depuis", "2026-01-01"),  # no such day: the example is a fixed one
            ("5/12/26", "en_vigueur_depuis", "2026-01-01"),  # two-digit year: no guess
        ],
    )
    def test_the_example_is_the_date_itself_when_it_exists(self, plugin, written, key, example):
        path = plugin / REF
        path.write_text(path.read_text(encoding="utf-8").replace("en_vigueur_depuis = 2026-01-01", f"{key} = {written}"), encoding="utf-8")
        proc = run_cli("validate", str(REF), cwd=plugin)
        assert proc.returncode == 1
        assert f"« {written} » n'est pas une date TOML : date attendue sous la forme AAAA-MM-JJ (par exemple {example})" in proc.stdout + proc.stderr

    def test_in_an_inline_table_and_a_list(self, tmp_path):
        """In an inline table the key is the inline one; in a list, the value alone."""
        from cqpkit.exceptions import InvalidFileError
        from cqpkit.formats.tomlfile import parse_toml

        for text, expected in [
            ("x = { depuis = 01/01/2026, valeur = 1 }\n", "clé « depuis » : « 01/01/2026 » n'est pas une date TOML"),
            ("dates = [2026-01-01, 02/01/2026]\n", "1: syntaxe TOML invalide : « 02/01/2026 » n'est pas une date TOML"),
        ]:
            with pytest.raises(InvalidFileError) as info:
                parse_toml(text, "f.toml")
            assert expected in str(info.value)

    def test_iso_order_with_one_digit_keeps_its_message(self, plugin):
        """``2026-1-5`` already had its message (unchanged); a ratio-like ``1/2`` is not taken for a date."""
        from cqpkit.exceptions import InvalidFileError
        from cqpkit.formats.tomlfile import parse_toml

        with pytest.raises(InvalidFileError, match="date ou heure invalide « 2026-1-5 » : forme attendue AAAA-MM-JJ"):
            parse_toml("d = 2026-1-5\n", "f.toml")
        with pytest.raises(InvalidFileError) as info:
            parse_toml("d = 1/2\n", "f.toml")
        assert "date" not in str(info.value)


# ------------------------------------------------------------- point 8: docs and schemas
class TestDoc:
    """``cqpkit doc``: the pages an installed user can reach."""

    def test_lists_the_topics(self):
        proc = run_cli("doc")
        assert proc.returncode == 0, proc.stderr
        for topic in DOC_TOPICS:
            assert re.search(rf"^  {topic} +\S", proc.stdout, re.M), topic

    @pytest.mark.parametrize("topic", list(DOC_TOPICS))
    def test_prints_the_page(self, topic):
        """In a checkout, the page is the repository's file itself (the wheel ships the same, see below)."""
        source = ROOT / DOC_TOPICS[topic][0]
        proc = run_cli("doc", topic)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == source.read_text(encoding="utf-8")
        assert run_cli("doc", "--path", topic).stdout == f"{source}\n"

    def test_unknown_topic_exit_2(self):
        proc = run_cli("doc", "guide")
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert "argument SUJET : choix invalide : 'guide' (choix possibles : 'plugin', 'format'" in proc.stderr

    def test_every_topic_ships_in_the_wheel(self):
        """pyproject force-includes each topic's file as cqpkit/_docs/TOPIC.md, and nothing else under _docs."""
        with open(ROOT / "pyproject.toml", "rb") as fh:
            included = tomllib.load(fh)["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
        docs = {dest: src for src, dest in included.items() if dest.startswith("cqpkit/_docs/")}
        assert docs == {f"cqpkit/_docs/{topic}.md": src for topic, (src, _) in DOC_TOPICS.items()}


class TestScaffoldPointsToReachableThings:
    def test_no_file_of_the_repository_is_named(self, plugin):
        """README, hooks, tests, référentiel and scenario name ``cqpkit doc …`` pages, never a path of cqpkit's repository."""
        assert_self_contained(plugin)
        readme = (plugin / "README.md").read_text(encoding="utf-8")
        assert "cqpkit doc plugin" in readme and "cqpkit doc format" in readme

    def test_schema_line_names_the_schema_beside_it(self, plugin):
        """``#:schema`` is a path relative to the file (what Taplo reads); the schema is there, valid, and accepts the file."""
        path = plugin / REF
        first = path.read_text(encoding="utf-8").splitlines()[0]
        schema_file = (path.parent / first.removeprefix("#:schema ")).resolve()
        assert schema_file == plugin / "schemas" / "referentiel.schema.json"
        schema = json.loads(schema_file.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.validate(jsonable(tomllib.loads(path.read_text(encoding="utf-8"))), schema)
        bad = jsonable(tomllib.loads(path.read_text(encoding="utf-8")))
        bad["certification"]["intitulé"] = "x"
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)

    def test_schemas_are_what_cqpkit_schema_prints(self, plugin):
        """So the README's regeneration command gives the same files."""
        for kind in ("referentiel", "dossier", "session"):
            proc = run_cli("schema", kind)
            assert (plugin / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8") == proc.stdout, kind


# --------------------------------------------------------- point 1: the printed commands
class TestPrintedCommands:
    """What ``new-plugin`` prints to do next, without running it."""

    def test_from_a_checkout(self, tmp_path):
        """From this checkout: a new venv, cqpkit from its sources (editable), then the plugin, then its checks."""
        proc = run_cli("new-plugin", "ma-branche", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert f"cqpkit s'installe depuis ses sources, {ROOT} :" in proc.stdout
        steps = printed_steps(proc.stdout)
        assert [s.split("  #")[0].rstrip() for s in steps] == [
            "cd cqpkit-ma-branche",
            "python3 -m venv .venv",
            f".venv/bin/pip install -e {ROOT}",
            ".venv/bin/pip install -e '.[test]'",
            ".venv/bin/cqpkit list",
            ".venv/bin/python -m pytest",
        ]
        assert steps[2].endswith("# cqpkit d'abord : il n'est pas sur un index public")

    def test_readme_gives_the_same_commands(self, plugin):
        """The README's block is the printed one, from the plugin's directory."""
        readme = (plugin / "README.md").read_text(encoding="utf-8")
        block = readme.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
        assert [line.split("#")[0].rstrip() for line in block[:4]] == next_steps()[:4]
        assert all(any(line.startswith(step) for line in block) for step in next_steps())

    def test_source_of_an_installed_cqpkit(self, monkeypatch, tmp_path):
        """Outside a checkout: the local wheel it came from, a VCS address, else the exact version from the index."""
        import importlib.metadata

        from cqpkit import __version__, scaffold

        class Dist:
            def __init__(self, direct):
                self.direct = direct

            def read_text(self, name):
                assert name == "direct_url.json"
                return None if self.direct is None else json.dumps(self.direct)

        whl = tmp_path / "mes paquets" / f"cqpkit-{__version__}-py3-none-any.whl"
        whl.parent.mkdir()
        whl.write_bytes(b"")
        cases = [
            ({"url": whl.as_uri(), "archive_info": {}}, f"'{whl}'"),
            ({"url": (tmp_path / "parti.whl").as_uri(), "archive_info": {}}, f"cqpkit=={__version__}"),
            (
                {"url": "https://forge.example/cqpkit.git", "vcs_info": {"vcs": "git", "commit_id": "abc123"}},
                "'cqpkit @ git+https://forge.example/cqpkit.git@abc123'",
            ),
            (None, f"cqpkit=={__version__}"),
        ]
        monkeypatch.setattr(scaffold, "_source_checkout", lambda: None)
        for direct, expected in cases:
            monkeypatch.setattr(importlib.metadata, "distribution", lambda name, d=direct: Dist(d))
            assert cqpkit_source()[0] == expected, direct
        assert "l'index de paquets" in cqpkit_source()[1]


@pytest.mark.slow
class TestAsPrinted:
    """The printed commands, run as printed in a shell, on a machine where cqpkit is on no package index.

    From a checkout here; from a wheel in tests/test_first_hour_wheel.py (its own file: each builds virtual
    environments for a minute or more, and pytest-xdist runs two files at once, not two tests of one file).
    """

    def test_from_a_checkout(self, tmp_path):
        """new-plugin from this checkout → its « Ensuite » lines in ``sh -e`` → cqpkit listed, the plugin's suite passes."""
        proc = run_cli("new-plugin", "ma-branche", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        done = run_as_printed(printed_steps(proc.stdout), tmp_path, shell_env(tmp_path))
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert re.search(r"^ma-branche\.mon-cqp +\d{4} .* ma_branche ", done.stdout, re.M), done.stdout
        assert re.search(r"^=+ \d+ passed, 1 skipped in ", done.stdout, re.M), done.stdout[-2000:]
        venv_python = tmp_path / "cqpkit-ma-branche" / ".venv" / "bin" / "python"
        where = subprocess.run([str(venv_python), "-c", "import cqpkit; print(cqpkit.__file__)"], capture_output=True, text=True, timeout=60)
        assert where.stdout.strip() == str(ROOT / "core" / "cqpkit" / "__init__.py")
