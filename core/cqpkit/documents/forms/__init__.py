"""The référentiel's forms, blank or filled from a dossier: ``positionnement``, ``livret-suivi``,
``grille-tuteur``, ``livret-evaluation-finale``.

Each builder is ``(registry, referentiel, dossier=None, as_of=None) -> Document``: blank from the
référentiel (its version and date of effect printed), or filled with what the dossier records (known
``as_of`` that date when one is given), the rest left blank for the hand. The data shape is described in
``docs/documents.md``; the templates are ``templates/<kind>.typ`` and ``templates/formulaires.typ``.
"""

from __future__ import annotations

from cqpkit.documents.forms.accueil import positionnement
from cqpkit.documents.forms.finale import livret_evaluation_finale
from cqpkit.documents.forms.suivi import grille_tuteur, livret_suivi

__all__ = ["grille_tuteur", "livret_evaluation_finale", "livret_suivi", "positionnement"]
