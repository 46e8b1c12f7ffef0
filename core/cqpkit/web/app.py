"""The ASGI application: :func:`create_app`, and :func:`app_from_environment` for ``cqpkit serve``'s workers.

Routes: ``/api/v1/…`` (:mod:`cqpkit.web.engine`), ``/api/v1/base/…`` (:mod:`cqpkit.web.store`, with ``db``), ``/api/openapi.json`` and ``/api/docs``
(:mod:`cqpkit.web.openapi`), ``/api/health``. Every error is a French problem (:mod:`cqpkit.web.problems`);
every request one line of the access log (:mod:`cqpkit.web.limits`).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from typing import Any

from litestar import Litestar, get
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig

from cqpkit.store.engine import single_connection
from cqpkit.web.auth import Authenticator, StoreAuthenticator
from cqpkit.web.candidats import CANDIDAT_HANDLERS
from cqpkit.web.engine import ENGINE_HANDLERS
from cqpkit.web.limits import AccessLog, Limits
from cqpkit.web.openapi import DocsPage, OpenAPIJson, OpenAPIRouter
from cqpkit.web.pages import page_routes
from cqpkit.web.pages.base import page_secret
from cqpkit.web.problems import exception_handlers
from cqpkit.web.store import STORE_HANDLERS
from cqpkit.web.users import USER_HANDLERS

__all__ = ["CONFIG_VARIABLE", "app_from_environment", "create_app"]

#: Connections kept open per worker on PostgreSQL (:func:`cqpkit.store.engine.make_engine`'s ``pool_size``).
POOL_SIZE = 8

#: The environment variable through which ``cqpkit serve`` hands its options to each uvicorn worker (JSON).
CONFIG_VARIABLE = "CQPKIT_SERVE_CONFIG"


@get("/api/health", include_in_schema=False, sync_to_thread=False)
def health() -> dict[str, str]:
    return {"etat": "ok"}


def create_app(
    *,
    db: str | None = None,
    public_engine: bool = False,
    authenticator: Authenticator | None = None,
    limits: Limits | None = None,
    registry: Any = None,
    access_log: bool = True,
    secret: bytes | str | None = None,
) -> Litestar:
    """The cqpkit HTTP service as an ASGI application.

    ``db``: the store's address (path or URL, or an open :class:`~cqpkit.store.store.Store`): the store endpoints,
    and the tokens of its users (opened here, with a pool of :data:`POOL_SIZE` connections on both engines;
    closed at shutdown when opened here); ``public_engine``: the engine endpoints without a token;
    ``authenticator``: checks the bearer tokens otherwise (default: the store's users with ``db``; without
    either, every engine call is answered 401); ``limits``: body size, dossiers per request, time
    per request; ``registry``: the plugins' registry (default: ``cqpkit.load_registry()``, loaded once);
    ``access_log``: one JSON line per request on the logger ``cqpkit.web.access``; ``secret``: the key the
    pages' session cookies are signed with (default: ``CQPKIT_WEB_SECRET``, else random per process; docs/web.md).
    """
    from cqpkit.plugins.registry import load_registry

    limits = limits or Limits()
    registry = registry if registry is not None else load_registry()
    store, owned = _open_store(db, registry)
    # A pool of connections on both engines (make_engine's pool_size): the requests' threads each take one. A store
    # given open with a single connection (a SQLite store opened by Store.open, the CLI's) is taken in turns.
    lock: Any = threading.Lock() if store is not None and single_connection(store.engine) else contextlib.nullcontext()
    if store is not None and authenticator is None:
        authenticator = StoreAuthenticator(store, lock)
    state = State(
        {
            "registry": registry,
            "public_engine": public_engine,
            "authenticator": authenticator,
            "limits": limits,
            "db": db,  # the address the pages open their own store with (cqpkit.web.pages.base.store_of)
            "db_label": store.target.label if store is not None else None,
            "store": store,
            "store_lock": lock,
            "page_secret": page_secret(secret),
        }
    )
    app = Litestar(
        route_handlers=[*ENGINE_HANDLERS, *STORE_HANDLERS, *CANDIDAT_HANDLERS, *USER_HANDLERS, health, *page_routes()],
        on_shutdown=[*([store.close] if owned and store is not None else []), _close_page_store],
        state=state,
        exception_handlers=exception_handlers(),
        request_max_body_size=limits.max_body,
        openapi_config=OpenAPIConfig(
            title="cqpkit",
            version="1",  # the API's version (/api/v1), not the package's: the checked-in document does not change with each release
            description=(
                "Les CQP de branche en règles exécutables : les référentiels, et les calculs du moteur "
                "(vérifier, orienter, décider, financer, expliquer) sur un dossier envoyé en JSON ou en TOML. "
                "Les mêmes résultats, codes et messages que la commande cqpkit et son --json (docs/json-output.md)."
            ),
            path="/api",
            render_plugins=[OpenAPIJson(), DocsPage()],
            openapi_router=OpenAPIRouter("/api", route_handlers=[], include_in_schema=False),
        ),
        middleware=[AccessLog] if access_log else [],
        logging_config=None,
        debug=False,
    )
    return app


def _close_page_store(app: Litestar) -> None:
    """Close the store the pages opened for themselves (a pooled one beside a single-connection store given open)."""
    pages = app.state.get("page_store")
    if pages is not None and pages is not app.state.get("store"):
        pages.close()


def _open_store(db: Any, registry: Any) -> tuple[Any, bool]:
    """The store of ``db`` (opened with a pool, its schema checked) and whether it was opened here."""
    if db is None:
        return None, False
    from cqpkit.store.store import Store

    if isinstance(db, Store):
        return db, False
    from cqpkit.store.engine import make_engine, resolve

    target = resolve(db)
    store = Store(target, make_engine(target, pool_size=POOL_SIZE), registry)
    try:
        store.check_schema()
    except BaseException:
        store.close()
        raise
    return store, True


def app_from_environment() -> Litestar:
    """The app of ``cqpkit serve`` (uvicorn's factory, in each worker): options from :data:`CONFIG_VARIABLE`."""
    config = json.loads(os.environ.get(CONFIG_VARIABLE) or "{}")
    limits = Limits(**config.get("limits", {}))
    return create_app(db=config.get("db"), public_engine=bool(config.get("public_engine")), limits=limits)
