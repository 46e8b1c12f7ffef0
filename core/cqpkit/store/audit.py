"""The audit log: every change, who made it and when, chained by SHA-256 so that it can be verified.

Each entry has a number (1, 2, 3… without gaps), a UTC timestamp, the operator (``--operateur``,
``CQPKIT_OPERATEUR`` or the system user), an action (``dossier.creation``, ``passage.correction``…),
the object it concerns (``dossier``, ``session``, ``candidat``) and its id, and details as JSON.
Its fingerprint is the SHA-256 of the canonical JSON of all these fields **and of the previous
entry's fingerprint**; the first entry follows 64 zeros. The number and fingerprint of the last
entry (the head) are also kept in ``cqpkit_meta``, updated in the same transaction.

:func:`verify` recomputes the chain: a changed entry (its fingerprint no longer matches), a
removed or inserted one (a gap in the numbers, a broken link), or a truncated log (the last entry
is not the head) is reported with the number of the first entry at fault. The chain proves the
log was not changed *after the fact* by someone who did not rewrite it whole; to detect a rewrite
too, keep the head printed by ``cqpkit db verify`` somewhere else (a jury's minutes, an e-mail).

Since schema version 4 the details also describe every row the change wrote (the digest of a stored
text, the fingerprint of each passage row…), so that ``db verify`` checks the data against the log
(:mod:`cqpkit.store.integrity`; the helpers :func:`digest`, :func:`passage_digest`,
:func:`evaluations_digest` are shared by the writers and the check).

Details never hold personal data: the log is append-only (a trigger forbids ``UPDATE`` and
``DELETE``), so what it holds could not be erased. A candidate's changes list the fields changed,
never their values.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, NamedTuple

import orjson
import sqlalchemy as sa

from cqpkit.store import schema as t
from cqpkit.store.sql import insert_tuples

__all__ = [
    "GENESIS", "AuditWriter", "Verification", "canonical", "canonical_plain", "digest", "entry_hash", "evaluations_digest", "passage_digest",
    "verify",
]

GENESIS = "0" * 64


#: The reference encoder of canonical texts (sorted keys, no spaces, UTF-8 kept, anything else as ``str``).
#: ``json.dumps`` with these options builds a new encoder per call, which costs more than encoding a small dict.
_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
#: How the encoder above writes a string (``ensure_ascii=False``): the C function when available.
_string = json.encoder.encode_basestring
#: orjson's options for the same text: dates, datetimes and dataclasses go to ``default=str`` as they do with json.
_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
#: Where orjson's text may differ from json's: floats of magnitude below 1e-4, which orjson writes
#: ``0.00001`` or ``1e-7`` where json writes ``1e-05`` and ``1e-07``, and NaN and infinities, which it writes
#: ``null`` (``tests/test_store_fastpaths.py`` compares both on every power of ten and on 40 000 random
#: floats; millions were compared when this check was written). A text holding
#: ``null``, ``0.0000`` or a one-digit negative exponent — a string may hold them too — is written again
#: by the reference encoder. Three literal searches: one regular expression with alternatives scans
#: the text several times slower than orjson writes it.
_SHORT_EXPONENT = re.compile(rb"e-[0-9](?![0-9])")


def _may_differ(data: bytes) -> bool:
    return b"null" in data or b"0.0000" in data or _SHORT_EXPONENT.search(data) is not None


def canonical(value: Any) -> str:
    """The canonical JSON text of ``value`` (sorted keys, no spaces, UTF-8 kept, other objects as ``str``).

    The text is the one ``json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    default=str)`` writes, byte for byte: fingerprints and the audit chain depend on it. It is
    written by orjson (ten times faster: the store's import encodes every dossier, evaluation and
    audit entry) and by the reference encoder wherever orjson could write it differently — a value
    orjson refuses (integers beyond 64 bits, non-string keys, lone surrogates) or a text that may hold
    a float it writes in another form (see ``_may_differ``). ``tests/test_store_fastpaths.py``
    checks both agree on arbitrary JSON-like data. Not for enumerations (orjson writes their value
    where json writes ``str()``): the store encodes plain data only.
    """
    try:
        data = orjson.dumps(value, default=str, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return _ENCODER.encode(value)
    if _may_differ(data):
        return _ENCODER.encode(value)
    return data.decode("utf-8")


def canonical_plain(value: Any) -> str:
    """:func:`canonical` for data that holds no float: texts, integers, booleans, ``None``, lists and tables of them.

    orjson and the reference encoder write such data identically (only floats differ), so the check
    of :func:`canonical` is skipped: the store uses this for what it builds itself — audit details,
    jury decisions, lists of certifications. What orjson refuses still goes to the reference encoder.
    ``tests/test_store_fastpaths.py`` compares both on arbitrary float-free data.
    """
    try:
        return orjson.dumps(value, default=str, option=_ORJSON_OPTIONS).decode("utf-8")
    except TypeError:
        return _ENCODER.encode(value)


def _payload(numero: int, horodatage: str, operateur: str, action: str, objet: str, objet_id: str, details: str, precedente: str) -> str:
    """``canonical([numero, horodatage, …, precedente])``, written directly when every field is an int or a str.

    The fields of an entry are one int and seven strings: the list's canonical JSON is then the
    ``repr`` of the int and each string as the encoder writes it, joined by commas in brackets
    (``tests/test_store_fastpaths.py`` checks it against :func:`canonical`). Anything else goes through
    :func:`canonical`.
    """
    if type(numero) is int:
        try:  # encode_basestring refuses anything but a str
            return f"[{numero!r},{_string(horodatage)},{_string(operateur)},{_string(action)},{_string(objet)},{_string(objet_id)},{_string(details)},{_string(precedente)}]"
        except TypeError:
            pass
    return canonical([numero, horodatage, operateur, action, objet, objet_id, details, precedente])


def payload_middle(action: str, objet: str, objet_id: str, details: str) -> str:
    """The part of an entry's payload (:func:`_payload`) that its action, object and details make, written once: the
    import writes it before its transaction for the entries of its new dossiers (:meth:`AuditWriter.add_text`)."""
    return f"{_string(action)},{_string(objet)},{_string(objet_id)},{_string(details)}"


def entry_hash(numero: int, horodatage: str, operateur: str, action: str, objet: str, objet_id: str, details: str, precedente: str) -> str:
    """The fingerprint of one entry (``details`` is its JSON text, as stored): SHA-256 of the canonical JSON of its fields."""
    payload = _payload(numero, horodatage, operateur, action, objet, objet_id, details, precedente)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def digest(text: str) -> str:
    """The SHA-256 (hex) of a text as stored: what the log records of a row's content (``contenu``, notes…)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def passage_digest(
    session: str, date: str, absent: bool, excuse: bool, decisions: str, notes: str, origine: str, remplace: int | None, motif: str
) -> str:
    """The fingerprint of one ``passages`` row as written (``date`` in ISO, ``decisions`` the stored JSON text).

    The log records it for every row it adds (``lignes`` of a dossier entry, ``ligne`` of a jury entry):
    ``db verify`` recomputes it from the row (:mod:`cqpkit.store.integrity`).
    """
    return digest(canonical_plain([session, date, bool(absent), bool(excuse), decisions, notes, origine, remplace, motif]))


