"""An operator's review of the store commands: each test is a defect found by using the CLI, and its fix.

Real databases (SQLite files, and PostgreSQL schemas when ``CQPKIT_TEST_POSTGRES_URL`` is set), the
real command line: French messages, exit codes 1 (refused) and 2 (usage, unusable), no traceback,
and nothing stored changed by a command that fails.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import stat
from typing import ClassVar

import pytest

from tests.conftest import run_cli
from tests.test_store_cli import _fails, _ok
from tests.test_store_support import CAMPAIGN, Templates, db, postgres_url_or_skip, registry, snapshot  # noqa: F401 (fixtures)

AS_OF = "2020-06-30"
MEMBERS = ["--membre", "J-01:employeur", "--membre", "J-02:employeur", "--membre", "J-03:salarie", "--membre", "J-04:salarie"]


#: The session's store templates (tests/test_store_support.py), for ``_campaign``.
_TEMPLATES: list[Templates] = []


@pytest.fixture(autouse=True)
def _templates(store_templates: Templates) -> None:
    _TEMPLATES[:] = [store_templates]


def _campaign(db: str) -> str:
    """``db`` holding what ``cqpkit import --db DB examples/campaign --operateur oemm`` writes: that command's result,
    run once per session and engine (``CLI_IMPORTS["campaign-oemm"]``), copied (the import itself is tested in test_store*.py)."""
    _TEMPLATES[0].fill("campaign-oemm", db)
    return db


def _snapshot(db: str, registry) -> dict:  # type: ignore[no-untyped-def]
    from cqpkit.store.store import Store

    with Store.open(db, registry=registry) as store:
        return snapshot(store)


def _audit_entries(db: str) -> int:
    return json.loads(_ok(run_cli("db", "verify", "--db", db, "--json")))["entrees"]


class TestDeadlineWindow:
    """`report deadlines`: a window reaching past the calendar is not an internal error."""

    def test_window_beyond_the_calendar(self, db):
        """A huge --within, or an --as-of at either end of the calendar: exit 0, the window stops at the calendar's ends."""
        _campaign(db)
        data = json.loads(_ok(run_cli("report", "deadlines", "--within", "99999999999", "--as-of", AS_OF, "--db", db, "--json")))
        assert data["jours"] == 99999999999
        assert len(data["a_venir"]) + len(data["passees"]) > 4  # every deadline stored, on both sides
        for day in ("1900-01-01", "2199-12-31"):  # the format's date bounds (formats/limits.py)
            out = _ok(run_cli("report", "deadlines", "--within", "10", "--as-of", day, "--db", db))
            assert "erreur" not in out
        for day in ("0001-01-01", "9999-12-31"):  # beyond them: a usage error in French, exit 2
            refused = run_cli("report", "deadlines", "--within", "10", "--as-of", day, "--db", db)
            assert refused.returncode == 2 and "Traceback" not in refused.stderr
            assert "date hors des bornes" in refused.stderr

    def test_api_window_beyond_the_calendar(self, db, registry):
        """`Store.deadlines` keeps its window within the calendar too."""
        from cqpkit.store.store import Store

        _campaign(db)
        with Store.open(db, registry=registry) as store:
            assert store.deadlines(dt.date.max, 30) == {
                "date": "9999-12-31", "jours": 30, "a_venir": [], "passees": [], "certifications_ignorees": [],
            }
            assert store.deadlines(dt.date(2020, 6, 30), 10**12)["a_venir"]

    def test_within_is_checked_in_french(self, tmp_path):
        """`--within abc` or `-1`: a usage error in French (no « int »), exit 2, before the database is opened."""
        for value in ("abc", "-1", "1.5"):
            err = _fails(run_cli("report", "deadlines", "--within", value, "--db", str(tmp_path / "absente.db")), 2)
            assert f"nombre de jours invalide « {value} » : un entier positif ou nul est attendu" in err
            assert "int" not in err.split("erreur d'utilisation", 1)[1]


