"""Build the five Mutualité référentiels from fragments: the branch rules are written once.

The CPNEFP guide states one set of branch rules for its five CQPs (registration with the
OEMM, 3 years to a first jury, 280–320 hours, final evaluation in the company, jury of
four, partial awards valid 5 years, VAE admissibility and documents, the 120-point
gratification). They live in ``fragments/branche.toml``; the two jury formats of
Partie 1, 2.5 in ``fragments/jury-diaporama.toml`` and ``fragments/jury-entretien.toml``;
what belongs to one CQP in ``fragments/<slug>.toml``. :data:`REFERENTIELS` says which
fragments make which file.

The files of ``referentiels/`` are **generated** from the fragments and checked in: they
stay ordinary référentiel files (validated with line numbers, cached by the registry,
read by ``cqpkit validate``, ``cqpkit show`` and the tests), and a test fails when one
is out of date. Edit the fragments, never the generated files, then run::

    python -m cqpkit_mutualite.generation          # rewrite referentiels/*.toml
    python -m cqpkit_mutualite.generation --check  # exit 1 if a file is stale

Merge rules (:func:`merge`, fragments applied left to right on an empty document):

- two tables are merged key by key, recursively;
- two lists of tables whose elements all have an ``id`` are merged element by element
  on ``id`` (the earlier order is kept, new ids are appended);
- two other lists are concatenated (an element already present is not repeated);
- two ``notes`` texts are joined by a blank line;
- any other key given twice with different values is an error: a fragment never
  silently overrides a branch rule.

Then the generator-only table ``_gabarits`` is applied and removed: each
``[_gabarits.<name>]`` gives its keys (``evaluateurs``…) to every épreuve whose ``type`` is
in its ``types`` and that does not set the key itself. This is how the branch rule "final
evaluation by the line manager and a distinct second evaluator" is written once for every
in-company épreuve of every CQP.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tomllib
from typing import Any

__all__ = ["FRAGMENTS", "REFERENTIELS", "MergeError", "build", "check", "dumps", "merge", "write"]

HERE = os.path.dirname(os.path.abspath(__file__))
FRAGMENTS = os.path.join(HERE, "fragments")
OUTPUT = os.path.join(HERE, "referentiels")

#: generated file name -> the fragments it is made of, merged left to right.
REFERENTIELS: dict[str, tuple[str, ...]] = {
    "conseiller-mutualiste-2014.toml": (
        "branche.toml",
        "jury-diaporama.toml",
        "sans-domaines.toml",
        "conseiller-mutualiste.toml",
    ),
    "charge-accueil-relation-clients-2014.toml": (
        "branche.toml",
        "jury-diaporama.toml",
        "sans-domaines.toml",
        "charge-accueil-relation-clients.toml",
    ),
    "teleconseiller-2014.toml": ("branche.toml", "jury-entretien.toml", "sans-domaines.toml", "teleconseiller.toml"),
    "assistant-commercial-2014.toml": (
        "branche.toml",
        "jury-entretien.toml",
        "sans-domaines.toml",
        "assistant-commercial.toml",
    ),
    "specialiste-prestations-2014.toml": (
        "branche.toml",
        "jury-diaporama.toml",
        "specialiste-prestations.toml",
    ),
}

# Customary order of the top-level tables (referentials/README.md, "Order").
_TOP = (
    "certification", "prerequis", "domaines", "echelles", "epreuves", "modules", "voies",
    "jury", "tutorat", "formation", "financement", "volumes", "regles",
)  # fmt: skip
# Keys written first and last inside a table, whatever the fragment order.
_FIRST = ("id", "intitule", "libelle", "type")
_LAST = ("sources", "source", "notes")
# Lists of tables written as sub-arrays ([[epreuves.criteres]]), not inline.
_SUBARRAYS = {("epreuves", "criteres"), ("financement", "valeurs")}


class MergeError(ValueError):
    """Two fragments give different values to the same key."""


# ------------------------------------------------------------------------------ merge
def _is_id_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) and "id" in v for v in value)


def merge(base: Any, extra: Any, path: str = "") -> Any:
    """Merge fragment ``extra`` into ``base`` (neither is modified); see the module docstring."""
    if isinstance(base, dict) and isinstance(extra, dict):
        out = dict(base)
        for key, value in extra.items():
            sub = f"{path}.{key}" if path else key
            out[key] = merge(base[key], value, sub) if key in base else value
        return out
    if _is_id_list(base) and _is_id_list(extra):
        out = list(base)
        index = {v["id"]: i for i, v in enumerate(out)}
        for item in extra:
            if item["id"] in index:
                i = index[item["id"]]
                out[i] = merge(out[i], item, f"{path}[{item['id']}]")
            else:
                index[item["id"]] = len(out)
                out.append(item)
        return out
    if isinstance(base, list) and isinstance(extra, list):
        return base + [v for v in extra if v not in base]
    if path.endswith("notes") and isinstance(base, str) and isinstance(extra, str):
        return base.rstrip("\n") + "\n\n" + extra.lstrip("\n") if base and extra else base or extra
    if base == extra:
        return base
    raise MergeError(f"{path} : deux fragments donnent des valeurs différentes ({base!r} et {extra!r})")


def build(name: str, fragments_dir: str = FRAGMENTS) -> dict[str, Any]:
    """The merged document of generated file ``name`` (a key of :data:`REFERENTIELS`)."""
    doc: dict[str, Any] = {}
    for fragment in REFERENTIELS[name]:
        with open(os.path.join(fragments_dir, fragment), "rb") as fh:
            doc = merge(doc, tomllib.load(fh))
    return apply_gabarits(doc)


def apply_gabarits(doc: dict[str, Any]) -> dict[str, Any]:
    """Remove ``_gabarits`` and give its keys to every épreuve of its ``types`` that lacks them."""
    doc = dict(doc)
    gabarits = doc.pop("_gabarits", {})
    epreuves = [dict(e) for e in doc.get("epreuves", [])]
    for gabarit in gabarits.values():
        keys = {k: v for k, v in gabarit.items() if k != "types"}
        for epreuve in epreuves:
            if epreuve.get("type") in gabarit["types"]:
                for key, value in keys.items():
                    epreuve.setdefault(key, value)
    if epreuves:
        doc["epreuves"] = epreuves
    return doc


# ------------------------------------------------------------------------------ write
def _key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() and key.isascii() else _string(key)


def _string(text: str) -> str:
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{out}"'


def _wrap(line: str, width: int = 100) -> str:
    """One line of a multi-line string, cut at spaces with TOML line-ending backslashes."""
    out = []
    while len(line) > width:
        cut = line.rfind(" ", 0, width)
        # A line-ending backslash also eats the whitespace that starts the next line: cut only
        # at a single space, which stays before the backslash.
        while cut > 0 and (line[cut - 1] == " " or line[cut + 1 : cut + 2] in (" ", "")):
            cut = line.rfind(" ", 0, cut)
        if cut <= 0:
            break
        out.append(line[: cut + 1] + "\\")
        line = line[cut + 1 :]
    out.append(line)
    return "\n".join(out)


def _multiline(text: str) -> str:
    body = text.replace("\\", "\\\\").replace('"""', '""\\"')
    lines = "\n".join(_wrap(line) for line in body.split("\n"))
    # The first newline after the opening quotes is trimmed by TOML; a text without a final
    # newline ends with a line-ending backslash.
    return '"""\n' + lines + ('"""' if body.endswith("\n") else '\\\n"""')


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return _string(value)
    raise TypeError(f"valeur non prise en charge : {value!r}")


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_key(k)} = {_inline(v)}" for k, v in _ordered(value)) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    return _scalar(value)


