"""Open Badges 3.0 credentials (cqpkit.interop.credentials, ``cqpkit credential``): keys, issue, verify, the schema.

The expected dates come from the campaign's README (examples/campaign/README.md) and the référentiel's
rule « partially awarded domaines are valid 5 years » (valid through the day before the 5th anniversary).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import stat
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from tests.test_store_support import CAMPAIGN, db  # noqa: F401 (the fixture: both engines)

pytest.importorskip("jwt", reason="PyJWT n'est pas installé (extra interop : pip install -e '.[test]')")

#: Where the team's shared folder may be: $CQPKIT_SHARED, next to this checkout (../shared), one level up (the
#: team's worktrees), or the machine's /work/shared (a CI clone elsewhere on the same machine).
_SHARED = [Path(p) for p in (os.environ.get("CQPKIT_SHARED"),) if p] + [ROOT.parent / "shared", ROOT.parent.parent / "shared", Path("/work/shared")]
OB3 = next((s / "interop" / "openbadges-3.0" for s in _SHARED if (s / "interop" / "openbadges-3.0").is_dir()), _SHARED[0] / "interop" / "openbadges-3.0")
DOSSIERS = CAMPAIGN / "dossiers"
#: A référentiel file with RNCP codes (the format reference's fictional example) and two fictional dossiers.
DEMO = ROOT / "tests" / "data" / "interop"
ISSUER = "https://oemm.example.invalid"


def ob3_schema() -> dict:
    """The published OB 3.0 AchievementCredential schema (read where ../shared keeps it; mandatory under CI)."""
    path = OB3 / "achievementcredential.schema.json"
    if not path.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} manquant : le schéma Open Badges 3.0 publié est obligatoire en CI")
        pytest.skip(f"schéma Open Badges 3.0 absent ({path}) : voir ../shared/interop/openbadges-3.0/README.md")
    return json.loads(path.read_text(encoding="utf-8"))


def payload(token: str) -> dict:
    part = token.strip().split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    proc = run_cli("credential", "keygen", str(tmp_path / "cle"))
    assert proc.returncode == 0, proc.stderr
    return tmp_path / "cle"


def issue(keys: Path, out: Path, *args: str, as_of: str = "2020-06-30"):
    return run_cli(
        "credential", "issue", *args, "--key", str(keys), "--issuer-id", ISSUER, "--issuer-name", "OEMM (fictif)",
        "-o", str(out), "--as-of", as_of,
    )


class TestKeygen:
    def test_writes_a_private_key_readable_by_its_owner_only_and_a_public_key(self, keys: Path):
        """keygen: the private key is mode 0600, PEM PKCS#8; FICHIER.pub is the public key."""
        assert stat.S_IMODE(keys.stat().st_mode) == 0o600
        assert keys.read_text().startswith("-----BEGIN PRIVATE KEY-----")
        assert (keys.parent / "cle.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")

    def test_refuses_to_overwrite_without_force(self, keys: Path):
        """A second keygen on the same file changes nothing (exit 1); --force replaces the pair."""
        before = keys.read_bytes()
        proc = run_cli("credential", "keygen", str(keys))
        assert proc.returncode == 1
        assert "existe déjà" in proc.stderr and "--force" in proc.stderr
        assert keys.read_bytes() == before
        proc = run_cli("credential", "keygen", str(keys), "--force")
        assert proc.returncode == 0, proc.stderr
        assert keys.read_bytes() != before
        assert stat.S_IMODE(keys.stat().st_mode) == 0o600


