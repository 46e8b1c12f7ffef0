"""Tampering that `db verify` must see (issue 15, point 1), on SQLite and PostgreSQL.

Each scenario changes the base the way someone with direct access to it would — bypassing the
triggers: on SQLite they are dropped for the statement and put back after (as a careful attacker
would), on PostgreSQL the statements run with ``session_replication_role = replica``, which fires
no trigger and checks no foreign key. ``db verify`` must then exit 1 naming the table and the key.
The hardening itself (the statement refused while the triggers are there) is tested apart, and so
is a whole normal campaign (no false positive) and the least-privilege PostgreSQL role.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import json
import re
import secrets
import sqlite3

import pytest
import sqlalchemy as sa

from tests.conftest import run_cli
from tests.test_store_support import CAMPAIGN, campaign_store, db, registry, store  # noqa: F401 (fixtures)

MEMBERS = ["--membre", "J-01:employeur", "--membre", "J-02:employeur", "--membre", "J-03:salarie", "--membre", "J-04:salarie"]
CLOSED = "OEMM-JURY-2019-10"
DOSSIER = "OEMM-2014-0206"  # passed at OEMM-JURY-2019-10 (closed)
CANDIDAT = "C-0206"
EVALUE = "I410-2018-0102"  # four evaluations


def _pg(db: str) -> bool:
    return "://" in db


def tamper(db: str, *statements: str) -> None:
    """Run ``statements`` as someone who bypasses the triggers (SQLite: dropped then put back; PostgreSQL: replica role)."""
    if not _pg(db):
        c = sqlite3.connect(db, isolation_level=None)
        try:
            triggers = c.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
            c.execute("PRAGMA foreign_keys = OFF")
            c.execute("BEGIN")
            for name, _ in triggers:
                c.execute(f"DROP TRIGGER {name}")
            for s in statements:
                c.execute(s)
            for _, sql in triggers:
                c.execute(sql)
            c.execute("COMMIT")
        finally:
            c.close()
        return
    engine = sa.create_engine(db.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as c:
            c.exec_driver_sql("SET LOCAL session_replication_role = replica")
            for s in statements:
                c.exec_driver_sql(s)
    finally:
        engine.dispose()


def refused(db: str, statement: str) -> str:
    """Run ``statement`` as an ordinary client (triggers in force); return the database's refusal."""
    if not _pg(db):
        c = sqlite3.connect(db, isolation_level=None)
        try:
            with pytest.raises(sqlite3.DatabaseError) as info:
                c.execute(statement)
        finally:
            c.close()
        return str(info.value)
    engine = sa.create_engine(db.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=sa.pool.NullPool)
    try:
        with pytest.raises(sa.exc.DBAPIError) as info, engine.begin() as c:
            c.exec_driver_sql(statement)
    finally:
        engine.dispose()
    return str(info.value.orig)


def verify_fails(db: str, *patterns: str, extra: tuple[str, ...] = ()) -> str:
    """`db verify` exits 1, and its message matches every pattern (regular expressions)."""
    r = run_cli("db", "verify", "--db", db, *extra)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "NON intègre" in r.stderr
    for p in patterns:
        assert re.search(p, r.stderr), (p, r.stderr)
    return r.stderr


def verify_ok(db: str, *extra: str) -> str:
    r = run_cli("db", "verify", "--db", db, *extra)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Données conformes au journal" in r.stdout
    return r.stdout


def passage_id(store, dossier: str = DOSSIER, session: str = CLOSED) -> int:  # type: ignore[no-untyped-def]
    from cqpkit.store import schema as t

    with store.read() as conn:
        p = t.passages.c
        return conn.execute(sa.select(sa.func.max(p.id)).where(p.dossier_id == dossier, p.session_id == session)).scalar_one()


def _db(store) -> str:  # type: ignore[no-untyped-def]
    return store.target.path or store.target.url.replace("postgresql+psycopg://", "postgresql://", 1)


