"""French text for the front ends: values (:mod:`cqpkit.render.text`), labels (:mod:`cqpkit.render.labels`),
and a référentiel as a certification officer reads it (:mod:`cqpkit.render.referentiel`).

The rules layer formats its messages with :mod:`cqpkit.rules.fr` and never imports this package;
:mod:`cqpkit.render.text` builds on it. Nothing is imported here until it is asked for, so that a
front end reaching for a date helper does not load the référentiel renderer (``cqpkit list``
start-up).
"""

from __future__ import annotations

from typing import Any

__all__ = ["render_referentiel", "unit_counts"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from cqpkit.render import referentiel

        return getattr(referentiel, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