class TestIssue:
    def test_a_certification_delivered_gives_one_credential(self, keys: Path, tmp_path: Path):
        """OEMM-2017-0201 is certified at the jury of 18/03/2019: one credential, no validUntil."""
        proc = issue(keys, tmp_path / "out", str(DOSSIERS / "oemm-2017-0201.toml"))
        assert proc.returncode == 0, proc.stderr
        files = sorted((tmp_path / "out").iterdir())
        assert [f.name for f in files] == ["OEMM-2017-0201-certification.jwt"]
        cred = payload(files[0].read_text())
        assert cred["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
        assert cred["validFrom"] == "2019-03-18T00:00:00+01:00"
        assert "validUntil" not in cred and "exp" not in cred
        ach = cred["credentialSubject"]["achievement"]
        assert ach["achievementType"] == "Certification"
        assert ach["name"] == "CQP Spécialiste prestations santé-prévoyance"
        # the criteria name the final in-company criteria of the référentiel, not the positioning questions
        assert "D1-F1 : Toutes les informations nécessaires pour traiter le dossier ont été recueillies" in ach["criteria"]["narrative"]
        assert "PR-Q1" not in ach["criteria"]["narrative"]
        assert cred["iss"] == ISSUER and cred["jti"] == cred["id"]

    def test_a_partial_award_gives_one_credential_per_domaine_valid_five_years(self, keys: Path, tmp_path: Path):
        """OEMM-2018-0203 (VAE): four domaines out of five on 18/03/2019, valid through 17/03/2024."""
        proc = issue(keys, tmp_path / "out", str(DOSSIERS / "oemm-2018-0203.toml"))
        assert proc.returncode == 0, proc.stderr
        names = sorted(f.name for f in (tmp_path / "out").iterdir())
        assert names == [f"OEMM-2018-0203-{d}.jwt" for d in ("D1", "D2", "D3", "D5")]
        for name in names:
            cred = payload((tmp_path / "out" / name).read_text())
            assert cred["validFrom"] == "2019-03-18T00:00:00+01:00"
            assert cred["validUntil"] == "2024-03-17T23:59:59+01:00"
            assert cred["exp"] == int(dt.datetime(2024, 3, 17, 22, 59, 59, tzinfo=dt.UTC).timestamp())
            assert cred["credentialSubject"]["achievement"]["achievementType"] == "Competency"

    def test_the_candidate_is_named_by_hashed_identifiers(self, keys: Path, tmp_path: Path):
        """The e-mail and the name are salted SHA-256 hashes (checkable by who knows them); the candidate id in clear."""
        import hashlib

        issue(keys, tmp_path / "out", str(DOSSIERS / "oemm-2017-0201.toml"))
        token = (tmp_path / "out" / "OEMM-2017-0201-certification.jwt").read_text()
        assert "aubepine" not in token.lower()
        ids = {i["identityType"]: i for i in payload(token)["credentialSubject"]["identifier"]}
        assert ids["sourcedId"] == {"type": "IdentityObject", "identityType": "sourcedId", "hashed": False, "identityHash": "C-0201"}
        mail = ids["emailAddress"]
        expected = hashlib.sha256(("camille.aubepine@example.invalid" + mail["salt"]).encode()).hexdigest()
        assert mail["hashed"] is True and mail["identityHash"] == f"sha256${expected}"

    def test_every_credential_validates_against_the_published_schema(self, keys: Path, tmp_path: Path):
        """Every credential of the campaign's files, against OB 3.0's AchievementCredential JSON Schema (draft 2019-09)."""
        import jsonschema

        schema = ob3_schema()
        proc = issue(keys, tmp_path / "out", *sorted(map(str, DOSSIERS.glob("*.toml"))))
        assert proc.returncode == 0, proc.stderr
        files = sorted((tmp_path / "out").glob("*.jwt"))
        assert len(files) >= 10  # certified dossiers and partial awards of the campaign
        validator = jsonschema.Draft201909Validator(schema, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER)
        for f in files:
            errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(payload(f.read_text()))]
            assert errors == [], f.name

    def test_the_schema_catches_a_broken_credential(self):
        """The validation can fail: a credential without its issuer is refused by the schema."""
        import jsonschema

        schema = ob3_schema()
        broken = {"@context": ["https://www.w3.org/ns/credentials/v2"], "id": "x", "type": ["VerifiableCredential"]}
        assert list(jsonschema.Draft201909Validator(schema).iter_errors(broken))

    def test_the_context_is_the_one_published(self):
        """The second @context is the OB 3.0.3 context whose copy the README of ../shared describes."""
        from cqpkit.interop.credentials import CONTEXTS, SCHEMA_ID

        if not (OB3 / "context-3.0.3.json").is_file():
            pytest.skip("contexte Open Badges 3.0.3 absent de ../shared/interop/openbadges-3.0")
        readme = (OB3 / "README.md").read_text(encoding="utf-8")
        assert CONTEXTS[1] in readme and ob3_schema()["$id"] == SCHEMA_ID

    def test_rncp_codes_are_carried_when_the_referentiel_has_them(self, keys: Path, tmp_path: Path):
        """A référentiel file with a fiche and bloc codes (tests/data/interop/, the format reference's example): the bloc's
        credential and the certification's carry them (humanCode, otherIdentifier, alignment), and pass the OB 3.0 schema."""
        import jsonschema

        ref = tomllib.loads((DEMO / "referentiels" / "exemple-demo-2024.toml").read_text(encoding="utf-8"))
        rep, blocs = ref["certification"]["repertoire"], {d["id"]: d for d in ref["domaines"]}
        proc = run_cli(
            "credential", "issue", *sorted(map(str, (DEMO / "dossiers").glob("*.toml"))), "--key", str(keys), "--issuer-id", ISSUER,
            "--issuer-name", "OEMM (fictif)", "-o", str(tmp_path / "out"), "--as-of", "2024-07-01",
            env={"CQPKIT_REFERENTIELS_PATH": str(DEMO / "referentiels")},
        )
        assert proc.returncode == 0, proc.stderr
        out = tmp_path / "out"
        # DEMO-2024-0001: D1 acquired alone (partial award, valid five years); DEMO-2024-0002: D1 and D2, certified
        assert sorted(f.name for f in out.iterdir()) == ["DEMO-2024-0001-D1.jwt", "DEMO-2024-0002-certification.jwt"]
        bloc = payload((out / "DEMO-2024-0001-D1.jwt").read_text())
        whole = payload((out / "DEMO-2024-0002-certification.jwt").read_text())
        assert bloc["validUntil"] == "2029-06-19T23:59:59+02:00"  # jury of 20/06/2024, validite_acquis_partiels = "P5Y"
        fiche_ids = [("RNCP", rep["fiche"])] + [(k, c) for k, key in (("NSF", "nsf"), ("ROME", "rome"), ("Formacode", "formacode")) for c in rep[key]]
        page = f"https://www.francecompetences.fr/recherche/rncp/{rep['fiche'].removeprefix('RNCP')}/"

        def ids(achievement: dict) -> list[tuple[str, str]]:
            return [(i["identifierType"].removeprefix("ext:"), i["identifier"]) for i in achievement["otherIdentifier"]]

        ach = whole["credentialSubject"]["achievement"]
        assert ach["achievementType"] == "Certification" and ach["humanCode"] == rep["fiche"] == "RNCP99999"
        assert ids(ach) == fiche_ids and ("NSF", "334") in fiche_ids
        assert [(a["targetCode"], a["targetUrl"]) for a in ach["alignment"]] == [(rep["fiche"], page)]
        ach = bloc["credentialSubject"]["achievement"]
        assert ach["achievementType"] == "Competency" and ach["humanCode"] == blocs["D1"]["code_bloc"] == "RNCP99999BC01"
        assert ids(ach) == [("BlocRNCP", blocs["D1"]["code_bloc"]), *fiche_ids]
        assert [(a["targetCode"], a["targetType"]) for a in ach["alignment"]] == [
            (blocs["D1"]["code_bloc"], "ext:BlocRNCP"), (rep["fiche"], "ceterms:Credential")]
        validator = jsonschema.Draft201909Validator(ob3_schema(), format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER)
        for cred in (bloc, whole):
            assert [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(cred)] == []

    def test_no_rncp_code_without_a_fiche(self):
        """The bundled référentiels have no fiche (their sources give none): no humanCode, otherIdentifier nor alignment."""
        import cqpkit
        from cqpkit.interop.credentials import Emetteur, _achievement

        ref = cqpkit.load_registry().referentiel("mutualite.specialiste-prestations")
        assert ref.certification.repertoire is None
        em = Emetteur(id=ISSUER, nom="OEMM")
        for achievement in (_achievement(ref, None, em), _achievement(ref, "D1", em)):
            assert not {"humanCode", "otherIdentifier", "alignment"} & set(achievement)

    def test_an_invalid_dossier_issues_nothing(self, keys: Path, tmp_path: Path):
        """A dossier file with an error: its errors with their line, exit 1, no file written."""
        bad = tmp_path / "bad.toml"
        bad.write_text((DOSSIERS / "oemm-2017-0201.toml").read_text(encoding="utf-8").replace('voie = "formation"', 'voie = "autre"'), encoding="utf-8")
        proc = issue(keys, tmp_path / "out", str(DOSSIERS / "oemm-2017-0201.toml"), str(bad))
        assert proc.returncode == 1
        assert "bad.toml:" in proc.stderr and "dossier.voie" in proc.stderr
        assert not (tmp_path / "out").exists()

    def test_an_issuer_file(self, keys: Path, tmp_path: Path):
        """--config reads [emetteur] (key paths relative to it); an unknown key is an error with its line."""
        conf = tmp_path / "emetteur.toml"
        conf.write_text(f'[emetteur]\nid = "{ISSUER}"\nnom = "OEMM (fictif)"\nurl = "{ISSUER}/"\ncle = "cle"\ncle_publique = "cle.pub"\n', encoding="utf-8")
        proc = run_cli("credential", "issue", str(DOSSIERS / "oemm-2017-0201.toml"), "--config", str(conf), "-o", str(tmp_path / "o"), "--as-of", "2020-06-30")
        assert proc.returncode == 0, proc.stderr
        token = tmp_path / "o" / "OEMM-2017-0201-certification.jwt"
        assert payload(token.read_text())["issuer"] == {"id": ISSUER, "type": ["Profile"], "name": "OEMM (fictif)", "url": f"{ISSUER}/"}
        assert run_cli("credential", "verify", str(token), "--config", str(conf), "--as-of", "2020-06-30").returncode == 0
        conf.write_text(f'[emetteur]\nid = "{ISSUER}"\nnom = "OEMM"\ncouleur = "bleu"\n', encoding="utf-8")
        proc = run_cli("credential", "issue", str(DOSSIERS / "oemm-2017-0201.toml"), "--config", str(conf), "-o", str(tmp_path / "p"))
        assert proc.returncode == 1
        assert "emetteur.toml:4: emetteur.couleur: clé inconnue" in proc.stderr

    def test_a_key_that_is_not_a_key(self, tmp_path: Path):
        """A key file that is not a PEM key: a French message, exit 2, no traceback."""
        fake = tmp_path / "cle"
        fake.write_text("pas une clé\n", encoding="utf-8")
        proc = issue(fake, tmp_path / "out", str(DOSSIERS / "oemm-2017-0201.toml"))
        assert proc.returncode == 2
        assert "clé privée illisible" in proc.stderr and "Traceback" not in proc.stderr


