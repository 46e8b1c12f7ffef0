"""A tutor is one person across dossiers: the store compares the copies and computes the load and the caps.

Sources quoted (``seeds/cqp-mo_tutorat_lettre-2017-05.md``):
- V: « chaque tuteur accompagne, au maximum, deux managers » and note (3): « Le code du travail
  (article D6324-5) prévoit qu'un tuteur salarié ne peut exercer simultanément ses fonctions à
  l'égard de plus de trois salariés » (warning above 2, error above 3);
- X: « 5 points par mois, complet ou non. La prime peut atteindre un montant correspondant au
  maximum à 180 points par année civile et par tuteur ».
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.test_store_support import ENCRYPTED, counts, db, registry, snapshot, undo_migration_4, undo_v5  # noqa: F401 (fixtures)

AS_OF = "2018-01-15"
PERSON = "T-0042"

#: The four missions of one tutor in 2017 (the scenario 2016-prime-180-points-toutes-missions of the cqp_mo
#: plugin, whose hand-made declarations these files replace): 12 + 12 + 7 + 6 months started in 2017.
MISSIONS = {
    "I410-2017-0101": ("2017-01-01", "2017-12-31"),
    "I410-2017-0102": ("2017-01-01", "2017-12-31"),
    "I410-2017-0103": ("2017-01-01", "2017-07-01"),
    "SCN-MO16-05": ("2017-07-02", "2017-12-31"),
}


def dossier_text(did: str, debut: str, fin: str | None, *, personne: str | None = PERSON, extra: str = "", forme_le: str = "2016-12-05",
                 fonction: str = "Manager opérationnel, pair du candidat") -> str:
    """A CQP MO 2016 dossier (fictional) whose tutor T-01 has the mission ``debut``..``fin``."""
    lines = [
        "[dossier]", f'id = "{did}"', 'certification = "secu.manager-operationnel"', 'version = "2016"', 'voie = "parcours-integral"',
        "inscription = 2016-12-19", "", "[candidat]", f'id = "C-{did}"', "", "[[acteurs]]", 'id = "T-01"', 'role = "tuteur"',
    ]
    if personne:
        lines.append(f'personne = "{personne}"')
    if fonction:
        lines.append(f'fonction = "{fonction}"')
    lines += ["management_depuis = 2010-01-04"]
    if forme_le:
        lines.append(f"forme_le = {forme_le}")
    lines.append(f"mission_debut = {debut}")
    if fin:
        lines.append(f"mission_fin = {fin}")
    if extra:
        lines.append(extra)
    lines += ["", "[[formations]]", 'module = "UP1"', "debut = 2017-01-02", "fin = 2017-01-04", 'organisme = "Institut 4.10"', ""]
    return "\n".join(lines)


def write(directory: Path, name: str, text: str) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def four(directory: Path, **kw: object) -> list[str]:
    return [write(directory, f"{did.lower()}.toml", dossier_text(did, *MISSIONS[did], **kw)) for did in MISSIONS]  # type: ignore[arg-type]


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the command in-process: exit code, stdout, stderr."""
    from cqpkit.cli import main

    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def prime(lines: list[dict], year: int = 2017) -> float:
    return sum(x["montant"] for x in lines if x["code"] == "prime_mission_tutorale" and x["annee"] == year)


def by_hand(registry, did: str):  # type: ignore[no-untyped-def]
    """The dossier ``did`` with its tutor's load and other missions declared by hand, as a file checked alone has them."""
    from cqpkit.formats.dossiers import loads_dossier

    others = ", ".join(
        f'{{ debut = {d}, fin = {f}, dossier = "{o}" }}' for d, f, o in sorted((d, f, o) for o, (d, f) in MISSIONS.items() if o != did)
    )
    text = dossier_text(did, *MISSIONS[did], personne=None, extra=f"tutores_simultanes = 3\nautres_missions = [{others}]")
    return loads_dossier(text, f"{did}.toml", registry)