# ---------------------------------------------------------------------------------------------- scenarios
#: name → (statements: SQLite, PostgreSQL — ``{id}`` is the passage of DOSSIER at CLOSED), what verify must say
SCENARIOS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    # the bypasses of the issue
    "REPLACE d'une décision close (SQLite) / INSERT … ON CONFLICT (PostgreSQL)": (
        ("INSERT OR REPLACE INTO passages SELECT id, dossier_id, session_id, date, absent, excuse, '{{\"D1\":\"non_acquis\"}}', notes, "
         "origine, remplace_id, motif, enregistre_le, operateur FROM passages WHERE id = {id}",),
        ("INSERT INTO passages SELECT * FROM passages WHERE id = {id} ON CONFLICT (id) DO UPDATE SET decisions = '{{\"D1\":\"non_acquis\"}}'",),
        (r"table passages, clé id={id} : ligne modifiée",),
    ),
    "TRUNCATE passages (PostgreSQL) / DELETE sans déclencheur (SQLite)": (
        ("DELETE FROM passages",), ("TRUNCATE passages CASCADE",),
        (rf"table passages, clé dossier_id={DOSSIER} : ligne supprimée \(session {CLOSED}",),
    ),
    "session close rouverte": (
        ("UPDATE sessions SET cloturee = 0, cloturee_le = NULL WHERE id = '" + CLOSED + "'",),
        ("UPDATE sessions SET cloturee = false, cloturee_le = NULL WHERE id = '" + CLOSED + "'",),
        (rf"table sessions, clé id={CLOSED} : session rouverte",),
    ),
    "contenu d'une version de dossier modifié": (
        (f"UPDATE dossier_versions SET contenu = replace(contenu, 'vae', 'formation') WHERE dossier_id = '{DOSSIER}'",),
        (f"UPDATE dossier_versions SET contenu = replace(contenu, 'vae', 'formation') WHERE dossier_id = '{DOSSIER}'",),
        (rf"table dossier_versions, clé dossier_id={DOSSIER}, numero=1 : ligne modifiée \(contenu\)",),
    ),
    # the ones the chain already caught
    "entrée du journal modifiée": (
        ("UPDATE audit SET operateur = 'quelqu''un' WHERE numero = 7",), ("UPDATE audit SET operateur = 'quelqu''un' WHERE numero = 7",),
        (r"entrée n° 7 : contenu modifié",),
    ),
    "entrée du journal supprimée": (
        ("DELETE FROM audit WHERE numero = 10",), ("DELETE FROM audit WHERE numero = 10",), (r"entrée n° 11 : l'entrée n° 10 manque",),
    ),
    "journal tronqué": (
        ("DELETE FROM audit WHERE numero > 50",), ("DELETE FROM audit WHERE numero > 50",),
        (r"n'est pas la tête enregistrée", rf"table sessions, clé id={CLOSED} : session close sans entrée session.cloture"),
    ),
    # more of the same kind
    "passage ajouté": (
        ("INSERT INTO passages (dossier_id, session_id, date, absent, excuse, decisions, notes, origine, remplace_id, motif, enregistre_le, "
         "operateur) SELECT dossier_id, session_id, date, absent, excuse, '{{}}', notes, 'jury', id, '', enregistre_le, operateur "
         "FROM passages WHERE id = {id}",),
        ("INSERT INTO passages (dossier_id, session_id, date, absent, excuse, decisions, notes, origine, remplace_id, motif, enregistre_le, "
         "operateur) SELECT dossier_id, session_id, date, absent, excuse, '{{}}', notes, 'jury', id, '', enregistre_le, operateur "
         "FROM passages WHERE id = {id}",),
        (rf"table passages, clé id=\d+ : ligne que le journal ne décrit pas \(dossier {DOSSIER}, session {CLOSED}\)",),
    ),
    "passage supprimé": (
        ("DELETE FROM passages WHERE id = {id}",), ("DELETE FROM passages WHERE id = {id}",),
        (rf"table passages, clé dossier_id={DOSSIER} : ligne supprimée \(session {CLOSED}",),
    ),
    "évaluation ajoutée": (
        ("INSERT INTO evaluations (dossier_id, numero_version, position, epreuve, date, contenu, empreinte, enregistre_le) "
         f"SELECT dossier_id, numero_version, 99, epreuve, date, contenu, empreinte, enregistre_le FROM evaluations WHERE dossier_id = '{EVALUE}' "
         "ORDER BY id LIMIT 1",),
        ("INSERT INTO evaluations (dossier_id, numero_version, position, epreuve, date, contenu, empreinte, enregistre_le) "
         f"SELECT dossier_id, numero_version, 99, epreuve, date, contenu, empreinte, enregistre_le FROM evaluations WHERE dossier_id = '{EVALUE}' "
         "ORDER BY id LIMIT 1",),
        (rf"table evaluations, clé dossier_id={EVALUE}, numero_version=1 : \d+ ligne\(s\) au lieu des \d+",),
    ),
    "évaluation supprimée": (
        (f"DELETE FROM evaluations WHERE id = (SELECT max(id) FROM evaluations WHERE dossier_id = '{EVALUE}')",),
        (f"DELETE FROM evaluations WHERE id = (SELECT max(id) FROM evaluations WHERE dossier_id = '{EVALUE}')",),
        (rf"table evaluations, clé dossier_id={EVALUE}, numero_version=1 : ",),
    ),
    "évaluation modifiée": (
        (f"UPDATE evaluations SET date = '2001-01-01' WHERE id = (SELECT max(id) FROM evaluations WHERE dossier_id = '{EVALUE}')",),
        (f"UPDATE evaluations SET date = '2001-01-01' WHERE id = (SELECT max(id) FROM evaluations WHERE dossier_id = '{EVALUE}')",),
        (rf"table evaluations, clé dossier_id={EVALUE}, numero_version=1 : lignes modifiées",),
    ),
    "version de session modifiée": (
        (f"UPDATE session_versions SET contenu = contenu || ' ' WHERE session_id = '{CLOSED}'",),
        (f"UPDATE session_versions SET contenu = contenu || ' ' WHERE session_id = '{CLOSED}'",),
        (rf"table session_versions, clé session_id={CLOSED}, numero=1 : ligne modifiée \(contenu\)",),
    ),
    "dossier courant réécrit": (
        (f"UPDATE dossiers SET version_referentiel = '1999' WHERE id = '{DOSSIER}'",),
        (f"UPDATE dossiers SET version_referentiel = '1999' WHERE id = '{DOSSIER}'",),
        (rf"table dossiers, clé id={DOSSIER} : ligne modifiée \(version_referentiel\)",),
    ),
    "dossier supprimé": (
        (f"DELETE FROM echeances WHERE dossier_id = '{DOSSIER}'", f"DELETE FROM dossiers WHERE id = '{DOSSIER}'"),
        (f"DELETE FROM echeances WHERE dossier_id = '{DOSSIER}'", f"DELETE FROM dossiers WHERE id = '{DOSSIER}'"),
        (rf"table dossiers, clé id={DOSSIER} : ligne supprimée",),
    ),
    "candidat ajouté hors journal": (
        ("INSERT INTO candidats (id, donnees, cree_le, modifie_le) VALUES ('C-FANTOME', NULL, '2020-01-01', '2020-01-01')",),
        ("INSERT INTO candidats (id, donnees, cree_le, modifie_le) VALUES ('C-FANTOME', NULL, '2020-01-01', '2020-01-01')",),
        (r"table candidats, clé id=C-FANTOME : ligne que le journal ne décrit pas",),
    ),
}


