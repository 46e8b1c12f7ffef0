"""A jury decision on the whole certification, for a référentiel that defines no domaines (the four incomplete
Mutualité CQPs), through the CLI: dossier files, decide, funding, and the store's jury sessions.

Sources (seeds/mutualite_cqp_guide-et-outils-specialiste-prestations.txt):
- Partie 1, 2.5 and 3.5: « le jury délivrera en totalité ou en partie le CQP (par domaines de compétences) » and
  « Pour que le CQP soit délivré, il est nécessaire que la totalité des domaines de compétences soient acquis »:
  without domaines, only « en totalité » (or not at all) can be recorded;
- Partie 1, 1.4: « une gratification de 120 points (1 point correspond en 2014 à 7,99 €) serait attribuée à toute
  personne ayant obtenu un CQP de la branche »: 120 × 7,99 € = 958,80 € (worked out by hand) for a jury in 2014.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import run_cli
from tests.test_store_support import db  # noqa: F401 (fixture)

HEAD = """[dossier]
id = "{id}"
certification = "{cert}"
version = "2014"
voie = "{voie}"
inscription = 2013-09-02
{mention}
[candidat]
id = "C-{id}"
"""


def dossier(tmp_path: Path, did: str, decisions: str | None, cert: str = "mutualite.teleconseiller",
            voie: str = "formation", day: str = "2014-06-16") -> Path:
    mention = 'mention = "sante"\n' if cert.endswith("specialiste-prestations") else ""
    text = HEAD.format(id=did, cert=cert, voie=voie, mention=mention)
    if decisions is not None:
        text += f'\n[[passages]]\nsession = "OEMM-JURY-2014-06"\ndate = {day}\ndecisions = {{ {decisions} }}\n'
    path = tmp_path / f"{did}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout


def _fails(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout + result.stderr


class TestDossierFile:
    """The dossier's validation: whole decision without domaines, per domaine with them, never both."""

    def test_partial_and_misplaced_decisions_refused_with_file_line_and_key(self, tmp_path):
        """A domaine decision on the Téléconseiller, a whole one on the Spécialiste, both in one passage: all refused."""
        partial = dossier(tmp_path, "TEL-PARTIEL", 'D1 = "acquis"')
        both = dossier(tmp_path, "TEL-LES-DEUX", 'certification = "acquis", D2 = "non_acquis"')
        misplaced = dossier(tmp_path, "SP-ENTIERE", 'certification = "acquis"', cert="mutualite.specialiste-prestations", voie="vae")
        out = _fails(run_cli("validate", str(partial), str(both), str(misplaced)))
        assert (
            f"{partial}:14: passages[0].decisions.D1: décision sur le domaine « D1 » refusée : ce référentiel ne définit pas "
            "ses domaines : seule une décision sur la certification entière (certification = \"acquis\" ou \"non_acquis\") "
            "peut être enregistrée ; une délivrance partielle, par domaine, y est impossible\n"
        ) in out
        assert f"{both}:14: passages[0].decisions.D2: décision sur le domaine « D2 » refusée" in out
        assert "ce passage porte aussi une décision sur la certification entière : l'une ou l'autre, pas les deux" in out
        assert (
            f"{misplaced}:15: passages[0].decisions.certification: décision sur la certification entière refusée : ce "
            "référentiel définit ses domaines (D1, D2, D3, D4, D5) ; le jury décide domaine par domaine"
        ) in out
        assert "0 fichier valide sur 3" in out

    def test_scenario_with_a_partial_decision_is_invalid(self, tmp_path):
        """A scenario whose Assistant commercial dossier records D1 = acquis: ERREUR, exit 1, the refusal located."""
        text = dossier(tmp_path, "AC-PARTIEL", 'D1 = "acquis"', cert="mutualite.assistant-commercial").read_text(encoding="utf-8")
        path = tmp_path / "ac-partiel.toml"
        path.write_text(
            '[scenario]\ndescription = "Assistant commercial : décision partielle"\ndate = 2014-07-01\n\n'
            '[attendu]\nstatut = "partiel"\n\n' + text,
            encoding="utf-8",
        )
        out = _fails(run_cli("test", str(path)))
        assert f"ERREUR {path}" in out
        assert f"{path}:21: passages[0].decisions.D1: décision sur le domaine « D1 » refusée : ce référentiel ne définit pas ses domaines" in out
        assert "0 scénario réussi, 1 en échec" in out

    def test_certification_is_not_a_domaine_id(self, tmp_path):
        """A référentiel naming a domaine « certification » is refused: the key is the whole decision's."""
        ref = tmp_path / "ref.toml"
        ref.write_text(
            '[certification]\nid = "demo.essai"\nintitule = "Essai"\nbranche = "demo"\ncertificateur = "Commission"\n'
            'version = "1"\n\n[[domaines]]\nid = "certification"\nintitule = "Un"\n',
            encoding="utf-8",
        )
        out = _fails(run_cli("validate", str(ref)))
        assert f"{ref}:9: domaines[0].id: identifiant « certification » réservé" in out