class TestExport:
    """`candidate export -o FILE`: a file that cannot be written leaves no export in the audit log."""

    def test_unwritable_output_logs_nothing(self, db, registry, tmp_path):
        """A missing directory, or a directory as the file: exit 2, a French reason, the database unchanged."""
        _campaign(db)
        before = _snapshot(db, registry)
        err = _fails(run_cli("candidate", "export", "C-0207", "-o", str(tmp_path / "absent" / "c.json"), "--db", db), 2)
        assert "écriture impossible (fichier ou répertoire introuvable) ; rien n'a été exporté" in err
        err = _fails(run_cli("candidate", "export", "C-0207", "-o", str(tmp_path), "--db", db), 2)
        assert "écriture impossible (c'est un répertoire, pas un fichier)" in err
        err = _fails(run_cli("candidate", "export", "C-NOPE", "-o", str(tmp_path / "nope.json"), "--db", db), 1)
        assert "candidat « C-NOPE » inconnu" in err
        assert _snapshot(db, registry) == before
        assert not [p for p in os.listdir(tmp_path) if p.startswith(".cqpkit-export-")]  # no temporary file left
        assert not (tmp_path / "nope.json").exists()

    def test_export_file_is_private_and_logged(self, db, tmp_path):
        """A written export holds the data, is readable by its owner only (personal data), and is logged once."""
        _campaign(db)
        n = _audit_entries(db)
        (tmp_path / "rgpd").mkdir()
        path = tmp_path / "rgpd" / "c-0207.json"
        _ok(run_cli("candidate", "export", "C-0207", "-o", str(path), "--db", db))
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["candidat"]["id"] == "C-0207" and data["dossiers"][0]["dossier"] == "OEMM-2017-0207"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert _audit_entries(db) == n + 1
        assert [p.name for p in path.parent.iterdir()] == ["c-0207.json"]

    def test_export_to_a_pipe_writes_through_it(self, db, tmp_path):
        """A target that is not a regular file (a named pipe, /dev/null) is written to, never renamed over.

        Renaming the temporary file over ``/dev/null`` once replaced the device with a private file.
        """
        _campaign(db)
        fifo = tmp_path / "tube"
        os.mkfifo(fifo)
        received: list[bytes] = []

        def read() -> None:
            with open(fifo, "rb") as fh:
                received.append(fh.read())

        import threading

        reader = threading.Thread(target=read)
        reader.start()
        _ok(run_cli("candidate", "export", "C-0207", "-o", str(fifo), "--db", db))
        reader.join(timeout=30)
        assert json.loads(received[0])["candidat"]["id"] == "C-0207"
        assert stat.S_ISFIFO(fifo.stat().st_mode)  # still a pipe
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".cqpkit-export-")] == []


class TestJuryAdd:
    """`jury add`: each dossier once, every problem at once, nothing written when one is wrong."""

    def _open(self, db: str) -> None:
        _ok(run_cli("jury", "open", "OEMM-JURY-2020-07", "--date", "2020-07-06", "--certification", "mutualite.specialiste-prestations",
                    *MEMBERS, "--president", "J-02", "--precedente", "OEMM-JURY-2019-10", "--db", db))

    def test_dossier_named_twice_is_presented_once(self, db):
        """`jury add S D D`: one passage record and one log entry, not two."""
        _campaign(db)
        self._open(db)
        n = _audit_entries(db)
        out = _ok(run_cli("jury", "add", "OEMM-JURY-2020-07", "OEMM-2017-0207", "OEMM-2017-0207", "--db", db))
        assert out.count("présenté à la session") == 1
        history = json.loads(_ok(run_cli("dossier", "history", "OEMM-2017-0207", "--db", db, "--json")))
        assert [p["session"] for p in history["passages"]] == ["OEMM-JURY-2020-07"]
        assert _audit_entries(db) == n + 1

    def test_every_problem_at_once_and_nothing_written(self, db, registry):
        """An unknown dossier and one of another certification: both said, exit 1, the valid one not presented."""
        _campaign(db)
        self._open(db)
        before = _snapshot(db, registry)
        err = _fails(run_cli("jury", "add", "OEMM-JURY-2020-07", "OEMM-2018-0204", "NOPE-1", "I410-2018-0101", "NOPE-2", "--db", db), 1)
        assert "aucun dossier présenté à la session « OEMM-JURY-2020-07 » (3 problèmes)" in err
        assert "dossier « NOPE-1 » inconnu" in err and "dossier « NOPE-2 » inconnu" in err
        assert "dossier « I410-2018-0101 » (secu.manager-operationnel) : la session « OEMM-JURY-2020-07 » ne couvre pas cette certification" in err
        assert _snapshot(db, registry) == before
        err = _fails(run_cli("jury", "add", "OEMM-JURY-2020-07", "NOPE-1", "--db", db), 1)
        assert err.startswith("erreur : dossier « NOPE-1 » inconnu dans la base")


