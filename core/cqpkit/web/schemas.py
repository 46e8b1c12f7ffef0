"""The shapes of the API's answers, for the OpenAPI document: attrs classes built on the model's own classes.

The engine answers are the CLI's ``--json`` objects (``docs/json-output.md``): their items are the model's
output classes (:class:`~cqpkit.model.Resultat`, :class:`~cqpkit.model.Constat`,
:class:`~cqpkit.model.LigneFinancement`, :class:`~cqpkit.model.Parcours`), plus ``fichier``; Litestar writes
their schemas from the classes themselves, so the document cannot drift from the model. These classes are
never instantiated: the handlers return the dicts of :mod:`cqpkit.plugins.answers`, the very objects the CLI
writes. ``tests/test_web_openapi.py`` checks the answers against the document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import attrs

from cqpkit.model import Constat, LigneFinancement, Parcours, Resultat

__all__ = [
    "CheckReponse",
    "DecideReponse",
    "ErreurFichier",
    "ExplainReponse",
    "FicheJson",
    "FundingReponse",
    "ListeReferentiels",
    "PlanReponse",
    "Probleme",
]

DateSource = Literal["aujourdhui", "as_of"]


@attrs.frozen(kw_only=True)
class ErreurFichier:
    """One error of the input (the request's body stands for the file): where and what, in French."""

    fichier: str
    ligne: int | None
    cle: str
    chemin: str
    message: str


@attrs.frozen(kw_only=True)
class Probleme:
    """An error, as RFC 9457 problem details (``application/problem+json``); ``erreurs``: every error of the input."""

    type: str
    title: str
    status: int
    detail: str
    erreurs: list[ErreurFichier] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class EchecExtension:
    """A plugin that could not be loaded, and why."""

    plugin: str
    raison: str


@attrs.frozen(kw_only=True)
class Unites:
    domaine: int
    bloc: int
    transverse: int


def _fiche() -> type:
    """The item of ``cqpkit list --json``, from the registry's own :class:`~cqpkit.plugins.registry.FicheReferentiel`
    (its fields, in its order), ``unites`` spelled out."""
    import typing

    from cqpkit.plugins.registry import FicheReferentiel

    hints = typing.get_type_hints(FicheReferentiel)
    fields = {name: attrs.field(type=Unites if name == "unites" else hints[name]) for name in FicheReferentiel._fields}
    cls = attrs.make_class("FicheJson", fields, frozen=True, kw_only=True)
    cls.__doc__ = "A registered référentiel, summarised (an item of ``cqpkit list --json``)."
    return cls


if TYPE_CHECKING:

    class FicheJson:
        """A registered référentiel, summarised (built at import from ``FicheReferentiel``)."""

else:
    FicheJson = _fiche()


@attrs.frozen(kw_only=True)
class ListeReferentiels:
    """``GET /api/v1/referentiels``: ``cqpkit list --json``."""

    referentiels: list[FicheJson]
    erreurs: list[EchecExtension]


@attrs.frozen(kw_only=True)
class ConstatsDossier:
    """A dossier's findings (``fichier``: where it came from)."""

    fichier: str
    dossier: str
    certification: str
    version: str
    constats: list[Constat]


@attrs.frozen(kw_only=True)
class NonEvalue(ConstatsDossier):
    """A dossier a plugin failed on, left out of the results (the finding ``extension_en_echec``)."""


@attrs.frozen(kw_only=True)
class ResumeCheck:
    dossiers: int
    avec_erreurs: int
    avec_avertissements: int


@attrs.frozen(kw_only=True)
class _Reponse:
    """What every engine answer holds besides its own keys: the date and why, the input's errors, the dossiers
    a plugin failed on (:func:`cqpkit.plugins.answers.answer`)."""

    date: str
    date_source: DateSource
    erreurs: list[ErreurFichier]
    non_evalues: list[NonEvalue]


@attrs.frozen(kw_only=True)
class CheckReponse(_Reponse):
    """``POST /api/v1/dossiers/check``: ``cqpkit check --json``."""

    dossiers: list[ConstatsDossier]
    resume: ResumeCheck


@attrs.frozen(kw_only=True)
class ResultatFichier(Resultat):
    fichier: str


@attrs.frozen(kw_only=True)
class DecideReponse(_Reponse):
    """``POST /api/v1/dossiers/decide``: ``cqpkit decide --json``; ``resume``: statut → number of dossiers."""

    resultats: list[ResultatFichier]
    resume: dict[str, int]


@attrs.frozen(kw_only=True)
class ParcoursFichier(Parcours):
    fichier: str


@attrs.frozen(kw_only=True)
class PlanReponse(_Reponse):
    """``POST /api/v1/dossiers/plan``: ``cqpkit plan --json``."""

    parcours: list[ParcoursFichier]


@attrs.frozen(kw_only=True)
class LignesDossier:
    fichier: str
    dossier: str
    lignes: list[LigneFinancement]
    constats: list[Constat]


@attrs.frozen(kw_only=True)
class Montants:
    euro: float
    point: float


@attrs.frozen(kw_only=True)
class MontantsParNature:
    cout: Montants
    financement: Montants
    gratification: Montants


@attrs.frozen(kw_only=True)
class FundingReponse(_Reponse):
    """``POST /api/v1/dossiers/funding``: ``cqpkit funding --json``."""

    dossiers: list[LignesDossier]
    total: Montants
    total_par_nature: MontantsParNature


@attrs.frozen(kw_only=True)
class Explication:
    fichier: str
    dossier: str
    constats: list[Constat]
    resultat: Resultat
    financement: list[LigneFinancement]


@attrs.frozen(kw_only=True)
class ExplainReponse(_Reponse):
    """``POST /api/v1/dossiers/explain``: ``cqpkit explain --json``."""

    dossiers: list[Explication]
