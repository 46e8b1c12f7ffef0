"""Users, roles and API tokens of a shared store, and the policy of who may do what (``cqpkit user``, ``cqpkit serve``).

**Users.** A user is a login (``id``: ASCII letters, digits, ``. _ @ -``, at most 64 characters, starting with a
letter or a digit), a display name, one role of :data:`ROLES`, and whether it is active. A user is never
deleted: :func:`disable_user` disables it for good (a trigger keeps it so), and its tokens stop working.

**Passwords** (optional: a user may have tokens only) are hashed with argon2id through argon2-cffi, with its
default parameters (RFC 9106, low-memory profile) unless :data:`PARAMETERS` says otherwise; a hash made with
other parameters is rehashed at the next successful login (:func:`authenticate_password`), and that change is
logged. Neither the password nor its hash is ever logged: the log holds the SHA-256 of the stored hash, so that
``db verify`` sees a hash written behind cqpkit's back.

**Tokens** (:func:`create_token`) are ``cqpk_<id>_<secret>``: a public id of 64 random bits (how the token is
found, listed and revoked) and a secret of 256 random bits (``secrets``). The token is returned once; the
store keeps the SHA-256 of the whole token (a fast hash is enough for 256 random bits: nothing to guess),
compared in constant time (:func:`hmac.compare_digest`). A token is refused when unknown, revoked, expired, or
its user disabled.

**The policy** (:data:`ACTIONS`, :func:`may`): ``admin`` may do everything; ``operateur`` everything on
candidates, dossiers, sessions, reports, documents and the audit check, not on users; ``jury`` reads the jury
sessions it sits on and records decisions there, nothing else; ``lecture`` reads the reports. A jury user
sits on a session when its ``membre`` — the member id it answers to in the session files (``[[membres]] id``),
its login unless said otherwise — is among the members of the session as the store holds it (the latest
version of the session). docs/store.md « Users, roles and tokens » has the table.

**The acting user in the log.** Every write of the store takes an ``operateur``, recorded in its audit
entry: a front end acting for an authenticated user passes ``operateur=user.id`` (:func:`acting`). The
functions here log their own changes (``utilisateur.creation``, ``utilisateur.mot_de_passe``,
``utilisateur.desactivation``, ``jeton.creation``, ``jeton.revocation``) with no password, token nor name.

``db verify`` checks the two tables against those entries (:mod:`cqpkit.store.userscheck`): a user or a token
added, changed or deleted outside cqpkit is named. argon2-cffi is imported only by the functions that hash.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

import attrs
import sqlalchemy as sa

from cqpkit.exceptions import Erreur, InvalidArgumentError
from cqpkit.store import schema as t
from cqpkit.store.audit import AuditWriter, digest
from cqpkit.store.errors import NotFoundError, StoreConflictError, near_match
from cqpkit.store.sql import now

if TYPE_CHECKING:  # pragma: no cover
    from argon2 import PasswordHasher

__all__ = [
    "ACTIONS", "PARAMETERS", "ROLES", "TOKEN_PREFIX", "Jeton", "Utilisateur", "acting", "add_user", "authenticate_password",
    "authenticate_token", "create_token", "disable_user", "get_user", "list_tokens", "list_users", "may",
    "revoke_token", "sessions_of", "token_id",
]

ROLES = ("admin", "operateur", "jury", "lecture")

#: action → the roles that may do it. ``jury`` on an action of :data:`SESSION_ACTIONS`: on a session it sits on only.
ACTIONS: Mapping[str, frozenset[str]] = {
    "candidat.lire": frozenset({"admin", "operateur"}),
    "candidat.exporter": frozenset({"admin", "operateur"}),
    "candidat.effacer": frozenset({"admin", "operateur"}),
    "dossier.lire": frozenset({"admin", "operateur"}),
    "dossier.importer": frozenset({"admin", "operateur"}),
    "session.lister": frozenset({"admin", "operateur"}),
    "session.lire": frozenset({"admin", "operateur", "jury"}),
    "session.ouvrir": frozenset({"admin", "operateur"}),
    "session.presenter": frozenset({"admin", "operateur"}),
    "session.decider": frozenset({"admin", "operateur", "jury"}),
    "session.clore": frozenset({"admin", "operateur"}),
    "rapport.lire": frozenset({"admin", "operateur", "lecture"}),
    "document.lire": frozenset({"admin", "operateur"}),
    "document.produire": frozenset({"admin", "operateur"}),
    "session.documents": frozenset({"admin", "operateur", "jury"}),
    "journal.verifier": frozenset({"admin", "operateur"}),
    "utilisateur.lire": frozenset({"admin"}),
    "utilisateur.gerer": frozenset({"admin"}),
}
#: The actions a ``jury`` user may do on the sessions it sits on only (``session_id`` required).
SESSION_ACTIONS = frozenset({"session.lire", "session.decider", "session.documents"})

#: argon2-cffi's ``PasswordHasher`` arguments; empty: its defaults (RFC 9106 low-memory profile: t=3, m=64 MiB, p=4).
PARAMETERS: Mapping[str, int] = {}
TOKEN_PREFIX = "cqpk_"
#: A password's length bounds (characters). 12 at least: what ANSSI's guide on passwords asks of a password
#: protecting an account that has no other factor; 1 024 at most, so that a request cannot make hashing costly.
PASSWORD_MIN, PASSWORD_MAX = 12, 1024

_LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}\Z")
_TOKEN = re.compile(r"cqpk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@attrs.frozen
class Utilisateur:
    """A user of the store: login (``id``), display name, role (:data:`ROLES`), active or not, and for a
    ``jury`` user the member id it answers to in the session files (``membre``)."""

    id: str
    nom: str
    role: str
    actif: bool
    membre: str | None = None


@attrs.frozen
class Jeton:
    """What is known of a token without the token: its public id, user, label, times (ISO, UTC) — never the secret."""

    id: str
    utilisateur: str
    libelle: str
    cree_le: str
    expire_le: str | None
    revoque_le: str | None


class _Store(Protocol):
    """What these functions need of a store: its transactions (:class:`cqpkit.store.base.StoreBase` has them)."""

    def read(self) -> AbstractContextManager[sa.Connection]: ...

    def write(self) -> AbstractContextManager[sa.Connection]: ...


def acting(user: Utilisateur) -> str:
    """The ``operateur`` to give the store's writes made for ``user``: its login, recorded in the audit entries."""
    return user.id


