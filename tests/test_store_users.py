"""Users, roles and API tokens of the store (cqpkit.store.users, cqpkit user), on SQLite and PostgreSQL.

The policy is checked against the table of docs/store.md « Users, roles and tokens », cell by cell; the
secrets (passwords, tokens) are looked for in every table, the log and every output after their creation.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time

import pytest
import sqlalchemy as sa
from cqpkit.exceptions import InvalidArgumentError
from cqpkit.store import migration7, migrations
from cqpkit.store import schema as t
from cqpkit.store import users
from cqpkit.store.errors import NotFoundError, StoreConflictError

from tests.conftest import ROOT, run_cli
from tests.test_store_support import campaign_store, db, registry, snapshot, store, undo_users  # noqa: F401 (fixtures)

PASSWORD = "correct-cheval-agrafe-batterie"
#: A member of the example campaign's sessions I410-JURY-2019-03 and I410-JURY-2019-11 only (examples/campaign/sessions).
MEMBER, HIS_SESSION, OTHER_SESSION = "L-01", "I410-JURY-2019-03", "OEMM-JURY-2019-10"
DOCS = ROOT / "docs" / "store.md"
CHEAP = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch):
    """Hashing at argon2-cffi's defaults costs 64 MiB and tens of ms: the tests use small parameters (one test the defaults)."""
    monkeypatch.setattr(users, "PARAMETERS", CHEAP)
    monkeypatch.setattr(users, "_DUMMY", [])


def _db(store) -> str:  # type: ignore[no-untyped-def]
    return store.target.url if store.target.kind == "postgresql" else store.target.path


def _everything(store) -> str:  # type: ignore[no-untyped-def]
    """Every cell of every table, as one text: what a secret must not be found in."""
    return json.dumps(snapshot(store), ensure_ascii=False)


def _audit(store, action: str) -> list:  # type: ignore[no-untyped-def]
    with store.read() as conn:
        return conn.execute(sa.select(t.audit).where(t.audit.c.action == action).order_by(t.audit.c.numero)).all()


