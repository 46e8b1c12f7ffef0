"""Broken référentiels give exact French messages, with file, line and key path, and exit code 1.

Each file of ``tests/data/broken/`` holds one kind of error (the last one several); the
expected lines below were counted by hand in the files, not copied from the output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cqpkit.exceptions import InvalidFileError
from cqpkit.formats.referentiels import load_referentiel
from tests.conftest import DATA, run_cli

BROKEN = DATA / "broken"

EXPECTED: dict[str, list[str]] = {
    "01-syntaxe": ["9: syntaxe TOML invalide : « = » attendu après la clé (colonne 4)"],
    "02-syntaxe-liste": ["11: syntaxe TOML invalide : liste non fermée (en fin de fichier)"],
    "03-type-entier": [
        "12: epreuves[0].evaluateurs.nombre: type incorrect : attendu un entier, trouvé un texte (« deux »)"
    ],
    "04-type-liste": [
        "11: domaines[0].savoir_faire: type incorrect : attendu une liste, trouvé un texte (« Analyser la demande »)"
    ],
    "05-cle-manquante": ["8: domaines[0].intitule: clé obligatoire manquante"],
    "06-table-manquante": ["1: certification: clé obligatoire manquante"],
    "07-cle-inconnue": [
        "8: domaines[0].intitule: clé obligatoire manquante",
        "10: domaines[0].intitul: clé inconnue (vouliez-vous dire « intitule » ?)",
    ],
    "08-table-inconnue": ["8: domaine: clé inconnue (vouliez-vous dire « domaines » ?)"],
    "09-domaines-doublon": ["13: domaines[1].id: identifiant « D1 » en double (domaines, déjà défini en domaines[0])"],
    "10-epreuves-doublon": [
        "14: epreuves[1].id: identifiant « finale » en double (épreuves, déjà défini en epreuves[0])"
    ],
    "11-criteres-doublon": [
        "18: epreuves[0].criteres[1].id: identifiant « C1 » en double "
        "(critères de l'épreuve finale, déjà défini en epreuves[0].criteres[0])"
    ],
    "12-modules-doublon": ["13: modules[1].id: identifiant « M1 » en double (modules, déjà défini en modules[0])"],
    "13-epreuve-domaine-inconnu": ["16: epreuves[0].domaines[1]: domaine « D2 » inconnu (domaines définis : D1)"],
    "14-epreuve-echelle-inconnue": [
        "16: epreuves[0].echelle: échelle « oui-non » inconnue (échelles définies : oui_non)"
    ],
    "15-module-domaine-inconnu": ["15: modules[0].domaines[0]: domaine « D3 » inconnu (domaines définis : D1)"],
    "16-bareme-desordre": [
        "18: financement.gratification.valeurs[1].depuis: valeurs datées dans le désordre : "
        "2012-01-01 est antérieur à la valeur précédente (2014-01-01, valeurs[0])"
    ],
    "17-bareme-chevauchement": [
        "14: financement.aide.valeurs[0].jusqua: période qui chevauche la suivante : "
        "elle court jusqu'au 2018-06-30 inclus, la suivante commence le 2018-01-01"
    ],
    "18-identifiant-branche": [
        "2: certification.id: identifiant « mutualite.essai » invalide : il doit s'écrire « demo.<slug> » "
        "(branche, un point, puis minuscules, chiffres et tirets)"
    ],
    "19-valeur-non-admise": [
        "11: epreuves[0].type: valeur « finale » non admise ; valeurs possibles : « positionnement », "
        "« formative », « intermediaire », « finale_entreprise », « synthese », « certifiante », « vae »"
    ],
    "20-duree-invalide": [
        "9: jury.validite_acquis_partiels: durée invalide « 5 ans » : forme attendue « P3Y », « P2M », « P3W » ou « P15D »"
    ],
    "21-date-texte": [
        "13: financement.cout.valeurs[0].depuis: type incorrect : attendu une date (AAAA-MM-JJ), "
        "trouvé un texte (« 2017-01-16 »)"
    ],
    "22-plusieurs-erreurs": [
        "12: domaines[1].intitule: clé obligatoire manquante",
        "13: domaines[1].id: identifiant « D1 » en double (domaines, déjà défini en domaines[0])",
        "14: domaines[1].titre: clé inconnue (vouliez-vous dire « intitule » ?)",
        "20: epreuves[0].domaines[1]: domaine « D9 » inconnu (domaines définis : D1)",
        "21: epreuves[0].echelle: échelle « oui_non » inconnue (échelles définies : aucune)",
        "22: epreuves[0].evaluateurs.roles_requis: type incorrect : attendu une liste, trouvé un texte (« n_plus_1 »)",
        "27: modules[0].jours_presentiel: type incorrect : attendu un nombre, trouvé un texte (« trois »)",
    ],
}


def _messages(path: Path) -> list[str]:
    with pytest.raises(InvalidFileError) as info:
        load_referentiel(path)
    assert info.value.fichier == str(path)
    return [str(e) for e in info.value.erreurs]


class TestBrokenFiles:
    """Each broken file gives exactly the expected messages, in line order."""

    def test_every_file_has_an_expectation(self):
        """The data folder and the expectations list the same files (at least 15 + one with several)."""
        names = sorted(p.stem for p in BROKEN.glob("*.toml"))
        assert names == sorted(EXPECTED)
        assert len(names) >= 16
        assert any(len(v) > 1 for v in EXPECTED.values())

    @pytest.mark.parametrize("name", sorted(EXPECTED))
    def test_messages(self, name):
        """The API raises InvalidFileError carrying every error as fichier:ligne: chemin: message."""
        path = BROKEN / f"{name}.toml"
        assert _messages(path) == [f"{path}:{line}" for line in EXPECTED[name]]


class TestBrokenFilesCli:
    """`cqpkit validate` prints the same messages on stderr and exits with 1."""

    def test_all_at_once(self):
        """Validating every broken file at once reports each file's errors and exits with 1, no traceback."""
        paths = [str(BROKEN / f"{n}.toml") for n in sorted(EXPECTED)]
        result = run_cli("validate", *paths)
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        for name, lines in EXPECTED.items():
            if name == "06-table-manquante":
                continue  # the CLI says which kind of file it expected, tested below
            for line in lines:
                assert f"{BROKEN / name}.toml:{line}" in result.stderr.splitlines()
        assert result.stdout.strip().endswith(f"0 fichier valide sur {len(paths)}")

    def test_file_without_certification_table(self):
        """A TOML file that is not a référentiel is named as such, at line 1."""
        path = BROKEN / "06-table-manquante.toml"
        result = run_cli("validate", str(path))
        assert result.returncode == 1
        assert f"{path}:1: type de fichier non reconnu : un référentiel commence par la table [certification]" in result.stderr

    def test_json_output(self):
        """`--json` gives each error as an object with fichier, ligne, chemin and message."""
        import json

        path = BROKEN / "09-domaines-doublon.toml"
        result = run_cli("validate", "--json", str(path))
        assert result.returncode == 1
        data = json.loads(result.stdout)
        assert data["fichiers"][0]["valide"] is False
        assert data["fichiers"][0]["erreurs"] == [
            {
                "fichier": str(path),
                "ligne": 13,
                "chemin": "domaines[1].id",
                "message": "identifiant « D1 » en double (domaines, déjà défini en domaines[0])",
            }
        ]

    def test_unreadable_file_exit_2(self, tmp_path):
        """A missing file is a usage problem: exit code 2 and a French message."""
        result = run_cli("validate", str(tmp_path / "absent.toml"))
        assert result.returncode == 2
        assert f"erreur : {tmp_path / 'absent.toml'} : fichier introuvable" in result.stderr

    def test_not_utf8_exit_2(self, tmp_path):
        """A file that is not UTF-8 is unreadable, with the line of the first bad byte."""
        path = tmp_path / "latin1.toml"
        path.write_bytes('[certification]\nintitule = "Spécialiste"\n'.encode("latin-1"))
        result = run_cli("validate", str(path))
        assert result.returncode == 2
        assert f"{path}:2: le fichier n'est pas encodé en UTF-8" in result.stderr


