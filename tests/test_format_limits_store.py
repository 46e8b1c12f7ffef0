"""The two store engines accept the same files: the format's limits are the store's (issue 15, point 4).

- Every ``String(n)`` column of the store that receives a value from a file has a format limit of
  at most ``n`` (the model fields that feed it are named here); every other column is declared
  internal, so that a column added later without a limit fails this test.
- The same files, generated at every limit and just beyond it, go through ``validate``, an import
  into SQLite and an import into PostgreSQL (the ``db`` fixture): what validate accepts both
  engines store, read back equal, and the engines decide, plan and fund with no internal error;
  what validate refuses, both imports refuse with the same ``file:line: key`` and nothing stored.
- Any text the format accepts, both engines store and give back unchanged (hypothesis).
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import re
import tomllib
import typing
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import attrs
import pytest
import sqlalchemy as sa
import tomli_w
from cqpkit.formats import limits
from cqpkit.model import Acteur, Candidat, Certification, Domaine, DossierInfo, PassageJury, SessionInfo
from cqpkit.model import Evaluation as Eval
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, run_cli
from tests.test_store_support import db, postgres_schema, postgres_url_or_skip, registry, snapshot  # noqa: F401

DAY = dt.timedelta(days=1)
BASE = ROOT / "examples" / "dossier-specialiste-prestations-formation.toml"
SESSION = ROOT / "examples" / "session-oemm-jury-2014-01.toml"


# ------------------------------------------------------------------ columns fed by files
#: Each ``table.column`` of type ``String(n)`` that holds a value read from a file → the fields it comes from.
FED: dict[str, list[tuple[type, str]]] = {
    "candidats.id": [(Candidat, "id")],
    "dossiers.id": [(DossierInfo, "id")],
    "dossiers.certification": [(DossierInfo, "certification"), (Certification, "id")],
    "dossiers.version_referentiel": [(DossierInfo, "version"), (Certification, "version")],
    "dossiers.voie": [(DossierInfo, "voie")],
    "dossiers.mention": [(DossierInfo, "mention")],
    "dossiers.candidat_id": [(Candidat, "id")],
    "dossier_versions.dossier_id": [(DossierInfo, "id")],
    "dossier_versions.certification": [(DossierInfo, "certification")],
    "dossier_versions.version_referentiel": [(DossierInfo, "version")],
    "evaluations.dossier_id": [(DossierInfo, "id")],
    "evaluations.epreuve": [(Eval, "epreuve")],
    "sessions.id": [(SessionInfo, "id")],
    "session_versions.session_id": [(SessionInfo, "id")],
    "passages.dossier_id": [(DossierInfo, "id")],
    "passages.session_id": [(PassageJury, "session"), (SessionInfo, "id")],
    "audit.objet_id": [(DossierInfo, "id"), (SessionInfo, "id"), (Candidat, "id")],
    "echeances.dossier_id": [(DossierInfo, "id")],
    "echeances.domaine": [(Domaine, "id"), (PassageJury, "decisions")],
    "echeances.certification": [(DossierInfo, "certification"), (Certification, "id")],
    "personnes.id": [(Acteur, "personne")],
    "personne_acteurs.dossier_id": [(DossierInfo, "id")],
    "personne_acteurs.acteur_id": [(Acteur, "id")],
    "personne_acteurs.personne_id": [(Acteur, "personne")],
    "personne_acteurs.role": [(Acteur, "role")],
    "resultats.dossier_id": [(DossierInfo, "id")],
    "resultats.certification": [(DossierInfo, "certification"), (Certification, "id")],
    "resultats.version_referentiel": [(DossierInfo, "version")],
    "resultat_periodes.dossier_id": [(DossierInfo, "id")],
    "resultat_periodes.certification": [(DossierInfo, "certification"), (Certification, "id")],
    "resultat_periodes.version_referentiel": [(DossierInfo, "version")],
    # migration 9's counters: copies of the dossiers' and results' columns, kept by triggers
    "compte_dossiers.certification": [(DossierInfo, "certification"), (Certification, "id")],
    "compte_dossiers.version_referentiel": [(DossierInfo, "version"), (Certification, "version")],
    "compte_dossiers.voie": [(DossierInfo, "voie")],
    "compte_candidats.candidat_id": [(Candidat, "id")],
    "compte_candidats.certification": [(DossierInfo, "certification"), (Certification, "id")],
    "compte_candidats_distincts.certification": [(DossierInfo, "certification"), (Certification, "id")],
    "compte_resultats.certification": [(DossierInfo, "certification"), (Certification, "id")],
    "compte_resultats.version_referentiel": [(DossierInfo, "version")],
    "resultat_jours.certification": [(DossierInfo, "certification"), (Certification, "id")],
    "resultat_jours.version_referentiel": [(DossierInfo, "version")],
}

#: The ``String(n)`` columns the store fills itself, never from a file.
INTERNAL = {
    "cqpkit_meta.cle": "the store's own keys (schema version, head of the audit chain)",
    "cles.sujet": "« candidat: » and a candidate id (at most 100 characters): 110 at most",
    "cles.cree_le": "a timestamp",
    "cles.detruite_le": "a timestamp",
    "dossiers.empreinte_publique": "a SHA-256 in hexadecimal",
    "candidats.efface_le": "a timestamp",
    "candidats.cree_le": "a timestamp",
    "candidats.modifie_le": "a timestamp",
    "dossiers.empreinte": "a SHA-256 in hexadecimal",
    "dossiers.cree_le": "a timestamp",
    "dossiers.modifie_le": "a timestamp",
    "dossier_versions.empreinte": "a SHA-256",
    "dossier_versions.enregistre_le": "a timestamp",
    "evaluations.empreinte": "a SHA-256",
    "evaluations.enregistre_le": "a timestamp",
    "sessions.empreinte": "a SHA-256",
    "sessions.cloturee_le": "a timestamp",
    "sessions.cree_le": "a timestamp",
    "sessions.modifie_le": "a timestamp",
    "session_versions.empreinte": "a SHA-256",
    "session_versions.enregistre_le": "a timestamp",
    "passages.origine": "« jury » or « correction »",
    "passages.enregistre_le": "a timestamp",
    "audit.horodatage": "a timestamp",
    "audit.action": "the store's action names",
    "audit.objet": "« dossier », « session », « candidat », « utilisateur », « jeton »",
    "audit.precedente": "a SHA-256",
    "audit.empreinte": "a SHA-256",
    "echeances.type": "the store's deadline kinds",
    "personnes.cree_le": "a timestamp",
    "utilisateurs.id": "a login, checked by cqpkit.store.users (64 ASCII characters at most)",
    "utilisateurs.role": "one of cqpkit.store.users.ROLES",
    "utilisateurs.membre": "a jury member id, checked by cqpkit.store.users.add_user (100 characters at most)",
    "utilisateurs.cree_le": "a timestamp",
    "utilisateurs.modifie_le": "a timestamp",
    "jetons.id": "16 hexadecimal digits",
    "jetons.utilisateur_id": "a login (utilisateurs.id)",
    "jetons.empreinte": "a SHA-256",
    "jetons.cree_le": "a timestamp",
    "jetons.expire_le": "a timestamp",
    "jetons.revoque_le": "a timestamp",
    "resultats.empreinte": "a SHA-256",
    "resultats.calcule_le": "a timestamp",
    "resultat_periodes.statut": "the engine's statuses (Resultat.statut) and « a_venir »",
    "compte_resultats.empreinte": "a SHA-256 (resultats.empreinte)",
    "resultat_jours.statut": "the engine's statuses (Resultat.statut) and « a_venir » (resultat_periodes.statut)",
}


def _limit(cls: type, name: str) -> int:
    """The longest text the format lets a field hold (a closed set: its longest value)."""
    tp = typing.get_type_hints(cls)[name]
    if get_origin(tp) is Literal:
        return max(len(v) for v in get_args(tp))
    return limits.text_of(cls.__name__, name)


class TestStoreColumns:
    def test_every_string_column_is_fed_within_its_length_or_internal(self):
        from cqpkit.store import schema

        columns = {
            f"{table.name}.{c.name}": c.type.length
            for table in schema.metadata.sorted_tables
            for c in table.columns
            if isinstance(c.type, sa.String) and c.type.length is not None
        }
        unknown = sorted(set(columns) - set(FED) - set(INTERNAL))
        assert not unknown, f"colonnes sans limite du format ni raison d'être internes : {unknown}"
        assert not (set(FED) | set(INTERNAL)) - set(columns), "colonnes nommées ici qui n'existent plus"
        for column, fields in FED.items():
            for cls, name in fields:
                assert _limit(cls, name) <= columns[column], f"{cls.__name__}.{name} : limite {_limit(cls, name)} > {column} ({columns[column]})"

    def test_integer_columns_hold_any_number_of_a_file(self):
        """The numbers of a file stop at NOMBRE_MAX, below PostgreSQL's INTEGER (32 bits) and exact as a float."""
        assert limits.NOMBRE_MAX < 2**31 - 1
        assert float(limits.NOMBRE_MAX) == limits.NOMBRE_MAX


