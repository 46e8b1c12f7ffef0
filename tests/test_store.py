"""The store's Python API on SQLite and PostgreSQL: import, versions, jury, corrections, audit, reports, GDPR."""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import sqlalchemy as sa
from cqpkit.store import schema as t
from cqpkit.store.errors import NotFoundError, StoreConflictError, StoreError
from cqpkit.store.reading import ImportErrors

from tests.test_store_support import (  # noqa: F401 (fixtures)
    CAMPAIGN,
    SP,
    campaign_store,
    copy_campaign,
    counts,
    db,
    generated_dossier,
    registry,
    snapshot,
    store,
)

AS_OF = dt.date(2020, 6, 30)


def _edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


class TestImport:
    """`import`: validated first, all or nothing, unchanged files are no-ops, changed ones new versions."""

    def test_campaign(self, campaign_store):
        """The whole campaign is stored: 23 dossiers, 5 sessions, 22 candidates, a valid audit chain."""
        n = counts(campaign_store)
        assert (n["dossiers"], n["sessions"], n["candidats"], n["dossier_versions"]) == (23, 5, 22, 23)
        assert campaign_store.verify().ok

    def test_unchanged_reimport_is_a_no_op(self, campaign_store):
        """Importing the same files again changes nothing at all, not even the audit log."""
        before = snapshot(campaign_store)
        report = campaign_store.import_files([str(CAMPAIGN)], operateur="test")
        assert {f["statut"] for f in report.fichiers} == {"inchangé", "inchangée"}
        assert report.audit == 0
        assert snapshot(campaign_store) == before

    def test_changed_file_is_a_new_version(self, campaign_store, tmp_path):
        """A changed dossier is version 2, with the référentiel version; only its new evaluation is added."""
        files = copy_campaign(tmp_path)
        path = files / "dossiers" / "oemm-2017-0207.toml"
        evaluations_before = counts(campaign_store)["evaluations"]
        _edit(path, "[[evaluations]]", '[[evaluations]]\nepreuve = "finale-entreprise-D2"\ndate = 2020-06-01\nevaluateurs = ["P-01", "P-02"]\n'
              'criteres = { D2-F1 = "oui", D2-F2 = "oui", D2-F3 = "oui", D2-F4 = "oui" }\nverdict = "maitrise"\n\n[[evaluations]]')
        report = campaign_store.import_files([str(path)], operateur="test")
        assert report.fichiers == [{"fichier": str(path), "type": "dossier", "id": "OEMM-2017-0207", "statut": "version 2"}]
        history = campaign_store.history("OEMM-2017-0207")
        assert [(v["numero"], v["version"], v["certification"]) for v in history["versions"]] == [(1, "2014", SP), (2, "2014", SP)]
        assert counts(campaign_store)["evaluations"] == evaluations_before + 1
        assert history["evaluations"][-1]["version_dossier"] == 2

    def test_comments_and_spacing_do_not_count(self, campaign_store, tmp_path):
        """A file whose content is the same (comments, blank lines) is unchanged."""
        files = copy_campaign(tmp_path)
        path = files / "dossiers" / "oemm-2017-0201.toml"
        path.write_text(path.read_text(encoding="utf-8") + "\n# une remarque\n\n", encoding="utf-8")
        report = campaign_store.import_files([str(path)], operateur="test")
        assert report.fichiers[0]["statut"] == "inchangé"

    def test_invalid_file_writes_nothing(self, store, tmp_path):
        """One invalid file among valid ones: every error is reported, nothing is stored."""
        files = copy_campaign(tmp_path)
        _edit(files / "dossiers" / "oemm-2017-0201.toml", 'voie = "formation"', 'voie = "formation"\nmentionn = "x"')
        with pytest.raises(ImportErrors) as info:
            store.import_files([str(files)], operateur="test")
        text = str(info.value)
        assert "oemm-2017-0201.toml:" in text and "dossier.mentionn: clé inconnue" in text
        assert "rien n'a été enregistré" in text
        assert counts(store)["dossiers"] == 0 and counts(store)["audit"] == 0

    def test_personal_data_only_in_candidats(self, campaign_store):
        """Dossier versions and the audit log hold no personal data (the candidate is reduced to its id)."""
        with campaign_store.read() as conn:
            versions = [r.contenu for r in conn.execute(sa.select(t.dossier_versions.c.contenu))]
            details = [r.details for r in conn.execute(sa.select(t.audit.c.details))]
        assert all("@example.invalid" not in v and "Aubépine" not in v for v in versions)
        assert all("@example.invalid" not in d and "Aubépine" not in d for d in details)
        assert json.loads(versions[0])["candidat"].keys() == {"id"}


