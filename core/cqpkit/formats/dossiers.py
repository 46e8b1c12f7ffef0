"""Dossier and jury-session files: load (with every error at once), dump, validate.

A dossier file (one per candidate) and a jury-session file are read with tomli (see tomlfile.py),
structured into a :class:`~cqpkit.model.Dossier` or a :class:`~cqpkit.model.SessionJury`
by the project converter, and cross-checked by :mod:`cqpkit.formats.dossier_checks`; all
findings of one file are reported together, sorted by line, each as
``fichier.toml:LIGNE: chemin.de.la.cle: message``, exactly like référentiel files.

A dossier is also checked against the référentiel it names when one is given: either a
:class:`~cqpkit.model.Referentiel` (it must be the dossier's certification and version),
or a registry (anything with the ``fiches``, ``versions`` and ``referentiel`` methods of
:class:`cqpkit.plugins.registry.Registry`), in which ``dossier.certification`` and
``dossier.version`` are looked up; an unknown certification or version is then one more
error of the file, listing what exists. A session is checked against a registry's
certification ids and jury collèges when one is given.

Writing uses tomli-w and gives a file that loads back to an equal object.
"""

from __future__ import annotations

import os
import weakref
from typing import Any, Protocol

import cattrs

from cqpkit.exceptions import CqpkitError, Erreur, InvalidArgumentError, InvalidFileError, UnknownCertificationError
from cqpkit.formats.converter import converter
from cqpkit.formats.dossier_checks import check_dossier_data, check_session_data
from cqpkit.formats.dossier_quick import dossier_is_clean
from cqpkit.formats.errors import structure_errors
from cqpkit.formats.fastpath import fast_structurer
from cqpkit.formats.positions import Path
from cqpkit.formats.tomlfile import TomlDocument, file_kind, parse_toml, raise_if_other_kind, read_text
from cqpkit.model import Dossier, Referentiel, SessionJury

__all__ = [
    "DOSSIER_SCHEMA_URL",
    "SESSION_SCHEMA_URL",
    "ReferentielSource",
    "dossier_from_document",
    "dump_dossier",
    "dump_session",
    "file_kind",
    "load_dossier",
    "load_session",
    "loads_dossier",
    "loads_session",
    "require_valid_dossier",
    "session_from_document",
    "validate_dossier",
    "validate_session",
]

#: The ``#:schema`` lines editors (Taplo, Even Better TOML) use to check a file as it is typed.
DOSSIER_SCHEMA_URL = "https://cqpkit.invalid/referentials/dossier.schema.json"
SESSION_SCHEMA_URL = "https://cqpkit.invalid/referentials/session.schema.json"

Finding = tuple[Path, str]


class ReferentielSource(Protocol):
    """What a dossier or a session is checked against: the registry's query methods (duck-typed)."""

    def fiches(self) -> list[Any]: ...

    def versions(self, certification_id: str) -> list[Any]: ...

    def referentiel(self, certification_id: str, version: str | None = None) -> Referentiel: ...


def _raise_if_any(doc: TomlDocument, findings: list[Finding]) -> None:
    if findings:
        erreurs = sorted(
            {doc.erreur(path, msg) for path, msg in findings}, key=lambda e: (e.ligne, e.chemin, e.message)
        )
        raise InvalidFileError(doc.fichier, erreurs)


def _structure(doc: TomlDocument, cls: type, findings: list[Finding]) -> Any:
    fast = fast_structurer(converter(), cls)
    if fast is not None:
        obj = fast(doc.data)  # a document without errors, in one generated function (formats/fastpath.py)
        if obj is not None:
            return obj
    try:
        return converter().structure(doc.data, cls)
    except cattrs.BaseValidationError as exc:
        findings.extend(structure_errors(exc))
    except ValueError as exc:  # a validator outside any class (should not happen)
        findings.append(((), str(exc)))
    return None


