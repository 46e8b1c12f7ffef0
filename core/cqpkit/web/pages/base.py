"""What every page shares: the store of the app, the user of the request, the templates, the HTML errors.

A page handler calls :func:`context` first: it reads the signed session cookie (:mod:`.security`), reads
the user from the store again (:func:`cqpkit.store.users.get_user`), and raises :class:`LoginRequired`
(→ redirect to ``/connexion``) or :class:`Refused` (→ a 403 page) — the router's exception handlers turn them
into responses. :func:`require` checks an action with :func:`cqpkit.store.users.may`, the service's policy;
the templates hide what :func:`Context.may` says the user may not do, the handlers refuse it anyway.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import secrets
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

import attrs
from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.params import Parameter
from litestar.response import Redirect

from cqpkit.web.pages.security import (
    COOKIE,
    LIFETIME,
    PRELOGIN,
    cookie_attrs,
    new_token,
    read_signed,
    sign,
    tokens_equal,
)

try:  # Litestar 2.2x: parameters declared as such (the inferred style is deprecated there)
    from litestar.params import PathParameter, QueryParameter
except ImportError:  # pragma: no cover - older Litestar
    PathParameter = QueryParameter = Parameter  # type: ignore[assignment,misc]

#: ``Annotated[…, QUERY]``: an optional query parameter; ``Annotated[str, PATH]``: a path parameter.
QUERY = QueryParameter(required=False)
PATH = PathParameter()

__all__ = ["PATH", "QUERY", "Context", "LoginRequired", "Refused", "context", "html", "page_secret", "store_of"]

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
#: The variable that gives the pages' cookie secret (at least 32 characters) to every worker of ``cqpkit serve``.
SECRET_VARIABLE = "CQPKIT_WEB_SECRET"

_lock = threading.Lock()


class LoginRequired(Exception):
    """No valid session: the page redirects to the login form."""


class Refused(Exception):
    """The user may not do this (403), with a French reason."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def page_secret(secret: bytes | str | None = None) -> bytes:
    """The key the session cookies are signed with: given, else :data:`SECRET_VARIABLE`, else random per process.

    Random per process is fine with one worker; with several, set :data:`SECRET_VARIABLE` (docs/web.md).
    """
    if secret is None:
        secret = os.environ.get(SECRET_VARIABLE) or None
    if secret is None:
        return secrets.token_bytes(32)
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def store_of(request: Request[Any, Any, Any]) -> Any:
    """The store of the app (``create_app(db=…)``), shared with the API's endpoints; a 503 page without one."""
    state = request.app.state
    store = state.get("page_store")
    if store is not None:
        return store
    if not state.get("db"):
        raise Refused("ces pages ont besoin d'une base : lancez « cqpkit serve --db FICHIER »", status=503)
    with _lock:
        store = state.get("page_store")
        if store is None:
            # The app's store has a pool of connections on both engines (a store of their own would open a connection
            # per transaction on PostgreSQL: a few milliseconds each, several per page; issue 19), one per request's
            # thread. A store given open with a single connection (SQLite, Store.open: the CLI's) would have two
            # pages' transactions run inside each other: the pages open a pooled one on the same base.
            from cqpkit.store.engine import make_engine, single_connection
            from cqpkit.web.app import POOL_SIZE

            store = state.store
            if single_connection(store.engine):
                store = type(store)(store.target, make_engine(store.target, pool_size=POOL_SIZE), state.registry)
            state.page_store = store
    return store


_env: Any = None

#: The class of a finding's level on the pages (cqpkit.css): an error blocks (red), the others as they are named.
LEVEL_CLASS = {"erreur": "bloquant"}


def findings_list(found: Any, messages: list[str] | None = None) -> Any:
    """The engine's findings as an HTML list (``<ul>``, each level, code and message escaped): the template filter
    ``constats``. Written in Python rather than as a Jinja loop: the session page shows ~150 of them, and a loop
    spent three times as long on them (docs/web.md « Performance »). ``messages``: their messages already escaped
    (:func:`escape_many`, with the rest of the session page)."""
    from markupsafe import Markup

    if messages is None:
        messages = escape_many([k.message for k in found])
    return Markup("<ul>" + "".join([
        f"<li>{_level_span(k.niveau)} <code>{_escaped(k.code)}</code> : {m}</li>" for k, m in zip(found, messages, strict=True)
    ]) + "</ul>")


def escape_many(texts: list[str]) -> list[str]:
    """Each of ``texts`` HTML-escaped as ``markupsafe.escape`` escapes it, in one call for all of them: the session
    page escapes ~300 short texts, and a call each cost about four times as much (docs/web.md « Performance »). They
    are joined by NUL, which escaping leaves as it is; should a text hold a NUL, each is escaped on its own."""
    from markupsafe import escape

    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1:
        return [str(escape(t)) for t in texts]
    return str(escape(joined)).split("\x00")