class TestJury:
    """`jury open | add | decide | close`, and corrections of a closed session as new linked records."""

    def _open(self, store):
        from cqpkit.model import Membre, SessionInfo, SessionJury

        members = (
            Membre(id="J-01", college="employeur"), Membre(id="J-02", college="employeur"),
            Membre(id="J-03", college="salarie"), Membre(id="J-04", college="salarie"),
        )
        session = SessionJury(
            session=SessionInfo(id="OEMM-JURY-2020-07", date=dt.date(2020, 7, 6), certifications=(SP,), president="J-02", precedente="OEMM-JURY-2019-10"),
            membres=members,
        )
        store.open_session(session, operateur="responsable")

    def test_session_workflow(self, campaign_store):
        """Open, present, decide, close: the dossier is certified and each step is in the audit log."""
        self._open(campaign_store)
        assert campaign_store.add_to_session("OEMM-JURY-2020-07", ["OEMM-2017-0207"], operateur="responsable") == [("OEMM-2017-0207", "présenté")]
        out = campaign_store.decide("OEMM-JURY-2020-07", "OEMM-2017-0207", {f"D{i}": "acquis" for i in range(1, 6)}, operateur="responsable")
        assert out["statut"] == "enregistré"
        constats = campaign_store.close_session("OEMM-JURY-2020-07", operateur="responsable")
        assert not [c for c in constats if c.niveau == "erreur"]
        result = campaign_store.registry.decide(campaign_store.dossier("OEMM-2017-0207"), dt.date(2020, 7, 31))
        assert result.statut == "certifie" and result.date_certification == dt.date(2020, 7, 6)
        actions = [e["action"] for e in campaign_store.history("OEMM-2017-0207")["journal"]]
        assert actions[-2:] == ["passage.inscription", "passage.decision"]
        # The first-jury deadline is gone once the dossier is presented.
        assert all(r["dossier"] != "OEMM-2017-0207" for r in campaign_store.deadlines(AS_OF, 180)["a_venir"])
        assert campaign_store.verify().ok

    def test_close_refuses_a_bad_composition(self, campaign_store):
        """A session of three members cannot be closed (jury_composition) unless forced."""
        from cqpkit.model import Membre, SessionInfo, SessionJury

        session = SessionJury(
            session=SessionInfo(id="OEMM-JURY-2020-08", date=dt.date(2020, 8, 3), certifications=(SP,), president="J-01"),
            membres=(Membre(id="J-01", college="employeur"), Membre(id="J-02", college="employeur"), Membre(id="J-03", college="salarie")),
        )
        campaign_store.open_session(session, operateur="x")
        with pytest.raises(StoreConflictError, match="jury_composition"):
            campaign_store.close_session("OEMM-JURY-2020-08", operateur="x")
        campaign_store.close_session("OEMM-JURY-2020-08", operateur="x", force=True)

    def test_closed_session_needs_a_motive(self, campaign_store):
        """A decision on a closed session without a motive is refused; nothing is written."""
        before = snapshot(campaign_store)
        with pytest.raises(StoreConflictError, match="ajoutez --motif"):
            campaign_store.decide("OEMM-JURY-2019-10", "OEMM-2018-0204", {"D1": "acquis"}, operateur="x")
        assert snapshot(campaign_store) == before

    def test_correction_is_a_new_linked_record(self, campaign_store):
        """A correction adds a row naming the row it replaces, with its motive; the original row is untouched."""
        with campaign_store.read() as conn:
            original = conn.execute(sa.select(t.passages).where(t.passages.c.dossier_id == "OEMM-2018-0204")).one()
        out = campaign_store.decide("OEMM-JURY-2019-10", "OEMM-2018-0204", {"D1": "acquis"}, operateur="oemm", motif="Erreur de report au procès-verbal")
        assert out == {"statut": "corrigé", "passage": out["passage"], "remplace": original.id}
        rows = campaign_store.history("OEMM-2018-0204")["passages"]
        assert rows[0]["decisions"] == json.loads(original.decisions) and rows[0]["origine"] == "import"
        assert rows[1]["origine"] == "correction" and rows[1]["remplace"] == original.id
        assert rows[1]["motif"] == "Erreur de report au procès-verbal" and rows[1]["decisions"]["D1"] == "acquis"
        result = campaign_store.registry.decide(campaign_store.dossier("OEMM-2018-0204"), AS_OF)
        assert [a.domaine for a in result.acquis] == ["D1"]
        entry = campaign_store.history("OEMM-2018-0204")["journal"][-1]
        assert entry["action"] == "passage.correction" and entry["operateur"] == "oemm"
        # The file, older than the correction, can be imported again (with another change): the correction stays.
        assert campaign_store.registry.decide(campaign_store.dossier("OEMM-2018-0204"), AS_OF).statut == "partiel"

    def test_file_contradicting_a_closed_session_is_refused(self, campaign_store, tmp_path):
        """A file that changes a closed session's decision is refused with its line; the store is unchanged."""
        files = copy_campaign(tmp_path)
        path = files / "dossiers" / "oemm-2018-0204.toml"
        _edit(path, 'decisions = { D1 = "non_acquis"', 'decisions = { D1 = "acquis"')
        before = snapshot(campaign_store)
        with pytest.raises(StoreConflictError) as info:
            campaign_store.import_files([str(files)], operateur="x")
        (err,) = info.value.erreurs
        assert err.fichier == str(path) and err.chemin == "passages[0]" and err.ligne > 1
        assert "la session « OEMM-JURY-2019-10 » est close" in err.message
        assert snapshot(campaign_store) == before

    def test_rows_written_in_batches_are_rolled_back_with_the_import(self, campaign_store, tmp_path, monkeypatch):
        """The import writes its rows every few dossiers; a conflict found after a batch still leaves nothing."""
        from cqpkit.store import importing

        monkeypatch.setattr(importing, "_FLUSH_EVERY", 2)
        files = copy_campaign(tmp_path)
        for i in range(5):  # new dossiers read before the conflicting file (files are read in name order)
            (files / "dossiers" / f"aaa-{i}.toml").write_text(generated_dossier(i, prefix="LOT"), encoding="utf-8")
        _edit(files / "dossiers" / "oemm-2018-0204.toml", 'decisions = { D1 = "non_acquis"', 'decisions = { D1 = "acquis"')
        before = snapshot(campaign_store)
        with pytest.raises(StoreConflictError, match="OEMM-JURY-2019-10"):
            campaign_store.import_files([str(files)], operateur="x")
        assert snapshot(campaign_store) == before

    def test_batches_write_what_one_batch_writes(self, store, registry, tmp_path, monkeypatch):
        """Written two dossiers at a time, the campaign gives the same rows and deadlines as written at once."""
        from cqpkit.store import importing
        from cqpkit.store.store import Store

        whole = Store.open(str(tmp_path / "whole.db"), create=True, check=False, registry=registry)
        whole.init()
        whole.import_files([str(CAMPAIGN)], operateur="test")
        monkeypatch.setattr(importing, "_FLUSH_EVERY", 2)
        store.import_files([str(CAMPAIGN)], operateur="test")
        assert counts(store) == counts(whole)
        assert store.deadlines(AS_OF, 3650) == whole.deadlines(AS_OF, 3650)
        assert store.verify().ok
        whole.close()

    def test_stale_file_after_correction(self, campaign_store, tmp_path):
        """After a correction, a new version of the file that still shows the old decision keeps the correction."""
        campaign_store.decide("OEMM-JURY-2019-10", "OEMM-2018-0204", {"D1": "acquis"}, operateur="x", motif="erreur matérielle")
        files = copy_campaign(tmp_path)
        path = files / "dossiers" / "oemm-2018-0204.toml"
        _edit(path, "inscription = 2018-01-15", 'inscription = 2018-01-15\nnotes = "Livret de suivi complété."')
        report = campaign_store.import_files([str(path)], operateur="x")
        assert report.fichiers[0]["statut"] == "version 2"
        assert campaign_store.registry.decide(campaign_store.dossier("OEMM-2018-0204"), AS_OF).statut == "partiel"

    def test_open_session_file_update(self, store, tmp_path):
        """A decision changed in a file while its session is open is a new row replacing the previous one."""
        files = copy_campaign(tmp_path)
        session = files / "sessions" / "oemm-jury-2019-10.toml"
        _edit(session, "cloturee = true", "cloturee = false")
        store.import_files([str(files)], operateur="x")
        path = files / "dossiers" / "oemm-2018-0204.toml"
        _edit(path, 'decisions = { D1 = "non_acquis"', 'decisions = { D1 = "acquis"')
        store.import_files([str(path)], operateur="x")
        rows = store.history("OEMM-2018-0204")["passages"]
        assert [(r["origine"], r["remplace"]) for r in rows] == [("import", None), ("import", rows[0]["id"])]

    def test_unknown_domaine_and_dossier(self, campaign_store):
        """Decisions on an unknown domaine or dossier are refused in French."""
        with pytest.raises(StoreConflictError, match="domaine « D9 » inconnu"):
            campaign_store.decide("OEMM-JURY-2019-10", "OEMM-2018-0204", {"D9": "acquis"}, operateur="x", motif="m")
        with pytest.raises(NotFoundError, match="dossier « NOPE » inconnu"):
            campaign_store.decide("OEMM-JURY-2019-10", "NOPE", {"D1": "acquis"}, operateur="x")
        with pytest.raises(NotFoundError, match="session de jury « NOPE » inconnue"):
            campaign_store.add_to_session("NOPE", ["OEMM-2017-0207"], operateur="x")

    @pytest.mark.parametrize("table", ["passages", "evaluations", "dossier_versions", "audit"])
    def test_append_only_tables(self, campaign_store, table):
        """The database itself refuses UPDATE and DELETE on the append-only tables."""
        for statement in (f"UPDATE {table} SET {t.metadata.tables[table].c[2].name} = {t.metadata.tables[table].c[2].name}", f"DELETE FROM {table}"):
            with pytest.raises(StoreError, match="ajout seul"), campaign_store.write() as conn:
                conn.exec_driver_sql(statement)


