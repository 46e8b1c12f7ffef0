"""Fixed dossiers the suite builds itself: a foreign certification, and a "ladder" of jury passages.

- The *witness* is a certification no plugin supplies (``cqpkit-temoin.autre-cqp``), with a
  dossier and a jury session: a plugin's hooks must answer nothing for it.
- A *ladder* is a dossier of a plugin's référentiel whose passages acquire its domaines one
  at a time, a week apart, a year after registration: each rung must not lower the result.
"""

from __future__ import annotations

import datetime as dt

from cqpkit.model import (
    Candidat,
    Certification,
    Domaine,
    Dossier,
    DossierInfo,
    PassageJury,
    Referentiel,
    SessionInfo,
    SessionJury,
    Voie,
)
from cqpkit.testing.checks import vae_routes

__all__ = ["AS_OF", "dossier", "ladder_dossier", "ladder_passages", "ladder_start", "referentiel", "session"]

#: The date the witness dossier is looked at.
AS_OF = dt.date(2021, 6, 1)
_ID = "cqpkit-temoin.autre-cqp"


def referentiel() -> Referentiel:
    """A certification of another plugin (which no plugin supplies)."""
    return Referentiel(
        certification=Certification(
            id=_ID, intitule="CQP témoin d'une autre extension", branche="cqpkit-temoin", certificateur="Témoin", version="1"
        ),
        domaines=(Domaine(id="T1", intitule="Domaine témoin"),),
        voies=(Voie(id="formation", intitule="Formation"),),
    )


def dossier() -> Dossier:
    """A dossier of the witness certification, acquired at one jury passage."""
    return Dossier(
        dossier=DossierInfo(id="TEMOIN-1", certification=_ID, version="1", voie="formation", inscription=dt.date(2020, 1, 6)),
        candidat=Candidat(id="C-TEMOIN"),
        passages=(PassageJury(session="TEMOIN-S1", date=dt.date(2021, 1, 11), decisions={"T1": "acquis"}),),
    )


def session() -> SessionJury:
    """A jury session of the witness certification."""
    return SessionJury(session=SessionInfo(id="TEMOIN-S1", date=dt.date(2021, 1, 11), certifications=(_ID,)))


def ladder_start(ref: Referentiel) -> dt.date:
    """The registration date of a ladder dossier: when the version comes into force (or 06/01/2020)."""
    return ref.certification.en_vigueur_depuis or dt.date(2020, 1, 6)


def ladder_passages(ref: Referentiel) -> tuple[PassageJury, ...]:
    """One passage per domaine, in the référentiel's order, each declaring that domaine acquired."""
    first = ladder_start(ref) + dt.timedelta(days=365)
    return tuple(
        PassageJury(session=f"CONFORMITE-{i + 1}", date=first + dt.timedelta(days=7 * i), decisions={d.id: "acquis"})
        for i, d in enumerate(ref.domaines)
    )


def ladder_dossier(ref: Referentiel, passages: tuple[PassageJury, ...], voie: str | None = None) -> Dossier:
    """A dossier of ``ref`` with these passages, on ``voie`` (default: the first route that is not a VAE one)."""
    if voie is None:
        vae = {v.id for v in vae_routes(ref)}
        voie = next((v.id for v in ref.voies if v.id not in vae), ref.voies[0].id if ref.voies else "formation")
    mentions = ref.certification.mentions
    return Dossier(
        dossier=DossierInfo(
            id="CONFORMITE-1",
            certification=ref.id,
            version=ref.version,
            voie=voie,
            inscription=ladder_start(ref),
            mention=mentions[0] if mentions else None,
        ),
        candidat=Candidat(id="C-CONFORMITE"),
        passages=passages,
    )