def evaluations_digest(rows: list[tuple[int, str, str, str, str]]) -> str:
    """The fingerprint of the evaluations one dossier version brought: ``(position, epreuve, date ISO, empreinte,
    digest of contenu)`` per row, in order of position (``evaluations_empreinte`` of a dossier entry)."""
    return digest(canonical_plain(sorted(rows)))


class AuditWriter:
    """Appends entries within a writing transaction; :meth:`flush` writes them and moves the head."""

    def __init__(self, conn: sa.Connection, operateur: str, horodatage: str) -> None:
        self.conn = conn
        self.operateur = operateur
        self.horodatage = horodatage
        head = dict(conn.execute(sa.select(t.meta.c.cle, t.meta.c.valeur).where(t.meta.c.cle.in_(("audit_numero", "audit_empreinte")))).all())
        self.numero = int(head.get("audit_numero", "0"))
        self.empreinte = head.get("audit_empreinte", GENESIS)
        self._rows: list[tuple] = []
        try:  # the timestamp and operator as every entry's payload writes them (_payload)
            self._head: str | None = f"{_string(horodatage)},{_string(operateur)}"
        except TypeError:
            self._head = None

    #: The columns of :attr:`_rows`' tuples.
    COLUMNS = ("numero", "horodatage", "operateur", "action", "objet", "objet_id", "details", "precedente", "empreinte")

    def add(self, action: str, objet: str, objet_id: str, details: dict[str, Any]) -> None:
        """Record one change (never personal data in ``details``)."""
        self.add_text(action, objet, objet_id, canonical_plain(details))

    def add_text(self, action: str, objet: str, objet_id: str, text: str, middle: str | None = None) -> None:
        """:meth:`add` with ``details`` already written as :func:`canonical_plain` writes them (the import writes the
        details of a new dossier before its transaction: :mod:`cqpkit.store.importprep`); ``middle``: their part of
        the entry's payload written already too (:func:`payload_middle`)."""
        self.numero = numero = self.numero + 1
        previous = self.empreinte
        if middle is not None and self._head is not None:  # the payload of _payload, its fixed parts written before
            payload = f"[{numero!r},{self._head},{middle},{_string(previous)}]"
            self.empreinte = digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()
        else:
            self.empreinte = digest = entry_hash(numero, self.horodatage, self.operateur, action, objet, objet_id, text, previous)
        self._rows.append((numero, self.horodatage, self.operateur, action, objet, objet_id, text, previous, digest))
        if len(self._rows) >= 5000:
            self._write()

    def _write(self) -> None:
        if self._rows:
            insert_tuples(self.conn, t.audit, self.COLUMNS, self._rows)
            self._rows = []

    def flush(self) -> int:
        """Write the pending entries and the new head; return how many entries this transaction added."""
        self._write()
        self.conn.execute(t.meta.update().where(t.meta.c.cle == "audit_numero").values(valeur=str(self.numero)))
        self.conn.execute(t.meta.update().where(t.meta.c.cle == "audit_empreinte").values(valeur=self.empreinte))
        return self.numero


