"""The candidates the store holds: a search (:func:`search_candidats`) and one candidate's sheet (:func:`candidat_fiche`).

Both are what ``cqpkit candidate list|show`` prints, ``GET /api/v1/base/candidats[/{id}]`` answers and the
pages' candidate search shows: one function each, read-only, not logged (as ``dossier show``, which shows the
same identity; the GDPR export, which gives everything, is logged).

Choices
-------
- **Search by name: a decrypting scan, no blind index.** A candidate's name is stored encrypted with their own
  key (:mod:`cqpkit.store.crypto`), so SQL cannot compare it. A blind index (an HMAC of the normalised name
  tokens) would need a table written at every import and deleted at erasure, and, keyed with one key for the
  whole base, would let whoever holds that key and the base confirm a guessed name even for rows that the
  erasure missed. The scan decrypts, in id order, only the candidates that the other filters (id,
  certification, status, the jury's sessions) leave, in batches of 500, and stops as soon as the page is full:
  ``bench/serve.py --candidats 10000`` measures it (the figures are in ``docs/api.md``, « Candidats »).
- **Matching**: the query and the names are compared lowercased, without accents; every word of the query must
  appear (as a part of a word) in « prénom nom ». An erased candidate has no name: a name search never finds them.
- **Pages**: ordered by candidate id; ``apres`` (the cursor: the last id of the previous page) and ``limite``
  (1 to :data:`MAX_LIMIT`); ``suivant`` is the cursor of the next page, ``None`` on the last one. A cursor rather
  than an offset: a candidate imported between two pages neither shifts nor repeats the next one.
- **Status**: each dossier's ``statut`` as of the date, from the results the store keeps
  (:mod:`cqpkit.store.results`, ``resultat_periodes``; ``None`` when not computed yet: ``cqpkit db refresh``).
  A candidate matches ``statut`` when one of their dossiers has it.
- **Scope** (``sessions``): only the candidates with a dossier presented to one of these sessions — a ``jury``
  user's view (:func:`scope`). Outside it a candidate is « introuvable », exactly as an unknown id, with no
  suggestion of a close id.
- **Personal fields** (``champs``): the fields of ``[candidat]`` given in clear; the others are left out of the
  answer. ``jury``: ``nom`` and ``prenom`` only (:func:`scope`).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa

from cqpkit.rules.asof import as_of_day
from cqpkit.store import crypto
from cqpkit.store import schema as t
from cqpkit.store.base import StoreBase
from cqpkit.store.errors import NotFoundError
from cqpkit.store.reading import PERSONAL
from cqpkit.store.sql import chunks

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "STATUTS", "candidat_fiche", "normalise", "scope", "search_candidats"]

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
#: The statuses a stored result may have (``a_venir``: before the registration date).
STATUTS = ("certifie", "partiel", "en_cours", "non_acquis", "expire", "a_venir")
#: What a ``jury`` user sees of a candidate's personal data.
JURY_FIELDS = ("nom", "prenom")
_BATCH = 500


def normalise(text: str) -> str:
    """``text`` lowercased, without accents, its words separated by one space (« Élodie  D'Aubigné » → « elodie d'aubigne »)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


def scope(store: StoreBase, user: Any) -> tuple[list[str] | None, tuple[str, ...]]:
    """What ``user`` (:class:`cqpkit.store.users.Utilisateur`) may read of the candidates: ``(sessions, champs)``.

    ``sessions`` ``None``: every candidate (admin, operateur); a list: the candidates presented to these
    sessions (jury: the sessions it sits on). ``champs``: the personal fields given in clear. A role that may
    not read candidates at all (lecture) is refused before: :func:`cqpkit.store.users.may` ``candidat.lire``.
    """
    from cqpkit.store.users import sessions_of

    if user.role == "jury":
        return sessions_of(store, user), JURY_FIELDS
    return None, PERSONAL


def _check(statut: str | None, limite: int) -> None:
    from cqpkit.exceptions import InvalidArgumentError

    if statut is not None and statut not in STATUTS:
        raise InvalidArgumentError(f"statut « {statut} » inconnu ; statuts : {', '.join(STATUTS)}")
    if isinstance(limite, bool) or not isinstance(limite, int) or not 1 <= limite <= MAX_LIMIT:
        raise InvalidArgumentError(f"limite « {limite} » : un nombre de 1 à {MAX_LIMIT} est attendu")


def _in_scope(sessions: Collection[str]) -> Any:
    d, p = t.dossiers, t.passages
    return sa.exists().where(
        d.c.candidat_id == t.candidats.c.id, p.c.dossier_id == d.c.id, p.c.session_id.in_(sorted(sessions))
    )


def _active(as_of: dt.date) -> Any:
    p = t.resultat_periodes
    return sa.and_(p.c.debut <= as_of, sa.or_(p.c.fin.is_(None), p.c.fin > as_of))


