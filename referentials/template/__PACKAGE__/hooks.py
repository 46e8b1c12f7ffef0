"""Les hooks de l'extension cqpkit « __NAME__ » (le guide : `cqpkit doc plugin`).

cqpkit appelle ``cqpkit_referentiels`` une fois, au chargement : l'extension y enregistre
chacun de ses référentiels. ``cqpkit_document_template`` donne à ses documents imprimés
(``cqpkit document …``) leur allure : ici, l'attestation de ``modeles/`` (son logo, sa formule). Le moteur générique de cqpkit applique ensuite les règles écrites
dans le TOML ; une règle que le TOML ne sait pas dire s'écrit ici, dans un autre hook (exemple
en fin de fichier).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from cqpkit import hookimpl

REFERENTIELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "referentiels")
MODELES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "modeles")


@hookimpl
def cqpkit_referentiels(register: Callable[[object], None]) -> None:
    """Enregistre le répertoire ``referentiels/`` : chacun de ses fichiers ``*.toml``, par ordre de nom."""
    register(REFERENTIELS)


@hookimpl
def cqpkit_document_template(referentiel: object, kind: str) -> str | None:
    """Le modèle Typst de l'extension pour un document de ses référentiels ; ``None`` : celui de cqpkit.

    Un type de document à soi s'écrit ``BASE:NOM`` (``attestation:stage``), imprimé avec les données de
    ``BASE`` : ajoutez-le ici, avec son fichier dans ``modeles/``.
    """
    if kind == "attestation":
        return os.path.join(MODELES, "attestation.typ")
    return None


# Des clés que seule cette extension lit : une table [extensions.__ENTRY_POINT__] dans ses référentiels,
# validée par une classe attrs gelée écrite dans un module à part (par exemple __PACKAGE__/extension.py).
# On la déclare par une référence « module:Classe » : cqpkit ne l'importe que lorsqu'il valide une telle
# table, pas à chaque démarrage (`cqpkit list` reste léger). Les hooks la lisent par
# ``referentiel.extension("__ENTRY_POINT__")``.
#
# CQPKIT_EXTENSION = "__PACKAGE__.extension:Extension"


# Une règle propre à la certification, en Python : décommentez, adaptez, puis ajoutez un scénario
# qui la montre de chaque côté de sa limite. cqpkit n'appelle ce hook que pour les référentiels
# de cette extension : inutile de vérifier la certification.
#
# from cqpkit.model import Constat, Source
#
# # Les codes de constat que donnent ces hooks : un scénario qui en attend un autre est signalé
# # (« vouliez-vous dire … ? ») par cqpkit validate et cqpkit test.
# CQPKIT_CODES = ("__ENTRY_POINT___passages_trop_nombreux",)
#
# @hookimpl
# def cqpkit_check_dossier(referentiel, dossier, date):
#     constats = []
#     if len(dossier.passages) > 3:
#         constats.append(
#             Constat(
#                 code="__ENTRY_POINT___passages_trop_nombreux",
#                 niveau="avertissement",
#                 message=f"{len(dossier.passages)} passages devant le jury : au plus 3.",
#                 chemin="passages",
#                 source=Source(document="document-source-a-preciser.pdf", section="à préciser"),
#             )
#         )
#     return constats