class TestJuryMessages:
    """Unknown sessions, invalid `jury open` options, a domaine decided twice."""

    def test_unknown_session_everywhere(self, db):
        """`jury add | decide | close` on an unknown session say, like `jury show`, the base and the stored sessions."""
        _campaign(db)
        for args in (("add", "NOPE", "OEMM-2017-0207"), ("decide", "NOPE", "OEMM-2017-0207", "D1=acquis"), ("close", "NOPE"), ("show", "NOPE")):
            err = _fails(run_cli("jury", *args, "--db", db), 1)
            assert "session de jury « NOPE » inconnue dans la base " in err, args
            assert "sessions enregistrées : OEMM-JURY-2015-09, OEMM-JURY-2019-03" in err, args

    def test_open_errors_have_no_made_up_line(self, db):
        """`jury open` with an unknown certification and collège: every error, by key path, without a line of a file that does not exist."""
        _campaign(db)
        err = _fails(run_cli("jury", "open", "S-BAD", "--date", "2020-09-01", "--certification", "mutualite.teleconseiller",
                             "--certification", "nope.cert", "--membre", "X:foo", "--db", db), 1)
        lines = err.splitlines()
        assert lines[0] == "erreur : session « S-BAD » invalide :"
        assert any(x.startswith("jury open: membres[0].college: collège « foo » inconnu") for x in lines), err
        assert any(x.startswith("jury open: session.certifications[1]: certification « nope.cert » inconnue") for x in lines), err
        assert not re.search(r"jury open:\d", err)

    def test_open_with_unknown_previous_session(self, db, registry):
        """`jury open --precedente NOPE`: refused (exit 1) naming the stored sessions, nothing written; a known one is accepted."""
        _campaign(db)
        before = _snapshot(db, registry)
        args = ["jury", "open", "S-NEXT", "--date", "2020-09-01", "--certification", "mutualite.specialiste-prestations", *MEMBERS, "--db", db]
        err = _fails(run_cli(*args, "--precedente", "NOPE"), 1)
        assert "--precedente : session de jury « NOPE » inconnue dans la base " in err
        assert "OEMM-JURY-2015-09" in err
        assert _snapshot(db, registry) == before
        _ok(run_cli(*args, "--precedente", "OEMM-JURY-2019-10"))
        assert json.loads(_ok(run_cli("jury", "show", "S-NEXT", "--db", db, "--json")))["precedente"] == "OEMM-JURY-2019-10"

    def test_decide_same_domaine_twice(self, db, registry):
        """`D1=acquis D1=non_acquis`: refused (exit 2) rather than keeping the last one silently."""
        _campaign(db)
        before = _snapshot(db, registry)
        err = _fails(run_cli("jury", "decide", "OEMM-JURY-2019-10", "OEMM-2014-0206", "D1=acquis", "D1=non_acquis", "--motif", "m", "--db", db), 2)
        assert "décision de D1 donnée plusieurs fois avec des valeurs différentes (acquis, non_acquis)" in err
        assert _snapshot(db, registry) == before


class TestPresidencyHistory:
    """`jury close` / `jury show`: the previous session is one of the same jury, not another branch's."""

    def _findings(self, db: str, president: str) -> list[dict]:
        _ok(run_cli("jury", "open", "OEMM-JURY-2020-07", "--date", "2020-07-06", "--certification", "mutualite.specialiste-prestations",
                    *MEMBERS, "--president", president, "--db", db))
        return [c for c in json.loads(_ok(run_cli("jury", "show", "OEMM-JURY-2020-07", "--db", db, "--json")))["constats"]
                if c["code"] == "jury_presidence_alternee"]

    def test_other_branch_session_is_not_the_previous_one(self, db):
        """Without --precedente, an employer president after OEMM-JURY-2019-10 (salarié) is right, though I410-JURY-2019-11 (another jury) came later."""
        _campaign(db)
        assert self._findings(db, "J-02") == []
        _ok(run_cli("jury", "close", "OEMM-JURY-2020-07", "--db", db))

    def test_same_jury_previous_session_is_found(self, db):
        """Without --precedente, a salarié president after OEMM-JURY-2019-10 (salarié) is refused at closing."""
        _campaign(db)
        found = self._findings(db, "J-03")
        assert len(found) == 1 and found[0]["valeurs"]["session_precedente"] == "OEMM-JURY-2019-10"
        err = _fails(run_cli("jury", "close", "OEMM-JURY-2020-07", "--db", db), 1)
        assert "jury_presidence_alternee" in err and "OEMM-JURY-2019-10" in err


class TestAddresses:
    """Database addresses: a malformed one is a French usage error; a password is never printed."""

    def test_bad_port(self, tmp_path):
        """A port that is not a number: exit 2 (not an internal error), for reports and for import."""
        url = "postgresql://operateur@127.0.0.1:notaport/campagne?password=s3cret"
        for args in (("report", "campaign"), ("import", str(CAMPAIGN))):
            err = _fails(run_cli(*args, "--db", url), 2)
            assert "adresse PostgreSQL invalide « postgresql://operateur@127.0.0.1:notaport/campagne?password=*** » : port « notaport » invalide" in err
            assert "s3cret" not in err and "erreur interne" not in err

    def test_password_never_shown(self):
        """The label of a URL hides the password of the user part and of the query, and of an unknown scheme."""
        from cqpkit.store.engine import resolve

        assert resolve("postgresql://u:pw1@h/b?sslmode=require&PASSWORD=pw2").label == "postgresql://u@h/b?sslmode=require&PASSWORD=***"
        err = _fails(run_cli("report", "campaign", "--db", "mysql://u:pw3@h/b"), 2)
        assert "« mysql://u@h/b »" in err and "pw3" not in err

    def test_missing_postgres_schema(self):
        """A search_path naming no existing schema: said as such (not « base vide »), for reads and for `db init`, exit 2."""
        base = postgres_url_or_skip()
        sep = "&" if "?" in base else "?"
        url = f"{base}{sep}options=-csearch_path%3Dcqpkit_absent_{secrets.token_hex(4)}"
        for args in (("report", "campaign"), ("db", "init"), ("import", str(CAMPAIGN / "sessions"))):
            err = _fails(run_cli(*args, "--db", url), 2)
            assert "aucun des schémas du search_path (cqpkit_absent_" in err and "CREATE SCHEMA" in err, err