# ------------------------------------------------------------------------------ passwords
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher(**dict(PARAMETERS))  # type: ignore[arg-type]  # integers only: time_cost, memory_cost, parallelism…


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    """A hash to verify against when there is none (unknown login): the answer takes as long either way."""
    if not _DUMMY:
        _DUMMY.append(_hasher().hash(secrets.token_urlsafe(16)))
    return _DUMMY[0]


def _password_problems(password: object) -> list[str]:
    if not isinstance(password, str):
        return ["le mot de passe doit être un texte"]
    if len(password) < PASSWORD_MIN:
        return [f"mot de passe trop court : {PASSWORD_MIN} caractères au moins"]
    if len(password) > PASSWORD_MAX:
        return [f"mot de passe trop long : {PASSWORD_MAX} caractères au plus"]
    return []


# ------------------------------------------------------------------------------ users
def _user(r: Any) -> Utilisateur:
    return Utilisateur(id=r.id, nom=r.nom, role=r.role, actif=bool(r.actif), membre=r.membre)


def _login_problem(login: object) -> str | None:
    if not isinstance(login, str) or not _LOGIN.match(login):
        return (
            "identifiant refusé : de 1 à 64 caractères ASCII, lettres, chiffres et « . _ @ - », commençant par une lettre "
            "ou un chiffre (pas d'espace, de « / », de guillemet ni de caractère de contrôle)"
        )
    return None


def _refuse(what: str, problems: list[tuple[str, str]]) -> StoreConflictError:
    return StoreConflictError(f"{what} refusé :", [Erreur("utilisateur", 0, key, message) for key, message in problems])