class TestAudit:
    """The audit log: who, when, what, chained; `verify` finds a changed, removed or truncated entry."""

    def _without_triggers(self, store, sql: str) -> None:
        with store.write() as conn:
            if store.target.kind == "sqlite":
                for op in ("update", "delete"):
                    conn.exec_driver_sql(f"DROP TRIGGER audit_ajout_seul_{op}")
            else:
                conn.exec_driver_sql("ALTER TABLE audit DISABLE TRIGGER USER")
            conn.exec_driver_sql(sql)

    def test_entries(self, campaign_store):
        """Each entry names the operator, a UTC time, the action and the object."""
        journal = campaign_store.history("OEMM-2017-0201")["journal"]
        assert {e["operateur"] for e in journal} == {"test"}
        assert [e["action"] for e in journal] == ["candidat.creation", "dossier.creation"]
        assert journal[0]["horodatage"].endswith("+00:00")

    def test_changed_entry(self, campaign_store):
        """An entry changed after the fact breaks the chain at its number."""
        self._without_triggers(campaign_store, "UPDATE audit SET operateur = 'quelqu''un' WHERE numero = 7")
        result = campaign_store.verify()
        assert not result.ok and result.problemes[0].startswith("entrée n° 7 : contenu modifié")

    def test_removed_entry(self, campaign_store):
        """A removed entry leaves a gap and a broken link."""
        self._without_triggers(campaign_store, "DELETE FROM audit WHERE numero = 10")
        assert "entrée n° 11 : l'entrée n° 10 manque" in campaign_store.verify().problemes[0]

    def test_truncated_log(self, campaign_store):
        """Removing the last entries is found by comparing with the head."""
        self._without_triggers(campaign_store, "DELETE FROM audit WHERE numero > 50")
        assert any("n'est pas la tête enregistrée" in p for p in campaign_store.verify().problemes)


