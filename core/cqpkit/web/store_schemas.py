"""The shapes of the store endpoints' answers (``/api/v1/base/…``), for the OpenAPI document and Schemathesis.

As :mod:`cqpkit.web.schemas` for the engine: attrs classes never instantiated (the handlers return the dicts of
the store's functions, the very objects ``cqpkit … --json`` prints), built on the model's own classes where the
answer holds them (:class:`~cqpkit.model.Constat`, :class:`~cqpkit.model.Resultat`,
:class:`~cqpkit.model.LigneFinancement`) and, for a candidate's personal fields, from the fields of
:class:`~cqpkit.model.Candidat` themselves (:data:`PersonnelCandidat`). Parts whose keys depend on the content
(a dossier's evaluations as stored, an audit entry's ``details``, decisions per domaine) are objects with any
keys. ``tests/test_web_store_candidats.py`` checks real answers of every store endpoint against the document.
"""

from __future__ import annotations

from typing import Any, Literal

import attrs

from cqpkit.model import Candidat, Constat, LigneFinancement, Resultat
from cqpkit.web.schemas import DateSource

__all__ = [
    "CampagneReponse", "DecisionReponse", "DossierReponse", "EcheancesReponse", "EffacementReponse", "ExportReponse",
    "FicheCandidat", "HistoriqueReponse", "ImportReponse", "ListeDossiers", "PageCandidats", "SessionAjoutReponse",
    "SessionClotureReponse", "SessionOuverteReponse", "SessionReponse", "SessionsReponse", "Statut", "VerificationReponse",
]

Statut = Literal["certifie", "partiel", "en_cours", "non_acquis", "expire", "a_venir"]
Objet = dict[str, Any]


def _personal() -> dict[str, Any]:
    """The personal fields of ``[candidat]`` (all but ``id``), as the store answers them: texts, the birth date ISO or null."""
    return {
        a.name: attrs.field(type=str | None, default=None) if a.name == "naissance" else attrs.field(type=str, default="")  # type: ignore[arg-type]
        for a in attrs.fields(Candidat) if a.name != "id"
    }


#: A candidate's personal fields, from :class:`~cqpkit.model.Candidat`: each optional (a role sees some only).
PersonnelCandidat = attrs.make_class("PersonnelCandidat", _personal(), frozen=True, kw_only=True)


# ------------------------------------------------------------------------------ candidates
@attrs.frozen(kw_only=True)
class DossierCandidat:
    """One dossier of a candidate, with its status as of the date (``None``: its result is not computed yet)."""

    dossier: str
    certification: str
    version: str
    voie: str
    inscription: str
    statut: Statut | None


@attrs.frozen(kw_only=True)
class CandidatTrouve(PersonnelCandidat):  # type: ignore[misc,valid-type]
    """A candidate found: id, erased or not, the personal fields the user's role may read (jury: ``nom``, ``prenom``),
    their dossiers. An erased candidate's fields are empty."""

    id: str
    efface: bool
    dossiers: list[DossierCandidat]


@attrs.frozen(kw_only=True)
class _Lu:
    base: str
    date: str
    date_source: DateSource


@attrs.frozen(kw_only=True)
class PageCandidats(_Lu):
    """``GET /api/v1/base/candidats``: ``cqpkit candidate list --json``; ``suivant``: the ``apres`` of the next page."""

    candidats: list[CandidatTrouve]
    limite: int
    suivant: str | None


@attrs.frozen(kw_only=True)
class CandidatDossier(PersonnelCandidat):  # type: ignore[misc,valid-type]
    """The candidate of a dossier (``dossier show``): id, erased or not, the personal fields, the pseudonym once erased."""

    id: str
    efface: bool
    pseudonyme: str | None


@attrs.frozen(kw_only=True)
class IdentiteCandidat(CandidatDossier):
    """A candidate's identity as the store holds it; once erased: ``efface``, ``efface_le``, the pseudonym, no personal field."""

    efface_le: str | None
    enregistre_le: str
    modifie_le: str


@attrs.frozen(kw_only=True)
class DossierPresente(DossierCandidat):
    """A dossier of the candidate, and the jury sessions it was presented to."""

    sessions: list[str]