def test_import_without_toml_names_the_directory(tmp_path):
    """A directory with no TOML file: exit 2, the directory named, no database created."""
    (tmp_path / "vide").mkdir()
    (tmp_path / "vide" / "lisez-moi.txt").write_text("rien\n", encoding="utf-8")
    base = tmp_path / "b.db"
    err = _fails(run_cli("import", "--db", str(base), str(tmp_path / "vide")), 2)
    assert f"aucun fichier .toml dans {tmp_path / 'vide'} : rien à importer" in err
    assert not base.exists()


class TestCertificationFilter:
    """`--certification` that neither a plugin nor the base knows is said (exit 1), not shown as an empty report."""

    def test_misspelt_certification(self, db, registry):
        """`report deadlines | campaign` and `jury list`: exit 1 naming the known ones; a known one with nothing to show stays exit 0."""
        from cqpkit.store.errors import NotFoundError
        from cqpkit.store.store import Store

        _campaign(db)
        for args in (("report", "deadlines", "--within", "30"), ("report", "campaign"), ("jury", "list")):
            err = _fails(run_cli(*args, "--certification", "mutualite.specialiste-prestation", "--as-of" if args[0] == "report" else "--json",
                                 *([AS_OF] if args[0] == "report" else []), "--db", db), 1)
            assert "certification « mutualite.specialiste-prestation » inconnue" in err, args
            assert "mutualite.specialiste-prestations" in err.split("certifications connues :", 1)[1], args
        out = _ok(run_cli("report", "deadlines", "--within", "1", "--as-of", AS_OF, "--certification", "mutualite.teleconseiller", "--db", db))
        assert "À venir (0)" in out
        with Store.open(db, registry=registry) as store:
            with pytest.raises(NotFoundError, match="certification « x » inconnue"):
                store.deadlines(dt.date(2020, 6, 30), 5, "x")
            with pytest.raises(NotFoundError, match="certification « x » inconnue"):
                store.campaign(dt.date(2020, 6, 30), "x")
            assert store.campaign(dt.date(2020, 6, 30), "mutualite.teleconseiller")["total"]["dossiers"] == 2


def test_same_file_reached_twice_is_read_once(tmp_path):
    """A directory named twice, or a file named and inside a directory named too: each file is read once."""
    base = tmp_path / "b.db"
    sessions = CAMPAIGN / "sessions"
    one = sorted(sessions.glob("*.toml"))[0]
    out = _ok(run_cli("import", "--db", str(base), str(sessions), str(sessions), str(one), "--json"))
    fichiers = json.loads(out)["fichiers"]
    assert len(fichiers) == len(list(sessions.glob("*.toml")))
    assert len({f["fichier"] for f in fichiers}) == len(fichiers)
    # Two different files describing the same session are still refused.
    copy = tmp_path / "copie.toml"
    copy.write_bytes(one.read_bytes())
    err = _fails(run_cli("import", "--db", str(tmp_path / "c.db"), str(sessions), str(copy)), 1)
    assert "déjà lue dans" in err