def add_user(
    store: _Store, login: str, nom: str, role: str, password: str | None = None, *, membre: str | None = None,
    operateur: str | None = None,
) -> Utilisateur:
    """Create a user (active); return it. Every problem is said at once, nothing written.

    ``nom``: the display name (the login when empty); ``role``: one of :data:`ROLES`; ``password``: none
    (tokens only) or at least :data:`PASSWORD_MIN` characters, hashed with argon2id; ``membre``: for a
    ``jury`` user, the member id it answers to in the session files (its login when not given).
    ``operateur``: who creates it, for the log (default: ``$CQPKIT_OPERATEUR``, else the system user).
    """
    problems: list[tuple[str, str]] = []
    if (p := _login_problem(login)) is not None:
        problems.append(("login", p))
    nom = login if nom is None or (isinstance(nom, str) and not nom.strip()) else nom
    if not isinstance(nom, str) or len(nom) > 200 or _CONTROL.search(nom):
        problems.append(("nom", "nom refusé : un texte de 200 caractères au plus, sans caractère de contrôle"))
    if role not in ROLES:
        problems.append(("role", f"rôle « {role} » inconnu{near_match(str(role), ROLES)} ; rôles : {', '.join(ROLES)}"))
    if membre is not None:
        if role != "jury":
            problems.append(("membre", "un identifiant de membre de jury ne vaut que pour le rôle jury"))
        elif not isinstance(membre, str) or not 0 < len(membre) <= 100 or _CONTROL.search(membre) or membre != membre.strip():
            problems.append(("membre", "identifiant de membre refusé : de 1 à 100 caractères, sans caractère de contrôle ni espace autour"))
    elif role == "jury" and isinstance(login, str):
        membre = login
    if password is not None:
        problems += [("mot_de_passe", m) for m in _password_problems(password)]
    if problems:
        raise _refuse(f"utilisateur « {login} »", problems)
    hashed = _hasher().hash(password) if password is not None else None  # before the transaction: it takes a while
    stamp = now()
    with store.write() as conn:
        if conn.execute(sa.select(t.utilisateurs.c.id).where(t.utilisateurs.c.id == login)).first() is not None:
            raise StoreConflictError(f"utilisateur « {login} » déjà enregistré (un utilisateur n'est jamais supprimé : choisissez un autre identifiant)")
        conn.execute(t.utilisateurs.insert().values(
            id=login, nom=nom, role=role, actif=True, membre=membre, mot_de_passe=hashed, cree_le=stamp, modifie_le=stamp,
        ))
        writer = AuditWriter(conn, _operateur(operateur), stamp)
        writer.add("utilisateur.creation", "utilisateur", login, {"role": role, "membre": membre, "mot_de_passe": _hash_digest(hashed)})
        writer.flush()
    return Utilisateur(id=login, nom=nom, role=role, actif=True, membre=membre)


def _operateur(operateur: str | None) -> str:
    """Who makes the change: ``operateur``, else ``$CQPKIT_OPERATEUR``, else the system user (as the rest of the store)."""
    if operateur and operateur.strip():
        return operateur.strip()
    name = os.environ.get("CQPKIT_OPERATEUR", "").strip()
    if name:
        return name
    try:
        return getpass.getuser() or "inconnu"
    except Exception:  # no user name in this environment (some containers)
        return "inconnu"


def _hash_digest(hashed: str | None) -> str | None:
    return digest(hashed) if hashed is not None else None


def list_users(store: _Store) -> list[Utilisateur]:
    """Every user, active or not, by login."""
    with store.read() as conn:
        return [_user(r) for r in conn.execute(sa.select(t.utilisateurs).order_by(t.utilisateurs.c.id))]


def get_user(store: _Store, login: str) -> Utilisateur | None:
    """The user of this login, or ``None``."""
    if not isinstance(login, str) or not _LOGIN.match(login):
        return None
    u = t.utilisateurs.c
    with store.read() as conn:
        # The five columns of the answer only (not the password's hash): every page reads its user again at each
        # request (cqpkit.web.pages.base.context), and the whole row cost twice as much (issue 19).
        r = conn.execute(sa.select(u.id, u.nom, u.role, u.actif, u.membre).where(u.id == login)).first()
    return _user(r) if r is not None else None


def _user_row(conn: sa.Connection, login: str) -> Any:
    r = conn.execute(sa.select(t.utilisateurs).where(t.utilisateurs.c.id == login)).first() if _LOGIN.match(str(login)) else None
    if r is None:
        known = conn.execute(sa.select(t.utilisateurs.c.id)).scalars()
        raise NotFoundError(f"utilisateur « {login} » inconnu{near_match(str(login), known)}")
    return r


def disable_user(store: _Store, login: str, *, operateur: str | None = None) -> Utilisateur:
    """Disable a user for good (its tokens and password no longer open anything); return it. Already disabled: nothing written."""
    with store.write() as conn:
        r = _user_row(conn, login)
        if not r.actif:
            return _user(r)
        stamp = now()
        conn.execute(t.utilisateurs.update().where(t.utilisateurs.c.id == login).values(actif=False, modifie_le=stamp))
        writer = AuditWriter(conn, _operateur(operateur), stamp)
        writer.add("utilisateur.desactivation", "utilisateur", login, {})
        writer.flush()
    return attrs.evolve(_user(r), actif=False)


