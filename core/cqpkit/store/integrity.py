"""The state check of ``db verify``: every protected row against what the audit log says was written.

The chain (:func:`cqpkit.store.audit.verify`) proves the log was not changed; this module proves the
data: each row the log describes is recomputed and compared with the log's description, and each row
the log does not account for is reported, with its table and key (« table passages, clé id=17 : … »).
What is compared, per object (batches of dossiers and candidates: the check streams, it holds one
batch at a time, not the base):

- ``dossiers`` / ``dossier_versions``: a version per ``dossier.creation`` / ``dossier.version`` entry
  (its fingerprint, certification, référentiel version, the SHA-256 of the ``contenu`` text as stored,
  the time and operator of the entry); the current row is the last version's, of the candidate the
  entry names.
- ``evaluations``: per dossier version, the number of rows it brought and the digest of them
  (:func:`~cqpkit.store.audit.evaluations_digest`).
- ``passages``: per dossier, the rows in the order of their ids paired with the rows the entries
  added, in the log's order (an import adds several: ``lignes``; ``jury add|decide`` one: ``ligne``,
  with its id for a decision), each compared by :func:`~cqpkit.store.audit.passage_digest`.
- ``sessions`` / ``session_versions``: a version per ``session.creation`` / ``session.version``
  entry; ``cloturee`` ⇔ a ``session.cloture`` entry, at its time.
- ``candidats``: a row ⇔ a ``candidat.creation`` entry; ``efface_le`` ⇔ a ``candidat.effacement``
  entry (its time, its pseudonym, personal fields empty). The personal fields themselves are not in
  the log (by design): their values are not checked.
- ``utilisateurs`` / ``jetons``: each row against the ``utilisateur.*`` and ``jeton.*`` entries (role,
  member id, the digest of the password hash, active or not; a token's user, expiry, digest of its hash,
  revocation): :func:`cqpkit.store.userscheck.check_rows`. The display name is not checked.
- the protection triggers (:func:`cqpkit.store.migrations.triggers`): present, unchanged, enabled.
- the counters of ``report campaign`` (derived, not in the log): against a fresh ``GROUP BY`` count
  (:mod:`cqpkit.store.countercheck`; repaired by ``cqpkit db recount``).

Rows stored before schema version 4 were logged without the digests: migration 4 writes a **seal**
(:func:`seal`): one ``dossier.sceau`` / ``session.sceau`` entry per object with the digests of its rows
as they were at the upgrade, then one ``store.sceau`` entry with the counts. Those rows are checked
against the seal: what was changed before the upgrade cannot be told (the log never described it).
The derived tables (``echeances``, ``personnes``, ``personne_acteurs``) are rebuilt from the dossiers
and are not checked here.
"""

from __future__ import annotations

import getpass
import json
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa

from cqpkit.store import schema as t
from cqpkit.store.audit import AuditWriter, digest, evaluations_digest, passage_digest
from cqpkit.store.sql import IDS, chunks, now

__all__ = ["Findings", "check", "seal"]

#: Problems reported at most (the first ones; the count of the others is said).
LIMIT = 200
_BATCH = 500


class Findings:
    """The problems found (French, one line each, at most :data:`LIMIT`) and the rows checked per table."""

    def __init__(self) -> None:
        self.problemes: list[str] = []
        self.autres = 0
        self.lignes: dict[str, int] = defaultdict(int)

    def add(self, table: str, key: str, message: str) -> None:
        if len(self.problemes) < LIMIT:
            self.problemes.append(f"table {table}, clé {key} : {message}" if key else f"table {table} : {message}")
        else:
            self.autres += 1

    def all(self) -> list[str]:
        more = [f"… et {self.autres} autres problèmes"] if self.autres else []
        return self.problemes + more


# ------------------------------------------------------------------------------ descriptions of rows
def _iso(value: Any) -> str:
    return value if isinstance(value, str) else value.isoformat()


def version_row(r: Any) -> list[Any]:
    return [r.empreinte, r.certification, r.version_referentiel, digest(r.contenu)]


def passage_row(r: Any) -> str:
    return passage_digest(r.session_id, _iso(r.date), r.absent, r.excuse, r.decisions, r.notes, r.origine, r.remplace_id, r.motif)


