"""Errors as RFC 9457 problem details (``application/problem+json``), in French, never with a traceback.

Every error answer is ``{type, title, status, detail, erreurs}``: ``erreurs`` lists the errors of the input
exactly as ``cqpkit check --json`` gives them under ``erreurs`` (``fichier``, ``ligne``, ``cle``, ``chemin``,
``message``: :func:`cqpkit.plugins.answers.erreur_item`), the body of the request standing for the file. The
exception handlers of :func:`exception_handlers` turn cqpkit's errors, Litestar's HTTP errors and any
unexpected exception into such an answer (the last as a 500 whose detail says nothing of the code).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException

from cqpkit.exceptions import CqpkitError, InvalidFileError, UnknownCertificationError, UnreadableFileError

__all__ = ["PROBLEM_JSON", "Problem", "exception_handlers", "problem_response"]

PROBLEM_JSON = "application/problem+json"
_TYPES = "https://cqpkit.invalid/problemes/"

#: status → (type slug, title): the titles a client shows.
TITLES: dict[int, tuple[str, str]] = {
    400: ("requete-invalide", "Requête invalide"),
    401: ("authentification-requise", "Authentification requise"),
    403: ("acces-refuse", "Accès refusé"),
    404: ("introuvable", "Ressource introuvable"),
    405: ("methode-non-permise", "Méthode non permise"),
    409: ("refus-de-la-base", "Refusé par la base"),
    413: ("corps-trop-grand", "Corps de requête trop grand"),
    415: ("type-de-contenu-non-pris-en-charge", "Type de contenu non pris en charge"),
    422: ("dossier-invalide", "Dossier invalide"),
    429: ("trop-de-requetes", "Trop de requêtes"),
    500: ("erreur-interne", "Erreur interne"),
    501: ("non-installe", "Fonction non installée"),
    503: ("delai-depasse", "Délai dépassé"),
}

_log = logging.getLogger("cqpkit.web")


class Problem(Exception):
    """An error answer raised by a handler: status, French detail, the input's errors, extra headers."""

    def __init__(
        self,
        status: int,
        detail: str,
        erreurs: Iterable[dict[str, Any]] = (),
        *,
        headers: dict[str, str] | None = None,
        slug: str | None = None,
        title: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.erreurs = list(erreurs)
        self.headers = headers or {}
        default_slug, default_title = TITLES.get(status, ("erreur", "Erreur"))
        self.slug = slug or default_slug
        self.title = title or default_title


def problem_response(problem: Problem) -> Response[Any]:
    body = {
        "type": _TYPES + problem.slug,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "erreurs": problem.erreurs,
    }
    return Response(body, status_code=problem.status, media_type=PROBLEM_JSON, headers=problem.headers)


def erreurs_of(exc: InvalidFileError) -> list[dict[str, Any]]:
    """Every error of an invalid input, as the CLI's ``--json`` lists it."""
    from cqpkit.plugins.answers import erreur_item

    return [erreur_item(e.fichier, e.ligne, e.chemin, e.message) for e in exc.erreurs]


def from_cqpkit(exc: CqpkitError) -> Problem:
    """The problem of one of cqpkit's errors: 422 for an invalid input, 400 for an unreadable one, 404 for an unknown certification."""
    from cqpkit.plugins.answers import erreur_item

    if isinstance(exc, InvalidFileError):
        n = len(exc.erreurs)
        return Problem(422, f"{exc.fichier} : {n} erreur{'s' if n > 1 else ''}", erreurs_of(exc))
    if isinstance(exc, UnreadableFileError):
        return Problem(400, str(exc), [erreur_item("<requête>", None, "", str(exc))], slug="corps-illisible", title="Corps illisible")
    if isinstance(exc, UnknownCertificationError):
        return Problem(404, str(exc), slug="certification-inconnue", title="Certification inconnue")
    from cqpkit.store.errors import NotFoundError, StoreConflictError, StoreError

    if isinstance(exc, NotFoundError):
        return Problem(404, str(exc).splitlines()[0], [erreur_item(e.fichier, e.ligne or None, e.chemin, e.message) for e in exc.erreurs])
    if isinstance(exc, StoreConflictError):  # the store refuses (a closed session, a file contradicting it…): all its reasons
        return Problem(409, str(exc).splitlines()[0], [erreur_item(e.fichier, e.ligne or None, e.chemin, e.message) for e in exc.erreurs])
    if isinstance(exc, StoreError):  # the base cannot be reached or used: the detail names it, never its password
        return Problem(503, str(exc).splitlines()[0], slug="base-indisponible", title="Base indisponible")
    return Problem(422, str(exc).splitlines()[0] if str(exc) else type(exc).__name__, slug="requete-refusee", title="Requête refusée")


#: Litestar's own HTTP errors (a route that does not exist, a method not allowed, a body too large…), in French.
_HTTP_DETAILS = {
    404: "aucune ressource à cette adresse (la liste des opérations : /api/openapi.json, /api/docs)",
    405: "méthode non permise sur cette adresse",
    413: "corps de requête trop grand",
    415: "type de contenu non pris en charge",
    400: "requête invalide",
    401: "authentification requise",
    403: "accès refusé",
    429: "trop de requêtes",
}


def _http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if status >= 500:
        return _unexpected(request, exc)
    headers = dict(exc.headers or {})
    if status == 413:
        limit = getattr(request.app.state, "limits", None)
        size = f" : au plus {limit.max_body} octets" if limit is not None else ""
        return problem_response(Problem(413, f"corps de requête trop grand{size} (--max-body de cqpkit serve)", headers=headers))
    if status == 405:
        allowed = headers.get("allow") or headers.get("Allow")
        detail = _HTTP_DETAILS[405] + (f" (méthodes permises : {allowed})" if allowed else "")
        return problem_response(Problem(405, detail, headers=headers))
    return problem_response(Problem(status, _HTTP_DETAILS.get(status, "requête refusée"), headers=headers))


def _problem(request: Request[Any, Any, Any], exc: Problem) -> Response[Any]:
    return problem_response(exc)


def _cqpkit(request: Request[Any, Any, Any], exc: CqpkitError) -> Response[Any]:
    return problem_response(from_cqpkit(exc))


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # The trace goes to the server's log (an operator reads it), never to the client.
    _log.error("erreur interne sur %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        Problem(500, "erreur interne du service : la requête n'a pas abouti ; l'incident est consigné dans le journal du serveur")
    )


def exception_handlers() -> dict[Any, Any]:
    """The handlers the app installs: every error becomes a French problem."""
    return {Problem: _problem, CqpkitError: _cqpkit, HTTPException: _http_exception, Exception: _unexpected}
