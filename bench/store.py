"""The store: import time per dossier at 10 000 and 100 000 dossiers, and ``report deadlines`` at 100 000 and 1 000 000.

1. **Import.** N fictional Spécialiste prestations dossiers (those of ``decide_batch.py``: both routes,
   final evaluations, one to three jury passages) are written as TOML files in a directory and imported
   into a new SQLite file in one call, as ``cqpkit import DIR`` does (``Store.import_files``), in its
   timed phases:

   - *lecture* — :func:`read_files`: reading every file, validating it with the format layer and the
     registry, and what depends on the file alone — its content without personal data, its
     fingerprint, each evaluation's text and fingerprint. ``cqpkit import`` does all of it before it
     opens the database (an invalid file then changes nothing).
   - *avant* — :meth:`Store.import_lot` before its write transaction: which dossiers the base already
     holds (one read), and the deadlines of the others computed by the engine (*dont moteur*,
     :attr:`ImportReport.secondes_moteur`), and what depends on the files and the candidates' keys alone
     (*dont préparé*, :attr:`ImportReport.secondes_preparees`, :mod:`cqpkit.store.importprep`: the
     encryption of the new dossiers and candidates, their keyed fingerprints, the details the log records,
     the counters by day of their results), checked again in the transaction. Other writers need not wait for it.
   - *transaction* — the write transaction: what the base holds, the audit chain, the rows (Python,
     *préparation*) and the SQL through SQLAlchemy Core (*écriture*: statements and commit, timed by
     connection events).

   The cycle collector is paused during reading and importing (:func:`without_cycle_collector`); the
   collection each puts off is counted in it: a full collection after the reading (it walks the lot the
   reading built), and, for the import, what a collection after it costs beyond one just before it (the
   walk of the lot, already alive: measured, the import itself leaves nothing for the collector).

   Then the very rows the store wrote (every base table) are inserted with the raw driver (``sqlite3``,
   ``executemany``, one transaction) into another new file with the same schema, indexes and
   protection triggers, but without the counter triggers of migration 9: the *brut* baseline. The
   counters (``compte_*``, ``resultat_jours``) are rows derived from the others, the store's own cost:
   its side pays for them, the raw side neither inserts them nor keeps them. For information, the
   same raw inserts with the counter triggers on (*brut_compteurs*: what keeping them row by row costs). The files are read once; the import and the raw insert then run
   ``--repeat`` times (3) alternately, each into a new file, and each figure is the best of its runs
   (the SQL phases, which write to disk, vary most on a shared machine). It prints the time per
   dossier of each phase at each size (goal: flat) and the ratio transaction / brut — one
   transaction writing the same rows (goal: at most 2) — and, for information, écriture / brut
   (the SQL layer alone), import_lot / brut (avant + transaction) and total / brut (lecture included).

2. **Deadlines.** Databases of 100 000 and 1 000 000 dossiers are built by writing their rows
   directly (``dossiers``, ``candidats``, ``echeances``; importing a million files would take most of
   an hour on a small machine): one dossier in 2 has a first-jury deadline, one in 4 two expiring
   partial awards. Registrations are spread at a constant 150 per day, so a bigger store is a longer
   history, as in real life, and a 30-day window holds the same number of deadlines in both. It
   times :meth:`Store.deadlines` (what ``cqpkit report deadlines --within 30`` runs; best of 7)
   on each and prints the ratio (goal: at most 1.5, i.e. the query is served by the date index, not
   a scan).

Runs in two to twelve minutes on a 2-core machine, depending on the machine. Figures are measured in one run; compare the ratios.

    .venv/bin/python bench/store.py
    .venv/bin/python bench/store.py --sizes 10000 --deadline-sizes 100000   # quicker
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cqpkit
from cqpkit.store import schema as t
from cqpkit.store.reading import Lot, read_files
from cqpkit.store.store import Store
from decide_batch import dossier_text

TABLE_ORDER = [
    "cles", "candidats", "dossiers", "dossier_versions", "evaluations", "passages", "echeances", "resultats", "resultat_periodes", "personnes",
    "personne_acteurs", "sessions", "session_versions", "audit",
]  # every table an import writes (the stored results included: issue 16)


def _new_store(directory: str, name: str, registry: object) -> Store:
    store = Store.open(os.path.join(directory, name), create=True, check=False, registry=registry)
    store.init()
    return store


def _import_once(lot: Lot, registry: object, directory: str, name: str) -> tuple[float, float, float, float, float, Store]:
    """One import into a new file: its time, before the transaction, in the engine, in SQL, and the rows computed
    before the transaction (encryption, fingerprints, counters: :mod:`cqpkit.store.importprep`), in seconds."""
    store = _new_store(directory, name, registry)
    gc.collect()
    # The import pauses the cycle collector; the collection it puts off is part of its cost. A full
    # collection walks everything alive, the lot first (read before, and charged to the reading): what
    # the import leaves to the collector is what a collection after it costs beyond one before it.
    start = time.perf_counter()
    gc.collect()
    walk = time.perf_counter() - start
    start = time.perf_counter()
    report = store.import_lot(lot, operateur="bench")
    total = time.perf_counter() - start
    start = time.perf_counter()
    gc.collect()
    total += max(0.0, time.perf_counter() - start - walk)
    return total, report.secondes_avant, report.secondes_moteur, report.secondes_sql, report.secondes_preparees, store


def _raw_once(registry: object, rows: dict[str, list], head: list, directory: str, name: str, counters: bool = False) -> float:
    """The same rows, with the raw driver, into a new file with the same schema.

    The base rows only: the counter tables of migration 9 are derived rows, the store's own cost (its side pays
    for them), so their triggers are dropped from the raw file unless ``counters`` (for information: the raw
    inserts with the triggers keeping the counters, row by row)."""
    store = _new_store(directory, name, registry)
    if not counters:
        from cqpkit.store.migration9 import drop_triggers

        with store.write() as conn:
            drop_triggers(conn)
    store.close()
    conn = sqlite3.connect(os.path.join(directory, name), isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    gc.collect()
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    for table in TABLE_ORDER:
        if rows[table]:
            marks = ", ".join("?" * len(rows[table][0]))
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows[table])
    conn.executemany("UPDATE cqpkit_meta SET valeur = ? WHERE cle = ?", [(v, k) for k, v in head])
    conn.execute("COMMIT")
    brut = time.perf_counter() - start
    conn.close()
    return brut


def bench_import(registry: object, texts: list[str], directory: str, repeat: int) -> dict[str, float]:
    """Lecture once; then, ``repeat`` times alternately, the store's import and the raw insert, each into a new file.

    Each figure is the best of its runs (the machine is shared: the SQL phases, which write to disk,
    vary most). Returns the seconds of lecture, avant (dont moteur), préparation, écriture and brut.
    """
    n = len(texts)
    files = os.path.join(directory, f"dossiers-{n}")
    os.mkdir(files)
    for i, text in enumerate(texts):
        with open(os.path.join(files, f"bench-{i:07d}.toml"), "w", encoding="utf-8") as fh:
            fh.write(text)
    gc.collect()
    start = time.perf_counter()
    lot = read_files([files], registry)  # what cqpkit import does before it opens the database
    # read_files pauses the cycle collector; the collection it puts off is part of its cost.
    gc.collect()
    best = {"lecture": time.perf_counter() - start}
    shutil.rmtree(files)

    def keep(key: str, seconds: float) -> None:
        best[key] = min(best.get(key, float("inf")), seconds)

    for run in range(repeat):
        total, avant, moteur, sql, prepare, store = _import_once(lot, registry, directory, f"store-{n}-{run}.db")
        keep("avant", avant)
        keep("moteur", moteur)
        keep("prepare", prepare)
        # The transaction = préparation + écriture: the best of each part (a run's noise falls on one or the other).
        keep("preparation", total - avant - sql)
        keep("ecriture", sql)
        if run == 0:  # the rows the store wrote, for the raw driver
            src = sqlite3.connect(store.target.path)
            rows = {table: src.execute(f"SELECT * FROM {table}").fetchall() for table in TABLE_ORDER}
            head = src.execute("SELECT cle, valeur FROM cqpkit_meta WHERE cle LIKE 'audit_%'").fetchall()
            src.close()
        store.close()
        os.remove(store.target.path)
        keep("brut", _raw_once(registry, rows, head, directory, f"raw-{n}-{run}.db"))
        os.remove(os.path.join(directory, f"raw-{n}-{run}.db"))
        keep("brut_compteurs", _raw_once(registry, rows, head, directory, f"raw-{n}-{run}.db", counters=True))
        os.remove(os.path.join(directory, f"raw-{n}-{run}.db"))
    return best


def build_deadline_db(directory: str, n: int, registry: object) -> Store:
    """A store of ``n`` dossiers whose rows are written directly (see the module docstring)."""
    store = _new_store(directory, f"deadlines-{n}.db", registry)
    store.close()
    rng = random.Random(n)
    conn = sqlite3.connect(os.path.join(directory, f"deadlines-{n}.db"), isolation_level=None)
    conn.execute("BEGIN")
    start = dt.date(1990, 1, 1)
    now = "2026-01-01T00:00:00+00:00"
    batch_c, batch_d, batch_e = [], [], []

    def flush() -> None:
        conn.executemany("INSERT INTO candidats (id, cree_le, modifie_le) VALUES (?, ?, ?)", batch_c)
        conn.executemany(
            "INSERT INTO dossiers (id, certification, version_referentiel, voie, mention, inscription, candidat_id, numero_version, "
            "empreinte, cree_le, modifie_le) VALUES (?, ?, '2014', ?, 'sante', ?, ?, 1, ?, ?, ?)",
            batch_d,
        )
        conn.executemany("INSERT INTO echeances VALUES (?, ?, ?, ?, ?, ?)", batch_e)
        batch_c.clear()
        batch_d.clear()
        batch_e.clear()

    for i in range(n):
        did, cid = f"D-{i:07d}", f"C-{i:07d}"
        inscription = start + dt.timedelta(days=i // 150)
        voie = "vae" if rng.random() < 0.3 else "formation"
        batch_c.append((cid, now, now))
        batch_d.append((did, t.dossiers.name and "mutualite.specialiste-prestations", voie, inscription.isoformat(), cid, f"{i:064x}"[-64:], now, now))
        kind = rng.random()
        if kind < 0.5:
            limite = dt.date(inscription.year + 3, inscription.month, min(inscription.day, 28))
            batch_e.append((did, "premier_passage", "", "mutualite.specialiste-prestations", limite.isoformat(), inscription.isoformat()))
        elif kind < 0.75:
            jury = inscription + dt.timedelta(days=rng.randrange(200, 900))
            until = dt.date(jury.year + 5, jury.month, min(jury.day, 28))
            for dom in rng.sample(["D1", "D2", "D3", "D4", "D5"], 2):
                batch_e.append((did, "acquis_partiel", dom, "mutualite.specialiste-prestations", until.isoformat(), jury.isoformat()))
        if len(batch_d) >= 20_000:
            flush()
    flush()
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    return Store.open(os.path.join(directory, f"deadlines-{n}.db"), registry=registry)


def time_deadlines(store: Store, as_of: dt.date, within: int, runs: int = 7) -> tuple[float, int]:
    store.deadlines(as_of, within)  # warm the cache
    best = float("inf")
    found = 0
    for _ in range(runs):
        start = time.perf_counter()
        data = store.deadlines(as_of, within)
        best = min(best, time.perf_counter() - start)
        found = len(data["a_venir"]) + len(data["passees"])
    return best, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--deadline-sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--within", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3, help="imports and raw inserts per size (the best of each is kept)")
    args = parser.parse_args()
    os.environ.setdefault("CQPKIT_OPERATEUR", "bench")
    registry = cqpkit.load_registry()
    rng = random.Random(20261201)
    with tempfile.TemporaryDirectory(prefix="cqpkit-bench-") as directory:
        if args.sizes:
            texts = [dossier_text(i, rng) for i in range(max(args.sizes))]
            print(f"Import (SQLite, un seul appel) — temps par dossier, meilleur de {args.repeat} (import et brut en alternance)")
            print(
                f"{'dossiers':>9}  {'lecture':>9}  {'avant':>9}  {'dont moteur':>11}  {'dont préparé':>12}  {'préparation':>11}  {'écriture':>9}  {'brut':>9}  "
                f"{'écriture/brut':>13}  {'transaction/brut':>16}  {'import_lot/brut':>15}  {'total/brut':>10}"
            )
            for size in args.sizes:
                b = bench_import(registry, texts[:size], directory, args.repeat)
                us = lambda seconds, width=9, size=size: f"{seconds / size * 1e6:>{width - 3}.0f} µs"  # noqa: E731
                transaction = b["preparation"] + b["ecriture"]
                print(
                    f"{size:>9}  {us(b['lecture'])}  {us(b['avant'])}  {us(b['moteur'], 11)}  {us(b['prepare'], 12)}  {us(b['preparation'], 11)}  "
                    f"{us(b['ecriture'])}  {us(b['brut'])}  {b['ecriture'] / b['brut']:>13.2f}  {transaction / b['brut']:>16.2f}  "
                    f"{(b['avant'] + transaction) / b['brut']:>15.2f}  {(b['lecture'] + b['avant'] + transaction) / b['brut']:>10.1f}"
                )
            print("lecture : fichiers lus et validés, contenu et empreintes (ce que cqpkit import fait avant d'ouvrir la base) ;")
            print("avant : Store.import_lot avant sa transaction d'écriture — dossiers déjà en base, échéances et résultats des nouveaux (dont moteur : Registry.decide) ;")
            print(
                "dont préparé : ce qui, pour les nouveaux dossiers, ne dépend que des fichiers et des clés (chiffrement, empreintes à clé, "
                "détails du journal, compteurs par jour des résultats), calculé avant la transaction et vérifié dedans (store/importprep.py) ;"
            )
            print("transaction = préparation (état de la base, journal chaîné, lignes) + écriture (requêtes et commit) ;")
            print("brut : les mêmes lignes par sqlite3 seul, une transaction")
            print("objectifs : temps par dossier stables d'une taille à l'autre ; transaction/brut ≤ 2 ; écriture/brut : la couche SQL seule (SQLAlchemy Core)")
            del texts
        if args.deadline_sizes:
            print(f"\nreport deadlines --within {args.within} (SQLite, meilleur de 7)")
            print(f"{'dossiers':>9}  {'échéances':>10}  {'temps':>10}")
            timings = []
            for size in args.deadline_sizes:
                built = time.perf_counter()
                store = build_deadline_db(directory, size, registry)
                built = time.perf_counter() - built
                # An as-of inside the span of every size: 3 years after the first registrations, + 200 days.
                as_of = dt.date(1993, 7, 20)
                seconds, found = time_deadlines(store, as_of, args.within)
                store.close()
                timings.append(seconds)
                print(f"{size:>9}  {found:>10}  {seconds * 1000:>7.1f} ms   (base construite en {built:.0f} s)")
            if len(timings) >= 2:
                print(f"ratio {args.deadline_sizes[-1]} / {args.deadline_sizes[0]} : {timings[-1] / timings[0]:.2f} (objectif ≤ 1,5 : requête servie par l'index des dates)")


if __name__ == "__main__":
    main()