class Verification(NamedTuple):
    """What ``db verify`` found: the entries checked, the head, and the problems (French).

    ``lignes``: the rows checked against the log, per table (:mod:`cqpkit.store.integrity`);
    ``attendue``: the fingerprint given to check (``--expect``) and ``attendue_numero``, the entry that
    has it (``None``: no entry of the log has it — a problem says so).
    """

    entrees: int
    tete: str
    problemes: list[str]
    lignes: dict[str, int] | None = None
    attendue: str | None = None
    attendue_numero: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problemes


def verify(conn: sa.Connection, batch: int = 10_000, expect: str | None = None) -> Verification:
    """Recompute the whole chain, in order, and compare its end with the head in ``cqpkit_meta``.

    ``expect``: a fingerprint kept elsewhere (a procès-verbal): the entry that has it is returned as
    ``attendue_numero`` (``None`` when no entry has it: the log was rewritten, or the fingerprint is wrong).
    """
    problems: list[str] = []
    expect = expect.strip().lower() if expect else None
    found_at: int | None = None
    previous = GENESIS
    expected = 1
    last = 0
    cols = t.audit.c
    after = 0
    while True:
        rows = conn.execute(
            sa.select(cols.numero, cols.horodatage, cols.operateur, cols.action, cols.objet, cols.objet_id, cols.details, cols.precedente, cols.empreinte)
            .where(cols.numero > after)
            .order_by(cols.numero)
            .limit(batch)
        ).all()
        if not rows:
            break
        for r in rows:
            if r.numero != expected:
                problems.append(f"entrée n° {r.numero} : l'entrée n° {expected} manque (numéros non consécutifs)")
                expected = r.numero
            if r.precedente != previous:
                problems.append(f"entrée n° {r.numero} : le lien vers l'entrée précédente est rompu (entrée supprimée, insérée ou modifiée)")
            digest = entry_hash(r.numero, r.horodatage, r.operateur, r.action, r.objet, r.objet_id, r.details, r.precedente)
            if digest != r.empreinte:
                problems.append(f"entrée n° {r.numero} : contenu modifié (l'empreinte recalculée ne correspond pas)")
            if r.empreinte == expect and found_at is None:
                found_at = r.numero
            previous = r.empreinte
            last = r.numero
            expected += 1
            if len(problems) >= 20:
                return Verification(last, previous, problems, None, expect, found_at)
        after = rows[-1].numero
    head = dict(conn.execute(sa.select(t.meta.c.cle, t.meta.c.valeur).where(t.meta.c.cle.in_(("audit_numero", "audit_empreinte")))).all())
    if int(head.get("audit_numero", "0")) != last or head.get("audit_empreinte", GENESIS) != previous:
        problems.append(
            f"la dernière entrée (n° {last}) n'est pas la tête enregistrée (n° {head.get('audit_numero')}) : "
            "des entrées ont été supprimées en fin de journal, ou la tête a été modifiée"
        )
    return Verification(last, previous, problems, None, expect, found_at)


def entry_json(e: Any) -> dict[str, Any]:
    """A row of the log as the reports show it (``history``, the GDPR export): its details decoded."""
    return {
        "numero": e.numero, "horodatage": e.horodatage, "operateur": e.operateur, "action": e.action,
        "objet": e.objet, "objet_id": e.objet_id, "details": json.loads(e.details), "empreinte": e.empreinte,
    }
