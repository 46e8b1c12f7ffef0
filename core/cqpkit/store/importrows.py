"""The rows an import compares and builds, and what it says: split from :mod:`cqpkit.store.importing`.

:class:`ImportReport` (what one import did, file by file), :class:`Existing` (the stored rows a lot is compared
with, read under the write lock), and the small pure helpers :class:`~cqpkit.store.importing.ImportTransaction`
uses to build and compare rows (digests of passages and evaluations, a row's state, an error's location).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from cqpkit.exceptions import CqpkitError, Erreur
from cqpkit.model import PassageJury
from cqpkit.store import crypto
from cqpkit.store import schema as t
from cqpkit.store.audit import canonical, evaluations_digest, passage_digest
from cqpkit.store.audit import digest as stored_digest
from cqpkit.store.deadlines import passages_of
from cqpkit.store.reading import PERSONAL, Lot
from cqpkit.store.sql import IDS, chunks, driver_lookup, same

__all__ = ["Existing", "ImportReport"]


def _locate(fichier: str, path: tuple, message: str) -> Erreur:
    """An error at ``path`` in a file already read (re-read to find the line; line 0 if it is not a file)."""
    from cqpkit.formats.errors import format_path

    try:
        from cqpkit.formats.tomlfile import parse_toml, read_text

        return parse_toml(read_text(fichier), fichier).erreur(path, message)
    except CqpkitError:
        return Erreur(fichier, 0, format_path(path), message)


def _session_details(numero: int, s: Any, info: Any) -> dict[str, Any]:
    """What the log records of a session version: enough for ``db verify`` to check its rows (the digest of the stored text)."""
    return {
        "numero": numero, "empreinte": s.empreinte, "date": info.date.isoformat(), "certifications": list(info.certifications),
        "contenu": stored_digest(s.contenu),
    }


def _passage_digest(row: tuple) -> str:
    """:func:`passage_digest` of a passage row built as a tuple of :data:`_PASSAGE_COLUMNS`."""
    day = row[2] if isinstance(row[2], str) else row[2].isoformat()
    return passage_digest(row[1], day, row[3], row[4], row[5], row[6], row[7], row[8], row[9])


def _evaluations_digest(rows: list[tuple]) -> str:
    """:func:`evaluations_digest` of evaluation rows built as tuples of :data:`_EVALUATION_COLUMNS` (the stored contenu hashed, as db verify hashes it)."""
    return evaluations_digest([(r[2], r[3], r[4] if isinstance(r[4], str) else r[4].isoformat(), r[6], stored_digest(r[5])) for r in rows])


def _state(p: PassageJury, notes: bool = True) -> tuple:
    return (p.date, bool(p.absent), bool(p.excuse), tuple(sorted(p.decisions.items())), p.notes if notes else None)


def _row_state(r: Any, key: bytes | None, aad: str) -> tuple:
    """A stored passage's state, its notes decrypted (an erased candidate's: left out of the comparison)."""
    notes = crypto.decrypt_value(key, r.notes, aad) if key is not None else None
    return (r.date, bool(r.absent), bool(r.excuse), tuple(sorted(json.loads(r.decisions).items())), notes)


#: A personal field of ``[candidat]`` left out, as :func:`_personal_json` writes it.
_EMPTY: Mapping[str, Any] = {k: None if k == "naissance" else "" for k in PERSONAL}


def _personal_json(c: Any) -> dict[str, Any]:
    """A candidate's personal data as JSON values (the birth date as ISO text), as ``candidats.donnees`` holds them."""
    out = {}
    for k in PERSONAL:
        v = getattr(c, k)
        out[k] = v.isoformat() if hasattr(v, "isoformat") else v
    return out


def _public_digest(contenu: str) -> str:
    """The fingerprint of a stored evaluation's text without its personal fields (what an erased candidate's import compares)."""
    data = json.loads(contenu)
    data.pop("_personnel", None)
    return crypto.public_fingerprint(canonical(data))


@attrs.define
class ImportReport:
    """What one import did: per file, ``statut`` (nouveau, version N, inchangé…) and notes."""

    fichiers: list[dict[str, Any]] = attrs.Factory(list)
    notes: list[str] = attrs.Factory(list)
    #: the engine's findings on each session the import created or changed and left open (``jury open`` says the same)
    constats: dict[str, list[Any]] = attrs.Factory(dict)
    audit: int = 0
    #: the dossiers whose stored results the transaction left to compute after it (:func:`after_commit`)
    a_recalculer: list[str] = attrs.Factory(list)
    #: seconds spent in the database (statements and commit), the rest of the import being Python work
    secondes_sql: float = 0.0
    #: seconds spent computing the deadlines with the engine, before the write transaction and in it (for bench/store.py)
    secondes_moteur: float = 0.0
    #: seconds spent before the write transaction: which dossiers the base holds, the new ones' deadlines (for bench/store.py)
    secondes_avant: float = 0.0
    #: of which computing the new dossiers' encrypted rows and keyed fingerprints (:mod:`cqpkit.store.importprep`)
    secondes_preparees: float = 0.0

    #: Keep every file's line in :attr:`fichiers` (``False``: a streaming import keeps the counts alone, :meth:`fold`).
    detail: bool = True
    #: ``(type, statut)`` -> files, for the lines :meth:`fold` dropped
    statuts: Counter = attrs.Factory(Counter)

    def count(self, kind: str, statut_prefix: str) -> int:
        folded = sum(n for (k, statut), n in self.statuts.items() if k == kind and statut.startswith(statut_prefix))
        return folded + sum(1 for f in self.fichiers if f["type"] == kind and f.get("statut", "").startswith(statut_prefix))

    def fold(self) -> None:
        """Count the files' lines and drop them, unless :attr:`detail` (a streaming import's memory stays bounded)."""
        if not self.detail:
            self.statuts.update((f["type"], f.get("statut", "")) for f in self.fichiers)
            self.fichiers.clear()

    @property
    def total(self) -> int:
        """The files this import read (dossiers and sessions)."""
        return sum(self.statuts.values()) + len(self.fichiers)