class TestVerify:
    @pytest.fixture
    def token(self, keys: Path, tmp_path: Path) -> Path:
        proc = issue(keys, tmp_path / "out", str(DOSSIERS / "oemm-2018-0203.toml"))
        assert proc.returncode == 0, proc.stderr
        return tmp_path / "out" / "OEMM-2018-0203-D1.jwt"

    def verify(self, token: Path, keys: Path, *args: str, as_of: str = "2020-06-30"):
        return run_cli("credential", "verify", str(token), "--public-key", f"{keys}.pub", "--as-of", as_of, *args)

    def test_the_round_trip_passes(self, token: Path, keys: Path):
        """award → credential → verify: signature, dates and issuer checked, exit 0."""
        proc = self.verify(token, keys, "--issuer-id", ISSUER)
        assert proc.returncode == 0, proc.stderr
        assert "attestation valide" in proc.stdout
        assert "valable au 30/06/2020 (à partir du 18/03/2019 jusqu'au 17/03/2024)" in proc.stdout

    @pytest.mark.parametrize("where", ["header", "payload", "signature"])
    def test_one_byte_changed_fails(self, token: Path, keys: Path, where: str):
        """One character of the token changed, in any of its three parts: not valid, exit 1."""
        text = token.read_text().strip()
        parts = text.split(".")
        i = {"header": 0, "payload": 1, "signature": 2}[where]
        pos = len(parts[i]) // 2
        parts[i] = parts[i][:pos] + ("A" if parts[i][pos] != "A" else "B") + parts[i][pos + 1 :]
        token.write_text(".".join(parts) + "\n")
        proc = self.verify(token, keys)
        assert proc.returncode == 1
        assert "NON valide" in proc.stderr and "Traceback" not in proc.stderr

    def test_the_last_valid_day_passes_and_the_day_after_fails(self, token: Path, keys: Path):
        """Valid through 17/03/2024; on 18/03/2024 it has expired (exit 1)."""
        assert self.verify(token, keys, as_of="2024-03-17").returncode == 0
        proc = self.verify(token, keys, as_of="2024-03-18")
        assert proc.returncode == 1
        assert "expirée au 18/03/2024 : valable jusqu'au 17/03/2024" in proc.stderr

    def test_before_its_validity_fails(self, token: Path, keys: Path):
        """The day before the jury, the credential is not valid yet."""
        proc = self.verify(token, keys, as_of="2019-03-17")
        assert proc.returncode == 1 and "pas encore valable" in proc.stderr

    def test_another_key_fails(self, token: Path, tmp_path: Path):
        """Checked with another issuer's public key: the signature does not match, exit 1."""
        other = tmp_path / "autre"
        assert run_cli("credential", "keygen", str(other)).returncode == 0
        proc = self.verify(token, other)
        assert proc.returncode == 1
        assert "signature invalide" in proc.stderr

    def test_another_issuer_fails(self, token: Path, keys: Path):
        """--issuer-id names the issuer expected; another one fails."""
        proc = self.verify(token, keys, "--issuer-id", "https://autre.example.invalid")
        assert proc.returncode == 1 and "l'émetteur attendu est « https://autre.example.invalid »" in proc.stderr

    def test_json_output(self, token: Path, keys: Path):
        """--json: valide, problemes, the credential."""
        proc = self.verify(token, keys, "--json", as_of="2025-01-01")
        assert proc.returncode == 1
        data = json.loads(proc.stdout)
        assert data["valide"] is False and data["credential"]["validUntil"] == "2024-03-17T23:59:59+01:00"

    def test_an_unreadable_file(self, keys: Path, tmp_path: Path):
        """A missing file: exit 2, in French."""
        proc = self.verify(tmp_path / "absent.jwt", keys)
        assert proc.returncode == 2 and "absent.jwt" in proc.stderr


