"""Scenario files: a dossier, a date, and what the engines must find. The runner lives here.

A scenario is a TOML file with a ``[scenario]`` table, an ``[attendu]`` table and a
dossier, either inline (the dossier's own tables, ``[dossier]``, ``[candidat]``,
``[[evaluations]]``… in the same file) or by path (``scenario.dossier``, relative to the
scenario file). The keys are a closed set: a typo is a clear error with its line, not a
traceback (the format is in ``docs/scenarios.md``).

What is compared, and how:

- ``constats``: the codes of every *erreur* and *avertissement* found by ``check``,
  ``decide`` and ``plan`` (and by the session checks when ``scenario.session`` is given)
  must be exactly this set; an *information* code listed must be present too.
- ``erreurs``, ``avertissements``: the same findings by level — the codes of every *erreur*
  (resp. *avertissement*) must be exactly this set. They tell apart what ``constats`` cannot:
  a code that is an error in one case and a warning in another.
- ``statut``, ``acquis``, ``expires``, ``restants``, ``date_certification``: the
  ``Resultat`` of ``decide`` as of ``scenario.date`` (acquis/expires/restants as sets of
  domaine ids).
- ``reorientation``, ``voie_suggeree``, ``formation``, ``evaluation_directe``: the
  ``Parcours`` of ``plan`` (the last two as sets of domaine ids).
- ``financement``: the funding lines, exactly (code, optional year, amount to the cent).

A key left out of ``[attendu]`` is not compared.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from typing import Any

from attrs import frozen

from cqpkit.exceptions import Erreur, InvalidFileError

__all__ = ["Attendu", "LigneAttendue", "ScenarioInfo", "ScenarioOutcome", "find_scenarios", "load_scenario", "run_scenario"]


@frozen(kw_only=True)
class ScenarioInfo:
    """The ``[scenario]`` table."""

    description: str
    date: dt.date
    dossier: str | None = None
    session: str | None = None
    historique: tuple[str, ...] = ()


@frozen(kw_only=True)
class LigneAttendue:
    """An expected funding line."""

    code: str
    montant: float
    annee: int | None = None


@frozen(kw_only=True)
class Attendu:
    """The ``[attendu]`` table: what the engines must return (a key left out is not compared)."""

    constats: tuple[str, ...] | None = None
    erreurs: tuple[str, ...] | None = None
    avertissements: tuple[str, ...] | None = None
    statut: str | None = None
    acquis: tuple[str, ...] | None = None
    expires: tuple[str, ...] | None = None
    restants: tuple[str, ...] | None = None
    date_certification: dt.date | None = None
    sans_certification: bool = False
    reorientation: bool | None = None
    voie_suggeree: str | None = None
    formation: tuple[str, ...] | None = None
    evaluation_directe: tuple[str, ...] | None = None
    financement: tuple[LigneAttendue, ...] | None = None


@frozen(kw_only=True)
class _ScenarioFile:
    scenario: ScenarioInfo
    attendu: Attendu


@frozen(kw_only=True)
class Scenario:
    """A loaded scenario: its file, its tables and its dossier."""

    fichier: str
    info: ScenarioInfo
    attendu: Attendu
    dossier: Any
    session: Any = None
    historique: tuple[Any, ...] = ()
    #: What is suspicious but not invalid: an expected finding code that nothing loaded gives (« vouliez-vous dire »).
    avertissements: tuple[Erreur, ...] = ()


@frozen(kw_only=True)
class ScenarioOutcome:
    """The result of running one scenario: the differences found (none when it passes)."""

    fichier: str
    description: str
    differences: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.differences


def load_scenario(path: str | os.PathLike[str], registry: Any) -> Scenario:
    """Read a scenario file (and its dossier); raise InvalidFileError with every error of the file.

    Every error of the scenario file is reported at once: those of ``[scenario]`` and
    ``[attendu]``, those of an inline dossier, a referenced file that does not exist (at
    the line of its key), an unknown ``statut`` and domaine ids the référentiel does not
    have. A referenced dossier or session file is then read with its own errors.
    """
    import cattrs

    from cqpkit.formats.converter import converter
    from cqpkit.formats.dossiers import dossier_from_document, load_dossier, load_session
    from cqpkit.formats.errors import structure_errors
    from cqpkit.formats.tomlfile import TomlDocument, parse_toml, read_text
    from cqpkit.rules.decision import STATUTS

    fichier = os.fspath(path)
    doc = parse_toml(read_text(fichier), fichier)
    head = {k: doc.data[k] for k in ("scenario", "attendu") if k in doc.data}
    rest = {k: v for k, v in doc.data.items() if k not in ("scenario", "attendu")}
    erreurs: list[Erreur] = []
    try:
        parsed = converter().structure(head, _ScenarioFile)
    except cattrs.BaseValidationError as exc:
        erreurs += [doc.erreur(p, m) for p, m in structure_errors(exc)]
        parsed = None
    base = os.path.dirname(fichier)
    if parsed is not None:
        info = parsed.scenario
        if info.dossier is None and "dossier" not in rest:
            erreurs.append(doc.erreur(("scenario",), "dossier absent : donner scenario.dossier (chemin) ou les tables du dossier dans ce fichier"))
        if info.dossier is not None and rest:
            erreurs.append(doc.erreur((next(iter(rest)),), "un scénario qui renvoie à un fichier dossier ne contient pas de tables de dossier"))
        refs: list[tuple[tuple[str | int, ...], str | None]] = [(("scenario", "dossier"), info.dossier), (("scenario", "session"), info.session)]
        refs += [(("scenario", "historique", i), p) for i, p in enumerate(info.historique)]
        for key, rel in refs:
            if rel is None:
                continue
            if not rel.strip():
                # An empty path would name the scenario's own directory: never a file (not « run without one »).
                erreurs.append(doc.erreur(key, "chemin vide : donner le chemin d'un fichier, relatif au fichier du scénario, ou retirer la clé"))
            elif not os.path.isfile(os.path.join(base, rel)):
                erreurs.append(doc.erreur(key, f"fichier introuvable : « {rel} » (chemin relatif au fichier du scénario : {os.path.join(base, rel)})"))
        if parsed.attendu.statut is not None and parsed.attendu.statut not in STATUTS:
            erreurs.append(doc.erreur(("attendu", "statut"), f"statut inconnu « {parsed.attendu.statut} » (statuts possibles : {', '.join(STATUTS)})"))
    dossier = None
    if (parsed is None or parsed.scenario.dossier is None) and "dossier" in rest:
        # The inline dossier is validated even when [scenario] or [attendu] has errors: all at once.
        try:
            dossier = dossier_from_document(TomlDocument(fichier, doc.text, rest), registry)
        except InvalidFileError as exc:
            erreurs += [e for e in exc.erreurs if e not in erreurs]
    if dossier is not None and parsed is not None:
        erreurs += _unknown_domaines(doc, parsed.attendu, dossier, registry)
    if erreurs:
        raise InvalidFileError(fichier, sorted(erreurs, key=lambda e: (e.ligne, e.chemin)))
    assert parsed is not None
    if dossier is None:
        dossier = load_dossier(os.path.join(base, parsed.scenario.dossier or ""), registry)
        unknown = _unknown_domaines(doc, parsed.attendu, dossier, registry)
        if unknown:
            raise InvalidFileError(fichier, unknown)
    session = load_session(os.path.join(base, parsed.scenario.session)) if parsed.scenario.session is not None else None
    historique = tuple(load_session(os.path.join(base, p)) for p in parsed.scenario.historique)
    return Scenario(
        fichier=fichier,
        info=parsed.scenario,
        attendu=parsed.attendu,
        dossier=dossier,
        session=session,
        historique=historique,
        avertissements=tuple(_unknown_codes(doc, parsed.attendu, dossier, registry)),
    )


def _unknown_codes(doc: Any, attendu: Attendu, dossier: Any, registry: Any) -> list[Erreur]:
    """A warning for each code of ``constats``, ``erreurs`` or ``avertissements`` that nothing loaded gives.

    The codes known are the core's, the loaded plugins' ``CQPKIT_CODES`` and the ``[[regles]]`` ids of
    the dossier's référentiel (:meth:`~cqpkit.plugins.registry.Registry.finding_codes`). A warning, not an
    error: a plugin that does not declare its codes still runs its scenarios (the run fails anyway on a
    code never found).
    """
    from cqpkit.rules.codes import closest_code

    finding_codes = getattr(registry, "finding_codes", None)
    if finding_codes is None:
        return []
    try:
        ref = registry.referentiel_for(dossier)
    except Exception:  # the dossier's own validation already said why
        ref = None
    known = finding_codes(ref)
    out = []
    for key in ("constats", "erreurs", "avertissements"):
        for i, code in enumerate(getattr(attendu, key) or ()):
            if code in known:
                continue
            near = closest_code(code, known)
            hint = (
                f"vouliez-vous dire « {near} » ?"
                if near
                else "ni le moteur, ni une extension chargée (CQPKIT_CODES), ni une règle [[regles]] du référentiel ne le donne"
            )
            out.append(doc.erreur(("attendu", key, i), f"code de constat inconnu « {code} » : {hint}"))
    return out


def _unknown_domaines(doc: Any, attendu: Attendu, dossier: Any, registry: Any) -> list[Erreur]:
    """An error for each domaine id of ``[attendu]`` that the dossier's référentiel does not define."""
    try:
        ref = registry.referentiel_for(dossier)
    except Exception:  # the dossier's own validation already said why
        return []
    known = [d.id for d in ref.domaines]
    out = []
    for key in ("acquis", "expires", "restants", "formation", "evaluation_directe"):
        for i, value in enumerate(getattr(attendu, key) or ()):
            if value not in known:
                out.append(
                    doc.erreur(
                        ("attendu", key, i),
                        f"domaine « {value} » inconnu (domaines de {ref.id} {ref.version} : {', '.join(known) or 'aucun'})",
                    )
                )
    return out