class TestPresence:
    """`jury add --absent | --excuse | --present` on a dossier already presented: its presence can be set right, append-only."""

    SESSION = ["S-PRES", "--date", "2020-09-01", "--certification", "mutualite.specialiste-prestations", *MEMBERS]
    DOSSIER = "OEMM-2016-0205"

    def _open(self, db: str) -> None:
        _campaign(db)
        _ok(run_cli("jury", "open", *self.SESSION, "--db", db))

    def _record(self, db: str) -> dict:
        shown = json.loads(_ok(run_cli("jury", "show", "S-PRES", "--db", db, "--json")))
        [record] = [c for c in shown["candidats"] if c["dossier"] == self.DOSSIER]
        return record

    def test_present_then_absent_then_present(self, db):
        """Presented, then recorded absent, then present again: three records, the last in force; each change logged."""
        self._open(db)
        assert _ok(run_cli("jury", "add", "S-PRES", self.DOSSIER, "--db", db)).strip() == f"{self.DOSSIER} : présenté à la session S-PRES"
        entries = _audit_entries(db)
        out = _ok(run_cli("jury", "add", "S-PRES", self.DOSSIER, "--absent", "--db", db))
        assert out.strip() == f"{self.DOSSIER} : présence mise à jour (absent) à la session S-PRES"
        record = self._record(db)
        assert (record["absent"], record["excuse"], len(record["enregistrements"])) == (True, False, 2)
        assert record["enregistrements"][1]["remplace"] == record["enregistrements"][0]["id"]
        assert _audit_entries(db) == entries + 1
        # The same presence again, or no presence said: nothing written.
        for extra in (["--absent"], []):
            out = _ok(run_cli("jury", "add", "S-PRES", self.DOSSIER, *extra, "--db", db))
            assert out.strip() == f"{self.DOSSIER} : déjà présenté (absent) à la session S-PRES"
        assert _audit_entries(db) == entries + 1
        out = _ok(run_cli("jury", "add", "S-PRES", self.DOSSIER, "--present", "--db", db))
        assert out.strip() == f"{self.DOSSIER} : présence mise à jour (présent) à la session S-PRES"
        record = self._record(db)
        assert (record["absent"], record["excuse"], len(record["enregistrements"])) == (False, False, 3)
        assert _audit_entries(db) == entries + 2
        assert json.loads(_ok(run_cli("db", "verify", "--db", db, "--json")))["integre"] is True

    def test_no_decision_on_an_absent_candidate(self, db, registry):
        """`jury decide` on a dossier recorded absent: refused (exit 1) with the way out, nothing written; after --present it is recorded."""
        self._open(db)
        _ok(run_cli("jury", "add", "S-PRES", self.DOSSIER, "--excuse", "--db", db))
        before = _snapshot(db, registry)
        err = _fails(run_cli("jury", "decide", "S-PRES", self.DOSSIER, "D1=acquis", "--db", db), 1)
        assert f"dossier « {self.DOSSIER} » enregistré excusé à la session « S-PRES » : le jury ne décide pas" in err
        assert f"cqpkit jury add S-PRES {self.DOSSIER} --present" in err
        assert _snapshot(db, registry) == before
        _ok(run_cli("jury", "add", "S-PRES", self.DOSSIER, "--present", "--db", db))
        # 0205 has no final evaluation: an « acquis » is contrary to it and needs its motive (the store's rule)
        _ok(run_cli("jury", "decide", "S-PRES", self.DOSSIER, "D1=acquis", "--motif", "Compétence constatée en entretien", "--db", db))
        assert self._record(db)["decisions"] == {"D1": "acquis"}

    def test_decided_dossier_cannot_be_made_absent(self, db, registry):
        """Decisions recorded: --absent is refused with them named, with every other problem, and nothing is written."""
        self._open(db)
        _ok(run_cli("jury", "add", "S-PRES", self.DOSSIER, "--db", db))
        _ok(run_cli("jury", "decide", "S-PRES", self.DOSSIER, "D1=acquis", "D2=non_acquis", "--motif", "Compétence constatée en entretien", "--db", db))
        before = _snapshot(db, registry)
        err = _fails(run_cli("jury", "add", "S-PRES", self.DOSSIER, "NOPE", "--absent", "--db", db), 1)
        assert "(2 problèmes)" in err and "dossier « NOPE » inconnu" in err
        assert f"dossier « {self.DOSSIER} » : le jury a déjà enregistré des décisions à cette session (D1 acquis, D2 non_acquis) ; il ne peut pas y être absent" in err
        assert _snapshot(db, registry) == before
        # Saying "present" about a present candidate with decisions changes nothing.
        assert "déjà présenté à la session" in _ok(run_cli("jury", "add", "S-PRES", self.DOSSIER, "--present", "--db", db))
        assert _snapshot(db, registry) == before


class TestCampaignSessionsToCome:
    """`report campaign --as-of D`: the sessions dated after D are listed, said to be still to come."""

    def test_future_session_is_to_come(self, db):
        """A session opened for after D: « à venir » in the text, `a_venir` true in the JSON; the ones held before D are not."""
        _campaign(db)
        _ok(run_cli("jury", "open", "OEMM-JURY-2020-09", "--date", "2020-09-14", "--certification", "mutualite.specialiste-prestations",
                    *MEMBERS, "--president", "J-02", "--db", db))
        out = _ok(run_cli("report", "campaign", "--as-of", AS_OF, "--db", db, "--large"))  # the wide form: one line per session
        assert "Sessions de jury (6, dont 1 à venir après le 30/06/2020)" in out
        lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ") and "JURY" in line}
        assert lines["OEMM-JURY-2020-09"].endswith("14/09/2020  mutualite.specialiste-prestations  ouverte — à venir")
        assert lines["OEMM-JURY-2019-10"].endswith("close") and "à venir" not in lines["OEMM-JURY-2019-10"]
        data = json.loads(_ok(run_cli("report", "campaign", "--as-of", AS_OF, "--db", db, "--json")))
        assert {s["session"]: s["a_venir"] for s in data["sessions"]} == {
            "OEMM-JURY-2015-09": False, "OEMM-JURY-2019-03": False, "I410-JURY-2019-03": False,
            "OEMM-JURY-2019-10": False, "I410-JURY-2019-11": False, "OEMM-JURY-2020-09": True,
        }
        # As of an earlier date, sessions held since are to come as well (a session on the date itself is not).
        data = json.loads(_ok(run_cli("report", "campaign", "--as-of", "2019-10-14", "--db", db, "--json")))
        assert [s["session"] for s in data["sessions"] if s["a_venir"]] == ["I410-JURY-2019-11", "OEMM-JURY-2020-09"]
        out = _ok(run_cli("report", "campaign", "--as-of", "2019-10-14", "--db", db))
        assert "I410-JURY-2019-11  19/11/2019  close — à venir : secu.manager-operationnel" in out


