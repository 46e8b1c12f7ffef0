"""Personal data (GDPR): a candidate's export, and their erasure behind a pseudonym by destroying their key.

A candidate's personal data (``candidats.donnees``, and the personal fields of their dossier
versions, evaluations and passages) are stored encrypted with a key of their own
(:mod:`cqpkit.store.crypto`). The export decrypts them (it is logged, not its content); the erasure
destroys the key and overwrites the candidate's row with a pseudonym, so that every copy of the
ciphertext (old row versions, the WAL or journal, backups) becomes noise; then it has the database
drop what it can of the old pages (SQLite: ``secure_delete`` and a checkpoint; PostgreSQL: ``VACUUM``
and ``CHECKPOINT``, see :func:`scrub`). Never written to the audit log. Dossiers, decisions and
statistics stay.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

import attrs
import sqlalchemy as sa

from cqpkit.store import crypto
from cqpkit.store import schema as t
from cqpkit.store.audit import AuditWriter, entry_json
from cqpkit.store.base import StoreBase, operateur_par_defaut
from cqpkit.store.errors import NotFoundError, near_match
from cqpkit.store.reading import PERSONAL
from cqpkit.store.sql import now

__all__ = ["Effacement", "candidate_names", "candidate_public", "erase", "erase_candidat", "export_candidat"]


@attrs.frozen
class Effacement:
    """What :meth:`Store.erase` did: the candidate's pseudonym, when they were erased, and whether it was already done."""

    candidat: str
    pseudonyme: str
    efface_le: str
    deja_efface: bool
    #: What the database could not do after the erasure to drop the old row versions (French; :func:`scrub`).
    nettoyage: tuple[str, ...] = ()


def personal_of(conn: sa.Connection, cand: Any) -> dict[str, Any]:
    """A stored candidate's personal fields in clear (dates as ISO texts): decrypted with their key; an erased
    candidate's are empty, but ``nom``, which is their pseudonym."""
    key = crypto.load_keys(conn, [crypto.subject(cand.id)]).get(crypto.subject(cand.id))
    record = crypto.open_record(cand.donnees, key, crypto.aad(cand.id, "candidat")) or {}
    out = {k: record.get(k, None if k == "naissance" else "") for k in PERSONAL}
    if cand.efface_le:
        out["nom"] = cand.pseudonyme
    return out


def candidate_names(store: StoreBase, candidat_ids: Any) -> dict[str, dict[str, Any]]:
    """The names of the given candidates, for the reports' text: ``{id: {"nom", "prenom", "efface"}}``; an erased
    candidate has ``efface`` true and empty names (their pseudonym is not a name). Unknown ids are left out.

    Reads (decrypts) only these two fields; not logged (what ``dossier show`` shows of one candidate, for a list).
    """
    from cqpkit.store.sql import chunks

    wanted = sorted({c for c in candidat_ids if c})
    out: dict[str, dict[str, Any]] = {}
    with store.read() as conn:
        # Each candidate's row with its key (``cles.sujet`` is ``crypto.subject(id)``) in one statement, at the driver
        # level (texts and bytes, no conversion to make): the session page asks for its 20 names at every view
        # (issue 19), and SQLAlchemy's two statements cost four times this one.
        quote = conn.dialect.identifier_preparer.quote
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        head = (
            f"SELECT c.id, c.donnees, c.efface_le, k.cle FROM {quote(t.candidats.name)} c LEFT JOIN {quote(t.cles.name)} k"
            f" ON k.sujet = {mark} || c.id WHERE c.id IN "
        )
        for chunk in chunks(wanted):
            rows = conn.exec_driver_sql(
                f"{head}({', '.join([mark] * len(chunk))})", (crypto.subject(""), *chunk)
            ).all()
            for r in rows:
                if r.efface_le:
                    out[r.id] = {"nom": "", "prenom": "", "efface": True}
                    continue
                key = bytes(r.cle) if r.cle is not None else None
                record = crypto.open_record(r.donnees, key, crypto.aad(r.id, "candidat")) or {}
                out[r.id] = {"nom": record.get("nom") or "", "prenom": record.get("prenom") or "", "efface": False}
    return out


