"""The data model: attrs frozen classes, pure data, no I/O."""

from cqpkit.model.referentiel import *  # noqa: F403
from cqpkit.model.referentiel import __all__ as _referentiel_all

__all__ = list(_referentiel_all)
