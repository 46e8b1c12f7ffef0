"""The ``Registry`` facade: what the rest of cqpkit (CLI, services, applications) calls.

``cqpkit.load_registry()`` builds the plugin manager, asks every plugin for its
référentiels (``cqpkit_referentiels``) and validates each contribution. Problems never
stop the others: a plugin that fails to import, raises, or sends an invalid référentiel
is listed in :attr:`Registry.failures` by name with the reason (French, with every error
of the file), and the remaining certifications load. Two contributions with the same
certification id and version are an error naming both plugins; that version is then
unavailable until one of them is removed.

Référentiel files are validated at load time (through :mod:`cqpkit.plugins.cache`, so
an unchanged file is not re-validated) and fully loaded into the model on first use.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from cqpkit.exceptions import (
    CqpkitError,
    DuplicateReferentielError,
    InvalidFileError,
    PluginError,
    UnknownCertificationError,
)
from cqpkit.plugins.manager import (
    PluginFailure,
    PluginSet,
    PluginSource,
    code_root,
    exception_text,
    make_plugin_manager,
    raised_at,
)

if TYPE_CHECKING:  # pragma: no cover
    import datetime as dt
    from collections.abc import Sequence

    from cqpkit.model import (
        Certification,
        Constat,
        Dossier,
        LigneFinancement,
        Parcours,
        Referentiel,
        Resultat,
        SessionJury,
    )

__all__ = ["Explication", "HookReturnError", "Registry", "Resume", "load_registry"]


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


class Resume(NamedTuple):
    """A registered référentiel, summarised (what ``cqpkit list`` shows)."""

    id: str
    version: str
    intitule: str
    branche: str
    domaines: int
    unites: dict[str, int]
    unites_libelle: str
    complet: bool
    en_vigueur_depuis: str | None
    en_vigueur_jusqua: str | None
    plugin: str
    fichier: str | None

    def to_json(self) -> dict[str, Any]:
        return self._asdict()


def _summary(ref: Referentiel) -> dict[str, Any]:
    from cqpkit.labels import unites_domaines

    c = ref.certification
    counts = {"domaine": 0, "bloc": 0, "transverse": 0}
    for d in ref.domaines:
        counts[d.type] += 1
    return {
        "id": c.id,
        "version": c.version,
        "intitule": c.intitule,
        "branche": c.branche,
        "domaines": len(ref.domaines),
        "unites": counts,
        "unites_libelle": unites_domaines(counts),
        "complet": c.complet,
        "en_vigueur_depuis": c.en_vigueur_depuis.isoformat() if c.en_vigueur_depuis else None,
        "en_vigueur_jusqua": c.en_vigueur_jusqua.isoformat() if c.en_vigueur_jusqua else None,
    }


_SUMMARY_KEYS = frozenset(Resume._fields) - {"plugin", "fichier"}


class _Entry:
    __slots__ = ("fichier", "plugin", "ref", "resume")

    def __init__(self, plugin: str, fichier: str | None, summary: dict, ref: Referentiel | None) -> None:
        self.plugin = plugin
        self.fichier = fichier
        self.resume = Resume(**summary, plugin=plugin, fichier=fichier)
        self.ref = ref


class Registry:
    """The certifications the installed plugins supply, and (later) the engines applied to dossiers."""

    #: Whether the engines validate a dossier built in Python as a file before answering (:meth:`_valid`).
    validate_dossiers: bool = False

    def __init__(self, plugins: PluginSet, *, cache: bool = True) -> None:
        self._plugins = plugins
        self.failures: list[PluginFailure] = list(plugins.failures)
        self._entries: list[_Entry] = []
        self._duplicates: dict[tuple[str, str], list[str]] = {}
        self._memo: dict[tuple[str, str], Referentiel] = {}
        self._collect(cache)

    # -- loading ---------------------------------------------------------------------
    def _collect(self, use_cache: bool) -> None:
        contributions: list[tuple[str, object]] = []
        pm = self._plugins.pm
        implementers = {impl.plugin_name for impl in pm.hook.cqpkit_referentiels.get_hookimpls()}
        names = [n for n in self._plugins.sources if n in implementers]
        for name in names:
            # One call per plugin, still through pluggy (tracing, wrappers), so that a
            # plugin that raises is named and the others are still asked.
            others = [pm.get_plugin(n) for n in names if n != name]
            caller = pm.subset_hook_caller("cqpkit_referentiels", remove_plugins=others)
            sent: list[tuple[str, object]] = []

            def register(item: object, _sent: list = sent, _name: str = name) -> None:
                _sent.append((_name, item))

            try:
                caller(register=register)
            except Exception as exc:  # third-party code
                lieu = self._raised_in(name, exc)
                self.failures.append(
                    PluginFailure(name, f"erreur dans cqpkit_referentiels : {exception_text(exc)}{_raised(lieu)}")
                )
                continue
            contributions.extend(sent)

        from cqpkit.plugins.cache import ValidationCache

        cache = ValidationCache() if use_cache else None
        by_key: dict[tuple[str, str], _Entry] = {}
        for plugin, item in contributions:
            entry = self._validate(plugin, item, cache)
            if entry is None:
                continue
            key = (entry.resume.id, entry.resume.version)
            first = by_key.get(key)
            if first is not None:
                who = self._duplicates.setdefault(key, [_where(first)])
                who.append(_where(entry))
                self.failures.append(
                    PluginFailure(
                        entry.plugin,
                        f"la certification « {key[0]} » version « {key[1]} » est fournie deux fois : "
                        + " et ".join(who)
                        + " ; cette version est ignorée",
                    )
                )
                continue
            by_key[key] = entry
        if cache is not None:
            cache.save()
        self._entries = [e for k, e in by_key.items() if k not in self._duplicates]
        self._entries.sort(key=lambda e: (e.resume.id, e.resume.version))

    def _validate(self, plugin: str, item: object, cache: Any) -> _Entry | None:
        if isinstance(item, (str, os.PathLike)):
            path = os.fspath(item)
            try:
                with open(path, "rb") as fh:
                    stat = os.fstat(fh.fileno())
                    content = fh.read()
            except FileNotFoundError:
                self.failures.append(
                    PluginFailure(
                        plugin,
                        f"{path} : fichier introuvable : cqpkit_referentiels l'enregistre mais il n'existe pas (nom mal "
                        "écrit ? fichier absent des données du paquet installé ?)",
                    )
                )
                return None
            except IsADirectoryError:
                self.failures.append(
                    PluginFailure(
                        plugin,
                        f"{path} : c'est un répertoire : register() attend un fichier de référentiel ; enregistrez "
                        "chacun de ses fichiers .toml",
                    )
                )
                return None
            except PermissionError:
                self.failures.append(PluginFailure(plugin, f"{path} : lecture refusée (droits du fichier)"))
                return None
            except OSError as exc:
                self.failures.append(PluginFailure(plugin, f"{path} : fichier illisible ({exc.strerror or exc})"))
                return None
            digest = cache.digest(content, stat) if cache is not None else ""
            summary = cache.get(os.path.abspath(path), digest) if cache is not None else None
            # A summary cached by a cqpkit whose list had other keys is recomputed.
            if summary is not None and set(summary) == _SUMMARY_KEYS:
                return _Entry(plugin, path, summary, None)
            from cqpkit.formats.referentiels import load_referentiel

            try:
                ref = load_referentiel(path)
            except CqpkitError as exc:
                self.failures.append(PluginFailure(plugin, f"référentiel invalide\n{exc}"))
                return None
            summary = _summary(ref)
            if cache is not None:
                cache.put(os.path.abspath(path), digest, summary)
            return _Entry(plugin, path, summary, ref)

        from cqpkit.formats.referentiels import validate_referentiel
        from cqpkit.model import Referentiel

        if not isinstance(item, Referentiel):
            self.failures.append(
                PluginFailure(plugin, f"register() attend un chemin de fichier ou un Referentiel, pas {type(item).__name__}")
            )
            return None
        erreurs = validate_referentiel(item, f"<{plugin}>")
        if erreurs:
            self.failures.append(PluginFailure(plugin, "référentiel invalide\n" + "\n".join(map(str, erreurs))))
            return None
        return _Entry(plugin, None, _summary(item), item)

    # -- queries ---------------------------------------------------------------------
    def resumes(self) -> list[Resume]:
        """Every valid registered référentiel, sorted by certification id and version (no full load)."""
        return [e.resume for e in self._entries]

    def plugins(self) -> list[PluginSource]:
        """The loaded plugins, builtin first, in load order."""
        return list(self._plugins.sources.values())

    def hooks_of(self, plugin: str) -> list[str]:
        """The hooks a plugin implements."""
        obj = self._plugins.pm.get_plugin(plugin)
        if obj is None:
            return []
        return sorted(h.name for h in self._plugins.pm.get_hookcallers(obj) or [])

    def files_of(self, plugin: str) -> list[str]:
        """The référentiel files a plugin registered (valid ones)."""
        return [e.fichier for e in self._entries if e.plugin == plugin and e.fichier]

    def certifications(self) -> list[Certification]:
        """The ``Certification`` of every registered référentiel (one per id and version)."""
        return [self._load(e).certification for e in self._entries]

    def versions(self, certification_id: str) -> list[Resume]:
        """The registered versions of one certification."""
        return [e.resume for e in self._entries if e.resume.id == certification_id]

    def referentiel(self, certification_id: str, version: str | None = None, as_of: dt.date | None = None) -> Referentiel:
        """The référentiel of a certification: the given ``version``, or the one in force ``as_of``.

        With neither, the most recent version (latest ``en_vigueur_depuis``, then highest
        version label). Raises :class:`UnknownCertificationError` with a French message
        listing what exists.
        """
        return self._load(self._pick(certification_id, version, as_of))

    def plugin_of(self, certification_id: str, version: str | None = None) -> str:
        """The plugin that supplies this certification (version)."""
        return self._pick(certification_id, version, None).plugin

    def _pick(self, cid: str, version: str | None, as_of: dt.date | None) -> _Entry:
        if as_of is not None:
            from cqpkit.rules.asof import as_of_day

            as_of = as_of_day(as_of)
        candidates = [e for e in self._entries if e.resume.id == cid]
        if not candidates:
            dup = [k for k in self._duplicates if k[0] == cid and (version is None or k[1] == version)]
            if dup:
                raise DuplicateReferentielError(
                    f"certification « {cid} » version « {dup[0][1]} » fournie deux fois : {' et '.join(self._duplicates[dup[0]])}"
                )
            known = ", ".join(sorted({e.resume.id for e in self._entries})) or "aucune"
            raise UnknownCertificationError(f"certification « {cid} » inconnue (certifications disponibles : {known})")
        if version is not None:
            for e in candidates:
                if e.resume.version == version:
                    return e
            if (cid, version) in self._duplicates:
                raise DuplicateReferentielError(
                    f"certification « {cid} » version « {version} » fournie deux fois : {' et '.join(self._duplicates[(cid, version)])}"
                )
            raise UnknownCertificationError(
                f"version « {version} » inconnue pour « {cid} » (versions disponibles : {_versions(candidates)})"
            )
        if as_of is not None:
            iso = as_of.isoformat()
            in_force = [
                e
                for e in candidates
                if (e.resume.en_vigueur_depuis or "") <= iso
                and (e.resume.en_vigueur_jusqua is None or iso <= e.resume.en_vigueur_jusqua)
            ]
            if not in_force:
                raise UnknownCertificationError(
                    f"aucune version de « {cid} » en vigueur le {as_of.strftime('%d/%m/%Y')} (versions : {_versions(candidates)})"
                )
            candidates = in_force
        return max(candidates, key=lambda e: (e.resume.en_vigueur_depuis or "", _version_key(e.resume.version)))

    def _load(self, entry: _Entry) -> Referentiel:
        if entry.ref is None:
            from cqpkit.formats.referentiels import load_referentiel

            try:
                entry.ref = load_referentiel(entry.fichier)  # type: ignore[arg-type]
            except InvalidFileError:
                raise  # the file changed since it was validated
        return entry.ref


    # -- engines -----------------------------------------------------------------------
    def referentiel_for(self, dossier: Dossier) -> Referentiel:
        """The référentiel a dossier names (its certification and version)."""
        try:
            info = dossier.dossier
        except AttributeError:
            raise _not_a(dossier, "Dossier", "dossier") from None
        key = (info.certification, info.version)
        ref = self._memo.get(key)
        if ref is None:
            ref = self._memo[key] = self.referentiel(info.certification, version=info.version)
        return ref

    def _valid(self, dossier: Dossier) -> Referentiel:
        """The dossier's référentiel, once the dossier is known valid against it (as its file would be).

        A ``Dossier`` built in Python that :func:`cqpkit.formats.dossiers.validate_dossier` finds
        invalid raises :class:`InvalidFileError` (every error, with its key path) before any plugin
        runs; one read from a file with this registry is not checked twice. Only when
        :attr:`validate_dossiers` is true (off by default for now: the conformance suite's generated
        dossiers include some that a file's cross-checks refuse, on which the engines must still answer).
        """
        ref = self.referentiel_for(dossier)
        if self.validate_dossiers:
            from cqpkit.formats.dossiers import require_valid_dossier

            require_valid_dossier(dossier, ref)
        return ref

    def _call(self, hook_name: str, **kwargs: Any) -> Any:
        """Call a hook; an exception, or an answer of the wrong type, is a PluginError naming the plugin."""
        hook = getattr(self._plugins.pm.hook, hook_name)
        try:
            result = hook(**kwargs)
        except Exception as exc:
            culprit = _implementer(hook, exc)
            if culprit is None:  # not found in the traceback (a decorated hook…): call each again
                culprit = "?"
                for impl in reversed(hook.get_hookimpls()):
                    try:
                        impl.function(*[kwargs[a] for a in impl.argnames])
                    except Exception:  # the one that raises is named
                        culprit = impl.plugin_name
                        break
            raise _hook_error(culprit, hook_name, exc, self._raised_in(culprit, exc)) from exc
        if not _answer_ok(hook_name, result):
            self._wrong_answer(hook_name, hook, kwargs)
        return result

    def _raised_in(self, plugin: str, exc: BaseException) -> str:
        """``file:line`` of the innermost frame of ``exc``'s traceback in ``plugin``'s code (``""``: unknown)."""
        source = self._plugins.sources.get(plugin)
        obj = self._plugins.pm.get_plugin(plugin)
        root = code_root(obj, source.module if source is not None else None) if obj is not None else None
        return raised_at(exc, root)

    def _wrong_answer(self, hook_name: str, hook: Any, kwargs: dict[str, Any]) -> None:
        """Find the implementation whose answer has the wrong type (calls each again) and raise naming its plugin."""
        for impl in reversed(hook.get_hookimpls()):
            problem = _wrong_return(hook_name, impl.function(*[kwargs[a] for a in impl.argnames]))
            if problem is not None:
                raise HookReturnError(impl.plugin_name, hook_name, problem)
        raise HookReturnError("?", hook_name, f"{hook_name} renvoie une valeur du mauvais type")

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
        day = self._today(as_of)
        ref = self._valid(dossier)
        if resultat is None:
            resultat = self.decide(dossier, day)
        parts = self._call("cqpkit_check_dossier", referentiel=ref, dossier=dossier, date=day, resultat=resultat)
        from cqpkit.rules.checks import sort_constats

        found: dict[tuple[str, str, str], Constat] = {}
        for c in [c for part in parts if part for c in part] + list(resultat.constats or ()):
            found.setdefault((c.code, c.chemin, c.message), c)
        return sort_constats(found.values())

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
            wrong = next((x for x in items if not isinstance(x, cls)), None)
            if wrong is not None:
                raise _not_a(wrong, cls.__name__, f"{name}[{items.index(wrong)}]")
        found: dict[tuple[str, str, str], Constat] = {}
        for cid in session.session.certifications:
            own = [d for d in dossiers if d.dossier.certification == cid]
            ref = self.referentiel_for(own[0]) if own else self.referentiel(cid, as_of=session.session.date)
            parts = self._call(
                "cqpkit_check_session", referentiel=ref, session=session, dossiers=list(dossiers), historique=list(historique)
            )
            for c in (c for part in parts if part for c in part):
                found.setdefault((c.code, c.chemin, c.message), c)
        return sort_constats(found.values())

    def plan(self, dossier: Dossier, as_of: dt.date | None = None) -> Parcours:
        """The individualised parcours after the positionnement (the first plugin to answer wins)."""
        day = self._today(as_of)
        return self._call("cqpkit_plan_parcours", referentiel=self._valid(dossier), dossier=dossier, date=day)

    def decide(self, dossier: Dossier, as_of: dt.date | None = None) -> Resultat:
        """The result of a dossier as of a date (the first plugin to answer wins; the generic engine last)."""
        day = self._today(as_of)
        return self._call("cqpkit_decide", referentiel=self._valid(dossier), dossier=dossier, date=day)

    def funding(
        self, dossier: Dossier, as_of: dt.date | None = None, *, resultat: Resultat | None = None
    ) -> list[LigneFinancement]:
        """Every funding and reward line of every plugin, each at the barème of its event's date.

        ``as_of`` (default: today) decides what is known: events after it give no line.
        The lines due on certification follow ``decide`` (every plugin's decision, through
        this registry); ``resultat``: that decision, when already computed.
        """
        day = self._today(as_of)
        ref = self._valid(dossier)
        if resultat is None:
            resultat = self.decide(dossier, day)
        parts = self._call("cqpkit_funding", referentiel=ref, dossier=dossier, date=day, resultat=resultat)
        return [line for part in parts if part for line in part]

    def explain(self, dossier: Dossier, as_of: dt.date | None = None) -> Explication:
        """Everything about a dossier with the rule, values and source of each item (for ``cqpkit explain``).

        The dossier is decided once; the findings and the funding lines read that decision.
        """
        day = self._today(as_of)
        self._valid(dossier)
        resultat = self.decide(dossier, day)
        return Explication(
            dossier=dossier.id,
            date=day,
            constats=self.check(dossier, day, resultat=resultat),
            resultat=resultat,
            financement=self.funding(dossier, day, resultat=resultat),
        )


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


def _where(entry: _Entry) -> str:
    return f"« {entry.plugin} »" + (f" ({entry.fichier})" if entry.fichier else "")


def _versions(entries: Iterable[_Entry]) -> str:
    out = []
    for e in entries:
        r = e.resume
        span = ""
        if r.en_vigueur_depuis or r.en_vigueur_jusqua:
            span = f" [{r.en_vigueur_depuis or '…'} → {r.en_vigueur_jusqua or '…'}]"
        out.append(f"{r.version}{span}")
    return ", ".join(out)


def _version_key(version: str) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in version.replace("-", ".").split("."))


def load_registry(*, plugins: Iterable[tuple[str, object]] = (), cache: bool = True) -> Registry:
    """Load the registry: builtin plugins, installed plugins (entry points), then ``plugins``.

    ``plugins`` lets an embedding application add plugin objects without packaging them,
    as ``(name, plugin)`` pairs. ``cache=False`` re-validates every référentiel file.
    """
    return Registry(make_plugin_manager(extra=plugins), cache=cache)
