"""Dossier tables (cqpkit.interop.spreadsheets): template → filled → ``cqpkit import`` → the same dossiers as the TOML files;
errors by sheet, row and column; and the reports exported to CSV and XLSX (cqpkit.interop.tables)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from tests.conftest import ROOT, run_cli
from tests.test_store_support import CAMPAIGN, SP, db  # noqa: F401 (the fixture: both engines)

openpyxl = pytest.importorskip("openpyxl", reason="openpyxl n'est pas installé (extra interop : pip install -e '.[test]')")

from cqpkit.interop.spreadsheets import MAIN_SHEET, SHEETS, write_template  # noqa: E402

DOSSIERS = CAMPAIGN / "dossiers"
SESSIONS = CAMPAIGN / "sessions"


def campaign_files(*, mapped_only: bool = True) -> list[Path]:
    """The campaign's dossier files; those a table can hold (no [positionnement], no acteurs.autres_missions)."""
    files = sorted(DOSSIERS.glob("*.toml"))
    if not mapped_only:
        return files
    return [f for f in files if "positionnement" not in (data := tomllib.loads(f.read_text(encoding="utf-8")))
            and not any("autres_missions" in a for a in data.get("acteurs", []))]


def cell(value: Any) -> Any:
    """What an operator types in a cell for a value of a dossier file: dates and numbers as they are, lists and tables as text."""
    if isinstance(value, list):
        return " ; ".join(map(str, value))
    if isinstance(value, dict):
        return " ; ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, bool):
        return "oui" if value else "non"
    return value


def fill_xlsx(template: Path, files: list[Path], out: Path) -> None:
    """Fill the template's sheets, reading each header of the template, with the data of the dossier files."""
    wb = openpyxl.load_workbook(template)
    for f in files:
        data = tomllib.loads(f.read_text(encoding="utf-8"))
        ws = wb[MAIN_SHEET]
        headers = [c.value for c in ws[1]]
        ws.append([cell(data[h.split(".")[0]].get(h.split(".")[1])) for h in headers])
        for sheet, key in SHEETS.items():
            ws = wb[sheet]
            headers = [c.value for c in ws[1]]
            for item in data.get(key, []):
                ws.append([data["dossier"]["id"] if h == "dossier" else cell(item.get(h)) for h in headers])
    wb.save(out)


def stored(db_url: str) -> dict[str, Any]:
    """Every stored dossier as the engines see it (personal data included), as JSON data."""
    from cqpkit.formats.converter import json_converter
    from cqpkit.store.store import Store

    with Store.open(db_url) as store:
        return {i: json_converter().unstructure(store.dossier(i)) for i in store.dossier_ids()}


@pytest.fixture(scope="module")
def registry():  # type: ignore[no-untyped-def]
    import cqpkit

    return cqpkit.load_registry()


class TestTemplate:
    def test_xlsx_template_has_every_sheet_and_help_for_the_referentiel(self, registry, tmp_path: Path):
        """The XLSX template: the Dossiers sheet, one sheet per kind of element, and the « Aide » sheet naming this référentiel's values."""
        path = tmp_path / "modele.xlsx"
        write_template(registry, registry.referentiel(SP), path, "xlsx")
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames == [MAIN_SHEET, *SHEETS, "Aide"]
        assert [c.value for c in wb[MAIN_SHEET][1]][:5] == ["dossier.id", "dossier.certification", "dossier.version", "dossier.voie", "dossier.inscription"]
        help_rows = {(r[0], r[1]): r[3] for r in wb["Aide"].iter_rows(min_row=5, values_only=True)}
        assert help_rows[("Dossiers", "dossier.certification")] == f"texte : « {SP} »"
        assert help_rows[("Dossiers", "dossier.mention")] == "texte : sante ; prevoyance"
        assert "D1=acquis|non_acquis" not in help_rows[("Passages", "decisions")]  # the domaines are named
        assert "D1, D2, D3, D4, D5" in help_rows[("Passages", "decisions")]

    def test_csv_template_is_the_header_line(self, registry, tmp_path: Path):
        """The CSV template: one header line, « ; »-separated, UTF-8 with its byte order mark (a French spreadsheet's CSV)."""
        path = tmp_path / "modele.csv"
        write_template(registry, registry.referentiel(SP), path, "csv")
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
        assert len(rows) == 1 and rows[0][0] == "dossier.id" and "candidat.naissance" in rows[0]