@attrs.frozen(kw_only=True)
class FicheCandidat(_Lu):
    """``GET /api/v1/base/candidats/{id}``: ``cqpkit candidate show --json``."""

    candidat: IdentiteCandidat
    dossiers: list[DossierPresente]


@attrs.frozen(kw_only=True)
class EntreeJournal:
    """An entry of the audit log (``details``: what the action says of itself)."""

    numero: int
    horodatage: str
    operateur: str
    action: str
    objet: str
    objet_id: str
    details: Objet
    empreinte: str


@attrs.frozen(kw_only=True)
class DossierExporte:
    dossier: str
    versions: list[Objet]
    passages: list[Objet]


@attrs.frozen(kw_only=True)
class ExportReponse:
    """``POST /api/v1/base/candidats/{id}/export``: ``cqpkit candidate export``."""

    base: str
    candidat: IdentiteCandidat
    dossiers: list[DossierExporte]
    journal: list[EntreeJournal]
    exporte_le: str


@attrs.frozen(kw_only=True)
class EffacementReponse:
    """``POST /api/v1/base/candidats/{id}/effacement``."""

    candidat: str
    pseudonyme: str
    efface_le: str
    deja_efface: bool
    nettoyage: list[str]


# ------------------------------------------------------------------------------ dossiers
@attrs.frozen(kw_only=True)
class FichierImporte:
    fichier: str
    type: Literal["dossier", "session"]
    id: str
    statut: str


@attrs.frozen(kw_only=True)
class ConstatSession(Constat):
    """A finding on a session, and whether it will refuse ``jury close``."""

    bloque_la_cloture: bool


@attrs.frozen(kw_only=True)
class ImportReponse:
    """``POST /api/v1/base/dossiers``: ``cqpkit import --json``; ``constats``: per session; ``journal``: entries written."""

    base: str
    creee: bool
    fichiers: list[FichierImporte]
    notes: list[str]
    constats: dict[str, list[ConstatSession]]
    journal: int


@attrs.frozen(kw_only=True)
class ListeDossiers:
    """``GET /api/v1/base/dossiers``: the stored ids."""

    dossiers: list[str]


@attrs.frozen(kw_only=True)
class PassageDossier:
    id: int
    session: str
    session_close: bool
    date: str
    absent: bool
    excuse: bool
    decisions: dict[str, str]
    origine: str
    remplace: int | None
    motif: str
    en_vigueur: bool


@attrs.frozen(kw_only=True)
class EcheanceDossier:
    type: str
    domaine: str | None
    date: str
    depuis: str


@attrs.frozen(kw_only=True)
class DossierReponse:
    """``GET /api/v1/base/dossiers/{id}``: ``cqpkit dossier show --json``; a stored dossier that no longer reads has
    ``illisible`` (why) and ``contenu`` (what is left), and no ``resultat``."""

    dossier: str
    certification: str
    version: str
    voie: str
    mention: str | None
    inscription: str
    version_dossier: int
    candidat: CandidatDossier
    evaluations: list[Objet]
    passages: list[PassageDossier]
    resultat: Resultat | None
    financement: list[LigneFinancement]
    constats_financement: list[Constat]
    echeances: list[EcheanceDossier]
    date: str
    date_source: DateSource
    dernier_evenement: Objet | None
    illisible: str | None = None
    contenu: Objet | None = None


@attrs.frozen(kw_only=True)
class HistoriqueReponse:
    """``GET /api/v1/base/dossiers/{id}/historique``: ``cqpkit dossier history --json``."""

    dossier: str
    versions: list[Objet]
    evaluations: list[Objet]
    passages: list[Objet]
    journal: list[EntreeJournal]


# ------------------------------------------------------------------------------ sessions
@attrs.frozen(kw_only=True)
class SessionResume:
    session: str
    date: str
    lieu: str
    certifications: list[str]
    president: str
    membres: int
    close: bool
    cloturee_le: str | None
    dossiers: int
    candidats: int


@attrs.frozen(kw_only=True)
class SessionsReponse:
    """``GET /api/v1/base/sessions``: ``cqpkit jury list --json``."""

    base: str
    certification: str | None
    sessions: list[SessionResume]


