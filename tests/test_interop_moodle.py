"""``cqpkit export moodle``: the CSV of Moodle's competency framework import tool (issue 21, point 4).

The CSV is read back as the tool reads it (``admin/tool/lpimportcsv/classes/framework_importer.php``
of Moodle): the fourteen columns by position, the row whose « Is framework » is true is the
framework, every other row hangs under the row whose « ID number » is its « Parent ID number »
(empty: the top level), and a row without ID number or short name is not created. The tree read back
is compared with the tree the référentiel itself gives (domaines, then the critères of each), built
here from the référentiel, not from the CSV.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from cqpkit.plugins.registry import load_registry

from tests.conftest import run_cli

#: The tool's column set, in its order (lang/en/tool_lpimportcsv.php, framework_importer::list_required_headers).
MOODLE_COLUMNS = [
    "Parent ID number", "ID number", "Short name", "Description", "Description format", "Scale values",
    "Scale configuration", "Rule type (optional)", "Rule outcome (optional)", "Rule config (optional)",
    "Cross-referenced competency ID numbers", "Exported ID (optional)", "Is framework", "Taxonomy",
]
(PARENT, IDNUMBER, SHORTNAME, DESCRIPTION, DESCFORMAT, SCALEVALUES, SCALECONFIG, _RT, _RO, _RC, _REL, _EXP, ISFRAMEWORK, TAXONOMY) = range(14)


def read_framework(text: str) -> tuple[dict, list]:
    """The framework and its tree, as the import tool builds them (a PHP-truthy « Is framework »)."""
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    assert header == MOODLE_COLUMNS
    framework = None
    flat: dict[str, dict] = {}
    for row in body:
        assert len(row) == 14, row
        if row[ISFRAMEWORK] not in ("", "0"):
            framework = {"idnumber": row[IDNUMBER], "shortname": row[SHORTNAME], "scale": row[SCALEVALUES], "config": row[SCALECONFIG], "taxonomy": row[TAXONOMY]}
        else:
            assert row[IDNUMBER] not in flat, f"ID number en double : {row[IDNUMBER]}"
            flat[row[IDNUMBER]] = {"parent": row[PARENT], "idnumber": row[IDNUMBER], "shortname": row[SHORTNAME], "description": row[DESCRIPTION],
                                   "scale": row[SCALEVALUES], "config": row[SCALECONFIG], "format": row[DESCFORMAT]}
    assert framework is not None

    def children(parent: str) -> list:
        return [(c["idnumber"], children(c["idnumber"])) for c in flat.values() if c["parent"] == parent and c["idnumber"] and c["shortname"]]

    return framework | {"flat": flat}, children("")


def expected_tree(ref) -> list:
    """The tree the référentiel gives: each domaine with the critères that are its own, then the épreuves whose critères have none."""
    homes: dict[str | None, list] = {}
    for e in ref.epreuves:
        for k in e.criteres:
            home = k.domaine or (e.domaines[0] if len(e.domaines) == 1 else None)
            homes.setdefault(home, []).append((e, k))
    tree = [(d.id, [(f"{d.id}/{e.id}/{k.id}", []) for e, k in homes.get(d.id, [])]) for d in ref.domaines]
    orphans: dict[str, list] = {}
    for e, k in homes.get(None, []):
        orphans.setdefault(e.id, []).append((f"epreuve:{e.id}/{k.id}", []))
    return tree + [(f"epreuve:{eid}", items) for eid, items in orphans.items()]


def export(tmp_path: Path, *args: str) -> str:
    out = tmp_path / "moodle.csv"
    proc = run_cli("export", "moodle", *args, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    return out.read_text(encoding="utf-8")


class TestRoundTrip:
    """référentiel → Moodle CSV → read back with the tool's column set → the same tree."""

    @pytest.mark.parametrize("cid,version", [("mutualite.specialiste-prestations", "2014"), ("secu.manager-operationnel", "2016"), ("secu.manager-operationnel", "blocs")])
    def test_same_tree(self, tmp_path, cid, version):
        """Every domaine at the top, every critère under its domaine (or its épreuve), nothing else."""
        ref = load_registry().referentiel(cid, version=version)
        framework, tree = read_framework(export(tmp_path, cid, "--version", version))
        assert framework["idnumber"] == f"{cid}@{version}"
        assert framework["shortname"] == ref.certification.intitule
        assert tree == expected_tree(ref)
        assert [i for i, _ in tree][: len(ref.domaines)] == [d.id for d in ref.domaines]

    def test_specialiste_prestations_counts(self, tmp_path):
        """Every critère of the bundled référentiel is placed once in the tree (under its domaine or its épreuve)."""
        ref = load_registry().referentiel("mutualite.specialiste-prestations")
        framework, tree = read_framework(export(tmp_path, "mutualite.specialiste-prestations"))
        n_criteres = sum(len(e.criteres) for e in ref.epreuves)
        placed = sum(len(children) for _, children in tree)
        assert placed == n_criteres  # every critère is in the tree once
        assert framework["taxonomy"] == "domain,indicator"

    def test_scales(self, tmp_path):
        """The framework's scale is the jury's decision; each critère carries its échelle, proficient its favourable values."""
        ref = load_registry().referentiel("mutualite.specialiste-prestations")
        framework, _ = read_framework(export(tmp_path, "mutualite.specialiste-prestations"))
        assert framework["scale"] == "Non acquis,Acquis"
        assert json.loads(framework["config"]) == [{"scaleid": "0"}, {"id": 2, "scaledefault": 1, "proficient": 1}]
        flat = framework["flat"]
        e = ref.epreuve("finale-entreprise-D1")
        echelle = ref.echelles[e.echelle]
        row = flat[f"D1/{e.id}/{e.criteres[0].id}"]
        assert row["scale"] == ",".join(n.libelle for n in echelle.valeurs)
        config = json.loads(row["config"])
        favourable = [i for i, n in enumerate(echelle.valeurs, 1) if n.favorable]
        assert [c["id"] for c in config[1:] if c["proficient"]] == favourable
        assert [c["id"] for c in config[1:] if c["scaledefault"]] == favourable[:1]

    def test_texts(self, tmp_path):
        """Short names at most 100 characters (Moodle's cut), the whole text in the HTML description."""
        ref = load_registry().referentiel("mutualite.specialiste-prestations")
        framework, _ = read_framework(export(tmp_path, "mutualite.specialiste-prestations"))
        rows = framework["flat"]
        assert all(len(r["shortname"]) <= 100 for r in rows.values())
        d1 = ref.domaine("D1")
        assert rows["D1"]["format"] == "1"
        assert d1.savoir_faire[0].replace("'", "&#x27;") in rows["D1"]["description"]
        long = max(rows.values(), key=lambda r: len(r["description"]))
        assert long["description"].startswith("<p>")