# ------------------------------------------------------------------ the files at the limits
def _dates(data: Any) -> list[dt.date]:
    if isinstance(data, dict):
        return [d for v in data.values() for d in _dates(v)]
    if isinstance(data, list):
        return [d for v in data for d in _dates(v)]
    return [data] if isinstance(data, dt.date) else []


def _date_paths(data: Any, outside: Any, path: tuple = ()) -> list[str]:
    """The key paths of the dates for which ``outside(date)`` holds."""
    from cqpkit.formats.errors import format_path

    if isinstance(data, dict):
        return [p for k, v in data.items() for p in _date_paths(v, outside, (*path, k))]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in _date_paths(v, outside, (*path, i))]
    return [format_path(path)] if isinstance(data, dt.date) and outside(data) else []


def _shift(data: Any, delta: dt.timedelta) -> Any:
    if isinstance(data, dict):
        return {k: _shift(v, delta) for k, v in data.items()}
    if isinstance(data, list):
        return [_shift(v, delta) for v in data]
    return data + delta if isinstance(data, dt.date) else data


def _pad(prefix: str, size: int) -> str:
    """An id of exactly ``size`` characters (letters and digits), starting with ``prefix``."""
    return (prefix + "0" * size)[:size]


TEXT = "Texte « long » : é, à, ç\u202f; tabulation\tfin de ligne\npuis 😀 ; "


