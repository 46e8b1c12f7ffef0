"""The new dossiers' encryption and keyed fingerprints, computed before the import's write transaction (both engines).

:mod:`cqpkit.store.importprep` computes them while other writers can still write; the transaction uses them only
where the base has not moved (the dossier still new, the candidate's key the one they were computed with). These
tests check that the transaction then encrypts nothing itself, that what it writes is what it would have computed
(``db verify`` checks every row against the log, the texts decrypt, a second import finds every file « inchangé »),
and that a candidate stored by another import in between makes it compute the rows again, with the stored key.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import datetime as dt
import json

import attrs
import pytest
from cqpkit.store import bulkcounters, crypto, importing
from cqpkit.store.importprep import prepare
from cqpkit.store.reading import read_files

from tests.test_store_support import CAMPAIGN, db, generated_dossier, registry, snapshot, store, write_generated  # noqa: F401


def _lot(paths, store):  # type: ignore[no-untyped-def]
    return read_files([str(p) for p in paths], store.registry)


def _calls_in_transaction(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The encryptions and keyed fingerprints computed while the import builds its candidates' and dossiers' rows."""
    calls: list[str] = []
    inside = [False]
    for name in ("encrypt", "keyed_fingerprint"):
        original = getattr(crypto, name)

        def counted(*args, _name=name, _original=original):  # type: ignore[no-untyped-def]
            if inside[0]:
                calls.append(_name)
            return _original(*args)

        monkeypatch.setattr(crypto, name, counted)
    for step in ("_candidates", "_dossiers"):
        original_step = getattr(importing.ImportTransaction, step)

        def wrapped(self, *args, _original=original_step):  # type: ignore[no-untyped-def]
            inside[0] = True
            try:
                return _original(self, *args)
            finally:
                inside[0] = False

        monkeypatch.setattr(importing.ImportTransaction, step, wrapped)
    return calls


def _same_dossiers(store, lot) -> None:  # type: ignore[no-untyped-def]
    """Every personal datum of the lot reads back, decrypted with the candidate's stored key."""
    for lu in lot.dossiers:
        c = lu.dossier.candidat
        export = store.export_candidat(c.id, "test")
        facts = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in attrs.asdict(c).items()}
        assert export["candidat"] == {**export["candidat"], **facts}
        text = json.dumps(export, ensure_ascii=False, default=str)
        # the notes, employers… the file gives
        assert all(json.dumps(value, ensure_ascii=False)[1:-1] in text for _, value in lu.personnel)


def test_transaction_encrypts_nothing_for_new_dossiers(store, monkeypatch):  # type: ignore[no-untyped-def]
    # the campaign's dossiers (personal data, notes of evaluations and passages) and sessions
    lot = _lot([CAMPAIGN], store)
    calls = _calls_in_transaction(monkeypatch)
    grouped: list[int] = []
    add_results = bulkcounters.add_results

    def spied(conn, ids, sign=1, days=None):  # type: ignore[no-untyped-def]
        grouped.append(-1 if days is None else len(days))
        return add_results(conn, ids, sign, days)

    monkeypatch.setattr(bulkcounters, "add_results", spied)
    report = store.import_lot(lot, operateur="test")
    assert report.count("dossier", "nouveau") == len(lot.dossiers)
    assert calls == []  # everything was computed before the transaction
    assert report.secondes_preparees > 0
    if store.target.kind == "sqlite":  # PostgreSQL as the owner of the tables too, but a test role may not own them
        assert len(grouped) == 1 and grouped[0] > 0  # the results' counters by day grouped before the transaction
    monkeypatch.undo()
    assert store.verify().ok  # every row agrees with the log's entry of its creation; the counters with a fresh count
    _same_dossiers(store, lot)
    again = store.import_lot(_lot([CAMPAIGN], store), operateur="test")
    assert again.count("dossier", "inchangé") == len(lot.dossiers)  # the keyed fingerprints are the candidates' keys'


def test_candidate_stored_in_between_is_encrypted_with_its_stored_key(store, tmp_path):  # type: ignore[no-untyped-def]
    first, second = tmp_path / "a", tmp_path / "b"
    write_generated(first, 1)
    second.mkdir()
    # another dossier of the same candidate
    (second / "b.toml").write_text(generated_dossier(1).replace('id = "C-GEN-000001"', 'id = "C-GEN-000000"'), "utf-8")
    lot = _lot([second], store)
    cid = lot.dossiers[0].dossier.candidat.id
    assert cid == "C-GEN-000000"
    with store.read() as conn:
        prepared = prepare(conn, lot, {}, "test")  # the base does not hold the candidate yet: a key is drawn for them
    assert crypto.subject(cid) in prepared.keys and "GEN-000001" in prepared.dossiers
    store.import_files([str(first)], operateur="test")  # another import stores the candidate, with another key
    with store.write() as conn:
        report = importing.ImportTransaction(store, conn, lot, "test", prepared).run()
    assert report.count("dossier", "nouveau") == 1
    with store.read() as conn:
        keys = crypto.load_keys(conn, [crypto.subject(cid)])
    assert keys[crypto.subject(cid)] != prepared.keys[crypto.subject(cid)]
    assert store.verify().ok
    _same_dossiers(store, lot)
    again = store.import_files([str(second)], operateur="test")
    assert again.count("dossier", "inchangé") == 1


def test_dossier_stored_in_between_is_compared_not_rewritten(store, tmp_path):  # type: ignore[no-untyped-def]
    lot = _lot([write_generated(tmp_path / "a", 2)], store)
    with store.read() as conn:
        prepared = prepare(conn, lot, {}, "test")
    assert len(prepared.dossiers) == 2
    store.import_lot(lot, operateur="test")  # stored meanwhile, by another import
    with store.write() as conn:
        report = importing.ImportTransaction(store, conn, lot, "test", prepared).run()
    assert report.count("dossier", "inchangé") == 2
    assert store.verify().ok


def test_rows_built_before_equal_those_built_in_the_transaction(registry, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The results' intervals and the counters the import writes from what it built before its transaction are the rows
    the transaction writes when it builds them itself (the preparation left out)."""
    from cqpkit.store.importprep import Preparation
    from cqpkit.store.store import Store

    def imported(name: str):  # type: ignore[no-untyped-def]
        s = Store.open(str(tmp_path / name), create=True, check=False, registry=registry)
        s.init()
        s.import_lot(read_files([str(CAMPAIGN)], registry), operateur="test")
        return s

    before = imported("before.db")
    monkeypatch.setattr(importing, "prepare", lambda conn, lot, stored, operateur: Preparation())
    inside = imported("inside.db")
    tables = (
        "resultat_periodes",
        "resultat_jours",
        "compte_resultats",
        "compte_dossiers",
        "compte_candidats",
        "compte_candidats_distincts",
    )
    a, b = snapshot(before), snapshot(inside)
    assert a["resultat_periodes"]  # the campaign's results have intervals
    for name in tables:
        assert a[name] == b[name], name
    assert before.verify().ok and inside.verify().ok
    before.close()
    inside.close()
