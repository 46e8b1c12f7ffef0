"""User management over HTTP (``admin`` only): the users and their tokens, as ``cqpkit user list|add|disable|token|revoke``.

Each endpoint calls the function of :mod:`cqpkit.store.users` the command calls (the list:
:func:`cqpkit.store.answers.users_answer`, the very object of ``cqpkit user list --json``), with the acting
admin as ``operateur``: every change is in the audit log under their login. The rights are ``utilisateur.lire``
and ``utilisateur.gerer`` (admin). A password sent to create a user and a token created are never logged nor
echoed afterwards: the token is in the answer of its creation only (the base keeps its SHA-256).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import attrs
from litestar import Request, get, post
from litestar.params import Parameter

from cqpkit.web.problems import Problem
from cqpkit.web.store import _call, _kw, _object

__all__ = ["USER_BODIES", "USER_HANDLERS"]

Login = Annotated[str, Parameter(description="Identifiant de l'utilisateur", min_length=1, max_length=64)]
JetonId = Annotated[str, Parameter(description="Identifiant public du jeton (16 chiffres hexadécimaux, cqpkit user list)", min_length=1, max_length=200)]
Role = Literal["admin", "operateur", "jury", "lecture"]


# ------------------------------------------------------------------------------ answers (for the document)
@attrs.frozen(kw_only=True)
class JetonDecrit:
    """A token, without its secret: id, label, dates, ``etat`` (``valide``, ``expire``, ``revoque``)."""

    id: str
    libelle: str
    cree_le: str
    expire_le: str | None
    revoque_le: str | None
    etat: Literal["valide", "expire", "revoque"]


@attrs.frozen(kw_only=True)
class UtilisateurDecrit:
    id: str
    nom: str
    role: Role
    actif: bool
    membre: str | None
    jetons: list[JetonDecrit]


@attrs.frozen(kw_only=True)
class UtilisateursReponse:
    """``GET /api/v1/base/utilisateurs``: ``cqpkit user list --json``."""

    base: str
    utilisateurs: list[UtilisateurDecrit]


@attrs.frozen(kw_only=True)
class UtilisateurReponse:
    """A user created or disabled; ``deja_desactive``: the user was disabled already (nothing changed)."""

    base: str
    utilisateur: UtilisateurDecrit
    mot_de_passe: bool = False
    deja_desactive: bool = False


@attrs.frozen(kw_only=True)
class JetonCree:
    """A token created: ``jeton`` is shown here once, never again."""

    base: str
    utilisateur: str
    id: str
    jeton: str
    expire_le: str | None


@attrs.frozen(kw_only=True)
class RevocationReponse:
    base: str
    id: str
    deja_revoque: bool


def _user(store: Any, login: str) -> dict[str, Any]:
    from cqpkit.store import users
    from cqpkit.store.answers import user_json
    from cqpkit.store.sql import now

    user = users.get_user(store, login)
    if user is None:
        from cqpkit.store.errors import NotFoundError

        raise NotFoundError(f"utilisateur « {login} » inconnu dans la base {store.target.label}")
    return user_json(user, users.list_tokens(store, login), now())


# ------------------------------------------------------------------------------ handlers
@get("/api/v1/base/utilisateurs", operation_id="base_users", summary="Les utilisateurs et leurs jetons (cqpkit user list)", **_kw("utilisateurs"))
async def list_users(request: Request[Any, Any, Any]) -> UtilisateursReponse:
    """Chaque utilisateur, son rôle, s'il est actif, et ses jetons (jamais leur secret) ; réservé aux administrateurs."""
    from cqpkit.store.answers import users_answer

    return await _call(request, "utilisateur.lire", lambda store, _: users_answer(store))  # type: ignore[no-any-return]


@post("/api/v1/base/utilisateurs", operation_id="base_user_add", summary="Créer un utilisateur (cqpkit user add)", **_kw("utilisateurs", True))
async def add_user(request: Request[Any, Any, Any]) -> UtilisateurReponse:
    """Corps ``{"login": "...", "role": "operateur", "nom": "...", "membre": "...", "mot_de_passe": "..."}`` (``nom``,
    ``membre`` et ``mot_de_passe`` facultatifs ; sans mot de passe, des jetons seulement) ; réservé aux administrateurs."""
    body = await request.body()

    def work(store: Any, user: Any) -> dict[str, Any]:
        from cqpkit.store import users

        data = _object(body, {"login": (str, True), "role": (str, True), "nom": (str, False), "membre": (str, False), "mot_de_passe": (str, False)})
        created = users.add_user(store, data["login"], data.get("nom", ""), data["role"], data.get("mot_de_passe"),
                                 membre=data.get("membre"), operateur=users.acting(user))
        return {"base": store.target.label, "utilisateur": _user(store, created.id), "mot_de_passe": data.get("mot_de_passe") is not None}

    return await _call(request, "utilisateur.gerer", work)  # type: ignore[no-any-return]


