"""The limits of the file formats: what a référentiel, a dossier or a session file may hold.

One table, read by the converter (:mod:`cqpkit.formats.converter`) while it structures a file
(no extra walk over the data), by the JSON Schema generator (``maxLength``, ``maxItems``,
``maximum``) and by the format reference (``referentials/README.md``, « Limites »). Its purpose:
what ``cqpkit validate`` accepts, both store engines (SQLite and PostgreSQL) can hold and every
engine can compute with, and a file of absurd size is refused early with its file, line and key.
``tests/test_format_limits.py`` checks that every ``String(n)`` column of the store that receives
a value from a file has a limit here of at most ``n``, and runs the same files, at each limit and
just beyond it, through ``validate`` and an import into both engines.

The limits (the reason of each is in the format reference):

- **Texts**: at most :data:`TEXTE` characters; no control character but tab, line feed and
  carriage return (PostgreSQL refuses U+0000 in a text; the others would garble a terminal or a
  printed form), no lone UTF-16 surrogate (not a character: no encoding can store it).
- **Identifiers**: at most :data:`IDENTIFIANT` characters for what a file names by itself
  (dossier, candidat, acteur, personne, activité, session, membre, certification) and the
  references to them; at most :data:`CODE` for the ids inside a référentiel (domaine, épreuve,
  critère, module, voie, mention, échelle and its values…), the référentiel version, and the keys
  of a table (``criteres``, ``decisions``…). Per field: :data:`TEXTES`.
- **Lists and tables**: at most :data:`ELEMENTS` items, fewer where the domain has a bound
  (:data:`NOMBRES_D_ELEMENTS`).
- **Dates** between :data:`DATE_MIN` and :data:`DATE_MAX`; **durations** of at most
  :data:`DUREE_MAX_JOURS` days counted as the engine counts them (365 per year, 30 per month):
  so that adding or subtracting any duration to any date stays far within the calendar
  (years 1 to 9999), whatever the engine chains.
- **Numbers** at most :data:`NOMBRE_MAX` (they are already finite and not negative): every
  number fits PostgreSQL's ``INTEGER`` (32 bits) and is exact as a float.

Only the files a user writes are checked (TOML, and the JSON input of
:mod:`cqpkit.formats.jsonfile`); what the store reads back was checked when it was imported,
and is not refused if a limit becomes stricter.
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = [
    "CODE",
    "DATE_MAX",
    "DATE_MIN",
    "DUREE_MAX_JOURS",
    "ELEMENTS",
    "IDENTIFIANT",
    "NOMBRES_D_ELEMENTS",
    "NOMBRE_MAX",
    "TEXTE",
    "TEXTES",
    "elements_of",
    "forbidden_character",
    "text_of",
]

#: Any text (notes, libellés, consignes): 10 times the longest text of the bundled référentiels (3 017).
TEXTE = 30_000
#: What a file names by itself and the references to it; the store's ids are ``String(100)``.
IDENTIFIANT = 100
#: An id inside a référentiel, the référentiel version, a key of a table; the store's ``domaine``
#: and ``version_referentiel`` columns are ``String(50)`` (the longest id of the bundled files: 31).
CODE = 50
#: Any list or table without a bound of its own.
ELEMENTS = 1_000
#: Any number (hours, days, amounts, counts, rates): fits a 32-bit ``INTEGER`` column, exact as a float.
NOMBRE_MAX = 1_000_000_000
#: The first and the last day a file may hold (birth dates included).
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2199, 12, 31)
#: The longest duration, in days counted 365 per year, 30 per month, 7 per week: 100 years.
DUREE_MAX_JOURS = 36_500

_ID, _CODE = IDENTIFIANT, CODE

#: The length of a text field, of each text of a list field, or of each key of a table field,
#: per class and field; a text field not listed is a :data:`TEXTE`.
TEXTES: dict[str, dict[str, int]] = {
    # Dossier files.
    "DossierInfo": {"id": _ID, "certification": _ID, "version": _CODE, "voie": _CODE, "mention": _CODE, "documents": _CODE},
    "Candidat": {"id": _ID},
    "Acteur": {"id": _ID, "personne": _ID},
    "MissionTutorale": {"dossier": _ID},
    "Positionnement": {"par": _ID, "prerequis": _CODE, "domaines": _CODE},
    "PositionnementDomaine": {"savoir_faire": _CODE, "savoirs": _CODE, "niveau": _CODE},
    "FormationSuivie": {"module": _CODE},
    "Activite": {"id": _ID, "domaine": _CODE, "module": _CODE},
    "Evaluation": {"epreuve": _CODE, "evaluateurs": _ID, "criteres": _CODE, "verdict": _CODE, "mention": _CODE},
    "PassageJury": {"session": _ID, "decisions": _CODE},
    # Jury-session files.
    "SessionInfo": {"id": _ID, "certifications": _ID, "president": _ID, "precedente": _ID},
    "Membre": {"id": _ID, "college": _CODE},
    # Référentiel files.
    "Certification": {"id": _ID, "branche": _CODE, "version": _CODE, "mentions": _CODE, "libelles_mentions": _CODE},
    "Domaine": {"id": _CODE},
    "Prerequis": {"id": _CODE},
    "Niveau": {"id": _CODE},
    "Critere": {"id": _CODE, "domaine": _CODE, "echelle": _CODE, "mention": _CODE},
    "Epreuve": {"id": _CODE, "domaines": _CODE, "mention": _CODE, "echelle": _CODE, "verdict": _CODE},
    "Module": {"id": _CODE, "domaines": _CODE, "mention": _CODE},
    "DocumentRequis": {"id": _CODE},
    "Voie": {"id": _CODE},
    "College": {"college": _CODE},
    "RegleJury": {"delai_premier_passage_voies": _CODE},
    "Financement": {"voies": _CODE},
    "Volume": {"id": _CODE},
    "Regle": {"id": _CODE, "avant": _CODE, "apres": _CODE, "voies": _CODE},
    "Referentiel": {"echelles": _CODE, "financement": _CODE},
}

#: The number of items of a list or table field, per class and field, where the domain has a bound
#: (about 10 times what the bundled référentiels and the example dossiers hold); others: :data:`ELEMENTS`.
NOMBRES_D_ELEMENTS: dict[str, dict[str, int]] = {
    # A candidate: a tutor, a manager, a few evaluators and trainers (examples: 5).
    "Dossier": {
        "acteurs": 100,
        "experiences": 200,
        "formations": 500,  # the biggest référentiel has 11 modules (examples: 11)
        "evaluations": 500,  # the biggest référentiel has 18 épreuves, some taken again (examples: 9)
        "passages": 50,  # partial awards are valid 5 years, juries meet a few times a year (examples: 2)
    },
    "DossierInfo": {"documents": 100},  # a voie requires 4 documents at most
    "Acteur": {"autres_missions": 500, "roles_secondaires": 20},
    "Positionnement": {"prerequis": 100, "domaines": 100},
    "Evaluation": {"evaluateurs": 50, "criteres": 500},  # the biggest grid has 32 critères
    "PassageJury": {"decisions": 100},
    "SessionInfo": {"certifications": 100},  # a branch has a handful of CQPs (examples: 5)
    "SessionJury": {"membres": 100},  # a jury has 4 members in the bundled référentiels
    "Referentiel": {
        "domaines": 100,  # 5 at most
        "prerequis": 100,
        "epreuves": 500,  # 18 at most
        "modules": 200,  # 11 at most
        "voies": 50,
        "volumes": 200,
        "regles": 500,
        "echelles": 100,
        "financement": 100,
    },
    "Epreuve": {"criteres": 500},  # 32 at most
    "Echelle": {"valeurs": 100},  # 3 at most
}


def text_of(cls_name: str, field: str) -> int:
    """The longest text a field holds (each item of a list, each key of a table)."""
    return TEXTES.get(cls_name, {}).get(field, TEXTE)


def elements_of(cls_name: str, field: str) -> int:
    """The most items a list or table field holds."""
    return NOMBRES_D_ELEMENTS.get(cls_name, {}).get(field, ELEMENTS)


# Tab, line feed and carriage return are the only control characters a text may hold.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def forbidden_character(text: str) -> str | None:
    """Why ``text`` cannot be stored (its first forbidden character), or ``None``."""
    m = _FORBIDDEN.search(text)
    if m is None:
        return None
    code = ord(m.group())
    what = "demi-caractère UTF-16 isolé" if 0xD800 <= code <= 0xDFFF else "caractère de contrôle"
    return (
        f"caractère interdit U+{code:04X} ({what}) en position {m.start() + 1} : un texte ne contient ni caractère "
        "de contrôle (hors tabulation et fin de ligne) ni demi-caractère UTF-16 isolé"
    )
