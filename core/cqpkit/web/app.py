"""The ASGI application: :func:`create_app`, and :func:`app_from_environment` for ``cqpkit serve``'s workers.

Routes: ``/api/v1/…`` (:mod:`cqpkit.web.engine`), ``/api/openapi.json`` and ``/api/docs``
(:mod:`cqpkit.web.openapi`), ``/api/health``. Every error is a French problem (:mod:`cqpkit.web.problems`);
every request one line of the access log (:mod:`cqpkit.web.limits`).
"""

from __future__ import annotations

import json
import os
from typing import Any

from litestar import Litestar, get
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig

from cqpkit.web.auth import Authenticator
from cqpkit.web.engine import ENGINE_HANDLERS
from cqpkit.web.limits import AccessLog, Limits
from cqpkit.web.openapi import DocsPage, OpenAPIJson, OpenAPIRouter
from cqpkit.web.pages import page_routes
from cqpkit.web.pages.base import page_secret
from cqpkit.web.problems import exception_handlers

__all__ = ["CONFIG_VARIABLE", "app_from_environment", "create_app"]

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

    ``db``: the store's address (kept for the store endpoints, which come with the users; not opened here);
    ``public_engine``: the engine endpoints without a token; ``authenticator``: checks the bearer tokens
    otherwise (``None``: every engine call is answered 401); ``limits``: body size, dossiers per request, time
    per request; ``registry``: the plugins' registry (default: ``cqpkit.load_registry()``, loaded once);
    ``access_log``: one JSON line per request on the logger ``cqpkit.web.access``; ``secret``: the key the
    pages' session cookies are signed with (default: ``CQPKIT_WEB_SECRET``, else random per process; docs/web.md).
    """
    from cqpkit.plugins.registry import load_registry

    limits = limits or Limits()
    state = State(
        {
            "registry": registry if registry is not None else load_registry(),
            "public_engine": public_engine,
            "authenticator": authenticator,
            "limits": limits,
            "db": db,
            "page_secret": page_secret(secret),
        }
    )
    app = Litestar(
        route_handlers=[*ENGINE_HANDLERS, health, *page_routes()],
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


def app_from_environment() -> Litestar:
    """The app of ``cqpkit serve`` (uvicorn's factory, in each worker): options from :data:`CONFIG_VARIABLE`."""
    config = json.loads(os.environ.get(CONFIG_VARIABLE) or "{}")
    limits = Limits(**config.get("limits", {}))
    return create_app(db=config.get("db"), public_engine=bool(config.get("public_engine")), limits=limits)
