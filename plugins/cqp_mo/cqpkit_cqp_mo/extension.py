"""The ``[extensions.cqp_mo]`` table of a CQP MO référentiel: keys only this plugin reads.

Declared to the core by ``CQPKIT_EXTENSION = "cqpkit_cqp_mo.extension:ExtensionCqpMo"`` in the package
module (a reference: this module, which imports attrs and the model, is imported only when a table is
validated, not on every start); the core validates the table with its converter (strict types, French
path-first errors) and gives the hooks this object (``referentiel.extension("cqp_mo")``).
"""

from __future__ import annotations

from attrs import frozen
from cqpkit.model import Source

__all__ = ["ExtensionCqpMo"]


@frozen(kw_only=True)
class ExtensionCqpMo:
    """Les clés propres au CQP MO : le module fortement conseillé en début de parcours."""

    #: Id of the module « fortement conseillé » first (a warning when another module of the parcours starts before it).
    module_conseille_en_premier: str | None = None
    sources: tuple[Source, ...] = ()
    notes: str = ""