def _set(label: str, expected: tuple[str, ...] | None, actual: list[str], out: list[str]) -> None:
    if expected is None:
        return
    if set(expected) != set(actual):
        missing = sorted(set(expected) - set(actual))
        extra = sorted(set(actual) - set(expected))
        parts = []
        if missing:
            parts.append(f"manquant(s) : {', '.join(missing)}")
        if extra:
            parts.append(f"en trop : {', '.join(extra)}")
        out.append(f"{label} : {' ; '.join(parts)} (obtenu : {', '.join(sorted(actual)) or 'aucun'})")


def _same(label: str, expected: Any, actual: Any, out: list[str]) -> None:
    if expected is not None and expected != actual:
        def show(v: Any) -> str:
            return v.isoformat() if isinstance(v, dt.date) else str(v)

        out.append(f"{label} : attendu « {show(expected)} », obtenu « {show(actual) if actual is not None else 'aucun'} »")


def run_scenario(scenario: Scenario, registry: Any) -> ScenarioOutcome:
    """Run the engines on the scenario's dossier as of its date and compare with ``[attendu]``."""
    day = scenario.info.date
    a = scenario.attendu
    diffs: list[str] = []
    dossier = scenario.dossier
    resultat = registry.decide(dossier, day)
    parcours = registry.plan(dossier, day)
    constats = list(registry.check(dossier, day)) + list(resultat.constats) + list(parcours.constats)
    if scenario.session is not None:
        constats += registry.check_session(scenario.session, [dossier], list(scenario.historique))
    if a.constats is not None:
        # Every erreur / avertissement must be expected; every code expected must be found
        # (an information code may be listed, it is then required).
        blocking = {c.code for c in constats if c.niveau != "information"}
        found = blocking | {c.code for c in constats}
        expected = set(a.constats)
        missing = sorted(expected - found)
        extra = sorted(blocking - expected)
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"manquant(s) : {', '.join(missing)}")
            if extra:
                parts.append(f"en trop : {', '.join(extra)}")
            diffs.append(f"constats : {' ; '.join(parts)} (obtenu : {', '.join(sorted(blocking)) or 'aucun'})")
    for key, niveau, expected_codes in (("erreurs", "erreur", a.erreurs), ("avertissements", "avertissement", a.avertissements)):
        if expected_codes is None:
            continue
        got = {c.code for c in constats if c.niveau == niveau}
        missing, extra = sorted(set(expected_codes) - got), sorted(got - set(expected_codes))
        if missing or extra:
            parts = ([f"manquant(s) : {', '.join(missing)}"] if missing else []) + ([f"en trop : {', '.join(extra)}"] if extra else [])
            diffs.append(f"{key} : {' ; '.join(parts)} (obtenu : {', '.join(sorted(got)) or 'aucun'})")
    _same("statut", a.statut, resultat.statut, diffs)
    _set("acquis", a.acquis, [x.domaine for x in resultat.acquis], diffs)
    _set("expires", a.expires, [x.domaine for x in resultat.expires], diffs)
    _set("restants", a.restants, list(resultat.restants), diffs)
    _same("date_certification", a.date_certification, resultat.date_certification, diffs)
    if a.sans_certification and resultat.date_certification is not None:
        diffs.append(f"date_certification : aucune attendue, obtenu « {resultat.date_certification.isoformat()} »")
    if any(x is not None for x in (a.reorientation, a.voie_suggeree, a.formation, a.evaluation_directe)):
        _same("reorientation", a.reorientation, parcours.reorientation, diffs)
        _same("voie_suggeree", a.voie_suggeree, parcours.voie_suggeree, diffs)
        _set("formation", a.formation, [d.domaine for d in parcours.domaines if d.orientation == "formation"], diffs)
        _set(
            "evaluation_directe",
            a.evaluation_directe,
            [d.domaine for d in parcours.domaines if d.orientation == "evaluation_directe"],
            diffs,
        )
    if a.financement is not None:
        lines = registry.funding(dossier, day)
        got = sorted((x.code, x.annee or 0, round(x.montant, 2)) for x in lines)
        want = sorted((x.code, x.annee or 0, round(x.montant, 2)) for x in a.financement)
        if got != want:
            def show(rows: list) -> str:
                return ", ".join(f"{c}{f' [{y}]' if y else ''} = {m:.2f}" for c, y, m in rows) or "aucune"

            diffs.append(f"financement : attendu {show(want)} ; obtenu {show(got)}")
    return ScenarioOutcome(fichier=scenario.fichier, description=scenario.info.description, differences=tuple(diffs))


