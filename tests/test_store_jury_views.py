"""`cqpkit jury list` and `cqpkit jury show`: the stored sessions, read only, on SQLite and PostgreSQL.

The example campaign (examples/campaign) gives five closed sessions; a new session opened, decided,
closed and corrected in the tests gives an open session, findings and a correction with its motive.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import datetime as dt
import json
import subprocess

import pytest
from cqpkit.model import Membre, SessionInfo, SessionJury
from cqpkit.store.errors import NotFoundError, StoreConflictError

from tests.conftest import run_cli
from tests.test_store_support import CAMPAIGN, SP, campaign_store, db, registry, snapshot, store  # noqa: F401 (fixtures)

NEW = "OEMM-JURY-2020-07"
SESSIONS_BY_DATE = ["OEMM-JURY-2015-09", "OEMM-JURY-2019-03", "I410-JURY-2019-03", "OEMM-JURY-2019-10", "I410-JURY-2019-11"]
LIST_KEYS = {"session", "date", "lieu", "certifications", "president", "membres", "close", "cloturee_le", "dossiers", "candidats"}
SHOW_KEYS = {"session", "date", "lieu", "certifications", "precedente", "president", "membres", "close", "cloturee_le", "version_session", "candidats", "constats", "constats_non_etablis"}
CANDIDATE_KEYS = {"dossier", "candidat", "certification", "version", "voie", "mention", "date", "absent", "excuse", "decisions", "corrections", "enregistrements"}
RECORD_KEYS = {"id", "origine", "date", "absent", "excuse", "decisions", "remplace", "modifie", "motif", "enregistre_le", "operateur", "en_vigueur"}


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def _fails(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stderr


def _open_new(store, membres: tuple[str, ...] = ("J-01", "J-02", "J-03", "J-04"), president: str | None = "J-02") -> None:  # type: ignore[no-untyped-def]
    colleges = {"J-01": "employeur", "J-02": "employeur", "J-03": "salarie", "J-04": "salarie"}
    session = SessionJury(
        session=SessionInfo(id=NEW, date=dt.date(2020, 7, 6), certifications=(SP,), president=president, precedente="OEMM-JURY-2019-10", lieu="Lyon"),
        membres=tuple(Membre(id=m, college=colleges[m], organisation=f"Organisation {m}") for m in membres),
    )
    store.open_session(session, "rs")


def _corrected(store) -> None:  # type: ignore[no-untyped-def]
    """A new session: one dossier decided, the session closed, then one decision corrected with a motive."""
    _open_new(store)
    store.add_to_session(NEW, ["OEMM-2017-0207"], "rs")
    store.decide(NEW, "OEMM-2017-0207", {"D1": "acquis", "D2": "acquis", "D3": "acquis", "D4": "acquis", "D5": "non_acquis"}, "rs")
    store.close_session(NEW, "rs")
    store.decide(NEW, "OEMM-2017-0207", {"D5": "acquis"}, "rs", motif="Erreur de saisie du procès-verbal")


class TestStoreApi:
    """`Store.jury_sessions` and `Store.jury_session` on the example campaign."""

    def test_list_sorted_with_counts(self, campaign_store):
        """Every session, by date, with its members, president, state and the candidates presented."""
        rows = campaign_store.jury_sessions()
        assert [r["session"] for r in rows] == SESSIONS_BY_DATE
        assert all(set(r) == LIST_KEYS for r in rows)
        by_id = {r["session"]: r for r in rows}
        oct19 = by_id["OEMM-JURY-2019-10"]
        assert (oct19["date"], oct19["president"], oct19["membres"], oct19["close"], oct19["dossiers"], oct19["candidats"]) == (
            "2019-10-14", "J-04", 4, True, 4, 4,
        )
        assert by_id["I410-JURY-2019-03"]["membres"] == 3 and by_id["I410-JURY-2019-03"]["dossiers"] == 2
        assert by_id["OEMM-JURY-2015-09"]["dossiers"] == 1

    def test_list_by_certification(self, campaign_store):
        """`certification` keeps the sessions that cover it; an unknown one gives none."""
        assert [r["session"] for r in campaign_store.jury_sessions("secu.manager-operationnel")] == ["I410-JURY-2019-03", "I410-JURY-2019-11"]
        assert len(campaign_store.jury_sessions(SP)) == 3
        with pytest.raises(NotFoundError, match="certification « nope » inconnue"):  # a misspelt filter is said, not an empty list
            campaign_store.jury_sessions("nope")

    def test_show(self, campaign_store):
        """Members with collège and organisation, the president, the candidates and their decisions per domaine."""
        data = campaign_store.jury_session("OEMM-JURY-2019-10")
        assert set(data) == SHOW_KEYS
        assert data["president"] == "J-04" and data["precedente"] == "OEMM-JURY-2019-03" and data["close"] is True
        assert [(m["id"], m["college"], m["president"]) for m in data["membres"]] == [
            ("J-01", "employeur", False), ("J-02", "employeur", False), ("J-03", "salarie", False), ("J-04", "salarie", True),
        ]
        assert data["membres"][0]["organisation"] == "Mutuelle fictive du Val d'Exemple"
        assert [c["dossier"] for c in data["candidats"]] == ["OEMM-2014-0206", "OEMM-2017-0202", "OEMM-2018-0204", "OEMM-2018-0208"]
        for c in data["candidats"]:
            assert set(c) == CANDIDATE_KEYS and all(set(r) == RECORD_KEYS for r in c["enregistrements"])
        c = {c["dossier"]: c for c in data["candidats"]}
        assert c["OEMM-2018-0208"]["decisions"] == {f"D{i}": "acquis" for i in range(1, 6)}
        assert c["OEMM-2014-0206"]["candidat"] == "C-0206" and c["OEMM-2014-0206"]["decisions"] == {"D4": "non_acquis"}
        assert data["constats"] == [] and data["constats_non_etablis"] == []

    def test_show_is_read_only(self, campaign_store):
        """Listing and showing change nothing, not even the audit log."""
        before = snapshot(campaign_store)
        campaign_store.jury_sessions()
        for sid in SESSIONS_BY_DATE:
            campaign_store.jury_session(sid)
        assert snapshot(campaign_store) == before

    def test_correction_with_motive(self, campaign_store):
        """A correction is shown with its motive, what it changed and the record it replaces; the decisions in force are the corrected ones."""
        _corrected(campaign_store)
        data = campaign_store.jury_session(NEW)
        (cand,) = data["candidats"]
        assert cand["decisions"]["D5"] == "acquis" and cand["corrections"] == 1
        records = cand["enregistrements"]
        assert [r["origine"] for r in records] == ["jury", "jury", "correction"]
        assert [r["en_vigueur"] for r in records] == [False, False, True]
        fix = records[-1]
        assert fix["motif"] == "Erreur de saisie du procès-verbal" and fix["remplace"] == records[1]["id"]
        assert fix["modifie"] == {"D5": {"avant": "non_acquis", "apres": "acquis"}}
        assert fix["operateur"] == "rs"
        listed = {r["session"]: r for r in campaign_store.jury_sessions()}[NEW]
        assert listed["close"] is True and listed["dossiers"] == 1 and listed["lieu"] == "Lyon"

    def test_findings_as_jury_close(self, campaign_store):
        """An open session too small and without president: the findings that `jury close` gives, and it stays open."""
        _open_new(campaign_store, membres=("J-01", "J-03"), president=None)
        campaign_store.add_to_session(NEW, ["OEMM-2017-0207"], "rs")
        data = campaign_store.jury_session(NEW)
        assert data["close"] is False and data["cloturee_le"] is None
        codes = {c["code"] for c in data["constats"]}
        assert "jury_composition" in codes and "jury_president" in codes, codes
        assert all({"code", "niveau", "message", "chemin"} <= set(c) for c in data["constats"])
        (cand,) = data["candidats"]
        assert cand["decisions"] == {} and cand["enregistrements"][0]["origine"] == "jury"
        with pytest.raises(StoreConflictError) as refused:
            campaign_store.close_session(NEW, "rs")
        errors = {c["code"] for c in data["constats"] if c["niveau"] == "erreur"}
        assert all(code in str(refused.value) for code in errors)
        assert {r["session"]: r for r in campaign_store.jury_sessions()}[NEW]["close"] is False

    def test_unknown_session(self, campaign_store):
        """An unknown session names the known ones."""
        with pytest.raises(NotFoundError) as exc:
            campaign_store.jury_session("NOPE")
        assert "« NOPE » inconnue" in str(exc.value) and ", ".join(SESSIONS_BY_DATE) in str(exc.value)
        assert exc.value.exit_code == 1

    def test_empty_store(self, store):
        """No session: an empty list, and a message that says the base holds none."""
        assert store.jury_sessions() == []
        with pytest.raises(NotFoundError, match="aucune session"):
            store.jury_session("NOPE")


class TestCli:
    """The commands: French text, --json with stable keys, exit codes 0 / 1 / 2."""

    def test_list(self, db):
        """`jury list`: a table by date; --certification filters; --json has the documented keys."""
        _ok(run_cli("import", "--db", db, str(CAMPAIGN)))
        out = _ok(run_cli("jury", "list", "--db", db, "--large"))  # the title on one line, however long the base's address
        assert out.splitlines()[0].startswith("Sessions de jury — base ") and "(5)" in out.splitlines()[0]
        assert "Session" in out.splitlines()[1] and "État" in out.splitlines()[1] and "Président" in out.splitlines()[1]
        lines = [line for line in out.splitlines() if line.startswith(("OEMM-", "I410-"))]
        assert [line.split()[0] for line in lines] == SESSIONS_BY_DATE
        assert lines[3].split()[:6] == ["OEMM-JURY-2019-10", "14/10/2019", "close", "J-04", "4", "4"]
        out = _ok(run_cli("jury", "list", "--db", db, "--certification", "secu.manager-operationnel"))
        assert "pour secu.manager-operationnel" in out and "OEMM-JURY" not in out
        err = _fails(run_cli("jury", "list", "--db", db, "--certification", "nope"), 1)
        assert "certification « nope » inconnue : ni dans les extensions chargées ni dans la base" in err
        data = json.loads(_ok(run_cli("jury", "list", "--db", db, "--json")))
        assert set(data) == {"base", "certification", "sessions"} and data["certification"] is None
        assert [s["session"] for s in data["sessions"]] == SESSIONS_BY_DATE and all(set(s) == LIST_KEYS for s in data["sessions"])

    def test_show(self, db):
        """`jury show`: the session, its members, the candidates with decisions and corrections, the findings."""
        _ok(run_cli("import", "--db", db, str(CAMPAIGN)))
        out = _ok(run_cli("jury", "show", "OEMM-JURY-2019-10", "--db", db))
        assert out.startswith("Session OEMM-JURY-2019-10 du 14/10/2019 — close le ")
        assert "Session précédente : OEMM-JURY-2019-03" in out
        assert "Président : J-04 (salarie, Fédération fictive des employés de la protection sociale" in out
        assert "Membres (4)" in out and "J-01 (employeur, Mutuelle fictive du Val d'Exemple" in out
        assert "Candidats présentés (4)" in out
        assert "OEMM-2014-0206 — Fougère Olivier (C-0206), mutualite.specialiste-prestations 2014, vae\n        non acquis : D4 Analyser" in out
        assert "Constats : aucun" in out
        members = ["--membre", "J-01:employeur:Org A", "--membre", "J-02:employeur", "--membre", "J-03:salarie", "--membre", "J-04:salarie"]
        _ok(run_cli("jury", "open", NEW, "--date", "2020-07-06", "--certification", SP, *members, "--president", "J-02",
                    "--precedente", "OEMM-JURY-2019-10", "--db", db, "--operateur", "rs"))
        _ok(run_cli("jury", "add", NEW, "OEMM-2017-0207", "--db", db))
        out = _ok(run_cli("jury", "show", NEW, "--db", db))
        assert f"Session {NEW} du 06/07/2020 — ouverte" in out and "J-01 (employeur, Org A)" in out
        assert "OEMM-2017-0207 — Glycine Léa (C-0207), mutualite.specialiste-prestations 2014, formation\n        aucune décision" in out
        _ok(run_cli("jury", "decide", NEW, "OEMM-2017-0207", "D1=acquis", "D5=non_acquis", "--db", db))
        _ok(run_cli("jury", "close", NEW, "--db", db))
        _ok(run_cli("jury", "decide", NEW, "OEMM-2017-0207", "D5=acquis", "--motif", "Erreur de saisie du procès-verbal", "--db", db, "--operateur", "rs"))
        out = _ok(run_cli("jury", "show", NEW, "--db", db))
        assert "acquis : D1 Analyser et traiter les dossiers…, D5 Apporter un support technique à…" in out
        flat = " ".join(out.split())  # the correction's line, wrapped at 100 columns
        assert "(remplace n° " in out and "D5 Apporter un support technique à… non acquis → acquis — motif : Erreur de saisie du procès-verbal" in flat
        assert "par rs" in out
        data = json.loads(_ok(run_cli("jury", "show", NEW, "--db", db, "--json")))
        assert set(data) == SHOW_KEYS and data["close"] is True
        (cand,) = data["candidats"]
        assert set(cand) == CANDIDATE_KEYS and cand["enregistrements"][-1]["motif"] == "Erreur de saisie du procès-verbal"
        assert "J-01:employeur:Org A" not in out

    def test_findings_shown(self, db):
        """An open session that `jury close` would refuse: `jury show` lists the same blocking findings."""
        _ok(run_cli("import", "--db", db, str(CAMPAIGN)))
        _ok(run_cli("jury", "open", NEW, "--date", "2020-07-06", "--certification", SP, "--membre", "J-01:employeur", "--db", db))
        out = _ok(run_cli("jury", "show", NEW, "--db", db))
        assert "Président : aucun" in out and "Candidats présentés (0)" in out
        assert "Constats (" in out and "erreur jury_composition — " in out
        err = _fails(run_cli("jury", "close", NEW, "--db", db), 1)
        assert "jury_composition" in err

    def test_unknown_session_exit_1(self, db):
        """An unknown session: exit 1, a French message naming the known sessions."""
        _ok(run_cli("import", "--db", db, str(CAMPAIGN)))
        err = _fails(run_cli("jury", "show", "OEMM-JURY-2099-01", "--db", db), 1)
        assert err.startswith("erreur : session de jury « OEMM-JURY-2099-01 » inconnue")
        assert "sessions enregistrées : " + ", ".join(SESSIONS_BY_DATE) in err
        assert _fails(run_cli("jury", "show", "X", "--db", db, "--json"), 1)

    def test_unreadable_database_exit_2(self, tmp_path):
        """A missing or non-SQLite database: exit 2, French message, nothing created."""
        base = tmp_path / "absente.db"
        for args in (("jury", "list"), ("jury", "show", "S")):
            err = _fails(run_cli(*args, "--db", str(base)), 2)
            assert err.startswith("erreur : base introuvable") and not base.exists()
        junk = tmp_path / "notes.db"
        junk.write_text("bonjour\n" * 500, encoding="utf-8")
        for args in (("jury", "list", "--json"), ("jury", "show", "S")):
            assert "n'est pas une base SQLite" in _fails(run_cli(*args, "--db", str(junk)), 2)

    def test_empty_database(self, db):
        """An initialised base without sessions: `jury list` says so (exit 0); `jury show` exit 1."""
        _ok(run_cli("db", "init", "--db", db))
        assert "Aucune session de jury dans la base" in _ok(run_cli("jury", "list", "--db", db))
        assert json.loads(_ok(run_cli("jury", "list", "--db", db, "--json")))["sessions"] == []
        assert "aucune session" in _fails(run_cli("jury", "show", "S", "--db", db), 1)
