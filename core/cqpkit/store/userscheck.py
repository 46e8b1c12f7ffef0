"""``db verify``'s check of the users and their tokens (:mod:`cqpkit.store.users`) against the audit log.

Users and tokens are mutable (a user disabled, a password rehashed, a token revoked), so they are not
append-only; a row written behind cqpkit's back would still be a privilege escalation (an ``admin`` with a known
password, a token for one), so every row is compared with what the ``utilisateur.*`` and ``jeton.*`` entries
say it is now: a user's role, member id, the SHA-256 of its password hash and whether it is active; a token's
user, expiry, the SHA-256 of its digest and whether it is revoked. The display name is not checked.
:func:`cqpkit.store.integrity.check` calls :func:`check_rows`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Protocol

import sqlalchemy as sa

from cqpkit.store import schema as t
from cqpkit.store.audit import digest

__all__ = ["check_rows"]


class _Findings(Protocol):
    lignes: dict[str, int]

    def add(self, table: str, key: str, message: str) -> None: ...


def _logged(conn: sa.Connection) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """What the log says each user and token is now: ``{id: state}`` of each."""
    a = t.audit.c
    users: dict[str, dict[str, Any]] = {}
    tokens: dict[str, dict[str, Any]] = {}
    q = sa.select(a.numero, a.action, a.objet, a.objet_id, a.details).where(a.objet.in_(("utilisateur", "jeton"))).order_by(a.numero)
    for e in conn.execute(q):
        d = json.loads(e.details)
        if e.action == "utilisateur.creation":
            users[e.objet_id] = {"role": d.get("role"), "membre": d.get("membre"), "mot_de_passe": d.get("mot_de_passe"), "actif": True, "n": e.numero}
        elif e.objet_id in users and e.action == "utilisateur.mot_de_passe":
            users[e.objet_id].update(mot_de_passe=d.get("mot_de_passe"), n=e.numero)
        elif e.objet_id in users and e.action == "utilisateur.desactivation":
            users[e.objet_id].update(actif=False, n=e.numero)
        elif e.action == "jeton.creation":
            tokens[e.objet_id] = {"utilisateur": d.get("utilisateur"), "expire_le": d.get("expire_le"), "empreinte": d.get("empreinte"),
                                  "revoque": False, "n": e.numero}
        elif e.objet_id in tokens and e.action == "jeton.revocation":
            tokens[e.objet_id].update(revoque=True, n=e.numero)
    return users, tokens


def check_rows(conn: sa.Connection, found: _Findings) -> None:
    """``db verify``: every row of ``utilisateurs`` and ``jetons`` against the log (the display name aside)."""
    users, tokens = _logged(conn)
    for r, problem in _user_problems(conn, users):
        found.add("utilisateurs", f"id={r}", problem)
    for r, problem in _token_problems(conn, tokens):
        found.add("jetons", f"id={r}", problem)
    for table in ("utilisateurs", "jetons"):
        found.lignes[table] += conn.execute(sa.select(sa.func.count()).select_from(t.metadata.tables[table])).scalar_one()


def _user_problems(conn: sa.Connection, logged: dict[str, dict[str, Any]]) -> Iterator[tuple[str, str]]:
    seen = set()
    for r in conn.execute(sa.select(t.utilisateurs).order_by(t.utilisateurs.c.id)):
        seen.add(r.id)
        log = logged.get(r.id)
        if log is None:
            yield r.id, "ligne absente du journal (utilisateur ajouté hors de cqpkit)"
            continue
        since = f"depuis l'entrée n° {log['n']}"
        if (r.role, r.membre) != (log["role"], log["membre"]):
            yield r.id, f"ligne modifiée {since} (rôle ou membre)"
        if (digest(r.mot_de_passe) if r.mot_de_passe is not None else None) != log["mot_de_passe"]:
            yield r.id, f"ligne modifiée {since} (mot de passe écrit hors de cqpkit)"
        if bool(r.actif) != log["actif"]:
            yield r.id, f"ligne modifiée {since} ({'réactivé' if r.actif else 'désactivé'} hors de cqpkit)"
    for login in sorted(set(logged) - seen):
        yield login, f"ligne supprimée (créée à l'entrée n° {logged[login]['n']})"


def _token_problems(conn: sa.Connection, logged: dict[str, dict[str, Any]]) -> Iterator[tuple[str, str]]:
    seen = set()
    for r in conn.execute(sa.select(t.jetons).order_by(t.jetons.c.id)):
        seen.add(r.id)
        log = logged.get(r.id)
        if log is None:
            yield r.id, "ligne absente du journal (jeton ajouté hors de cqpkit)"
            continue
        since = f"depuis l'entrée n° {log['n']}"
        if (r.utilisateur_id, r.expire_le, digest(r.empreinte)) != (log["utilisateur"], log["expire_le"], log["empreinte"]):
            yield r.id, f"ligne modifiée {since} (utilisateur, expiration ou empreinte)"
        if (r.revoque_le is not None) != log["revoque"]:
            yield r.id, f"ligne modifiée {since} ({'révoqué' if r.revoque_le is not None else 'révocation effacée'} hors de cqpkit)"
    for tid in sorted(set(logged) - seen):
        yield tid, f"ligne supprimée (créée à l'entrée n° {logged[tid]['n']})"