class TestReports:
    """`report deadlines` and `report campaign`, computed with the engine."""

    def test_deadlines(self, campaign_store):
        """First-jury deadlines and expiring partial awards in the window, per certification; missed ones too."""
        data = campaign_store.deadlines(AS_OF, 180)
        coming = [(r["certification"], r["dossier"], r["type"], r["domaine"], r["date"]) for r in data["a_venir"]]
        assert coming == [
            ("mutualite.conseiller-mutualiste", "OEMM-2017-0301", "premier_passage", None, "2020-10-02"),
            (SP, "OEMM-2017-0207", "premier_passage", None, "2020-09-04"),
            *[(SP, "OEMM-2014-0206", "acquis_partiel", d, "2020-09-20") for d in ("D1", "D2", "D3", "D5")],
        ]
        passed = [(r["dossier"], r["date"], r["jours"]) for r in data["passees"]]
        assert passed == [("OEMM-2017-0601", "2020-02-06", -145)]

    def test_no_first_jury_deadline_on_the_vae_route(self, campaign_store):
        """Guide 2.1 states the 3 years under « L'accès par la formation » (`delai_premier_passage_voies`): the
        VAE dossiers without a jury (registered 04/06/2018 and 14/01/2019) have no first-jury deadline, even
        years after; the training ones do."""
        data = campaign_store.deadlines(dt.date(2030, 1, 1), 3650)
        rows = [r for r in data["a_venir"] + data["passees"] if r["type"] == "premier_passage"]
        assert {r["voie"] for r in rows} == {"formation"}
        assert not {"OEMM-2018-0303", "OEMM-2019-0403"} & {r["dossier"] for r in rows}

    def test_deadlines_window_edges(self, campaign_store):
        """The window includes its last day (as of 2020-08-21 within 30 days: the 20/09 expiries are in)."""
        assert len(campaign_store.deadlines(dt.date(2020, 8, 21), 30)["a_venir"]) == 5
        assert len(campaign_store.deadlines(dt.date(2020, 8, 21), 29)["a_venir"]) == 1
        assert campaign_store.deadlines(AS_OF, 30, certification="secu.manager-operationnel")["a_venir"] == []

    def test_deadlines_use_the_date_index(self, campaign_store):
        """On SQLite the query plan searches the date index (no scan of the table)."""
        if campaign_store.target.kind != "sqlite":
            pytest.skip("plan de requête vérifié sur SQLite")
        with campaign_store.read() as conn:
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT * FROM echeances JOIN dossiers ON dossiers.id = echeances.dossier_id "
                "WHERE echeances.date >= '2020-06-30' AND echeances.date <= '2020-12-27'"
            ))
        assert "ix_echeances_date" in plan

    def test_campaign_matches_the_engine(self, campaign_store, registry):
        """Per certification, the report's figures are those of decide/check/funding on the files."""
        from cqpkit.formats.dossiers import load_dossier

        expected: dict[str, Counter] = defaultdict(Counter)
        for path in sorted((CAMPAIGN / "dossiers").glob("*.toml")):
            d = load_dossier(path, registry)
            c = expected[d.dossier.certification]
            c["dossiers"] += 1
            c[registry.decide(d, AS_OF).statut] += 1
            for x in registry.funding(d, AS_OF):
                c[f"{getattr(x, 'nature', 'financement')}_{'points' if x.en == 'point' else 'euro'}"] += x.montant
            c["lignes_sans_bareme"] += sum(1 for k in registry.check(d, AS_OF) if k.code == "bareme_inconnu")
        report = campaign_store.campaign(AS_OF)
        for row in report["certifications"]:
            e = expected[row["certification"]]
            assert row["dossiers"] == e["dossiers"]
            assert (row["certifies"], row["partiels"], row["echecs"]) == (e["certifie"], e["partiel"], e["non_acquis"])
            for key in ("cout_euro", "financement_euro", "gratification_euro", "cout_points", "financement_points", "gratification_points", "lignes_sans_bareme"):
                assert row[key] == pytest.approx(e[key]), key
        # The campaign's CQPs are delivered from 2017 on; the point value is known for 2014 only (guide 1.4,
        # « 1 point correspond en 2014 à 7,99 € »): no gratification in euros, each one counted as a line without barème.
        sp = next(r for r in report["certifications"] if r["certification"] == SP)
        assert (sp["gratification_euro"], sp["lignes_sans_bareme"]) == (0, sp["certifies"]) and sp["certifies"] > 0
        assert report["total"]["cout_euro"] > 0  # the CQP MO parcours intégral: 9 650 € from 16/01/2017, no end
        sp = next(r for r in report["certifications"] if r["certification"] == SP)
        assert (sp["dossiers"], sp["certifies"], sp["partiels"], sp["echecs"], sp["vae"], sp["delais_depasses"]) == (8, 3, 2, 1, 3, 1)
        total = report["total"]
        assert (total["dossiers"], total["candidats"], total["delais_depasses"]) == (23, 22, 2)
        assert len(report["sessions"]) == 5