def _ordered(table: dict[str, Any]) -> list[tuple[str, Any]]:
    first = [k for k in _FIRST if k in table]
    last = [k for k in _LAST if k in table]
    middle = [k for k in table if k not in first and k not in last]
    return [(k, table[k]) for k in (*first, *middle, *last)]


def _value(key: str, value: Any) -> str:
    if isinstance(value, str) and "\n" in value:
        return f"{_key(key)} = {_multiline(value)}"
    if isinstance(value, list) and value:
        one_line = f"{_key(key)} = {_inline(value)}"
        if len(one_line) <= 110 and not any(isinstance(v, dict) for v in value):
            return one_line
        items = "".join(f"  {_inline(v)},\n" for v in value)
        return f"{_key(key)} = [\n{items}]"
    return f"{_key(key)} = {_inline(value)}"


def _table(lines: list[str], header: str, table: dict[str, Any], parent: str) -> None:
    lines.append(header)
    subarrays = []
    for key, value in _ordered(table):
        if (parent, key) in _SUBARRAYS and isinstance(value, list):
            subarrays.append((key, value))
        else:
            lines.append(_value(key, value))
    name = header.strip().strip("[]")
    for key, rows in subarrays:
        for row in rows:
            lines.append("")
            lines.append(f"  [[{name}.{key}]]")
            lines.extend("  " + _value(k, v) for k, v in _ordered(row))


