"""Personal data (GDPR): a candidate's export, and their erasure behind a pseudonym.

Personal data live in one table (``candidats``): exported as JSON on request (the export is logged,
not its content), replaced by a pseudonym on erasure, never written to the audit log nor to the
dossier versions. Dossiers, decisions and statistics stay.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Callable
from typing import Any

import attrs
import sqlalchemy as sa

from cqpkit.store import schema as t
from cqpkit.store.audit import AuditWriter, entry_json
from cqpkit.store.base import StoreBase, operateur_par_defaut
from cqpkit.store.errors import NotFoundError
from cqpkit.store.reading import PERSONAL
from cqpkit.store.sql import now

__all__ = ["Effacement", "candidate_public", "erase", "erase_candidat", "export_candidat"]


@attrs.frozen
class Effacement:
    """What :meth:`Store.erase` did: the candidate's pseudonym, when they were erased, and whether it was already done."""

    candidat: str
    pseudonyme: str
    efface_le: str
    deja_efface: bool


def candidate_public(cand: Any) -> dict[str, Any]:
    if cand is None:
        return {}
    out = {"id": cand.id, "efface": bool(cand.efface_le)}
    for k in PERSONAL:
        v = getattr(cand, k)
        out[k] = v.isoformat() if isinstance(v, dt.date) else v
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
            raise NotFoundError(f"candidat « {candidat_id} » inconnu dans la base {store.target.label}")
        ids = [r.id for r in conn.execute(sa.select(t.dossiers.c.id).where(t.dossiers.c.candidat_id == candidat_id).order_by(t.dossiers.c.id))]
        dossiers = []
        for did in ids:
            versions = conn.execute(
                sa.select(t.dossier_versions).where(t.dossier_versions.c.dossier_id == did).order_by(t.dossier_versions.c.numero)
            ).all()
            prows = conn.execute(sa.select(t.passages).where(t.passages.c.dossier_id == did).order_by(t.passages.c.id)).all()
            dossiers.append(
                {
                    "dossier": did,
                    "versions": [{"numero": v.numero, "enregistre_le": v.enregistre_le, "operateur": v.operateur, "contenu": json.loads(v.contenu)} for v in versions],
                    "passages": [
                        {"session": r.session_id, "date": r.date.isoformat(), "decisions": json.loads(r.decisions), "origine": r.origine,
                         "motif": r.motif, "enregistre_le": r.enregistre_le}
                        for r in prows
                    ],
                }
            )
        entries = conn.execute(sa.select(t.audit).where(t.audit.c.objet_id.in_([candidat_id, *ids])).order_by(t.audit.c.numero)).all()
        audit = AuditWriter(conn, operateur, now())
        audit.add("candidat.export", "candidat", candidat_id, {"dossiers": len(ids)})
        audit.flush()
        personal = {k: (getattr(cand, k).isoformat() if isinstance(getattr(cand, k), dt.date) else getattr(cand, k)) for k in PERSONAL}
        data = {
            "candidat": {"id": cand.id, **personal, "pseudonyme": cand.pseudonyme, "efface_le": cand.efface_le,
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
    a log entry)."""
    operateur = operateur or operateur_par_defaut()
    with store.write() as conn:
        cand = conn.execute(sa.select(t.candidats).where(t.candidats.c.id == candidat_id)).first()
        if cand is None:
            raise NotFoundError(f"candidat « {candidat_id} » inconnu dans la base {store.target.label}")
        if cand.efface_le:
            return Effacement(candidat_id, cand.pseudonyme, cand.efface_le, True)
        pseudonyme = f"Candidat-{secrets.token_hex(4)}"
        horodatage = now()
        champs = [k for k in PERSONAL if getattr(cand, k) not in (None, "")]
        values = {k: "" for k in PERSONAL}
        values.update(naissance=None, nom=pseudonyme, pseudonyme=pseudonyme, efface_le=horodatage, modifie_le=horodatage)
        conn.execute(t.candidats.update().where(t.candidats.c.id == candidat_id).values(**values))
        audit = AuditWriter(conn, operateur, horodatage)
        audit.add("candidat.effacement", "candidat", candidat_id, {"champs": champs, "pseudonyme": pseudonyme})
        audit.flush()
        return Effacement(candidat_id, pseudonyme, horodatage, False)
