"""An application embedding cqpkit, and a small plugin with typed hooks: ``mypy --strict`` passes on it.

Checked by ``tests/test_typed_api.py::TestMypy`` (not collected as a test: no ``test_`` name). It
uses only the public API: the loaders, the registry, the model's classes, ``hookimpl``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import cqpkit
from cqpkit import hookimpl
from cqpkit.model import Constat, Dossier, LigneFinancement, Referentiel, Resultat

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "dossier-specialiste-prestations-formation.toml"


class ExamplePlugin:
    """A plugin whose hooks carry the hookspecs' annotations."""

    @hookimpl
    def cqpkit_check_dossier(
        self, referentiel: Referentiel, dossier: Dossier, date: dt.date, resultat: Resultat
    ) -> Sequence[Constat] | None:
        if resultat.statut != "certifie" and not dossier.passages:
            return [Constat(code="sans_passage", niveau="information", message=f"aucun passage devant le jury ({referentiel.id})")]
        return None

    @hookimpl
    def cqpkit_funding(
        self, referentiel: Referentiel, dossier: Dossier, date: dt.date, resultat: Resultat
    ) -> Sequence[LigneFinancement] | None:
        return None


def statut(as_of: dt.date) -> str:
    """The status of the example dossier as of a date."""
    registry = cqpkit.load_registry(plugins=[("exemple", ExamplePlugin())])
    dossier: Dossier = cqpkit.load_dossier(EXAMPLE, registry)
    resultat: Resultat = registry.decide(dossier, as_of)
    domaines: list[str] = [a.domaine for a in resultat.acquis]
    print(cqpkit.dump_json(resultat), domaines)
    return resultat.statut


if __name__ == "__main__":
    print(statut(dt.date(2014, 7, 1)))
