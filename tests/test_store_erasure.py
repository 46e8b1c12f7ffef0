"""Erasure that erases (crypto-shredding), on SQLite and PostgreSQL: grep the database files, the journal or WAL, and every output.

A fictional dossier carries a unique marker in each of its personal fields (docs/store.md « Personal
data »). Before the erasure, no marker is in the files in clear (everything personal is encrypted at
rest); after it, no marker is anywhere — files, journal/WAL, exports, the output of every command — and
the candidate's key is gone from the table files, while the reports, `dossier show|history` and
`jury show` keep working and show « [effacé] » where a personal field was.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from cqpkit.store import schema as t

from tests.conftest import run_cli
from tests.test_store_support import CAMPAIGN, db, registry, store  # noqa: F401 (fixtures)

FILE = "i410-2018-0101.toml"
DOSSIER, CANDIDAT, SESSION = "I410-2018-0101", "C-0101", "I410-JURY-2019-03"

#: field -> (text in the example file, its replacement carrying a marker)
EDITS = {
    "nom": ('nom = "Tilleul"', 'nom = "MARQUEUR-NOM-8f3a"'),
    "prenom": ('prenom = "Alex"', 'prenom = "MARQUEUR-PRENOM-8f3a"'),
    "email": ('email = "alex.tilleul@example.invalid"', 'email = "marqueur-email-8f3a@example.invalid"'),
    "emploi": ('emploi = "Manager opérationnel, service relation client"', 'emploi = "MARQUEUR-EMPLOI-8f3a"'),
    "employeur": (
        "employeur = \"Caisse fictive d'assurance maladie de l'Exemple\"",
        'employeur = "MARQUEUR-EMPLOYEUR-8f3a"\ntelephone = "MARQUEUR-TEL-8f3a"\nnotes = "MARQUEUR-NOTESCANDIDAT-8f3a"',
    ),
    "dossier.notes": ("depot_dossier = 2019-02-05", 'depot_dossier = 2019-02-05\nnotes = "MARQUEUR-NOTESDOSSIER-8f3a"'),
    "tuteur.organisation": (
        "organisation = \"Caisse fictive d'assurance maladie de l'Exemple\"\nfonction = \"Manager opérationnel confirmé\"",
        'organisation = "MARQUEUR-ORGTUTEUR-8f3a"\nfonction = "MARQUEUR-FONCTIONTUTEUR-8f3a"\nnotes = "MARQUEUR-NOTESTUTEUR-8f3a"',
    ),
    "formation.notes": ('organisme = "Institut 4.10"\n\n[[formations]]\nmodule = "UP2"', 'organisme = "Institut 4.10"\nnotes = "MARQUEUR-FORMATION-8f3a"\n\n[[formations]]\nmodule = "UP2"'),
    "evaluation.notes": ('notes = "Situations professionnelles des premières unités."', 'notes = "MARQUEUR-EVALUATION-8f3a"'),
    "passage.notes": (
        'decisions = { D1 = "acquis", D2 = "acquis", D3 = "acquis", D4 = "acquis", D5 = "acquis" }',
        'decisions = { D1 = "acquis", D2 = "acquis", D3 = "acquis", D4 = "acquis", D5 = "acquis" }\nnotes = "MARQUEUR-PASSAGE-8f3a"',
    ),
}
MARKERS = [m for m in ("NOM", "PRENOM", "EMPLOI", "EMPLOYEUR", "TEL", "NOTESCANDIDAT", "NOTESDOSSIER", "ORGTUTEUR", "FONCTIONTUTEUR",
                       "NOTESTUTEUR", "FORMATION", "EVALUATION", "PASSAGE")]
MARKER_BYTES = [f"MARQUEUR-{m}-8f3a".encode() for m in MARKERS] + [b"marqueur-email-8f3a@example.invalid"]


def _marked_campaign(tmp_path: Path) -> Path:
    """The example campaign's sessions and the one dossier, its personal fields carrying the markers."""
    root = tmp_path / "campagne"
    shutil.copytree(CAMPAIGN / "sessions", root / "sessions")
    (root / "dossiers").mkdir()
    text = (CAMPAIGN / "dossiers" / FILE).read_text(encoding="utf-8")
    for old, new in EDITS.values():
        assert text.count(old) >= 1, old
        text = text.replace(old, new, 1)
    (root / "dossiers" / FILE).write_text(text, encoding="utf-8")
    return root


