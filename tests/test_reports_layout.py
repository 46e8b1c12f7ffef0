"""Issue 20, point 5: the store's text reports in 100 columns, candidates by name, domaines by label, grouped per dossier.

Every report command on the example campaign (both engines), every line of it: at most 100 characters
unless ``--large`` is asked for (today's wide form). Names only where the store holds them (« [effacé] »
for an erased candidate, ids alone with ``--anonyme``); the JSON outputs keep their keys (one added:
``version`` on each deadline).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cqpkit.cli.common import table, wrap_cell
from cqpkit.cli.layout import WIDTH, candidate, fill, short

from tests.conftest import run_cli
from tests.test_store_support import CAMPAIGN, postgres_schema, postgres_url_or_skip

AS_OF = "2020-06-30"
SESSIONS = sorted(p.stem.upper() for p in (CAMPAIGN / "sessions").glob("*.toml"))
DOSSIERS = sorted(p.stem.upper() for p in (CAMPAIGN / "dossiers").glob("*.toml"))
#: Every report and view of the store, on the example campaign (``personne show``: the campaign names no person;
#: :class:`TestPersonneShow` shows it on the tutor of tests/test_store_personnes.py).
REPORTS = [
    ("report", "deadlines", "--within", "180", "--as-of", AS_OF),
    ("report", "deadlines", "--within", "4000", "--as-of", AS_OF),
    ("report", "campaign", "--as-of", AS_OF),
    ("report", "campaign", "--as-of", "2019-10-14"),
    ("jury", "list"),
    *(("jury", "show", s) for s in SESSIONS),
    *(("dossier", "show", d, "--as-of", AS_OF) for d in DOSSIERS),
    *(("dossier", "history", d) for d in DOSSIERS),
]


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def base(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The example campaign imported once per engine (the reports only read it)."""
    if request.param == "sqlite":
        url = str(tmp_path_factory.mktemp("layout") / "cqpkit.db")
        _ok(run_cli("import", "--db", url, str(CAMPAIGN)))
        yield url
    else:
        with postgres_schema(postgres_url_or_skip()) as url:
            _ok(run_cli("import", "--db", url, str(CAMPAIGN)))
            yield url


def _report(base: str, *argv: str) -> str:
    return _ok(run_cli(*argv, "--db", base))


class TestEveryReportFits:
    """Each report command, each line: 100 columns at most; ``--large`` keeps today's wide lines."""

    @pytest.mark.parametrize("argv", REPORTS, ids=[" ".join(a[:3]) for a in REPORTS])
    def test_every_line_fits_100_columns(self, base, argv):
        out = _report(base, *argv)
        too_wide = [(len(line), line) for line in out.splitlines() if len(line) > WIDTH]
        assert out.strip() and not too_wide, too_wide

    def test_large_gives_the_wide_campaign_table(self, base):
        """``--large``: the one table of 14 columns and the sessions on one line each (190 and 223 characters before)."""
        wide = _report(base, "report", "campaign", "--as-of", AS_OF, "--large").splitlines()
        header = next(line for line in wide if line.startswith("Certification"))
        assert header.split() == ["Certification", "Dossiers", "Candidats", "Formation", "VAE", "Certifiés", "Partiels", "Échecs", "Expirés",
                                  "En", "cours", "Délais", "dépassés", "Coûts", "Financements", "Gratifications"]
        assert len(header) > WIDTH and max(len(line) for line in wide) > 200
        sp = next(line for line in wide if line.startswith("mutualite.specialiste-prestations "))
        assert sp.split()[1:9] == ["8", "8", "5", "3", "3", "2", "1", "0"]
        assert any(line.startswith("  OEMM-JURY-2019-03  18/03/2019  mutualite.specialiste-prestations, ") and line.endswith("  close")
                   for line in wide)

    def test_narrow_campaign_keeps_every_figure(self, base):
        """In 100 columns: the figures (one line per certification, headers wrapped) and the sums in a second table."""
        out = _report(base, "report", "campaign", "--as-of", AS_OF).splitlines()
        rows: dict[str, list[list[str]]] = {}
        for line in out:
            if line.startswith(("mutualite.", "secu.", "Total")):
                rows.setdefault(line.split()[0], []).append(line.split()[1:])
        figures, sums = rows["mutualite.specialiste-prestations"]  # one line in each table
        assert figures == ["8", "8", "5", "3", "3", "2", "1", "0", "2", "1"] and sums == ["0,00", "€"] * 3
        assert rows["Total"][0][:2] == ["23", "22"]
        assert " ".join(rows["secu.manager-operationnel"][1]) == "38 600,00 € 0,00 € 0,00 € + 285 pts"
        assert any(line.startswith("(Doss. : dossiers ; Cand. : candidats") for line in out)  # the abbreviations said
        # A session's certifications wrap under each other, at their commas.
        at = next(i for i, line in enumerate(out) if line.startswith("  OEMM-JURY-2019-03  18/03/2019  close : "))
        indent = out[at].index(": ") + 2
        assert out[at + 1].startswith(" " * indent + "mutualite.") and out[at + 1][indent - 1] == " "