class TestSameAsByHand:
    """Two dossiers of one tutor imported together or separately get the load and the prime cap declared by hand."""

    def _check(self, store, registry) -> None:  # type: ignore[no-untyped-def]
        from cqpkit.formats.converter import output_converter

        conv = output_converter()
        as_of = dt.date.fromisoformat(AS_OF)
        for did in MISSIONS:
            stored = store.dossier(did)
            hand = by_hand(registry, did)
            assert stored.acteurs[0].tutores_simultanes == 3
            key = lambda m: (m.debut, m.fin, m.dossier)  # noqa: E731
            assert sorted(stored.acteurs[0].autres_missions, key=key) == sorted(hand.acteurs[0].autres_missions, key=key)
            got = [conv.unstructure(x) for x in store.registry.funding(stored, as_of)]
            assert got == [conv.unstructure(x) for x in registry.funding(hand, as_of)]
        # 12 + 12 + 7 months started before SCN-MO16-05's 6: 155 points; « au maximum 180 points par année civile et par
        # tuteur » leaves it 25.
        assert prime(store.show("SCN-MO16-05", as_of)["financement"]) == 25
        assert prime(store.show("I410-2017-0103", as_of)["financement"]) == 35

    def test_together(self, db, registry, tmp_path):
        """One import of the four dossiers: the store's missions and load equal the hand-made declarations (25 points left)."""
        from cqpkit.store.store import Store

        with Store.open(db, create=True, registry=registry, check=False) as store:
            store.init()
            store.import_files(four(tmp_path / "d"), operateur="test")
            self._check(store, registry)

    def test_separately(self, db, registry, tmp_path):
        """The last mission first, then the others one by one: the same figures once all are stored."""
        from cqpkit.store.store import Store

        paths = four(tmp_path / "d")
        with Store.open(db, create=True, registry=registry, check=False) as store:
            store.init()
            store.import_files(paths[3], operateur="test")
            alone = store.dossier("SCN-MO16-05").acteurs[0]
            assert (alone.tutores_simultanes, alone.autres_missions) == (1, ())
            for path in paths[:3]:
                store.import_files(path, operateur="test")
            self._check(store, registry)


class TestLoad:
    """The load is the most missions in progress on one day of the mission, this one included (fin inclusive)."""

    def test_charge(self):
        """A mission ending the day before another starts does not overlap it; ending that day, it does."""
        from cqpkit.store.personnes import charge

        d = dt.date
        assert charge(d(2017, 7, 2), d(2017, 12, 31), [(d(2017, 1, 1), d(2017, 7, 1))]) == 1
        assert charge(d(2017, 7, 1), d(2017, 12, 31), [(d(2017, 1, 1), d(2017, 7, 1))]) == 2
        # Two others within the mission but never at the same time: 2, not 3.
        assert charge(d(2017, 1, 1), d(2017, 12, 31), [(d(2017, 1, 1), d(2017, 3, 31)), (d(2017, 4, 1), d(2017, 6, 30))]) == 2
        # An open mission (no end) goes on.
        assert charge(d(2019, 1, 1), d(2019, 2, 1), [(d(2017, 1, 1), None)]) == 2

    @pytest.mark.parametrize(
        ("third_start", "load", "codes"),
        [
            # the third mission starts the day after the first ends: two at a time, nothing to say
            ("2017-07-02", 2, set()),
            # it starts on the last day of the first: three that day, « au maximum, deux managers » → warning only
            ("2017-07-01", 3, {"tuteur_charge_recommandee"}),
        ],
    )
    def test_third_tutee(self, db, registry, tmp_path, capsys, third_start, load, codes):
        """A third tutee on one same day makes the load 3: a warning (above 2), no error (not above 3)."""
        files = [
            write(tmp_path, "a.toml", dossier_text("I410-2017-0101", "2017-01-01", "2017-07-01")),
            write(tmp_path, "b.toml", dossier_text("I410-2017-0102", "2017-01-01", "2017-12-31")),
            write(tmp_path, "c.toml", dossier_text("I410-2017-0104", third_start, "2017-12-31")),
        ]
        assert cli(capsys, "import", "--db", db, *files)[0] == 0
        code, out, _ = cli(capsys, "personne", "show", PERSON, "--db", db, "--as-of", AS_OF, "--json")
        assert code == 0
        data = json.loads(out)
        third = next(e for e in data["dossiers"] if e["dossier"] == "I410-2017-0104")
        assert third["charge"] == load
        assert {c["code"] for c in third["constats"] if c["code"].startswith("tuteur_charge")} == codes
        assert max(p["tutores"] for p in data["charge"]) == load

    def test_fourth_tutee_is_an_error(self, db, registry, tmp_path, capsys):
        """Four at a time: above « plus de trois salariés » (D6324-5), the error tuteur_charge_max, with the warning."""
        files = four(tmp_path)
        files.append(write(tmp_path, "e.toml", dossier_text("I410-2017-0105", "2017-12-31", "2018-06-30")))
        assert cli(capsys, "import", "--db", db, *files)[0] == 0
        code, out, _ = cli(capsys, "personne", "show", PERSON, "--db", db, "--as-of", AS_OF, "--large")  # lines whole
        assert code == 0
        # On 31/12/2017 the two yearly missions, SCN-MO16-05 and the new one are in progress.
        assert "I410-2017-0105  secu.manager-operationnel 2016  acteur T-01 (tuteur)  mission du 31/12/2017 au 30/06/2018  charge 4" in out
        assert "erreur tuteur_charge_max — Tuteur T-01 : 4 personnes tutorées en même temps, au-delà du maximum (3)." in out
        assert "du 31/12/2017 au 31/12/2017 : 4 (I410-2017-0101, I410-2017-0102, I410-2017-0105, SCN-MO16-05)" in out
        # The yearly cap across the five missions: 180 points in 2017, whatever their number.
        assert "2017  Prime de mission tutorale : 180 points" in out