def _database_files(store) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    """The bytes of every file the database keeps: SQLite's file, journal and WAL; PostgreSQL's table, index and TOAST
    files of the store's schema, and the WAL segments written since the test began (read as superuser)."""
    if store.target.kind == "sqlite":
        base = Path(store.target.path)
        return {p.name: p.read_bytes() for p in base.parent.glob(base.name + "*")}
    out = {}
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("CHECKPOINT")
        rels = conn.exec_driver_sql(
            "SELECT c.relname, pg_relation_filepath(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() OR c.oid IN (SELECT reltoastrelid FROM pg_class k JOIN pg_namespace s "
            "ON s.oid = k.relnamespace WHERE s.nspname = current_schema())"
        ).all()
        for name, path in rels:
            if path is None:
                continue
            size = conn.exec_driver_sql("SELECT (pg_stat_file(%s, true)).size", (path,)).scalar()
            if size:
                out[name] = bytes(conn.exec_driver_sql("SELECT pg_read_binary_file(%s)", (path,)).scalar())
        for (name,) in conn.exec_driver_sql(
            "SELECT name FROM pg_ls_waldir() WHERE modification >= %s::timestamptz - interval '1 minute' ORDER BY name", (store._test_started,)
        ).all():
            out[f"pg_wal/{name}"] = bytes(conn.exec_driver_sql("SELECT pg_read_binary_file(%s)", (f"pg_wal/{name}",)).scalar())
    return out


def _found(blobs: dict[str, bytes], needles: list[bytes]) -> list[tuple[str, bytes]]:
    return [(name, n) for name, blob in blobs.items() for n in needles if n in blob]


def _outputs(db: str) -> dict[str, str]:
    """What every command shows about the candidate, their dossier and their session (JSON and text)."""
    out = {}
    for label, args in {
        "export": ("candidate", "export", CANDIDAT),
        "show": ("dossier", "show", DOSSIER, "--as-of", "2020-06-30", "--json"),
        "show-texte": ("dossier", "show", DOSSIER, "--as-of", "2020-06-30"),
        "history": ("dossier", "history", DOSSIER, "--json"),
        "jury": ("jury", "show", SESSION, "--json"),
        "campaign": ("report", "campaign", "--as-of", "2020-06-30", "--json"),
        "deadlines": ("report", "deadlines", "--within", "3650", "--as-of", "2019-01-01", "--json"),
        "verify": ("db", "verify", "--json"),
    }.items():
        r = run_cli(*args, "--db", db)
        assert r.returncode == 0, (label, r.stdout, r.stderr)
        out[label] = r.stdout + r.stderr
    return out


def _key(store) -> bytes | None:  # type: ignore[no-untyped-def]
    with store.read() as conn:
        value = conn.execute(sa.select(t.cles.c.cle).where(t.cles.c.sujet == f"candidat:{CANDIDAT}")).scalar_one()
        return bytes(value) if value is not None else None


def _server_now(store) -> str | None:  # type: ignore[no-untyped-def]
    """PostgreSQL's clock (None on SQLite)."""
    if store.target.kind != "postgresql":
        return None
    with store.read() as conn:
        return str(conn.exec_driver_sql("SELECT now()::text").scalar())


def _wait_for_older_transactions(store, since: str | None, limit: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    """Wait (at most ``limit`` seconds) until no other transaction of this database began before ``since``."""
    import time

    deadline = time.monotonic() + limit
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        while time.monotonic() < deadline:
            older = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND xact_start IS NOT NULL AND xact_start < %s::timestamptz",
                (since,),
            ).scalar()
            if not older:
                return
            time.sleep(0.5)


@pytest.fixture
def marked(store, tmp_path):  # type: ignore[no-untyped-def]
    """The store with the marked dossier and the campaign's sessions imported; the PostgreSQL WAL read from now on."""
    if store.target.kind == "postgresql":
        with store.read() as conn:
            store._test_started = conn.exec_driver_sql("SELECT now()::text").scalar()
    store.import_files([str(_marked_campaign(tmp_path))], operateur="test")
    return store