# ----------------------------------------------------------------------------- dossiers
def _resolve(data: dict, source: Referentiel | ReferentielSource | None) -> tuple[Referentiel | None, list[Finding]]:
    """The référentiel to check a dossier against, or the error saying why there is none."""
    if source is None or isinstance(source, Referentiel):
        return source, []
    info = data.get("dossier")
    cid = info.get("certification") if isinstance(info, dict) else None
    version = info.get("version") if isinstance(info, dict) else None
    if not isinstance(cid, str) or not isinstance(version, str):
        return None, []  # the converter reports the missing or mistyped key
    try:
        return source.referentiel(cid, version=version), []
    except UnknownCertificationError:
        known = list(dict.fromkeys(r.id for r in source.fiches()))
        if cid not in known:
            listed = ", ".join(known) or "aucune"
            return None, [
                (
                    ("dossier", "certification"),
                    f"certification « {cid} » inconnue (certifications disponibles : {listed})",
                )
            ]
        versions = ", ".join(r.version for r in source.versions(cid))
        return None, [
            (
                ("dossier", "version"),
                f"version « {version} » inconnue pour « {cid} » (versions disponibles : {versions})",
            )
        ]
    except CqpkitError as exc:  # supplied twice, or its file changed and is now invalid
        return None, [(("dossier", "certification"), f"référentiel inutilisable : {str(exc).splitlines()[0]}")]


def dossier_from_document(doc: TomlDocument, referentiel: Referentiel | ReferentielSource | None = None) -> Dossier:
    """Structure and cross-check a parsed dossier; raise :class:`InvalidFileError` with every error."""
    raise_if_other_kind(doc, "dossier")
    findings: list[Finding] = []
    dossier = _structure(doc, Dossier, findings)
    ref, problems = _resolve(doc.data, referentiel)
    findings.extend(problems)
    # A dossier built by the fast path and clean on a quick walk of its objects needs no detailed checks;
    # anything else gets them, which find and word every finding (formats/dossier_quick.py).
    if dossier is None or findings or not _clean(dossier, ref):
        findings.extend(check_dossier_data(doc.data, ref))
    _raise_if_any(doc, findings)
    if ref is not None:
        _mark_valid(dossier)
    return dossier


def _clean(dossier: Dossier, ref: Referentiel | None) -> bool:
    """:func:`dossier_is_clean`, and ``False`` (the detailed checks run) should it ever fail on an odd object."""
    try:
        return dossier_is_clean(dossier, ref)
    except Exception:  # pragma: no cover - a model object of a type the walk did not expect
        return False


def loads_dossier(
    text: str | bytes, fichier: str = "<texte>", referentiel: Referentiel | ReferentielSource | None = None
) -> Dossier:
    """Load a dossier from TOML text, or its UTF-8 bytes (``fichier`` names it in messages).

    ``referentiel`` is a :class:`~cqpkit.model.Referentiel` or a registry; see the module docstring.
    """
    return dossier_from_document(parse_toml(text, fichier), referentiel)


def load_dossier(
    path: str | os.PathLike[str], registry_or_referentiel: Referentiel | ReferentielSource | None = None
) -> Dossier:
    """Load a dossier file; raise :class:`InvalidFileError` (every error) or :class:`UnreadableFileError`.

    With a registry (``cqpkit.load_registry()``) or a référentiel, the dossier is also
    checked against the référentiel of its certification and version.
    """
    fichier = os.fspath(path)
    return loads_dossier(read_text(fichier), fichier, registry_or_referentiel)


def dump_dossier(dossier: Dossier, *, schema_line: bool = False) -> str:
    """Write a dossier as TOML text that :func:`loads_dossier` reads back to an equal object."""
    import tomli_w

    text = tomli_w.dumps(converter().unstructure(dossier), multiline_strings=True)
    return f"#:schema {DOSSIER_SCHEMA_URL}\n{text}" if schema_line else text


def validate_dossier(
    dossier: Dossier, referentiel: Referentiel | ReferentielSource | None = None, fichier: str = "<dossier>"
) -> list[Erreur]:
    """Cross-check a dossier built in Python (not from a file); return the errors found.

    The object is written to TOML and read back, so the checks and messages are exactly
    those of a file (line numbers refer to that TOML text). An object that cannot even be
    written (``None`` where a list is expected…) gives one error saying so; something that is
    not a :class:`~cqpkit.model.Dossier` raises :class:`~cqpkit.exceptions.InvalidArgumentError`.
    """
    text = _dumped(dossier, Dossier, dump_dossier, fichier)
    if isinstance(text, Erreur):
        return [text]
    try:
        loads_dossier(text, fichier, referentiel)
    except InvalidFileError as exc:
        return list(exc.erreurs)
    return []


#: The dossiers known valid against their référentiel (read from a file with one, or checked by
#: :func:`require_valid_dossier`), by ``id()``: a weak dictionary, so that an entry goes with its
#: object (and an ``id`` reused later is not mistaken for it); a model object is not hashable
#: (its dict fields) and has no room for a flag (slots).
_VALID: weakref.WeakValueDictionary[int, Dossier] = weakref.WeakValueDictionary()