class TestHistoryDates:
    """`dossier history`: French dates in the text, as `dossier show` writes them; ISO in the JSON."""

    def test_french_dates_in_text_iso_in_json(self, db):
        """No ISO date left in the text: jury and evaluation dates jj/mm/aaaa, recording times jj/mm/aaaa à hh:mm:ss UTC."""
        _campaign(db)
        _ok(run_cli("jury", "decide", "OEMM-JURY-2019-10", "OEMM-2014-0206", "D4=acquis", "--motif", "erreur de saisie", "--db", db))
        for dossier in ("OEMM-2014-0206", "I410-2018-0101"):
            out = _ok(run_cli("dossier", "history", dossier, "--db", db))
            assert not re.search(r"\d{4}-\d{2}-\d{2}", out), out
            assert re.search(r"\n    1  \d{2}/\d{2}/\d{4} à \d{2}:\d{2}:\d{2} UTC  par oemm  \(", out), out
            assert re.search(r"\n    n° \d+  \d{2}/\d{2}/\d{4} à \d{2}:\d{2}:\d{2} UTC  oemm  dossier.creation " + dossier, out), out
        out = _ok(run_cli("dossier", "history", "OEMM-2014-0206", "--db", db))
        assert "OEMM-JURY-2015-09 (21/09/2015)" in out and "OEMM-JURY-2019-10 (14/10/2019)" in out
        out = _ok(run_cli("dossier", "history", "I410-2018-0101", "--db", db))
        assert re.search(r"\n    version 1  \d{2}/\d{2}/\d{4}  \S", out), out
        data = json.loads(_ok(run_cli("dossier", "history", "OEMM-2014-0206", "--db", db, "--json")))
        assert data["passages"][0]["date"] == "2015-09-21"
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00", data["journal"][0]["horodatage"])


class TestEraseTwice:
    """`candidate erase` on a candidate already erased: said, with the date, and nothing changed."""

    def test_second_erasure_changes_nothing(self, db, registry):
        """Exit 0, « déjà effacées le jj/mm/aaaa », the same pseudonym, no new log entry, the base unchanged."""
        from cqpkit.store.store import Store

        _campaign(db)
        first = _ok(run_cli("candidate", "erase", "C-0207", "--confirmer", "--db", db))
        pseudonyme = re.search(r"« (Candidat-[0-9a-f]+) »", first).group(1)
        assert "données personnelles effacées, remplacées par le pseudonyme" in first
        before = _snapshot(db, registry)
        entries = _audit_entries(db)
        again = _ok(run_cli("candidate", "erase", "C-0207", "--confirmer", "--db", db, "--operateur", "dpo"))
        today = dt.datetime.now(dt.UTC).date().strftime("%d/%m/%Y")
        assert again.strip() == (
            f"Candidat C-0207 : données personnelles déjà effacées le {today} (pseudonyme « {pseudonyme} ») ; rien à faire, rien n'a été modifié."
        )
        assert _audit_entries(db) == entries
        assert _snapshot(db, registry) == before
        with Store.open(db, registry=registry) as store:
            done = store.erase("C-0207", operateur="dpo")
            assert (done.pseudonyme, done.deja_efface, done.efface_le[:10]) == (pseudonyme, True, dt.datetime.now(dt.UTC).date().isoformat())
            assert store.erase_candidat("C-0207", operateur="dpo") == pseudonyme
        assert _snapshot(db, registry) == before


