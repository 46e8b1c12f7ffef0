"""What an import computes for its new dossiers before its write transaction: encryption and keyed fingerprints.

A new dossier's stored rows depend on its file and on its candidate's key alone: the sealed content, the keyed
fingerprint, each evaluation's sealed text and fingerprint, each passage's encrypted notes and its digest, and
the details the audit log records of its creation. Only the audit chain (the head), the version number and the
timestamps depend on the base's state at the moment of writing. So :func:`prepare` computes the first part while
other writers can still write (the *avant* phase of :func:`cqpkit.store.importing.import_lot`), with the key the
base held for each candidate at that moment, or a new random key for a candidate it did not hold (the key that
:func:`cqpkit.store.crypto.create_keys` then writes in the transaction, if the candidate is still new there).

In the transaction, :class:`~cqpkit.store.importing.ImportTransaction` uses a prepared dossier only if the base
still does not hold the dossier and the candidate's key there is the very key it was prepared with; otherwise (a
process stored the candidate or the dossier meanwhile, a key was destroyed) it computes the rows there, as before.
Nothing prepared is written anywhere but in the transaction's rows: the new keys and the clear texts stay in memory.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

import attrs
import sqlalchemy as sa

from cqpkit.store import crypto
from cqpkit.store import schema as t
from cqpkit.store.audit import canonical, canonical_plain, evaluations_digest, passage_digest, payload_middle
from cqpkit.store.audit import digest as stored_digest
from cqpkit.store.bulkcounters import day_rows, period_tuples
from cqpkit.store.importrows import _personal_json, evaluation_parts
from cqpkit.store.reading import PERSONAL, Lot
from cqpkit.store.sql import date_param, driver_lookup, flag_param

__all__ = ["Preparation", "PreparedCandidate", "PreparedDossier", "prepare"]


@attrs.frozen(slots=True)
class PreparedDossier:
    """The rows of a new dossier that depend on its file and on ``key`` alone (version 1)."""

    key: bytes
    empreinte: str
    contenu: str
    #: its rows (``importing._DOSSIER_COLUMNS`` etc.) but for the timestamps of the transaction, which come last
    dossier: tuple
    version: tuple
    evaluations: tuple[tuple, ...]
    passages: tuple[tuple, ...]
    #: the audit details of ``dossier.creation`` as :func:`canonical_plain` writes them, and their part of the payload
    details: str
    middle: str


@attrs.frozen(slots=True)
class PreparedCandidate:
    """A new candidate's personal data encrypted with ``key``, and the audit details of its creation."""

    key: bytes
    personal: Mapping[str, Any]
    donnees: str
    details: str
    middle: str


@attrs.define
class Preparation:
    """What :func:`prepare` computed: new keys by subject, candidates and dossiers by id; the seconds it took."""

    operateur: str = ""
    keys: dict[str, bytes] = attrs.Factory(dict)
    candidats: dict[str, PreparedCandidate] = attrs.Factory(dict)
    dossiers: dict[str, PreparedDossier] = attrs.Factory(dict)
    #: the rows the new dossiers' results add to ``resultat_jours`` (:func:`cqpkit.store.bulkcounters.day_rows`), and
    #: the dossiers whose results they count, in the lot's order (the transaction inserts exactly these, or counts in SQL)
    jours: list[tuple] | None = None
    jours_dossiers: list[str] = attrs.Factory(list)
    #: the rows of ``resultat_periodes`` of those results as the driver takes them (:func:`cqpkit.store.bulkcounters.period_tuples`)
    periodes: tuple[tuple[str, ...], list[tuple]] | None = None
    #: the rows of ``echeances`` of the new dossiers, from the deadlines computed before the transaction
    echeances: dict[str, list[tuple]] = attrs.Factory(dict)
    secondes: float = 0.0

    def count_results(self, lot: Lot, stored: Mapping[str, Any], day: Any, flag: tuple[Any, Any]) -> None:
        """:attr:`jours` for the results computed before the transaction of the dossiers new to the base."""
        start = time.perf_counter()
        computed = [lu.resultats for lu in lot.dossiers if lu.dossier.id not in stored and lu.resultats is not None]
        self.jours_dossiers = [head["dossier_id"] for head, _ in computed]
        self.jours = day_rows(computed, day, flag)
        self.periodes = period_tuples(computed, day, flag)
        for lu in lot.dossiers:
            did = lu.dossier.id
            if did in self.dossiers and lu.echeances is not None:
                cert = lu.dossier.dossier.certification
                self.echeances[did] = [
                    (kind, dom, day(date), day(depuis), cert, did) for kind, dom, date, depuis in lu.echeances
                ]
        self.secondes += time.perf_counter() - start