class TestFromTheStore:
    def test_for_a_session_and_for_a_candidate(self, db: str, keys: Path, tmp_path: Path, store_templates):  # noqa: F811
        """--db with --session: the dossiers presented to it; --candidat: the candidate's dossiers."""
        store_templates.fill("campaign-cli", db)  # what `cqpkit import examples/campaign --db DB` writes (made once, copied)
        proc = issue(keys, tmp_path / "s", "--db", db, "--session", "OEMM-JURY-2019-03")
        assert proc.returncode == 0, proc.stderr
        names = sorted(f.name for f in (tmp_path / "s").iterdir())
        assert "OEMM-2017-0201-certification.jwt" in names and "OEMM-2018-0203-D1.jwt" in names
        proc = issue(keys, tmp_path / "c", "--db", db, "--candidat", "C-0201")
        assert proc.returncode == 0, proc.stderr
        # C-0201: certified in 2019, and a second CQP in training (nothing to attest yet)
        assert sorted(f.name for f in (tmp_path / "c").iterdir()) == ["OEMM-2017-0201-certification.jwt"]
        token = tmp_path / "c" / "OEMM-2017-0201-certification.jwt"
        assert run_cli("credential", "verify", str(token), "--public-key", f"{keys}.pub", "--as-of", "2020-06-30").returncode == 0
        proc = issue(keys, tmp_path / "x", "--db", db, "--candidat", "C-9999")
        assert proc.returncode == 1 and "C-9999" in proc.stderr