_SCENARIO_TABLE = re.compile(r"^\s*\[\s*(?:scenario|attendu)\s*\]\s*(?:#.*)?$")


def is_scenario_file(path: str) -> bool:
    """A ``.toml`` file with a ``[scenario]`` or an ``[attendu]`` table (checked on the text, without parsing).

    ``[attendu]`` counts too, so that a scenario whose ``[scenario]`` header is misspelt
    is read and reported, not silently left out of a run.
    A ``.toml`` that cannot be read (a named pipe, a device behind a link, a file over the size
    cap, not UTF-8) counts too: it is reported when the scenario is loaded, never skipped in silence.
    It is read through cqpkit's one reader, which never blocks on a FIFO.
    """
    if not path.endswith(".toml"):
        return False
    from cqpkit.exceptions import CqpkitError
    from cqpkit.formats.tomlfile import read_file

    try:
        text = read_file(path)[0].decode("utf-8")
    except FileNotFoundError:  # gone since it was listed, or a broken link: nothing to report
        return False
    except (OSError, CqpkitError, UnicodeDecodeError):
        return True
    return any(_SCENARIO_TABLE.match(line) for line in text.splitlines())


def find_scenarios(root: str | os.PathLike[str]) -> Iterator[str]:
    """Every scenario file under ``root`` (a file or a directory), sorted.

    ``root`` itself is yielded when it is not a directory (a file, a FIFO…: reported when loaded).
    Links to directories are not followed (a loop of links cannot make the walk endless); a
    subdirectory that cannot be listed is skipped.
    """
    root = os.fspath(root)
    if not os.path.isdir(root):
        yield root
        return
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            if is_scenario_file(path):
                yield path
