"""The import: a validated lot (dossiers, jury sessions) stored in one transaction, all or nothing.

:func:`import_lot` computes the deadlines and results of the new dossiers before the write transaction (other
writers need not wait for it), and what depends on their files and their candidates' keys alone (encryption,
keyed fingerprints, the log's details, rows: :mod:`cqpkit.store.importprep`), then :class:`ImportTransaction` compares the lot with what the base
holds (:class:`Existing`) and writes sessions, candidates, dossier versions, evaluations, passages,
deadlines and the people the dossiers name, or raises :class:`StoreConflictError` with every conflict
and writes nothing. :func:`rows_written` is the hook point the fault tests use to hold the transaction open.
The rows it compares and builds, and its report, live in :mod:`cqpkit.store.importrows`.

Over 500 lines: :class:`ImportTransaction` is the steps of one transaction (sessions, candidates, dossiers,
people, closings) sharing its state — the lot, the rows read, the audit writer, the errors gathered from every
file —; split further, each step would take that state as arguments.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import attrs
import sqlalchemy as sa

from cqpkit.exceptions import CqpkitError, Erreur
from cqpkit.store import bulkcounters, crypto, personnes
from cqpkit.store import schema as t
from cqpkit.store.audit import AuditWriter, canonical, canonical_plain
from cqpkit.store.audit import digest as stored_digest
from cqpkit.store.base import StoreBase, operateur_par_defaut
from cqpkit.store.deadlines import rebuild_echeances
from cqpkit.store.errors import StoreConflictError
from cqpkit.store.importprep import Preparation, prepare
from cqpkit.store.importrows import (
    _EMPTY,
    Existing,
    ImportReport,
    _evaluation_rows,
    _evaluations_digest,
    _locate,
    _passage_digest,
    _personal_json,
    _row_state,
    _session_details,
    _state,
)
from cqpkit.store.reading import (
    PERSONAL,
    DossierLu,
    Lot,
    deadlines,
    dossier_content,
    with_deadlines,
    without_cycle_collector,
)
from cqpkit.store.sessioncheck import imported_closing, imported_session_notes
from cqpkit.store.sql import chunks, date_param, driver_lookup, flag_param, insert_tuples, jour, now

__all__ = ["Existing", "ImportReport", "ImportTransaction", "import_lot", "rows_written"]

#: The import writes its dossiers' rows every this many dossiers, not all at the end: the rows of a large
#: lot (about 5 kB a dossier) need not all be in memory at once.
_FLUSH_EVERY = 2000
_NONE: Mapping[str, int] = {}  # no evaluation stored yet (read-only: never written to)
#: The columns of the rows the import builds as tuples (:func:`insert_tuples`), in the order it builds them.
_DOSSIER_COLUMNS = (
    "id", "certification", "version_referentiel", "voie", "mention", "inscription", "candidat_id", "numero_version", "empreinte", "empreinte_publique",
    "modifie_le", "cree_le",
)
#: (``enregistre_le`` last: the rows of a new dossier are built before the transaction but for it, :mod:`cqpkit.store.importprep`)
_VERSION_COLUMNS = ("dossier_id", "numero", "empreinte", "certification", "version_referentiel", "contenu", "operateur", "enregistre_le")
_EVALUATION_COLUMNS = ("dossier_id", "numero_version", "position", "epreuve", "date", "contenu", "empreinte", "enregistre_le")
_PASSAGE_COLUMNS = (
    "dossier_id", "session_id", "date", "absent", "excuse", "decisions", "notes", "origine", "remplace_id", "motif", "operateur", "enregistre_le",
)
_ECHEANCE_COLUMNS = ("type", "domaine", "date", "depuis", "certification", "dossier_id")


def rows_written() -> None:
    """Hook point: an import's rows are written and not committed yet (the sessions it closes come next). Does nothing.

    The fault tests replace it (fixture ``paused_import``, tests/test_store_faults.py) to kill the
    process, or to start a concurrent import, while the transaction holds its rows.
    """


def import_lot(store: StoreBase, lot: Lot, operateur: str | None = None) -> ImportReport:
    """Store validated dossiers and sessions, all or nothing (:func:`_import_lot`); a lot with a dossier the
    engine cannot evaluate (a plugin fails on it) is refused whole, the plugin named (:func:`deadlines.unevaluable`)."""
    from cqpkit.plugins.hookcalls import HookFailure

    try:
        return _import_lot(store, lot, operateur)
    except HookFailure as exc:  # raised before the write transaction, or in it (rolled back): nothing written
        from cqpkit.store.deadlines import unevaluable

        raise unevaluable(store.registry, lot, exc) from exc


def _import_lot(store: StoreBase, lot: Lot, operateur: str | None = None) -> ImportReport:
    """Store validated dossiers and sessions, all or nothing (see the module docstring).

    The lot is stored as given: :func:`~cqpkit.store.reading.read_files` validates files, and
    :func:`~cqpkit.store.reading.read_lot` validates objects built in Python when it is given the
    registry (``read_lot(…, registry=store.registry)``).

    Before the write transaction (other writers need not wait for it), the deadlines of the dossiers
    the base does not hold yet are computed with the engine (:func:`~cqpkit.store.reading.with_deadlines`);
    a dossier stored meanwhile by another process is handled in the transaction like any stored one.
    """
    operateur = operateur or operateur_par_defaut()
    from sqlalchemy import event

    before_start = time.perf_counter()
    registry = store.registry
    engine = 0.0
    need_deadlines = not (lot.registry is registry and all(lu.echeances is not None for lu in lot.dossiers))
    need_results = lot.registry is not registry or any(lu.resultats is None and not _names_person(lu.dossier) for lu in lot.dossiers)
    prepared = Preparation()
    if lot.dossiers:
        with store.read() as conn:
            stored = driver_lookup(conn, t.dossiers, ("id",), [lu.dossier.id for lu in lot.dossiers])
            # the encryption and keyed fingerprints of the new dossiers (importprep): checked again in the transaction
            with without_cycle_collector():
                prepared = prepare(conn, lot, stored, operateur)
            day, flag = date_param(conn), flag_param(conn)
        if need_deadlines:
            lot, engine = with_deadlines(lot, registry, stored)
        if need_deadlines or need_results:
            lot, spent_results = _with_results(lot, registry, stored)
            engine += spent_results
        with without_cycle_collector():
            prepared.count_results(lot, stored, day, flag)  # their counters, grouped (used if the transaction inserts them all)
    before_transaction = time.perf_counter() - before_start

    spent = [0.0, 0.0]

    def before(*_: Any) -> None:
        spent[1] = time.perf_counter()

    def after(*_: Any) -> None:
        spent[0] += time.perf_counter() - spent[1]

    with without_cycle_collector(), store.write() as conn:
        # Time spent in the database (for bench/store.py): the rest is preparing the rows.
        event.listen(conn, "before_cursor_execute", before)
        event.listen(conn, "after_cursor_execute", after)
        report = ImportTransaction(store, conn, lot, operateur, prepared).run()
        start = time.perf_counter()
    spent[0] += time.perf_counter() - start  # the commit
    after_commit(store, report)
    report.secondes_sql = spent[0]
    report.secondes_moteur += engine
    report.secondes_avant = before_transaction
    report.secondes_preparees = prepared.secondes
    return report


def _names_person(d: Any) -> bool:
    """Whether a dossier names a person (``acteurs.personne``): its results then depend on the base (the person's other missions)."""
    return any(a.personne for a in d.acteurs)


def _with_results(lot: Lot, registry: Any, stored: Any) -> tuple[Lot, float]:
    """The lot with the results (:func:`cqpkit.store.results.result_rows`) of each dossier new to the base that names no
    person computed with ``registry``; results computed with another registry are dropped."""
    from cqpkit.store.results import result_rows

    same = lot.registry is registry
    out = []
    spent = 0.0
    with without_cycle_collector():
        for lu in lot.dossiers:
            res = lu.resultats if same else None
            if res is None and lu.dossier.id not in stored and not _names_person(lu.dossier):
                start = time.perf_counter()
                echeances = lu.echeances if same else None  # the deadlines with_deadlines computed with this registry
                res = result_rows(registry, lu.dossier, strict=True, echeances=echeances)  # a plugin failing: the import is refused
                spent += time.perf_counter() - start
            if res is not lu.resultats:
                lu = attrs.evolve(lu, resultats=res)
            out.append(lu)
    return Lot(tuple(out), lot.sessions, registry=registry), spent


def after_commit(store: StoreBase, report: ImportReport) -> None:
    """Compute the results the import's transaction left to compute (:func:`cqpkit.store.refresh.refresh`, its own
    transactions); a failure there is a note: the import is stored, ``cqpkit db refresh`` finishes the work."""
    ids = report.a_recalculer
    if not ids:
        return
    from cqpkit.store.refresh import refresh

    try:
        refresh(store, ids=sorted(set(ids)))
    except CqpkitError as exc:
        report.notes.append(f"résultats de {len(set(ids))} dossier(s) non recalculés ({exc}) : lancez cqpkit db refresh")


class ImportTransaction:
    """One import transaction (sessions, candidates, dossiers, closings), or an error and nothing."""

    def __init__(self, store: StoreBase, conn: sa.Connection, lot: Lot, operateur: str, prepared: Preparation | None = None) -> None:
        self.store = store
        #: what was computed before the transaction for the new dossiers (used where the base has not moved since)
        self.prepared = prepared or Preparation()
        self.conn = conn
        self.lot = lot
        self.operateur = operateur
        self.now = now()
        self.audit = AuditWriter(conn, operateur, self.now)
        self.day = date_param(conn)  # dates as the driver takes them (bulk_insert(..., dates_ready=True))
        self.flag = flag_param(conn)  # booleans as the driver takes them: self.flag[value]
        self.start = self.audit.numero
        self.keys: dict[str, bytes | None] = {}
        self.report = ImportReport()
        self.errors: list[Erreur] = []
        #: session id -> [the new passages that name it while it is neither in the base nor in the lot, then their first
        #: three files]: bounded, whatever the number of files (the 1 000 000-file import kept every path here)
        self.unknown_sessions: dict[str, list[Any]] = {}
        #: the lot's sessions this import created or changed (:meth:`_sessions`): a streaming import's ``lot`` is then
        #: each batch of dossiers in turn, and its report keeps no per-file line, so :meth:`finish` reads them here
        self.changed_sessions: list[Any] = []

    def run(self) -> ImportReport:
        existing = Existing(self.conn, self.lot)
        to_close = self._sessions(existing)
        self.run_batch(existing)
        return self.finish(to_close)

    def run_batch(self, existing: Existing) -> None:
        """Write the candidates, dossiers and people of ``self.lot`` (the whole lot, or one batch of a streaming
        import: :mod:`cqpkit.store.streaming`), compared with ``existing`` (read for that lot). The sessions the lot
        closes are closed by :meth:`finish` only: a session closed before the import is one closed here."""
        closed_before = {sid for sid, r in existing.sessions.items() if r.cloturee}
        self._candidates(existing)
        self._dossiers(existing, closed_before)
        self._personnes(existing)

    def finish(self, to_close: list[Any]) -> ImportReport:
        """Close the sessions, raise every conflict found (the transaction rolls back), or write the log's head."""
        rows_written()
        for s in to_close:
            checked = {} if self.errors else imported_closing(self.store, self.conn, s, self.report)  # as jury close (--forcer)
            self.conn.execute(t.sessions.update().where(t.sessions.c.id == s.session.id).values(cloturee=True, cloturee_le=self.now, modifie_le=self.now))
            self.audit.add("session.cloture", "session", s.session.id, checked)
        if self.errors:
            n = len({e.fichier for e in self.errors})
            raise StoreConflictError(
                f"import refusé : {n} fichier{'s' if n > 1 else ''} en conflit avec la base, rien n'a été enregistré",
                sorted(self.errors, key=lambda e: (e.fichier, e.ligne)),
            )
        self._note_unknown_sessions()
        imported_session_notes(self.store, self.conn, self.changed_sessions, self.report)  # jury findings, said as at `jury open`
        self.audit.flush()
        self.report.audit = self.audit.numero - self.start
        return self.report

    # sessions ------------------------------------------------------------------------
    def _sessions(self, existing: Existing) -> list[Any]:
        to_close = []
        inserts, versions = [], []
        self._note_unknown_previous()
        for s in self.lot.sessions:
            info = s.session.session
            row = existing.sessions.get(info.id)
            entry = {"fichier": s.fichier, "type": "session", "id": info.id}
            if row is None:
                inserts.append(
                    {"id": info.id, "date": info.date, "certifications": canonical(list(info.certifications)), "numero_version": 1,
                     "empreinte": s.empreinte, "contenu": s.contenu, "cloturee": False, "cloturee_le": None,
                     "cree_le": self.now, "modifie_le": self.now}
                )
                versions.append({"session_id": info.id, "numero": 1, "empreinte": s.empreinte, "contenu": s.contenu, "enregistre_le": self.now, "operateur": self.operateur})
                self.audit.add("session.creation", "session", info.id, _session_details(1, s, info))
                entry["statut"] = "nouvelle"
            elif row.empreinte == s.empreinte:
                entry["statut"] = "inchangée"
            elif row.cloturee:
                self.errors.append(
                    _locate(s.fichier, ("session",), f"session « {info.id} » close le {jour(row.cloturee_le)} : son contenu ne peut plus changer")
                )
                continue
            else:
                numero = row.numero_version + 1
                self.conn.execute(
                    t.sessions.update().where(t.sessions.c.id == info.id).values(
                        date=info.date, certifications=canonical(list(info.certifications)), numero_version=numero,
                        empreinte=s.empreinte, contenu=s.contenu, modifie_le=self.now,
                    )
                )
                versions.append({"session_id": info.id, "numero": numero, "empreinte": s.empreinte, "contenu": s.contenu, "enregistre_le": self.now, "operateur": self.operateur})
                self.audit.add("session.version", "session", info.id, _session_details(numero, s, info))
                entry["statut"] = f"version {numero}"
            if entry["statut"] != "inchangée":
                self.changed_sessions.append(s)
            if info.cloturee and not (row is not None and row.cloturee):
                to_close.append(s)
                entry["statut"] += ", close"
            self.report.fichiers.append(entry)
        if inserts:
            self.conn.execute(t.sessions.insert(), inserts)
        if versions:
            self.conn.execute(t.session_versions.insert(), versions)
        return to_close

    def _note_unknown_previous(self) -> None:
        """A note for each session whose ``precedente`` is neither in the base nor in this import.

        Not an error: the previous session may predate the base (a campaign's history imported from its
        middle). But the alternation of the presidency then goes unchecked (rules/jury.py), which the
        operator should know. (``jury open --precedente``, typed by hand, refuses an unknown session.)
        """
        in_lot = {s.session.id for s in self.lot.sessions}
        wanted = {s.session.session.precedente for s in self.lot.sessions} - in_lot - {None}
        if not wanted:
            return
        stored = {r.id for r in self.conn.execute(sa.select(t.sessions.c.id).where(t.sessions.c.id.in_(sorted(wanted))))}
        for s in self.lot.sessions:
            previous = s.session.session.precedente
            if previous is not None and previous not in in_lot and previous not in stored:
                self.report.notes.append(
                    f"session « {s.session.id} » ({s.fichier}) : sa session précédente « {previous} » n'est ni dans la base ni dans "
                    "cet import ; l'alternance de la présidence ne pourra pas être vérifiée tant qu'elle n'y est pas"
                )

    def _note_unknown_sessions(self) -> None:
        """A note for each jury session that new passages name while it is neither in the base nor in this import.

        Not an error, as for an unknown ``precedente``: the session may have been held before the base (a campaign's
        history imported from its middle) or be imported later. But until it is, its composition, its closing and the
        decisions' jury go unchecked, and ``jury`` cannot show it: the operator should know. One note per session,
        naming its first files.
        """
        for sid in sorted(self.unknown_sessions):
            n, *files = self.unknown_sessions[sid]
            shown = ", ".join(files) + (f" et {n - len(files)} autre{'s' if n - len(files) > 1 else ''}" if n > len(files) else "")
            self.report.notes.append(
                f"session « {sid} » : citée par {n} passage{'s' if n > 1 else ''} ({shown}) mais ni dans la base ni dans cet "
                "import ; sa composition et sa clôture ne pourront pas être vérifiées tant qu'elle n'y est pas"
            )

    # candidates ----------------------------------------------------------------------
    def _candidates(self, existing: Existing) -> None:
        """The candidates: a new one gets a key and their personal data encrypted with it; a stored one's data are
        updated (decrypted, compared, encrypted again) unless they are erased. ``self.keys`` holds every candidate's key."""
        inserts = []
        done: set[str] = set()
        now = self.now
        keys = existing.keys
        new_keys: list[str] = []
        for lu in self.lot.dossiers:
            c = lu.dossier.candidat
            if c.id in done:
                continue
            done.add(c.id)
            row = existing.candidats.get(c.id)
            personal = _personal_json(c)
            sujet = crypto.subject(c.id)
            if row is None or sujet not in keys:  # a new candidate (or one stored without a key: given one now)
                new_keys.append(sujet)
            if row is None:
                pre = self.prepared.candidats.get(c.id)
                if pre is not None and pre.personal == personal:
                    self.audit.add_text("candidat.creation", "candidat", c.id, pre.details, pre.middle)
                else:
                    self.audit.add("candidat.creation", "candidat", c.id, {"champs": [k for k in PERSONAL if personal[k] not in (None, "")]})
                inserts.append((c.id, personal, now, now))
                continue
            if row.efface_le:
                if any(personal[k] not in (None, "") for k in PERSONAL):
                    self.report.notes.append(
                        f"candidat « {c.id} » effacé le {jour(row.efface_le)} : ses données personnelles ({lu.fichier}) ne sont pas réenregistrées"
                    )
                continue
            inserts.append((c.id, personal, None, None))  # an update, encrypted below once the keys are known
        keys.update(crypto.create_keys(self.conn, new_keys, now, self.prepared.keys))
        rows, updates = [], []
        for cid, personal, cree, modifie in inserts:
            key = keys[crypto.subject(cid)]
            aad = crypto.aad(cid, "candidat")
            if cree is not None:
                pre = self.prepared.candidats.get(cid)
                if pre is not None and pre.key == key and pre.personal == personal:  # encrypted before the transaction
                    rows.append((cid, pre.donnees, None, None, cree, modifie))
                else:
                    rows.append((cid, crypto.encrypt(key, canonical(personal), aad), None, None, cree, modifie))
                continue
            stored = crypto.open_record(existing.candidats[cid].donnees, key, aad) or {}
            changed = [k for k in PERSONAL if stored.get(k, _EMPTY[k]) != personal[k]]
            if changed:
                updates.append({"_id": cid, "donnees": crypto.encrypt(key, canonical(personal), aad), "modifie_le": now})
                self.audit.add("candidat.modification", "candidat", cid, {"champs": changed})
                self.report.notes.append(f"candidat « {cid} » : données personnelles mises à jour ({', '.join(changed)})")
        if updates:
            c = t.candidats.c
            self.conn.execute(
                t.candidats.update().where(c.id == sa.bindparam("_id")).values(donnees=sa.bindparam("donnees"), modifie_le=sa.bindparam("modifie_le")),
                updates,
            )
        insert_tuples(self.conn, t.candidats, ("id", "donnees", "pseudonyme", "efface_le", "cree_le", "modifie_le"), rows)
        self.keys = keys

    # people --------------------------------------------------------------------------
    def _personnes(self, existing: Existing) -> None:
        """The people the dossiers name: contradictions are errors; rows of the dossiers written; notes on hand-made loads."""
        lot = [(lu.fichier, lu.dossier) for lu in self.lot.dossiers]
        self.errors.extend(personnes.base_conflicts(self.conn, lot))
        if self.errors:
            return
        written = [lu.dossier for lu in self.lot.dossiers if getattr(existing.dossiers.get(lu.dossier.id), "empreinte", None) != lu.empreinte]
        replaced = [d.id for d in written if d.id in existing.dossiers]
        people = {a.personne for d in written for a in d.acteurs if a.personne}
        if replaced:  # and the people the replaced versions named: a new version may drop one (their load, their caps move)
            pa = t.personne_acteurs
            people.update(
                r[0] for chunk in chunks(replaced, 500)
                for r in self.conn.execute(sa.select(pa.c.personne_id).where(pa.c.dossier_id.in_(chunk)).distinct())
            )
        named_people = sorted(people)
        if named_people:  # the other dossiers of these people: their results depend on these missions
            from cqpkit.store.results import forget_results

            mine = {d.id for d in written}
            others = sorted({
                r[0] for chunk in chunks(named_people, 500)
                for r in self.conn.execute(sa.select(t.personne_acteurs.c.dossier_id).where(t.personne_acteurs.c.personne_id.in_(chunk)))
            } - mine)
            forget_results(self.conn, others)
            self.report.a_recalculer.extend(others)
        if personnes.write(self.conn, written, replaced, self.now):
            named = {d.id: d for d in written if any(a.personne for a in d.acteurs)}
            for did, d in personnes.enrich(self.conn, named).items():
                self.report.notes.extend(personnes.declared_notes(named[did], d))

    # dossiers ------------------------------------------------------------------------
    def _add_dossier_entry(self, row: Any, did: str, cid: str, numero: int, empreinte: str, info: Any, contenu: str, ev: list, new_rows: list) -> None:
        """The log's entry of a dossier version written (what ``db verify`` checks its rows against: cqpkit.store.integrity)."""
        details = {
            "numero": numero, "empreinte": empreinte, "certification": info.certification, "version": info.version,
            "evaluations": len(ev), "passages": [r[1] for r in new_rows],
            "candidat": cid, "contenu": stored_digest(contenu), "evaluations_empreinte": _evaluations_digest(ev),
            "lignes": [_passage_digest(r) for r in new_rows],
        }
        self.audit.add("dossier.creation" if row is None else "dossier.version", "dossier", did, details)

    def _dossiers(self, existing: Existing, closed_before: set[str]) -> None:
        registry = self.store.registry
        day, flag = self.day, self.flag
        now, operateur = self.now, self.operateur
        report = self.report
        new_dossiers, updates, versions, evals, passages, refresh = [], [], [], [], [], []
        echeances: list[tuple] = []
        results: list[tuple[Any, ...]] = []
        lot_sessions = {s.session.id for s in self.lot.sessions}  # a streaming batch: none (written first, so in ``existing``)
        ready = self.lot.registry is registry  # the deadlines computed before the transaction (with_deadlines) hold here

        def flush() -> None:
            """Write the rows built so far (in the transaction: an error found later still rolls them back)."""
            bulkcounters.insert_dossiers(self.conn, _DOSSIER_COLUMNS, new_dossiers)  # counted once per flush
            if updates:
                self.conn.execute(t.dossiers.update().where(t.dossiers.c.id == sa.bindparam("_id")), updates)
            for rows, table, columns in (
                (versions, t.dossier_versions, _VERSION_COLUMNS), (evals, t.evaluations, _EVALUATION_COLUMNS),
                (passages, t.passages, _PASSAGE_COLUMNS), (echeances, t.echeances, _ECHEANCE_COLUMNS),
            ):
                insert_tuples(self.conn, table, columns, rows)
            for rows in (new_dossiers, updates, versions, evals, passages, echeances):
                rows.clear()

        keys = self.keys
        prepared = self.prepared.dossiers if self.prepared.operateur == operateur else {}
        prepared_deadlines = self.prepared.echeances if ready else {}
        for lu in self.lot.dossiers:
            d = lu.dossier
            info = d.dossier
            did = info.id
            if len(lu.evaluations) != len(d.evaluations) or len(lu.empreintes_evaluations) != len(lu.evaluations):
                lu = DossierLu(lu.fichier, d, *dossier_content(d))  # a DossierLu built by hand, without its parts
            row = existing.dossiers.get(did)
            entry = {"fichier": lu.fichier, "type": "dossier", "id": did}
            self.report.fichiers.append(entry)
            cid = d.candidat.id
            if row is not None and row.candidat_id != cid:
                # Every row of a dossier is encrypted with its candidate's key (erasure destroys it): a dossier keeps
                # its candidate. A wrong candidate is corrected by importing the dossier under another id.
                self.errors.append(
                    _locate(
                        lu.fichier, ("candidat", "id"),
                        f"le dossier « {did} » est celui du candidat « {row.candidat_id} » dans la base : un dossier ne change "
                        "pas de candidat (pour un autre candidat, importez-le sous un autre identifiant de dossier)",
                    )
                )
                entry["statut"] = "refusé"
                continue
            key = keys.get(crypto.subject(cid))
            # Computed before the transaction with the key the candidate has here, for a dossier still new: used as it is.
            pre = prepared.get(did) if row is None else None
            if pre is not None and pre.key != key:
                pre = None
            # The fingerprint: keyed with the candidate's key; an erased candidate's (no key), that of the public content.
            if pre is not None:
                empreinte = pre.empreinte
            else:
                empreinte = crypto.keyed_fingerprint(key, lu.contenu, lu.personnel_texte) if key is not None else lu.empreinte
            if row is not None and (row.empreinte == empreinte or (key is None and row.empreinte_publique == lu.empreinte)):
                entry["statut"] = "inchangé"
                continue
            passage_aad = crypto.aad(cid, f"passage:{did}")
            numero = 1 if row is None else row.numero_version + 1
            stored: dict[str, list[Any]] = {}
            for r in existing.passages.get(did, ()):
                stored.setdefault(r.session_id, []).append(r)
            new_rows, bad = [], False
            seen_sessions: set[str] = set()
            for i, p in enumerate(d.passages):
                if p.session in seen_sessions:
                    self.errors.append(_locate(lu.fichier, ("passages", i, "session"), f"session « {p.session} » citée par deux passages : un passage par session"))
                    bad = True
                    continue
                seen_sessions.add(p.session)
                rows = stored.get(p.session, ())
                if rows and any(_row_state(r, key, passage_aad) == _state(p, key is not None) for r in rows):
                    continue  # already recorded (maybe since corrected: the store keeps the correction)
                if p.session in closed_before:
                    srow = existing.sessions[p.session]
                    what = "ses décisions ne changent pas" if rows else "on ne peut plus y ajouter de passage"
                    self.errors.append(
                        _locate(
                            lu.fichier, ("passages", i),
                            f"la session « {p.session} » est close depuis le {jour(srow.cloturee_le)} : {what} "
                            "(une correction est un nouvel enregistrement motivé : cqpkit jury decide … --motif)",
                        )
                    )
                    bad = True
                    continue
                if p.session not in existing.sessions and p.session not in lot_sessions:
                    seen = self.unknown_sessions.setdefault(p.session, [0])
                    seen[0] += 1
                    if len(seen) <= 3 and lu.fichier not in seen:  # the first files only: an import of a million stays bounded
                        seen.append(lu.fichier)
                if pre is not None:  # a new dossier: no stored row to replace
                    new_rows.append(pre.passages[i] + (now,))
                    continue
                new_rows.append(
                    (did, p.session, day(p.date), flag[bool(p.absent)], flag[bool(p.excuse)], canonical_plain(p.decisions),
                     crypto.encrypt_value(key, p.notes, passage_aad), "import", rows[-1].id if rows else None, "", operateur, now)
                )
            if bad or self.errors:
                continue  # nothing will be written; keep collecting the errors of the other files
            if pre is not None:
                new_dossiers.append(pre.dossier + (now, now))
            elif row is None:
                new_dossiers.append(
                    (did, info.certification, info.version, info.voie, info.mention, day(info.inscription), cid, numero,
                     empreinte, lu.empreinte, now, now)
                )
            else:
                updates.append(
                    {"_id": did, "certification": info.certification, "version_referentiel": info.version, "voie": info.voie,
                     "mention": info.mention, "inscription": info.inscription, "candidat_id": cid, "numero_version": numero,
                     "empreinte": empreinte, "empreinte_publique": lu.empreinte, "modifie_le": now}
                )
                refresh.append(did)
            if pre is not None:
                contenu = pre.contenu
                versions.append(pre.version + (now,))
                ev = [r + (now,) for r in pre.evaluations]
            else:
                contenu = crypto.seal(lu.contenu, lu.personnel, key, crypto.aad(cid, f"dossier:{did}"))  # the text stored: the log records its digest
                versions.append((did, numero, empreinte, info.certification, info.version, contenu, operateur, now))
                ev = _evaluation_rows(lu, numero, existing.evaluations.get(did, _NONE), now, day, key)
            evals.extend(ev)
            passages.extend(new_rows)
            if pre is not None and len(new_rows) == len(d.passages):  # every passage written: the details computed before hold
                self.audit.add_text("dossier.creation", "dossier", did, pre.details, pre.middle)
            else:
                self._add_dossier_entry(row, did, cid, numero, empreinte, info, contenu, ev, new_rows)
            entry["statut"] = "nouveau" if row is None else f"version {numero}"
            res = lu.resultats if ready else None
            if row is None and res is None and not _names_person(d):
                # not computed before the transaction (a plugin failed there, or another registry): computed here, a
                # plugin failing refuses the import (deadlines.unevaluable)
                from cqpkit.store.results import result_rows

                start = time.perf_counter()
                res = result_rows(registry, d, strict=True, echeances=lu.echeances if ready else None)
                report.secondes_moteur += time.perf_counter() - start
            if row is None and res is not None:
                results.append(({**res[0], "numero_version": numero}, res[1]))
            else:
                report.a_recalculer.append(did)
            if row is None and did in prepared_deadlines:
                echeances.extend(prepared_deadlines[did])  # built before the transaction from lu.echeances
            elif row is None:
                computed = lu.echeances if ready else None
                if computed is None:
                    start = time.perf_counter()
                    computed = deadlines(registry, d)
                    report.secondes_moteur += time.perf_counter() - start
                cert = info.certification
                echeances.extend((kind, dom, day(date), day(depuis), cert, did) for kind, dom, date, depuis in computed)
            if len(versions) >= _FLUSH_EVERY and not self.errors:
                flush()
        if self.errors:
            return
        flush()
        if results:
            ids = [head["dossier_id"] for head, _ in results]
            if ids == self.prepared.jours_dossiers:  # their rows and counters by day built before the transaction
                bulkcounters.insert_results(self.conn, results, self.prepared.jours, self.prepared.periodes)
            else:  # built here (a streaming batch): grouped in Python all the same, a third of the GROUP BY's time
                days, periods = bulkcounters.day_rows(results, day, flag), bulkcounters.period_tuples(results, day, flag)
                bulkcounters.insert_results(self.conn, results, days, periods)  # counted once per batch
        if refresh:
            from cqpkit.store.results import forget_results

            forget_results(self.conn, refresh)  # recomputed after the transaction (after_commit)
            start = time.perf_counter()
            rebuild_echeances(self.conn, registry, refresh)
            report.secondes_moteur += time.perf_counter() - start  # with the few queries it makes
