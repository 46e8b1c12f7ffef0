"""Checks of the register codes of a référentiel: its RNCP / RS fiche and the codes of its blocs.

They run on the parsed TOML tables, in the same pass as the converter's type errors and the
other cross-checks (:mod:`cqpkit.formats.checks`), and only look at values of the expected
shape (a wrong type is the converter's to report). Each finding is ``(path, message)``.

The forms checked (France Compétences' codes, as its open-data export writes them):

- fiche: ``RNCP`` followed by its number (``RNCP1796``, ``RNCP38596``), or ``RS`` followed by its
  number (``RS5627``); at most 5 digits;
- bloc: the fiche's code followed by ``BC`` and two digits (``RNCP38596BC02``); a bloc code names
  the fiche of ``[certification.repertoire]`` (same number), and only an RNCP fiche has blocs;
- NSF: three digits and an optional lower-case letter (``313``, ``313m``); ROME: a letter from A to
  N and four digits (``D1401``); Formacode: five digits (``22293``); SIRET: fourteen digits;
- ``niveau``: 1 to 8 (the levels of the cadre national des certifications professionnelles);
- ``date_fin_enregistrement`` not before ``date_effet`` nor ``date_decision``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from cqpkit.formats.positions import Path
from cqpkit.model import CODES_REPERTOIRE

__all__ = ["BLOC_RE", "FICHE_RE", "check_repertoire_data"]

#: A fiche code: the register and the number.
FICHE_RE = re.compile(CODES_REPERTOIRE["fiche"])
#: A bloc code: the RNCP fiche, « BC », two digits.
BLOC_RE = re.compile(CODES_REPERTOIRE["code_bloc"])

_CODES: dict[str, tuple[re.Pattern[str], str]] = {
    "nsf": (re.compile(CODES_REPERTOIRE["nsf"]), "code NSF « {} » invalide : trois chiffres et éventuellement une lettre minuscule (« 313 », « 313m »)"),
    "rome": (re.compile(CODES_REPERTOIRE["rome"]), "code ROME « {} » invalide : une lettre de A à N et quatre chiffres (« D1401 »)"),
    "formacode": (re.compile(CODES_REPERTOIRE["formacode"]), "code Formacode « {} » invalide : cinq chiffres (« 22293 »)"),
}
_SIRET = re.compile(CODES_REPERTOIRE["siret"])

Finding = tuple[Path, str]


def _date(value: Any) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _check_fiche(rep: dict[str, Any], base: Path, findings: list[Finding]) -> re.Match[str] | None:
    fiche = rep.get("fiche")
    if not isinstance(fiche, str):
        return None
    m = FICHE_RE.match(fiche)
    if m is None:
        findings.append(
            (
                base + ("fiche",),
                f"code de fiche « {fiche} » invalide : « RNCP » suivi du numéro de la fiche au Répertoire national "
                "(« RNCP38596 ») ou « RS » suivi de son numéro au Répertoire spécifique (« RS5627 »), sans espace",
            )
        )
    return m


def _check_codes(rep: dict[str, Any], base: Path, findings: list[Finding]) -> None:
    for key, (pattern, message) in _CODES.items():
        values = rep.get(key)
        if not isinstance(values, list):
            continue
        seen: set[str] = set()
        for i, code in enumerate(values):
            if not isinstance(code, str):
                continue
            if not pattern.match(code):
                findings.append((base + (key, i), message.format(code)))
            elif code in seen:
                findings.append((base + (key, i), f"code « {code} » en double"))
            seen.add(code)
    niveau = rep.get("niveau")
    if isinstance(niveau, int) and not isinstance(niveau, bool) and not 1 <= niveau <= 8:
        findings.append((base + ("niveau",), f"niveau {niveau} invalide : de 1 à 8 (cadre national des certifications professionnelles)"))
    certificateurs = rep.get("certificateurs")
    if isinstance(certificateurs, list):
        for i, c in enumerate(certificateurs):
            siret = c.get("siret") if isinstance(c, dict) else None
            if isinstance(siret, str) and siret and not _SIRET.match(siret):
                findings.append((base + ("certificateurs", i, "siret"), f"SIRET « {siret} » invalide : quatorze chiffres, sans espace"))
    end = rep.get("date_fin_enregistrement")
    if isinstance(end, dt.date) and _date(end):
        for key, what in (("date_effet", "la date d'effet"), ("date_decision", "la date de décision")):
            start = rep.get(key)
            if isinstance(start, dt.date) and _date(start) and end < start:
                findings.append((base + ("date_fin_enregistrement",), f"fin d'enregistrement ({end}) antérieure à {what} ({start})"))


def _check_blocs(data: dict[str, Any], fiche: str | None, numero: str | None, findings: list[Finding]) -> None:
    domaines = data.get("domaines")
    if not isinstance(domaines, list):
        return
    seen: dict[str, int] = {}
    for i, d in enumerate(domaines):
        code = d.get("code_bloc") if isinstance(d, dict) else None
        if not isinstance(code, str):
            continue
        path: Path = ("domaines", i, "code_bloc")
        m = BLOC_RE.match(code)
        if m is None:
            findings.append((path, f"code de bloc « {code} » invalide : le code de la fiche RNCP, « BC » et deux chiffres (« RNCP38596BC01 »)"))
        elif fiche is None:
            findings.append(
                (path, f"code de bloc « {code} » sans fiche : indiquer la fiche dans [certification.repertoire] (fiche = \"RNCP{m.group(1)}\")")
            )
        elif numero == "":
            pass  # the fiche itself is invalid (reported once): nothing to compare the bloc with
        elif numero is None:
            findings.append((path, f"code de bloc « {code} » : la fiche {fiche} est au Répertoire spécifique, qui n'a pas de blocs de compétences"))
        elif int(m.group(1)) != int(numero):
            findings.append((path, f"code de bloc « {code} » d'une autre fiche que {fiche} (attendu « {fiche}BC{m.group(2)} »)"))
        if code in seen:
            findings.append((path, f"code de bloc « {code} » en double (déjà donné en domaines[{seen[code]}])"))
        else:
            seen[code] = i


def check_repertoire_data(data: dict[str, Any]) -> list[Finding]:
    """The findings on the register codes of a parsed référentiel document (see the module docstring)."""
    findings: list[Finding] = []
    cert = data.get("certification") if isinstance(data, dict) else None
    rep = cert.get("repertoire") if isinstance(cert, dict) else None
    fiche = numero = None
    if isinstance(rep, dict):
        base: Path = ("certification", "repertoire")
        m = _check_fiche(rep, base, findings)
        if m is not None:
            fiche = m.group(0)
            numero = m.group(2) if m.group(1) == "RNCP" else None
        elif isinstance(rep.get("fiche"), str):
            fiche = rep["fiche"]
            numero = ""  # an invalid fiche is reported once; its blocs are not compared to it
        _check_codes(rep, base, findings)
    if isinstance(data, dict):
        _check_blocs(data, fiche, numero, findings)
    return findings