def _ids_tried() -> list[str]:
    return list(SCENARIOS)


@pytest.mark.parametrize("scenario", _ids_tried())
def test_tampering_is_seen(campaign_store, scenario):
    """Each scenario, its triggers bypassed: `db verify` exits 1 naming the table and the key."""
    db = _db(campaign_store)
    verify_ok(db)
    pid = passage_id(campaign_store)
    lite, pg, expected = SCENARIOS[scenario]
    tamper(db, *(s.format(id=pid) for s in (pg if _pg(db) else lite)))
    verify_fails(db, *(p.format(id=pid) for p in expected))


def test_figure_detected_out_of_tried():
    """The figure of the note: every scenario tried is one `db verify` must see (the test above runs each on both engines)."""
    assert len(SCENARIOS) == 16


class TestErasure:
    """An erasure's marker removed (the candidate « un-erased »), or their data written back."""

    def test_marker_removed(self, campaign_store):
        db = _db(campaign_store)
        campaign_store.erase(CANDIDAT, operateur="dpo")
        verify_ok(db)
        assert "candidat effacé" in refused(db, f"UPDATE candidats SET efface_le = NULL WHERE id = '{CANDIDAT}'")
        tamper(db, f"UPDATE candidats SET efface_le = NULL, pseudonyme = NULL WHERE id = '{CANDIDAT}'")
        verify_fails(db, rf"table candidats, clé id={CANDIDAT} : marque d'effacement supprimée ou modifiée")

    def test_data_written_back(self, campaign_store):
        db = _db(campaign_store)
        campaign_store.erase(CANDIDAT, operateur="dpo")
        tamper(db, f"UPDATE candidats SET donnees = 'chiffre:v1:AAAA' WHERE id = '{CANDIDAT}'")
        verify_fails(db, rf"table candidats, clé id={CANDIDAT} : données personnelles réapparues après l'effacement \(donnees")

    def test_key_put_back(self, campaign_store):
        """A destroyed key written back (from a backup) would make the erased data readable again: verify says so."""
        db = _db(campaign_store)
        campaign_store.erase(CANDIDAT, operateur="dpo")
        verify_ok(db)
        blob = "X'" + "00" * 32 + "'" if not _pg(db) else "'\\x" + "00" * 32 + "'::bytea"
        tamper(db, f"UPDATE cles SET cle = {blob}, detruite_le = NULL WHERE sujet = 'candidat:{CANDIDAT}'")
        verify_fails(db, rf"table cles, clé sujet=candidat:{CANDIDAT} : clé du candidat effacé non détruite")


