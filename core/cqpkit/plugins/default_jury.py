"""Builtin plugin: the checks of a jury session, :func:`cqpkit.rules.jury.check_session`."""

from __future__ import annotations

from typing import Any

from cqpkit.hookspecs import hookimpl


@hookimpl
def cqpkit_check_session(referentiel: Any, session: Any, dossiers: Any, historique: Any) -> list:
    from cqpkit.rules.jury import check_session

    return check_session(referentiel, session, dossiers, historique)
