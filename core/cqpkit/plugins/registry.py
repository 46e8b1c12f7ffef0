"""The ``Registry`` facade: what the rest of cqpkit (CLI, services, applications) calls.

(Why ~750 lines: one class holds the state every query shares — the validated entries, the
loaded référentiels, the routed hook callers — and its three parts, loading, queries and engine
calls, read that state together; the checks of hook answers are in :mod:`cqpkit.plugins.hookcalls`.)

``cqpkit.load_registry()`` builds the plugin manager, asks every plugin for its
référentiels (``cqpkit_referentiels``) and validates each contribution. Problems never
stop the others: a plugin that fails to import, raises, or sends an invalid référentiel
is listed in :attr:`Registry.failures` by name with the reason (French, with every error
of the file), and the remaining certifications load. Two contributions with the same
certification id and version are an error naming both plugins; that version is then
unavailable until one of them is removed.

Référentiel files are validated at load time (through :mod:`cqpkit.plugins.cache`, so
an unchanged file is not re-validated) and fully loaded into the model on first use.

The dossier hooks (``cqpkit_check_dossier``, ``cqpkit_check_session``, ``cqpkit_plan_parcours``,
``cqpkit_decide``, ``cqpkit_funding``) reach only the plugin that supplied the référentiel, plus
the builtin plugins (pluggy's ``subset_hook_caller``, one caller per hook and plugin, cached): a
plugin never sees another plugin's certification, so it needs no « is this mine? » guard. A
référentiel of ``CQPKIT_REFERENTIELS_PATH`` (the builtin ``default_referentiels``) is served by the
builtins only. A plugin's ``CQPKIT_BLOCKS`` (names of builtin plugins) removes those builtins from
the calls for its own référentiels.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from cqpkit.exceptions import (
    CqpkitError,
    DuplicateReferentielError,
    InvalidFileError,
    UnknownCertificationError,
    UnreadableFileError,
    os_reason,
)
from cqpkit.plugins.hookcalls import (
    HookFailure,
    HookReturnError,
    _answer_ok,
    _dossier_id,
    _raised,
    _wrong_return,
    call_hook,
)
from cqpkit.plugins.manager import (
    DEFAULT_PLUGINS,
    PluginFailure,
    PluginSet,
    PluginSource,
    builtin_name,
    code_root,
    exception_text,
    make_plugin_manager,
    plugin_raised,
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

__all__ = ["BUILTIN_CHECK_CODES", "Explication", "FicheReferentiel", "HookFailure", "HookReturnError", "Registry", "expand", "load_registry"]


class FicheReferentiel(NamedTuple):
    """A registered référentiel, summarised: its identity card (what ``cqpkit list`` shows).

    Named like the « fiche RNCP » that describes a certification; it was ``Resume`` before, which
    read as the English « resume » (still importable from here, deprecated, until the next release).
    """

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


_SUMMARY_KEYS = frozenset(FicheReferentiel._fields) - {"plugin", "fichier"}


class _Entry:
    __slots__ = ("fichier", "plugin", "ref", "resume")

    def __init__(self, plugin: str, fichier: str | None, summary: dict, ref: Referentiel | None) -> None:
        self.plugin = plugin
        self.fichier = fichier
        self.resume = FicheReferentiel(**summary, plugin=plugin, fichier=fichier)
        self.ref = ref


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


class Registry:
    """The certifications the installed plugins supply, and (later) the engines applied to dossiers."""

    #: Whether the engines validate a dossier built in Python as a file before answering (:meth:`_valid`).
    #: On by default; the conformance suite turns it off for its generated dossiers (cqpkit.testing.fixtures).
    validate_dossiers: bool = True

    def __init__(self, plugins: PluginSet, *, cache: bool = True) -> None:
        self._plugins = plugins
        self.failures: list[PluginFailure] = list(plugins.failures)
        self._entries: list[_Entry] = []
        self._duplicates: dict[tuple[str, str], list[str]] = {}
        self._memo: dict[tuple[str, str], tuple[Referentiel, str]] = {}
        self._callers: dict[tuple[str, str], Any] = {}
        self._code_callers: dict[tuple[str, frozenset[str], bool], Any] = {}
        self._blocks = self._read_blocks()
        self._collect(cache)

    def _read_blocks(self) -> dict[str, frozenset[str]]:
        """Each plugin's ``CQPKIT_BLOCKS``: the builtin plugins it does without for its référentiels (a wrong name is a failure)."""
        blocks: dict[str, frozenset[str]] = {}
        for name, source in self._plugins.sources.items():
            wanted = getattr(self._plugins.pm.get_plugin(name), "CQPKIT_BLOCKS", ())
            if source.builtin or not wanted:
                continue
            if isinstance(wanted, str):
                wanted = (wanted,)
            found = set()
            for item in wanted:
                full = builtin_name(item) if isinstance(item, str) else None
                if full is None:
                    import difflib  # here, not on every start

                    shorts = [m.rpartition(".")[2] for m in DEFAULT_PLUGINS]
                    near = difflib.get_close_matches(str(item), shorts, n=1)
                    hint = f" ; vouliez-vous dire « {near[0]} » ?" if near else ""
                    self.failures.append(
                        PluginFailure(
                            name,
                            f"CQPKIT_BLOCKS nomme « {item} », qui n'est pas une extension intégrée (intégrées : "
                            f"{', '.join(shorts)}){hint}",
                        )
                    )
                    continue
                found.add(full)
            blocks[name] = frozenset(found)
        return blocks

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
                _sent.extend((_name, x) for x in expand(item))

            try:
                caller(register=register)
            except BaseException as exc:  # third-party code (SystemExit included; not a Ctrl-C)
                if not plugin_raised(exc):
                    raise
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
            from cqpkit.formats.tomlfile import read_file

            try:
                content, stat = read_file(path)  # a regular file under the size cap only
            except UnreadableFileError as exc:  # a FIFO, a device, a file over the cap: said by the reader
                self.failures.append(PluginFailure(plugin, str(exc)))
                return None
            except FileNotFoundError:
                self.failures.append(
                    PluginFailure(
                        plugin,
                        f"{path} : fichier introuvable : cqpkit_referentiels l'enregistre mais il n'existe pas (nom mal "
                        "écrit ? fichier absent des données du paquet installé ?)",
                    )
                )
                return None
            except IsADirectoryError:  # a directory without any .toml file, or that cannot be listed (expand keeps it)
                try:
                    os.listdir(path)
                except OSError as exc:
                    self.failures.append(PluginFailure(plugin, f"{path} : répertoire illisible ({os_reason(exc)})"))
                    return None
                self.failures.append(
                    PluginFailure(
                        plugin,
                        f"{path} : répertoire sans fichier .toml : register() y enregistre chaque fichier *.toml (les "
                        "sous-répertoires ne sont pas parcourus)",
                    )
                )
                return None
            except PermissionError:
                self.failures.append(PluginFailure(plugin, f"{path} : lecture refusée (droits du fichier)"))
                return None
            except OSError as exc:
                self.failures.append(PluginFailure(plugin, f"{path} : fichier illisible ({os_reason(exc)})"))
                return None
            digest = cache.digest(content, stat, path) if cache is not None else ""
            summary = cache.get(os.path.abspath(path), digest) if cache is not None else None
            # A summary cached by a cqpkit whose list had other keys is recomputed.
            if summary is not None and set(summary) == _SUMMARY_KEYS:
                return _Entry(plugin, path, summary, None)
            from cqpkit.formats.referentiels import load_referentiel

            try:
                ref = load_referentiel(path, self._plugins.extensions)
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
        erreurs = validate_referentiel(item, f"<{plugin}>", self._plugins.extensions)
        if erreurs:
            self.failures.append(PluginFailure(plugin, "référentiel invalide\n" + "\n".join(map(str, erreurs))))
            return None
        return _Entry(plugin, None, _summary(item), item)

    # -- queries ---------------------------------------------------------------------
    def fiches(self) -> list[FicheReferentiel]:
        """Every valid registered référentiel, sorted by certification id and version (no full load)."""
        return [e.resume for e in self._entries]

    def resumes(self) -> list[FicheReferentiel]:
        """Deprecated old name of :meth:`fiches` (kept until the next release; warns)."""
        import warnings

        warnings.warn("Registry.resumes() is deprecated; use Registry.fiches()", DeprecationWarning, stacklevel=2)
        return self.fiches()

    def plugins(self) -> list[PluginSource]:
        """The loaded plugins, builtin first, in load order."""
        return list(self._plugins.sources.values())

    def hooks_of(self, plugin: str) -> list[str]:
        """The hooks a plugin implements."""
        obj = self._plugins.pm.get_plugin(plugin)
        if obj is None:
            return []
        return sorted(h.name for h in self._plugins.pm.get_hookcallers(obj) or [])

    def extension_classes(self) -> dict[str, type | None]:
        """Each loaded plugin's ``CQPKIT_EXTENSION`` class (``None``: it declares no ``[extensions.<plugin>]`` table).

        A ``"module:Classe"`` reference is imported here; one that cannot be used is ``None`` and one more failure.
        """
        from cqpkit.formats.extensions import resolved_classes

        classes, problems = resolved_classes(self._plugins.extensions or {})
        for name, why in problems.items():
            if PluginFailure(name, why) not in self.failures:
                self.failures.append(PluginFailure(name, why))
        return classes

    def finding_codes(self, referentiel: Referentiel | None = None) -> frozenset[str]:
        """The finding codes a dossier can get: the core's (:data:`cqpkit.rules.codes.CODES`), each loaded
        plugin's ``CQPKIT_CODES`` and, with a référentiel, the ids of its ``[[regles]]`` (a rule reports under its id)."""
        from cqpkit.rules.codes import CODES

        codes = set(CODES)
        for name in self._plugins.sources:
            declared = getattr(self._plugins.pm.get_plugin(name), "CQPKIT_CODES", ())
            codes.update((declared,) if isinstance(declared, str) else (c for c in declared if isinstance(c, str)))
        if referentiel is not None:
            codes.update(r.id for r in referentiel.regles)
        return frozenset(codes)

    def files_of(self, plugin: str) -> list[str]:
        """The référentiel files a plugin registered (valid ones)."""
        return [e.fichier for e in self._entries if e.plugin == plugin and e.fichier]

    def certifications(self) -> list[Certification]:
        """The ``Certification`` of every registered référentiel (one per id and version)."""
        return [self._load(e).certification for e in self._entries]

    def versions(self, certification_id: str) -> list[FicheReferentiel]:
        """The registered versions of one certification."""
        return [e.resume for e in self._entries if e.resume.id == certification_id]

    def referentiel(self, certification_id: str, version: str | None = None, as_of: dt.date | None = None) -> Referentiel:
        """The référentiel of a certification: the given ``version``, or the one in force ``as_of``.

        With neither, the most recent version (latest ``en_vigueur_depuis``, then highest
        version label). Raises :class:`UnknownCertificationError` with a French message
        listing what exists.
        """
        if version is not None and as_of is None:  # once per dossier read: the référentiel :meth:`_served` keeps
            served = self._memo.get((certification_id, version))
            if served is not None:
                return served[0]
            entry = self._pick(certification_id, version, None)
            served = self._memo[(certification_id, version)] = (self._load(entry), entry.plugin)
            return served[0]
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
                entry.ref = load_referentiel(entry.fichier, self._plugins.extensions)  # type: ignore[arg-type]
            except InvalidFileError:
                raise  # the file changed since it was validated
        return entry.ref


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
            from cqpkit.formats.dossiers import require_valid_dossier

            require_valid_dossier(dossier, ref)
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

    def _raised_in(self, plugin: str, exc: BaseException) -> str:
        """``file:line`` of the innermost frame of ``exc``'s traceback in ``plugin``'s code (``""``: unknown)."""
        source = self._plugins.sources.get(plugin)
        obj = self._plugins.pm.get_plugin(plugin)
        root = code_root(obj, source.module if source is not None else None) if obj is not None else None
        return raised_at(exc, root)

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
        day = self._today(as_of)
        self._valid(dossier)
        if resultat is None:
            resultat = self.decide(dossier, day)
        ref, plugin = self._served(dossier)
        parts = self._call("cqpkit_check_dossier", plugin, referentiel=ref, dossier=dossier, date=day, resultat=resultat)
        from cqpkit.rules.checks import sort_constats

        found: dict[tuple[str, str, str], Constat] = {}
        for c in [c for part in parts if part for c in part] + list(resultat.constats or ()):
            found.setdefault((c.code, c.chemin, c.message), c)
        return sort_constats(found.values())

    def check_codes(
        self, dossier: Dossier, codes: Iterable[str], as_of: dt.date | None = None, *, resultat: Resultat | None = None
    ) -> list[Constat]:
        """The findings of :meth:`check` whose code is one of ``codes`` (the same findings, each once, sorted).

        For callers that count a few codes on many dossiers (stored results): the builtin rule families that
        cannot give any of ``codes`` (:data:`BUILTIN_CHECK_CODES`; ``default_regles`` gives its référentiel's
        ``[[regles]]`` ids) are not called; every other plugin is, its findings filtered.
        """
        wanted = frozenset(codes)
        day = self._today(as_of)
        self._valid(dossier)
        if resultat is None:
            resultat = self.decide(dossier, day)
        ref, plugin = self._served(dossier)
        key = (plugin, wanted, wanted.isdisjoint(r.id for r in ref.regles))
        hook = self._code_callers.get(key)
        if hook is None:
            skip = {name for name, given in BUILTIN_CHECK_CODES.items() if wanted.isdisjoint(given)}
            if key[2]:
                skip.add("cqpkit.plugins.default_regles")
            sources = self._plugins.sources
            skip = {name for name in skip if name in sources and sources[name].builtin}
            keep = {impl.plugin_name for impl in self._route("cqpkit_check_dossier", plugin).get_hookimpls()} - skip
            remove = [obj for name, obj in self._plugins.pm.list_name_plugin() if obj is not None and name not in keep]
            hook = self._code_callers[key] = self._plugins.pm.subset_hook_caller("cqpkit_check_dossier", remove_plugins=remove)
        kwargs = {"referentiel": ref, "dossier": dossier, "date": day, "resultat": resultat}
        parts = call_hook(hook, "cqpkit_check_dossier", kwargs, self._raised_in)
        if not _answer_ok("cqpkit_check_dossier", parts):
            self._wrong_answer("cqpkit_check_dossier", hook, kwargs)
        from cqpkit.rules.checks import sort_constats

        found: dict[tuple[str, str, str], Constat] = {}
        for c in [c for part in parts if part for c in part] + list(resultat.constats or ()):
            if c.code in wanted:
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
        return self._answer("cqpkit_plan_parcours", plugin, referentiel=ref, dossier=dossier, date=day)

    def decide(self, dossier: Dossier, as_of: dt.date | None = None) -> Resultat:
        """The result of a dossier as of a date (the first plugin to answer wins; the generic engine last)."""
        day = self._today(as_of)
        self._valid(dossier)
        ref, plugin = self._served(dossier)
        return self._answer("cqpkit_decide", plugin, referentiel=ref, dossier=dossier, date=day)

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
        day = self._today(as_of)
        self._valid(dossier)
        if resultat is None:
            resultat = self.decide(dossier, day)
        ref, plugin = self._served(dossier)
        parts = self._call("cqpkit_funding", plugin, referentiel=ref, dossier=dossier, date=day, resultat=resultat)
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


def expand(item: object) -> list[object]:
    """What ``register(item)`` contributes: a directory's ``*.toml`` files sorted by name (not its
    subdirectories), else ``item`` itself; a directory without one is kept, to be reported."""
    if isinstance(item, (str, os.PathLike)) and os.path.isdir(item):
        path = os.fspath(item)
        try:
            listed = os.listdir(path)
        except OSError:  # reported when the directory itself is read
            return [item]
        # Every *.toml that is not a directory: a FIFO, a device or a broken link is reported, not skipped.
        names = sorted(n for n in listed if n.endswith(".toml") and not os.path.isdir(os.path.join(path, n)))
        if names:
            return [os.path.join(path, n) for n in names]
    return [item]


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


def __getattr__(name: str) -> Any:
    # Old name kept importable for one release (deprecated): ``Resume`` read as the English « resume ».
    if name != "Resume":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import warnings

    warnings.warn("cqpkit.plugins.registry.Resume is deprecated; use FicheReferentiel", DeprecationWarning, stacklevel=2)
    return FicheReferentiel