@functools.lru_cache(maxsize=1024)
def _escaped(text: str) -> str:
    """A finding's code escaped once: a few dozen codes recur over and over."""
    from markupsafe import escape

    return str(escape(text))


@functools.lru_cache(maxsize=64)
def _level_span(level: str) -> str:
    return f'<span class="{_escaped(LEVEL_CLASS.get(level, level))}">{_escaped(level)}</span>'


def environment() -> Any:
    """The Jinja2 environment of the pages (autoescaped; loaded once)."""
    global _env
    if _env is None:
        import jinja2

        from cqpkit.render.text import date_txt

        # Compiled once per process: the templates ship in the wheel, no file is looked at again (auto_reload off:
        # an ``include`` in a loop would stat its file at every turn otherwise).
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
            trim_blocks=True, lstrip_blocks=True, auto_reload=False, cache_size=-1,
        )
        env.filters["date"] = lambda s: date_txt(dt.date.fromisoformat(s)) if isinstance(s, str) and s else (date_txt(s) if s else "")
        env.filters["url"] = lambda s: quote(str(s), safe="")
        env.filters["constats"] = findings_list
        _env = env
    return _env


def html(template: str, status: int = 200, cookies: list[Cookie] | None = None, **data: Any) -> Response[str]:
    """A page rendered from ``template`` with ``data``, never cached (it holds personal data)."""
    text = environment().get_template(template).render(**data)
    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
               "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'"}
    return Response(text, status_code=status, media_type="text/html", headers=headers, cookies=cookies or [])


@attrs.define
class Context:
    """The request's user, its CSRF token, the store; what the templates receive as ``ctx``."""

    user: Any
    csrf: str
    store: Any
    path: str

    def may(self, action: str, session_id: str | None = None) -> bool:
        from cqpkit.store.users import may

        return may(self.store, self.user, action, session_id)

    def require(self, action: str, session_id: str | None = None) -> None:
        if not self.may(action, session_id):
            raise Refused("accès refusé : votre rôle ne permet pas cette action")

    def check_csrf(self, form: Any) -> None:
        if not tokens_equal(form.get("csrf"), self.csrf):
            raise Refused("formulaire refusé : jeton CSRF absent ou périmé ; rechargez la page et recommencez")


def secure(request: Request[Any, Any, Any]) -> bool:
    return request.url.scheme == "https"


def context(request: Request[Any, Any, Any]) -> Context:
    """The logged-in user of the request, or :class:`LoginRequired`."""
    from cqpkit.store.users import get_user

    payload = read_signed(request.app.state.page_secret, request.cookies.get(COOKIE))
    if payload is None or not isinstance(payload.get("u"), str) or not isinstance(payload.get("csrf"), str):
        raise LoginRequired
    store = store_of(request)
    user = get_user(store, payload["u"])
    if user is None or not user.actif:
        raise LoginRequired
    return Context(user=user, csrf=payload["csrf"], store=store, path=request.url.path)


def session_cookie(request: Request[Any, Any, Any], login: str, now: float) -> Cookie:
    value = sign(request.app.state.page_secret, {"u": login, "exp": int(now) + LIFETIME, "csrf": new_token()})
    return Cookie(key=COOKIE, value=value, **cookie_attrs(secure(request), LIFETIME))


def prelogin(request: Request[Any, Any, Any], now: float) -> tuple[str, Cookie | None]:
    """The login form's CSRF token: the one of the pre-login cookie if still valid, else a new one and its cookie."""
    payload = read_signed(request.app.state.page_secret, request.cookies.get(PRELOGIN), now)
    if payload is not None and isinstance(payload.get("csrf"), str):
        return payload["csrf"], None
    token = new_token()
    value = sign(request.app.state.page_secret, {"csrf": token, "exp": int(now) + 3600})
    return token, Cookie(key=PRELOGIN, value=value, **cookie_attrs(secure(request), 3600))


def expired_cookies(request: Request[Any, Any, Any]) -> list[Cookie]:
    return [Cookie(key=k, value="", **cookie_attrs(secure(request), 0)) for k in (COOKIE, PRELOGIN)]


def login_redirect(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    target = request.url.path
    query = f"?suite={quote(target, safe='/')}" if request.method == "GET" and target not in ("/", "/connexion") else ""
    return Redirect(f"/connexion{query}", status_code=303)


def refused_page(request: Request[Any, Any, Any], exc: Refused) -> Response[str]:
    ctx = None
    try:
        ctx = context(request)
    except Exception:  # the error page shows the menu when it can, nothing more
        ctx = None
    return html("erreur.html", status=exc.status, ctx=ctx, user=ctx.user if ctx else None, titre="Accès refusé" if exc.status == 403 else "Erreur",
                message=exc.message)