class TestPersonalData:
    """`candidate export | erase`: all personal data as JSON; erasure keeps decisions and statistics."""

    def test_export(self, campaign_store):
        """The export holds the personal data, every version of every dossier of the candidate, and the log."""
        data = campaign_store.export_candidat("C-0201", operateur="dpo")
        assert data["candidat"]["email"] == "camille.aubepine@example.invalid"
        assert [d["dossier"] for d in data["dossiers"]] == ["OEMM-2017-0201", "OEMM-2019-0302"]
        assert data["journal"][0]["action"] == "candidat.creation"
        assert campaign_store.history("OEMM-2017-0201")["journal"][-1]["action"] == "candidat.export"

    def test_erase(self, campaign_store, tmp_path):
        """Erasure replaces the personal data with a pseudonym; the campaign report does not change."""
        before = campaign_store.campaign(AS_OF)
        pseudo = campaign_store.erase_candidat("C-0201", operateur="dpo")
        data = campaign_store.export_candidat("C-0201", operateur="dpo")["candidat"]
        assert data["nom"] == pseudo and data["email"] == "" and data["naissance"] is None and data["efface_le"]
        assert campaign_store.campaign(AS_OF)["certifications"] == before["certifications"]
        assert campaign_store.erase_candidat("C-0201", operateur="dpo") == pseudo  # twice: same pseudonym
        if campaign_store.target.kind == "sqlite":
            campaign_store.close()
            raw = Path(campaign_store.target.path).read_bytes()
            assert b"camille.aubepine@example.invalid" not in raw and "Aubépine".encode() not in raw
        # Importing the candidate's files again does not bring the data back.
        report = campaign_store.import_files([str(CAMPAIGN / "dossiers" / "oemm-2017-0201.toml")], operateur="x")
        assert report.fichiers[0]["statut"] == "inchangé"
        files = copy_campaign(tmp_path)
        path = files / "dossiers" / "oemm-2019-0302.toml"
        # A change of personal fields alone (the dossier's notes) stores nothing: the candidate's key is destroyed.
        _edit(path, "inscription = 2019-09-02", 'inscription = 2019-09-02\nnotes = "Parcours adapté."')
        report = campaign_store.import_files([str(path)], operateur="x")
        assert report.fichiers[0]["statut"] == "inchangé"
        _edit(path, "inscription = 2019-09-02", "inscription = 2019-09-02\ndepot_dossier = 2019-09-30")
        report = campaign_store.import_files([str(path)], operateur="x")
        assert report.fichiers[0]["statut"] == "version 2"
        assert "Parcours adapté" not in json.dumps(campaign_store.export_candidat("C-0201", operateur="dpo"), ensure_ascii=False)
        assert any("effacé" in n for n in report.notes)
        assert campaign_store.export_candidat("C-0201", operateur="dpo")["candidat"]["email"] == ""

    def test_unknown_candidate(self, campaign_store):
        """An unknown candidate is a French error."""
        with pytest.raises(NotFoundError, match="candidat « C-9999 » inconnu"):
            campaign_store.erase_candidat("C-9999", operateur="dpo")


class TestCandidates:
    """A candidate's personal data changed in a later file: updated in place, logged without values."""

    def test_personal_data_update(self, campaign_store, tmp_path):
        """The dossier is unchanged (personal data are not its content); the candidate is updated; the log names fields only."""
        files = copy_campaign(tmp_path)
        path = files / "dossiers" / "oemm-2018-0401.toml"
        _edit(path, 'emploi = "Chargée d\'accueil"', 'emploi = "Chargée d\'accueil et de relation adhérents"')
        report = campaign_store.import_files([str(path)], operateur="oemm")
        assert report.fichiers[0]["statut"] == "inchangé"
        assert report.notes == ["candidat « C-0401 » : données personnelles mises à jour (emploi)"]
        data = campaign_store.export_candidat("C-0401", operateur="dpo")
        assert data["candidat"]["emploi"] == "Chargée d'accueil et de relation adhérents"
        entry = next(e for e in data["journal"] if e["action"] == "candidat.modification")
        assert entry["details"] == {"champs": ["emploi"]}
