"""Stored results (issue 16, point 1): intervals faithful to a fresh engine, staleness, refresh, kill -9, upgrade from v5.

The fresh engine here is the registry called as ``report campaign`` called it on every dossier before
results were stored (decide, then check and funding with that result), on the dossier as the store gives it
to the engines (:func:`cqpkit.store.deadlines.engine_dossiers`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import run_cli
from tests.strategies_dossiers import dossiers
from tests.test_store_support import CAMPAIGN, cqpkit_cmd, db, registry, store, write_generated  # noqa: F401 (fixtures)
from tests.test_third_party import cli, expose

MONEY = tuple(f"{n}_{u}" for n in ("cout", "financement", "gratification") for u in ("euro", "points"))


def fresh(reg: Any, d: Any, day: dt.date) -> tuple[Any, ...]:
    """What the campaign counted for dossier ``d`` as of ``day``, from the engine now."""
    from cqpkit.plugins.hookcalls import HookFailure

    if d.dossier.inscription > day:
        return ("a_venir", False, 0, (0.0,) * 6, False)
    try:
        r = reg.decide(d, day)
        constats = reg.check(d, day, resultat=r)
        lines = reg.funding(d, day, resultat=r)
    except HookFailure:
        return ("", False, 0, (0.0,) * 6, True)
    sums = dict.fromkeys(MONEY, 0.0)
    for line in lines:
        sums[f"{line.nature}_{'points' if line.en == 'point' else 'euro'}"] += line.montant
    late = any(c.code == "premier_passage_hors_delai" for c in constats)
    return (r.statut, late, sum(1 for c in constats if c.code == "bareme_inconnu"), tuple(sums[k] for k in MONEY), False)


def stored(conn: sa.Connection, did: str, day: dt.date) -> tuple[Any, ...]:
    """The stored interval of ``did`` holding ``day`` (exactly one)."""
    from cqpkit.store import schema as t

    p = t.resultat_periodes
    [row] = conn.execute(sa.select(p).where(p.c.dossier_id == did, p.c.debut <= day, sa.or_(p.c.fin.is_(None), p.c.fin > day))).all()
    m = row._mapping
    return (m["statut"], bool(m["hors_delai"]), m["sans_bareme"], tuple(float(m[k]) for k in MONEY), m["echec"] is not None)


def check_faithful(st_: Any, ids: list[str], extra_days: list[dt.date]) -> int:
    """Every dossier's stored intervals answer, at both sides of every boundary and at ``extra_days``, what the engine says."""
    from cqpkit.store import schema as t
    from cqpkit.store.deadlines import engine_dossiers

    n = 0
    with st_.read() as conn:
        ds = engine_dossiers(conn, ids)
        for did in ids:
            bounds = [r.debut for r in conn.execute(sa.select(t.resultat_periodes.c.debut).where(t.resultat_periodes.c.dossier_id == did))]
            assert bounds and min(bounds) == dt.date(1, 1, 1)
            days = {b for b in bounds} | {b - dt.timedelta(days=1) for b in bounds if b > dt.date(1, 1, 1)} | set(extra_days)
            for day in sorted(days):
                assert stored(conn, did, day) == fresh(st_.registry, ds[did], day), (did, day)
                n += 1
    return n


# ----------------------------------------------------------------------------- the property
_COUNTER = itertools.count()


def _referentiels(reg: Any) -> list[Any]:
    return [reg.referentiel(f.id, f.version) for f in reg.fiches()]


@pytest.mark.parametrize("db", ["sqlite", "postgresql"], indirect=True)
def test_intervals_answer_what_a_fresh_engine_computes(store, registry):  # noqa: F811
    """Generated dossiers of every bundled référentiel, imported: at random days and on both sides of every boundary,
    the stored interval holds exactly the engine's answer."""
    from cqpkit.store.reading import read_lot

    refs = _referentiels(registry)
    days = st.dates(min_value=dt.date(2005, 1, 1), max_value=dt.date(2040, 12, 31))

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(data=st.data())
    def prop(data: Any) -> None:
        ref = data.draw(st.sampled_from(refs))
        batch = data.draw(st.lists(dossiers(referentiel=ref), min_size=1, max_size=3))
        k = next(_COUNTER)
        lot = []
        for i, d in enumerate(batch):  # ids unique across examples (one base for the whole test)
            did = f"P{k}-{i}"
            d = attrs.evolve(d, dossier=attrs.evolve(d.dossier, id=did), candidat=attrs.evolve(d.candidat, id=f"C-{did}"))
            lot.append((f"{did}.toml", d))
        store.import_lot(read_lot(lot, registry=registry), operateur="test")
        check_faithful(store, [name[:-5] for name, _ in lot], data.draw(st.lists(days, min_size=3, max_size=6)))

    prop()


