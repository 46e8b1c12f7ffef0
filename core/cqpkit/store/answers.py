"""The JSON answers of the store's commands, shared by ``cqpkit … --json`` and the HTTP service (``cqpkit serve``).

One function per answer, so that ``cqpkit import --json`` and ``POST /api/v1/base/dossiers`` (and the jury
commands and their endpoints) cannot drift apart: the CLI prints what these return, the service answers it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "constats_json", "import_answer", "session_added", "session_closed", "session_opened", "token_state", "user_json",
    "users_answer", "verify_answer",
]


def constats_json(constats: Iterable[Any]) -> list[dict[str, Any]]:
    """The findings on a session (``jury open | add``, ``import``): each finding, and whether it will refuse ``jury close``."""
    from cqpkit.formats.converter import output_converter

    conv = output_converter()
    return [{**conv.unstructure(c), "bloque_la_cloture": c.niveau == "erreur"} for c in constats]


def import_answer(base: str, created: bool, report: Any) -> dict[str, Any]:
    """``cqpkit import --json``: the files and what became of each, the notes, the findings per session, the log entries."""
    constats = {sid: constats_json(found) for sid, found in report.constats.items()}
    return {"base": base, "creee": created, "fichiers": report.fichiers, "notes": report.notes, "constats": constats, "journal": report.audit}


def session_opened(base: str, session_id: str, date: dt.date, constats: Sequence[Any]) -> dict[str, Any]:
    """``cqpkit jury open --json``."""
    return {"base": base, "session": session_id, "date": date.isoformat(), "statut": "ouverte", "constats": constats_json(constats)}


def session_added(base: str, session_id: str, done: Iterable[tuple[str, str]], constats: Sequence[Any]) -> dict[str, Any]:
    """``cqpkit jury add --json``."""
    return {"base": base, "session": session_id, "dossiers": [{"dossier": did, "statut": statut} for did, statut in done],
            "constats": constats_json(constats)}


def session_closed(base: str, session_id: str, constats: Sequence[Any], *, closed: bool = True) -> dict[str, Any]:
    """``cqpkit jury close --json``, the shape ``POST …/sessions/{id}/cloture`` answers: ``statut`` ``close`` (with
    ``--forcer`` over error findings too: they are in ``constats``), or ``refusee`` when error findings refuse the closing."""
    return {"base": base, "session": session_id, "statut": "close" if closed else "refusee", "constats": constats_json(constats)}


def verify_answer(base: str, result: Any) -> dict[str, Any]:
    """``cqpkit db verify --json``: the log's entries and head, whether the base is intact, the problems, the rows checked."""
    return {"base": base, "entrees": result.entrees, "tete": result.tete, "integre": result.ok, "problemes": result.problemes,
            "lignes_verifiees": result.lignes or {}, "tete_attendue": result.attendue, "tete_attendue_numero": result.attendue_numero}


def token_state(jeton: Any, at: str) -> str:
    """``revoque``, ``expire`` (at ``at``, an ISO time) or ``valide``."""
    if jeton.revoque_le is not None:
        return "revoque"
    if jeton.expire_le is not None and dt.datetime.fromisoformat(jeton.expire_le) <= dt.datetime.fromisoformat(at):
        return "expire"
    return "valide"


def user_json(user: Any, jetons: Iterable[Any] = (), at: str = "") -> dict[str, Any]:
    """A user (:class:`cqpkit.store.users.Utilisateur`) and their tokens, without any secret or hash."""
    return {"id": user.id, "nom": user.nom, "role": user.role, "actif": user.actif, "membre": user.membre, "jetons": [
        {"id": j.id, "libelle": j.libelle, "cree_le": j.cree_le, "expire_le": j.expire_le, "revoque_le": j.revoque_le,
         "etat": token_state(j, at)} for j in jetons]}


def users_answer(store: Any) -> dict[str, Any]:
    """``cqpkit user list --json`` and ``GET /api/v1/base/utilisateurs``: every user with their tokens (never a secret)."""
    from cqpkit.store import users
    from cqpkit.store.sql import now

    found = users.list_users(store)
    by_user: dict[str, list[Any]] = {}
    for j in users.list_tokens(store):
        by_user.setdefault(j.utilisateur, []).append(j)
    at = now()
    return {"base": store.target.label, "utilisateurs": [user_json(u, by_user.get(u.id, ()), at) for u in found]}