class TestCryptoShredding:
    def test_encrypted_at_rest(self, marked, db):
        """Before any erasure, no marker is in clear in the files (journal/WAL included), yet every command shows them."""
        assert _found(_database_files(marked), MARKER_BYTES) == []
        outputs = _outputs(db)
        export = json.loads(outputs["export"])
        assert export["candidat"]["nom"] == "MARQUEUR-NOM-8f3a" and export["candidat"]["employeur"] == "MARQUEUR-EMPLOYEUR-8f3a"
        content = export["dossiers"][0]["versions"][0]["contenu"]
        assert content["acteurs"][0]["organisation"] == "MARQUEUR-ORGTUTEUR-8f3a" and "_personnel" not in content
        assert export["dossiers"][0]["passages"][0]["notes"] == "MARQUEUR-PASSAGE-8f3a"
        shown = json.loads(outputs["show"])
        assert shown["evaluations"][0]["notes"] == "MARQUEUR-EVALUATION-8f3a" and shown["resultat"]["statut"] == "certifie"
        # The reports never need a personal field: none is in them.
        assert _found({k: outputs[k].encode() for k in ("campaign", "deadlines", "history", "jury", "verify")}, MARKER_BYTES) == []

    def test_same_file_twice_is_unchanged(self, marked, tmp_path):
        """The keyed fingerprint is a function of the plaintext: the same file imported again is « inchangé »;
        a change of a personal field alone is a new version."""
        root = _marked_campaign(tmp_path / "encore")
        assert marked.import_files([str(root)], operateur="test").fichiers[-1]["statut"] == "inchangé"
        path = root / "dossiers" / FILE
        path.write_text(path.read_text(encoding="utf-8").replace("MARQUEUR-NOTESTUTEUR-8f3a", "MARQUEUR-NOTESTUTEUR2-8f3a"), encoding="utf-8")
        assert marked.import_files([str(path)], operateur="test").fichiers[-1]["statut"] == "version 2"
        with marked.read() as conn:
            stored = conn.execute(sa.select(t.dossiers.c.empreinte, t.dossier_versions.c.contenu).join(
                t.dossier_versions, t.dossier_versions.c.dossier_id == t.dossiers.c.id).where(t.dossiers.c.id == DOSSIER)).all()
        # Neither fingerprint is the plain SHA-256 of anything a guess could rebuild: it is keyed.
        import hashlib

        assert all(hashlib.sha256(c.encode()).hexdigest() != e for e, c in stored)

    def test_erasure_leaves_no_marker(self, marked, db):
        """After `candidate erase`: zero markers in the files, the journal/WAL and every command's output; the key gone
        from the table files; the views show « [effacé] »; reports unchanged."""
        key = _key(marked)
        assert key is not None and _found(_database_files(marked), [key])  # the key is in the table file before
        before = json.loads(_outputs(db)["campaign"])
        erased_at = _server_now(marked)
        r = run_cli("candidate", "erase", CANDIDAT, "--confirmer", "--db", db)
        assert r.returncode == 0, r.stderr
        assert _key(marked) is None
        files = _database_files(marked)
        outputs = _outputs(db)
        left = _found(files, MARKER_BYTES) + _found({k: v.encode() for k, v in outputs.items()}, MARKER_BYTES)
        print(f"\nmarqueurs restants après effacement ({marked.target.kind}) : {len(left)} sur {len(MARKER_BYTES)}")
        assert left == []
        # The destroyed key is no longer in the table files (SQLite: secure_delete; PostgreSQL: VACUUM FULL).
        tables = {k: v for k, v in files.items() if not k.startswith("pg_wal/")}
        if marked.target.kind == "postgresql" and _found(tables, [key]):
            # docs/store.md: VACUUM FULL keeps a dead version that a transaction open elsewhere (another test worker
            # on this shared server) may still see; the next scrub after those transactions end drops it.
            _wait_for_older_transactions(marked, erased_at)
            from cqpkit.store.personal import scrub

            assert scrub(marked) == ()
            tables = {k: v for k, v in _database_files(marked).items() if not k.startswith("pg_wal/")}
        assert _found(tables, [key]) == []
        export = json.loads(outputs["export"])
        assert export["candidat"]["efface"] is True and export["candidat"]["nom"].startswith("Candidat-")
        content = export["dossiers"][0]["versions"][0]["contenu"]
        assert content["acteurs"][0]["organisation"] == "[effacé]" and content["evaluations"][0]["notes"] == "[effacé]"
        assert export["dossiers"][0]["passages"][0]["notes"] == "[effacé]"
        shown = json.loads(outputs["show"])
        assert shown["candidat"]["efface"] and shown["evaluations"][0]["notes"] == "[effacé]"
        assert shown["resultat"]["statut"] == "certifie"
        assert json.loads(outputs["campaign"])["certifications"] == before["certifications"]
        assert json.loads(outputs["verify"])["integre"] is True

    def test_reimport_after_erasure(self, marked, tmp_path):
        """The erased candidate's file imported again: « inchangé », and still no marker in the files."""
        marked.erase(CANDIDAT, operateur="dpo")
        report = marked.import_files([str(_marked_campaign(tmp_path / "encore") / "dossiers" / FILE)], operateur="test")
        assert report.fichiers[0]["statut"] == "inchangé" and any("effacé" in n for n in report.notes)
        assert _found(_database_files(marked), MARKER_BYTES) == []