def prepare(conn: sa.Connection, lot: Lot, stored: Mapping[str, Any], operateur: str) -> Preparation:
    """The rows of the dossiers of ``lot`` the base does not hold (``stored``: the ids it holds, read just before)
    that can be computed outside the write transaction (see the module docstring), written by ``operateur``. Reads
    the candidates' keys."""
    start = time.perf_counter()
    out = Preparation(operateur)
    day, flag = date_param(conn), flag_param(conn)
    new = [lu for lu in lot.dossiers if lu.dossier.id not in stored]
    if not new:
        return out
    subjects = sorted({crypto.subject(lu.dossier.candidat.id) for lu in new})
    held = {
        s: (bytes(r[1]) if r[1] is not None else None)
        for s, r in driver_lookup(conn, t.cles, ("sujet", "cle"), subjects).items()
    }
    stored_candidates = set(driver_lookup(conn, t.candidats, ("id",), sorted({lu.dossier.candidat.id for lu in new})))
    for lu in lot.dossiers:  # every dossier: the transaction takes a candidate's personal data from its first one
        c = lu.dossier.candidat
        if c.id in stored_candidates or c.id in out.candidats:
            continue
        sujet = crypto.subject(c.id)
        key = held.get(sujet) if sujet in held else out.keys.setdefault(sujet, os.urandom(32))
        if key is None:
            continue
        personal = _personal_json(c)
        donnees = crypto.encrypt(key, canonical(personal), crypto.aad(c.id, "candidat"))
        details = canonical_plain({"champs": [k for k in PERSONAL if personal[k] not in (None, "")]})
        middle = payload_middle("candidat.creation", "candidat", c.id, details)
        out.candidats[c.id] = PreparedCandidate(key, personal, donnees, details, middle)
    for lu in new:
        d = lu.dossier
        sujet = crypto.subject(d.candidat.id)
        key = held.get(sujet) if sujet in held else out.keys.get(sujet)
        if (
            key is None
            or len(lu.evaluations) != len(d.evaluations)
            or len(lu.empreintes_evaluations) != len(lu.evaluations)
        ):
            continue  # an erased candidate, or a DossierLu built by hand: computed in the transaction
        out.dossiers[d.id] = _dossier(lu, key, operateur, day, flag)
    out.secondes = time.perf_counter() - start
    return out


def _dossier(lu: Any, key: bytes, operateur: str, day: Any, flag: tuple[Any, Any]) -> PreparedDossier:
    """:class:`PreparedDossier` of a new dossier: what ``ImportTransaction._dossiers`` computes for it, as it does."""
    d = lu.dossier
    info = d.dossier
    did, cid = info.id, d.candidat.id
    empreinte = crypto.keyed_fingerprint(key, lu.contenu, lu.personnel_texte)
    contenu = crypto.seal(lu.contenu, lu.personnel, key, crypto.aad(cid, f"dossier:{did}"))
    texts, digests = evaluation_parts(lu, key)
    passage_aad = crypto.aad(cid, f"passage:{did}")
    decisions = tuple(canonical_plain(p.decisions) for p in d.passages)
    notes = tuple(crypto.encrypt_value(key, p.notes, passage_aad) for p in d.passages)
    ev = [
        (i, e.epreuve, e.date.isoformat(), digest, stored_digest(text))
        for i, (e, text, digest) in enumerate(zip(d.evaluations, texts, digests, strict=True))
    ]
    details = {
        "numero": 1,
        "empreinte": empreinte,
        "certification": info.certification,
        "version": info.version,
        "evaluations": len(ev),
        "passages": [p.session for p in d.passages],
        "candidat": cid,
        "contenu": stored_digest(contenu),
        "evaluations_empreinte": evaluations_digest(ev),
        "lignes": [
            passage_digest(
                p.session,
                p.date.isoformat(),
                bool(p.absent),
                bool(p.excuse),
                decisions[i],
                notes[i],
                "import",
                None,
                "",
            )
            for i, p in enumerate(d.passages)
        ],
    }
    text = canonical_plain(details)
    middle = payload_middle("dossier.creation", "dossier", did, text)
    passages = tuple(
        (
            did,
            p.session,
            day(p.date),
            flag[bool(p.absent)],
            flag[bool(p.excuse)],
            decisions[i],
            notes[i],
            "import",
            None,
            "",
            operateur,
        )
        for i, p in enumerate(d.passages)
    )
    return PreparedDossier(
        key, empreinte, contenu,
        (did, info.certification, info.version, info.voie, info.mention, day(info.inscription), cid, 1, empreinte, lu.empreinte),
        (did, 1, empreinte, info.certification, info.version, contenu, operateur),
        tuple((did, 1, i, e.epreuve, day(e.date), text, digest) for i, (e, text, digest) in enumerate(zip(d.evaluations, texts, digests, strict=True))),
        passages, text, middle,
    )  # fmt: skip
