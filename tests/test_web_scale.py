"""What the web pages read on a store with many dossiers (issue 19, docs/web.md « Speed »), on both engines.

- ``Store.jury_sessions`` (``/sessions``, the open-session form, ``jury list``) counts the dossiers of the stored
  sessions only, through ``ix_passages_session``: dossiers whose passages name a session the store does not hold
  change nothing, and on SQLite no statement scans ``passages``.
- ``search_candidats(texte=…)`` (the dossiers page's search): a part of a candidate's or dossier's id, or the words of
  a name (accents ignored); an erased candidate is found by their id only.
- The session page's findings on the session are kept under the audit head (``web/memo.py``) and are those of
  ``jury show``; a write moves the head and they are computed again. The candidates' findings are kept under the
  head read with the session (the page reads it once).
- ``Store.candidate_names`` (the session page's 20 names at every view: one statement with the keys): the names in
  clear, an erased candidate without them, an unknown id left out.

Expected values come from examples/campaign/README.md (five sessions, the dossiers and names of the campaign).
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cqpkit.exceptions import InvalidArgumentError
from cqpkit.store.candidats import search_candidats

from tests.test_store_support import SP, campaign_store, db, registry, store, write_generated  # noqa: F401 (fixtures)

#: The campaign's sessions by date (README « Sessions ») with (dossiers, candidats) presented to each.
CAMPAIGN_SESSIONS = {"OEMM-JURY-2015-09": (1, 1), "I410-JURY-2019-03": (2, 2), "OEMM-JURY-2019-10": (4, 4)}
GENERATED = 120


def _many(store: Any, tmp_path: Path) -> None:
    """The campaign plus :data:`GENERATED` dossiers whose passages name ``GEN-JURY-01``, a session the store does not hold."""
    store.import_files([str(write_generated(tmp_path / "gen", GENERATED))], operateur="test")


def _open_session(store: Any, ids: list[str]) -> None:
    from cqpkit.model import Membre, SessionInfo, SessionJury

    session = SessionJury(
        session=SessionInfo(
            id="GEN-OUVERTE", date=dt.date(2020, 6, 30), certifications=(SP,), president="J-01", lieu="Salle fictive"
        ),
        membres=(
            Membre(id="J-01", college="employeur"),
            Membre(id="J-02", college="employeur"),
            Membre(id="J-03", college="salarie"),
            Membre(id="J-04", college="salarie"),
        ),
    )
    store.open_session(session, "test")
    if ids:
        store.add_to_session("GEN-OUVERTE", ids, "test", present=True)


class TestJurySessions:
    def test_exactly_the_sessions_with_their_counts(self, campaign_store, tmp_path):
        """Many dossiers presented to an unstored session: the list is the campaign's, with the same counts; a new
        session with two of them counts two."""
        before = campaign_store.jury_sessions()
        _many(campaign_store, tmp_path)
        rows = campaign_store.jury_sessions()
        assert rows == before
        assert [r["session"] for r in rows] == [
            "OEMM-JURY-2015-09",
            "OEMM-JURY-2019-03",
            "I410-JURY-2019-03",
            "OEMM-JURY-2019-10",
            "I410-JURY-2019-11",
        ]
        by_id = {r["session"]: (r["dossiers"], r["candidats"]) for r in rows}
        for sid, expected in CAMPAIGN_SESSIONS.items():
            assert by_id[sid] == expected, sid
        _open_session(campaign_store, ["GEN-000001", "GEN-000002"])
        rows = campaign_store.jury_sessions()
        assert rows[:5] == before and rows[-1]["session"] == "GEN-OUVERTE"
        assert (rows[-1]["dossiers"], rows[-1]["candidats"], rows[-1]["membres"], rows[-1]["close"]) == (2, 2, 4, False)
        assert [r["session"] for r in campaign_store.jury_sessions(SP)] == [
            "OEMM-JURY-2015-09",
            "OEMM-JURY-2019-03",
            "OEMM-JURY-2019-10",
            "GEN-OUVERTE",
        ]

    def test_passages_read_through_their_session_index(self, campaign_store, tmp_path):
        """On SQLite every statement ``jury_sessions`` runs is planned without a scan of ``passages``."""
        if campaign_store.target.kind != "sqlite":
            pytest.skip("plan de requête vérifié sur SQLite")
        _many(campaign_store, tmp_path)
        seen: list[tuple[str, Any]] = []

        def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            if statement.lstrip().upper().startswith("SELECT"):
                seen.append((statement, parameters))

        sa.event.listen(campaign_store.engine, "before_cursor_execute", record)
        try:
            campaign_store.jury_sessions()
        finally:
            sa.event.remove(campaign_store.engine, "before_cursor_execute", record)
        plans = []
        with campaign_store.read() as conn:
            for statement, parameters in seen:
                plans.append(
                    " | ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
                )
        counted = [p for p in plans if "passages" in p]
        assert counted, plans
        assert all("ix_passages_session" in p and "SCAN passages" not in p for p in counted), counted


class TestSearchTexte:
    def _ids(self, store: Any, texte: str, **kw: Any) -> list[str]:
        return [c["id"] for c in search_candidats(store, texte=texte, as_of=dt.date(2020, 6, 30), **kw)["candidats"]]

    def test_by_id_or_name(self, campaign_store):
        """A dossier's id, a part of a candidate's id (case ignored), a name without its accents, a first name and name."""
        assert self._ids(campaign_store, "OEMM-2014-0206") == ["C-0206"]
        assert self._ids(campaign_store, "oemm-2019-0302") == ["C-0201"]  # the second CQP of C-0201
        assert self._ids(campaign_store, "c-0205") == ["C-0205"]
        assert self._ids(campaign_store, "eglantine") == ["C-0205"]  # « Églantine »
        assert self._ids(campaign_store, "Kevin Orchidée") == ["C-0501"]
        assert self._ids(campaign_store, "glycine") == self._ids(campaign_store, "GLYCINE") != []
        assert self._ids(campaign_store, "zzz-introuvable") == []

    def test_filters_pages_and_fields(self, campaign_store):
        """Every candidate of the campaign holds « C-0 » in their id: the pages follow the id order; the fields asked only."""
        first = search_candidats(campaign_store, texte="C-0", limite=5, champs=("nom",))
        assert [c["id"] for c in first["candidats"]] == sorted(c["id"] for c in first["candidats"]) and first[
            "suivant"
        ] == first["candidats"][-1]["id"]
        assert all(set(c) == {"id", "efface", "nom", "dossiers"} for c in first["candidats"])
        rest = search_candidats(campaign_store, texte="C-0", limite=500, apres=first["suivant"])
        assert (
            len(first["candidats"]) + len(rest["candidats"]) == 22 and rest["suivant"] is None
        )  # README: 22 candidates
        assert self._ids(campaign_store, "C-0", certification="secu.manager-operationnel") == [
            "C-0101",
            "C-0102",
            "C-0103",
            "C-0104",
            "C-0105",
        ]

    def test_erased_found_by_id_only(self, campaign_store):
        campaign_store.erase_candidat("C-0205", "test")
        assert self._ids(campaign_store, "eglantine") == []
        found = search_candidats(campaign_store, texte="OEMM-2016-0205")["candidats"]
        assert [(c["id"], c["efface"], c["nom"]) for c in found] == [("C-0205", True, "")]

    def test_texte_alone(self, campaign_store):
        with pytest.raises(InvalidArgumentError, match="texte"):
            search_candidats(campaign_store, texte="x", nom="y")


class TestSessionFindingsKept:
    def test_kept_until_a_write(self, campaign_store):
        """The findings kept are those of ``jury show``; after a write (a session opened) they are computed again."""
        from cqpkit.store.views import jury_session
        from cqpkit.web import memo

        calls: list[str] = []

        def kept(conn, row, ids):  # type: ignore[no-untyped-def]
            calls.append(memo.audit_head(campaign_store, conn))
            return memo.session_findings(campaign_store, conn, row, ids)

        sid = "OEMM-JURY-2019-10"
        first = jury_session(campaign_store, sid, findings=kept)
        assert first == campaign_store.jury_session(sid)
        assert jury_session(campaign_store, sid, findings=kept)["constats"] == first["constats"]
        assert memo._sessions[campaign_store][1][sid] == [] and memo._sessions[campaign_store][0] == calls[0]
        _open_session(campaign_store, [])
        again = jury_session(campaign_store, sid, findings=kept)
        assert again == campaign_store.jury_session(sid) and calls[-1] != calls[0]
        assert memo._sessions[campaign_store][0] == calls[-1]


class TestCandidateNames:
    def test_names_erased_and_unknown(self, campaign_store):
        """examples/campaign: C-0205 Inès Églantine, C-0206 Olivier Fougère, C-0207 Léa Glycine; once C-0205 is erased
        (key destroyed), their names are gone and ``efface`` says so."""
        ids = ["C-0207", "C-0205", "C-0206", "C-9999", ""]
        assert campaign_store.candidate_names(ids) == {
            "C-0205": {"nom": "Églantine", "prenom": "Inès", "efface": False},
            "C-0206": {"nom": "Fougère", "prenom": "Olivier", "efface": False},
            "C-0207": {"nom": "Glycine", "prenom": "Léa", "efface": False},
        }
        campaign_store.erase_candidat("C-0205", "test")
        names = campaign_store.candidate_names(ids)
        assert names["C-0205"] == {"nom": "", "prenom": "", "efface": True}
        assert names["C-0207"]["nom"] == "Glycine" and set(names) == {"C-0205", "C-0206", "C-0207"}


class TestCandidateFindingsKept:
    def test_under_the_head_read_with_the_session(self, campaign_store):
        """``memo.session_findings`` hands the head it read to the page; ``memo.findings`` under that head gives
        ``Registry.check`` and keeps it there; after a write, the new head's answers are computed again."""
        from cqpkit.store.deadlines import engine_dossiers
        from cqpkit.store.views import jury_session
        from cqpkit.web import memo

        heads: list[str] = []
        sid = "OEMM-JURY-2019-10"
        data = jury_session(campaign_store, sid, findings=lambda conn, row, ids: memo.session_findings(campaign_store, conn, row, ids, heads))
        assert heads == [memo.audit_head(campaign_store)]
        ids, day = [c["dossier"] for c in data["candidats"]], dt.date.fromisoformat(data["date"])
        with campaign_store.read() as conn:
            expected = {i: list(campaign_store.registry.check(d, day)) for i, d in engine_dossiers(conn, ids).items()}
        assert memo.findings(campaign_store, ids, day, head=heads[0]) == expected and len(expected) == 4
        assert memo._kept[campaign_store][0] == heads[0] and len(memo._kept[campaign_store][1]) == 4
        _open_session(campaign_store, [])
        assert memo.findings(campaign_store, ids, day) == expected
        assert memo._kept[campaign_store][0] != heads[0]


class TestDossierFindings:
    def test_show_gives_the_check_it_computes(self, campaign_store):
        """``show(…, all_findings=True)`` (the dossier page) holds exactly ``Registry.check`` on the stored dossier at the
        date, for every dossier of the campaign; without it the view (``dossier show``, the API) is unchanged."""
        from cqpkit.store.deadlines import engine_dossiers
        from cqpkit.store.views import show

        day = dt.date(2020, 6, 30)
        with campaign_store.read() as conn:
            loaded = engine_dossiers(conn, [r.id for r in conn.execute(sa.text("SELECT id FROM dossiers"))])
        assert len(loaded) == 23  # README: 23 dossiers
        found = 0
        for did, dossier in loaded.items():
            data = show(campaign_store, did, day, all_findings=True)
            assert data.pop("constats") == list(campaign_store.registry.check(dossier, day)), did
            assert data == campaign_store.show(did, day) and "constats" not in campaign_store.show(did, day)
            found += len(campaign_store.registry.check(dossier, day))
        assert found > 0
