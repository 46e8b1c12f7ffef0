"""Whether the référentiel version a dossier names was in force when the dossier began: :func:`check_version`.

A dossier names its certification and version (``[dossier] certification``, ``version``) and keeps
it; the version's ``[certification] en_vigueur_depuis`` / ``en_vigueur_jusqua`` say when it was in
force (both days inclusive). The date of the dossier is its registration (``inscription``): the
event the choice of a version depends on, so, as for every dated value, the version must be in
force on that day (DESIGN, "a dated value applies at the date of the event it concerns"); the
as-of date only decides whether the registration has happened yet.

- ``version_hors_vigueur`` (erreur): registered before ``en_vigueur_depuis`` (the version did not
  exist yet: its rules cannot govern the dossier) or after ``en_vigueur_jusqua`` (it had been
  replaced). An error rather than a warning: every other finding, decision and amount of the
  dossier is computed with rules that did not apply to it; the remedy is to name the version in
  force at the registration. A version without dates (the sources give none) is never reported.
- Nothing before the registration (as of a date before ``inscription``).
"""

from __future__ import annotations

from datetime import date

from cqpkit.model import Constat, Dossier, Referentiel
from cqpkit.rules.fr import date_fr
from cqpkit.rules.sources import source_for

__all__ = ["check_version"]


def check_version(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    """``version_hors_vigueur``: the dossier registered outside the period its référentiel version is in force."""
    cert = ref.certification
    inscription = dossier.dossier.inscription
    if inscription > as_of:
        return []
    if cert.en_vigueur_depuis is not None and inscription < cert.en_vigueur_depuis:
        cle, borne = "en_vigueur_depuis", cert.en_vigueur_depuis
        quand = f"en vigueur à partir du {date_fr(borne)} : cette version n'existait pas encore"
    elif cert.en_vigueur_jusqua is not None and inscription > cert.en_vigueur_jusqua:
        cle, borne = "en_vigueur_jusqua", cert.en_vigueur_jusqua
        quand = f"en vigueur jusqu'au {date_fr(borne)} : cette version n'était plus en vigueur"
    else:
        return []  # (the usual case: nothing written)
    message = (
        f"Dossier inscrit le {date_fr(inscription)} sur la version « {cert.version} » de {cert.id}, {quand} à la date "
        "d'inscription."
    )
    return [
        Constat(
            code="version_hors_vigueur",
            niveau="erreur",
            message=message,
            chemin="dossier.version",
            source=source_for(cert.sources, cle),
            regle=f"certification.{cle}",
            valeurs={
                "version": cert.version,
                "inscription": date_fr(inscription),
                "en_vigueur_depuis": date_fr(cert.en_vigueur_depuis) if cert.en_vigueur_depuis else "",
                "en_vigueur_jusqua": date_fr(cert.en_vigueur_jusqua) if cert.en_vigueur_jusqua else "",
            },
        )
    ]