class TestNamesAndLabels:
    """« Nom Prénom (C-0301) », « D1 intitulé », one line per dossier."""

    def test_deadlines_name_the_candidates_and_group_the_domaines(self, base):
        out = _report(base, "report", "deadlines", "--within", "180", "--as-of", AS_OF)
        assert "OEMM-2017-0301 — Iris Sophie (C-0301), formation : premier passage" in out
        assert "À venir (6)" in out  # six deadlines, on three lines
        # The four domaines of OEMM-2014-0206 ending the same day: one line (wrapped), not four.
        assert out.count("OEMM-2014-0206") == 1
        flat = " ".join(out.split())
        assert ("OEMM-2014-0206 — Fougère Olivier (C-0206), vae : fin de validité des acquis partiels D1 Analyser et traiter les dossiers…, "
                "D2 Prendre en compte la réglementation…, D3 Identifier et prendre en compte…, D5 Apporter un support technique à… "
                "— acquis au jury du 21/09/2015") in flat

    def test_large_gives_the_labels_whole(self, base):
        out = _report(base, "report", "deadlines", "--within", "180", "--as-of", AS_OF, "--large")
        assert "D5 Apporter un support technique à différents interlocuteurs et transmettre des savoir-faire — acquis" in out

    def test_anonyme_shows_ids_only(self, base):
        out = _report(base, "report", "deadlines", "--within", "180", "--as-of", AS_OF, "--anonyme")
        assert "OEMM-2017-0301 — C-0301, formation" in out
        assert "Iris" not in out and "Fougère" not in out
        shown = _report(base, "jury", "show", "OEMM-JURY-2019-10", "--anonyme")
        assert "OEMM-2018-0208 — C-0208, mutualite.specialiste-prestations 2014, vae" in shown and "Hélianthe" not in shown

    def test_jury_show_one_line_per_dossier_with_its_decisions_grouped(self, base):
        out = _report(base, "jury", "show", "I410-JURY-2019-11").splitlines()
        at = next(i for i, line in enumerate(out) if line.startswith("    I410-2018-0104 — Wisteria Delphine (C-0104), secu.manager-operationnel"))
        rest = " ".join(" ".join(out[at + 1 : at + 6]).split())
        assert rest.startswith("parcours-individualise acquis : D1 Le manager inscrit dans son rôle et ses…, D2 Le manager pilote des activités et des… ; "
                               "non acquis : D3 Le manager animateur")

    def test_dossier_show_groups_the_acquis(self, base):
        out = _report(base, "dossier", "show", "OEMM-2018-0203", "--as-of", AS_OF)
        acquis = [line for line in out.splitlines() if line.startswith("    acquis ")]
        assert len(acquis) == 1 and acquis[0].startswith("    acquis   D1 Analyser et traiter les dossiers…, D2 ")
        assert "(jury du 18/03/2019, valables jusqu'au 17/03/2024)" in " ".join(out.split())
        assert "    restants D4 Analyser la conformité et la qualité de…" in out
        assert sum(1 for line in out.splitlines() if line.startswith("  Échéance : ")) == 1


class TestErasedCandidate:
    """An erased candidate: « [effacé] (C-0206) » wherever a report lists them, and nothing of their name."""

    def test_erased_shows_effaced(self, tmp_path):
        db = str(tmp_path / "erase.db")
        _ok(run_cli("import", "--db", db, str(CAMPAIGN)))
        _ok(run_cli("candidate", "erase", "C-0206", "--confirmer", "--db", db))
        deadlines = _report(db, "report", "deadlines", "--within", "180", "--as-of", AS_OF)
        assert "OEMM-2014-0206 — [effacé] (C-0206), vae" in deadlines
        shown = _report(db, "jury", "show", "OEMM-JURY-2019-10")
        assert "OEMM-2014-0206 — [effacé] (C-0206), mutualite.specialiste-prestations 2014, vae" in shown
        assert "Fougère" not in deadlines + shown and "Olivier" not in deadlines + shown
        assert "OEMM-2017-0202 — Bourrache Hugo (C-0202)" in shown  # the others keep their names


class TestPersonneShow:
    """``personne show`` (the example campaign names no person: the tutor of tests/test_store_personnes.py)."""

    def test_personne_show_fits_and_large_keeps_the_lines(self, tmp_path):
        from tests.test_store_personnes import AS_OF as DAY
        from tests.test_store_personnes import PERSON, dossier_text, four, write

        db = str(tmp_path / "p.db")
        files = [*four(tmp_path), write(tmp_path, "e.toml", dossier_text("I410-2017-0105", "2017-12-31", "2018-06-30"))]
        _ok(run_cli("import", "--db", db, *files))
        narrow = _report(db, "personne", "show", PERSON, "--as-of", DAY)
        wide = _report(db, "personne", "show", PERSON, "--as-of", DAY, "--large")
        assert max(len(line) for line in wide.splitlines()) > WIDTH  # the wide form has long lines…
        assert max(len(line) for line in narrow.splitlines()) <= WIDTH  # …which hold in 100 columns by default
        assert " ".join(narrow.split()) == " ".join(wide.split())  # the same words


