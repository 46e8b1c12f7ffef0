"""Calling a plugin's hook, checking what it answered or raised, and naming the plugin: used by :class:`~cqpkit.plugins.registry.Registry`.

- :func:`call_hook`: the one place every dossier and session hook is called through; whatever a
  plugin raises there (``SystemExit`` and a ``KeyboardInterrupt`` it raised itself included:
  :func:`~cqpkit.plugins.manager.plugin_raised`) becomes a :class:`HookFailure` naming the plugin,
  the hook, the exception and the line of the plugin's code that raised;
- :class:`HookFailure`: a plugin's hook failed on a dossier or a session (``plugin``, ``hook``,
  ``lieu``, ``exception``, ``dossier``); :class:`HookReturnError`: it answered with the wrong type;
- :func:`failure_constat`: the finding ``extension_en_echec`` a command reports for the dossier;
- ``_answer_ok`` is the cheap per-call check of an answer's type; ``_wrong_return`` says what is
  wrong with one implementation's answer; :func:`_implementer`: the plugin whose code is in an
  exception's traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from itertools import repeat
from typing import TYPE_CHECKING, Any

from cqpkit.exceptions import PluginError
from cqpkit.plugins.manager import exception_text, plugin_raised

if TYPE_CHECKING:  # pragma: no cover
    from cqpkit.model import Constat

__all__ = ["FAILURE_CODE", "HookFailure", "HookReturnError", "call_hook", "failure_constat"]

#: The code of the finding a command reports for a dossier on which a plugin failed (docs/engine.md).
FAILURE_CODE = "extension_en_echec"


class HookFailure(PluginError):
    """A plugin's hook failed: it raised (``exception``: « Type: message ») or answered something unusable.

    ``plugin`` names the plugin (its entry-point name), ``hook`` the hook, ``lieu`` the
    ``fichier:ligne`` of the innermost frame of the plugin's code (``""`` when unknown),
    ``dossier`` the id of the dossier it was called on (``None`` for a session or no dossier).
    The exception the plugin raised, if any, is the ``__cause__``.
    """

    def __init__(self, plugin: str, hook: str, raison: str, *, lieu: str = "", exception: str = "", dossier: str | None = None) -> None:
        self.hook = hook
        self.lieu = lieu
        self.exception = exception
        self.dossier = dossier
        super().__init__(plugin, raison)


class HookReturnError(HookFailure):
    """A plugin's hook returned something of the wrong type (a lone ``Constat``, text…); ``hook`` names it."""

    def __init__(self, plugin: str, hook: str, raison: str) -> None:
        super().__init__(plugin, hook, raison)


def _hook_error(plugin: str, hook: str, exc: BaseException, lieu: str) -> HookFailure:
    """The :class:`HookFailure` of a hook that raised: « extension « P » : erreur dans HOOK : Type: message (levée à fichier:ligne) »."""
    text = exception_text(exc)
    return HookFailure(plugin, hook, f"erreur dans {hook} : {text}{_raised(lieu)}", lieu=lieu, exception=text)


def _raised(lieu: str) -> str:
    return f" (levée à {lieu})" if lieu else ""


def call_hook(hook: Any, hook_name: str, kwargs: dict[str, Any], raised_in: Callable[[str, BaseException], str]) -> Any:
    """``hook(**kwargs)`` (a pluggy caller); what a plugin raises there is a :class:`HookFailure` naming it.

    The plugin is found in the traceback (:func:`_implementer`); when it is not (a decorated
    hook…), each implementation is called again, alone, and the one that raises is named.
    ``raised_in(plugin, exc)`` gives the ``fichier:ligne`` in that plugin's code. A Ctrl-C and
    ``GeneratorExit`` pass through (:func:`~cqpkit.plugins.manager.plugin_raised`); a
    :class:`HookFailure` raised by a nested call (a hook calling the registry) passes as it is.
    """
    try:
        return hook(**kwargs)
    except HookFailure:
        raise
    except BaseException as exc:
        if not plugin_raised(exc):
            raise
        culprit = _implementer(hook, exc)
        if culprit is None:  # not found in the traceback (a decorated hook…): call each again
            culprit = "?"
            for impl in reversed(hook.get_hookimpls()):
                try:
                    impl.function(*[kwargs[a] for a in impl.argnames])
                except BaseException as again:  # the one that raises is named
                    if not plugin_raised(again):
                        raise
                    culprit = impl.plugin_name
                    break
        failure = _hook_error(culprit, hook_name, exc, raised_in(culprit, exc))
        failure.dossier = _dossier_id(kwargs.get("dossier"))
        raise failure from exc


def _dossier_id(dossier: Any) -> str | None:
    info = getattr(dossier, "dossier", None)
    return getattr(info, "id", None)


def failure_constat(failure: HookFailure) -> Constat:
    """The finding ``extension_en_echec`` (erreur) of a dossier on which a plugin failed: the plugin, the hook, where and what.

    ``valeurs`` holds ``extension``, ``crochet``, ``exception`` and ``lieu`` (``""`` when unknown).
    """
    from cqpkit.model import Constat

    return Constat(
        code=FAILURE_CODE,
        niveau="erreur",
        message=(
            f"extension « {failure.plugin} » en échec : {failure.raison} ; ce dossier n'a pas pu être évalué "
            "entièrement (décision, constats ou financement non établis)"
        ),
        regle="extension",
        valeurs={"extension": failure.plugin, "crochet": failure.hook, "exception": failure.exception, "lieu": failure.lieu},
    )


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
    for part in result:  # (plain loops and ``map``: this runs on every finding of every dossier)
        if part is not None and not (isinstance(part, (list, tuple)) and all(map(isinstance, part, repeat(cls)))):
            return False
    return True


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