class Existing:
    """The rows an import compares itself with, read in chunks under the write lock."""

    def __init__(self, conn: sa.Connection, lot: Lot) -> None:
        sess_ids = {s.session.id for s in lot.sessions} | {p.session for lu in lot.dossiers for p in lu.dossier.passages}
        self.sessions = self._by_id(conn, t.sessions, sorted(sess_ids))
        # Most ids of a large import are new: which ones exist is asked at the driver level (plain columns,
        # no per-id parameter expansion), then whole rows are read for those alone.
        stored = driver_lookup(conn, t.candidats, ("id",), sorted({lu.dossier.candidat.id for lu in lot.dossiers}))
        self.candidats = self._by_id(conn, t.candidats, sorted(stored))
        #: subject -> key (``None``: destroyed, the candidate is erased) of the stored candidates
        self.keys = crypto.load_keys(conn, [crypto.subject(c) for c in stored])
        #: id -> (id, empreinte, numero_version, empreinte_publique, candidat_id): all an import compares a stored dossier with
        self.dossiers = driver_lookup(
            conn, t.dossiers, ("id", "empreinte", "numero_version", "empreinte_publique", "candidat_id"), [lu.dossier.id for lu in lot.dossiers]
        )
        known = sorted(self.dossiers)
        self.passages = passages_of(conn, known)
        self.evaluations: dict[str, Counter] = defaultdict(Counter)
        ev = t.evaluations.c
        q = sa.select(ev.dossier_id, ev.empreinte).where(ev.dossier_id.in_(IDS))
        for chunk in chunks(known):
            for r in conn.execute(q, {"ids": chunk}):
                self.evaluations[r.dossier_id][r.empreinte] += 1
        # An erased candidate's dossiers: their stored evaluations compared by the fingerprint of their public part
        # (the keyed one can no longer be computed).
        erased = {cid for cid, r in self.candidats.items() if r.efface_le}
        if erased:
            ids = [lu.dossier.id for lu in lot.dossiers if lu.dossier.candidat.id in erased and lu.dossier.id in self.dossiers]
            q = sa.select(ev.dossier_id, ev.contenu).where(ev.dossier_id.in_(IDS))
            for chunk in chunks(ids):
                self.evaluations.update({did: Counter() for did in chunk})
                for r in conn.execute(q, {"ids": chunk}):
                    self.evaluations[r.dossier_id][_public_digest(r.contenu)] += 1

    @staticmethod
    def _by_id(conn: sa.Connection, table: sa.Table, ids: Sequence[str]) -> dict[str, Any]:
        out = {}
        q = sa.select(table).where(table.c.id.in_(IDS))
        for chunk in chunks(list(ids)):
            out.update({r.id: r for r in conn.execute(q, {"ids": chunk})})
        return out


def evaluation_parts(lu: Any, key: bytes | None) -> tuple[Sequence[str], Sequence[str]]:
    """The stored text and the fingerprint of each evaluation of a read dossier: their ``notes`` encrypted with the
    candidate's ``key``, their fingerprint keyed with it (``key`` ``None``, an erased candidate: the notes are not
    stored, the fingerprint is that of the public text). Depends on the file and the key alone: computed before the
    write transaction for a new dossier (:mod:`cqpkit.store.importprep`)."""
    dossier = lu.dossier
    texts, digests = lu.evaluations, lu.empreintes_evaluations
    if key is not None or any(p[0][0] == "evaluations" for p in lu.personnel):
        notes = {p[0][1]: p[1] for p in lu.personnel if p[0][0] == "evaluations"}
        aad = crypto.aad(dossier.candidat.id, f"evaluation:{dossier.id}")
        sealed = []
        for i, text in enumerate(texts):
            note = notes.get(i)
            sealed.append(crypto.seal(text, [[["notes"], note]], key, aad) if note else text)
        if key is not None:
            digests = [crypto.keyed_fingerprint(key, text, notes.get(i, "")) for i, text in enumerate(texts)]
        texts = sealed
    return texts, digests


def _evaluation_rows(
    lu: Any, numero: int, already: Mapping[str, int], now: str, day: Any = same, key: bytes | None = None,
    parts: tuple[Sequence[str], Sequence[str]] | None = None,
) -> list[tuple]:
    """The evaluations a dossier version brings that the store does not hold yet (compared by fingerprint),
    as tuples of :data:`_EVALUATION_COLUMNS`, their texts and fingerprints those of :func:`evaluation_parts`
    (``parts``: computed already, with ``key``)."""
    dossier = lu.dossier
    did = dossier.id
    texts, digests = parts if parts is not None else evaluation_parts(lu, key)
    rows = zip(dossier.evaluations, texts, digests, strict=True)  # the lengths were checked above
    if not already:  # a new dossier, or none of its evaluations stored yet: all of them
        return [(did, numero, i, e.epreuve, day(e.date), text, digest, now) for i, (e, text, digest) in enumerate(rows)]
    out = []
    seen: dict[str, int] = {}
    for i, (e, text, digest) in enumerate(rows):
        # a new version: skip the evaluations already stored (as many times as stored)
        seen[digest] = n = seen.get(digest, 0) + 1
        if n <= already.get(digest, 0):
            continue
        out.append((did, numero, i, e.epreuve, day(e.date), text, digest, now))
    return out