class TestNestedTooDeep:
    """Arrays or inline tables nested thousands deep in a référentiel that ``extends`` fragments.

    ``validate`` said « imbriquées trop profondément »; ``list`` (the registry, through the validation
    cache's key of the fragments, parsed with tomllib) ended in « erreur interne : RecursionError ».
    Found by the fuzzing test at a larger scale (CQPKIT_FUZZ_SCALE=20).
    """

    @pytest.mark.parametrize(
        "body",
        [
            "extends = " + "[" * 5000 + "]" * 5000,
            'extends = ["../fragments/branche.toml"]\nnotes = ' + "[" * 5000 + "]" * 5000,
            'extends = ["../fragments/branche.toml"]\n[certification]\nid = ' + "{ a = " * 5000 + "1" + " }" * 5000,
        ],
        ids=["extends", "valeur", "table-en-ligne"],
    )
    def test_list_names_the_file(self, tmp_path, body):
        import shutil

        from tests.conftest import ROOT

        shutil.copytree(ROOT / "plugins" / "mutualite" / "cqpkit_mutualite" / "fragments", tmp_path / "fragments")
        (tmp_path / "referentiels").mkdir()
        path = tmp_path / "referentiels" / "profond.toml"
        path.write_text(body + "\n", encoding="utf-8")
        proc = run_cli("list", env={"CQPKIT_REFERENTIELS_PATH": str(tmp_path / "referentiels"), "CQPKIT_NO_CACHE": ""})
        assert "erreur interne" not in proc.stderr and "Traceback" not in proc.stderr
        assert f"{path}:" in proc.stderr and "imbriquées trop profondément" in proc.stderr