def _identity(r: Any, key: bytes | None, champs: Sequence[str]) -> dict[str, Any]:
    record = crypto.open_record(r.donnees, key, crypto.aad(r.id, "candidat")) or {} if not r.efface_le else {}
    out: dict[str, Any] = {"id": r.id, "efface": bool(r.efface_le)}
    for k in champs:
        out[k] = record.get(k, None if k == "naissance" else "") or (None if k == "naissance" else "")
    return out


def _dossiers(conn: sa.Connection, candidat_ids: Sequence[str], as_of: dt.date) -> dict[str, list[dict[str, Any]]]:
    d, p = t.dossiers, t.resultat_periodes
    q = (
        sa.select(
            d.c.candidat_id, d.c.id, d.c.certification, d.c.version_referentiel, d.c.voie, d.c.inscription, p.c.statut
        )
        .select_from(d.outerjoin(p, sa.and_(p.c.dossier_id == d.c.id, _active(as_of))))
        .where(d.c.candidat_id.in_(sa.bindparam("ids", expanding=True)))
        .order_by(d.c.candidat_id, d.c.id)
    )
    out: dict[str, list[dict[str, Any]]] = {cid: [] for cid in candidat_ids}
    for chunk in chunks(list(candidat_ids)):
        for r in conn.execute(q, {"ids": list(chunk)}):
            out[r.candidat_id].append(
                {
                    "dossier": r.id,
                    "certification": r.certification,
                    "version": r.version_referentiel,
                    "voie": r.voie,
                    "inscription": r.inscription.isoformat(),
                    "statut": r.statut,
                }
            )
    return out


def search_candidats(
    store: StoreBase,
    *,
    nom: str | None = None,
    candidat: str | None = None,
    texte: str | None = None,
    certification: str | None = None,
    statut: str | None = None,
    as_of: dt.date | None = None,
    limite: int = DEFAULT_LIMIT,
    apres: str | None = None,
    sessions: Collection[str] | None = None,
    champs: Sequence[str] = PERSONAL,
) -> dict[str, Any]:
    """The candidates matching every filter given, ordered by id, one page at a time.

    ``nom``: words that « prénom nom » must hold (lowercase, accents ignored); ``candidat``: a part of the id
    (case ignored); ``texte``: either (the pages' one search field) — a part of the candidate's id or of one of
    their dossiers' ids (case ignored), or words of « prénom nom » as ``nom``: a candidate matched by an id is
    found without their name decrypted, an erased one too; ``certification``: one of their dossiers is of it; ``statut`` (:data:`STATUTS`): one of their
    dossiers has it as of ``as_of`` (default today); ``limite``: the page's size (1 to :data:`MAX_LIMIT`);
    ``apres``: the last id of the previous page; ``sessions``: only the candidates presented to one of these
    (``None``: all); ``champs``: the personal fields given in clear.

    Returns ``{"base", "date", "candidats": [{"id", "efface", <champs>, "dossiers": [{"dossier", "certification",
    "version", "voie", "inscription", "statut"}]}], "limite", "suivant"}``; ``suivant``: the ``apres`` of the
    next page, ``None`` on the last one. Raises :class:`~cqpkit.exceptions.InvalidArgumentError` for an unknown
    ``statut`` or a ``limite`` out of bounds.
    """
    _check(statut, limite)
    if texte and (nom or candidat):
        from cqpkit.exceptions import InvalidArgumentError

        raise InvalidArgumentError(
            "« texte » cherche à la fois dans les identifiants et les noms : il ne se combine ni avec « nom » ni avec « candidat »"
        )
    day = as_of_day(as_of if as_of is not None else dt.date.today())
    c, d, p = t.candidats.c, t.dossiers, t.resultat_periodes
    q = sa.select(c.id, c.donnees, c.efface_le).order_by(c.id)
    if apres:
        q = q.where(c.id > apres)
    if candidat:
        q = q.where(sa.func.lower(c.id).contains(candidat.lower(), autoescape=True))
    if certification:
        q = q.where(sa.exists().where(d.c.candidat_id == c.id, d.c.certification == certification))
    if statut:
        q = q.where(
            sa.exists().where(d.c.candidat_id == c.id, p.c.dossier_id == d.c.id, p.c.statut == statut, _active(day))
        )
    if sessions is not None:
        q = q.where(_in_scope(sessions)) if sessions else q.where(sa.false())
    words = normalise(nom).split() if nom else []
    by_id: Any = None
    if texte and texte.strip():
        needle = texte.strip().lower()
        by_id = sa.or_(
            sa.func.lower(c.id).contains(needle, autoescape=True),
            sa.exists().where(d.c.candidat_id == c.id, sa.func.lower(d.c.id).contains(needle, autoescape=True)),
        )
    found: list[dict[str, Any]] = []
    more = False
    with store.read() as conn:
        if by_id is not None:
            found, more = _scan(
                conn, q.add_columns(by_id.label("par_id")), normalise(texte or "").split(), limite, champs, by_id=True
            )
        elif not words:
            rows = conn.execute(q.limit(limite + 1)).all()
            more = len(rows) > limite
            rows = rows[:limite]
            keys = crypto.load_keys(conn, [crypto.subject(r.id) for r in rows]) if champs else {}
            found = [_identity(r, keys.get(crypto.subject(r.id)), champs) for r in rows]
        else:
            found, more = _scan(conn, q, words, limite, champs)
        dossiers = _dossiers(conn, [f["id"] for f in found], day)
    for f in found:
        f["dossiers"] = dossiers[f["id"]]
    return {
        "base": store.target.label,
        "date": day.isoformat(),
        "candidats": found,
        "limite": limite,
        "suivant": found[-1]["id"] if more and found else None,
    }