class TestContradictions:
    """Two copies of one person's facts that differ: refused with both places, nothing stored."""

    def test_in_one_import(self, db, tmp_path, capsys):
        """Two files of the import: each differing fact at its line, naming the other file and line; no base created."""
        a = write(tmp_path, "a.toml", dossier_text("I410-2017-0101", "2017-01-01", "2017-12-31"))
        b = write(tmp_path, "b.toml", dossier_text("I410-2017-0102", "2017-01-01", "2017-12-31", forme_le="2016-11-28", fonction="Manager"))
        code, _, err = cli(capsys, "import", "--db", db, a, b)
        assert code == 1
        assert (
            f"{b}:15: acteurs[0].fonction: personne « T-0042 » décrite autrement : fonction = « Manager » ici, "
            f"« Manager opérationnel, pair du candidat » dans {a}:15 (dossier I410-2017-0101, acteurs[0].fonction)"
        ) in err
        assert f"{b}:17: acteurs[0].forme_le: personne « T-0042 » décrite autrement : forme_le = 28/11/2016 ici, 05/12/2016 dans {a}:17" in err
        assert "rien n'a été enregistré" in err
        if "://" not in db:
            assert not Path(db).exists()

    def test_against_the_base(self, db, registry, tmp_path, capsys):
        """A later import contradicting a stored dossier: « déjà enregistré dans la base (dossier X) »; the base unchanged."""
        from cqpkit.store.store import Store

        a = write(tmp_path, "a.toml", dossier_text("I410-2017-0101", "2017-01-01", "2017-12-31"))
        assert cli(capsys, "import", "--db", db, a)[0] == 0
        with Store.open(db, registry=registry) as store:
            before = snapshot(store)
        ok = write(tmp_path / "n", "c.toml", dossier_text("I410-2017-0103", "2017-01-01", "2017-07-01", forme_le=""))
        b = write(tmp_path / "n", "b.toml", dossier_text("I410-2017-0102", "2017-01-01", "2017-12-31", forme_le="2016-11-28"))
        code, _, err = cli(capsys, "import", "--db", db, ok, b)
        assert code == 1
        assert (
            f"{b}:17: acteurs[0].forme_le: personne « T-0042 » décrite autrement : forme_le = 28/11/2016 ici, "
            "05/12/2016 déjà enregistré dans la base (dossier I410-2017-0101)"
        ) in err
        with Store.open(db, registry=registry) as store:
            assert snapshot(store) == before
        # A fact left out is no contradiction, and the engines get the person's value.
        c = write(tmp_path / "m", "b.toml", dossier_text("I410-2017-0102", "2017-01-01", "2017-12-31", forme_le="", fonction=""))
        assert cli(capsys, "import", "--db", db, c)[0] == 0
        with Store.open(db, registry=registry) as store:
            tutor = store.dossier("I410-2017-0102").acteurs[0]
            assert (tutor.forme_le, tutor.fonction) == (dt.date(2016, 12, 5), "Manager opérationnel, pair du candidat")
            assert counts(store)["personnes"] == 1 and counts(store)["personne_acteurs"] == 2

    def test_correction_of_every_copy(self, db, tmp_path, capsys):
        """Every dossier of the person brought again with the new value: a correction, accepted."""
        files = [write(tmp_path / "v1", f"{i}.toml", dossier_text(did, "2017-01-01", "2017-12-31")) for i, did in enumerate(("I410-2017-0101", "I410-2017-0102"))]
        assert cli(capsys, "import", "--db", db, *files)[0] == 0
        files = [write(tmp_path / "v2", f"{i}.toml", dossier_text(did, "2017-01-01", "2017-12-31", forme_le="2016-11-28")) for i, did in enumerate(("I410-2017-0101", "I410-2017-0102"))]
        code, out, _ = cli(capsys, "import", "--db", db, *files)
        assert code == 0 and "2 nouvelles versions" in out
        code, out, _ = cli(capsys, "personne", "show", PERSON, "--db", db, "--json")
        assert json.loads(out)["faits"]["forme_le"] == "2016-11-28"

    def test_one_person_one_acteur(self, tmp_path, capsys):
        """Two acteurs of one dossier naming one person: an error of the file (its other roles go in roles_secondaires)."""
        extra = '\n[[acteurs]]\nid = "E-01"\nrole = "evaluateur"\npersonne = "T-0042"\n'
        text = dossier_text("I410-2017-0101", "2017-01-01", "2017-12-31").replace("\n[[formations]]", extra + "\n[[formations]]")
        path = write(tmp_path, "a.toml", text)
        code, _, err = cli(capsys, "validate", path)
        assert code == 1
        assert "acteurs[1].personne: personne « T-0042 » déjà nommée par acteurs[0]" in err


