"""The bulk path of the counters (:mod:`cqpkit.store.bulkcounters`), their check by ``db verify`` and their repair
(:mod:`cqpkit.store.countercheck`), and ``refresh(ids=…)`` read in batches (issue 16)."""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import pytest
import sqlalchemy as sa
from cqpkit.store import migration9
from cqpkit.store import schema as t
from cqpkit.store.refresh import refresh, stale_ids

from tests.conftest import run_cli
from tests.test_store_counters import assert_counters_right, stored_counts
from tests.test_store_support import CAMPAIGN, campaign_store, db, registry, store  # noqa: F401 (fixtures)


def _trigger_names(conn: sa.Connection) -> set[str]:
    if conn.dialect.name == "sqlite":
        return {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    return {r[0] for r in conn.exec_driver_sql("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'")}


@pytest.mark.parametrize("db", ["sqlite", "postgresql"], indirect=True)
def test_import_and_refresh_count_by_themselves(store):
    """With the counter triggers gone, an import and a refresh still leave the counters a fresh count: the bulk path
    counts what it writes (a wrong delta fails here); with them present, both leave them in place, enabled."""
    with store.read() as conn:
        before = _trigger_names(conn)
    with store.write() as conn:
        migration9.drop_triggers(conn)
    store.import_files([str(CAMPAIGN)], operateur="test")
    assert_counters_right(store)
    with store.read() as conn:
        assert stored_counts(conn)["resultat_jours"] and stored_counts(conn)["compte_candidats_distincts"]
    with store.write() as conn:  # every result stale (counted anew: no trigger here): refresh replaces them all
        conn.execute(t.resultats.update().values(empreinte="0" * 64))
        migration9.fill(conn)
    assert store.refresh_results(batch=3) > 3
    assert_counters_right(store)
    with store.read() as conn:
        assert not stale_ids(conn, store)
    with store.write() as conn:
        migration9.create_triggers(conn)
        assert _trigger_names(conn) == before
    with store.write() as conn:
        conn.execute(t.resultats.update().values(empreinte="0" * 64))
    store.refresh_results(batch=3)
    assert_counters_right(store)
    with store.read() as conn:
        assert _trigger_names(conn) == before  # dropped (disabled) and put back in the same transaction
    assert store.verify().ok


@pytest.mark.parametrize("db", ["sqlite", "postgresql"], indirect=True)
def test_a_failed_import_leaves_the_triggers(campaign_store, tmp_path):
    """An import refused in its transaction (a closed session's decisions changed) leaves the triggers in place and
    the counters unchanged."""
    with campaign_store.read() as conn:
        triggers, counts = _trigger_names(conn), stored_counts(conn)
    from tests.test_store_support import copy_campaign

    src = copy_campaign(tmp_path)
    path = next(p for p in sorted((src / "dossiers").glob("*.toml")) if "acquis" in p.read_text(encoding="utf-8"))
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"acquis"', '"non_acquis"', 1), encoding="utf-8")
    new = tmp_path / "nouveau.toml"
    new.write_text(text.replace("OEMM-2018-0", "OEMM-2099-0"), encoding="utf-8")  # and a new dossier
    from cqpkit.exceptions import CqpkitError

    with pytest.raises(CqpkitError):
        campaign_store.import_files([str(src / "dossiers"), str(new)], operateur="test")
    with campaign_store.read() as conn:
        assert _trigger_names(conn) == triggers
        assert stored_counts(conn) == counts


@pytest.mark.parametrize("db", ["sqlite", "postgresql"], indirect=True)
def test_verify_reports_a_wrong_counter_and_recount_repairs_it(campaign_store, db):
    """A counter changed by hand: `db verify` names its table, key and both figures and says how to repair;
    `db recount` brings back the fresh count, and verify is clean again."""
    assert campaign_store.verify().ok
    with campaign_store.write() as conn:
        row = conn.execute(sa.select(t.compte_dossiers).order_by(t.compte_dossiers.c.voie).limit(1)).one()
        conn.execute(
            t.compte_dossiers.update()
            .where(t.compte_dossiers.c.certification == row.certification, t.compte_dossiers.c.voie == row.voie,
                   t.compte_dossiers.c.version_referentiel == row.version_referentiel)
            .values(n=row.n + 1)
        )
        conn.execute(t.resultat_jours.delete().where(t.resultat_jours.c.n != 0))
    out = run_cli("db", "verify", "--db", db)
    assert out.returncode == 1
    assert (
        f"table compte_dossiers, clé certification={row.certification}, version_referentiel={row.version_referentiel}, "
        f"voie={row.voie} : compteur faux, n = {row.n + 1} (décompte frais : {row.n})"
    ) in out.stderr
    assert "table resultat_jours, clé " in out.stderr and "(décompte frais : " in out.stderr
    assert "cqpkit db recount" in out.stderr
    fixed = run_cli("db", "recount", "--db", db)
    assert fixed.returncode == 0, fixed.stderr
    assert "compteurs du rapport de campagne recalculés" in fixed.stdout
    assert_counters_right(campaign_store)
    assert run_cli("db", "verify", "--db", db).returncode == 0


@pytest.mark.parametrize("db", ["sqlite", "postgresql"], indirect=True)
def test_refresh_ids_in_batches_recomputes_those_given(campaign_store):
    """`refresh(ids=…)` over a list longer than a batch: every stale dossier given is recomputed (each once, whatever
    the order and repeats of the list), none other; the progress says each batch and ends at the list's length."""
    with campaign_store.read() as conn:
        ids = [r[0] for r in conn.execute(sa.select(t.dossiers.c.id).order_by(t.dossiers.c.id))]
    assert len(ids) >= 8
    with campaign_store.write() as conn:
        conn.execute(t.resultats.update().values(empreinte="0" * 64))
    given = ids[1::2][::-1]  # every other one, backwards
    calls: list[tuple[int, int]] = []
    written = refresh(campaign_store, batch=2, ids=given, progress=lambda _p, done, total: calls.append((done, total)))
    assert written == len(given)
    with campaign_store.read() as conn:
        assert stale_ids(conn, campaign_store) == ids[0::2]
    assert [done for done, _ in calls] == [0, *range(2, len(given), 2), len(given)] or [done for done, _ in calls] == [
        0, *range(2, len(given) + 1, 2)
    ]
    assert {total for _, total in calls} == {len(given)}
    assert_counters_right(campaign_store)