class TestCommand:
    """The command: standard output, -o, a référentiel with RNCP codes, errors."""

    def test_stdout_is_the_same_csv(self, tmp_path):
        """Without -o the CSV goes to standard output, byte for byte what -o writes."""
        proc = run_cli("export", "moodle", "secu.manager-operationnel", "--version", "blocs")
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == export(tmp_path, "secu.manager-operationnel", "--version", "blocs")
        assert "compétences sous le référentiel" in proc.stderr

    def test_bloc_code_in_description(self, tmp_path):
        """A bloc's RNCP code and the fiche go into the descriptions."""
        refs = tmp_path / "refs"
        refs.mkdir()
        (refs / "r.toml").write_text(
            '[certification]\nid = "exemple.demo"\nintitule = "CQP Démo (fictif)"\nbranche = "exemple"\ncertificateur = "CPNE"\nversion = "1"\n'
            '[certification.repertoire]\nfiche = "RNCP1796"\n[[domaines]]\nid = "BC03"\nintitule = "Bloc, avec virgule"\ncode_bloc = "RNCP1796BC03"\n',
            encoding="utf-8",
        )
        proc = run_cli("export", "moodle", "exemple.demo", env={"CQPKIT_REFERENTIELS_PATH": str(refs)})
        assert proc.returncode == 0, proc.stderr
        framework, tree = read_framework(proc.stdout)
        assert tree == [("BC03", [])]
        assert "Code du bloc : RNCP1796BC03" in framework["flat"]["BC03"]["description"]
        assert framework["flat"]["BC03"]["shortname"] == "BC03 Bloc, avec virgule"

    def test_unknown_certification(self, tmp_path):
        """An unknown id: exit 1, nothing written."""
        out = tmp_path / "m.csv"
        proc = run_cli("export", "moodle", "inconnu.cqp", "-o", str(out))
        assert proc.returncode == 1 and "inconnue" in proc.stderr
        assert not out.exists()

    def test_modele_dossiers_parser(self):
        """``export modele-dossiers`` takes an id, --format csv|xlsx and a required -o."""
        from cqpkit.cli import build_parser

        args = build_parser("export").parse_args(["export", "modele-dossiers", "secu.manager-operationnel", "--format", "xlsx", "-o", "m.xlsx"])
        assert (args.id, args.format, args.output) == ("secu.manager-operationnel", "xlsx", "m.xlsx")
        proc = run_cli("export", "modele-dossiers", "secu.manager-operationnel")
        assert proc.returncode == 2 and "-o/--output" in proc.stderr
