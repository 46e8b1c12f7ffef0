"""The data model: attrs frozen classes, pure data, no I/O."""

from cqpkit.model import referentiel as _referentiel
from cqpkit.model.dossier import *  # noqa: F403
from cqpkit.model.dossier import __all__ as _dossier_all
from cqpkit.model.referentiel import *  # noqa: F403
from cqpkit.model.referentiel import __all__ as _referentiel_all

__all__ = [*_referentiel_all, *_dossier_all]

# The deprecated old names (``Sequence``) resolve, with a warning, as in ``cqpkit.model.referentiel``.
__getattr__ = _referentiel.__getattr__
