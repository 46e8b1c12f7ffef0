"""Checking what a plugin's hook answered or raised, and naming the plugin: used by :class:`~cqpkit.plugins.registry.Registry`.

- :class:`HookReturnError`: a hook answered with the wrong type (``_answer_ok`` is the cheap
  per-call check; ``_wrong_return`` says what is wrong with one implementation's answer);
- :func:`_hook_error`: the French :class:`~cqpkit.exceptions.PluginError` of a hook that raised;
- :func:`_implementer`: the plugin whose code is in an exception's traceback.
"""

from __future__ import annotations

import functools
from typing import Any

from cqpkit.exceptions import PluginError
from cqpkit.plugins.manager import exception_text

__all__ = ["HookReturnError"]


class HookReturnError(PluginError):
    """A plugin's hook returned something of the wrong type (a lone ``Constat``, text…); ``hook`` names it."""

    def __init__(self, plugin: str, hook: str, raison: str) -> None:
        self.hook = hook
        super().__init__(plugin, raison)


def _hook_error(plugin: str, hook: str, exc: BaseException, lieu: str) -> PluginError:
    """The :class:`PluginError` of a hook that raised: « extension « P » : erreur dans HOOK : Type: message (levée à fichier:ligne) ».

    It carries ``hook`` (the hook's name) and ``lieu`` (``fichier:ligne`` of the innermost
    frame in the plugin's code, ``""`` when unknown); the exception is its ``__cause__``.
    """
    error = PluginError(plugin, f"erreur dans {hook} : {exception_text(exc)}{_raised(lieu)}")
    error.hook = hook  # type: ignore[attr-defined]
    error.lieu = lieu  # type: ignore[attr-defined]
    return error


def _raised(lieu: str) -> str:
    return f" (levée à {lieu})" if lieu else ""


#: What each dossier hook returns: (a list of) this class, and how to say it in French.
_RETURNS = {
    "cqpkit_check_dossier": ("Constat", True),
    "cqpkit_check_session": ("Constat", True),
    "cqpkit_funding": ("LigneFinancement", True),
    "cqpkit_decide": ("Resultat", False),
    "cqpkit_plan_parcours": ("Parcours", False),
}


@functools.cache
def _expected(hook_name: str) -> tuple[type, bool]:
    """The class a hook answers with, and whether it answers with a list of them (the model imported once)."""
    import cqpkit.model as model

    cls_name, many = _RETURNS[hook_name]
    return getattr(model, cls_name), many


def _answer_ok(hook_name: str, result: Any) -> bool:
    """Whether pluggy's ``result`` for ``hook_name`` has the right types (the per-call check: no message built)."""
    cls, many = _expected(hook_name)
    if not many:
        return result is None or isinstance(result, cls)
    return all(part is None or (isinstance(part, (list, tuple)) and all(isinstance(x, cls) for x in part)) for part in result)


def _wrong_return(hook_name: str, value: Any) -> str | None:
    """What is wrong with ``value`` as the answer of one implementation of ``hook_name`` (``None``: nothing)."""
    cls_name = _RETURNS[hook_name][0]
    cls, many = _expected(hook_name)
    if value is None:
        return None
    if not many:
        return None if isinstance(value, cls) else f"{hook_name} renvoie {_short(value)} au lieu d'un {cls_name} (ou None)"
    if isinstance(value, cls):
        return (
            f"{hook_name} renvoie un {cls_name} seul au lieu d'une liste de {cls_name} : "
            f"`return [{cls_name.lower()}]` (ou None)"
        )
    if isinstance(value, (list, tuple)) and all(isinstance(x, cls) for x in value):
        return None
    return f"{hook_name} renvoie {_short(value)} au lieu d'une liste de {cls_name} (ou None)"


def _implementer(hook: Any, exc: BaseException) -> str | None:
    """The plugin whose hook implementation is in ``exc``'s traceback (the one pluggy called), if one alone has that code."""
    owners: dict[Any, set[str]] = {}
    for impl in hook.get_hookimpls():
        code = getattr(getattr(impl.function, "__func__", impl.function), "__code__", None)
        if code is not None:
            owners.setdefault(code, set()).add(impl.plugin_name)
    tb = exc.__traceback__
    while tb is not None:
        names = owners.get(tb.tb_frame.f_code)
        if names:
            return next(iter(names)) if len(names) == 1 else None
        tb = tb.tb_next
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 160 else text[:157] + "…"