def _dossier(tag: str) -> dict[str, Any]:
    data = tomllib.loads(BASE.read_text(encoding="utf-8"))
    data["dossier"]["id"] = f"LIM-{tag}"
    data["candidat"]["id"] = f"C-LIM-{tag}"
    for i, a in enumerate(data["acteurs"]):
        a["personne"] = f"P-LIM-{tag}-{i}"
    return data


def _acteurs(data: dict[str, Any], n: int, tag: str) -> None:
    data["acteurs"] += [
        {"id": f"E-{i:03d}", "role": "evaluateur", "personne": f"P-LIM-{tag}-E{i:03d}"} for i in range(n - len(data["acteurs"]))
    ]


def _session(tag: str) -> dict[str, Any]:
    data = tomllib.loads(SESSION.read_text(encoding="utf-8"))
    data["session"]["id"] = f"LIM-JURY-{tag}"
    return data


def _cases() -> dict[str, tuple[dict[str, Any], set[str]]]:
    """Each file: its tables, and the key paths of its errors (empty: valid)."""
    cases: dict[str, tuple[dict[str, Any], set[str]]] = {}

    def case(name: str, data: dict[str, Any], *paths: str) -> None:
        cases[name] = (data, set(paths))

    for ok, size in (("ok", limits.IDENTIFIANT), ("ko", limits.IDENTIFIANT + 1)):
        d = _dossier(f"ids-{ok}")
        d["dossier"]["id"] = _pad(f"LIM-ids-{ok}-", size)
        d["candidat"]["id"] = _pad(f"C-{ok}-", size)
        d["acteurs"].append({"id": _pad("A", size), "role": "evaluateur", "personne": _pad(f"P-{ok}-", size)})
        d["passages"][0]["session"] = _pad("S", size)
        case(f"{ok}-identifiants", d, *([] if ok == "ok" else ["dossier.id", "candidat.id", "acteurs[4].id", "acteurs[4].personne", "passages[0].session"]))
    for ok, size in (("ok", limits.TEXTE), ("ko", limits.TEXTE + 1)):
        d = _dossier(f"textes-{ok}")
        text = (TEXT * (size // len(TEXT) + 1))[:size]
        d["candidat"]["notes"] = d["dossier"]["notes"] = d["evaluations"][0]["notes"] = text
        case(f"{ok}-textes", d, *([] if ok == "ok" else ["candidat.notes", "dossier.notes", "evaluations[0].notes"]))
    d = _dossier("caracteres")
    d["candidat"]["employeur"] = "Mutuelle\x00 fictive"
    d["evaluations"][0]["notes"] = "couleur \x1b[31m"
    d["acteurs"][0]["organisation"] = "fin\x7f"
    case("ko-caracteres", d, "candidat.employeur", "evaluations[0].notes", "acteurs[0].organisation")
    d = _dossier("cles")
    d["evaluations"][0]["criteres"] = {"k" * (limits.CODE + 1): "acquis"}
    case("ko-cles", d, "evaluations[0].criteres." + "k" * (limits.CODE + 1))
    for ok, extra in (("ok", 0), ("ko", 1)):
        d = _dossier(f"date-min-{ok}")
        d = _shift(d, limits.DATE_MIN - min(_dates(d)) - extra * DAY)
        d["candidat"]["naissance"] = limits.DATE_MIN - extra * DAY
        case(f"{ok}-date-min", d, *_date_paths(d, lambda day: day < limits.DATE_MIN))
        d = _dossier(f"date-max-{ok}")
        d = _shift(d, limits.DATE_MAX - max(_dates(d)) + extra * DAY)
        d["candidat"]["naissance"] = limits.DATE_MAX - 80 * 365 * DAY
        case(f"{ok}-date-max", d, *_date_paths(d, lambda day: day > limits.DATE_MAX))
        assert bool(cases[f"{ok}-date-min"][1]) == bool(cases[f"{ok}-date-max"][1]) == (ok == "ko")
    for ok, extra in (("ok", 0), ("ko", 1)):
        d = _dossier(f"nombres-{ok}")
        d["formations"][0]["heures"] = limits.NOMBRE_MAX + extra
        d["acteurs"][1]["tutores_simultanes"] = limits.NOMBRE_MAX + extra
        d["acteurs"][1]["formation_heures"] = float(limits.NOMBRE_MAX + extra)
        case(f"{ok}-nombres", d, *([] if ok == "ok" else ["formations[0].heures", "acteurs[1].tutores_simultanes", "acteurs[1].formation_heures"]))
    for ok, extra in (("ok", 0), ("ko", 1)):
        d = _dossier(f"listes-{ok}")
        _acteurs(d, limits.elements_of("Dossier", "acteurs") + extra, f"listes-{ok}")
        first = d["evaluations"][0]
        d["evaluations"] += [copy.deepcopy(first) for _ in range(limits.elements_of("Dossier", "evaluations") + extra - len(d["evaluations"]))]
        case(f"{ok}-listes", d, *([] if ok == "ok" else ["acteurs", "evaluations"]))
    for ok, extra in (("ok", 0), ("ko", 1)):
        s = _session(f"{ok}")
        s["session"]["id"] = _pad(f"LIM-JURY-{ok}-", limits.IDENTIFIANT + extra)
        s["session"]["lieu"] = (TEXT * 1000)[: limits.TEXTE + extra]
        s["membres"] += [{"id": f"J-{i:03d}", "college": "employeur"} for i in range(limits.elements_of("SessionJury", "membres") + extra - 4)]
        case(f"{ok}-session", s, *([] if ok == "ok" else ["session.id", "session.lieu", "membres"]))
    return cases


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, set[str]]]:
    """The generated files, by name: ``ok-*`` valid at the limits, ``ko-*`` just beyond them."""
    root = tmp_path_factory.mktemp("limites")
    out = {}
    for name, (data, paths) in _cases().items():
        path = root / f"{name}.toml"
        path.write_text(tomli_w.dumps(data), encoding="utf-8")
        out[name] = (path, paths)
    return out


