"""Issue 15, point 7: a failing plugin hurts only its own certifications.

The plugin is ``tests/third_party/cqpkit-defaillant``, a real distribution exposed as an installer
leaves it (package + ``.dist-info`` on ``PYTHONPATH``, entry point ``defaillant``): it supplies the
fictional certification ``defaillant.agent-fictif`` and fails on request in the hook that
``CQPKIT_DEFAILLANT_ECHEC`` names (its README). Beside its dossier, every command gets dossiers of
two bundled certifications, which must come out exactly as without the failure.

The class test (:class:`TestEveryDossierHook`) runs every hook of :mod:`cqpkit.hookspecs` that takes a
dossier (so a new hook is covered as soon as it is declared) × every way a plugin fails (an exception,
``sys.exit(3)``, ``raise KeyboardInterrupt``) × every command that evaluates dossiers. Whether a command
calls a hook is not assumed: a first run without failure records the hooks called
(``CQPKIT_DEFAILLANT_JOURNAL``); a hook the command does not call must change nothing.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import inspect
import json
import re
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cqpkit import hookspecs

from tests.conftest import BUNDLED, ROOT, run_cli
from tests.test_store_support import db  # noqa: F401 (fixtures)
from tests.test_third_party import expose

PROJECT = ROOT / "tests" / "third_party" / "cqpkit-defaillant"
PACKAGE = PROJECT / "cqpkit_defaillant"
CERT = "defaillant.agent-fictif"
LOAD = f"{BUNDLED},defaillant"
AS_OF = "2025-01-01"
OTHERS = [
    ROOT / "examples" / "dossier-specialiste-prestations-formation.toml",  # mutualite
    ROOT / "examples" / "dossier-manager-operationnel.toml",  # cqp_mo
]
DOSSIER = """[dossier]
id = "DF-0001"
certification = "defaillant.agent-fictif"
version = "2024"
voie = "formation"
inscription = 2024-02-05

[candidat]
id = "C-DF-0001"

[[passages]]
session = "DF-JURY-2024-11"
date = 2024-11-18
decisions = { D1 = "acquis" }
"""

#: Every hook that is called for one dossier: those of the hookspecs whose parameters name a ``dossier``.
DOSSIER_HOOKS = sorted(
    name for name in dir(hookspecs) if name.startswith("cqpkit_") and "dossier" in inspect.signature(getattr(hookspecs, name)).parameters
)
#: How a plugin fails, and the text the report shows for it.
KINDS = {"ValueError": "ValueError: barème illisible\\nligne 2 : « {hook} »", "SystemExit": "SystemExit: 3", "KeyboardInterrupt": "KeyboardInterrupt"}
_RAISES = {"ValueError": "raise ValueError", "SystemExit": "sys.exit(3)", "KeyboardInterrupt": "raise KeyboardInterrupt"}


def _line(kind: str) -> int:
    """The line of the plugin that fails with ``kind`` (what « levée à » must name)."""
    lines = (PACKAGE / "__init__.py").read_text(encoding="utf-8").splitlines()
    return next(i for i, text in enumerate(lines, 1) if text.strip().startswith(_RAISES[kind]))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``site-packages`` holding the failing plugin, as an installer leaves it."""
    path = tmp_path_factory.mktemp("site")
    expose(path, entry="defaillant", module="cqpkit_defaillant", dist="cqpkit-defaillant", version="0.1.0", package=PACKAGE)
    return path


@pytest.fixture
def files(tmp_path: Path) -> list[str]:
    """The failing plugin's dossier, then the two dossiers of bundled certifications."""
    own = tmp_path / "defaillant-0001.toml"
    own.write_text(DOSSIER, encoding="utf-8")
    return [str(own), *map(str, OTHERS)]


