"""Issue 20, point 3: jury problems are said when the session is opened or changed, not only at closing.

A jury of three members (the Mutualité jury is 2 employer + 2 employee members) and a presidency
that stays with the employer collège from one session to the next (it must alternate) are accepted
by ``jury open``, ``jury add`` and ``cqpkit import`` with a warning (exit 0, stored), and refused by
``jury close`` (exit 1), on SQLite and PostgreSQL, as the operator meets them on the command line.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from tests.test_store_support import SP, db, registry, store  # noqa: F401 (fixtures)

EXAMPLE = ROOT / "examples" / "dossier-specialiste-prestations-formation.toml"
FOUR = ["--membre", "E1:employeur", "--membre", "E2:employeur", "--membre", "S1:salarie", "--membre", "S2:salarie"]
THREE = ["--membre", "E1:employeur", "--membre", "E2:employeur", "--membre", "S1:salarie"]


@pytest.fixture
def base(db: str) -> str:
    """An initialised, empty database (SQLite or PostgreSQL), as ``--db`` takes it."""
    _ok(run_cli("db", "init", "--db", db))
    return db


def _ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result


def _open(db: str, sid: str, date: str, membres: list[str], president: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli("jury", "open", sid, "--date", date, "--certification", SP, *membres, "--president", president, *extra, "--db", db)


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("avertissement : ")]


def _sessions(db: str) -> list[str]:
    out = _ok(run_cli("jury", "list", "--json", "--db", db)).stdout
    return [s["session"] for s in json.loads(out)["sessions"]]


class TestThreeMembers:
    def test_open_warns_and_stores(self, base):
        """Three members: « avertissement : jury_composition … », exit 0, the session stored open."""
        result = _ok(_open(base, "J-2020-01", "2020-07-06", THREE, "E1"))
        assert "Session J-2020-01 du 06/07/2020 ouverte" in result.stdout
        warned = _warnings(result.stderr)
        assert len(warned) == 2, result.stderr  # the short collège and the total, as jury close would say them
        assert all("jury_composition" in w and w.endswith("[bloquant à la clôture]") for w in warned)
        assert "3 membres au total au lieu de 4" in result.stderr
        assert "jury close la refusera" in result.stderr
        assert _sessions(base) == ["J-2020-01"]

    def test_close_refuses(self, base):
        """The same findings at closing are errors: exit 1, the session stays open."""
        _ok(_open(base, "J-2020-01", "2020-07-06", THREE, "E1"))
        closed = run_cli("jury", "close", "J-2020-01", "--db", base)
        assert closed.returncode == 1, closed.stdout
        assert "Traceback" not in closed.stderr
        assert "non close : 2 constat(s) bloquant(s)" in closed.stderr
        assert "jury_composition" in closed.stderr
        shown = json.loads(_ok(run_cli("jury", "show", "J-2020-01", "--json", "--db", base)).stdout)
        assert shown["close"] is False

    def test_json_constats(self, base):
        """``jury open --json``: the findings under ``constats``, each saying it will refuse the closing."""
        out = json.loads(_ok(_open(base, "J-2020-01", "2020-07-06", THREE, "E1", "--json")).stdout)
        assert (out["session"], out["statut"], out["date"]) == ("J-2020-01", "ouverte", "2020-07-06")
        assert [c["code"] for c in out["constats"]] == ["jury_composition", "jury_composition"]
        assert all(c["niveau"] == "erreur" and c["bloque_la_cloture"] is True for c in out["constats"])

    def test_a_good_session_says_nothing(self, base):
        """Four members, one president: no warning, ``constats`` empty; the closing goes through."""
        result = _ok(_open(base, "J-2020-01", "2020-07-06", FOUR, "E1"))
        assert _warnings(result.stderr) == []
        assert result.stderr == ""
        out = json.loads(_ok(_open(base, "J-2020-02", "2020-12-07", FOUR, "S1", "--precedente", "J-2020-01", "--json")).stdout)
        assert out["constats"] == []
        _ok(run_cli("jury", "close", "J-2020-01", "--db", base))


class TestAlternation:
    def test_open_warns_then_close_refuses(self, base):
        """A second session presided by the employer collège again: a warning at opening, an error at closing."""
        _ok(_open(base, "J-2020-01", "2020-07-06", FOUR, "E1"))
        result = _ok(_open(base, "J-2020-02", "2020-12-07", FOUR, "E2", "--precedente", "J-2020-01"))
        [warned] = _warnings(result.stderr)
        assert "jury_presidence_alternee" in warned
        assert "la présidence revient au collège « employeur » (président E2)" in warned
        assert _sessions(base) == ["J-2020-01", "J-2020-02"]
        closed = run_cli("jury", "close", "J-2020-02", "--db", base)
        assert closed.returncode == 1
        assert "jury_presidence_alternee" in closed.stderr
        # --forcer closes it all the same (the jury's own choice, recorded in the log)
        _ok(run_cli("jury", "close", "J-2020-02", "--forcer", "--db", base))

    def test_add_says_them_again(self, base):
        """``jury add`` changes the session (who is presented): it says the standing findings again, exit 0; JSON too."""
        _ok(run_cli("import", str(EXAMPLE), "--db", base))
        did = _dossier_id()
        _ok(_open(base, "J-2020-01", "2020-07-06", FOUR, "E1"))
        _ok(_open(base, "J-2020-02", "2020-12-07", FOUR, "E2", "--precedente", "J-2020-01"))
        added = _ok(run_cli("jury", "add", "J-2020-02", did, "--db", base))
        assert f"{did} : présenté à la session J-2020-02" in added.stdout
        assert [w.split()[2] for w in _warnings(added.stderr)] == ["jury_presidence_alternee"]
        again = json.loads(_ok(run_cli("jury", "add", "J-2020-02", did, "--json", "--db", base)).stdout)
        assert again["dossiers"] == [{"dossier": did, "statut": "déjà présenté"}]
        assert [c["code"] for c in again["constats"]] == ["jury_presidence_alternee"]


def _dossier_id() -> str:
    import tomllib

    return tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))["dossier"]["id"]


SESSION_FILE = """\
[session]
id = "{sid}"
date = {date}
certifications = ["{cert}"]
president = "{president}"
{precedente}
{membres}
"""


def _session_file(path: Path, sid: str, date: str, members: list[tuple[str, str]], president: str, precedente: str | None = None) -> Path:
    membres = "\n".join(f'[[membres]]\nid = "{m}"\ncollege = "{c}"\n' for m, c in members)
    path.write_text(
        SESSION_FILE.format(sid=sid, date=date, cert=SP, president=president, membres=membres,
                            precedente=f'precedente = "{precedente}"' if precedente else ""),
        encoding="utf-8",
    )
    return path


class TestImport:
    def test_import_says_them_as_notes(self, base, tmp_path):
        """A session file with three members, then one repeating the employer presidency: notes, exit 0; close refuses."""
        three = [("E1", "employeur"), ("E2", "employeur"), ("S1", "salarie")]
        four = [*three, ("S2", "salarie")]
        first = _session_file(tmp_path / "j1.toml", "J-2020-01", "2020-07-06", three, "E1")
        result = _ok(run_cli("import", str(first), "--db", base))
        notes = [line for line in result.stdout.splitlines() if line.startswith("note : ")]
        assert len(notes) == 2 and all("avertissement jury_composition" in n for n in notes), result.stdout
        # the file corrected (four members): a new version, and nothing more to say about it
        _session_file(first, "J-2020-01", "2020-07-06", four, "E1")
        fixed = json.loads(_ok(run_cli("import", str(first), "--json", "--db", base)).stdout)
        assert fixed["constats"] == {"J-2020-01": []}
        assert fixed["notes"] == []
        second = _session_file(tmp_path / "j2.toml", "J-2020-02", "2020-12-07", four, "E2", "J-2020-01")
        out = json.loads(_ok(run_cli("import", str(second), "--json", "--db", base)).stdout)
        assert [c["code"] for c in out["constats"]["J-2020-02"]] == ["jury_presidence_alternee"]
        assert out["constats"]["J-2020-02"][0]["bloque_la_cloture"] is True
        assert any("jury_presidence_alternee" in n for n in out["notes"])
        closed = run_cli("jury", "close", "J-2020-02", "--db", base)
        assert closed.returncode == 1 and "jury_presidence_alternee" in closed.stderr

    def test_unchanged_file_says_nothing_again(self, base, tmp_path):
        """The same file imported twice: the session is unchanged, so no note the second time."""
        three = [("E1", "employeur"), ("E2", "employeur"), ("S1", "salarie")]
        f = _session_file(tmp_path / "j1.toml", "J-2020-01", "2020-07-06", three, "E1")
        _ok(run_cli("import", str(f), "--db", base))
        again = _ok(run_cli("import", str(f), "--db", base))
        assert "note : " not in again.stdout
        assert "session J-2020-01 inchangée" in again.stdout


class TestApi:
    def test_open_session_returns_the_findings(self, store):
        """``Store.open_session`` returns the findings (engine levels kept); ``session_warnings`` gives them later."""
        import datetime as dt

        from cqpkit.model import Membre, SessionInfo, SessionJury

        session = SessionJury(
            session=SessionInfo(id="J-API", date=dt.date(2020, 7, 6), certifications=(SP,), president="E1"),
            membres=(Membre(id="E1", college="employeur"), Membre(id="S1", college="salarie")),
        )
        found = store.open_session(session, "test")
        assert sorted(c.code for c in found) == ["jury_composition"] * 3
        assert {c.niveau for c in found} == {"erreur"}
        assert [c.message for c in store.session_warnings("J-API")] == [c.message for c in found]
