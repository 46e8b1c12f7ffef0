"""The registry's référentiels: collecting and validating what the plugins send, and the queries on them.

Part of :class:`cqpkit.plugins.registry.Registry` (see that module's docstring): :class:`RegistryCatalogue` is the
base class that holds the validated entries and answers the queries (``fiches``, ``versions``, ``referentiel``…);
the engine calls are in :mod:`cqpkit.plugins.registry_engines`.
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
from cqpkit.plugins.hookcalls import _raised
from cqpkit.plugins.manager import (
    DEFAULT_PLUGINS,
    PluginFailure,
    PluginSet,
    PluginSource,
    builtin_name,
    code_root,
    exception_text,
    plugin_raised,
    raised_at,
)

if TYPE_CHECKING:  # pragma: no cover
    import datetime as dt

    from cqpkit.model import (
        Certification,
        Referentiel,
    )

__all__ = ["FicheReferentiel", "RegistryCatalogue", "expand"]


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
    __slots__ = ("cache", "fichier", "plugin", "ref", "resume")

    def __init__(
        self, plugin: str, fichier: str | None, summary: dict[str, Any], ref: Referentiel | None, cache: Any = None
    ) -> None:
        self.plugin = plugin
        self.fichier = fichier
        self.resume = FicheReferentiel(**summary, plugin=plugin, fichier=fichier)
        self.ref = ref
        self.cache = cache  # the ValidationCache that may hold the file's structured référentiel (:meth:`_load`)


class RegistryCatalogue:
    """The référentiels the installed plugins supply: loading, validation, queries (the state is set by ``Registry``)."""

    _plugins: PluginSet
    failures: list[PluginFailure]
    _entries: list[_Entry]
    _duplicates: dict[tuple[str, str], list[str]]
    _memo: dict[tuple[str, str], tuple[Referentiel, str]]
    _blocks: dict[str, frozenset[str]]

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

            def register(item: object, _sent: list[tuple[str, object]] = sent, _name: str = name) -> None:
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
                return _Entry(plugin, path, summary, None, cache)
            from cqpkit.formats.referentiels import load_referentiel

            try:
                ref = load_referentiel(path, self._plugins.extensions)
            except CqpkitError as exc:
                self.failures.append(PluginFailure(plugin, f"référentiel invalide\n{exc}"))
                return None
            summary = _summary(ref)
            if cache is not None:
                cache.put(os.path.abspath(path), digest, summary)
                cache.put_structured(os.path.abspath(path), digest, ref)
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
            fichier: str = entry.fichier  # type: ignore[assignment]
            cache, key = entry.cache, None
            if cache is not None:  # the structured référentiel of the file as it is now, if the cache has it
                from cqpkit.formats.tomlfile import read_file

                try:
                    content, stat = read_file(fichier)
                    key = cache.digest(content, stat, fichier)
                except Exception:  # unreadable now: the load below says why, as without a cache
                    key = None
                if key is not None:
                    entry.ref = cache.get_structured(os.path.abspath(fichier), key)
                    if entry.ref is not None:
                        return entry.ref
            from cqpkit.formats.referentiels import load_referentiel, loads_referentiel

            try:
                if key is None:
                    entry.ref = load_referentiel(fichier, self._plugins.extensions)
                else:  # the bytes the key was computed from (load_referentiel reads and decodes them the same way)
                    entry.ref = loads_referentiel(content, fichier, self._plugins.extensions)
            except InvalidFileError:
                raise  # the file changed since it was validated
            if key is not None:
                cache.put_structured(os.path.abspath(fichier), key, entry.ref)
        return entry.ref


    def _raised_in(self, plugin: str, exc: BaseException) -> str:
        """``file:line`` of the innermost frame of ``exc``'s traceback in ``plugin``'s code (``""``: unknown)."""
        source = self._plugins.sources.get(plugin)
        obj = self._plugins.pm.get_plugin(plugin)
        root = code_root(obj, source.module if source is not None else None) if obj is not None else None
        return raised_at(exc, root)


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


def _version_key(version: str) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in version.replace("-", ".").split("."))