class TestDeclaredByHand:
    """A file may still declare the load and the other missions; where the store counts otherwise, a note, and the store's value."""

    def test_note(self, db, registry, tmp_path, capsys):
        """tutores_simultanes = 2 declared, three missions stored at once: the note says 3, and the engines get 3."""
        from cqpkit.store.store import Store

        files = four(tmp_path)[:3]
        files.append(write(tmp_path, "x.toml", dossier_text("SCN-MO16-05", *MISSIONS["SCN-MO16-05"], extra="tutores_simultanes = 2")))
        code, out, _ = cli(capsys, "import", "--db", db, *files)
        assert code == 0
        assert (
            "note : dossier « SCN-MO16-05 », tuteur T-01 (personne « T-0042 ») : tutores_simultanes déclaré 2, la base en compte 3"
        ) in out
        with Store.open(db, registry=registry) as store:
            assert store.dossier("SCN-MO16-05").acteurs[0].tutores_simultanes == 3

    def test_mission_outside_the_base_is_kept(self, db, registry, tmp_path):
        """A declared mission of a dossier the base does not hold counts (load and cap); one the base holds gives way to it."""
        from cqpkit.store.store import Store

        extra = (
            'autres_missions = [{ debut = 2017-01-01, fin = 2017-12-31, dossier = "AILLEURS-1" }, '
            '{ debut = 2016-01-01, fin = 2016-02-01, dossier = "I410-2017-0101" }]'
        )
        a = write(tmp_path, "a.toml", dossier_text("I410-2017-0101", "2017-01-01", "2017-12-31"))
        b = write(tmp_path, "b.toml", dossier_text("SCN-MO16-05", *MISSIONS["SCN-MO16-05"], extra=extra))
        with Store.open(db, create=True, registry=registry, check=False) as store:
            store.init()
            report = store.import_files([a, b], operateur="test")
            tutor = store.dossier("SCN-MO16-05").acteurs[0]
            assert [(m.dossier, m.debut) for m in tutor.autres_missions] == [("AILLEURS-1", dt.date(2017, 1, 1)), ("I410-2017-0101", dt.date(2017, 1, 1))]
            assert tutor.tutores_simultanes == 3
            assert any("autres_missions déclarées" in n and "la base connaît" in n for n in report.notes)


