"""`cqpkit funding` and `cqpkit check` on the event-date rule: what an operator reads (in-process CLI runs).

Sources: the CQP MO letter of 5 May 2017 (tutorat VIII–X, the « Priorités de financement 2017 » of note (6));
the acteurs document of 2022 (« Pour l'année 2022 le tarif de la formation des tuteurs du CQP Mo est fixé à
577 € »); the Mutualité guide, Partie 1, 1.4 (« 1 point correspond en 2014 à 7,99 € »).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli

BLOCS_TUTEUR = """\
[dossier]
id = "I410-2022-0900"
certification = "secu.manager-operationnel"
version = "blocs"
voie = "parcours-complet"
inscription = 2022-12-05
nomination = 2022-09-01

[candidat]
id = "C-0900"

[[acteurs]]
id = "T-01"
role = "tuteur"
management_depuis = 2015-01-05
forme_le = 2022-12-31
tutores_simultanes = 1

[[formations]]
module = "transverse"
debut = 2023-01-16
"""

SP_PASSAGE_APRES = """\
[dossier]
id = "OEMM-2014-0900"
certification = "mutualite.specialiste-prestations"
version = "2014"
voie = "vae"
mention = "sante"
inscription = 2014-02-03
depot_dossier = 2014-02-20
documents = ["cv", "descriptif-postes", "preuves", "dossier-vae"]

[candidat]
id = "C-0900"

[[experiences]]
debut = 2008-01-01
fin = 2012-12-31

[[passages]]
session = "OEMM-JURY-2014-06"
date = 2014-06-16
decisions = { D1 = "acquis", D2 = "acquis", D3 = "acquis", D4 = "acquis", D5 = "acquis" }

[[passages]]
session = "OEMM-JURY-2014-11"
date = 2014-11-17
decisions = { D1 = "acquis" }
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


class TestFundingReadLater:
    """A statement printed a week after the events or five years later gives the same amounts."""

    def test_2022_price_a_week_and_five_years_after(self, tmp_path):
        """The tutor trained on 31/12/2022: 577 € read on 07/01/2023 and on 07/01/2028."""
        path = write(tmp_path, "d.toml", BLOCS_TUTEUR)
        week = json.loads(run_cli("funding", path, "--as-of", "2023-01-07", "--json").stdout)
        years = json.loads(run_cli("funding", path, "--as-of", "2028-01-07", "--json").stdout)
        [line] = week["dossiers"][0]["lignes"]
        assert (line["code"], line["montant"], line["date_evenement"]) == ("tarif_formation_tuteur", 577.0, "2022-12-31")
        assert years["dossiers"][0]["lignes"] == week["dossiers"][0]["lignes"]

    def test_warning_printed_with_the_lines(self, tmp_path):
        """No rate after 2017 for the tutoral accompaniment: the text output says so under the dossier's lines."""
        path = write(tmp_path, "d.toml", BLOCS_TUTEUR)
        result = run_cli("funding", path, "--as-of", "2028-01-07")
        assert result.returncode == 0, result.stderr
        assert "  Tarif de la formation des tuteurs du CQP MO : forfait = 577,00 €" in result.stdout
        assert "  avertissement bareme_inconnu — « Accompagnement tutoral des blocs suivis" in result.stdout
        assert "aucun barème en vigueur le 16/01/2023" in result.stdout
        data = json.loads(run_cli("funding", path, "--as-of", "2028-01-07", "--json").stdout)
        [finding] = data["dossiers"][0]["constats"]
        assert (finding["code"], finding["regle"]) == ("bareme_inconnu", "financement.accompagnement_tutoral")

    def test_explain_names_the_event(self, tmp_path):
        """explain shows the date of the event whose barème applies."""
        path = write(tmp_path, "d.toml", BLOCS_TUTEUR)
        out = run_cli("explain", path, "--as-of", "2028-01-07").stdout
        assert "barème en vigueur depuis le 01/01/2022, appliqué à l'événement du 31/12/2022" in out


class TestCheckHasTheDecisionsFindings:
    def test_passage_after_certification_in_check(self, tmp_path):
        """A jury passage after the CQP was delivered: `check` reports it, as `decide` does (exit 1: an error)."""
        path = write(tmp_path, "d.toml", SP_PASSAGE_APRES)
        result = run_cli("check", path, "--as-of", "2014-12-01", "--json")
        codes = [c["code"] for d in json.loads(result.stdout)["dossiers"] for c in d["constats"]]
        assert codes.count("passage_apres_certification") == 1
        assert result.returncode == 1


class TestDossierShowSaysWhatIsNotComputed:
    """`cqpkit dossier show` lists, under the funding lines, those the engine could not give."""

    def test_mo_2018_dossier_of_the_campaign(self, tmp_path):
        """I410-2018-0101 (fictional campaign): its 2018 events have no 2017 rate (« Priorités de financement 2017 »).

        The 9 650 € (lancement VII, no end) and the prime (protocol of 3 September 2010) are computed; the
        tutor training of 10/02/2018, the accompaniment from 12/03/2018 and the aide's months are not: each is
        said, the aide for the 6 months of its cap (« pour une durée maximale de 6 mois »).
        """
        from tests.conftest import ROOT

        db = str(tmp_path / "c.db")
        assert run_cli("import", "--db", db, str(ROOT / "examples" / "campaign")).returncode == 0
        out = run_cli("dossier", "show", "I410-2018-0101", "--db", db, "--as-of", "2020-06-30", "--large")  # one line per funding line
        assert out.returncode == 0, out.stderr
        lines = [ln for ln in out.stdout.splitlines() if ln.startswith("  Financement")]
        assert "  Financement : Coût pédagogique de la formation certifiante CQP MO en parcours intégral (inter) : forfait = 9 650,00 €" in lines
        missing = [ln for ln in lines if ln.startswith("  Financement non calculé : avertissement bareme_inconnu")]
        assert len(missing) == 3
        assert any("aucun barème en vigueur pour les 6 mois commençant du 12/03/2018 au 12/08/2018" in ln for ln in missing)
        data = json.loads(run_cli("dossier", "show", "I410-2018-0101", "--db", db, "--as-of", "2020-06-30", "--json").stdout)
        assert sorted(c["regle"] for c in data["constats_financement"]) == [
            "financement.accompagnement_tutoral_alternance", "financement.aide_fonction_tutorale", "financement.formation_tuteur",
        ]
