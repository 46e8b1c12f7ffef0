"""The web application's pages (docs/web.md): server-rendered French HTML on the store, served by ``cqpkit serve``.

:func:`page_routes` gives what :func:`cqpkit.web.app.create_app` mounts: the page handlers in a router whose
exception handlers turn « not logged in » into a redirect to ``/connexion`` and a refusal into a French page,
and the static files (``/static/…``, shipped in the wheel). Jinja2 is imported when a page is first rendered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["STATIC", "page_routes"]

STATIC = Path(__file__).resolve().parent.parent / "static"


def page_routes() -> list[Any]:
    """The router of the pages and the router of their static files."""
    from litestar import Router
    from litestar.static_files import create_static_files_router

    from cqpkit.web.pages.base import LoginRequired, Refused, login_redirect, refused_page
    from cqpkit.web.pages.jury import JURY_HANDLERS
    from cqpkit.web.pages.views import PAGE_HANDLERS

    pages = Router(path="/", route_handlers=[*PAGE_HANDLERS, *JURY_HANDLERS], exception_handlers={LoginRequired: login_redirect, Refused: refused_page},
                   include_in_schema=False)
    static = create_static_files_router(path="/static", directories=[STATIC], include_in_schema=False, name="static")
    return [pages, static]