class TestJsonKeepsItsKeys:
    """The text options change nothing in the JSON; deadlines gain one key, ``version`` (the référentiel's, for the labels)."""

    def test_json_is_the_same_whatever_the_text_options(self, base):
        for argv in (("report", "deadlines", "--within", "180", "--as-of", AS_OF), ("jury", "show", "OEMM-JURY-2019-10")):
            plain = json.loads(_report(base, *argv, "--json"))
            other = json.loads(_report(base, *argv, "--json", "--large", "--anonyme"))
            assert plain == other
        campaign = json.loads(_report(base, "report", "campaign", "--as-of", AS_OF, "--json", "--large"))
        assert set(campaign) == {"date", "date_source", "certifications", "total", "sessions", "certifications_ignorees", "certifications_non_evaluees"}

    def test_deadline_rows_add_only_version(self, base):
        data = json.loads(_report(base, "report", "deadlines", "--within", "180", "--as-of", AS_OF, "--json"))
        before = {"certification", "type", "domaine", "date", "depuis", "dossier", "candidat", "voie", "jours"}
        rows = data["a_venir"] + data["passees"]
        assert rows and all(set(r) == before | {"version"} for r in rows)
        assert {r["version"] for r in rows} == {"2014"}
        assert "nom" not in json.dumps(rows)  # no personal data added to the JSON


class TestTableAndWrapping:
    """The width-aware :func:`table`, :func:`wrap_cell`, :func:`fill`, :func:`short`, :func:`candidate`."""

    ROWS = (["mutualite.charge-accueil-relation-clients", "3", "a, b, c"], ["Total", "23", "x"])

    def test_a_table_that_fits_is_as_before(self):
        text = table(list(self.ROWS), ["Certification", "Dossiers", "Liste"], width=WIDTH)
        assert text.splitlines()[1] == "mutualite.charge-accueil-relation-clients  3         a, b, c"
        assert table(list(self.ROWS), ["Certification", "Dossiers", "Liste"]) == text  # no width: the wide form

    @pytest.mark.parametrize("width", [20, 30, 45, 60])
    def test_a_wide_table_is_wrapped_to_the_width(self, width):
        text = table(list(self.ROWS), ["Certification", "Dossiers en cours", "Liste"], width=width)
        assert all(len(line) <= width for line in text.splitlines()), text
        assert len(text.splitlines()) > 3  # wrapped: more lines than rows

    def test_a_wrapped_column_loses_nothing(self):
        """The last column wraps at its spaces (after its commas); read back, it is the cell."""
        cell = ", ".join(f"mutualite.certification-{i}" for i in range(8))
        text = table([["OEMM-JURY-2019-03", "18/03/2019", cell]], ["Session", "Date", "Certifications"], width=80)
        lines = text.splitlines()
        start = lines[0].index("Certifications")
        assert all(len(line) <= 80 for line in lines) and len(lines) > 3
        assert " ".join(line[start:] for line in lines[1:]) == cell
        assert lines[1].startswith("OEMM-JURY-2019-03") and all(not line[:start].strip() for line in lines[2:])

    @pytest.mark.parametrize("text", ["mutualite.specialiste-prestations, mutualite.conseiller-mutualiste", "a " * 80, "x" * 250, ""])
    @pytest.mark.parametrize("width", [1, 7, 30, 100])
    def test_wrap_cell_keeps_every_character_but_the_cut_spaces(self, text, width):
        lines = wrap_cell(text, width)
        assert all(len(line) <= width for line in lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")

    def test_fill_hangs_and_keeps_french_typography(self):
        lines = fill("acquis : D1 Relation client, D2 Vente ; non acquis : D3 Gestion des réclamations", 4, 4, width=30)
        assert lines[0].startswith("    acquis") and all(line.startswith("        ") for line in lines[1:])
        assert all(len(line) <= 30 for line in lines)
        assert not any(line.lstrip().startswith((";", ":", "acquis :")) and i for i, line in enumerate(lines))
        assert not any(line.rstrip().endswith((" D1", " D2", " D3", " non")) for line in lines)
        assert fill("x " * 80, 2, large=True) == ["  " + "x " * 80]
        assert fill("a\nerreur : faux", 0) == ["a\\nerreur : faux"]  # a value's newline is shown, never a line of its own

    def test_short_and_candidate(self):
        assert short("Relation client") == "Relation client"
        assert short("Analyser et traiter les dossiers complexes en utilisant son expertise", 30) == "Analyser et traiter les…"
        assert len(short("x" * 80, 30)) == 30
        names = {"C-1": {"nom": "Dupont", "prenom": "Ana", "efface": False}, "C-2": {"nom": "", "prenom": "", "efface": True}}
        assert candidate("C-1", names) == "Dupont Ana (C-1)"
        assert candidate("C-2", names) == "[effacé] (C-2)"
        assert candidate("C-1", None) == "C-1" and candidate("C-3", names) == "C-3"


def test_campaign_dir_is_the_example() -> None:
    """The reports above run on the example campaign of the README (its five sessions, its 23 dossiers)."""
    assert Path(CAMPAIGN).name == "campaign" and len(SESSIONS) == 5 and len(DOSSIERS) == 23