def test_check_codes_is_check_filtered(registry):  # noqa: F811
    """``Registry.check_codes`` (what the stored results ask) gives exactly the findings of ``check`` with those codes,
    for generated dossiers of every bundled référentiel, at random days, for the campaign's two codes, every core code
    one at a time, and the référentiel's own ``[[regles]]`` ids."""
    from cqpkit.plugins.hookcalls import HookFailure
    from cqpkit.rules.codes import CODES

    refs = _referentiels(registry)
    days = st.dates(min_value=dt.date(2005, 1, 1), max_value=dt.date(2040, 12, 31))

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(data=st.data())
    def prop(data: Any) -> None:
        ref = data.draw(st.sampled_from(refs))
        d = data.draw(dossiers(referentiel=ref))
        day = data.draw(days)
        try:
            everything = registry.check(d, day)
        except HookFailure:
            return
        sets = [{"premier_passage_hors_delai", "bareme_inconnu"}, {r.id for r in ref.regles}, *({c} for c in CODES)]
        for codes in sets:
            assert registry.check_codes(d, codes, day) == [c for c in everything if c.code in codes], (codes, day)

    prop()


def test_campaign_examples_are_faithful(registry, tmp_path):  # noqa: F811
    """The example campaign (monthly rewards, barèmes changing, partial awards expiring): faithful at both sides of every boundary."""
    from cqpkit.store.store import Store

    st_ = Store.open(str(tmp_path / "c.db"), create=True, check=False, registry=registry)
    st_.init()
    st_.import_files([str(CAMPAIGN)], operateur="test")
    from cqpkit.store import schema as t

    with st_.read() as conn:
        ids = [r.id for r in conn.execute(sa.select(t.dossiers.c.id))]
    assert check_faithful(st_, ids, [dt.date(2020, 6, 30), dt.date(2016, 1, 1)]) > len(ids) * 4
    st_.close()


# ----------------------------------------------------------------------------- staleness (a real installed plugin)
def _dossier_file(directory: Path) -> Path:
    """The plugin's scenario dossier as a dossier file (fictional ids)."""
    directory.mkdir()
    text = (
        '[dossier]\nid = "EX-2024-001"\ncertification = "exemple.agent-test"\nversion = "2024"\nvoie = "formation"\n'
        'inscription = 2024-02-05\n\n[candidat]\nid = "C-EX-001"\n\n[[acteurs]]\nid = "R-01"\nrole = "n_plus_1"\n\n'
        '[[evaluations]]\nepreuve = "evaluation-finale"\ndate = 2025-02-14\nevaluateurs = ["R-01"]\n'
        'criteres = { C1 = "acquis", C2 = "acquis", C3 = "acquis" }\nverdict = "acquis"\n\n'
        '[[passages]]\nsession = "EX-JURY-2025-03"\ndate = 2025-03-10\ndecisions = { D1 = "acquis", D2 = "acquis", D3 = "acquis" }\n'
    )
    (directory / "ex.toml").write_text(text, encoding="utf-8")
    return directory


def _cost(site: Path, db: str, *extra: str) -> tuple[int, Any, str]:  # noqa: F811
    proc = cli("report", "campaign", "--db", db, "--as-of", "2025-04-01", "--json", *extra, site=site, load="bundled,exemple")
    if proc.returncode:
        return proc.returncode, None, proc.stderr
    [row] = [c for c in json.loads(proc.stdout)["certifications"] if c["certification"] == "exemple.agent-test"]
    return 0, row["cout_euro"], proc.stderr


def _funding(site: Path, path: Path) -> float:
    """The cost a fresh engine computes for the dossier file (``cqpkit funding``)."""
    proc = cli("funding", str(path), "--as-of", "2025-04-01", "--json", site=site, load="bundled,exemple")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    lines = data["dossiers"][0]["lignes"] if "dossiers" in data else data["lignes"]
    return sum(x["montant"] for x in lines if x["nature"] == "cout")