# ------------------------------------------------------------------------------ the policy
def _docs_table() -> dict[str, dict[str, str]]:
    """The table actions × roles of docs/store.md: action → role → cell (« oui », « non », « ses sessions »)."""
    text = DOCS.read_text(encoding="utf-8").split("## Users, roles and tokens", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in text.splitlines() if line.startswith("| action |") or re.match(r"\| `[a-z]+\.[a-z]+` \|", line)]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    out = {}
    for line in lines[1:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        out[cells[0].strip("`")] = {role: cells[header.index(role)] for role in users.ROLES}
    return out


class TestPolicy:
    """`may` answers what the documented table says, for every action and role, on both engines."""

    def test_the_documented_table_is_the_policy(self):
        """Every action of ACTIONS has its row in the docs, and no other; each cell is one of three words."""
        table = _docs_table()
        assert list(table) == list(users.ACTIONS)
        assert {cell for row in table.values() for cell in row.values()} == {"oui", "non", "ses sessions"}
        assert {a for a, row in table.items() if row["jury"] == "ses sessions"} == users.SESSION_ACTIONS

    def test_every_cell(self, campaign_store):
        """Each role × action, with the session the jury user sits on, one it does not sit on, and none."""
        with campaign_store.read() as conn:
            contents = dict(conn.execute(sa.select(t.sessions.c.id, t.sessions.c.contenu)).all())
        assert MEMBER in {m["id"] for m in json.loads(contents[HIS_SESSION])["membres"]}
        assert MEMBER not in {m["id"] for m in json.loads(contents[OTHER_SESSION])["membres"]}
        people = {role: users.add_user(campaign_store, f"u-{role}", "", role, membre=MEMBER if role == "jury" else None) for role in users.ROLES}
        wrong = []
        for action, row in _docs_table().items():
            for role, cell in row.items():
                expected = {"oui": (True, True, True), "non": (False, False, False), "ses sessions": (True, False, False)}[cell]
                got = tuple(users.may(campaign_store, people[role], action, s) for s in (HIS_SESSION, OTHER_SESSION, None))
                if role != "jury":  # a session named or not changes nothing for the other roles
                    expected = (expected[0],) * 3
                if got != expected:
                    wrong.append((action, role, cell, got))
        assert wrong == []
        # the same answers through a connection (what an endpoint holding a transaction passes)
        with campaign_store.read() as conn:
            assert users.may(conn, people["jury"], "session.decider", HIS_SESSION) is True
            assert users.may(conn, people["jury"], "session.decider", OTHER_SESSION) is False

    def test_disabled_none_and_unknown(self, campaign_store):
        """A disabled user and no user may nothing; an unknown action is an error; an unknown or SQL-looking session is no session."""
        admin = users.add_user(campaign_store, "chef", "", "admin")
        jury = users.add_user(campaign_store, "juge", "", "jury", membre=MEMBER)
        gone = users.disable_user(campaign_store, "chef")
        assert gone.actif is False
        assert not any(users.may(campaign_store, u, a, HIS_SESSION) for u in (gone, None) for a in users.ACTIONS)
        assert users.may(campaign_store, admin, "utilisateur.gerer") is True  # the object held before: may reads it, not the base
        with pytest.raises(InvalidArgumentError, match="action « session.decide » inconnue ; vouliez-vous dire « session.decider »"):
            users.may(campaign_store, jury, "session.decide", HIS_SESSION)
        for evil in ("x' OR '1'='1", f"{HIS_SESSION}' --", "../" + HIS_SESSION, "", HIS_SESSION + "\x00", "\x00"):
            assert users.may(campaign_store, jury, "session.lire", evil) is False
        assert users.may(campaign_store, jury, "session.lire", HIS_SESSION) is True  # the table is still there

    def test_sessions_of(self, campaign_store):
        """A jury user lists the sessions it sits on; an operator all; lecture none."""
        jury = users.add_user(campaign_store, "juge", "", "jury", membre=MEMBER)
        op = users.add_user(campaign_store, "op", "", "operateur")
        lecteur = users.add_user(campaign_store, "lecteur", "", "lecture")
        assert users.sessions_of(campaign_store, jury) == ["I410-JURY-2019-03", "I410-JURY-2019-11"]
        assert len(users.sessions_of(campaign_store, op)) == 5
        assert users.sessions_of(campaign_store, lecteur) == []

    def test_membership_follows_the_session_version(self, campaign_store, tmp_path):
        """A member removed by a new version of the session file loses the session (open sessions only change)."""
        jury = users.add_user(campaign_store, "juge", "", "jury", membre="M-NEW")
        assert run_cli("jury", "open", "S-TEST", "--date", "2021-03-01", "--certification", "secu.manager-operationnel",
                       "--membre", "M-NEW:employeur", "--membre", "M-2:employeur", "--membre", "M-3:institut",
                       "--db", _db(campaign_store)).returncode == 0
        assert users.may(campaign_store, jury, "session.decider", "S-TEST") is True
        other = users.add_user(campaign_store, "autre", "", "jury")  # member id = login
        assert other.membre == "autre" and users.may(campaign_store, other, "session.decider", "S-TEST") is False


# ------------------------------------------------------------------------------ tokens
class TestTokens:
    """Tokens: shown once, stored hashed, refused when revoked, expired, tampered or their user disabled."""

    def test_a_token_opens_its_user(self, store):
        users.add_user(store, "portail", "Portail candidats", "operateur")
        token = users.create_token(store, "portail", "portail")
        assert re.fullmatch(r"cqpk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", token)  # 64 bits of id, 256 of secret (43 base64url characters)
        user = users.authenticate_token(store, token)
        assert user == users.Utilisateur(id="portail", nom="Portail candidats", role="operateur", actif=True)
        assert users.create_token(store, "portail") != token
        with store.read() as conn:  # in a request's own transaction
            assert users.authenticate_token(conn, token) == user

    def test_never_stored_in_clear(self, store):
        """The table holds the SHA-256 of the token; neither the token nor its secret is in any table nor the log."""
        users.add_user(store, "portail", "", "operateur")
        token = users.create_token(store, "portail", "essai")
        secret = token.rsplit("_", 1)[1] if token.count("_") == 2 else token[22:]
        with store.read() as conn:
            row = conn.execute(sa.select(t.jetons)).one()
        assert row.empreinte == hashlib.sha256(token.encode()).hexdigest()
        assert row.id == token[5:21]
        everything = _everything(store)
        assert token not in everything and secret not in everything and token[21:] not in everything

    def test_revoked(self, store):
        users.add_user(store, "portail", "", "operateur")
        token = users.create_token(store, "portail")
        assert users.revoke_token(store, token) is True  # by the whole token
        assert users.authenticate_token(store, token) is None
        assert users.revoke_token(store, users.token_id(token)) is False  # by its id: already revoked
        with pytest.raises(NotFoundError, match="jeton « 0000000000000000 » inconnu"):
            users.revoke_token(store, "0000000000000000")

    def test_expired(self, store):
        users.add_user(store, "portail", "", "operateur")
        # Long enough to be still valid when first checked on a loaded machine; then wait until the stored
        # expiry has passed (read back, not assumed), whatever the machine's speed.
        token = users.create_token(store, "portail", expires=dt.timedelta(seconds=5))
        assert users.authenticate_token(store, token) is not None
        with store.read() as conn:
            expiry = dt.datetime.fromisoformat(conn.execute(sa.select(t.jetons.c.expire_le)).scalar_one())
        time.sleep(max(0.0, (expiry - dt.datetime.now(dt.UTC)).total_seconds()) + 0.1)
        assert users.authenticate_token(store, token) is None
        with pytest.raises(StoreConflictError, match="expiration .* est déjà passée"):
            users.create_token(store, "portail", expires=dt.date(2020, 1, 1))
        with pytest.raises(InvalidArgumentError, match="avec fuseau"):
            users.create_token(store, "portail", expires=dt.datetime(2099, 1, 1))
        users.create_token(store, "portail", expires=dt.date(2099, 1, 1))  # a date: valid through that day, UTC
        with store.read() as conn:
            assert "2099-01-02T00:00:00+00:00" in conn.execute(sa.select(t.jetons.c.expire_le)).scalars().all()

    def test_disabled_users_token(self, store):
        users.add_user(store, "portail", "", "operateur")
        token = users.create_token(store, "portail")
        users.disable_user(store, "portail")
        assert users.authenticate_token(store, token) is None
        with pytest.raises(StoreConflictError, match="désactivé : pas de nouveau jeton"):
            users.create_token(store, "portail")

    def test_unknown_tampered_and_odd_tokens(self, store):
        users.add_user(store, "portail", "", "operateur")
        token = users.create_token(store, "portail")
        last = "A" if token[-1] != "A" else "B"
        odd = [token[:-1] + last, token + "x", token.upper(), "cqpk_" + "0" * 16 + "_" + "A" * 43, "", "' OR 1=1 --",
               f"cqpk_{token[5:21]}' OR '1'='1", "../../etc/passwd", None, 42]
        assert [users.authenticate_token(store, x) for x in odd] == [None] * len(odd)  # type: ignore[arg-type]
        assert users.authenticate_token(store, token) is not None


# ------------------------------------------------------------------------------ passwords
class TestPasswords:
    """argon2id, a wrong or absent password refused, a hash with old parameters replaced at login."""

    def test_login(self, store):
        users.add_user(store, "alice", "Alice Fictive", "admin", PASSWORD)
        assert users.authenticate_password(store, "alice", PASSWORD) == users.Utilisateur("alice", "Alice Fictive", "admin", True)
        for login, password in (("alice", PASSWORD + "x"), ("alice", ""), ("bob", PASSWORD), ("' OR '1'='1", PASSWORD), ("alice' --", PASSWORD),
                                ("alice\x00", PASSWORD), ("../alice", PASSWORD), ("alice", PASSWORD + "\x00"), ("alice", "x" * 5000)):
            assert users.authenticate_password(store, login, password) is None, login
        with store.read() as conn:
            stored = conn.execute(sa.select(t.utilisateurs.c.mot_de_passe)).scalar_one()
        assert stored.startswith("$argon2id$v=19$m=8,t=1,p=1$")
        assert PASSWORD not in _everything(store)

    def test_no_password_and_disabled(self, store):
        users.add_user(store, "robot", "", "operateur")
        assert users.authenticate_password(store, "robot", "") is None
        assert users.authenticate_password(store, "robot", PASSWORD) is None
        users.add_user(store, "alice", "", "admin", PASSWORD)
        users.disable_user(store, "alice")
        assert users.authenticate_password(store, "alice", PASSWORD) is None

    def test_rehash_on_parameter_change(self, store, monkeypatch):
        """The defaults (RFC 9106 low memory) replace a cheap hash at the next login, logged with the user as operator; once."""
        users.add_user(store, "alice", "", "admin", PASSWORD)
        monkeypatch.setattr(users, "PARAMETERS", {})
        assert users.authenticate_password(store, "alice", PASSWORD) is not None
        with store.read() as conn:
            stored = conn.execute(sa.select(t.utilisateurs.c.mot_de_passe)).scalar_one()
        assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        entries = _audit(store, "utilisateur.mot_de_passe")
        assert [(e.operateur, e.objet_id) for e in entries] == [("alice", "alice")]
        assert users.authenticate_password(store, "alice", PASSWORD) is not None
        assert len(_audit(store, "utilisateur.mot_de_passe")) == 1
        assert store.verify().ok

    def test_bad_input_all_at_once(self, store):
        with pytest.raises(StoreConflictError) as exc:
            users.add_user(store, "../etc/passwd", "a\x1bb", "chef", "court", membre="L-01")
        text = str(exc.value)
        for part in ("login: identifiant refusé", "nom: nom refusé", "role: rôle « chef » inconnu", "membre: un identifiant de membre de jury ne vaut que pour le rôle jury",
                     "mot_de_passe: mot de passe trop court : 12 caractères au moins"):
            assert part in text
        for login in ("'; DROP TABLE utilisateurs; --", "a b", "é", "x" * 65, "-x", ".x", "a/b", "a\x00b"):
            with pytest.raises(StoreConflictError, match="identifiant refusé"):
                users.add_user(store, login, "", "admin")
        assert users.list_users(store) == []
        users.add_user(store, "a" * 64, "", "admin")  # the longest login
        with pytest.raises(StoreConflictError, match="déjà enregistré"):
            users.add_user(store, "a" * 64, "", "lecture")


# ------------------------------------------------------------------------------ the log and db verify
class TestAudit:
    """The acting user reaches the log; the users' changes are logged without secret; db verify checks their rows."""

    def test_the_acting_user_is_the_operator_of_a_write(self, campaign_store):
        jury = users.add_user(campaign_store, "juge", "", "jury", membre=MEMBER)
        assert users.may(campaign_store, jury, "session.decider", "I410-JURY-2019-11")
        with campaign_store.read() as conn:
            dossier = conn.execute(sa.select(t.passages.c.dossier_id).where(t.passages.c.session_id == "I410-JURY-2019-11")).scalars().first()
        campaign_store.decide("I410-JURY-2019-11", dossier, {"D1": "acquis"}, operateur=users.acting(jury), motif="erreur de report")
        last = _audit(campaign_store, "passage.correction")[-1]
        assert (last.operateur, last.objet_id) == ("juge", dossier)

    def test_user_changes_are_logged_without_secret(self, store):
        users.add_user(store, "alice", "Alice Fictive", "admin", PASSWORD, operateur="boot")
        token = users.create_token(store, "alice", "portail", operateur="alice")
        users.revoke_token(store, token, operateur="alice")
        users.disable_user(store, "alice", operateur="boot")
        with store.read() as conn:
            log = conn.execute(sa.select(t.audit).order_by(t.audit.c.numero)).all()
        assert [(e.action, e.objet, e.operateur) for e in log] == [
            ("utilisateur.creation", "utilisateur", "boot"), ("jeton.creation", "jeton", "alice"),
            ("jeton.revocation", "jeton", "alice"), ("utilisateur.desactivation", "utilisateur", "boot"),
        ]
        text = json.dumps([tuple(map(str, e)) for e in log], ensure_ascii=False)
        assert PASSWORD not in text and token not in text and token[21:] not in text and "Alice Fictive" not in text
        assert json.loads(log[0].details) == {"role": "admin", "membre": None, "mot_de_passe": hashlib.sha256(_stored_hash(store).encode()).hexdigest()}
        assert store.verify().ok

    def test_a_login_equal_to_a_candidate_id_is_not_in_their_export(self, campaign_store):
        """The export and a dossier's history take the log entries of the candidate and the dossier, not of a user of that id."""
        users.add_user(campaign_store, "C-0207", "", "lecture")
        users.add_user(campaign_store, "OEMM-2017-0207", "", "lecture")
        export = campaign_store.export_candidat("C-0207", operateur="dpo")
        history = campaign_store.history("OEMM-2017-0207")
        for journal in (export["journal"], history["journal"]):
            assert journal and {e["objet"] for e in journal} <= {"candidat", "dossier"}

    @pytest.mark.parametrize("statement,message", [
        ("INSERT INTO utilisateurs (id, nom, role, actif, membre, mot_de_passe, cree_le, modifie_le) "
         "VALUES ('intrus', 'x', 'admin', TRUE, NULL, NULL, 'x', 'x')", r"table utilisateurs, clé id=intrus : ligne absente du journal"),
        ("UPDATE utilisateurs SET role = 'admin' WHERE id = 'lecteur'", r"table utilisateurs, clé id=lecteur : ligne modifiée depuis l'entrée n° 1 \(rôle ou membre\)"),
        ("UPDATE utilisateurs SET mot_de_passe = 'x' WHERE id = 'lecteur'", r"clé id=lecteur : ligne modifiée .*\(mot de passe écrit hors de cqpkit\)"),
        ("UPDATE jetons SET expire_le = NULL", r"table jetons, clé id=[0-9a-f]{16} : ligne modifiée depuis l'entrée n° 2 \(utilisateur, expiration ou empreinte\)"),
        ("UPDATE jetons SET revoque_le = 'x'", r"table jetons, clé id=[0-9a-f]{16} : ligne modifiée .*\(révoqué hors de cqpkit\)"),
    ])
    def test_db_verify_sees_rows_written_outside(self, store, statement, message):
        users.add_user(store, "lecteur", "", "lecture", PASSWORD)
        users.create_token(store, "lecteur", expires=dt.date(2099, 1, 1))
        assert store.verify().ok
        with store.write() as conn:
            conn.exec_driver_sql(statement.replace("TRUE", "1") if store.target.kind == "sqlite" else statement)
        problems = store.verify().problemes
        assert any(re.search(message, p) for p in problems), problems

    @pytest.mark.parametrize("statement", [
        "DELETE FROM utilisateurs", "DELETE FROM jetons", "UPDATE jetons SET revoque_le = NULL", "UPDATE jetons SET empreinte = 'x'",
        "UPDATE utilisateurs SET actif = TRUE WHERE id = 'ancien'", "UPDATE jetons SET utilisateur_id = 'lecteur'",
    ])
    def test_triggers_refuse(self, store, statement):
        """No deletion; a revoked token stays revoked, a token's digest and user never change; a disabled user stays disabled."""
        users.add_user(store, "lecteur", "", "lecture")
        users.add_user(store, "ancien", "", "admin")
        users.revoke_token(store, users.create_token(store, "ancien"))
        users.disable_user(store, "ancien")
        sql = statement.replace("TRUE", "1") if store.target.kind == "sqlite" else statement
        with pytest.raises(Exception, match="suppression interdite|révoqué le reste|ne change plus|ne changent pas"), store.write() as conn:
            conn.exec_driver_sql(sql)
        assert store.verify().ok

    def test_upgrade_from_version_5(self, campaign_store):
        """A base before the users' migration gets the tables and triggers, and verifies clean."""
        with campaign_store.write() as conn:
            undo_users(conn)
            conn.exec_driver_sql(f"UPDATE cqpkit_meta SET valeur = '{migration7.NUMERO - 1}' WHERE cle = 'schema_version'")
        # The users' migration, then every later one (8: indexes for the pages).
        assert [m.numero for m in campaign_store.upgrade()] == list(range(migration7.NUMERO, migrations.CURRENT + 1))
        assert migrations.MIGRATIONS[migration7.NUMERO - 1].run is migration7.run
        assert users.list_users(campaign_store) == []
        assert campaign_store.verify().ok


def _stored_hash(store) -> str:  # type: ignore[no-untyped-def]
    with store.read() as conn:
        return conn.execute(sa.select(t.utilisateurs.c.mot_de_passe)).scalar_one()


# ------------------------------------------------------------------------------ the command
class TestCommand:
    """`cqpkit user` (alias `utilisateur`): French, the password never in argv nor in any output, the token once."""

    def test_the_whole_cycle(self, store, monkeypatch):
        monkeypatch.setenv("CQPKIT_OPERATEUR", "installateur")
        db = _db(store)
        r = run_cli("user", "add", "alice", "--role", "admin", "--name", "Alice Fictive", "--password-stdin", "--db", db, stdin=PASSWORD + "\n")
        assert (r.returncode, r.stdout) == (0, "Utilisateur alice créé : rôle admin, avec mot de passe.\n"), r.stderr
        r = run_cli("utilisateur", "ajouter", "L-01", "--role", "jury", "--db", db)
        assert r.stdout == "Utilisateur L-01 créé : rôle jury, sans mot de passe (jetons seulement) ; membre de jury « L-01 » dans les fichiers de session.\n"
        token_run = run_cli("user", "token", "L-01", "--label", "tablette du jury", "--expires", "2099-12-31", "--db", db, "--operateur", "alice")
        token = token_run.stdout.strip()
        assert re.fullmatch(r"cqpk_[0-9a-f]{16}_\S{43}", token) and token_run.stdout.count("\n") == 1
        assert "valable jusqu'au 31/12/2099 inclus (UTC). Il n'est affiché qu'une fois" in token_run.stderr
        assert token not in token_run.stderr
        assert users.authenticate_token(store, token).id == "L-01"
        assert users.authenticate_password(store, "alice", PASSWORD).role == "admin"
        listing = run_cli("user", "list", "--db", db)
        assert listing.stdout.splitlines()[1:] == [
            "Identifiant  Nom            Rôle   Actif  Membre de jury  Jetons valides",
            f"L-01         L-01           jury   oui    L-01            {token[5:21]}",
            "alice        Alice Fictive  admin  oui    —               —",
        ]
        data = json.loads(run_cli("user", "list", "--json", "--db", db).stdout)
        assert [u["id"] for u in data["utilisateurs"]] == ["L-01", "alice"]
        assert data["utilisateurs"][0]["jetons"][0] | {"cree_le": None} == {
            "id": token[5:21], "libelle": "tablette du jury", "cree_le": None, "expire_le": "2100-01-01T00:00:00+00:00", "revoque_le": None, "etat": "valide"}
        assert run_cli("user", "revoke", token[5:21], "--db", db).stdout == f"Jeton {token[5:21]} révoqué.\n"
        assert json.loads(run_cli("user", "list", "--json", "--db", db).stdout)["utilisateurs"][0]["jetons"][0]["etat"] == "revoque"
        assert run_cli("user", "revoke", token, "--db", db).stdout == f"Jeton {token[5:21]} déjà révoqué : rien n'a été modifié.\n"
        assert run_cli("user", "disable", "alice", "--db", db).returncode == 0
        assert users.authenticate_password(store, "alice", PASSWORD) is None
        outputs = [r, token_run, listing, run_cli("db", "verify", "--json", "--db", db), run_cli("user", "list", "--json", "--db", db)]
        for out in outputs:
            assert PASSWORD not in out.stdout + out.stderr
        assert PASSWORD not in _everything(store) and token[21:] not in _everything(store)
        operators = [(e.action, e.operateur) for e in _audit(store, "jeton.creation") + _audit(store, "utilisateur.creation")]
        assert operators == [("jeton.creation", "alice"), ("utilisateur.creation", "installateur"), ("utilisateur.creation", "installateur")]

    def test_refusals(self, store):
        db = _db(store)
        cases = [
            (("user", "add", "'; DROP TABLE utilisateurs; --", "--role", "admin"), 1, "identifiant refusé"),
            (("user", "add", "../../etc/passwd", "--role", "admin"), 1, "identifiant refusé"),
            (("user", "add", "x", "--role", "chef"), 2, "choix invalide : 'chef'"),
            (("user", "add", "x", "--role", "admin", "--password-stdin"), 2, "aucun mot de passe lu sur l'entrée standard"),
            (("user", "add", "x", "--role", "admin", "--password", PASSWORD), 2, "un mot de passe ne se donne pas en argument"),
            (("user", "add", "x", "--role", "admin", f"--password={PASSWORD}"), 2, "un mot de passe ne se donne pas en argument"),
            (("user", "disable", "personne"), 1, "utilisateur « personne » inconnu"),
            (("user", "token", "personne"), 1, "utilisateur « personne » inconnu"),
            (("user", "token", "x", "--expires", "2020-01-01"), 1, "jeton refusé : son expiration (2020-01-02T00:00:00+00:00) est déjà passée"),
            (("user", "revoke", "abc"), 1, "jeton « abc » inconnu"),
            (("user", "revoke", "abc\x00'"), 1, "jeton « abc\\x00' » inconnu"),
            (("user", "disable", "x\x00y"), 1, "utilisateur « x\\x00y » inconnu"),
            (("user", "token", "x\x00y"), 1, "utilisateur « x\\x00y » inconnu"),
        ]
        for args, code, message in cases:
            r = run_cli(*args, "--db", db)
            assert (r.returncode, message in r.stderr, "Traceback" in r.stderr) == (code, True, False), (args, r.stderr)
        for args in (("--password", PASSWORD), (f"--password={PASSWORD}",), ("--passw", PASSWORD)):
            assert PASSWORD not in run_cli("user", "add", "x", "--role", "admin", *args, "--db", db).stderr
        r = run_cli("user", "add", "y", "--role", "admin", "--password-stdin", "--db", db, stdin="court\n")
        assert r.returncode == 1 and "mot de passe trop court : 12 caractères au moins" in r.stderr and "court\n" not in r.stderr.split(":", 1)[1]
        assert users.list_users(store) == []
        assert run_cli("user", "list", "--db", db).stdout.endswith("aucun utilisateur (créez-en un : cqpkit user add IDENTIFIANT --role admin).\n")

    def test_password_from_the_terminal(self, store, monkeypatch):
        """On a terminal the password is asked twice with getpass (not echoed); two different answers: nothing stored."""
        import argparse
        import sys

        from cqpkit.cli import users as cli

        class Tty:
            def isatty(self) -> bool:
                return True

        answers = iter([PASSWORD, PASSWORD, PASSWORD, "autre-chose-encore", ""])
        prompts = []
        monkeypatch.setattr("getpass.getpass", lambda prompt: prompts.append(prompt) or next(answers))
        monkeypatch.setattr(sys, "stdin", Tty())
        args = argparse.Namespace(password_stdin=False)
        assert cli._read_password(args) == PASSWORD
        assert prompts == ["Mot de passe (vide : aucun, jetons seulement) : ", "Mot de passe, de nouveau : "]
        with pytest.raises(cli._Usage, match="les deux mots de passe saisis diffèrent"):
            cli._read_password(args)
        assert cli._read_password(args) is None  # empty: no password