class TestDecideAndFunding:
    """decide and funding on a whole decision (jury of 16/06/2014, inside the 2014 point value)."""

    def test_whole_acquis_certifies_and_gives_the_gratification(self, tmp_path):
        """certification = acquis on 16/06/2014: certified that day; 120 points × 7,99 € = 958,80 €."""
        path = dossier(tmp_path, "TEL-ACQUIS", 'certification = "acquis"')
        out = _ok(run_cli("decide", "--as-of", "2014-07-01", str(path)))
        assert "TEL-ACQUIS (mutualite.teleconseiller 2014) : certifié le 16/06/2014" in out
        funding = _ok(run_cli("funding", "--as-of", "2014-07-01", str(path)))
        assert "120 points × 7,99 €/point = 958,80 €" in funding
        data = json.loads(_ok(run_cli("funding", "--as-of", "2014-07-01", "--json", str(path))))
        lines = [x for d in data["dossiers"] for x in d["lignes"]]
        assert [(x["code"], x["montant"]) for x in lines] == [("gratification", 958.8)]

    def test_day_before_the_jury_nothing_yet(self, tmp_path):
        """As of 15/06/2014 the jury has not sat: en cours, no gratification (the as-of rule)."""
        path = dossier(tmp_path, "TEL-VEILLE", 'certification = "acquis"')
        out = _ok(run_cli("decide", "--as-of", "2014-06-15", str(path)))
        assert "TEL-VEILLE (mutualite.teleconseiller 2014) : en cours" in out
        assert "Gratification" not in _ok(run_cli("funding", "--as-of", "2014-06-15", str(path)))

    def test_whole_non_acquis_is_a_failure_without_gratification(self, tmp_path):
        """certification = non_acquis: « certification non acquise », no gratification line."""
        path = dossier(tmp_path, "CAR-NON", 'certification = "non_acquis"', cert="mutualite.charge-accueil-relation-clients")
        out = _ok(run_cli("decide", "--as-of", "2014-07-01", str(path)))
        assert "CAR-NON (mutualite.charge-accueil-relation-clients 2014) : certification non acquise" in out
        assert "Gratification" not in _ok(run_cli("funding", "--as-of", "2014-07-01", str(path)))