@pytest.mark.parametrize("db", ["sqlite", "postgresql"], indirect=True)
def test_a_changed_referentiel_makes_results_stale(tmp_path, db):  # noqa: F811
    """The plugin's référentiel file changes (its 2024 hourly rate): the report refuses, naming db refresh; --refresh and
    db refresh bring back what a fresh engine computes (140 h × the rate of the file)."""
    site = tmp_path / "site"
    site.mkdir()
    package = expose(site)
    files = _dossier_file(tmp_path / "dossiers")
    toml = package / "referentiels" / "agent-test-2024.toml"
    assert cli("import", "--db", db, str(files), site=site, load="bundled,exemple").returncode == 0
    assert _cost(site, db)[:2] == (0, 140 * 15) == (0, _funding(site, files / "ex.toml"))

    toml.write_text(toml.read_text(encoding="utf-8").replace("valeur = 15\n", "valeur = 17\n"), encoding="utf-8")
    code, _, err = _cost(site, db)
    assert code == 1 and "résultats à recalculer pour 1 dossier (exemple.agent-test : 1)" in err and "cqpkit db refresh" in err
    assert "Traceback" not in err
    assert _cost(site, db, "--refresh")[:2] == (0, 140 * 17) == (0, _funding(site, files / "ex.toml"))
    assert _cost(site, db)[:2] == (0, 140 * 17)  # refreshed for good

    toml.write_text(toml.read_text(encoding="utf-8").replace("valeur = 17\n", "valeur = 18\n"), encoding="utf-8")
    assert _cost(site, db)[0] == 1
    done = cli("db", "refresh", "--db", db, site=site, load="bundled,exemple")
    assert done.returncode == 0 and "résultats recalculés pour 1 dossier" in done.stdout
    assert _cost(site, db)[:2] == (0, 140 * 18) == (0, _funding(site, files / "ex.toml"))
    again = cli("db", "refresh", "--db", db, "--quiet", site=site, load="bundled,exemple")
    assert (again.returncode, again.stdout) == (0, "")
    # Without the plugin the dossier's results stay as they are: listed apart, as before.
    without = run_cli("report", "campaign", "--db", db, "--as-of", "2025-04-01", "--json")
    assert [c["certification"] for c in json.loads(without.stdout)["certifications_ignorees"]] == ["exemple.agent-test"]


def test_refresh_batch_is_checked(tmp_path):
    """A batch size that is not a positive whole number is a usage error, said in French."""
    proc = run_cli("db", "refresh", "--db", str(tmp_path / "x.db"), "--batch", "0")
    assert proc.returncode == 2 and "nombre de dossiers par lot entier et positif attendu" in proc.stderr


# ----------------------------------------------------------------------------- kill -9 during a refresh
def _results(url: str) -> dict[str, list[tuple]]:
    from cqpkit.store.store import Store

    # One statement, hence one snapshot on both engines (on PostgreSQL, READ COMMITTED gives each statement its
    # own: two SELECTs could see a batch committed between them, with a refresh running beside).
    with Store.open(url) as st_, st_.read() as conn:
        out: dict[str, list[tuple]] = {}
        heads: set[str] = set()
        rows = conn.execute(sa.text(
            "SELECT 'p', dossier_id, CAST(debut AS VARCHAR(40)), CAST(fin AS VARCHAR(40)), statut, CAST(hors_delai AS VARCHAR(40)), "
            "CAST(sans_bareme AS VARCHAR(40)), CAST(cout_euro AS VARCHAR(40)), echec FROM resultat_periodes "
            "UNION ALL SELECT 'h', dossier_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM resultats"
        ))
        for r in rows:
            if r[0] == "h":
                heads.add(r[1])
            else:
                out.setdefault(r[1], []).append(tuple(map(str, r[2:])))
    assert heads == set(out)  # a dossier has its row and its intervals, or neither
    return {k: sorted(v) for k, v in out.items()}


def _forget(url: str) -> None:
    from cqpkit.store.store import Store

    with Store.open(url) as st_, st_.write() as conn:
        conn.exec_driver_sql("DELETE FROM resultat_periodes")
        conn.exec_driver_sql("DELETE FROM resultats")