class TestHardening:
    """What the triggers of migration 4 refuse while they are there, and a trigger removed or disabled."""

    def test_replace_truncate_reopen_delete_refused(self, campaign_store):
        db = _db(campaign_store)
        pid = passage_id(campaign_store)
        if _pg(db):
            assert "TRUNCATE interdit" in refused(db, "TRUNCATE passages CASCADE")
            assert "TRUNCATE interdit" in refused(db, "TRUNCATE audit")
            assert "ajout seul" in refused(db, f"INSERT INTO passages SELECT * FROM passages WHERE id = {pid} ON CONFLICT (id) DO UPDATE SET motif = 'x'")
        else:
            assert "REPLACE interdit" in refused(db, f"INSERT OR REPLACE INTO passages SELECT * FROM passages WHERE id = {pid}")
            assert "REPLACE interdit" in refused(db, f"REPLACE INTO sessions SELECT * FROM sessions WHERE id = '{CLOSED}'")
        assert "session close" in refused(db, f"UPDATE sessions SET cloturee = {'false' if _pg(db) else '0'} WHERE id = '{CLOSED}'")
        assert "suppression interdite" in refused(db, f"DELETE FROM dossiers WHERE id = '{DOSSIER}'")
        verify_ok(db)

    def test_reopened_session_then_decision_without_motive(self, campaign_store):
        """The issue's path: reopen a closed session, then `jury decide` needs no motive — verify names the session."""
        db = _db(campaign_store)
        tamper(db, f"UPDATE sessions SET cloturee = {'false' if _pg(db) else '0'}, cloturee_le = NULL WHERE id = '{CLOSED}'")
        assert run_cli("jury", "decide", CLOSED, DOSSIER, "D4=acquis", "--db", db).returncode == 0
        verify_fails(db, rf"table sessions, clé id={CLOSED} : session rouverte : le journal l'a close \(entrée n° \d+\)")

    def test_dropped_trigger(self, campaign_store):
        db = _db(campaign_store)
        if _pg(db):
            tamper(db, "DROP TRIGGER passages_sans_troncature ON passages")
            verify_fails(db, r"table passages : déclencheur passages_sans_troncature absent")
        else:
            c = sqlite3.connect(db)
            c.execute("DROP TRIGGER passages_sans_remplacement")
            c.commit()
            c.close()
            verify_fails(db, r"table passages : déclencheur passages_sans_remplacement absent")

    def test_neutered_trigger(self, campaign_store):
        """A trigger replaced by one that lets everything through, or disabled (PostgreSQL), is said."""
        db = _db(campaign_store)
        if _pg(db):
            tamper(db, "ALTER TABLE audit DISABLE TRIGGER audit_ajout_seul",
                   "CREATE OR REPLACE FUNCTION cqpkit_refus() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$")
            verify_fails(db, r"table audit : déclencheur audit_ajout_seul désactivé", r"la fonction cqpkit_refus n'est plus celle du schéma")
        else:
            c = sqlite3.connect(db)
            c.executescript("DROP TRIGGER sessions_close_figee; CREATE TRIGGER sessions_close_figee BEFORE UPDATE ON sessions WHEN 0 BEGIN SELECT 1; END;")
            c.close()
            verify_fails(db, r"table sessions : déclencheur sessions_close_figee modifié")


