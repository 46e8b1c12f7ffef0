"""Issue 20, point 4: every command whose answer depends on a date says which date it used, and why.

Today is the default (the legal state now); the output says so: « au 07/12/2026 (aujourd'hui ; --as-of
pour une autre date) », or « au 30/06/2020 (--as-of) »; the JSON gives ``date`` and ``date_source``
(``"aujourdhui"`` | ``"as_of"``). Right after recording 2020 decisions, ``dossier show`` and ``jury decide``
also give the result at the last event's date when it differs from today's (the surprise of the issue:
« acquis expirés » today). ``--as-of`` beyond the format's date bounds is a usage error (exit 2).
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import datetime as dt
import json
import subprocess

import pytest

from tests.conftest import ROOT, run_cli
from tests.test_store_support import SP, Templates, db  # noqa: F401 (fixtures)

TODAY = dt.date.today()
TODAY_TXT = TODAY.strftime("%d/%m/%Y")
SAID_TODAY = f"au {TODAY_TXT} (aujourd'hui ; --as-of pour une autre date)"
EXAMPLE = ROOT / "examples" / "dossier-specialiste-prestations-formation.toml"
#: A dossier of the example campaign: D1–D3 acquired at OEMM-JURY-2019-10 (14/10/2019), valid five years.
PARTIAL = "OEMM-2014-0206"


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout


@pytest.fixture
def base(db: str, store_templates: Templates) -> str:
    """The example campaign imported (SQLite or PostgreSQL): what ``cqpkit import examples/campaign --db DB`` writes,
    that command run once per session and engine and its base copied (``CLI_IMPORTS`` in tests/test_store_support.py)."""
    store_templates.fill("campaign-cli", db)
    return db


class TestDossierShow:
    def test_default_says_today_and_the_last_decision(self, base):
        """No --as-of: today, said; and the result at the last jury decision's date, which differs (partial then, expired now)."""
        out = _ok(run_cli("dossier", "show", PARTIAL, "--db", base))
        [line] = [x for x in out.splitlines() if x.startswith("  Résultat ")]
        assert line == f"  Résultat {SAID_TODAY} : acquis expirés"
        assert "    au 14/10/2019, date de la dernière décision du jury : validation partielle (--as-of 2019-10-14 pour le détail à cette date)" in out

    def test_as_of_says_it_and_no_hint(self, base):
        """--as-of: said as such; the hint is for the default date only."""
        out = _ok(run_cli("dossier", "show", PARTIAL, "--db", base, "--as-of", "2020-06-30"))
        assert "  Résultat au 30/06/2020 (--as-of) : validation partielle" in out
        assert "date de la dernière décision" not in out

    def test_json(self, base):
        """JSON: ``date`` and ``date_source``; ``dernier_evenement`` with its date, kind and result."""
        today = json.loads(_ok(run_cli("dossier", "show", PARTIAL, "--db", base, "--json")))
        assert (today["date"], today["date_source"]) == (TODAY.isoformat(), "aujourdhui")
        assert today["resultat"]["statut"] == "expire"
        last = today["dernier_evenement"]
        assert (last["date"], last["evenement"], last["statut"]) == ("2019-10-14", "decision_jury", "partiel")
        given = json.loads(_ok(run_cli("dossier", "show", PARTIAL, "--db", base, "--json", "--as-of", "2019-10-14")))
        assert (given["date"], given["date_source"]) == ("2019-10-14", "as_of")
        assert given["dernier_evenement"] is None  # the date asked is the last event's

    def test_same_result_no_hint(self, base):
        """A dossier certified long ago is still certified today: no hint line."""
        out = _ok(run_cli("dossier", "show", "I410-2018-0101", "--db", base))
        assert f"  Résultat {SAID_TODAY} : certifié" in out
        assert "date de la dernière" not in out