@attrs.frozen(kw_only=True)
class Membre:
    id: str
    college: str
    organisation: str
    fonction: str
    president: bool


@attrs.frozen(kw_only=True)
class CandidatSession:
    dossier: str
    candidat: str
    certification: str
    version: str
    voie: str
    mention: str | None
    date: str
    absent: bool
    excuse: bool
    decisions: dict[str, str]
    corrections: int
    enregistrements: list[Objet]


@attrs.frozen(kw_only=True)
class SessionReponse:
    """``GET /api/v1/base/sessions/{id}``: ``cqpkit jury show --json``."""

    session: str
    date: str
    lieu: str
    certifications: list[str]
    precedente: str | None
    president: str
    membres: list[Membre]
    close: bool
    cloturee_le: str | None
    version_session: int
    candidats: list[CandidatSession]
    constats: list[Constat]
    constats_non_etablis: list[Objet]


@attrs.frozen(kw_only=True)
class _Ecrit:
    base: str
    session: str
    constats: list[ConstatSession]


@attrs.frozen(kw_only=True)
class SessionOuverteReponse(_Ecrit):
    """``POST /api/v1/base/sessions``: ``cqpkit jury open --json``."""

    date: str
    statut: Literal["ouverte"]


@attrs.frozen(kw_only=True)
class DossierAjoute:
    dossier: str
    statut: str


@attrs.frozen(kw_only=True)
class SessionAjoutReponse(_Ecrit):
    """``POST /api/v1/base/sessions/{id}/dossiers``: ``cqpkit jury add --json``."""

    dossiers: list[DossierAjoute]


@attrs.frozen(kw_only=True)
class SessionClotureReponse(_Ecrit):
    """``POST /api/v1/base/sessions/{id}/cloture``."""

    statut: Literal["close"]


@attrs.frozen(kw_only=True)
class DecisionReponse:
    """``POST /api/v1/base/sessions/{id}/decisions``: the record written (``passage``) and the one it replaces."""

    base: str
    session: str
    dossier: str
    statut: Literal["enregistré", "corrigé", "inchangé"]
    passage: int
    remplace: int | None


# ------------------------------------------------------------------------------ reports, audit
@attrs.frozen(kw_only=True)
class Echeance:
    certification: str
    type: str
    domaine: str | None
    date: str
    depuis: str
    dossier: str
    candidat: str
    voie: str
    jours: int
    version: str


@attrs.frozen(kw_only=True)
class EcheancesReponse:
    """``GET /api/v1/base/rapports/echeances``: ``cqpkit report deadlines --json``."""

    date: str
    date_source: DateSource
    jours: int
    a_venir: list[Echeance]
    passees: list[Echeance]
    certifications_ignorees: list[Objet]


@attrs.frozen(kw_only=True)
class ChiffresCampagne:
    certification: str
    intitule: str
    dossiers: int
    candidats: int
    formation: int
    vae: int
    certifies: int
    partiels: int
    echecs: int
    expires: int
    en_cours: int
    a_venir: int
    delais_depasses: int
    lignes_sans_bareme: int
    cout_euro: float
    cout_points: float
    financement_euro: float
    financement_points: float
    gratification_euro: float
    gratification_points: float


@attrs.frozen(kw_only=True)
class SessionCampagne:
    session: str
    date: str
    certifications: list[str]
    close: bool
    a_venir: bool


@attrs.frozen(kw_only=True)
class CampagneReponse:
    """``GET /api/v1/base/rapports/campagne``: ``cqpkit report campaign --json``."""

    date: str
    date_source: DateSource
    certifications: list[ChiffresCampagne]
    total: ChiffresCampagne
    sessions: list[SessionCampagne]
    certifications_ignorees: list[Objet]
    certifications_non_evaluees: list[Objet]


@attrs.frozen(kw_only=True)
class VerificationReponse:
    """``GET /api/v1/base/journal/verification``: ``cqpkit db verify --json``."""

    base: str
    entrees: int
    tete: str | None
    integre: bool
    problemes: list[Any]
    lignes_verifiees: dict[str, int]
    tete_attendue: str | None
    tete_attendue_numero: int | None