def authenticate_password(store: _Store, login: str, password: str) -> Utilisateur | None:
    """The active user whose login and password these are, else ``None`` (whatever the reason: not said).

    A hash made with other parameters than :data:`PARAMETERS` is replaced by a new one (logged
    ``utilisateur.mot_de_passe``, the user as operator).
    """
    from argon2.exceptions import InvalidHashError, VerificationError

    if not isinstance(login, str) or not isinstance(password, str) or len(password) > PASSWORD_MAX:
        return None
    r = None
    if _LOGIN.match(login):  # no other login exists (and PostgreSQL refuses a NUL in a parameter): not even looked up
        with store.read() as conn:
            r = conn.execute(sa.select(t.utilisateurs).where(t.utilisateurs.c.id == login)).first()
    hasher = _hasher()
    stored = r.mot_de_passe if r is not None and r.mot_de_passe else None
    try:
        hasher.verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if r is None or stored is None or not r.actif:
        return None
    if hasher.check_needs_rehash(stored):
        new = hasher.hash(password)
        with store.write() as conn:
            c = t.utilisateurs.c
            stamp = now()
            done = conn.execute(
                t.utilisateurs.update().where(c.id == login, c.mot_de_passe == stored, c.actif == sa.true()).values(mot_de_passe=new, modifie_le=stamp)
            ).rowcount
            if done:
                writer = AuditWriter(conn, login, stamp)
                writer.add("utilisateur.mot_de_passe", "utilisateur", login, {"raison": "paramètres argon2 changés", "mot_de_passe": digest(new)})
                writer.flush()
    return _user(r)


# ------------------------------------------------------------------------------ tokens
def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _expiry(expires: dt.datetime | dt.date | dt.timedelta | None) -> str | None:
    """The expiry as stored (ISO, UTC): a date is valid through that day (UTC), a duration from now."""
    if expires is None:
        return None
    if isinstance(expires, dt.timedelta):
        at = dt.datetime.now(dt.UTC) + expires
    elif isinstance(expires, dt.datetime):
        if expires.tzinfo is None:
            raise InvalidArgumentError("expires : une date et heure avec fuseau (tzinfo) est attendue")
        at = expires.astimezone(dt.UTC)
    elif isinstance(expires, dt.date):
        at = dt.datetime.combine(expires + dt.timedelta(days=1), dt.time(), dt.UTC)
    else:
        raise InvalidArgumentError(f"expires : une date, une date et heure ou une durée est attendue, pas {type(expires).__name__}")
    if at <= dt.datetime.now(dt.UTC):
        raise StoreConflictError(f"jeton refusé : son expiration ({at.isoformat(timespec='seconds')}) est déjà passée")
    return at.isoformat(timespec="seconds")


def create_token(
    store: _Store, login: str, label: str = "", expires: dt.datetime | dt.date | dt.timedelta | None = None, *,
    operateur: str | None = None,
) -> str:
    """A new API token for an active user, returned once (the store keeps its SHA-256 only).

    ``expires``: none, a date (valid through that day, UTC), an aware datetime or a duration from now.
    """
    if not isinstance(label, str) or len(label) > 200 or _CONTROL.search(label):
        raise _refuse("jeton", [("libelle", "libellé refusé : un texte de 200 caractères au plus, sans caractère de contrôle")])
    expire_le = _expiry(expires)
    tid = secrets.token_hex(8)
    token = f"{TOKEN_PREFIX}{tid}_{secrets.token_urlsafe(32)}"
    empreinte = _token_digest(token)
    with store.write() as conn:
        r = _user_row(conn, login)
        if not r.actif:
            raise StoreConflictError(f"utilisateur « {login} » désactivé : pas de nouveau jeton")
        stamp = now()
        conn.execute(t.jetons.insert().values(
            id=tid, utilisateur_id=login, libelle=label, empreinte=empreinte, cree_le=stamp, expire_le=expire_le, revoque_le=None,
        ))
        writer = AuditWriter(conn, _operateur(operateur), stamp)
        writer.add("jeton.creation", "jeton", tid, {"utilisateur": login, "expire_le": expire_le, "empreinte": digest(empreinte)})
        writer.flush()
    return token


def token_id(token_or_id: str) -> str:
    """The public id of a token given whole (``cqpk_<id>_<secret>``); anything else is returned as it is (an id already)."""
    m = _TOKEN.match(token_or_id) if isinstance(token_or_id, str) else None
    return m.group(1) if m else token_or_id


def revoke_token(store: _Store, token_or_id: str, *, operateur: str | None = None) -> bool:
    """Revoke a token, named by its public id (``user list --json`` shows it) or whole; ``False`` when it was already revoked."""
    tid = token_id(token_or_id)
    with store.write() as conn:
        r = conn.execute(sa.select(t.jetons).where(t.jetons.c.id == tid)).first() if re.fullmatch(r"[0-9a-f]{16}", str(tid)) else None
        if r is None:
            raise NotFoundError(f"jeton « {tid} » inconnu")
        if r.revoque_le is not None:
            return False
        stamp = now()
        conn.execute(t.jetons.update().where(t.jetons.c.id == tid).values(revoque_le=stamp))
        writer = AuditWriter(conn, _operateur(operateur), stamp)
        writer.add("jeton.revocation", "jeton", tid, {"utilisateur": r.utilisateur_id})
        writer.flush()
    return True