class TestWithoutStore:
    """Files checked alone keep working as today: personne is ignored, the hand-made declarations count."""

    def test_funding_and_check(self, registry, tmp_path, capsys):
        """`cqpkit funding` and `check` on a file with personne and hand-made missions: 25 points, the warning for 3."""
        hand = by_hand(registry, "SCN-MO16-05")
        from cqpkit.formats.dossiers import dump_dossier

        with_person = write(tmp_path, "p.toml", dump_dossier(hand).replace('role = "tuteur"', f'role = "tuteur"\npersonne = "{PERSON}"', 1))
        without = write(tmp_path, "s.toml", dump_dossier(hand))
        results = []
        for path in (with_person, without):
            code, out, _ = cli(capsys, "funding", path, "--as-of", AS_OF, "--json")
            assert code == 0
            data = json.loads(out)
            results.append(data)
            lines = data["dossiers"][0]["lignes"] if "dossiers" in data else data[0]["lignes"]
            assert prime(lines) == 25
        assert results[0] == json.loads(json.dumps(results[1]).replace("s.toml", "p.toml"))
        code, out, _ = cli(capsys, "check", with_person, "--as-of", AS_OF, "--json")
        assert "tuteur_charge_recommandee" in out and "tuteur_charge_max" not in out


class TestPersonneShow:
    """`cqpkit personne show`: facts, missions, load over time, the prime per calendar year; an unknown person is exit 1."""

    def test_show(self, db, tmp_path, capsys):
        """The four missions: load 3 throughout 2017, 180 points in 2017 across them (60 + 60 + 35 + 25)."""
        assert cli(capsys, "import", "--db", db, *four(tmp_path))[0] == 0
        code, out, _ = cli(capsys, "personne", "show", PERSON, "--db", db, "--as-of", AS_OF, "--json")
        assert code == 0
        data = json.loads(out)
        assert set(data) == {"personne", "connue_depuis", "faits", "dossiers", "charge", "prime", "date", "date_source"}
        assert data["faits"] == {
            "organisation": None, "fonction": "Manager opérationnel, pair du candidat", "management_depuis": "2010-01-04",
            "forme_le": "2016-12-05", "formation_heures": None,
        }
        assert [(c["du"], c["au"], c["tutores"]) for c in data["charge"]] == [("2017-01-01", "2017-07-01", 3), ("2017-07-02", "2017-12-31", 3)]
        p = next(x for x in data["prime"] if x["code"] == "prime_mission_tutorale")
        assert (p["annee"], p["montant"]) == (2017, 180)
        assert p["dossiers"] == {"I410-2017-0101": 60, "I410-2017-0102": 60, "I410-2017-0103": 35, "SCN-MO16-05": 25}
        code, _, err = cli(capsys, "personne", "show", "T-9999", "--db", db)
        assert code == 1 and "personne « T-9999 » inconnue" in err and "T-0042" in err


class TestMigration:
    """Migration 3 builds the people of the dossiers stored before it from their contents."""

    def test_upgrade_from_version_2(self, db, registry, tmp_path):
        """Back to version 2 (no people tables), `upgrade` rebuilds the same rows from the stored dossiers."""
        from cqpkit.store import migrations
        from cqpkit.store.store import Store

        with Store.open(db, create=True, registry=registry, check=False) as store:
            store.init()
            store.import_files(four(tmp_path), operateur="test")
            before = snapshot(store)
            with store.write() as conn:
                undo_migration_4(conn)
                conn.exec_driver_sql("DROP TABLE personne_acteurs")
                conn.exec_driver_sql("DROP TABLE personnes")
                undo_v5(conn)
                conn.exec_driver_sql("UPDATE cqpkit_meta SET valeur = '2' WHERE cle = 'schema_version'")
            assert [m.numero for m in store.upgrade()] == [m.numero for m in migrations.MIGRATIONS if m.numero >= 3]
            after = snapshot(store)
        # The time a person was first seen is the time of the migration: everything else is the same.
        assert [r[0] for r in after.pop("personnes")] == [r[0] for r in before.pop("personnes")] == [PERSON]
        for table in ENCRYPTED:  # written anew by migration 5 (random keys and ciphertexts)
            after.pop(table), before.pop(table)
        # The copies' organisation and function are encrypted in the contents written at version 5, which migration 3
        # (that runs before 5 on a real base at version 2, whose contents are in clear) cannot read here.
        for snap in (after, before):
            snap["personne_acteurs"] = [r[:7] + r[9:] for r in snap["personne_acteurs"]]
        for name in ("audit", "cqpkit_meta"):  # migration 4 seals the rows it finds: new log entries, a new head
            after.pop(name), before.pop(name)
        assert after == before