def evaluations_rows(rows: Iterable[Any]) -> str:
    return evaluations_digest([(r.position, r.epreuve, _iso(r.date), r.empreinte, digest(r.contenu)) for r in rows])


def _rows_by(conn: sa.Connection, table: sa.Table, column: str, ids: list[str], order: tuple[str, ...]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    q = sa.select(table).where(table.c[column].in_(IDS)).order_by(*(table.c[c] for c in order))
    for r in conn.execute(q, {"ids": ids}):
        out[getattr(r, column)].append(r)
    return out


def _entries(conn: sa.Connection, objet: str, ids: list[str]) -> dict[str, list[Any]]:
    a = t.audit.c
    out: dict[str, list[Any]] = defaultdict(list)
    q = sa.select(a.numero, a.horodatage, a.operateur, a.action, a.objet_id, a.details).where(a.objet == objet, a.objet_id.in_(IDS)).order_by(a.numero)
    for r in conn.execute(q, {"ids": ids}):
        out[r.objet_id].append(r)
    return out


def _ids(conn: sa.Connection, objet: str, *columns: sa.Column) -> list[str]:
    """Every id of ``objet`` the log or a table knows (a row without entry and an entry without row alike)."""
    a = t.audit.c
    found = {r[0] for r in conn.execute(sa.select(a.objet_id).where(a.objet == objet).distinct())}
    for c in columns:
        found.update(r[0] for r in conn.execute(sa.select(c).distinct()))
    return sorted(found)


# ------------------------------------------------------------------------------ the seal (migration 4)
def _operateur() -> str:
    name = os.environ.get("CQPKIT_OPERATEUR", "").strip()
    if name:
        return name
    try:
        return getpass.getuser() or "inconnu"
    except Exception:  # no user name in this environment
        return "inconnu"


def seal(conn: sa.Connection, operateur: str | None = None) -> int:
    """Record in the log the digests of every row stored so far (migration 4); return the entries written.

    One ``dossier.sceau`` entry per dossier (its versions, the digest of the evaluations each version
    brought, each passage row's id and fingerprint), one ``session.sceau`` per session, then one
    ``store.sceau`` with the counts. Nothing on an empty base.
    """
    writer = AuditWriter(conn, operateur or _operateur(), now())
    counts = {"dossiers": 0, "sessions": 0, "passages": 0, "evaluations": 0}
    for ids in chunks([r[0] for r in conn.execute(sa.select(t.dossiers.c.id).order_by(t.dossiers.c.id))], _BATCH):
        ids = list(ids)
        versions = _rows_by(conn, t.dossier_versions, "dossier_id", ids, ("dossier_id", "numero"))
        evaluations = _rows_by(conn, t.evaluations, "dossier_id", ids, ("dossier_id", "id"))
        passages = _rows_by(conn, t.passages, "dossier_id", ids, ("dossier_id", "id"))
        for did in ids:
            by_version: dict[int, list[Any]] = defaultdict(list)
            for e in evaluations.get(did, ()):
                by_version[e.numero_version].append(e)
            details = {
                "versions": {str(v.numero): version_row(v) for v in versions.get(did, ())},
                "evaluations": {str(n): [len(rows), evaluations_rows(rows)] for n, rows in sorted(by_version.items())},
                "lignes": [[p.id, p.session_id, passage_row(p)] for p in passages.get(did, ())],
            }
            writer.add("dossier.sceau", "dossier", did, details)
            counts["dossiers"] += 1
            counts["passages"] += len(details["lignes"])
            counts["evaluations"] += sum(len(rows) for rows in by_version.values())
    sv = t.session_versions.c
    by_session: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for v in conn.execute(sa.select(t.session_versions).order_by(sv.session_id, sv.numero)):
        by_session[v.session_id][str(v.numero)] = [v.empreinte, digest(v.contenu)]
    for sid in sorted(by_session):
        writer.add("session.sceau", "session", sid, {"versions": by_session[sid]})
        counts["sessions"] += 1
    if not any(counts.values()):
        return 0
    writer.add("store.sceau", "base", "", counts)
    return writer.flush()


# ------------------------------------------------------------------------------ the check
def check(conn: sa.Connection, triggers: dict[str, tuple[str, str]], functions: dict[str, str]) -> Findings:
    """Every protected row against the log, and the triggers against ``triggers``; the problems found."""
    found = Findings()
    _check_triggers(conn, triggers, functions, found)
    d = t.dossier_versions.c
    ids = _ids(conn, "dossier", t.dossiers.c.id, d.dossier_id, t.evaluations.c.dossier_id, t.passages.c.dossier_id)
    for batch in chunks(ids, _BATCH):
        _check_dossiers(conn, list(batch), found)
    _check_sessions(conn, found)
    for batch in chunks(_ids(conn, "candidat", t.candidats.c.id), _BATCH):
        _check_candidats(conn, list(batch), found)
    from cqpkit.store.userscheck import check_rows

    check_rows(conn, found)  # the users and their tokens (cqpkit.store.users)
    from cqpkit.store import countercheck

    for table, key, message in countercheck.check(conn):  # the counters of report campaign, against a fresh count
        found.add(table, key, message)
    return found


def _key(**parts: Any) -> str:
    return ", ".join(f"{k}={v}" for k, v in parts.items())


class _Version:
    __slots__ = ("candidat", "desc", "entry", "evaluations", "horodatage", "operateur")

    def __init__(self, entry: Any, desc: list[Any], evaluations: tuple[int, str | None], candidat: str | None) -> None:
        self.entry = entry.numero
        self.horodatage = entry.horodatage
        self.operateur = entry.operateur
        self.desc = desc
        self.evaluations = evaluations
        self.candidat = candidat


def _dossier_log(entries: list[Any]) -> tuple[dict[int, _Version], list[tuple[int, str | None, str | None, int | None, Any]], bool]:
    """What the log says of one dossier: its versions, its passage rows in order ``(entry, session, digest, id, entry row)``, created."""
    versions: dict[int, _Version] = {}
    lignes: list[tuple[int, str | None, str | None, int | None, Any]] = []
    created = False
    for e in entries:
        d = json.loads(e.details)
        if e.action in ("dossier.creation", "dossier.version"):
            created = created or e.action == "dossier.creation"
            n = int(d["numero"])
            versions[n] = _Version(
                e, [d["empreinte"], d["certification"], d["version"], d.get("contenu")],
                (int(d.get("evaluations", 0)), d.get("evaluations_empreinte")), d.get("candidat"),
            )
            digests = d.get("lignes") or [None] * len(d.get("passages", ()))
            lignes.extend((e.numero, s, g, None, e) for s, g in zip(d.get("passages", ()), digests, strict=False))
        elif e.action in ("passage.inscription", "passage.presence", "passage.decision", "passage.correction"):
            lignes.append((e.numero, d.get("session"), d.get("ligne"), d.get("passage"), e))
        elif e.action == "dossier.sceau":  # the rows as they were at migration 4 (older entries lack the digests)
            for numero, desc in d["versions"].items():
                v = versions.get(int(numero))
                if v is not None and v.desc[3] is None:
                    v.desc = desc
            for numero, (count, ev) in d["evaluations"].items():
                v = versions.get(int(numero))
                if v is not None and v.evaluations[1] is None:
                    v.evaluations = (count, ev)
            lignes = [(e.numero, s, g, pid, None) for pid, s, g in d["lignes"]]
    return versions, lignes, created


_VERSION_FIELDS = ("empreinte", "certification", "version_referentiel", "contenu")


def _check_dossiers(conn: sa.Connection, ids: list[str], found: Findings) -> None:
    entries = _entries(conn, "dossier", ids)
    rows = {r.id: r for r in conn.execute(sa.select(t.dossiers).where(t.dossiers.c.id.in_(IDS)), {"ids": ids})}
    versions = _rows_by(conn, t.dossier_versions, "dossier_id", ids, ("dossier_id", "numero"))
    evaluations = _rows_by(conn, t.evaluations, "dossier_id", ids, ("dossier_id", "id"))
    passages = _rows_by(conn, t.passages, "dossier_id", ids, ("dossier_id", "id"))
    for did in ids:
        logged, lignes, created = _dossier_log(entries.get(did, []))
        row = rows.get(did)
        found.lignes["dossiers"] += row is not None
        if row is None and created:
            found.add("dossiers", _key(id=did), "ligne supprimée (le journal l'a créée)")
        elif row is not None and not created:
            found.add("dossiers", _key(id=did), "ligne que le journal ne décrit pas (aucune entrée dossier.creation)")
        stored = {v.numero: v for v in versions.get(did, ())}
        for numero, v in sorted(logged.items()):
            r = stored.pop(numero, None)
            key = _key(dossier_id=did, numero=numero)
            if r is None:
                found.add("dossier_versions", key, f"ligne supprimée (enregistrée par l'entrée n° {v.entry})")
                continue
            found.lignes["dossier_versions"] += 1
            got = version_row(r)
            fields = [f for f, a, b in zip(_VERSION_FIELDS, got, v.desc, strict=True) if b is not None and a != b]
            fields += [f for f, a, b in (("enregistre_le", r.enregistre_le, v.horodatage), ("operateur", r.operateur, v.operateur)) if a != b]
            if v.desc[3] is None:
                found.add("dossier_versions", key, f"le journal n'a pas l'empreinte de son contenu (entrée n° {v.entry}, ni sceau)")
            if fields:
                found.add("dossier_versions", key, f"ligne modifiée ({', '.join(fields)}) depuis l'entrée n° {v.entry}")
        for numero in sorted(stored):
            found.add("dossier_versions", _key(dossier_id=did, numero=numero), "ligne que le journal ne décrit pas")
        if row is not None and logged:
            last = logged[max(logged)]
            current = [("numero_version", row.numero_version, max(logged)), ("empreinte", row.empreinte, last.desc[0]),
                       ("certification", row.certification, last.desc[1]), ("version_referentiel", row.version_referentiel, last.desc[2])]
            if last.candidat is not None:
                current.append(("candidat_id", row.candidat_id, last.candidat))
            fields = [f for f, a, b in current if a != b]
            if fields:
                found.add("dossiers", _key(id=did), f"ligne modifiée ({', '.join(fields)}) : ce n'est plus la dernière version du journal")
        _check_evaluations(did, logged, evaluations.get(did, []), found)
        _check_passages(did, lignes, passages.get(did, []), found)


def _check_evaluations(did: str, logged: dict[int, _Version], rows: list[Any], found: Findings) -> None:
    by_version: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        by_version[r.numero_version].append(r)
    found.lignes["evaluations"] += len(rows)
    for numero in sorted(set(by_version) | set(logged)):
        group = by_version.get(numero, [])
        key = _key(dossier_id=did, numero_version=numero)
        ids = f" (lignes id={', '.join(str(r.id) for r in group)})" if group else ""
        v = logged.get(numero)
        if v is None:
            found.add("evaluations", key, f"{len(group)} ligne(s) que le journal ne décrit pas{ids}")
            continue
        count, expected = v.evaluations
        if len(group) != count:
            found.add("evaluations", key, f"{len(group)} ligne(s) au lieu des {count} enregistrées par l'entrée n° {v.entry}{ids}")
        elif expected is not None and evaluations_rows(group) != expected:
            found.add("evaluations", key, f"lignes modifiées depuis l'entrée n° {v.entry}{ids}")


def _same(r: Any, line: tuple[int, str | None, str | None, int | None, Any]) -> bool:
    _, session, expected, pid, _entry = line
    if pid is not None and r.id != pid:
        return False
    if expected is not None:
        return passage_row(r) == expected
    return r.session_id == session


def _check_passages(did: str, lignes: list[tuple[int, str | None, str | None, int | None, Any]], rows: list[Any], found: Findings) -> None:
    """Pair the rows (by id) with the rows the log added (in its order); an extra, a missing or a changed row is said."""
    found.lignes["passages"] += len(rows)
    i = j = 0
    while i < len(lignes) or j < len(rows):
        line = lignes[i] if i < len(lignes) else None
        r = rows[j] if j < len(rows) else None
        if line is not None and r is not None and _same(r, line):
            entry = line[4]
            if entry is not None and (r.enregistre_le, r.operateur) != (entry.horodatage, entry.operateur):
                found.add("passages", _key(id=r.id), f"ligne modifiée (enregistre_le, operateur) depuis l'entrée n° {line[0]}")
            i, j = i + 1, j + 1
        elif r is not None and (line is None or (j + 1 < len(rows) and _same(rows[j + 1], line))):
            found.add("passages", _key(id=r.id), f"ligne que le journal ne décrit pas (dossier {did}, session {r.session_id})")
            j += 1
        elif line is not None and (r is None or (i + 1 < len(lignes) and _same(r, lignes[i + 1]))):
            shown = f"id={line[3]}, " if line[3] is not None else ""
            found.add("passages", _key(dossier_id=did), f"ligne supprimée ({shown}session {line[1]}, enregistrée par l'entrée n° {line[0]})")
            i += 1
        else:
            assert r is not None and line is not None
            found.add("passages", _key(id=r.id), f"ligne modifiée depuis l'entrée n° {line[0]} (dossier {did}, session {r.session_id})")
            i, j = i + 1, j + 1


def _check_sessions(conn: sa.Connection, found: Findings) -> None:
    a = t.audit.c
    logged: dict[str, dict[int, tuple[list[str | None], Any]]] = defaultdict(dict)
    closed: dict[str, Any] = {}
    current: dict[str, dict[str, Any]] = {}
    q = sa.select(a.numero, a.horodatage, a.operateur, a.action, a.objet_id, a.details).where(a.objet == "session").order_by(a.numero)
    for e in conn.execute(q):
        d = json.loads(e.details)
        if e.action in ("session.creation", "session.version"):
            n = int(d.get("numero", 1))
            logged[e.objet_id][n] = ([d["empreinte"], d.get("contenu")], e)
            current.setdefault(e.objet_id, {}).update({k: d[k] for k in ("date", "certifications") if k in d})
        elif e.action == "session.cloture":
            closed[e.objet_id] = e
        elif e.action == "session.sceau":
            for numero, desc in d["versions"].items():
                known = logged[e.objet_id].get(int(numero))
                if known is not None and known[0][1] is None:
                    logged[e.objet_id][int(numero)] = (desc, known[1])
    stored: dict[str, dict[int, Any]] = defaultdict(dict)
    for v in conn.execute(sa.select(t.session_versions)):
        stored[v.session_id][v.numero] = v
    rows = {r.id: r for r in conn.execute(sa.select(t.sessions))}
    for sid in sorted(set(logged) | set(stored) | set(rows) | set(closed)):
        versions = logged.get(sid, {})
        for numero, (desc, e) in sorted(versions.items()):
            v = stored[sid].pop(numero, None)
            key = _key(session_id=sid, numero=numero)
            if v is None:
                found.add("session_versions", key, f"ligne supprimée (enregistrée par l'entrée n° {e.numero})")
                continue
            found.lignes["session_versions"] += 1
            got = [v.empreinte, digest(v.contenu)]
            fields = [f for f, x, y in zip(("empreinte", "contenu"), got, desc, strict=True) if y is not None and x != y]
            fields += [f for f, x, y in (("enregistre_le", v.enregistre_le, e.horodatage), ("operateur", v.operateur, e.operateur)) if x != y]
            if fields:
                found.add("session_versions", key, f"ligne modifiée ({', '.join(fields)}) depuis l'entrée n° {e.numero}")
        for numero in sorted(stored.get(sid, {})):
            found.add("session_versions", _key(session_id=sid, numero=numero), "ligne que le journal ne décrit pas")
        row = rows.get(sid)
        found.lignes["sessions"] += row is not None
        if row is None:
            if versions:
                found.add("sessions", _key(id=sid), "ligne supprimée (le journal l'a créée)")
            continue
        if not versions:
            found.add("sessions", _key(id=sid), "ligne que le journal ne décrit pas (aucune entrée session.creation)")
            continue
        last, _ = versions[max(versions)]
        checks = [("numero_version", row.numero_version, max(versions)), ("empreinte", row.empreinte, last[0])]
        if last[1] is not None:
            checks.append(("contenu", digest(row.contenu), last[1]))
        info = current.get(sid, {})
        if "date" in info:
            checks.append(("date", row.date.isoformat(), info["date"]))
        if "certifications" in info:
            checks.append(("certifications", json.loads(row.certifications), info["certifications"]))
        fields = [f for f, x, y in checks if x != y]
        if fields:
            found.add("sessions", _key(id=sid), f"ligne modifiée ({', '.join(fields)}) : ce n'est plus la dernière version du journal")
        e = closed.get(sid)
        if e is not None and not row.cloturee:
            found.add("sessions", _key(id=sid), f"session rouverte : le journal l'a close (entrée n° {e.numero}), la base la dit ouverte")
        elif e is None and row.cloturee:
            found.add("sessions", _key(id=sid), "session close sans entrée session.cloture au journal")
        elif e is not None and row.cloturee_le != e.horodatage:
            found.add("sessions", _key(id=sid), f"date de clôture modifiée ({row.cloturee_le} au lieu de {e.horodatage}, entrée n° {e.numero})")


def _check_candidats(conn: sa.Connection, ids: list[str], found: Findings) -> None:
    from cqpkit.store import crypto

    entries = _entries(conn, "candidat", ids)
    rows = {r.id: r for r in conn.execute(sa.select(t.candidats).where(t.candidats.c.id.in_(IDS)), {"ids": ids})}
    subjects = {crypto.subject(cid): cid for cid in ids}
    keys = {
        subjects[r.sujet]: r
        for r in conn.execute(sa.select(t.cles.c.sujet, t.cles.c.cle, t.cles.c.detruite_le).where(t.cles.c.sujet.in_(IDS)), {"ids": list(subjects)})
    }
    for cid in ids:
        log = entries.get(cid, [])
        created = any(e.action == "candidat.creation" for e in log)
        erased = next((e for e in log if e.action == "candidat.effacement"), None)
        row = rows.get(cid)
        key = _key(id=cid)
        if row is None:
            if created:
                found.add("candidats", key, "ligne supprimée (le journal l'a créée)")
            continue
        found.lignes["candidats"] += 1
        if not created:
            found.add("candidats", key, "ligne que le journal ne décrit pas (aucune entrée candidat.creation)")
        if erased is None:
            if row.efface_le is not None or row.pseudonyme is not None:
                found.add("candidats", key, "marqué effacé sans entrée candidat.effacement au journal")
            continue
        pseudonyme = json.loads(erased.details).get("pseudonyme")
        if row.efface_le != erased.horodatage or row.pseudonyme != pseudonyme:
            found.add("candidats", key, f"marque d'effacement supprimée ou modifiée (effacé par l'entrée n° {erased.numero})")
        if row.donnees is not None:
            found.add("candidats", key, f"données personnelles réapparues après l'effacement (donnees, entrée n° {erased.numero})")
        cle = keys.get(cid)
        if cle is not None and (cle.cle is not None or cle.detruite_le is None):
            found.add("cles", _key(sujet=crypto.subject(cid)), f"clé du candidat effacé non détruite (effacé par l'entrée n° {erased.numero})")


def _check_triggers(conn: sa.Connection, triggers: dict[str, tuple[str, str]], functions: dict[str, str], found: Findings) -> None:
    for name, problem in _trigger_problems(conn, triggers, functions):
        table = triggers[name][0] if name in triggers else "?"
        found.add(table, "", f"déclencheur {name} {problem}")


def _trigger_problems(conn: sa.Connection, triggers: dict[str, tuple[str, str]], functions: dict[str, str]) -> Iterator[tuple[str, str]]:
    if conn.dialect.name == "sqlite":
        present = {r.name: r for r in conn.exec_driver_sql("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")}
        for name, (table, ddl) in triggers.items():
            r = present.get(name)
            if r is None:
                yield name, "absent (supprimé)"
            elif r.tbl_name != table or r.sql != ddl:
                yield name, "modifié (sa définition n'est plus celle du schéma)"
        return
    schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
    q = (
        "SELECT t.tgname, c.relname, t.tgenabled, pg_get_triggerdef(t.oid) AS definition, p.proname, p.prosrc "
        "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
        "WHERE NOT t.tgisinternal AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
    )
    present = {r.tgname: r for r in conn.exec_driver_sql(q)}
    for name, (table, ddl) in triggers.items():
        r = present.get(name)
        if r is None:
            yield name, "absent (supprimé)"
        elif r.relname != table or _pg_norm(r.definition, schema) != _pg_norm(ddl, schema):
            yield name, "modifié (sa définition n'est plus celle du schéma)"
        elif r.tgenabled == "D":
            yield name, "désactivé (ALTER TABLE … DISABLE TRIGGER)"
        elif functions.get(r.proname) != r.prosrc:
            yield name, f"modifié (la fonction {r.proname} n'est plus celle du schéma)"


def _pg_norm(ddl: str, schema: str) -> str:
    """A trigger's definition as compared: without schema, case, spaces, parentheses nor quotes around names."""
    text = ddl.replace(f'"{schema}".', "").replace(f"{schema}.", "").lower().replace("update or delete", "delete or update")
    return "".join(ch for ch in text if ch not in ' ()"')