class TestExpect:
    """`db verify --expect HASH`: the fingerprint kept on a procès-verbal."""

    def test_expected_head(self, campaign_store):
        db = _db(campaign_store)
        head = json.loads(run_cli("db", "verify", "--db", db, "--json").stdout)["tete"]
        assert "Empreinte attendue retrouvée : la tête actuelle" in verify_ok(db, "--expect", head)
        campaign_store.erase(CANDIDAT, operateur="dpo")  # the log goes on: the old head is still one of its entries
        assert "Empreinte attendue retrouvée : l'entrée n° 55" in verify_ok(db, "--expect", head.upper())

    def test_rewritten_log(self, campaign_store):
        """A log rewritten whole (every fingerprint recomputed) is consistent, but no longer holds the head of the procès-verbal."""
        db = _db(campaign_store)
        head = json.loads(run_cli("db", "verify", "--db", db, "--json").stdout)["tete"]
        err = verify_fails(db, "empreinte attendue 0{64} introuvable", extra=("--expect", "0" * 64))
        assert f"tête actuelle : n° 55, empreinte {head}" in err
        data = json.loads(run_cli("db", "verify", "--db", db, "--json", "--expect", "0" * 64).stdout)
        assert (data["integre"], data["tete_attendue"], data["tete_attendue_numero"]) == (False, "0" * 64, None)


def test_normal_campaign_is_clean(db):
    """Import, jury open / add / decide / close, a correction, an erasure, an export: verify finds nothing (no false positive)."""
    assert run_cli("import", "--db", db, str(CAMPAIGN), "--operateur", "oemm").returncode == 0
    steps = [
        ("jury", "open", "OEMM-JURY-2020-07", "--date", "2020-07-06", "--certification", "mutualite.specialiste-prestations", *MEMBERS,
         "--president", "J-02"),
        ("jury", "add", "OEMM-JURY-2020-07", "OEMM-2017-0207", "OEMM-2018-0203"),
        ("jury", "add", "OEMM-JURY-2020-07", "OEMM-2018-0203", "--absent"),
        ("jury", "add", "OEMM-JURY-2020-07", "OEMM-2018-0203", "--present"),
        ("jury", "decide", "OEMM-JURY-2020-07", "OEMM-2017-0207", "D1=acquis", "D2=acquis"),
        ("jury", "decide", "OEMM-JURY-2020-07", "OEMM-2017-0207", "D3=non_acquis"),
        ("jury", "close", "OEMM-JURY-2020-07", "--forcer"),
        ("jury", "decide", "OEMM-JURY-2020-07", "OEMM-2017-0207", "D3=acquis", "--motif", "erreur de saisie"),
        ("jury", "decide", CLOSED, DOSSIER, "D4=acquis", "--motif", "erreur de report"),
        ("candidate", "erase", "C-0207", "--confirmer"),
        ("candidate", "export", "C-0201", "-o", "/dev/null"),
    ]
    for args in steps:
        r = run_cli(*args, "--db", db)
        assert r.returncode == 0, (args, r.stderr)
    assert run_cli("import", "--db", db, str(CAMPAIGN)).returncode == 0  # again: unchanged, the corrections kept
    data = json.loads(run_cli("db", "verify", "--db", db, "--json").stdout)
    assert data["integre"] is True, data["problemes"]
    assert data["lignes_verifiees"]["passages"] >= 19 and data["lignes_verifiees"]["dossier_versions"] == 23


