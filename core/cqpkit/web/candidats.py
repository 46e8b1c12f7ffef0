"""The candidates' endpoints: ``GET /api/v1/base/candidats`` (a search, by pages) and ``GET /api/v1/base/candidats/{id}``.

They call :func:`cqpkit.store.candidats.search_candidats` and :func:`~cqpkit.store.candidats.candidat_fiche`, as
``cqpkit candidate list|show`` does. The right is ``candidat.lire`` (admin, operateur: every candidate, every
personal field); a ``jury`` user reads the candidates presented to the sessions it sits on, their name only
(:func:`cqpkit.store.candidats.scope`); ``lecture`` reads reports, not people: 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Request, get

from cqpkit.web.engine import AsOf, QueryParameter, parse_as_of
from cqpkit.web.limits import run_limited
from cqpkit.web.store import Id, _kw, _state, authenticated
from cqpkit.web.store_schemas import FicheCandidat, PageCandidats, Statut

__all__ = ["CANDIDAT_HANDLERS"]


def _reader(state: Any, authorization: str | None) -> tuple[list[str] | None, tuple[str, ...]]:
    """The candidates the request's user may read: 401 / 403 as every store endpoint, then the jury's scope."""
    from cqpkit.store import users
    from cqpkit.store.candidats import scope
    from cqpkit.web.auth import bearer_token

    token = bearer_token(authorization)
    user = users.authenticate_token(state.store, token) if token else None
    if user is None or (user.role != "jury" and not users.may(state.store, user, "candidat.lire")):
        authenticated(state, authorization, "candidat.lire")  # raises the 401 or 403 problem
    return scope(state.store, user)


async def _read(request: Request[Any, Any, Any], as_of: str | None, work: Callable[..., dict[str, Any]]) -> Any:
    """``work(store, day, sessions, champs)`` for the request's user, in a worker thread within the time limit, with ``date_source``."""
    state = _state(request)
    authorization = request.headers.get("authorization")
    day, source = parse_as_of(as_of)

    def run() -> dict[str, Any]:
        with state.store_lock:
            sessions, champs = _reader(state, authorization)
            return {**work(state.store, day, sessions, champs), "date_source": source}

    return await run_limited(run, state.limits.timeout)


@get("/api/v1/base/candidats", operation_id="base_candidats", summary="Chercher des candidats (cqpkit candidate list)", **_kw("candidats"))
async def list_candidats(
    request: Request[Any, Any, Any],
    nom: Annotated[str | None, QueryParameter(required=False, max_length=200,
                                              description="Les mots du nom ou du prénom (minuscules et accents indifférents)")] = None,
    candidat: Annotated[str | None, QueryParameter(required=False, max_length=200, description="Une partie de l'identifiant du candidat")] = None,
    certification: Annotated[str | None, QueryParameter(required=False, max_length=200,
                                                        description="Seulement les candidats ayant un dossier de cette certification")] = None,
    statut: Annotated[Statut | None, QueryParameter(required=False, description="Seulement les candidats dont un dossier a ce statut à la date")] = None,
    limite: Annotated[int, QueryParameter(ge=1, le=500, description="Candidats par page")] = 50,
    apres: Annotated[str | None, QueryParameter(required=False, max_length=200,
                                                description="La page qui suit ce candidat : le « suivant » de la page précédente")] = None,
    as_of: AsOf = None,
) -> PageCandidats:
    """Les candidats qui répondent à tous les filtres donnés, par identifiant, une page à la fois ; un compte ``jury`` ne
    voit que les candidats présentés aux sessions où il siège, et leur nom seulement."""
    from cqpkit.store.candidats import search_candidats

    return await _read(request, as_of, lambda store, day, sessions, champs: search_candidats(  # type: ignore[no-any-return]
        store, nom=nom, candidat=candidat, certification=certification, statut=statut, as_of=day, limite=limite, apres=apres,
        sessions=sessions, champs=champs))


@get("/api/v1/base/candidats/{candidat:str}", operation_id="base_candidat", summary="Un candidat et ses dossiers (cqpkit candidate show)", **_kw("candidats"))
async def show_candidat(request: Request[Any, Any, Any], candidat: Id, as_of: AsOf = None) -> FicheCandidat:
    """L'identité du candidat telle que la base la tient (ou son effacement : pseudonyme, date) et ses dossiers avec leur
    statut à la date ; un compte ``jury`` : les candidats des sessions où il siège (404 pour les autres), leur nom seulement."""
    from cqpkit.store.candidats import candidat_fiche

    return await _read(request, as_of, lambda store, day, sessions, champs: candidat_fiche(  # type: ignore[no-any-return]
        store, candidat, day, sessions=sessions, champs=champs))


CANDIDAT_HANDLERS = [list_candidats, show_candidat]
