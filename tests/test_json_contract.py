"""The --json output of the dossier commands: the keys documented in docs/json-output.md, always present."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT, run_cli

EXAMPLES = sorted(str(p) for p in (ROOT / "examples").glob("dossier-*.toml"))
SESSION = str(ROOT / "examples" / "session-oemm-jury-2014-01.toml")

SOURCE = {"document", "section", "date", "cles", "notes"}
CONSTAT = {"code", "niveau", "message", "chemin", "source", "regle", "valeurs"}
ACQUIS = {"domaine", "date", "session", "valide_jusqua"}
RESULTAT = {
    "dossier", "certification", "version", "date", "statut", "acquis", "expires", "restants",
    "date_certification", "constats", "source",
}
ERREUR = {"fichier", "ligne", "cle", "chemin", "message"}
PARCOURS = {"dossier", "reorientation", "voie_suggeree", "domaines", "heures", "constats"}
PARCOURS_DOMAINE = {"domaine", "orientation", "modules", "heures", "jours", "jours_tuteur", "spe"}
LIGNE = {
    "code", "libelle", "base", "quantite", "unite", "taux", "montant", "en", "nature", "plafond", "annee",
    "date_evenement", "depuis", "source", "notes",
}


def run_json(*args: str) -> dict:
    result = run_cli(*args, "--json")
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


class TestContract:
    """Each command's JSON has exactly the documented keys."""

    def test_check(self):
        """check: date, dossiers with constats, resume, session."""
        data = run_json("check", *EXAMPLES, "--session", SESSION, "--as-of", "2014-07-01")
        assert set(data) == {"date", "date_source", "dossiers", "resume", "session", "erreurs", "non_evalues"}
        assert data["erreurs"] == []
        assert data["date"] == "2014-07-01"
        assert set(data["resume"]) == {"dossiers", "avec_erreurs", "avec_avertissements"}
        for d in data["dossiers"]:
            assert set(d) == {"fichier", "dossier", "certification", "version", "constats"}
        constats = [c for d in data["dossiers"] for c in d["constats"]] + data["session"]["constats"]
        assert constats, "the examples with this session give at least one finding"
        for c in constats:
            assert set(c) == CONSTAT
            assert c["source"] is None or set(c["source"]) == SOURCE

    def test_decide(self):
        """decide: each result has the Resultat keys plus fichier; acquired domaines their four keys."""
        data = run_json("decide", *EXAMPLES, "--as-of", "2014-07-01")
        assert set(data) == {"date", "date_source", "resultats", "resume", "erreurs", "non_evalues"}
        for r in data["resultats"]:
            assert set(r) == RESULTAT | {"fichier"}
            for a in r["acquis"] + r["expires"]:
                assert set(a) == ACQUIS
        certified = [r for r in data["resultats"] if r["statut"] == "certifie"]
        assert certified and certified[0]["date_certification"] == "2014-06-30"

    def test_plan(self):
        """plan: each parcours has the Parcours keys plus fichier."""
        data = run_json("plan", *EXAMPLES, "--as-of", "2014-07-01")
        assert set(data) == {"date", "date_source", "parcours", "erreurs", "non_evalues"}
        for p in data["parcours"]:
            assert set(p) == PARCOURS | {"fichier"}
            for d in p["domaines"]:
                assert set(d) == PARCOURS_DOMAINE

    def test_funding(self):
        """funding: lines with every documented key and a total in euros and points."""
        data = run_json("funding", *EXAMPLES, "--as-of", "2014-07-01")
        assert set(data) == {"date", "date_source", "dossiers", "total", "total_par_nature", "erreurs", "non_evalues"}
        assert set(data["total"]) == {"euro", "point"}
        assert set(data["total_par_nature"]) == {"cout", "financement", "gratification"}
        lines = [x for d in data["dossiers"] for x in d["lignes"]]
        assert lines
        for x in lines:
            assert set(x) == LIGNE
        # Mutualité 1.4: 120 points × 7,99 € for the certified example, a gratification.
        assert data["total_par_nature"]["gratification"]["euro"] == 958.80

    def test_explain(self):
        """explain: constats, resultat and financement of each dossier."""
        data = run_json("explain", EXAMPLES[0], "--as-of", "2014-07-01")
        assert set(data) == {"date", "date_source", "dossiers", "erreurs", "non_evalues"}
        (d,) = data["dossiers"]
        assert set(d) == {"fichier", "dossier", "constats", "resultat", "financement"}
        assert set(d["resultat"]) == RESULTAT

    @pytest.mark.parametrize("command", ["check", "decide", "plan", "funding", "explain"])
    def test_invalid_dossier_exit_1(self, tmp_path, command):
        """A broken dossier: its errors in the JSON (`erreurs`: fichier, ligne, cle, message) and as text on
        stderr, exit 1; the valid dossier beside it is still processed."""
        bad = tmp_path / "casse.toml"
        bad.write_text('[dossier]\nid = "X"\nversion = 2014\n', encoding="utf-8")
        result = run_cli(command, EXAMPLES[0], str(bad), "--json")
        assert result.returncode == 1
        assert f"{bad}:1: dossier.certification: clé obligatoire manquante" in result.stderr
        assert f"{bad}:3: dossier.version: type incorrect" in result.stderr
        data = json.loads(result.stdout)
        erreurs = data["erreurs"]
        assert all(set(e) == ERREUR for e in erreurs)
        assert {"fichier": str(bad), "ligne": 1, "cle": "dossier.certification", "chemin": "dossier.certification",
                "message": "clé obligatoire manquante"} in erreurs
        [version] = [e for e in erreurs if e["cle"] == "dossier.version"]
        assert version["ligne"] == 3 and version["message"].startswith("type incorrect")
        # every stderr line of the file is one JSON error, in the same order
        lines = [ln for ln in result.stderr.splitlines() if ln.startswith(f"{bad}:")]
        assert lines == [f"{e['fichier']}:{e['ligne']}: {e['cle']}: {e['message']}" for e in erreurs]
        listed = data.get("dossiers", data.get("resultats", data.get("parcours")))
        assert [d["fichier"] for d in listed] == [EXAMPLES[0]]

    @pytest.mark.parametrize("command", ["check", "decide", "plan", "funding", "explain"])
    def test_unreadable_dossier_exit_2(self, tmp_path, command):
        """A file that cannot be read: one error with no line and no key, exit 2."""
        missing = tmp_path / "absent.toml"
        result = run_cli(command, str(missing), "--json")
        assert result.returncode == 2
        assert "fichier introuvable" in result.stderr
        assert json.loads(result.stdout)["erreurs"] == [
            {"fichier": str(missing), "ligne": None, "cle": "", "chemin": "", "message": f"{missing} : fichier introuvable"}
        ]

    def test_invalid_session_in_check(self, tmp_path):
        """`check --session` with a broken session file: its errors in `erreurs` too, exit 1."""
        bad = tmp_path / "session-casse.toml"
        bad.write_text('[session]\nid = "S"\n', encoding="utf-8")
        result = run_cli("check", EXAMPLES[0], "--session", str(bad), "--json")
        assert result.returncode == 1
        erreurs = json.loads(result.stdout)["erreurs"]
        assert erreurs and {e["fichier"] for e in erreurs} == {str(bad)}
        assert {"fichier": str(bad), "ligne": 1, "cle": "session.date", "chemin": "session.date",
                "message": "clé obligatoire manquante"} in erreurs