def test_upgrade_seals_what_was_stored(campaign_store):
    """A base of version 3 (older details): migration 4 seals its rows; verify is clean, then sees a change to a sealed row."""
    from cqpkit.store import migrations
    from tests.test_store_support import undo_v5

    db = _db(campaign_store)
    # Back to version 3: the v4 triggers removed, the log rewritten with the details version 3 wrote (no digests).
    with campaign_store.write() as conn:
        for name, (table, _) in migrations.triggers(conn.dialect.name).items():
            if name.endswith(("_sans_remplacement", "_sans_suppression", "_sans_troncature")) or name in ("sessions_close_figee", "candidats_efface_fige"):
                conn.exec_driver_sql(f"DROP TRIGGER {name}" + (f" ON {table}" if _pg(db) else ""))
        undo_v5(conn)  # and the encryption's table and columns (migration 5 runs again after 4)
        conn.exec_driver_sql("UPDATE cqpkit_meta SET valeur = '3' WHERE cle = 'schema_version'")
    _strip_v4_details(campaign_store)
    assert run_cli("db", "upgrade", "--db", db).returncode == 0
    out = verify_ok(db)
    assert "Tête du journal : n° 84" in out  # 55 entries, then the seal: 23 dossiers, 5 sessions, 1 for the base
    tamper(db, f"UPDATE dossier_versions SET contenu = replace(contenu, 'vae', 'formation') WHERE dossier_id = '{DOSSIER}'")
    verify_fails(db, rf"table dossier_versions, clé dossier_id={DOSSIER}, numero=1 : ligne modifiée \(contenu\)")


def _strip_v4_details(store) -> None:  # type: ignore[no-untyped-def]
    """Rewrite the log as version 3 wrote it (details without the v4 keys), the chain recomputed."""
    from cqpkit.store import schema as t
    from cqpkit.store.audit import GENESIS, canonical_plain, entry_hash

    v4 = {"candidat", "contenu", "evaluations_empreinte", "lignes", "ligne", "certifications"}
    with store.write() as conn:
        rows = conn.execute(sa.select(t.audit).order_by(t.audit.c.numero)).all()
        previous = GENESIS
        new = []
        for r in rows:
            d = {k: v for k, v in json.loads(r.details).items() if k not in v4}
            if r.action == "session.creation":
                d = {"empreinte": d["empreinte"], "date": d["date"]}
            text = canonical_plain(d)
            h = entry_hash(r.numero, r.horodatage, r.operateur, r.action, r.objet, r.objet_id, text, previous)
            new.append((r.numero, text, previous, h))
            previous = h
    tamper(_db(store), *(f"UPDATE audit SET details = '{text.replace(chr(39), chr(39) * 2)}', precedente = '{p}', empreinte = '{h}' WHERE numero = {n}"
                          for n, text, p, h in new),
           f"UPDATE cqpkit_meta SET valeur = '{previous}' WHERE cle = 'audit_empreinte'")


