"""Builtin plugin: the generic decision of a dossier, :func:`cqpkit.rules.decision.decide`.

``trylast``: any plugin's ``cqpkit_decide`` answers before it (``firstresult``). Blocked by name, the
registry has no decision to give: every command that decides fails with a message naming the hook.
"""

from __future__ import annotations

from typing import Any

from cqpkit.hookspecs import hookimpl

_engine: list[Any] = []  # the engine, imported at the first call (an import statement per dossier costs a microsecond)


@hookimpl(trylast=True)
def cqpkit_decide(referentiel: Any, dossier: Any, date: Any) -> Any:
    if not _engine:
        from cqpkit.rules.decision import decide

        _engine.append(decide)
    return _engine[0](referentiel, dossier, date)
