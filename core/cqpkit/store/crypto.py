"""Personal data encrypted at rest with a key per data subject, and erased by destroying the key (crypto-shredding).

The store is append-only (dossier versions, evaluations, passages, the audit log) and keeps
old row versions where it cannot reach them (PostgreSQL's dead tuples and WAL, SQLite's journal,
backups). So a person's data are never written in clear: each candidate has a random 256-bit key
of their own, in the table ``cles`` (one row per subject, ``candidat:<id>``), and every personal
field is written encrypted with it (AES-256-GCM, from the ``cryptography`` package). Erasure
overwrites the key's row and forgets the key: every copy of the ciphertext, wherever it lies,
becomes noise. ``docs/store.md`` (« Personal data ») lists the fields and why.

An encrypted value is a self-describing text, ``chiffre:v1:<base64 of nonce (12 bytes) +
ciphertext and tag>``; its associated data is the subject and what the value is (``candidat``,
``dossier:<id>``, ``evaluation:<id>``, ``passage:<id>``), so a value cannot be moved to another
subject or place without failing to decrypt.

In a dossier's stored content, the personal fields (:data:`PERSONAL_FIELDS`) are taken out of
the JSON (the content then reads as if they were empty) and stored together, encrypted, under the
key ``_personnel``: ``{"champs": [paths], "chiffre": "chiffre:v1:…"}`` — one encryption per
dossier version. The paths say where the fields were, so that once the key is destroyed the
views can show « [effacé] » there. The fingerprint that decides whether an import is
« inchangé » is keyed (HMAC-SHA-256 with the subject's key): a plain hash of the content would let
whoever holds the base confirm a guessed employer or note after the erasure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from cqpkit.store import schema as t
from cqpkit.store.audit import canonical

__all__ = [
    "EFFACE",
    "PERSONAL_FIELDS",
    "PREFIX",
    "aad",
    "create_keys",
    "decrypt",
    "decrypt_value",
    "destroy_key",
    "encrypt",
    "encrypt_value",
    "is_encrypted",
    "keyed_fingerprint",
    "load_keys",
    "open_content",
    "open_record",
    "public_fingerprint",
    "seal",
    "split_personal",
    "subject",
]

PREFIX = "chiffre:v1:"
#: What the views show where a personal field was, once its key is destroyed.
EFFACE = "[effacé]"
_NONCE = 12

#: The personal fields inside a dossier's content, by where they are (``*``: every item of a list).
#: Free texts (``notes``, an activity's ``libelle``) may name or describe anyone; an acteur's (tutor,
#: N+1, evaluator) ``organisation`` and ``fonction`` single out a natural person; a candidate's past
#: ``experiences`` (job, employer) are theirs. What the engines read stays in clear: ids, roles, dates,
#: hours, decisions, the training body (``formations.organisme``: a legal person, checked against the
#: approved list) and the documents handed in.
PERSONAL_FIELDS: tuple[tuple[Any, ...], ...] = (
    ("dossier", "notes"),
    ("acteurs", "*", "organisation"),
    ("acteurs", "*", "fonction"),
    ("acteurs", "*", "notes"),
    ("acteurs", "*", "autres_missions", "*", "notes"),
    ("experiences", "*", "emploi"),
    ("experiences", "*", "organisation"),
    ("experiences", "*", "notes"),
    ("positionnement", "notes"),
    ("formations", "*", "notes"),
    ("activites", "*", "libelle"),
    ("evaluations", "*", "notes"),
    ("passages", "*", "notes"),
)


def subject(candidat_id: str) -> str:
    """The subject of a candidate's key in ``cles``."""
    return f"candidat:{candidat_id}"


def aad(candidat_id: str, usage: str) -> str:
    """The associated data of a candidate's encrypted value: whose it is and what it is (``candidat``, ``dossier:<id>``…)."""
    return f"candidat:{candidat_id}|{usage}"


def _aesgcm(key: bytes) -> Any:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


def encrypt(key: bytes, plaintext: str, aad: str) -> str:
    """``plaintext`` encrypted with ``key`` (AES-256-GCM, random nonce), ``aad`` bound to it, as a ``chiffre:v1:`` text."""
    nonce = os.urandom(_NONCE)
    sealed = _aesgcm(key).encrypt(nonce, plaintext.encode("utf-8"), aad.encode("utf-8"))
    return PREFIX + base64.b64encode(nonce + sealed).decode("ascii")


def decrypt(key: bytes, token: str, aad: str) -> str:
    """The text :func:`encrypt` sealed (raises ``cryptography.exceptions.InvalidTag`` if key, data or ``aad`` differ)."""
    raw = base64.b64decode(token[len(PREFIX):])
    return _aesgcm(key).decrypt(raw[:_NONCE], raw[_NONCE:], aad.encode("utf-8")).decode("utf-8")


