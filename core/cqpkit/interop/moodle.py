"""A référentiel as the CSV that Moodle's competency framework import tool reads (``tool_lpimportcsv``).

The tool (Moodle 3.1 and later, « Site administration › Competencies › Import competency
framework ») reads one row per competency, in fourteen columns whose order it fixes
(``framework_importer::list_required_headers``): Parent ID number, ID number, Short name,
Description, Description format, Scale values, Scale configuration, Rule type, Rule outcome, Rule
config, Cross-referenced competency ID numbers, Exported ID, Is framework, Taxonomy. The framework
is the row whose « Is framework » is true; each other row hangs under the row whose « ID number » is
its « Parent ID number » (empty: the top level). What is written:

- **the framework**: ID number ``<certification id>@<version>``, short name the intitulé, a
  description (certifier, version, RNCP / RS fiche), the taxonomies ``domain,indicator`` (one per
  level), and the scale of a domaine: the jury's decision, « Non acquis, Acquis » (proficient and
  default: « Acquis »);
- **each domaine or bloc** at the top level (ID number its id; the bloc's RNCP code and its
  savoir-faire, savoirs, compétences in the description);
- **each critère** under its domaine (the critère's ``domaine``, else the épreuve's only domaine),
  ID number ``<domaine>/<épreuve>/<critère>``; the critères of an épreuve that names several
  domaines and whose critère names none go under a top-level competency for that épreuve
  (``epreuve:<id>``, its critères ``epreuve:<id>/<critère>``). Ids hold no « / » nor « : », so these
  ID numbers are unique in the framework. A critère carries the scale of its échelle: its values from the least to the
  most favourable, proficient those marked ``favorable`` (the most favourable one when none is),
  default the first proficient one.

Short names are cut at 100 characters (Moodle's own cut); the whole text is in the description
(HTML, format 1). Rules, cross-references and exported ids are left empty: the référentiel has none.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["HEADERS", "SCALE_DOMAINE", "framework_rows", "write_csv"]

#: The columns, in the order the import tool reads them (its English header strings).
HEADERS: tuple[str, ...] = (
    "Parent ID number",
    "ID number",
    "Short name",
    "Description",
    "Description format",
    "Scale values",
    "Scale configuration",
    "Rule type (optional)",
    "Rule outcome (optional)",
    "Rule config (optional)",
    "Cross-referenced competency ID numbers",
    "Exported ID (optional)",
    "Is framework",
    "Taxonomy",
)

#: The scale of a domaine: the jury's decision (``acquis`` / ``non_acquis`` of a dossier's passage).
SCALE_DOMAINE: tuple[tuple[str, bool], ...] = (("Non acquis", False), ("Acquis", True))

_FORMAT_HTML = "1"
_SHORT = 100


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SHORT else text[: _SHORT - 1] + "…"


def _scale_value(label: str) -> str:
    # Moodle joins a scale's values with commas (grade_scale::compact_items): a comma inside one would split it.
    return " ".join(label.replace(",", " ;").split())


def scale_columns(values: tuple[tuple[str, bool], ...]) -> tuple[str, str]:
    """« Scale values » and « Scale configuration » of a scale given as (label, favourable) from least to most favourable."""
    proficient = [i for i, (_, fav) in enumerate(values, 1) if fav] or [len(values)]
    default = proficient[0]
    config: list[dict[str, Any]] = [{"scaleid": "0"}]  # the tool puts the id of the scale it finds or creates
    config += [{"id": i, "scaledefault": int(i == default), "proficient": int(i in proficient)} for i in range(1, len(values) + 1) if i in proficient]
    return ",".join(_scale_value(label) for label, _ in values), json.dumps(config, separators=(",", ":"))


def _html(paragraphs: list[str], lists: Sequence[tuple[str, tuple[str, ...]]] = ()) -> str:
    out = [f"<p>{html.escape(p)}</p>" for p in paragraphs if p]
    for title, items in lists:
        if items:
            out.append(f"<p>{html.escape(title)}</p><ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in items) + "</ul>")
    return "".join(out)


def _row(parent: str, idnumber: str, shortname: str, description: str, scale: tuple[str, str] = ("", ""), framework: bool = False, taxonomy: str = "") -> list[str]:
    rule_outcome, rule_config = ("", "") if framework else ("0", "null")  # as the tool's own export writes them
    return [parent, idnumber, _short(shortname), description, _FORMAT_HTML, scale[0], scale[1], "", rule_outcome, rule_config, "", "", "1" if framework else "", taxonomy]


def _echelle_values(ref: Any, echelle_id: str | None) -> tuple[tuple[str, bool], ...] | None:
    echelle = ref.echelles.get(echelle_id) if echelle_id else None
    if echelle is None or not echelle.valeurs:
        return None
    return tuple((n.libelle, n.favorable) for n in echelle.valeurs)


def _critere_home(e: Any, k: Any) -> str | None:
    if k.domaine:
        return str(k.domaine)
    return str(e.domaines[0]) if len(e.domaines) == 1 else None


def framework_rows(ref: Any) -> Iterator[list[str]]:
    """The rows of the CSV (header excluded): the framework, then each domaine followed by its critères."""
    c = ref.certification
    about = [f"Certificateur : {c.certificateur}", f"Version du référentiel : {c.version}"]
    if c.repertoire is not None:
        about.append(f"Fiche {c.repertoire.fiche} (France Compétences)")
    if not c.complet:
        about.append("Référentiel incomplet : les sources ne donnent pas tout.")
    yield _row("", f"{c.id}@{c.version}", c.intitule, _html([c.intitule, *about], [("Finalité", c.finalite)]), scale_columns(SCALE_DOMAINE), True, "domain,indicator")
    by_domaine: dict[str | None, list[tuple[Any, Any]]] = {}
    for e in ref.epreuves:
        for k in e.criteres:
            by_domaine.setdefault(_critere_home(e, k), []).append((e, k))
    known = {d.id for d in ref.domaines}
    for d in ref.domaines:
        head = [d.intitule] + ([f"Code du bloc : {d.code_bloc}"] if d.code_bloc else []) + ([d.description] if d.description else [])
        lists = [("Savoir-faire", d.savoir_faire), ("Savoirs", d.savoirs), ("Capacités", d.capacites), ("Compétences", d.competences)]
        yield _row("", d.id, f"{d.id} {d.intitule}", _html(head, lists))
        yield from _criteres(ref, d.id, by_domaine.get(d.id, ()))
    orphans: dict[str, list[tuple[Any, Any]]] = {}
    for home, items in by_domaine.items():
        if home is None or home not in known:
            for e, k in items:
                orphans.setdefault(e.id, []).append((e, k))
    for eid, items in orphans.items():
        e = items[0][0]
        parent = f"epreuve:{eid}"
        yield _row("", parent, e.intitule, _html([e.intitule, f"Épreuve « {eid} » : critères sans domaine unique"]))
        yield from _criteres(ref, parent, items)


def _criteres(ref: Any, parent: str, items: Any) -> Iterator[list[str]]:
    for e, k in items:
        values = _echelle_values(ref, k.echelle or e.echelle)
        scale = scale_columns(values) if values else ("", "")
        text = [k.libelle, f"Épreuve : {e.intitule} ({e.id})"]
        idnumber = f"{parent}/{k.id}" if parent.startswith("epreuve:") else f"{parent}/{e.id}/{k.id}"
        yield _row(parent, idnumber, k.libelle, _html(text), scale)


def write_csv(ref: Any, out: io.TextIOBase | Any) -> int:
    """Write the CSV (header and rows, comma-separated, UTF-8 text) to ``out``; return the number of competencies."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADERS)
    n = 0
    for row in framework_rows(ref):
        writer.writerow(row)
        n += 1
    return n