def _scan(
    conn: sa.Connection, q: Any, words: list[str], limite: int, champs: Sequence[str], by_id: bool = False
) -> tuple[list[dict[str, Any]], bool]:
    """Decrypt the names of the candidates ``q`` selects, batch by batch in id order, until ``limite`` + 1 match.

    ``by_id``: ``q`` has a column ``par_id``, true for a candidate matched by an id (``texte``): kept without their
    name looked at (decrypted only for ``champs``), erased or not; the others (not erased) by their name."""
    found: list[dict[str, Any]] = []
    last: str | None = None
    if not by_id:
        q = q.where(t.candidats.c.efface_le.is_(None))
    while True:
        batch = conn.execute((q.where(t.candidats.c.id > last) if last is not None else q).limit(_BATCH)).all()
        if not batch:
            return found, False
        keys = crypto.load_keys(
            conn, [crypto.subject(r.id) for r in batch if not (by_id and ((r.par_id and not champs) or r.efface_le))]
        )
        for r in batch:
            if by_id and (r.par_id or r.efface_le):
                if r.par_id:
                    if len(found) == limite:
                        return found, True
                    found.append(_identity(r, keys.get(crypto.subject(r.id)), champs))
                continue
            full = _identity(r, keys.get(crypto.subject(r.id)), ("nom", "prenom", *champs))
            name = normalise(f"{full['prenom']} {full['nom']}")
            if words and all(w in name for w in words):
                if len(found) == limite:
                    return found, True
                found.append({k: full[k] for k in ("id", "efface", *champs)})
        last = batch[-1].id


def candidat_fiche(
    store: StoreBase,
    candidat_id: str,
    as_of: dt.date | None = None,
    *,
    sessions: Collection[str] | None = None,
    champs: Sequence[str] = PERSONAL,
) -> dict[str, Any]:
    """One candidate as the store holds them: identity and dossiers with their status as of ``as_of``.

    ``{"base", "date", "candidat": {"id", "efface", <champs>, "pseudonyme", "efface_le", "enregistre_le", "modifie_le"},
    "dossiers": [{"dossier", "certification", "version", "voie", "inscription", "statut", "sessions"}]}``: an
    erased candidate has ``efface`` true, their ``efface_le``, their pseudonym and empty personal fields.
    ``sessions`` and ``champs`` as for :func:`search_candidats`; a candidate outside ``sessions`` is « introuvable »
    as an unknown one (:class:`~cqpkit.store.errors.NotFoundError`).
    """
    from cqpkit.store.personal import _near_candidat

    day = as_of_day(as_of if as_of is not None else dt.date.today())
    c = t.candidats.c
    q = sa.select(t.candidats).where(c.id == candidat_id)
    if sessions is not None:
        q = q.where(_in_scope(sessions)) if sessions else q.where(sa.false())
    with store.read() as conn:
        row = conn.execute(q).first()
        if row is None:
            near = _near_candidat(conn, candidat_id) if sessions is None else ""
            where = " parmi ceux des sessions où vous siégez" if sessions is not None else ""
            raise NotFoundError(f"candidat « {candidat_id} » inconnu dans la base {store.target.label}{where}{near}")
        key = crypto.load_keys(conn, [crypto.subject(row.id)]).get(crypto.subject(row.id)) if champs else None
        dossiers = _dossiers(conn, [row.id], day)[row.id]
        pq = (
            sa.select(t.passages.c.dossier_id, t.passages.c.session_id)
            .where(t.passages.c.dossier_id.in_([x["dossier"] for x in dossiers]))
            .distinct()
            .order_by(t.passages.c.session_id)
        )
        presented: dict[str, list[str]] = {}
        for r in conn.execute(pq):
            presented.setdefault(r.dossier_id, []).append(r.session_id)
    ident = _identity(row, key, champs)
    ident.update(
        {
            "pseudonyme": row.pseudonyme,
            "efface_le": row.efface_le,
            "enregistre_le": row.cree_le,
            "modifie_le": row.modifie_le,
        }
    )
    for x in dossiers:
        x["sessions"] = presented.get(x["dossier"], [])
    return {"base": store.target.label, "date": day.isoformat(), "candidat": ident, "dossiers": dossiers}