_LINE = re.compile(r"^(?P<fichier>.+?\.toml):(?P<ligne>\d+): (?P<chemin>[^:]+): ", re.M)


def _errors(text: str) -> set[tuple[str, int, str]]:
    """``(file, line, key path)`` of every error line of an output."""
    return {(Path(m["fichier"]).name, int(m["ligne"]), m["chemin"]) for m in _LINE.finditer(text)}


def _ok(files: dict[str, tuple[Path, set[str]]]) -> list[str]:
    return [str(p) for n, (p, _) in files.items() if n.startswith("ok-")]


def _ko(files: dict[str, tuple[Path, set[str]]]) -> list[str]:
    return [str(p) for n, (p, _) in files.items() if n.startswith("ko-")]


class TestSameFilesBothEngines:
    def test_validate(self, files):
        """validate accepts every file at the limits and refuses every file beyond, at the expected keys (and only them)."""
        for name, (path, paths) in files.items():
            result = run_cli("validate", str(path))
            if not paths:
                assert result.returncode == 0, (name, result.stdout, result.stderr)
            else:
                assert result.returncode == 1, (name, result.stdout, result.stderr)
                assert {c for _, _, c in _errors(result.stdout + result.stderr)} == paths, name

    def test_import(self, files, db, registry):
        """Both engines store what validate accepts, read it back equal; refuse, with validate's errors, what it refuses."""
        from cqpkit.formats.dossiers import load_dossier, load_session
        from cqpkit.store.store import Store

        result = run_cli("import", "--db", db, *_ok(files))
        assert result.returncode == 0, result.stderr
        store = Store.open(db, registry=registry)
        try:
            for name, (path, _) in files.items():
                if name.startswith("ok-") and name != "ok-session":
                    expected = load_dossier(path)
                    # The dossier's content names its candidate by id; the personal data are apart (encrypted); a
                    # tutor's load is the store's count (what the file declares is kept apart: tutores_declares).
                    got = store.dossier(expected.id)
                    acteurs = tuple(attrs.evolve(a, tutores_simultanes=b.tutores_simultanes) for a, b in zip(expected.acteurs, got.acteurs, strict=True))
                    assert got == attrs.evolve(expected, candidat=Candidat(id=expected.candidat.id), acteurs=acteurs), name
                    personal = store.export_candidat(expected.candidat.id, "test")
                    facts = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in attrs.asdict(expected.candidat).items()}
                    assert personal["candidat"] == {**personal["candidat"], **facts}, name
            with store.read() as conn:
                t = sa.table("personne_acteurs", sa.column("dossier_id"), sa.column("acteur_id"), sa.column("tutores_declares"), sa.column("formation_heures"))
                row = conn.execute(sa.select(t.c.tutores_declares, t.c.formation_heures).where(t.c.dossier_id == "LIM-nombres-ok", t.c.acteur_id == "P-02")).one()
                assert tuple(row) == (limits.NOMBRE_MAX, limits.NOMBRE_MAX)
            stored = load_session(files["ok-session"][0])
            view = store.jury_session(stored.id)
            assert (view["session"], view["lieu"], len(view["membres"])) == (stored.id, stored.session.lieu, len(stored.membres))
            before = snapshot(store)
        finally:
            store.close()

        validated = run_cli("validate", *_ko(files))
        imported = run_cli("import", "--db", db, *_ko(files))
        assert imported.returncode == 1, imported.stderr
        assert "rien n'a été enregistré" in imported.stderr
        assert _errors(imported.stdout + imported.stderr) == _errors(validated.stdout + validated.stderr) != set()
        assert "Traceback" not in imported.stderr and "erreur de la base" not in imported.stderr
        store = Store.open(db, registry=registry)
        try:
            assert snapshot(store) == before
        finally:
            store.close()

    @pytest.mark.parametrize("command", ["check", "decide", "plan", "funding", "explain"])
    def test_engines_at_the_limits(self, files, command):
        """Every engine computes on every valid file at the limits, as of today and as of the last day a file may hold."""
        dossiers = [p for p in _ok(files) if "session" not in p]
        for as_of in ([], ["--as-of", limits.DATE_MAX.isoformat()], ["--as-of", limits.DATE_MIN.isoformat()]):
            for path in dossiers if command in ("plan", "explain") else [dossiers]:
                args = [path] if isinstance(path, str) else path
                result = run_cli(command, *args, *as_of)
                assert result.returncode in (0, 1), (command, args, as_of, result.stderr)
                for sign in ("Traceback", "erreur interne", "erreur dans cqpkit_", "out of range"):
                    assert sign not in result.stderr, (command, args, as_of, result.stderr)


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A table with an id column and a text column, on SQLite and, when a server is configured, PostgreSQL."""
    with contextlib.ExitStack() as stack:
        found = [sa.create_engine(f"sqlite:///{tmp_path_factory.mktemp('textes') / 't.db'}")]
        try:
            url = stack.enter_context(postgres_schema(postgres_url_or_skip()))
            found.append(sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)))
        except pytest.skip.Exception:  # no server (outside CI): SQLite alone
            pass
        table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.String(limits.IDENTIFIANT)), sa.Column("texte", sa.Text))
        for engine in found:
            table.metadata.create_all(engine)
            stack.callback(engine.dispose)
        yield table, found


class TestAnyAcceptedText:
    """Any text the format accepts, both engines store and give back unchanged (the limit is the engines')."""

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        text=st.one_of(st.text(max_size=300), st.text(st.characters(exclude_categories=()), max_size=30)),
        ident=st.one_of(st.text(max_size=limits.IDENTIFIANT + 5), st.text(st.characters(exclude_categories=()), max_size=10)),
    )
    def test_accepted_text_round_trips(self, engines, text, ident):
        from cqpkit.formats.converter import converter

        table, found = engines
        conv = converter()
        try:
            conv.structure({"id": ident, "nom": text}, Candidat)
        except Exception:
            return  # refused by the format: no engine is asked to store it
        for engine in found:
            with engine.begin() as conn:
                conn.execute(table.delete())
                conn.execute(table.insert().values(id=ident, texte=text))
                assert conn.execute(sa.select(table.c.id, table.c.texte)).one() == (ident, text), engine.dialect.name