def test_postgresql_least_privilege_role(registry):
    """The deployment of docs/store.md: the owner runs `db init`; the application's role has SELECT/INSERT on the
    append-only tables and UPDATE only where the store needs it. Normal commands work; tampering is refused by
    the server itself, triggers or not (the role cannot drop them: it owns nothing)."""
    from tests.test_store_support import postgres_schema, postgres_url_or_skip

    base = postgres_url_or_skip()
    role = f"cqpkit_app_{secrets.token_hex(4)}"
    with postgres_schema(base) as owner_url:
        assert run_cli("db", "init", "--db", owner_url).returncode == 0
        schema = owner_url.rsplit("%3D", 1)[1]
        admin = sa.create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=sa.pool.NullPool)
        with admin.begin() as c:
            c.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
            for statement in least_privilege_grants(schema, role):
                c.exec_driver_sql(statement)
        app_url = owner_url.replace("postgres@", f"{role}@", 1)
        try:
            assert run_cli("import", "--db", app_url, str(CAMPAIGN), "--operateur", "appli").returncode == 0
            for args in (("jury", "decide", CLOSED, DOSSIER, "D4=acquis", "--motif", "erreur de report"),
                         ("candidate", "erase", CANDIDAT, "--confirmer"), ("report", "campaign", "--as-of", "2020-06-30"),
                         ("user", "add", "lecteur", "--role", "lecture"), ("user", "token", "lecteur"), ("user", "disable", "lecteur"), ("db", "refresh")):
                r = run_cli(*args, "--db", app_url)
                assert r.returncode == 0, (args, r.stderr)
                if args[0] == "candidate":  # the clean-up after the erasure needs the owner: said, not an error
                    assert "note : nettoyage après effacement : « VACUUM FULL cles » non fait : seul le propriétaire" in r.stderr
                    assert "« CHECKPOINT » refusé par le serveur" in r.stderr
                    assert "à faire par l'administrateur de la base" in r.stderr
            verify_ok(app_url)
            for statement in ("UPDATE passages SET motif = 'x'", "DELETE FROM audit", "TRUNCATE passages", "UPDATE audit SET operateur = 'x'",
                              "ALTER TABLE passages DISABLE TRIGGER USER", "DROP TRIGGER passages_ajout_seul ON passages",
                              "DELETE FROM dossier_versions", "SET session_replication_role = replica",
                              "DELETE FROM utilisateurs", "TRUNCATE jetons", "ALTER TABLE jetons DISABLE TRIGGER USER"):
                assert re.search(r"permission denied|must be owner|doit être le propriétaire|droit refusé|ajout seul|interdit",
                                 refused(app_url, statement)), statement
        finally:
            with admin.begin() as c:
                c.exec_driver_sql(f'REVOKE ALL ON ALL TABLES IN SCHEMA "{schema}" FROM {role}')
                c.exec_driver_sql(f'REVOKE ALL ON ALL SEQUENCES IN SCHEMA "{schema}" FROM {role}')
                c.exec_driver_sql(f'REVOKE ALL ON SCHEMA "{schema}" FROM {role}')
                c.exec_driver_sql(f"DROP ROLE {role}")
            admin.dispose()


def least_privilege_grants(schema: str, role: str) -> list[str]:
    """The grants of docs/store.md (« Threat model »), for ``role`` on ``schema``."""
    s = f'"{schema}"'
    return [
        f"GRANT USAGE ON SCHEMA {s} TO {role}",
        f"GRANT SELECT, INSERT ON {s}.audit, {s}.dossier_versions, {s}.session_versions, {s}.evaluations, {s}.passages TO {role}",
        f"GRANT SELECT, INSERT, UPDATE ON {s}.dossiers, {s}.sessions, {s}.candidats, {s}.cles, {s}.cqpkit_meta, {s}.utilisateurs, {s}.jetons TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {s}.echeances, {s}.personnes, {s}.personne_acteurs, {s}.resultats, {s}.resultat_periodes, "
        f"{s}.compte_dossiers, {s}.compte_candidats, {s}.compte_candidats_distincts, {s}.compte_resultats, {s}.resultat_jours TO {role}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {s} TO {role}",
    ]
