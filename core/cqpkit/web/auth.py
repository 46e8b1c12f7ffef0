"""Who may call the API: the bearer token of a request, checked by an authenticator the app is given.

The engine endpoints (``/api/v1/referentiels…``, ``/api/v1/dossiers/…``) are public only when the app is
created with ``public_engine=True`` (``cqpkit serve --public-engine``); otherwise each request carries
``Authorization: Bearer <jeton>``, which :class:`Authenticator` turns into a user (or ``None``), and the user
must be allowed the action. An app created with a store (``--db``) checks the tokens against the store's
users (:class:`StoreAuthenticator`: :func:`cqpkit.store.users.authenticate_token`, ``may``): every active user
may compute; an app created with neither a store nor an authenticator answers 401 to every engine call.

Neither the token nor the ``Authorization`` header is ever logged or echoed (:mod:`cqpkit.web.limits`).
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol

__all__ = ["ENGINE", "Authenticator", "StoreAuthenticator", "bearer_token"]

#: The action of the stateless engine endpoints (read référentiels, compute on a dossier sent).
ENGINE = "moteur"


class Authenticator(Protocol):
    """Turns a bearer token into a user, and says what that user may do."""

    def authenticate(self, token: str) -> Any | None:
        """The user holding ``token`` (active, token not revoked), or ``None``."""
        ...

    def may(self, user: Any, action: str, session_id: str | None = None) -> bool:
        """Whether ``user`` may perform ``action`` (:data:`ENGINE`, or a store action), in ``session_id`` if given."""
        ...


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <jeton>`` header, or ``None`` (absent, another scheme, empty)."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


class StoreAuthenticator:
    """The tokens and roles of a store's users (:mod:`cqpkit.store.users`): what ``create_app(db=…)`` installs.

    The engine's action (:data:`ENGINE`) is allowed to every active user, whatever its role (it reads nothing of
    the base); a store action is :func:`cqpkit.store.users.may`'s answer.
    """

    def __init__(self, store: Any, lock: AbstractContextManager[Any] | None = None) -> None:
        self.store = store
        #: Held around each query: on SQLite the store's one connection serves one request at a time.
        self.lock = lock if lock is not None else nullcontext()

    def authenticate(self, token: str) -> Any | None:
        from cqpkit.store.users import authenticate_token

        with self.lock:
            return authenticate_token(self.store, token)

    def may(self, user: Any, action: str, session_id: str | None = None) -> bool:
        if action == ENGINE:
            return bool(getattr(user, "actif", False))
        from cqpkit.store.users import may

        with self.lock:
            return may(self.store, user, action, session_id)