class TestMissingPlugin:
    """A base holding dossiers of a certification whose plugin is not loaded here: reported as far as possible, said, exit 1."""

    MUTUALITE_ONLY: ClassVar[dict[str, str]] = {"CQPKIT_LOAD_PLUGINS": "mutualite"}
    SECU = "secu.manager-operationnel"

    def test_campaign_reports_the_others(self, db, registry):
        """`report campaign`: the Mutualité certifications reported, the CQP MO left out and named on stderr with the cure; exit 1."""
        _campaign(db)
        before = _snapshot(db, registry)
        result = run_cli("report", "campaign", "--db", db, "--as-of", AS_OF, "--large", env=self.MUTUALITE_ONLY)
        err = _fails(result, 1)
        rows = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line.startswith(("mutualite.", "secu.", "Total"))}
        assert set(rows) == {"mutualite.assistant-commercial", "mutualite.charge-accueil-relation-clients", "mutualite.conseiller-mutualiste",
                             "mutualite.specialiste-prestations", "mutualite.teleconseiller", "Total"}
        assert rows["mutualite.specialiste-prestations"][1:9] == ["8", "8", "5", "3", "3", "2", "1", "0"]
        assert rows["Total"][1:3] == ["18", "17"]
        assert "rapport incomplet : 1 certification de la base laissée de côté" in err
        assert f"  {self.SECU} (5 dossiers) : aucune extension chargée ne fournit cette certification — installez l'extension (le plugin) qui la fournit" in err
        assert "CQPKIT_LOAD_PLUGINS=mutualite : seules ces extensions installées sont chargées" in err
        assert "inconnue" not in err
        data = json.loads(run_cli("report", "campaign", "--db", db, "--as-of", AS_OF, "--json", env=self.MUTUALITE_ONLY).stdout)
        [left] = data["certifications_ignorees"]
        assert (left["certification"], left["dossiers"]) == (self.SECU, 5) and "installez" in left["raison"]
        assert data["total"]["dossiers"] == 18 and self.SECU not in [c["certification"] for c in data["certifications"]]
        assert _snapshot(db, registry) == before

    def test_deadlines_report_the_others(self, db):
        """`report deadlines`: the deadlines of the certifications whose plugin is loaded; the others named; exit 1."""
        _campaign(db)
        full = json.loads(_ok(run_cli("report", "deadlines", "--within", "180", "--as-of", AS_OF, "--db", db, "--json")))
        assert full["a_venir"] and full["certifications_ignorees"] == []
        result = run_cli("report", "deadlines", "--within", "180", "--as-of", AS_OF, "--db", db, env=self.MUTUALITE_ONLY)
        err = _fails(result, 1)
        assert "OEMM-2017-0207" in result.stdout and f"{self.SECU} (5 dossiers) : aucune extension chargée" in err
        only_secu = {"CQPKIT_LOAD_PLUGINS": "cqp_mo"}
        result = run_cli("report", "deadlines", "--within", "180", "--as-of", AS_OF, "--db", db, "--json", env=only_secu)
        err = _fails(result, 1)
        data = json.loads(result.stdout)
        assert data["a_venir"] == [] and data["passees"] == []  # the Mutualité deadlines are not shown as if the rules were there
        assert [x["certification"] for x in data["certifications_ignorees"]] == [
            "mutualite.assistant-commercial", "mutualite.charge-accueil-relation-clients", "mutualite.conseiller-mutualiste",
            "mutualite.specialiste-prestations", "mutualite.teleconseiller",
        ]
        assert "mutualite.specialiste-prestations (8 dossiers)" in err and "CQPKIT_LOAD_PLUGINS=cqp_mo" in err
        assert err.count("CQPKIT_LOAD_PLUGINS") == 1  # the common cause said once, after the list

    def test_certification_asked_for_is_an_error(self, db):
        """`--certification` of a certification whose plugin is missing: exit 1, nothing on stdout, the plugin named as missing."""
        _campaign(db)
        for args in (("report", "campaign", "--as-of", AS_OF), ("report", "deadlines", "--within", "30", "--as-of", AS_OF)):
            result = run_cli(*args, "--certification", self.SECU, "--db", db, env=self.MUTUALITE_ONLY)
            err = _fails(result, 1)
            assert result.stdout == ""
            assert f"erreur : certification « {self.SECU} » (5 dossiers dans la base " in err, args
            assert "aucune extension chargée ne fournit cette certification — installez l'extension" in err
            assert "inconnue" not in err

    def test_dossier_show_says_the_plugin_is_missing(self, db, registry):
        """`dossier show`: exit 1 saying the plugin is missing (not « inconnue »), and that the history is still readable."""
        _campaign(db)
        before = _snapshot(db, registry)
        err = _fails(run_cli("dossier", "show", "I410-2018-0101", "--db", db, env=self.MUTUALITE_ONLY), 1)
        assert err.startswith(f"erreur : dossier « I410-2018-0101 » ({self.SECU} 2016) : aucune extension chargée ne fournit cette certification")
        assert "installez l'extension (le plugin) qui la fournit" in err and "cqpkit dossier history I410-2018-0101" in err
        assert "inconnue" not in err
        assert "Historique du dossier I410-2018-0101" in _ok(run_cli("dossier", "history", "I410-2018-0101", "--db", db, env=self.MUTUALITE_ONLY))
        err = _fails(run_cli("jury", "decide", "I410-JURY-2019-11", "I410-2018-0101", "D1=acquis", "--motif", "m", "--db", db, env=self.MUTUALITE_ONLY), 1)
        assert "aucune extension chargée ne fournit cette certification" in err
        assert _snapshot(db, registry) == before

    def test_jury_show_add_close_say_the_plugin_is_missing(self, db, registry):
        """`jury show` shows what the base holds and says the findings cannot be established; `jury add` and `jury close`
        refuse (the engine recomputes the deadlines, checks the session) — all exit 1, the plugin named as missing."""
        _campaign(db)
        _ok(run_cli("jury", "open", "I410-JURY-2020-09", "--date", "2020-09-01", "--certification", self.SECU, "--membre", "L-01:employeur",
                    "--membre", "L-02:employeur", "--membre", "L-03:institut", "--president", "L-01", "--precedente", "I410-JURY-2019-11",
                    "--db", db))
        before = _snapshot(db, registry)
        result = run_cli("jury", "show", "I410-JURY-2019-11", "--db", db, env=self.MUTUALITE_ONLY)
        err = _fails(result, 1)
        assert "I410-2018-0103 — Verveine Cédric (C-0103), secu.manager-operationnel 2016, parcours-integral\n        acquis : D1, D2" in result.stdout
        assert "Constats : non établis (extension manquante" in result.stdout
        assert err.startswith("erreur : session « I410-JURY-2019-11 » : constats du moteur non établis ici\n")
        assert f"certification « {self.SECU} » : aucune extension chargée ne fournit cette certification" in err
        assert "inconnue" not in err
        result = run_cli("jury", "show", "I410-JURY-2019-11", "--db", db, "--json", env=self.MUTUALITE_ONLY)
        _fails(result, 1)
        data = json.loads(result.stdout)
        assert data["constats"] == [] and len(data["constats_non_etablis"]) == 1 and len(data["candidats"]) == 3
        full = json.loads(_ok(run_cli("jury", "show", "I410-JURY-2019-11", "--db", db, "--json")))
        assert full["constats_non_etablis"] == [] and full["candidats"] == data["candidats"]
        for args in (("jury", "add", "I410-JURY-2020-09", "I410-2018-0102"), ("jury", "close", "I410-JURY-2020-09")):
            err = _fails(run_cli(*args, "--db", db, env=self.MUTUALITE_ONLY), 1)
            assert "aucune extension chargée ne fournit cette certification" in err, args
            assert "inconnue" not in err, args
        assert "session « I410-JURY-2020-09 » non close : le moteur ne peut pas la contrôler ici" in err
        assert _snapshot(db, registry) == before

    def test_missing_referentiel_version(self, db, tmp_path):
        """The plugin supplies another version of the référentiel only: those dossiers are left out, the version named."""

        from tests.conftest import ROOT

        _campaign(db)
        refs = tmp_path / "refs"
        refs.mkdir()
        text = (ROOT / "plugins" / "cqp_mo" / "cqpkit_cqp_mo" / "referentiels" / "manager-operationnel-blocs.toml").read_text("utf-8")
        # Without the cqp_mo plugin its [extensions.cqp_mo] table would make the file invalid: the draft leaves it out.
        (refs / "manager-operationnel-blocs.toml").write_text(text[: text.index("[extensions.cqp_mo]")], "utf-8")
        env = {"CQPKIT_LOAD_PLUGINS": "mutualite", "CQPKIT_REFERENTIELS_PATH": str(refs)}
        result = run_cli("report", "campaign", "--db", db, "--as-of", AS_OF, "--json", env=env)
        err = _fails(result, 1)
        [left] = json.loads(result.stdout)["certifications_ignorees"]
        assert (left["certification"], left["dossiers"]) == (self.SECU, 5)
        assert left["raison"].startswith("version « 2016 » du référentiel absente des extensions chargées (versions fournies : blocs)")
        assert "version « 2016 » du référentiel absente" in err
        err = _fails(run_cli("dossier", "show", "I410-2018-0101", "--db", db, env=env), 1)
        assert "version « 2016 » du référentiel absente des extensions chargées" in err


def test_imported_session_with_unknown_previous_session_gets_a_note(tmp_path):
    """A session file whose `precedente` is neither in the base nor in the import: imported, with a note saying the alternation goes unchecked."""
    from tests.test_store_support import ROOT

    example = ROOT / "examples" / "session-oemm-jury-2014-01.toml"  # precedente = "OEMM-JURY-2013-03", in no file
    base = tmp_path / "b.db"
    out = _ok(run_cli("import", "--db", str(base), str(example)))
    assert (
        f"note : session « OEMM-JURY-2014-01 » ({example}) : sa session précédente « OEMM-JURY-2013-03 » n'est ni dans la base ni dans "
        "cet import ; l'alternance de la présidence ne pourra pas être vérifiée tant qu'elle n'y est pas"
    ) in out
    # The campaign's sessions name previous sessions that are in the same import: no note.
    out = _ok(run_cli("import", "--db", str(tmp_path / "c.db"), str(CAMPAIGN / "sessions")))
    assert "session précédente" not in out