class TestJuryDecide:
    def test_the_issue_scenario(self, base):
        """Decisions recorded now for a 2020 session: today's result, said, then the one at the session's date."""
        members = ["--membre", "E1:employeur", "--membre", "E2:employeur", "--membre", "S1:salarie", "--membre", "S2:salarie"]
        _ok(run_cli("jury", "open", "J-2020-10", "--date", "2020-10-12", "--certification", SP, *members, "--president", "S1", "--db", base))
        _ok(run_cli("jury", "add", "J-2020-10", "OEMM-2017-0207", "--db", base))
        out = _ok(run_cli("jury", "decide", "J-2020-10", "OEMM-2017-0207", "D1=acquis", "D2=acquis", "--db", base))
        lines = out.splitlines()
        assert lines[1] == f"  résultat {SAID_TODAY} : acquis expirés"
        assert lines[2] == "  au 12/10/2020, date de la session : validation partielle"
        given = _ok(run_cli("jury", "decide", "J-2020-10", "OEMM-2017-0207", "D3=acquis", "--db", base, "--as-of", "2021-01-01"))
        assert given.splitlines()[1:] == ["  résultat au 01/01/2021 (--as-of) : validation partielle"]


class TestReports:
    @pytest.mark.parametrize(
        ("args", "head"),
        [
            (["report", "campaign"], "Campagne {said} — base "),
            (["report", "deadlines", "--within", "30"], "Échéances {said} : dans les 30 jours à venir"),
        ],
    )
    def test_heading_and_json(self, base, args, head):
        """The reports' first line says the date and why; their JSON gives ``date_source``."""
        def heading(out: str) -> str:  # the first line, with its continuation lines when it is wrapped to 100 columns
            lines = out.splitlines()
            return " ".join([lines[0], *(x.strip() for x in lines[1:3] if x.startswith("  ") and x.strip())])

        assert heading(_ok(run_cli(*args, "--db", base))).startswith(head.format(said=SAID_TODAY))
        assert heading(_ok(run_cli(*args, "--db", base, "--as-of", "2020-06-30"))).startswith(head.format(said="au 30/06/2020 (--as-of)"))
        data = json.loads(_ok(run_cli(*args, "--db", base, "--json")))
        assert (data["date"], data["date_source"]) == (TODAY.isoformat(), "aujourdhui")
        data = json.loads(_ok(run_cli(*args, "--db", base, "--json", "--as-of", "2020-06-30")))
        assert (data["date"], data["date_source"]) == ("2020-06-30", "as_of")


class TestFileCommands:
    @pytest.mark.parametrize("command", ["check", "decide", "funding", "explain", "plan"])
    def test_json_date_source(self, command):
        """The commands on dossier files give ``date_source`` too."""
        today = json.loads(_ok(run_cli(command, str(EXAMPLE), "--json")))
        assert (today["date"], today["date_source"]) == (TODAY.isoformat(), "aujourdhui")
        given = json.loads(_ok(run_cli(command, str(EXAMPLE), "--json", "--as-of", "2014-07-01")))
        assert (given["date"], given["date_source"]) == ("2014-07-01", "as_of")

    def test_text(self):
        """``decide``'s closing line and ``explain``'s heading say the date and why."""
        assert _ok(run_cli("decide", str(EXAMPLE))).splitlines()[-1].startswith(f"1 dossier {SAID_TODAY}")
        assert "Dossier OEMM-2013-0042, au 01/07/2014 (--as-of)" in _ok(run_cli("explain", str(EXAMPLE), "--as-of", "2014-07-01"))


class TestBounds:
    @pytest.mark.parametrize("day", ["1899-12-31", "2200-01-01", "0001-01-01", "9999-12-31"])
    def test_as_of_beyond_the_bounds(self, day, tmp_path):
        """An --as-of the format could not hold: « date hors des bornes », exit 2, no traceback, no base created."""
        target = tmp_path / "b.db"
        result = run_cli("report", "campaign", "--db", str(target), "--as-of", day)
        assert result.returncode == 2
        assert f"date hors des bornes « {day} » : une date du 01/01/1900 au 31/12/2199 est attendue" in result.stderr
        assert "Traceback" not in result.stderr
        assert not target.exists()

    @pytest.mark.parametrize("day", ["1900-01-01", "2199-12-31"])
    def test_the_bounds_themselves(self, day):
        """The first and the last day are accepted."""
        data = json.loads(_ok(run_cli("decide", str(EXAMPLE), "--json", "--as-of", day)))
        assert data["date"] == day

    def test_jury_open_date(self, tmp_path):
        """``jury open --date`` has the same bounds."""
        result = run_cli("jury", "open", "J-X", "--date", "2300-01-01", "--certification", SP, "--db", str(tmp_path / "b.db"))
        assert result.returncode == 2
        assert "argument --date : date hors des bornes « 2300-01-01 »" in result.stderr