@pytest.mark.parametrize("db", ["sqlite", "postgresql"], indirect=True)
def test_kill_during_refresh_leaves_each_dossier_before_or_after(tmp_path, db):  # noqa: F811
    """SIGKILL while ``db refresh --batch 3`` runs: every dossier has its whole results or none; a new refresh finishes."""
    files = write_generated(tmp_path / "gen", 60)
    assert run_cli("import", "--db", db, str(files)).returncode == 0
    complete = _results(db)
    assert len(complete) == 60
    _forget(db)
    proc = subprocess.Popen([*cqpkit_cmd(), "db", "refresh", "--db", db, "--batch", "3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "CQPKIT_OPERATEUR": "test"})
    deadline = time.monotonic() + 120
    seen: dict[str, list[tuple]] = {}
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            seen = _results(db)
        except sa.exc.OperationalError:  # the writer holds the lock for a moment
            continue
        if len(seen) >= 6:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = _results(db)
    assert len(partial) > 0 and all(partial[k] == complete[k] for k in partial)
    if proc.returncode == -signal.SIGKILL:
        assert len(partial) < 60  # killed half-way: the rest untouched
    assert run_cli("db", "refresh", "--db", db).returncode == 0
    assert _results(db) == complete


# ----------------------------------------------------------------------------- upgrade from version 5
@pytest.mark.parametrize("db", ["sqlite", "postgresql"], indirect=True)
def test_upgrade_from_v5_then_refresh(db, store_templates):  # noqa: F811
    """A base at version 5 (no results): db upgrade says to refresh; the report refuses until then, then answers as before."""
    from cqpkit.store.store import Store

    store_templates.fill("campaign-cli", db)  # what `cqpkit import --db DB examples/campaign` writes (made once, copied)
    before = run_cli("report", "campaign", "--db", db, "--as-of", "2020-06-30", "--json")
    assert before.returncode == 0
    with Store.open(db, check=False) as st_, st_.write() as conn:
        conn.exec_driver_sql("DROP TABLE resultat_periodes")
        conn.exec_driver_sql("DROP TABLE resultats")
        conn.exec_driver_sql("DROP TABLE jetons")  # migration 7 (users) came after: a version 5 base has neither
        conn.exec_driver_sql("DROP TABLE utilisateurs")
        conn.exec_driver_sql("UPDATE cqpkit_meta SET valeur = '5' WHERE cle = 'schema_version'")
    refused = run_cli("report", "campaign", "--db", db, "--as-of", "2020-06-30")
    assert refused.returncode != 0 and "cqpkit db upgrade" in refused.stderr
    up = run_cli("db", "upgrade", "--db", db)
    assert up.returncode == 0 and "migration 6" in up.stdout and "lancez « cqpkit db refresh »" in up.stdout
    stale = run_cli("report", "campaign", "--db", db, "--as-of", "2020-06-30")
    assert stale.returncode == 1 and "n'ont pas encore été calculés" in stale.stderr and "cqpkit db refresh" in stale.stderr
    assert run_cli("db", "refresh", "--db", db).returncode == 0
    after = run_cli("report", "campaign", "--db", db, "--as-of", "2020-06-30", "--json")
    assert after.stdout == before.stdout
    assert run_cli("db", "verify", "--db", db).returncode == 0


# ----------------------------------------------------------------------------- a person dropped by a new version
@pytest.mark.parametrize("db", ["sqlite", "postgresql"], indirect=True)
def test_a_person_dropped_by_a_new_version_refreshes_their_other_dossiers(store, tmp_path):  # noqa: F811
    """A tutor's four dossiers (the prime capped at 180 points a year across them), then a new version of one that names
    no person any more: the other three no longer count its mission, and their stored results say so at once (they
    are recomputed as the import ends), as a fresh engine computes them."""
    from tests.test_store_personnes import MISSIONS, dossier_text, four, prime, write

    as_of = dt.date(2018, 1, 15)
    store.import_files(four(tmp_path / "d"), operateur="test")
    assert prime(store.show("SCN-MO16-05", as_of)["financement"]) == 25
    before = {did: _stored_prime(store, did, as_of) for did in MISSIONS}
    dropped = "I410-2017-0101"
    store.import_files(write(tmp_path / "v2", "v2.toml", dossier_text(dropped, *MISSIONS[dropped], personne=None)), operateur="test")
    assert prime(store.show("SCN-MO16-05", as_of)["financement"]) == 30  # 12 + 7 months before it: its 6 months, 30 points
    after = {did: _stored_prime(store, did, as_of) for did in MISSIONS}
    assert after["SCN-MO16-05"] != before["SCN-MO16-05"]
    assert check_faithful(store, sorted(MISSIONS), [as_of, dt.date(2017, 12, 31)]) > 0
    with store.read() as conn:
        from cqpkit.store.refresh import stale_ids

        assert stale_ids(conn, store) == []


def _stored_prime(st_: Any, did: str, day: dt.date) -> float:
    with st_.read() as conn:
        return sum(stored(conn, did, day)[3])
