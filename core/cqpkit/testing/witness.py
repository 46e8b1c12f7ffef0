"""Fixed dossiers the suite builds itself: a "ladder" of jury passages.

A *ladder* is a dossier of a plugin's référentiel whose passages acquire its domaines one at a
time, a week apart, a year after registration: each rung must not lower the result. (The witness
certification of another plugin is gone with the guards: the registry routes a plugin's hooks to
its own référentiels.)
"""

from __future__ import annotations

import datetime as dt

from cqpkit.model import (
    Candidat,
    Dossier,
    DossierInfo,
    PassageJury,
    Referentiel,
)
from cqpkit.testing.checks import vae_routes

__all__ = ["ladder_dossier", "ladder_passages", "ladder_start"]

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