def candidate_public(cand: Any, personal: dict[str, Any] | None = None) -> dict[str, Any]:
    """A candidate as ``dossier show`` gives them: id, erased or not, the personal fields (``personal``, from
    :func:`personal_of`), the pseudonym."""
    if cand is None:
        return {}
    out = {"id": cand.id, "efface": bool(cand.efface_le)}
    personal = personal or {}
    for k in PERSONAL:
        out[k] = personal.get(k, None if k == "naissance" else "")
    out["pseudonyme"] = cand.pseudonyme
    return out


def export_candidat(
    store: StoreBase, candidat_id: str, operateur: str | None = None, *, deliver: Callable[[dict[str, Any]], None] | None = None
) -> dict[str, Any]:
    """Every personal datum the store holds on a candidate, with their dossiers and the log (GDPR access).

    The export is itself logged (who asked, when; not what was exported). ``deliver``, when given,
    receives the export before the log entry is committed: if it raises (the file cannot be
    written), the entry is rolled back with it, so the log never records an export that was not made.
    """
    operateur = operateur or operateur_par_defaut()
    with store.write() as conn:
        cand = conn.execute(sa.select(t.candidats).where(t.candidats.c.id == candidat_id)).first()
        if cand is None:
            raise NotFoundError(f"candidat « {candidat_id} » inconnu dans la base {store.target.label}{_near_candidat(conn, candidat_id)}")
        ids = [r.id for r in conn.execute(sa.select(t.dossiers.c.id).where(t.dossiers.c.candidat_id == candidat_id).order_by(t.dossiers.c.id))]
        key = crypto.load_keys(conn, [crypto.subject(candidat_id)]).get(crypto.subject(candidat_id))
        dossiers = []
        for did in ids:
            versions = conn.execute(
                sa.select(t.dossier_versions).where(t.dossier_versions.c.dossier_id == did).order_by(t.dossier_versions.c.numero)
            ).all()
            prows = conn.execute(sa.select(t.passages).where(t.passages.c.dossier_id == did).order_by(t.passages.c.id)).all()
            aad, passage_aad = crypto.aad(candidat_id, f"dossier:{did}"), crypto.aad(candidat_id, f"passage:{did}")
            dossiers.append(
                {
                    "dossier": did,
                    "versions": [
                        {"numero": v.numero, "enregistre_le": v.enregistre_le, "operateur": v.operateur, "contenu": crypto.open_content(v.contenu, key, aad)}
                        for v in versions
                    ],
                    "passages": [
                        {"session": r.session_id, "date": r.date.isoformat(), "decisions": json.loads(r.decisions), "origine": r.origine,
                         "notes": crypto.decrypt_value(key, r.notes, passage_aad), "motif": r.motif, "enregistre_le": r.enregistre_le}
                        for r in prows
                    ],
                }
            )
        entries = conn.execute(
            sa.select(t.audit).where(t.audit.c.objet_id.in_([candidat_id, *ids]), t.audit.c.objet.in_(("dossier", "candidat"))).order_by(t.audit.c.numero)
        ).all()  # a user or a token of the same id is not the candidate's
        audit = AuditWriter(conn, operateur, now())
        audit.add("candidat.export", "candidat", candidat_id, {"dossiers": len(ids)})
        audit.flush()
        personal = personal_of(conn, cand)
        data = {
            "candidat": {"id": cand.id, **personal, "efface": bool(cand.efface_le), "pseudonyme": cand.pseudonyme, "efface_le": cand.efface_le,
                         "enregistre_le": cand.cree_le, "modifie_le": cand.modifie_le},
            "dossiers": dossiers,
            "journal": [entry_json(e) for e in entries],
            "exporte_le": audit.horodatage,
            "base": store.target.label,
        }
        if deliver is not None:
            deliver(data)
    return data


def erase_candidat(store: StoreBase, candidat_id: str, operateur: str | None = None) -> str:
    """Replace a candidate's personal data with a pseudonym; dossiers, decisions and statistics stay. Return the pseudonym.

    The candidate's id stays (it is what the dossiers refer to); every personal field is
    emptied and ``nom`` becomes the pseudonym. A later import of one of their files keeps the
    candidate erased. On SQLite, ``secure_delete`` overwrites the old values in the file.
    A candidate already erased is left as they are (no log entry): :func:`erase` says so.
    """
    return erase(store, candidat_id, operateur).pseudonyme