def cqpkit(site: Path, *args: str, fail: str = "", journal: Path | None = None, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """``cqpkit ARGS`` with the failing plugin loaded; ``fail`` = ``HOOK:KIND``. A KeyboardInterrupt leaking out fails the test."""
    env = {"PYTHONPATH": str(site), "CQPKIT_LOAD_PLUGINS": LOAD, "CQPKIT_DEFAILLANT_ECHEC": fail}
    if journal is not None:
        env["CQPKIT_DEFAILLANT_JOURNAL"] = str(journal)
    try:
        return run_cli(*args, env=env, **kwargs)
    except KeyboardInterrupt:
        pytest.fail(f"KeyboardInterrupt sorti de cqpkit {' '.join(args)} (CQPKIT_DEFAILLANT_ECHEC={fail})")


def _forget_results(db: str) -> None:
    """Drop every stored result (as a base upgraded from version 5 has none): the next report must recompute them."""
    from cqpkit.store.store import Store

    with Store.open(db) as store, store.write() as conn:
        conn.exec_driver_sql("DELETE FROM resultat_periodes")
        conn.exec_driver_sql("DELETE FROM resultats")


def _json(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    try:
        return json.loads(proc.stdout)
    except ValueError:
        pytest.fail(f"sortie non JSON (code {proc.returncode}) :\n{proc.stdout}\n{proc.stderr}")


def _others(data: dict[str, Any], key: str) -> list[Any]:
    """The entries of ``data[key]`` that are not the failing plugin's (by certification or dossier id)."""
    return [x for x in data[key] if x.get("certification") != CERT and not str(x.get("dossier", "")).startswith("DF-")]


def _named(proc: subprocess.CompletedProcess[str], hook: str, kind: str) -> None:
    """No traceback, no exit 3, a message naming the plugin, the hook, the exception and the plugin's line."""
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "erreur interne" not in proc.stderr
    text = KINDS[kind].format(hook=hook)
    expected = f"extension « defaillant » : erreur dans {hook} : {text} (levée à "
    assert expected in proc.stderr, proc.stderr
    assert re.search(rf"levée à [^)]*cqpkit_defaillant[/\\]__init__\.py:{_line(kind)}\)", proc.stderr), proc.stderr
    # A plugin's message cannot forge a line of the report: its line break is shown escaped.
    assert not any(line.startswith("ligne 2") for line in (proc.stdout + proc.stderr).splitlines())


# --------------------------------------------------------------------------- the class test
#: The commands that evaluate dossier files, and those that evaluate stored dossiers (the store's, on both engines).
DOSSIER_COMMANDS = ["check", "decide", "funding", "plan", "explain"]
STORE_COMMANDS = ["import", "report campaign", "dossier show"]
#: Every kind of failure on SQLite; on PostgreSQL one (what is checked happens in Python, before or around the
#: transaction: the engine matters for the rollback of the refused import, the same for every kind).
STORE_ENGINES = [*(("sqlite", k) for k in KINDS), ("postgresql", "SystemExit")]


class TestEveryDossierHook:
    def test_the_plugin_implements_every_dossier_hook(self) -> None:
        """The failing plugin can fail in each dossier hook: a hook added to the hookspecs must be added to it too."""
        source = (PACKAGE / "__init__.py").read_text(encoding="utf-8")
        missing = [h for h in DOSSIER_HOOKS if f"def {h}(" not in source or f'_maybe_fail("{h}")' not in source]
        assert not missing, f"ajoutez {missing} à {PACKAGE / '__init__.py'}"
        assert {"cqpkit_decide", "cqpkit_check_dossier", "cqpkit_funding", "cqpkit_plan_parcours"} <= set(DOSSIER_HOOKS)

    @pytest.mark.parametrize("kind", list(KINDS))
    @pytest.mark.parametrize("hook", DOSSIER_HOOKS)
    @pytest.mark.parametrize("command", DOSSIER_COMMANDS)
    def test_dossier_commands(self, site: Path, files: list[str], tmp_path: Path, command: str, hook: str, kind: str) -> None:
        """check, decide, funding, plan, explain: the other dossiers as without the failure; the culprit named; exit 1."""
        journal = tmp_path / "journal.txt"
        base = cqpkit(site, command, *files, "--as-of", AS_OF, "--json", journal=journal)
        assert base.returncode in (0, 1) and "DF-0001" in base.stdout, base.stderr
        called = set(journal.read_text(encoding="utf-8").split()) if journal.exists() else set()
        proc = cqpkit(site, command, *files, "--as-of", AS_OF, "--json", fail=f"{hook}:{kind}")
        data, before = _json(proc), _json(base)
        if hook not in called:  # this command does not call the hook: nothing changes
            assert (proc.returncode, data) == (base.returncode, before)
            return
        _named(proc, hook, kind)
        assert "« DF-0001 »" in proc.stderr
        key = "dossiers" if command in ("check", "funding", "explain") else ("resultats" if command == "decide" else "parcours")
        assert _others(data, key) == _others(before, key) and _others(before, key)
        if command == "check":  # the failure is a finding of that dossier
            [own] = [x for x in data["dossiers"] if x["dossier"] == "DF-0001"]
            findings = own["constats"]
        else:  # the dossier is left out of the results and listed apart
            [own] = data["non_evalues"]
            assert (own["dossier"], own["certification"], own["fichier"]) == ("DF-0001", CERT, files[0])
            findings = own["constats"]
        [finding] = findings
        assert (finding["code"], finding["niveau"]) == ("extension_en_echec", "erreur")
        assert (finding["valeurs"]["extension"], finding["valeurs"]["crochet"]) == ("defaillant", hook)
        assert finding["valeurs"]["lieu"].endswith(f"__init__.py:{_line(kind)}")

    @pytest.mark.parametrize(("db", "kind"), STORE_ENGINES, indirect=["db"])
    @pytest.mark.parametrize("hook", DOSSIER_HOOKS)
    @pytest.mark.parametrize("command", STORE_COMMANDS)
    def test_store_commands(
        self, site: Path, files: list[str], tmp_path: Path, db: str, command: str, hook: str, kind: str
    ) -> None:
        """import refuses the whole lot naming file and culprit; report campaign and dossier show go on for the others."""
        journal = tmp_path / "journal.txt"
        fail = f"{hook}:{kind}"
        if command == "import":
            proc = cqpkit(site, "import", "--db", db, *files, fail=fail, journal=journal)  # a hook notes its call, then fails
            called = set(journal.read_text(encoding="utf-8").split()) if journal.exists() else set()
            again = cqpkit(site, "import", "--db", db, *files, "--json")
            statuts = [f["statut"] for f in _json(again)["fichiers"]]
            if hook not in called:  # the import does not call this hook: stored as usual
                assert proc.returncode == 0 and statuts == ["inchangé"] * 3, proc.stderr
                return
            assert statuts == ["nouveau"] * 3  # the refused import stored nothing
            _named(proc, hook, kind)
            assert "import refusé : 1 dossier que le moteur ne peut pas évaluer" in proc.stderr
            assert f"{files[0]}:1: dossier: le moteur ne peut pas évaluer ce dossier" in proc.stderr
            return
        imported = cqpkit(site, "import", "--db", db, *files)
        assert imported.returncode == 0, imported.stderr
        args = ["report", "campaign"] if command == "report campaign" else ["dossier", "show", "DF-0001"]
        args += ["--db", db, "--as-of", AS_OF, "--json"]
        base = cqpkit(site, *args, journal=journal)
        assert base.returncode == 0, base.stderr
        called = set(journal.read_text(encoding="utf-8").split()) if journal.exists() else set()
        proc = cqpkit(site, *args, fail=fail)
        if hook not in called:
            assert (proc.returncode, proc.stdout) == (base.returncode, base.stdout)
            return
        _named(proc, hook, kind)
        if command == "dossier show":  # that dossier is refused, named; another certification's dossier is shown
            assert "— dossier « DF-0001 » non évalué" in proc.stderr and proc.stdout == ""
            other = ["dossier", "show", "OEMM-2013-0042", "--db", db, "--as-of", AS_OF, "--json"]
            assert cqpkit(site, *other, fail=fail).stdout == cqpkit(site, *other).stdout != ""
            return
        data, before = _json(proc), _json(base)
        assert _others(data, "certifications") == _others(before, "certifications") and len(_others(before, "certifications")) == 2
        assert [c["certification"] for c in data["certifications"]] == [c["certification"] for c in _others(before, "certifications")]
        [apart] = data["certifications_non_evaluees"]
        assert (apart["certification"], apart["dossiers"], apart["dossier"], apart["extension"], apart["crochet"]) == (
            CERT, 1, "DF-0001", "defaillant", hook
        )
        assert data["total"]["dossiers"] == before["total"]["dossiers"] - 1
        assert "1 certification non évaluée" in proc.stderr


# --------------------------------------------------------------------------- beyond the dossier hooks
class TestOtherFailures:
    @pytest.mark.parametrize("command", ["check", "report campaign"])
    def test_a_real_ctrl_c_still_stops_the_command(self, site: Path, files: list[str], db: str, command: str) -> None:
        """A SIGINT delivered while a plugin runs is the user's Ctrl-C, not the plugin's failure: « interrompu », exit 130."""
        if command == "check":
            args = ["check", *files, "--as-of", AS_OF]
        else:  # the report reads stored results: the engine runs when they are recomputed (--refresh)
            assert cqpkit(site, "import", "--db", db, *files).returncode == 0
            _forget_results(db)
            args = ["report", "campaign", "--refresh", "--db", db, "--as-of", AS_OF]
        # As at a terminal: Python's handler for SIGINT. A process started in the background by a shell without job
        # control (a CI script's `cmd &`) inherits SIGINT ignored, and Python then leaves it ignored (POSIX: such a job
        # gets no Ctrl-C), so the plugin's signal would not arrive at all.
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            proc = cqpkit(site, *args, fail="cqpkit_decide:ctrl-c")
        finally:
            signal.signal(signal.SIGINT, previous)
        assert (proc.returncode, proc.stderr.strip()) == (130, "interrompu")
        if command != "check":  # nothing was stored as the plugin's failure: the results are still to compute
            again = cqpkit(site, "report", "campaign", "--db", db, "--as-of", AS_OF)
            assert again.returncode == 1 and "cqpkit db refresh" in again.stderr

    @pytest.mark.parametrize("command", [["report", "campaign", "--refresh"], ["db", "refresh"]])
    def test_a_plugin_failing_on_refresh_is_stored_and_named(self, site: Path, files: list[str], db: str, command: list[str]) -> None:
        """Results recomputed while a plugin fails keep its failure: the report names the certification apart, as before."""
        assert cqpkit(site, "import", "--db", db, *files).returncode == 0
        before = _json(cqpkit(site, "report", "campaign", "--db", db, "--as-of", AS_OF, "--json"))
        _forget_results(db)
        fail = "cqpkit_check_dossier:ValueError"
        done = cqpkit(site, *command, "--db", db, *(["--as-of", AS_OF, "--json"] if command[0] == "report" else []), fail=fail)
        data = _json(done) if command[0] == "report" else _json(cqpkit(site, "report", "campaign", "--db", db, "--as-of", AS_OF, "--json"))
        [apart] = data["certifications_non_evaluees"]
        assert (apart["certification"], apart["dossiers"], apart["dossier"], apart["extension"], apart["crochet"]) == (
            CERT, 1, "DF-0001", "defaillant", "cqpkit_check_dossier"
        )
        assert apart["lieu"].endswith(f"__init__.py:{_line('ValueError')}")
        assert _others(data, "certifications") == _others(before, "certifications") != []

    def test_the_process_exit_code_is_not_the_plugins(self, site: Path, files: list[str]) -> None:
        """A real process: a plugin calling sys.exit(3) does not end it with 3 and nothing said (the reported bug)."""
        env = {"PYTHONPATH": str(site), "CQPKIT_LOAD_PLUGINS": LOAD, "CQPKIT_DEFAILLANT_ECHEC": "cqpkit_decide:SystemExit"}
        proc = run_cli("decide", *files, "--as-of", AS_OF, env=env, subprocess=True)
        _named(proc, "cqpkit_decide", "SystemExit")
        assert "OEMM-2013-0042 (mutualite.specialiste-prestations 2014) : certifié le 30/06/2014" in proc.stdout

    @pytest.mark.parametrize("kind", list(KINDS))
    def test_at_import_and_in_referentiels(self, site: Path, kind: str) -> None:
        """Failing while cqpkit imports it, or in cqpkit_referentiels: a failure of that plugin; the others load."""
        base = _json(cqpkit(site, "list", "--json"))
        others = [r for r in base["referentiels"] if r["id"] != CERT]
        assert len(others) < len(base["referentiels"])
        for where, text in (("import", "échec du chargement de « cqpkit_defaillant » : "), ("cqpkit_referentiels", "erreur dans cqpkit_referentiels : ")):
            proc = cqpkit(site, "list", "--json", fail=f"{where}:{kind}")
            data = _json(proc)
            assert proc.returncode == 1 and "Traceback" not in proc.stderr
            assert data["referentiels"] == others
            [error] = [e for e in data["erreurs"] if e["plugin"] == "defaillant"]
            assert error["raison"].startswith(text + KINDS[kind].format(hook=where)), error

    def test_check_session_failure_is_named(self, site: Path, files: list[str], tmp_path: Path) -> None:
        """The session hook too: exit 1, the plugin, the hook and its line named, no traceback."""
        session = tmp_path / "session.toml"
        session.write_text(
            '[session]\nid = "DF-JURY-2024-11"\ndate = 2024-11-18\ncertifications = ["defaillant.agent-fictif"]\npresident = "J-01"\n\n'
            '[[membres]]\nid = "J-01"\ncollege = "employeurs"\n\n[[membres]]\nid = "J-02"\ncollege = "salaries"\n',
            encoding="utf-8",
        )
        proc = cqpkit(site, "check", files[0], "--session", str(session), "--as-of", AS_OF, fail="cqpkit_check_session:SystemExit")
        _named(proc, "cqpkit_check_session", "SystemExit")