def _mark_valid(dossier: Dossier) -> None:
    _VALID[id(dossier)] = dossier


def mark_validated(dossier: Dossier) -> Dossier:
    """Tell the engines that ``dossier`` was validated elsewhere (the store's dossiers: their contents were
    validated at import and their passages recorded through the jury workflow), so that
    :func:`require_valid_dossier` does not check it again; returns it."""
    _mark_valid(dossier)
    return dossier


def require_valid_dossier(dossier: Dossier, referentiel: Referentiel | ReferentielSource) -> None:
    """Raise :class:`InvalidFileError` with every error unless ``dossier`` is valid against ``referentiel``.

    What the engines (``Registry.check/decide/plan/funding/explain``) call first: a dossier built
    in Python gets the errors a file of the same content would get (:func:`validate_dossier`),
    named ``<dossier « id »>`` with line 0 (there is no file); a dossier read by
    :func:`load_dossier` / :func:`loads_dossier` with a registry or a référentiel, or already
    checked here, is not checked again.
    """
    if _VALID.get(id(dossier)) is dossier:
        return
    name = f"<dossier « {dossier.dossier.id} »>" if isinstance(dossier, Dossier) else "<dossier>"
    erreurs = validate_dossier(dossier, referentiel, name)
    if erreurs:
        raise InvalidFileError(name, [e._replace(fichier=name, ligne=0) for e in erreurs])
    _mark_valid(dossier)


def _dumped(obj: Any, cls: type, dump: Any, fichier: str) -> str | Erreur:
    """``obj`` written as TOML, or the error saying it cannot be (validating objects built in Python)."""
    if not isinstance(obj, cls):
        raise InvalidArgumentError(f"{fichier} : un {cls.__name__} est attendu, pas {type(obj).__name__}")
    try:
        return dump(obj)
    except Exception as exc:  # a field of the wrong type, which no file could hold
        return Erreur(fichier, 1, "", f"objet illisible : un champ n'a pas le type que le modèle attend ({type(exc).__name__}: {exc})")


# ----------------------------------------------------------------------------- sessions
def _certifications(registry: ReferentielSource) -> dict[str, list[str]]:
    """Each registered certification id → the collèges the jury of any of its versions defines."""
    out: dict[str, list[str]] = {}
    for r in registry.fiches():
        colleges = out.setdefault(r.id, [])
        try:
            ref = registry.referentiel(r.id, version=r.version)
        except CqpkitError:
            continue
        if ref.jury is not None:
            colleges.extend(c.college for c in ref.jury.composition if c.college not in colleges)
    return out


def session_from_document(doc: TomlDocument, registry: ReferentielSource | None = None) -> SessionJury:
    """Structure and cross-check a parsed jury session; raise :class:`InvalidFileError` with every error."""
    raise_if_other_kind(doc, "session")
    findings: list[Finding] = []
    session = _structure(doc, SessionJury, findings)
    findings.extend(check_session_data(doc.data, None if registry is None else _certifications(registry)))
    _raise_if_any(doc, findings)
    return session


def loads_session(text: str | bytes, fichier: str = "<texte>", registry: ReferentielSource | None = None) -> SessionJury:
    """Load a jury session from TOML text, or its UTF-8 bytes (``fichier`` names it in messages)."""
    return session_from_document(parse_toml(text, fichier), registry)


def load_session(path: str | os.PathLike[str], registry: ReferentielSource | None = None) -> SessionJury:
    """Load a jury-session file; raise :class:`InvalidFileError` (every error) or :class:`UnreadableFileError`.

    With a registry, the certification ids and the members' collèges are checked too.
    """
    fichier = os.fspath(path)
    return loads_session(read_text(fichier), fichier, registry)


def dump_session(session: SessionJury, *, schema_line: bool = False) -> str:
    """Write a jury session as TOML text that :func:`loads_session` reads back to an equal object."""
    import tomli_w

    text = tomli_w.dumps(converter().unstructure(session), multiline_strings=True)
    return f"#:schema {SESSION_SCHEMA_URL}\n{text}" if schema_line else text


def validate_session(
    session: SessionJury, registry: ReferentielSource | None = None, fichier: str = "<session>"
) -> list[Erreur]:
    """Cross-check a jury session built in Python; return the errors found (as for a file; see :func:`validate_dossier`)."""
    text = _dumped(session, SessionJury, dump_session, fichier)
    if isinstance(text, Erreur):
        return [text]
    try:
        loads_session(text, fichier, registry)
    except InvalidFileError as exc:
        return list(exc.erreurs)
    return []