def erase(store: StoreBase, candidat_id: str, operateur: str | None = None) -> Effacement:
    """:func:`erase_candidat`, saying what was done: the pseudonym, the date of the erasure, and
    ``deja_efface`` when the candidate had already been erased (then nothing is written, not even
    a log entry).

    In one transaction: the candidate's key is destroyed (:func:`cqpkit.store.crypto.destroy_key`), their
    row keeps only their id and pseudonym, and the copies of the acteurs' facts in their dossiers
    (``personne_acteurs.organisation``, ``fonction``) are emptied. Then :func:`scrub`.
    """
    operateur = operateur or operateur_par_defaut()
    with store.write() as conn:
        cand = conn.execute(sa.select(t.candidats).where(t.candidats.c.id == candidat_id)).first()
        if cand is None:
            raise NotFoundError(f"candidat « {candidat_id} » inconnu dans la base {store.target.label}{_near_candidat(conn, candidat_id)}")
        if cand.efface_le:
            return Effacement(candidat_id, cand.pseudonyme, cand.efface_le, True)
        pseudonyme = f"Candidat-{secrets.token_hex(4)}"
        horodatage = now()
        personal = personal_of(conn, cand)
        champs = [k for k in PERSONAL if personal[k] not in (None, "")]
        crypto.destroy_key(conn, crypto.subject(candidat_id), horodatage)
        conn.execute(
            t.candidats.update().where(t.candidats.c.id == candidat_id).values(
                donnees=None, pseudonyme=pseudonyme, efface_le=horodatage, modifie_le=horodatage
            )
        )
        ids = sa.select(t.dossiers.c.id).where(t.dossiers.c.candidat_id == candidat_id).scalar_subquery()
        pa = t.personne_acteurs
        conn.execute(pa.update().where(pa.c.dossier_id.in_(ids)).values(organisation=None, fonction=None))
        audit = AuditWriter(conn, operateur, horodatage)
        audit.add("candidat.effacement", "candidat", candidat_id, {"champs": champs, "pseudonyme": pseudonyme})
        audit.flush()
    notes = scrub(store)
    return Effacement(candidat_id, pseudonyme, horodatage, False, notes)


#: The tables whose old row versions may hold what an erasure destroyed: the key, the candidate's row, the acteurs' copies.
_SCRUBBED = ("cles", "candidats", "personne_acteurs")


def scrub(store: StoreBase) -> tuple[str, ...]:
    """After an erasure, have the database drop the old versions of what it overwrote; return what it could not do (French).

    - SQLite: ``secure_delete`` (set on every connection) already overwrote the freed space with zeros in
      the file and the rollback journal is deleted at commit; in WAL mode (a base an operator switched),
      a ``wal_checkpoint(TRUNCATE)`` empties the WAL file.
    - PostgreSQL: ``VACUUM FULL`` of the small tables that held them (it writes a new file for each, so the
      dead tuples, the destroyed key's among them, leave the table files), then ``CHECKPOINT`` (so that
      the WAL segments that hold the key before its destruction can be recycled sooner). ``VACUUM FULL``
      needs to own the tables (the role that ran ``db init`` does); ``CHECKPOINT``, a superuser or the
      role ``pg_checkpoint`` (PostgreSQL 15). What the role may not do is said, not an error: the
      erasure itself is done, and the server's own ``autovacuum`` and checkpoints come later.
    """
    notes: list[str] = []
    if store.target.kind == "sqlite":
        with store.engine.connect() as conn:
            if str(conn.exec_driver_sql("PRAGMA journal_mode").scalar()).lower() == "wal":
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return ()
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for statement in (*(f"VACUUM FULL {table}" for table in _SCRUBBED), "CHECKPOINT"):
            table = statement.removeprefix("VACUUM FULL ") if statement.startswith("VACUUM") else None
            # A VACUUM by a role that does not own the table only warns (« skipping … ») and does nothing: asked first.
            if table is not None and not conn.exec_driver_sql(
                "SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = to_regclass(%s)", (table,)
            ).scalar():
                notes.append(f"« {statement} » non fait : seul le propriétaire de la table peut le faire ; à faire par l'administrateur de la base")
                continue
            try:
                conn.exec_driver_sql(statement)
            except sa.exc.DBAPIError as exc:
                first = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
                notes.append(f"« {statement} » refusé par le serveur ({first}) : à faire par l'administrateur de la base")
    return tuple(notes)


def _near_candidat(conn: sa.Connection, candidat_id: str) -> str:
    """« ; vouliez-vous dire « C-0301 » ? » for the closest candidate id of the base (ids only: no personal data)."""
    return near_match(candidat_id, conn.execute(sa.select(t.candidats.c.id)).scalars())