class TestImport:
    def test_xlsx_filled_with_the_campaign_gives_the_same_dossiers_as_its_files(self, db: str, registry, tmp_path: Path):  # noqa: F811
        """`export modele-dossiers` → filled with the campaign's dossiers → `import` → every stored dossier equal to the TOML files' import."""
        files = campaign_files()
        assert len(files) >= 20
        template, table = tmp_path / "modele.xlsx", tmp_path / "dossiers.xlsx"
        assert run_cli("export", "modele-dossiers", SP, "-o", str(template)).returncode == 0  # the template as an operator gets it
        fill_xlsx(template, files, table)
        other = f"{db}-toml" if "://" not in db else None
        proc = run_cli("import", str(table), str(SESSIONS), "--db", db)
        assert proc.returncode == 0, proc.stderr
        assert f"{table}:2 : dossier {tomllib.loads(files[0].read_text())['dossier']['id']} nouveau" in proc.stdout
        from_table = stored(db)
        if other is None:  # PostgreSQL: a second schema for the files' import
            from tests.test_store_support import postgres_schema, postgres_url_or_skip

            with postgres_schema(postgres_url_or_skip()) as url:
                assert run_cli("import", *map(str, files), str(SESSIONS), "--db", url).returncode == 0
                from_files = stored(url)
        else:
            assert run_cli("import", *map(str, files), str(SESSIONS), "--db", other).returncode == 0
            from_files = stored(other)
        assert len(from_table) == len(files)
        assert from_table == from_files

    def test_csv_gives_the_dossier_and_candidate_of_the_files(self, tmp_path: Path):
        """`export modele-dossiers -o t.csv`, its columns filled ([dossier] and [candidat]; dates as JJ/MM/AAAA text), `import`:
        the same stored dossiers as those tables in TOML files."""
        files = campaign_files()[:5]
        table = tmp_path / "t.csv"
        assert run_cli("export", "modele-dossiers", SP, "-o", str(table)).returncode == 0
        header = next(csv.reader(table.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
        rows, tomls = [], []
        for f in files:
            data = tomllib.loads(f.read_text(encoding="utf-8"))
            part = {"dossier": data["dossier"], "candidat": data["candidat"]}
            (tmp_path / f.name).write_text(tomli_w.dumps(part), encoding="utf-8")
            tomls.append(tmp_path / f.name)
            flat = {f"{t}.{k}": v for t in ("dossier", "candidat") for k, v in part[t].items()}
            assert set(flat) <= set(header)  # every key of these files has its column
            rows.append([v.strftime("%d/%m/%Y") if isinstance(v := flat.get(h, ""), dt.date) else cell(v) for h in header])
        with table.open("a", encoding="utf-8", newline="") as fh:
            csv.writer(fh, delimiter=";", lineterminator="\r\n").writerows(rows)
        a, b = str(tmp_path / "a.db"), str(tmp_path / "b.db")
        proc = run_cli("import", str(table), "--db", a)
        assert proc.returncode == 0, proc.stderr
        assert run_cli("import", *map(str, tomls), "--db", b).returncode == 0
        assert stored(a) == stored(b) and len(stored(a)) == 5

    def test_every_error_by_sheet_row_and_column_and_nothing_stored(self, registry, tmp_path: Path):
        """A bad date, an unknown voie, an unknown column, an acteur of an unknown dossier: all reported, exit 1, no base written."""
        files = campaign_files()[:2]
        template, table = tmp_path / "modele.xlsx", tmp_path / "bad.xlsx"
        write_template(registry, registry.referentiel(SP), template, "xlsx")
        fill_xlsx(template, files, table)
        wb = openpyxl.load_workbook(table)
        ws = wb[MAIN_SHEET]
        headers = [c.value for c in ws[1]]
        ws.cell(row=2, column=headers.index("dossier.inscription") + 1, value="31/02/2017")
        ws.cell(row=3, column=headers.index("dossier.voie") + 1, value="apprentissage")
        ws.cell(row=1, column=len(headers) + 1, value="couleur")
        acteurs = wb["Acteurs"]
        acteurs.append(["INCONNU-1", "P-9", "tuteur"])
        wb.save(table)
        base = tmp_path / "base.db"
        proc = run_cli("import", str(table), "--db", str(base))
        assert proc.returncode == 1, proc.stdout
        err = proc.stderr
        letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        assert f"bad.xlsx:2: feuille « Dossiers », colonne {letter[headers.index('dossier.inscription')]} « dossier.inscription »: date invalide « 31/02/2017 »" in err
        assert f"bad.xlsx:3: feuille « Dossiers », colonne {letter[headers.index('dossier.voie')]} « dossier.voie »: " in err and "apprentissage" in err
        assert "bad.xlsx:1: feuille « Dossiers », colonne " in err and "« couleur »: colonne inconnue" in err
        n = acteurs.max_row
        assert f"bad.xlsx:{n}: feuille « Acteurs », colonne A « dossier »: dossier « INCONNU-1 » absent de la feuille « Dossiers »" in err
        assert "rien n'a été enregistré" in err
        assert not base.exists() or json.dumps(stored(str(base))) == "{}"

    def test_a_dossier_given_by_a_table_and_a_file(self, tmp_path: Path, registry):
        """The same dossier in a table and in a TOML file of the same import: refused, naming both."""
        f = campaign_files()[0]
        template, table = tmp_path / "modele.xlsx", tmp_path / "t.xlsx"
        write_template(registry, registry.referentiel(SP), template, "xlsx")
        fill_xlsx(template, [f], table)
        proc = run_cli("import", str(f), str(table), str(SESSIONS), "--db", str(tmp_path / "b.db"))
        assert proc.returncode == 1
        assert "t.xlsx:2: feuille « Dossiers », colonne A « dossier.id »: dossier" in proc.stderr and f"déjà lu dans {f}" in proc.stderr

    def test_a_file_that_is_not_a_workbook(self, tmp_path: Path):
        """A .xlsx that is not a workbook: unreadable, exit 2, in French."""
        bad = tmp_path / "x.xlsx"
        bad.write_bytes(b"pas un classeur")
        proc = run_cli("import", str(bad), "--db", str(tmp_path / "b.db"))
        assert proc.returncode == 2 and "classeur XLSX illisible" in proc.stderr


#: The sections of the dossier format (referentials/dossiers.md) that each sheet of a table holds.
DOC_SECTIONS = {
    MAIN_SHEET: ("[dossier]", "[candidat]"), "Acteurs": ("[[acteurs]]",), "Expériences": ("[[experiences]]",),
    "Formations": ("[[formations]]",), "Activités": ("[[activites]]",), "Évaluations": ("[[evaluations]]",), "Passages": ("[[passages]]",),
}
#: Keys the tables do not map (docs/interop.md, « Not mapped »): a list of tables per acteur.
NOT_MAPPED = {"autres_missions"}


def documented_columns() -> dict[str, list[tuple[str, bool]]]:
    """Each sheet's columns and whether they are required, read from the dossier format's reference (referentials/dossiers.md)."""
    text = (ROOT / "referentials" / "dossiers.md").read_text(encoding="utf-8")
    sections = re.split(r"^### ", text, flags=re.M)
    out: dict[str, list[tuple[str, bool]]] = {}
    for sheet, names in DOC_SECTIONS.items():
        keys = []
        for name in names:
            body = next(part for part in sections if part.startswith(f"`{name}`"))
            prefix = f"{name.strip('[]')}." if sheet == MAIN_SHEET else ""
            keys += [(prefix + m[1], m[2] == "yes") for m in re.finditer(r"^\| `(\w+)` \| [^|]+ \| (yes|no) \|", body, flags=re.M) if m[1] not in NOT_MAPPED]
        out[sheet] = keys if sheet == MAIN_SHEET else [("dossier", True), *keys]
    return out


class TestTemplateCommand:
    """`cqpkit export modele-dossiers ID -o FICHIER` (.csv or .xlsx), the file read back."""

    def test_xlsx_sheets_columns_and_help(self, registry, tmp_path: Path):
        """The XLSX template: a sheet per part of a dossier whose columns are the keys of referentials/dossiers.md, in their order,
        and the « Aide » sheet saying which are required and what this référentiel's columns take (voies, mentions, épreuves)."""
        out = tmp_path / "modele.xlsx"
        proc = run_cli("export", "modele-dossiers", SP, "-o", str(out))
        assert proc.returncode == 0, proc.stderr
        assert f"écrit dans {out} (XLSX)" in proc.stderr and f"cqpkit import {out}" in proc.stderr
        documented = documented_columns()
        wb = openpyxl.load_workbook(out)
        assert wb.sheetnames == [*documented, "Aide"]
        for sheet, cols in documented.items():
            assert [c.value for c in wb[sheet][1]] == [h for h, _ in cols], sheet
        aide = {(r[0], r[1]): r[2:] for r in wb["Aide"].iter_rows(min_row=5, values_only=True)}
        assert {(k, v[0] == "oui") for k, v in aide.items()} == {((sheet, h), req) for sheet, cols in documented.items() for h, req in cols}
        ref = registry.referentiel(SP)
        assert aide[(MAIN_SHEET, "dossier.voie")][1] == "texte : " + " ; ".join(v.id for v in ref.voies)
        assert aide[(MAIN_SHEET, "dossier.mention")][1] == "texte : sante ; prevoyance"  # the two mentions of the CQP (its guide)
        assert aide[("Évaluations", "epreuve")][1] == "texte : " + " ; ".join(e.id for e in ref.epreuves)
        assert aide[("Passages", "decisions")][1].endswith("(domaines : D1, D2, D3, D4, D5)")

    def test_csv_is_the_dossiers_sheet(self, tmp_path: Path):
        """The CSV template: one header line, the columns of the Dossiers sheet, « ; »-separated, UTF-8 with its byte order mark."""
        out = tmp_path / "modele.csv"
        proc = run_cli("export", "modele-dossiers", SP, "--format", "csv", "-o", str(out))
        assert proc.returncode == 0, proc.stderr
        raw = out.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and raw.endswith(b"\r\n")
        rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
        assert rows == [[h for h, _ in documented_columns()[MAIN_SHEET]]]

    @pytest.mark.parametrize("args", [("-o", "modele.ods"), ("--format", "xlsx", "-o", "modele.csv"), ("--format", "csv", "-o", "modele")])
    def test_a_name_import_would_not_read_back(self, tmp_path: Path, args: tuple[str, ...]):
        """A name whose extension is not the format (.csv, .xlsx): usage error (exit 2), nothing written — `import` tells a table by its name."""
        proc = run_cli("export", "modele-dossiers", SP, *(str(tmp_path / a) if a.startswith("modele") else a for a in args))
        assert proc.returncode == 2
        assert "le modèle s'écrit dans un fichier .csv ou .xlsx" in proc.stderr
        assert list(tmp_path.iterdir()) == []

    def test_an_existing_file_is_replaced_whole_or_kept(self, tmp_path: Path):
        """An error (unknown certification) leaves the file there as it was; a success replaces it, no temporary file left."""
        out = tmp_path / "modele.csv"
        out.write_text("ancien\n", encoding="utf-8")
        assert run_cli("export", "modele-dossiers", "inconnu.cqp", "-o", str(out)).returncode == 1
        assert out.read_text(encoding="utf-8") == "ancien\n"
        assert run_cli("export", "modele-dossiers", SP, "-o", str(out)).returncode == 0
        assert out.read_text(encoding="utf-8-sig").startswith("dossier.id;")
        assert [f.name for f in tmp_path.iterdir()] == ["modele.csv"]


class TestEmptyTables:
    """A table that holds no dossier (the template as written): said as such, exit 2 like a directory with nothing to import."""

    @pytest.mark.parametrize("suffix,where", [
        ("xlsx", "dans la feuille « Dossiers », sous la ligne d'en-têtes"), ("csv", "sous sa ligne d'en-têtes"),
    ])
    def test_the_template_imported_as_it_is(self, tmp_path: Path, suffix: str, where: str):
        """`import t.xlsx` of an empty template: « la table ne contient aucun dossier », the file and sheet named, no base created."""
        table, base = tmp_path / f"t.{suffix}", tmp_path / "b.db"
        assert run_cli("export", "modele-dossiers", SP, "-o", str(table)).returncode == 0
        proc = run_cli("import", str(table), "--db", str(base))
        assert proc.returncode == 2
        assert proc.stderr.splitlines() == [f"erreur : {table} : la table ne contient aucun dossier (aucune ligne remplie {where}) : rien à importer"]
        assert not base.exists()

    def test_an_empty_table_beside_a_dossier_file(self, tmp_path: Path):
        """An empty table among files that hold dossiers adds nothing and stops nothing (as an empty directory does)."""
        table, base = tmp_path / "t.xlsx", tmp_path / "b.db"
        assert run_cli("export", "modele-dossiers", SP, "-o", str(table)).returncode == 0
        f = campaign_files()[0]
        proc = run_cli("import", str(table), str(f), "--db", str(base))
        assert proc.returncode == 0, proc.stderr
        assert list(stored(str(base))) == [tomllib.loads(f.read_text(encoding="utf-8"))["dossier"]["id"]]


class TestDirectories:
    """A directory given to `import` gives its *.toml files and its dossier tables (*.csv, *.xlsx)."""

    def test_tables_of_a_directory_are_imported(self, registry, tmp_path: Path):
        """A filled table, the sessions' files and an empty template in a directory: the table's dossiers stored; Excel's lock file
        (~$name.xlsx, held while the workbook is open) and hidden files left out."""
        files = campaign_files()[:3]
        folder = tmp_path / "lot"
        folder.mkdir()
        write_template(registry, registry.referentiel(SP), tmp_path / "modele.xlsx", "xlsx")
        fill_xlsx(tmp_path / "modele.xlsx", files, folder / "dossiers.xlsx")
        write_template(registry, registry.referentiel(SP), folder / "vide.csv", "csv")
        (folder / "~$dossiers.xlsx").write_bytes(b"\x0bOperateur fictif")  # what Excel writes beside an open workbook
        (folder / ".cache.csv").write_text("rien\n", encoding="utf-8")
        base = tmp_path / "b.db"
        proc = run_cli("import", str(folder), "--db", str(base))
        assert proc.returncode == 0, proc.stderr
        ids = [tomllib.loads(f.read_text(encoding="utf-8"))["dossier"]["id"] for f in files]
        assert sorted(stored(str(base))) == sorted(ids)
        assert f"{folder / 'dossiers.xlsx'}:2 : dossier {ids[0]} nouveau" in proc.stdout

    def test_a_csv_that_is_not_a_dossier_table(self, tmp_path: Path):
        """A report's CSV left in the directory is read as a table too: its columns are refused (exit 1), naming the file; nothing stored."""
        folder = tmp_path / "lot"
        folder.mkdir()
        (folder / "a.toml").write_text(campaign_files()[0].read_text(encoding="utf-8"), encoding="utf-8")
        (folder / "rapport.csv").write_text("Au;Certification;Dossiers\n2020-06-30;total;23\n", encoding="utf-8")
        base = tmp_path / "b.db"
        proc = run_cli("import", str(folder), "--db", str(base))
        assert proc.returncode == 1
        assert f"{folder / 'rapport.csv'}:1: colonne A « Au »: colonne inconnue" in proc.stderr
        assert "rien n'a été enregistré" in proc.stderr and not base.exists()


@pytest.fixture(scope="module")
def campaign_db(tmp_path_factory) -> str:
    """The campaign in a SQLite base (the reports read the store as on PostgreSQL: their queries are tested there)."""
    base = str(tmp_path_factory.mktemp("rep") / "c.db")
    assert run_cli("import", str(CAMPAIGN), "--db", base, "-q").returncode == 0
    return base


class TestReports:
    """Expected figures from examples/campaign/README.md and ../shared/RULES.md (cost of the CQP MO: 9 650 €)."""

    def test_campaign_xlsx_has_numbers_and_dates_in_cells(self, campaign_db: str, tmp_path: Path):
        """report campaign -o x.xlsx: a sheet per certification and total (counts as numbers), a sheet of sessions (dates as dates)."""
        out = tmp_path / "campagne.xlsx"
        proc = run_cli("report", "campaign", "--db", campaign_db, "--as-of", "2020-06-30", "-o", str(out))
        assert proc.returncode == 0, proc.stderr
        wb = openpyxl.load_workbook(out)
        rows = list(wb["Campagne"].iter_rows(values_only=True))
        head = rows[0]
        assert head[:4] == ("Au", "Certification", "Intitulé", "Dossiers")
        total = next(r for r in rows if r[1] == "total")
        assert total[head.index("Dossiers")] == 23 and total[head.index("Candidats")] == 22
        assert total[head.index("Délais de premier passage dépassés")] == 2
        assert total[0] == dt.datetime(2020, 6, 30)
        assert wb["Campagne"].cell(row=2, column=1).number_format == "DD/MM/YYYY"
        sessions = {r[0]: r for r in wb["Sessions"].iter_rows(min_row=2, values_only=True)}
        assert sessions["OEMM-JURY-2019-03"][1] == dt.datetime(2019, 3, 18)

    def test_deadlines_csv(self, campaign_db: str, tmp_path: Path):
        """report deadlines --format csv: the two deadlines to come and the missed one of the README, dates AAAA-MM-JJ."""
        out = tmp_path / "echeances.csv"
        proc = run_cli("report", "deadlines", "--db", campaign_db, "--as-of", "2020-06-30", "--within", "180", "--format", "csv", "-o", str(out))
        assert proc.returncode == 0, proc.stderr
        rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
        by = {(r["Dossier"], r["Échéance"]): r for r in rows}
        assert by[("OEMM-2017-0207", "premier passage devant le jury")]["Date de l'échéance"] == "2020-09-04"
        assert by[("OEMM-2017-0301", "premier passage devant le jury")]["Date de l'échéance"] == "2020-10-02"
        missed = by[("OEMM-2017-0601", "premier passage devant le jury")]
        assert missed["Période"] == "passée" and missed["Date de l'échéance"] == "2020-02-06"
        assert by[("OEMM-2014-0206", "fin de validité d'un acquis partiel")]["Date de l'échéance"] == "2020-09-20"

    def test_funding_xlsx_amounts_are_numbers(self, tmp_path: Path):
        """funding -o x.xlsx: the CQP MO's pedagogical cost, 9 650 €, as a number; its event date as a date."""
        out = tmp_path / "financement.xlsx"
        proc = run_cli("funding", str(DOSSIERS / "i410-2018-0101.toml"), "--as-of", "2020-06-30", "-o", str(out))
        assert proc.returncode == 0, proc.stderr
        rows = list(openpyxl.load_workbook(out)["Financement"].iter_rows(values_only=True))
        head = rows[0]
        cost = next(r for r in rows[1:] if r[head.index("Code")] == "cout_pedagogique")
        assert cost[head.index("Montant")] == 9650 and cost[head.index("En")] == "euro"
        assert cost[head.index("Date de l'événement")] == dt.datetime(2018, 3, 12)

    def test_usage_errors(self, campaign_db: str, tmp_path: Path):
        """--format without -o, --format with --json, an unknown suffix: usage errors (exit 2), nothing written."""
        proc = run_cli("report", "campaign", "--db", campaign_db, "--format", "xlsx")
        assert proc.returncode == 2 and "-o FICHIER est obligatoire" in proc.stderr
        proc = run_cli("report", "campaign", "--db", campaign_db, "--format", "csv", "-o", str(tmp_path / "x.csv"), "--json")
        assert proc.returncode == 2 and not (tmp_path / "x.csv").exists()
        proc = run_cli("funding", str(DOSSIERS / "i410-2018-0101.toml"), "-o", str(tmp_path / "x.ods"))
        assert proc.returncode == 2 and "format du tableur inconnu" in proc.stderr
