"""A référentiel skeleton from one fiche of France Compétences' registers (``cqpkit rncp import``).

What the fiche states, and nothing else: the identity (``[certification]`` with its
``[certification.repertoire]``: fiche, level, NSF / ROME / Formacode codes, certifiers, registration
dates), one ``[[domaines]]`` of type ``bloc`` per bloc de compétences (its label, its code as
``code_bloc``, its compétences, its evaluation modalities in ``notes``), ``complet = false`` and
sources pointing to the fiche's public page. The épreuves, critères, échelles, jury and funding are
left to a person who completes the file from the branch's documents. The text written is read back by
the référentiel loader before it is returned, so a skeleton always passes ``cqpkit validate``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any

from cqpkit.interop.rncp import FicheRepertoire, RncpInputError

__all__ = ["fiche_url", "skeleton", "skeleton_toml"]


def fiche_url(numero: str) -> str:
    """The public page of a fiche on France Compétences' site (``RNCP1796`` → ``…/recherche/rncp/1796/``)."""
    m = re.match(r"^(RNCP|RS)(\d+)$", numero)
    if m is None:
        return "https://www.francecompetences.fr/recherche/"
    return f"https://www.francecompetences.fr/recherche/{m.group(1).lower()}/{int(m.group(2))}/"


def _slug(text: str) -> str:
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", ascii_text)
    out = ""
    for w in words:
        if len(out) + len(w) + 1 > 60:
            break
        out = f"{out}-{w}" if out else w
    return out


def _short(text: str) -> str:
    from cqpkit.formats.limits import TEXTE

    return text if len(text) <= TEXTE else text[: TEXTE - 1] + "…"


def skeleton(f: FicheRepertoire, *, ident: str | None = None, today: dt.date | None = None) -> Any:
    """The référentiel skeleton of a fiche: identity, blocs with their codes, evaluation modalities as notes.

    ``ident`` is the certification id (``branche.slug``); by default ``a-completer.<slug of the intitulé>``,
    which the notes ask to replace. Only what the fiche states; ``complet = false``.
    """
    from cqpkit.formats.repertoire import BLOC_RE, FICHE_RE
    from cqpkit.model import CertificateurRepertoire, Certification, Domaine, Referentiel, Repertoire, Source

    m = FICHE_RE.match(f.numero)
    if m is None:
        raise RncpInputError([f"{', '.join(f.lu_dans)} : numéro de fiche « {f.numero} » non reconnu (RNCPnnnnn ou RSnnnn attendu)"])
    ident = ident or f"a-completer.{_slug(f.intitule) or f.numero.lower()}"
    branche = ident.partition(".")[0]
    # an archive's members are named « archive.zip:member.csv »: the archive is named once
    files = ", ".join(dict.fromkeys(os.path.basename(n.split(".zip:")[0] + ".zip" if ".zip:" in n else n) for n in f.lu_dans))
    url = fiche_url(f.numero)
    source = Source(document=url, section=f"Fiche {f.numero}", notes=f"Lue dans l'export des données ouvertes de France Compétences : {files}.")
    notes = [
        f"Squelette écrit par « cqpkit rncp import »{' le ' + today.isoformat() if today else ''} depuis la fiche {f.numero} "
        f"({files}) : l'identité, les blocs et leurs modalités d'évaluation viennent de la fiche ; les épreuves, "
        "critères, échelles, le jury et les financements sont à compléter d'après les documents de la branche, puis "
        "complet = true.",
    ]
    if ident.startswith("a-completer."):
        notes.append(f"L'identifiant « {ident} » est à remplacer par « branche.slug » (option --id).")
    if f.actif.strip().lower() in ("non", "inactive", "false"):
        notes.append(f"La fiche {f.numero} est inactive dans l'export (« {f.actif} »).")
    keep = {k: tuple(c for c in getattr(f, k) if re.match(p, c)) for k, p in (("nsf", r"^\d{3}[a-z]?$"), ("rome", r"^[A-N]\d{4}$"), ("formacode", r"^\d{5}$"))}
    dropped = [f"{k} {c}" for k in keep for c in getattr(f, k) if c not in keep[k]]
    if dropped:
        notes.append(f"Codes de la fiche d'une forme non reconnue, laissés de côté : {', '.join(dropped)}.")
    fin = f.date_fin_enregistrement
    if fin and any(d and fin < d for d in (f.date_effet, f.date_decision)):
        notes.append(f"Date de fin d'enregistrement de la fiche ({fin}) antérieure à son effet : laissée de côté.")
        fin = None
    repertoire = Repertoire(
        fiche=f.numero,
        intitule="",
        niveau=f.niveau if m.group(1) == "RNCP" else None,
        nsf=keep["nsf"],
        rome=keep["rome"],
        formacode=keep["formacode"],
        certificateurs=tuple(
            CertificateurRepertoire(nom=_short(nom), siret=siret if re.match(r"^\d{14}$", siret) else "") for nom, siret in f.certificateurs
        ),
        date_decision=f.date_decision,
        date_effet=f.date_effet,
        date_fin_enregistrement=fin,
        sources=(source,),
    )
    domaines: list[Domaine] = []
    used: set[str] = set()
    for i, b in enumerate(f.blocs, 1):
        bm = BLOC_RE.match(b.code)
        own = bm is not None and m.group(1) == "RNCP" and int(bm.group(1)) == int(m.group(2)) and b.code not in used
        did = f"BC{bm.group(2)}" if own and bm else f"B{i}"
        while did in {d.id for d in domaines}:
            did += "-bis"
        if own:
            used.add(b.code)
        dnotes = [] if own else [f"Code du bloc dans la fiche : « {b.code} » (forme non reconnue ou en double)."]
        if b.modalites:
            dnotes.append(f"Modalités d'évaluation (fiche {f.numero}) :\n{b.modalites}")
        domaines.append(
            Domaine(
                id=did,
                intitule=_short(b.libelle or f"Bloc {b.code}"),
                type="bloc",
                competences=tuple(_short(c) for c in b.competences[:1000]),
                code_bloc=b.code if own else None,
                sources=(Source(document=url, section=f"Fiche {f.numero}, bloc {b.code}"),),
                notes=_short("\n\n".join(dnotes)),
            )
        )
    certification = Certification(
        id=ident,
        intitule=_short(f.intitule or f.numero),
        branche=branche,
        certificateur=_short(" ; ".join(n for n, _ in f.certificateurs) or f"non indiqué par la fiche {f.numero}"),
        version=f.numero,
        complet=False,
        capacites=tuple(_short(c) for c in f.capacites[:1000]),
        repertoire=repertoire,
        sources=(source,),
        notes="\n\n".join(notes),
    )
    return Referentiel(certification=certification, domaines=tuple(domaines))


def skeleton_toml(ref: Any, fichier: str = "<squelette>") -> str:
    """The skeleton as TOML text, checked by the référentiel loader before it is returned (every error: :class:`RncpInputError`)."""
    from cqpkit.exceptions import InvalidFileError
    from cqpkit.formats.referentiels import dump_referentiel, loads_referentiel

    text = dump_referentiel(ref, schema_line=True)
    try:
        loads_referentiel(text, fichier, extensions={})
    except InvalidFileError as exc:
        raise RncpInputError([f"le squelette ne serait pas valide : {e}" for e in exc.erreurs]) from None
    return text