def list_tokens(store: _Store, login: str | None = None) -> list[Jeton]:
    """The tokens (of one user), by creation time: what is known of them without the secret."""
    q = sa.select(t.jetons).order_by(t.jetons.c.cree_le, t.jetons.c.id)
    if login is not None:
        q = q.where(t.jetons.c.utilisateur_id == login)
    with store.read() as conn:
        return [Jeton(id=r.id, utilisateur=r.utilisateur_id, libelle=r.libelle, cree_le=r.cree_le, expire_le=r.expire_le, revoque_le=r.revoque_le)
                for r in conn.execute(q)]


_DUMMY_DIGEST = "0" * 64


def authenticate_token(store_or_conn: _Store | sa.Connection, token: str) -> Utilisateur | None:
    """The user of this token, or ``None`` when it is unknown, revoked, expired, or its user disabled.

    Given a connection (a request's transaction), it reads there: on PostgreSQL, where the store opens a
    connection per transaction, that saves one (a few milliseconds).
    """
    m = _TOKEN.match(token) if isinstance(token, str) else None
    if m is None:
        return None
    with _connection(store_or_conn) as conn:
        j, u = t.jetons, t.utilisateurs
        r = conn.execute(
            sa.select(j.c.empreinte, j.c.expire_le, j.c.revoque_le, u.c.id, u.c.nom, u.c.role, u.c.actif, u.c.membre)
            .join_from(j, u, j.c.utilisateur_id == u.c.id)
            .where(j.c.id == m.group(1))
        ).first()
    same = hmac.compare_digest(_token_digest(token), r.empreinte if r is not None else _DUMMY_DIGEST)
    if r is None or not same or r.revoque_le is not None or not r.actif:
        return None
    if r.expire_le is not None and dt.datetime.fromisoformat(r.expire_le) <= dt.datetime.now(dt.UTC):
        return None
    return _user(r)


# ------------------------------------------------------------------------------ the policy
def _members(conn: sa.Connection, session_id: str) -> set[str] | None:
    row = conn.execute(sa.select(t.sessions.c.contenu).where(t.sessions.c.id == session_id)).first()
    if row is None:
        return None
    return {m.get("id") for m in json.loads(row.contenu).get("membres") or ()}


def _connection(store_or_conn: _Store | sa.Connection) -> AbstractContextManager[sa.Connection]:
    if isinstance(store_or_conn, sa.Connection):
        from contextlib import nullcontext

        return nullcontext(store_or_conn)
    return store_or_conn.read()


def may(store_or_conn: _Store | sa.Connection, user: Utilisateur | None, action: str, session_id: str | None = None) -> bool:
    """Whether ``user`` may do ``action`` (one of :data:`ACTIONS`; another is a programming error:
    :class:`InvalidArgumentError`). ``None`` or a disabled user may nothing. For a ``jury`` user, an action on a
    session needs ``session_id``, a session the store holds whose members include the user's ``membre``."""
    if action not in ACTIONS:
        raise InvalidArgumentError(f"action « {action} » inconnue{near_match(str(action), ACTIONS)} ; actions : {', '.join(ACTIONS)}")
    if user is None or not user.actif or user.role not in ACTIONS[action]:
        return False
    if user.role != "jury":
        return True
    if action not in SESSION_ACTIONS or not isinstance(session_id, str) or not user.membre or _CONTROL.search(session_id):
        return False  # a session id holds no control character (the format's limits): no need to ask the base
    with _connection(store_or_conn) as conn:
        members = _members(conn, session_id)
    return members is not None and user.membre in members


def sessions_of(store_or_conn: _Store | sa.Connection, user: Utilisateur) -> list[str]:
    """The ids of the sessions ``user`` may read (:func:`may` ``session.lire``): all for admin and operateur, those it sits on for jury."""
    with _connection(store_or_conn) as conn:
        rows = conn.execute(sa.select(t.sessions.c.id, t.sessions.c.contenu).order_by(t.sessions.c.date, t.sessions.c.id)).all()
    if not user.actif or user.role not in ACTIONS["session.lire"]:
        return []
    if user.role != "jury":
        return [r.id for r in rows]
    return [r.id for r in rows if user.membre in {m.get("id") for m in json.loads(r.contenu).get("membres") or ()}]