class TestStoreReports:
    """`report campaign | deadlines --json` on a stored campaign: the documented keys, the added ones included."""

    def test_report_keys(self, tmp_path):
        """Every documented key, always present; `certifications_ignorees` is `[]` when every plugin is loaded."""
        base = str(tmp_path / "c.db")
        assert run_cli("import", "--db", base, str(ROOT / "examples" / "campaign")).returncode == 0
        data = run_json("report", "campaign", "--db", base, "--as-of", "2020-06-30")
        assert set(data) == {"date", "date_source", "certifications", "total", "sessions", "certifications_ignorees", "certifications_non_evaluees"}
        stats = {
            "certification", "intitule", "dossiers", "candidats", "formation", "vae", "certifies", "partiels", "echecs", "expires",
            "en_cours", "a_venir", "delais_depasses", "lignes_sans_bareme", "cout_euro", "cout_points", "financement_euro", "financement_points",
            "gratification_euro", "gratification_points",
        }
        assert all(set(s) == stats for s in data["certifications"]) and set(data["total"]) == stats
        assert data["sessions"] and all(set(s) == {"session", "date", "certifications", "close", "a_venir"} for s in data["sessions"])
        assert data["certifications_ignorees"] == [] and data["certifications_non_evaluees"] == []
        data = run_json("report", "deadlines", "--within", "180", "--db", base, "--as-of", "2020-06-30")
        assert set(data) == {"date", "date_source", "jours", "a_venir", "passees", "certifications_ignorees"}
        row = {"certification", "type", "domaine", "date", "depuis", "dossier", "candidat", "voie", "jours", "version"}  # version: added (issue 20)
        assert data["a_venir"] and all(set(r) == row for r in data["a_venir"] + data["passees"])
        result = run_cli("report", "deadlines", "--within", "180", "--db", base, "--as-of", "2020-06-30", "--json",
                         env={"CQPKIT_LOAD_PLUGINS": "mutualite"})
        assert result.returncode == 1
        left = json.loads(result.stdout)["certifications_ignorees"]
        assert left and all(set(x) == {"certification", "dossiers", "raison"} for x in left)