@post("/api/v1/base/utilisateurs/{login:str}/desactivation", operation_id="base_user_disable",
      summary="Désactiver un utilisateur, définitivement (cqpkit user disable)", **_kw("utilisateurs", True))
async def disable_user(request: Request[Any, Any, Any], login: Login) -> UtilisateurReponse:
    """Ses jetons et son mot de passe n'ouvrent plus rien ; réservé aux administrateurs."""

    def work(store: Any, user: Any) -> dict[str, Any]:
        from cqpkit.store import users

        before = users.get_user(store, login)
        users.disable_user(store, login, operateur=users.acting(user))
        return {"base": store.target.label, "utilisateur": _user(store, login), "deja_desactive": before is not None and not before.actif}

    return await _call(request, "utilisateur.gerer", work)  # type: ignore[no-any-return]


@post("/api/v1/base/utilisateurs/{login:str}/jetons", operation_id="base_token_create",
      summary="Créer un jeton d'API, montré une seule fois (cqpkit user token)", **_kw("utilisateurs", True))
async def create_token(request: Request[Any, Any, Any], login: Login) -> JetonCree:
    """Corps ``{"libelle": "...", "expire_le": "AAAA-MM-JJ"}`` (facultatifs ; dernier jour de validité, UTC) ; le jeton
    n'est donné qu'ici, la base n'en garde que l'empreinte ; réservé aux administrateurs."""
    body = await request.body()

    def work(store: Any, user: Any) -> dict[str, Any]:
        from cqpkit.store import users

        data = _object(body, {"libelle": (str, False), "expire_le": (str, False)})
        expires = None
        if "expire_le" in data:
            try:
                expires = dt.date.fromisoformat(data["expire_le"])
            except ValueError:
                raise Problem(422, f"« expire_le » : une date AAAA-MM-JJ est attendue, pas « {data['expire_le'][:40]} »",
                              slug="requete-invalide", title="Requête invalide") from None
        token = users.create_token(store, login, data.get("libelle", ""), expires, operateur=users.acting(user))
        tid = users.token_id(token)
        expire_le = next((j.expire_le for j in users.list_tokens(store, login) if j.id == tid), None)
        return {"base": store.target.label, "utilisateur": login, "id": tid, "jeton": token, "expire_le": expire_le}

    return await _call(request, "utilisateur.gerer", work)  # type: ignore[no-any-return]


@post("/api/v1/base/jetons/{jeton:str}/revocation", operation_id="base_token_revoke", summary="Révoquer un jeton (cqpkit user revoke)",
      **_kw("utilisateurs", True))
async def revoke_token(request: Request[Any, Any, Any], jeton: JetonId) -> RevocationReponse:
    """Le jeton, nommé par son identifiant public, ne vaut plus rien ; ``deja_revoque`` s'il l'était ; réservé aux administrateurs."""

    def work(store: Any, user: Any) -> dict[str, Any]:
        from cqpkit.store import users

        done = users.revoke_token(store, jeton, operateur=users.acting(user))
        return {"base": store.target.label, "id": users.token_id(jeton), "deja_revoque": not done}

    return await _call(request, "utilisateur.gerer", work)  # type: ignore[no-any-return]


USER_HANDLERS = [list_users, add_user, disable_user, create_token, revoke_token]

#: The request bodies these handlers read themselves, for the OpenAPI document (operationId → schema).
USER_BODIES: dict[str, dict[str, Any]] = {
    "base_user_add": {
        "type": "object", "required": ["login", "role"], "additionalProperties": False,
        "properties": {"login": {"type": "string"}, "role": {"type": "string", "enum": ["admin", "operateur", "jury", "lecture"]},
                       "nom": {"type": "string"}, "membre": {"type": "string"}, "mot_de_passe": {"type": "string", "writeOnly": True}},
    },
    "base_token_create": {"type": "object", "additionalProperties": False,
                          "properties": {"libelle": {"type": "string"}, "expire_le": {"type": "string", "format": "date"}}},
}
