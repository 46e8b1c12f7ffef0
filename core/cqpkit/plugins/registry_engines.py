"""The registry's engine calls: each dossier engine through the hooks of the plugin that supplied its référentiel.

Part of :class:`cqpkit.plugins.registry.Registry` (see that module's docstring for the routing of the hooks):
:class:`RegistryEngines` adds ``check``, ``decide``, ``funding``, ``plan``, ``explain`` and the session checks to
the queries of :class:`~cqpkit.plugins.registry_entries.RegistryCatalogue`; the checks of the hooks' answers are
in :mod:`cqpkit.plugins.hookcalls`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from cqpkit.exceptions import CqpkitError
from cqpkit.plugins.hookcalls import (
    HookFailure,
    HookReturnError,
    _answer_ok,
    _dossier_id,
    _wrong_return,
    call_hook,
)
from cqpkit.plugins.registry_entries import RegistryCatalogue

if TYPE_CHECKING:  # pragma: no cover
    import datetime as dt
    from collections.abc import Sequence

    from cqpkit.model import (
        Constat,
        Dossier,
        LigneFinancement,
        Parcours,
        Referentiel,
        Resultat,
        SessionJury,
    )

__all__ = ["BUILTIN_CHECK_CODES", "Bilan", "Explication", "RegistryEngines"]


#: The finding codes each builtin rule family's ``cqpkit_check_dossier`` can give (:meth:`Registry.check_codes`).
BUILTIN_CHECK_CODES: dict[str, frozenset[str]] = {
    "cqpkit.plugins.default_premier_passage": frozenset({"premier_passage_hors_delai"}),
    "cqpkit.plugins.default_evaluateurs": frozenset(
        {"evaluateurs_nombre", "evaluateurs_non_distincts", "evaluateur_role_requis", "evaluateur_role_non_admis", "evaluateur_role_exclu"}
    ),
    "cqpkit.plugins.default_tutorat": frozenset(
        {"tuteur_experience", "tuteur_n_plus_1", "tuteur_charge_recommandee", "tuteur_charge_max", "tuteur_forme_apres", "tuteur_delai_formation"}
    ),
    "cqpkit.plugins.default_vae": frozenset({"vae_experience", "vae_document_manquant"}),
    "cqpkit.plugins.default_conditions_passage": frozenset({"passage_evaluation_finale", "passage_activites", "passage_modules_obligatoires"}),
    "cqpkit.plugins.default_formation": frozenset({"heures_formation", "organisme_non_agree"}),
    "cqpkit.plugins.default_vigueur": frozenset({"version_hors_vigueur"}),
    "cqpkit.plugins.default_regles": frozenset(),  # its référentiel's [[regles]] ids: decided per référentiel
    "cqpkit.plugins.default_funding": frozenset({"bareme_inconnu", "financement_en_attente"}),
}


#: What the engines call on every dossier from the layers below that a light start (``cqpkit list``) does not load:
#: imported at the first call, kept here (an import statement per dossier costs about a microsecond).
_LAZY: dict[str, Any] = {}


def _import_engines() -> None:
    from cqpkit.formats.dossiers import require_valid_dossier
    from cqpkit.rules.checks import sort_constats

    _LAZY.update(require_valid_dossier=require_valid_dossier, sort_constats=sort_constats)


class RegistryEngines(RegistryCatalogue):
    """The engines applied to dossiers and sessions, through the registry's routed hook callers."""

    validate_dossiers: bool
    _callers: dict[tuple[str, str], Any]
    _code_callers: dict[tuple[str, frozenset[str], bool], Any]

    # -- engines -----------------------------------------------------------------------
    def referentiel_for(self, dossier: Dossier) -> Referentiel:
        """The référentiel a dossier names (its certification and version)."""
        return self._served(dossier)[0]

    def _served(self, dossier: Dossier) -> tuple[Referentiel, str]:
        """The référentiel a dossier names, and the plugin that supplied it."""
        try:
            info = dossier.dossier
        except AttributeError:
            raise _not_a(dossier, "Dossier", "dossier") from None
        key = (info.certification, info.version)
        served = self._memo.get(key)
        if served is None:
            entry = self._pick(info.certification, info.version, None)
            served = self._memo[key] = (self._load(entry), entry.plugin)
        return served

    def _valid(self, dossier: Dossier) -> Referentiel:
        """The dossier's référentiel, once the dossier is known valid against it (as its file would be).

        A ``Dossier`` built in Python that :func:`cqpkit.formats.dossiers.validate_dossier` finds
        invalid raises :class:`InvalidFileError` (every error, with its key path) before any plugin
        runs; one read from a file with this registry is not checked twice. Only when
        :attr:`validate_dossiers` is true (the default; the conformance suite turns it off for its
        generated dossiers, on which the engines must still answer).
        """
        ref = self.referentiel_for(dossier)
        if self.validate_dossiers:
            if not _LAZY:
                _import_engines()
            _LAZY["require_valid_dossier"](dossier, ref)
        return ref

    def hook_caller(self, hook_name: str, plugin: str) -> Any:
        """The pluggy caller of ``hook_name`` the registry uses for a référentiel supplied by ``plugin``.

        It reaches ``plugin`` and the builtin plugins only (minus those ``plugin`` blocks);
        ``get_hookimpls()`` lists them. For tests and tools: the engines call it themselves.
        """
        return self._route(hook_name, plugin)

    def _route(self, hook_name: str, plugin: str) -> Any:
        """The caller of ``hook_name`` that reaches ``plugin`` (the référentiel's supplier) and the builtins only.

        The builtins ``plugin`` blocks (``CQPKIT_BLOCKS``) are left out. One caller per hook and
        plugin, kept: pluggy's subset caller reads the current implementations at each call.
        """
        key = (hook_name, plugin)
        caller = self._callers.get(key)
        if caller is None:
            pm, sources = self._plugins.pm, self._plugins.sources
            blocked = self._blocks.get(plugin, frozenset())
            remove = [
                obj
                for name, obj in pm.list_name_plugin()
                if obj is not None
                and (name in blocked or (name != plugin and not (name in sources and sources[name].builtin)))
            ]
            caller = self._callers[key] = pm.subset_hook_caller(hook_name, remove_plugins=remove)
        return caller

    def _call(self, hook_name: str, plugin: str, **kwargs: Any) -> Any:
        """Call a hook for a référentiel of ``plugin``; an exception, or an answer of the wrong type, is a :class:`HookFailure` naming the plugin."""
        hook = self._route(hook_name, plugin)
        result = call_hook(hook, hook_name, kwargs, self._raised_in)
        if not _answer_ok(hook_name, result):
            self._wrong_answer(hook_name, hook, kwargs)
        return result

    def _wrong_answer(self, hook_name: str, hook: Any, kwargs: dict[str, Any]) -> None:
        """Find the implementation whose answer has the wrong type (calls each again) and raise naming its plugin."""
        error = HookReturnError("?", hook_name, f"{hook_name} renvoie une valeur du mauvais type")
        for impl in reversed(hook.get_hookimpls()):
            problem = _wrong_return(hook_name, impl.function(*[kwargs[a] for a in impl.argnames]))
            if problem is not None:
                error = HookReturnError(impl.plugin_name, hook_name, problem)
                break
        error.dossier = _dossier_id(kwargs.get("dossier"))
        raise error

    @staticmethod
    def _today(as_of: dt.date | None) -> dt.date:
        """``as_of``, checked (a text or a datetime is refused before any plugin runs), or today."""
        import datetime

        if as_of is None:
            return datetime.date.today()
        if type(as_of) is datetime.date:  # the usual case, without the import below (per dossier in batch runs)
            return as_of
        from cqpkit.rules.asof import as_of_day

        return as_of_day(as_of)

    def check(self, dossier: Dossier, as_of: dt.date | None = None, *, resultat: Resultat | None = None) -> list[Constat]:
        """Every finding on a dossier as of a date (default: today), sorted by path then code.

        The findings of every plugin's ``cqpkit_check_dossier`` and those of the decision
        (``Resultat.constats``, e.g. a passage after the certification), each once: an
        operator who checks a dossier misses nothing that ``decide`` would report.
        ``resultat``: the decision already computed for the same dossier and date (else
        it is computed here).
        """
        day, ref, plugin, resultat = self._decided(dossier, as_of, resultat)
        return self._checked(ref, plugin, dossier, day, resultat, None)

    def check_codes(
        self, dossier: Dossier, codes: Iterable[str], as_of: dt.date | None = None, *, resultat: Resultat | None = None
    ) -> list[Constat]:
        """The findings of :meth:`check` whose code is one of ``codes`` (the same findings, each once, sorted).

        For callers that count a few codes on many dossiers (stored results): the builtin rule families that
        cannot give any of ``codes`` (:data:`BUILTIN_CHECK_CODES`; ``default_regles`` gives its référentiel's
        ``[[regles]]`` ids) are not called; every other plugin is, its findings filtered.
        """
        wanted = frozenset(codes)
        day, ref, plugin, resultat = self._decided(dossier, as_of, resultat)
        return self._checked(ref, plugin, dossier, day, resultat, wanted)

    def assess(
        self, dossier: Dossier, as_of: dt.date | None = None, *, codes: Iterable[str] | None = None, resultat: Resultat | None = None
    ) -> Bilan:
        """:meth:`decide`, :meth:`check` (:meth:`check_codes` with ``codes``) and :meth:`funding` of a dossier in one pass.

        The same answers as the three calls (the findings and the lines read that decision), for a caller that
        wants all three at many dates (stored results): the dossier is checked against its référentiel and routed
        once, decided once, and the funding engine's work is shared by its findings and its lines (the builtin
        ``default_funding`` computes its report once for both hooks). ``resultat``: the decision already computed for
        the same dossier and date (else it is computed here).
        """
        wanted = None if codes is None else frozenset(codes)
        day, ref, plugin, resultat = self._decided(dossier, as_of, resultat)
        constats = self._checked(ref, plugin, dossier, day, resultat, wanted)
        return Bilan(day, resultat, constats, self._funded(ref, plugin, dossier, day, resultat))

    def _decided(
        self, dossier: Dossier, as_of: dt.date | None, resultat: Resultat | None
    ) -> tuple[dt.date, Referentiel, str, Resultat]:
        """The day, the dossier's référentiel and its plugin (the dossier checked valid), and its decision that day
        (``resultat`` when the caller has it): what every engine call on a dossier starts from."""
        day = self._today(as_of)
        ref, plugin = self._served(dossier)
        if self.validate_dossiers:  # (self._valid, inline: this runs on every dossier of a batch)
            if not _LAZY:
                _import_engines()
            _LAZY["require_valid_dossier"](dossier, ref)
        if resultat is None:
            resultat = self._answer("cqpkit_decide", plugin, referentiel=ref, dossier=dossier, date=day)
        return day, ref, plugin, resultat

    def _checked(
        self, ref: Referentiel, plugin: str, dossier: Dossier, day: dt.date, resultat: Resultat, wanted: frozenset[str] | None
    ) -> list[Constat]:
        """The findings of every ``cqpkit_check_dossier`` and of the decision, each once, sorted (only ``wanted`` codes, when given)."""
        kwargs = {"referentiel": ref, "dossier": dossier, "date": day, "resultat": resultat}
        hook = self._route("cqpkit_check_dossier", plugin) if wanted is None else self._code_caller(ref, plugin, wanted)
        parts = call_hook(hook, "cqpkit_check_dossier", kwargs, self._raised_in)
        if not _answer_ok("cqpkit_check_dossier", parts):
            self._wrong_answer("cqpkit_check_dossier", hook, kwargs)
        if not _LAZY:
            _import_engines()
        sort_constats = _LAZY["sort_constats"]
        found: dict[tuple[str, str, str], Constat] = {}
        for c in [c for part in parts if part for c in part] + list(resultat.constats or ()):
            if wanted is None or c.code in wanted:
                found.setdefault((c.code, c.chemin, c.message), c)
        return sort_constats(found.values())

    def _code_caller(self, ref: Referentiel, plugin: str, wanted: frozenset[str]) -> Any:
        """The caller of ``cqpkit_check_dossier`` for ``plugin`` without the builtin families that cannot give ``wanted`` (kept)."""
        key = (plugin, wanted, wanted.isdisjoint(r.id for r in ref.regles))
        hook = self._code_callers.get(key)
        if hook is None:
            regles = "cqpkit.plugins.default_regles"  # its codes are the référentiel's [[regles]] ids: key[2] says
            skip = {name for name, given in BUILTIN_CHECK_CODES.items() if name != regles and wanted.isdisjoint(given)}
            if key[2]:
                skip.add(regles)
            sources = self._plugins.sources
            skip = {name for name in skip if name in sources and sources[name].builtin}
            keep = {impl.plugin_name for impl in self._route("cqpkit_check_dossier", plugin).get_hookimpls()} - skip
            remove = [obj for name, obj in self._plugins.pm.list_name_plugin() if obj is not None and name not in keep]
            hook = self._code_callers[key] = self._plugins.pm.subset_hook_caller("cqpkit_check_dossier", remove_plugins=remove)
        return hook

    def _funded(self, ref: Referentiel, plugin: str, dossier: Dossier, day: dt.date, resultat: Resultat) -> list[LigneFinancement]:
        """The lines of every ``cqpkit_funding``, in the order of the plugins' answers."""
        parts = self._call("cqpkit_funding", plugin, referentiel=ref, dossier=dossier, date=day, resultat=resultat)
        return [line for part in parts if part for line in part]

    def check_session(
        self, session: SessionJury, dossiers: Sequence[Dossier] = (), historique: Sequence[SessionJury] = ()
    ) -> list[Constat]:
        """The findings on a jury session, for each certification it covers (each finding once).

        The hooks are called once per certification the session covers, with that
        certification's référentiel and *every* dossier presented (so that a dossier of a
        certification the session does not cover can be found); a finding that several
        calls return (the session's composition) is kept once.
        """
        from cqpkit.model import Dossier, SessionJury
        from cqpkit.rules.checks import sort_constats

        if not isinstance(session, SessionJury):
            raise _not_a(session, "SessionJury", "session")
        dossiers, historique = list(dossiers), list(historique)
        for name, items, cls in (("dossiers", dossiers, Dossier), ("historique", historique, SessionJury)):
            wrong = next(((i, x) for i, x in enumerate(items) if not isinstance(x, cls)), None)
            if wrong is not None:
                raise _not_a(wrong[1], cls.__name__, f"{name}[{wrong[0]}]")
        found: dict[tuple[str, str, str], Constat] = {}
        for cid in session.session.certifications:
            own = [d for d in dossiers if d.dossier.certification == cid]
            if own:
                ref, plugin = self._served(own[0])
            else:
                entry = self._pick(cid, None, session.session.date)
                ref, plugin = self._load(entry), entry.plugin
            parts = self._call(
                "cqpkit_check_session", plugin, referentiel=ref, session=session, dossiers=list(dossiers), historique=list(historique)
            )
            for c in (c for part in parts if part for c in part):
                found.setdefault((c.code, c.chemin, c.message), c)
        return sort_constats(found.values())

    def plan(self, dossier: Dossier, as_of: dt.date | None = None) -> Parcours:
        """The individualised parcours after the positionnement (the first plugin to answer wins)."""
        day = self._today(as_of)
        self._valid(dossier)
        ref, plugin = self._served(dossier)
        parcours: Parcours = self._answer("cqpkit_plan_parcours", plugin, referentiel=ref, dossier=dossier, date=day)
        return parcours

    def decide(self, dossier: Dossier, as_of: dt.date | None = None) -> Resultat:
        """The result of a dossier as of a date (the first plugin to answer wins; the generic engine last)."""
        return self._decided(dossier, as_of, None)[3]

    def _answer(self, hook_name: str, plugin: str, **kwargs: Any) -> Any:
        """The answer of a ``firstresult`` hook; none at all (its builtin blocked, no plugin answering) is a PluginError."""
        result = self._call(hook_name, plugin, **kwargs)
        if result is None:
            builtin = "default_decision" if hook_name == "cqpkit_decide" else "default_orientation"
            raise HookFailure(
                plugin,
                hook_name,
                f"aucune réponse à {hook_name} pour « {kwargs['referentiel'].id} » : l'extension intégrée « {builtin} » "
                "est bloquée et aucune extension ne répond",
                dossier=_dossier_id(kwargs.get("dossier")),
            )
        return result

    def funding(
        self, dossier: Dossier, as_of: dt.date | None = None, *, resultat: Resultat | None = None
    ) -> list[LigneFinancement]:
        """Every funding and reward line of every plugin, each at the barème of its event's date.

        ``as_of`` (default: today) decides what is known: events after it give no line.
        The lines due on certification follow ``decide`` (every plugin's decision, through
        this registry); ``resultat``: that decision, when already computed.
        """
        day, ref, plugin, resultat = self._decided(dossier, as_of, resultat)
        return self._funded(ref, plugin, dossier, day, resultat)

    def explain(self, dossier: Dossier, as_of: dt.date | None = None) -> Explication:
        """Everything about a dossier with the rule, values and source of each item (for ``cqpkit explain``).

        The dossier is decided once; the findings and the funding lines read that decision.
        """
        bilan = self.assess(dossier, as_of)
        return Explication(dossier=dossier.id, date=bilan.date, constats=bilan.constats, resultat=bilan.resultat, financement=bilan.financement)

    def document_template(self, kind: str, referentiels: Iterable[tuple[str, str]]) -> str | None:
        """The template file a plugin gives for a document of ``kind`` about these référentiels (``None``: cqpkit's own).

        Asked of the plugin that supplies the référentiels (hook ``cqpkit_document_template``, routed as the
        dossier hooks are); a document about référentiels of several plugins keeps cqpkit's template. An
        answer that is not an existing ``.typ`` file is a :class:`HookReturnError` naming the plugin.
        """
        entries = [self._pick(cid, version, None) for cid, version in referentiels]
        if not entries or len({e.plugin for e in entries}) != 1:
            return None
        plugin = entries[0].plugin
        hook = self._route("cqpkit_document_template", plugin)
        answer = call_hook(hook, "cqpkit_document_template", {"referentiel": self._load(entries[0]), "kind": kind}, self._raised_in)
        if answer is None:
            return None
        path = os.fspath(answer) if isinstance(answer, (str, os.PathLike)) else None
        if path is None or not path.endswith(".typ") or not os.path.isfile(path):
            raise HookReturnError(
                plugin, "cqpkit_document_template",
                f"cqpkit_document_template renvoie {answer!r} au lieu du chemin d'un fichier .typ existant (ou None)",
            )
        return path


class Bilan(NamedTuple):
    """What :meth:`RegistryEngines.assess` returns: a dossier's decision, findings and funding lines as of a date."""

    date: dt.date
    resultat: Resultat
    constats: list[Constat]
    financement: list[LigneFinancement]


class Explication(NamedTuple):
    """What ``explain`` returns: findings, result and funding lines of one dossier as of a date."""

    dossier: str
    date: Any
    constats: list[Any]
    resultat: Any
    financement: list[Any]


def _not_a(value: Any, expected: str, argument: str) -> CqpkitError:
    """The :class:`InvalidArgumentError` of an engine called with something that is not a model object."""
    from cqpkit.exceptions import InvalidArgumentError

    hint = " (un fichier se lit avec cqpkit.formats.dossiers.load_dossier / load_session)" if isinstance(value, (str, dict)) else ""
    return InvalidArgumentError(f"{argument} : un {expected} (cqpkit.model) est attendu, pas {type(value).__name__}{hint}")