def is_encrypted(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


# -- keys --------------------------------------------------------------------------------------
def load_keys(conn: sa.Connection, subjects: Iterable[str]) -> dict[str, bytes | None]:
    """The keys of the given subjects that ``cles`` holds: the key, or ``None`` for a destroyed one (erased subject)."""
    from cqpkit.store.sql import chunks

    wanted = sorted(set(subjects))
    out: dict[str, bytes | None] = {}
    c = t.cles.c
    for chunk in chunks(wanted):
        for r in conn.execute(sa.select(c.sujet, c.cle).where(c.sujet.in_(list(chunk)))):
            out[r.sujet] = bytes(r.cle) if r.cle is not None else None
    return out


def create_keys(conn: sa.Connection, subjects: Sequence[str], now: str, drawn: Mapping[str, bytes] | None = None) -> dict[str, bytes]:
    """A new random 256-bit key for each subject (none of which has a key yet), written to ``cles``; ``drawn``: keys
    drawn for some of them before the transaction (:mod:`cqpkit.store.importprep`), used as they are."""
    from cqpkit.store.sql import insert_tuples

    drawn = drawn or {}
    keys = {s: drawn.get(s) or os.urandom(32) for s in subjects}
    insert_tuples(conn, t.cles, ("sujet", "cle", "cree_le"), [(s, k, now) for s, k in keys.items()])
    return keys


def destroy_key(conn: sa.Connection, sujet: str, now: str) -> None:
    """Destroy a subject's key: its value is first overwritten with random bytes of the same size (so that the
    page the database rewrites no longer holds it), then set to ``NULL`` with the time of destruction."""
    c = t.cles.c
    conn.execute(t.cles.update().where(c.sujet == sujet).values(cle=os.urandom(32)))
    conn.execute(t.cles.update().where(c.sujet == sujet).values(cle=None, detruite_le=now))


# -- fingerprints ------------------------------------------------------------------------------
def keyed_fingerprint(key: bytes, *parts: str) -> str:
    """HMAC-SHA-256 of the parts with the subject's key: equal for equal plaintexts while the key lives,
    and no longer computable (so no guess can be confirmed) once it is destroyed."""
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for p in parts:
        mac.update(p.encode("utf-8"))
        mac.update(b"\x00")
    return mac.hexdigest()


def public_fingerprint(public_text: str) -> str:
    """SHA-256 of the part of a content that holds no personal data (what an erased subject's import compares)."""
    return hashlib.sha256(public_text.encode("utf-8")).hexdigest()


# -- personal fields in a content --------------------------------------------------------------
def _walk(node: Any, path: tuple[Any, ...], pattern: tuple[Any, ...], out: list[list[Any]]) -> None:
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        if isinstance(node, list):
            for i, item in enumerate(node):
                _walk(item, (*path, i), rest, out)
        return
    if not isinstance(node, dict) or head not in node:
        return
    if not rest:
        value = node[head]
        if isinstance(value, str) and value:
            out.append([[*path, head], value])
            del node[head]
        return
    _walk(node[head], (*path, head), rest, out)


def split_personal(data: dict[str, Any], fields: Sequence[tuple[Any, ...]] = PERSONAL_FIELDS) -> list[list[Any]]:
    """Take the personal fields out of an unstructured content (in place: they are removed, as if empty) and
    return them as ``[path, value]`` pairs, in a fixed order."""
    out: list[list[Any]] = []
    for pattern in fields:
        _walk(data, (), pattern, out)
    return out


def seal(public_text: str, personal: Sequence[Sequence[Any]], key: bytes | None, aad: str) -> str:
    """The stored text of a content: the public JSON with ``_personnel`` (paths, and the personal values encrypted).

    ``key`` ``None`` (the subject is erased): the values are not stored at all, only where they were.
    Without personal fields, the public JSON as it is. ``_personnel`` sorts before every other key,
    so the text stays canonical JSON.
    """
    if not personal:
        return public_text
    champs = [p for p, _ in personal]
    box = {"champs": champs, "chiffre": encrypt(key, canonical([v for _, v in personal]), aad) if key is not None else None}
    body = public_text[1:]
    return '{"_personnel":' + canonical(box) + ("," + body if body != "}" else "}")


def open_content(text: str, key: bytes | None, aad: str, *, personal: bool = True) -> dict[str, Any]:
    """A stored content as data: with its personal fields decrypted (``personal``, the key alive), or « [effacé] »
    where they were (the key destroyed), or left out (``personal=False``: what the engines and reports need)."""
    data = json.loads(text)
    box = data.pop("_personnel", None)
    if box is None or not personal:
        return data
    champs = box.get("champs") or []
    token = box.get("chiffre")
    values = json.loads(decrypt(key, token, aad)) if key is not None and token else [EFFACE] * len(champs)
    for path, value in zip(champs, values, strict=True):
        _put(data, path, value)
    return data


def _put(data: Any, path: Sequence[Any], value: Any) -> None:
    node = data
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


def encrypt_value(key: bytes | None, value: str, aad: str) -> str:
    """One personal text as stored: encrypted (empty stays empty; no key: not stored, empty)."""
    if not value:
        return value
    return encrypt(key, value, aad) if key is not None else ""


def decrypt_value(key: bytes | None, value: str, aad: str) -> str:
    """One stored personal text in clear: decrypted, « [effacé] » once the key is destroyed, as it is if not encrypted."""
    if not is_encrypted(value):
        return value
    return decrypt(key, value, aad) if key is not None else EFFACE


def open_record(token: str | None, key: bytes | None, aad: str) -> Mapping[str, Any] | None:
    """A record of personal fields stored as one encrypted JSON object (``candidats.donnees``): the fields, or ``None``
    when there is none or its key is destroyed."""
    if not token or key is None:
        return None
    return json.loads(decrypt(key, token, aad))