def dumps(doc: dict[str, Any], fragments: tuple[str, ...] = ()) -> str:
    """The text of a generated référentiel file (schema line, header, tables in the customary order)."""
    lines = ["#:schema https://cqpkit.invalid/referentials/referentiel.schema.json"]
    lines.append("# FICHIER GÉNÉRÉ par cqpkit_mutualite.generation : ne pas le modifier à la main.")
    if fragments:
        lines.append("# Fragments (fusionnés dans cet ordre) : " + ", ".join(f"fragments/{f}" for f in fragments) + ".")
    lines.append(
        "# Les règles de branche, communes aux cinq CQP, sont écrites une seule fois dans fragments/branche.toml."
    )
    unknown = [k for k in doc if k not in _TOP]
    if unknown:
        raise MergeError(f"tables inconnues : {', '.join(unknown)}")
    for top in _TOP:
        if top not in doc:
            continue
        value = doc[top]
        lines.append("")
        lines.append(f"# {'-' * 70} {top}")
        if top in ("echelles", "financement"):
            for i, (key, table) in enumerate(value.items()):
                if i:
                    lines.append("")
                _table(lines, f"[{top}.{_key(key)}]", table, top)
        elif isinstance(value, list):
            for i, row in enumerate(value):
                if i:
                    lines.append("")
                _table(lines, f"[[{top}]]", row, top)
        else:
            _table(lines, f"[{top}]", value, top)
    return "\n".join(lines) + "\n"


def render(name: str, fragments_dir: str = FRAGMENTS) -> str:
    """The text generated file ``name`` must hold."""
    text = dumps(build(name, fragments_dir), REFERENTIELS[name])
    if tomllib.loads(text) != build(name, fragments_dir):  # the writer must be lossless
        raise MergeError(f"{name} : l'écriture TOML ne restitue pas le document fusionné")
    return text


def write(output_dir: str = OUTPUT, fragments_dir: str = FRAGMENTS) -> list[str]:
    """Rewrite every generated file; returns the paths written."""
    written = []
    for name in REFERENTIELS:
        path = os.path.join(output_dir, name)
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(render(name, fragments_dir))
        written.append(path)
    return written


def check(output_dir: str = OUTPUT, fragments_dir: str = FRAGMENTS) -> list[str]:
    """The generated files that are missing or differ from their fragments (empty when in sync)."""
    stale = []
    for name in REFERENTIELS:
        path = os.path.join(output_dir, name)
        try:
            with open(path, encoding="utf-8") as fh:
                current = fh.read()
        except OSError:
            current = None
        if current != render(name, fragments_dir):
            stale.append(path)
    return stale


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--check"]:
        stale = check()
        for path in stale:
            print(f"{path} : périmé, relancer « python -m cqpkit_mutualite.generation »", file=sys.stderr)
        return 1 if stale else 0
    if args:
        print("usage : python -m cqpkit_mutualite.generation [--check]", file=sys.stderr)
        return 2
    for path in write():
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