class TestJurySession:
    """cqpkit jury decide: certification=acquis where there are no domaines; refusals leave the base unchanged."""

    MEMBERS = ("--membre", "J-01:employeur", "--membre", "J-02:employeur", "--membre", "J-03:salarie", "--membre", "J-04:salarie")

    def test_decide_refuse_correct_and_report(self, db, tmp_path):
        """Whole decision recorded and shown; domaine decision and misplaced whole decision refused; correction with motif."""
        tel = dossier(tmp_path, "TEL-JURY", None)
        sp = dossier(tmp_path, "SP-JURY", None, cert="mutualite.specialiste-prestations", voie="vae")
        _ok(run_cli("import", "--db", db, str(tel), str(sp)))
        _ok(run_cli("jury", "open", "J-2014-06", "--date", "2014-06-16", "--certification", "mutualite.teleconseiller",
                    "--certification", "mutualite.specialiste-prestations", *self.MEMBERS, "--president", "J-01", "--db", db))
        _ok(run_cli("jury", "add", "J-2014-06", "TEL-JURY", "SP-JURY", "--db", db))
        before = _ok(run_cli("dossier", "history", "TEL-JURY", "--db", db))

        refused = _fails(run_cli("jury", "decide", "J-2014-06", "TEL-JURY", "D1=acquis", "--db", db))
        assert (
            "décision sur le domaine « D1 » refusée : mutualite.teleconseiller 2014 ne définit pas ses domaines : seule une "
            "décision sur la certification entière (certification=acquis ou certification=non_acquis) peut être enregistrée ; "
            "une délivrance partielle, par domaine, y est impossible"
        ) in refused
        mixed = _fails(run_cli("jury", "decide", "J-2014-06", "TEL-JURY", "certification=acquis", "D2=acquis", "--db", db))
        assert "décision sur le domaine « D2 » refusée" in mixed
        misplaced = _fails(run_cli("jury", "decide", "J-2014-06", "SP-JURY", "certification=acquis", "--db", db))
        assert (
            "décision sur la certification entière refusée : mutualite.specialiste-prestations 2014 définit ses domaines "
            "(D1, D2, D3, D4, D5) ; le jury décide domaine par domaine (ex. D1=acquis)"
        ) in misplaced
        assert _ok(run_cli("dossier", "history", "TEL-JURY", "--db", db)) == before  # nothing stored

        out = _ok(run_cli("jury", "decide", "J-2014-06", "TEL-JURY", "certification=acquis", "--db", db, "--as-of", "2014-07-01"))
        assert "décisions enregistrées (certification entière acquise)" in out
        assert "résultat au 01/07/2014 (--as-of) : certifié le 16/06/2014" in out
        show = _ok(run_cli("dossier", "show", "TEL-JURY", "--db", db, "--as-of", "2014-07-01", "--large"))  # lines whole
        assert "16/06/2014 J-2014-06 : certification entière acquise\n" in show
        assert "Résultat au 01/07/2014 (--as-of) : certifié le 16/06/2014" in show
        assert "120 points × 7,99 €/point = 958,80 €" in show
        data = json.loads(_ok(run_cli("dossier", "show", "TEL-JURY", "--db", db, "--as-of", "2014-07-01", "--json")))
        assert data["passages"][-1]["decisions"] == {"certification": "acquis"}
        assert (data["resultat"]["statut"], data["resultat"]["date_certification"]) == ("certifie", "2014-06-16")
        report = json.loads(_ok(run_cli("report", "campaign", "--db", db, "--as-of", "2014-07-01", "--json")))
        tel_row = next(r for r in report["certifications"] if r["certification"] == "mutualite.teleconseiller")
        assert (tel_row["certifies"], tel_row["echecs"], tel_row["gratification_euro"]) == (1, 0, 958.8)

        _ok(run_cli("jury", "close", "J-2014-06", "--db", db, "--forcer"))
        assert "--motif" in _fails(run_cli("jury", "decide", "J-2014-06", "TEL-JURY", "certification=non_acquis", "--db", db))
        corrected = _ok(run_cli("jury", "decide", "J-2014-06", "TEL-JURY", "certification=non_acquis", "--motif", "erreur de saisie",
                                "--db", db, "--as-of", "2014-07-01"))
        assert "correction enregistrée (certification entière non acquise)" in corrected
        assert "résultat au 01/07/2014 (--as-of) : certification non acquise" in corrected
        jury = _ok(run_cli("jury", "show", "J-2014-06", "--db", db, "--large", "--anonyme"))  # one line per dossier, ids only
        assert "TEL-JURY — C-TEL-JURY, mutualite.teleconseiller 2014, formation : certification entière non acquise" in jury
        assert "certification entière acquise → non acquise — motif : erreur de saisie" in jury
        history = _ok(run_cli("dossier", "history", "TEL-JURY", "--db", db))
        assert "certification entière non acquise  [correction, remplace n°" in history
        export = json.loads(_ok(run_cli("candidate", "export", "C-TEL-JURY", "--db", db)))
        passages = export["dossiers"][0]["passages"]
        assert [p["decisions"] for p in passages] == [{}, {"certification": "acquis"}, {"certification": "non_acquis"}]
        after = json.loads(_ok(run_cli("report", "campaign", "--db", db, "--as-of", "2014-07-01", "--json")))
        tel_row = next(r for r in after["certifications"] if r["certification"] == "mutualite.teleconseiller")
        assert (tel_row["certifies"], tel_row["echecs"], tel_row["gratification_euro"]) == (0, 1, 0)
