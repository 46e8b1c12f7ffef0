"""The jury workflow: open a session, present dossiers, record decisions and corrections, close it.

Every operation is one writing transaction, logged in the audit chain. Passages are append-only: a
decision, a change of presence or a correction (on a closed session, with its ``motif``) is a new row
that names the one it replaces; the dossier's deadlines and stored results are recomputed with the engine
(:func:`refresh`; for a decision, before its writing transaction: :mod:`cqpkit.store.jury_refresh`).

Why about 500 lines: the four operations of a session share their checks and their audit wording; the
session's findings and the decision's refresh already live apart (:mod:`.sessioncheck`, :mod:`.jury_refresh`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import attrs
import sqlalchemy as sa

from cqpkit.exceptions import CqpkitError, InvalidArgumentError
from cqpkit.model import CERTIFICATION_ENTIERE, SessionJury
from cqpkit.store import schema as t
from cqpkit.store.audit import AuditWriter, canonical, passage_digest
from cqpkit.store.availability import no_rules, rules_of
from cqpkit.store.base import StoreBase, operateur_par_defaut, unknown_session
from cqpkit.store.deadlines import rebuild_echeances
from cqpkit.store.errors import NotFoundError, StoreConflictError, near_match
from cqpkit.store.importing import ImportTransaction
from cqpkit.store.reading import read_lot
from cqpkit.store.sessioncheck import presented, session_findings, session_warnings
from cqpkit.store.sql import chunks, jour, now

__all__ = [
    "ClosingRefused", "MotiveRequired", "add_to_session", "changed", "close_session", "contrary_decisions", "decide", "open_session", "session_findings",
    "sorted_decisions", "warnings",
]

#: The engine's findings that make a decision need its motive before it is recorded (:func:`decide`).
NEEDS_MOTIVE = frozenset({"decision_contraire"})


class MotiveRequired(CqpkitError):
    """A decision contrary to the final evaluation given without its motive (exit 1; the API answers 422): nothing stored.

    ``constats`` are the engine's ``decision_contraire`` findings on the decisions refused.
    """

    exit_code = 1

    def __init__(self, message: str, constats: Sequence[Any] = ()) -> None:
        self.constats = tuple(constats)
        super().__init__("\n".join([message, *(f"  {c.code} — {_contrary_text(c)}" for c in self.constats)]))


class ClosingRefused(StoreConflictError):
    """``jury close`` refused on error findings (exit 1, the API's 409): ``constats`` are all the findings, errors and others."""

    def __init__(self, message: str, constats: Sequence[Any]) -> None:
        self.constats = tuple(constats)
        super().__init__(message)


def _contrary_text(c: Any) -> str:
    """A ``decision_contraire`` said as a reason to refuse (its own message says « la décision est enregistrée »)."""
    v = c.valeurs or {}
    if "domaine" not in v or "date_passage" not in v:
        return str(c.message)
    from cqpkit.render.text import date_txt

    day = date_txt(dt.date.fromisoformat(str(v["date_passage"])))
    return f"{v['domaine']} acquis sans évaluation finale en entreprise favorable de ce domaine au {day} (voie {v.get('voie', '?')})"


def open_session(store: StoreBase, session: SessionJury, operateur: str | None = None) -> list[Any]:
    """Record a new jury session (open); it is validated against the registry first.

    Returns the engine's findings on it as it stands (:func:`~cqpkit.store.sessioncheck.session_warnings`):
    warnings now, nothing refused; those of level ``erreur`` will refuse :func:`close_session`.
    """
    from cqpkit.formats.dossiers import validate_session

    erreurs = validate_session(attrs.evolve(session, session=attrs.evolve(session.session, cloturee=False)), store.registry, "jury open")
    if erreurs:
        # The session was written to TOML only to be validated: its line numbers mean nothing to the user.
        erreurs = [e._replace(ligne=0) for e in erreurs]
        raise StoreConflictError(f"session « {session.id} » invalide :", erreurs)
    lot = read_lot(sessions=[("jury open", attrs.evolve(session, session=attrs.evolve(session.session, cloturee=False)))])
    operateur = operateur or operateur_par_defaut()
    with store.write() as conn:
        if conn.execute(sa.select(t.sessions.c.id).where(t.sessions.c.id == session.id)).first() is not None:
            raise StoreConflictError(f"session « {session.id} » déjà enregistrée")
        precedente = session.session.precedente
        if precedente is not None and conn.execute(sa.select(t.sessions.c.id).where(t.sessions.c.id == precedente)).first() is None:
            # The alternation of the presidency would silently not be checked (rules/jury.py): say it now.
            known = [r.id for r in conn.execute(sa.select(t.sessions.c.id).order_by(t.sessions.c.date, t.sessions.c.id))]
            raise StoreConflictError(f"--precedente : {unknown_session(precedente, known, store.target.label)}")
        ImportTransaction(store, conn, lot, operateur).run()
    with store.read() as conn:
        return session_warnings(store, conn, session.id)


def warnings(store: StoreBase, session_id: str) -> list[Any]:
    """The findings to say now on a stored session (``jury add`` after presenting dossiers): :func:`session_warnings`."""
    with store.read() as conn:
        store.session_row(conn, session_id)
        return session_warnings(store, conn, session_id)


def refresh(store: StoreBase, conn: sa.Connection, ids: Sequence[str]) -> None:
    """Recompute the deadlines and the stored results (:mod:`cqpkit.store.results`) of dossiers whose passages changed."""
    from cqpkit.store.results import rebuild_results

    rebuild_echeances(conn, store.registry, ids)
    rebuild_results(conn, store.registry, ids)


def add_to_session(
    store: StoreBase, session_id: str, dossier_ids: Sequence[str], operateur: str | None = None, *,
    absent: bool = False, excuse: bool = False, present: bool = False,
) -> list[tuple[str, str]]:
    """Present dossiers to an open session (a passage without decisions yet); return ``(dossier, statut)``.

    A dossier already presented keeps its record, unless the call says its presence explicitly
    (``absent``, ``excuse`` or ``present``) and it differs from the one recorded: a new record then
    replaces it (append-only, like a decision), decisions kept — the candidate announced present who
    did not come, the one recorded absent who came after all. Marking absent or excused a dossier
    the jury has already decided on is refused (with every other problem, before anything is written).
    """
    if sum((absent, excuse, present)) > 1:
        raise InvalidArgumentError("absent, excuse, present : un seul à la fois")
    operateur = operateur or operateur_par_defaut()
    out = []
    if isinstance(dossier_ids, str):  # one id, not a sequence of one-letter ids
        dossier_ids = [dossier_ids]
    dossier_ids = list(dict.fromkeys(dossier_ids))  # a dossier named twice is presented once
    with store.write() as conn:
        s = store.session_row(conn, session_id)
        if s.cloturee:
            raise StoreConflictError(f"session « {session_id} » close le {jour(s.cloturee_le)} : on ne peut plus y présenter de dossier")
        certs = json.loads(s.certifications)
        # Every dossier is checked before anything is written, and every problem is said at once.
        found = {r.id: r for chunk in chunks(dossier_ids) for r in conn.execute(sa.select(t.dossiers).where(t.dossiers.c.id.in_(list(chunk))))}
        unknown = [f"dossier « {did} » inconnu dans la base {store.target.label}" for did in dossier_ids if did not in found]
        if unknown:  # the closest stored id of each (read on this error path only)
            stored = list(conn.execute(sa.select(t.dossiers.c.id)).scalars())
            unknown = [u + near_match(did, stored) for u, did in zip(unknown, [d for d in dossier_ids if d not in found], strict=True)]
        foreign = [
            f"dossier « {did} » ({found[did].certification}) : la session « {session_id} » ne couvre pas cette certification ({', '.join(certs)})"
            for did in dossier_ids
            if did in found and found[did].certification not in certs
        ]
        current = {}
        for chunk in chunks([did for did in dossier_ids if did in found]):
            q = sa.select(t.passages).where(t.passages.c.session_id == session_id, t.passages.c.dossier_id.in_(list(chunk))).order_by(t.passages.c.id)
            current.update({r.dossier_id: r for r in conn.execute(q)})  # the latest record of each dossier
        wanted = (absent, excuse)
        decided = [
            f"dossier « {did} » : le jury a déjà enregistré des décisions à cette session ({_decisions_text(current[did].decisions)}) ; "
            f"il ne peut pas y être {'absent' if absent else 'excusé'}"
            for did in dossier_ids
            if (absent or excuse) and did in current and (bool(current[did].absent), bool(current[did].excuse)) != wanted
            and json.loads(current[did].decisions)
        ]
        rules = rules_of(store.registry)
        # Recording a passage recomputes the dossier's deadlines with the engine: its référentiel must be installed.
        without_rules = [
            f"dossier « {did} » ({found[did].certification} {found[did].version_referentiel}) : {why}"
            for did in dossier_ids
            if did in found and found[did].certification in certs
            and (why := no_rules(store.registry, rules, found[did].certification, [found[did].version_referentiel])) is not None
        ]
        problems = unknown + foreign + decided + without_rules
        if len(problems) == 1:
            raise (NotFoundError if unknown else StoreConflictError)(problems[0])
        if problems:
            raise StoreConflictError(
                f"aucun dossier présenté à la session « {session_id} » ({len(problems)} problèmes) :\n" + "\n".join(f"  {p}" for p in problems)
            )
        audit = AuditWriter(conn, operateur, now())
        rows = []
        for did in dossier_ids:
            previous = current.get(did)
            if previous is not None:
                recorded = (bool(previous.absent), bool(previous.excuse))
                if not (absent or excuse or present) or recorded == wanted:
                    out.append((did, "déjà présenté" + _presence_text(*recorded)))
                    continue
                rows.append(
                    {
                        "dossier_id": did, "session_id": session_id, "date": previous.date, "absent": absent, "excuse": excuse,
                        "decisions": previous.decisions, "notes": previous.notes, "origine": "jury", "remplace_id": previous.id,
                        "motif": "", "enregistre_le": audit.horodatage, "operateur": operateur,
                    }
                )
                audit.add(
                    "passage.presence", "dossier", did,
                    {"session": session_id, "absent": absent, "excuse": excuse, "remplace": previous.id, "ligne": _row_digest(rows[-1])},
                )
                out.append((did, "présence mise à jour" + (_presence_text(absent, excuse) or " (présent)")))
                continue
            rows.append(
                {
                    "dossier_id": did, "session_id": session_id, "date": s.date, "absent": absent, "excuse": excuse,
                    "decisions": "{}", "notes": "", "origine": "jury", "remplace_id": None, "motif": "",
                    "enregistre_le": audit.horodatage, "operateur": operateur,
                }
            )
            audit.add("passage.inscription", "dossier", did, {"session": session_id, "absent": absent, "excuse": excuse, "ligne": _row_digest(rows[-1])})
            out.append((did, "présenté" + _presence_text(absent, excuse)))
        if rows:
            conn.execute(t.passages.insert(), rows)
            refresh(store, conn, [r["dossier_id"] for r in rows])
        audit.flush()
    return out


#: Decisions computed out of the write lock and found changed when written, before one is computed inside it (:func:`decide`).
OPTIMISTIC_TRIES = 3


class _Request(NamedTuple):
    """A decision request checked against the base: the session and dossier rows, the passage it replaces, the
    decisions before and after it."""

    s: Any
    d: Any
    current: Any
    before: dict[str, str]
    merged: dict[str, str]


def decide(
    store: StoreBase, session_id: str, dossier_id: str, decisions: dict[str, str], operateur: str | None = None, *, motif: str = ""
) -> dict[str, Any]:
    """Record the jury's decisions on a dossier at a session; on a closed session, a correction with its ``motif``.

    ``decisions`` maps domaine ids to ``"acquis"`` or ``"non_acquis"``; for a référentiel without
    domaines, its one key is ``certification`` (the whole certification, see
    :data:`~cqpkit.model.CERTIFICATION_ENTIERE`), stored as such in ``passages.decisions``. Returns
    ``{"statut": "enregistré" | "corrigé" | "inchangé", "passage": id, "remplace": id | None}``.

    The engine's work (the contrary decisions, the dossier's new deadlines and stored results) is done out of the
    writing transaction, on the dossier as read just before (:mod:`cqpkit.store.jury_refresh`); the transaction
    writes it only if the dossier has not changed since, else the whole is done again (:data:`OPTIMISTIC_TRIES`
    times, then inside the transaction): concurrent jury members do not wait for each other's engine.
    """
    if not isinstance(decisions, Mapping):
        raise InvalidArgumentError(
            f"decisions : une table domaine → décision est attendue ({{\"D1\": \"acquis\"}}), pas {type(decisions).__name__}"
        )
    if motif is not None and not isinstance(motif, str):
        raise InvalidArgumentError(f"motif : un texte est attendu, pas {type(motif).__name__}")
    from cqpkit.store import jury_refresh

    operateur = operateur or operateur_par_defaut()
    motif = (motif or "").strip()
    for _ in range(OPTIMISTIC_TRIES):
        with store.read() as conn:
            request = _request(store, conn, session_id, dossier_id, decisions, motif)
            if request.current is not None and request.merged == request.before:
                return {"statut": "inchangé", "passage": request.current.id, "remplace": None}
            _require_motive(store, conn, request, session_id, motif)
            snap = jury_refresh.snapshot(conn, dossier_id)
        if snap is None:
            break
        values = _passage_values(request, session_id, dossier_id, motif, "", operateur)
        try:
            done = jury_refresh.computed(store.registry, jury_refresh.with_passage(snap, values), request.d.numero_version)
        except Exception:  # a plugin failing on the dossier: said as before, from inside the transaction
            break
        with store.write() as conn:
            again = _request(store, conn, session_id, dossier_id, decisions, motif)
            if again.current is not None and again.merged == again.before:
                return {"statut": "inchangé", "passage": again.current.id, "remplace": None}
            if again == request and jury_refresh.still(conn, snap):
                return _record(store, conn, again, session_id, dossier_id, motif, operateur, done)
    with store.write() as conn:
        request = _request(store, conn, session_id, dossier_id, decisions, motif)
        if request.current is not None and request.merged == request.before:
            return {"statut": "inchangé", "passage": request.current.id, "remplace": None}
        _require_motive(store, conn, request, session_id, motif)
        return _record(store, conn, request, session_id, dossier_id, motif, operateur, None)


def _request(store: StoreBase, conn: sa.Connection, session_id: str, dossier_id: str, decisions: Mapping[str, str], motif: str) -> _Request:
    """The decision request checked against the base (no engine): every refusal raised, with its reason."""
    s = store.session_row(conn, session_id)
    d = store.dossier_row(conn, dossier_id)
    certs = json.loads(s.certifications)
    if d.certification not in certs:
        raise StoreConflictError(
            f"dossier « {dossier_id} » ({d.certification}) : la session « {session_id} » ne couvre pas cette certification ({', '.join(certs)})"
        )
    store.require_rules(d)
    ref = store.registry.referentiel(d.certification, version=d.version_referentiel)
    problems = _decision_problems(decisions, [x.id for x in ref.domaines], f"{d.certification} {d.version_referentiel}")
    if problems:
        raise StoreConflictError("décisions refusées :\n" + "\n".join(f"  {p}" for p in problems))
    rows = conn.execute(
        sa.select(t.passages).where(t.passages.c.dossier_id == dossier_id, t.passages.c.session_id == session_id).order_by(t.passages.c.id)
    ).all()
    current = rows[-1] if rows else None
    if current is not None and (current.absent or current.excuse):
        what = "absent" if current.absent else "excusé"
        raise StoreConflictError(
            f"dossier « {dossier_id} » enregistré {what} à la session « {session_id} » : le jury ne décide pas sur un candidat "
            f"qui n'est pas passé (s'il est venu : cqpkit jury add {session_id} {dossier_id} --present)"
        )
    if s.cloturee:
        if current is None:
            raise StoreConflictError(
                f"session « {session_id} » close : le dossier « {dossier_id} » n'y est pas passé, il n'y a rien à corriger"
            )
        if not motif:
            raise StoreConflictError(
                f"session « {session_id} » close le {jour(s.cloturee_le)} : ses décisions ne changent pas ; "
                "une correction est un nouvel enregistrement motivé (ajoutez --motif « … »)"
            )
    before = json.loads(current.decisions) if current is not None else {}
    return _Request(s, d, current, before, {**before, **decisions})


def _require_motive(store: StoreBase, conn: sa.Connection, request: _Request, session_id: str, motif: str) -> None:
    """Raise :class:`MotiveRequired` when the decision, without its motive, is contrary to the final evaluation."""
    if motif:  # a correction (closed session) has its motive already: checked by _request
        return
    s, d, current = request.s, request.d, request.current
    contrary = contrary_decisions(store, conn, d, session_id, current.date if current is not None else s.date, request.before, request.merged)
    if contrary:
        doms = ", ".join(sorted({str(c.valeurs.get("domaine", "")) for c in contrary}, key=_domain_key))
        raise MotiveRequired(
            f"dossier « {d.id} » à la session « {session_id} » : décision contraire à l'évaluation finale ({doms} acquis) : "
            "un motif est obligatoire (--motif « … ») ; rien n'a été enregistré",
            contrary,
        )


def _passage_values(request: _Request, session_id: str, dossier_id: str, motif: str, horodatage: str, operateur: str) -> dict[str, Any]:
    """The row of ``passages`` the decision writes."""
    s, current = request.s, request.current
    return {
        "dossier_id": dossier_id, "session_id": session_id,
        "date": current.date if current is not None else s.date,
        "absent": bool(current.absent) if current is not None else False,
        "excuse": bool(current.excuse) if current is not None else False,
        "decisions": canonical(request.merged), "notes": current.notes if current is not None else "",
        "origine": "correction" if s.cloturee else "jury", "remplace_id": current.id if current is not None else None, "motif": motif,
        "enregistre_le": horodatage, "operateur": operateur,
    }


def _record(
    store: StoreBase, conn: sa.Connection, request: _Request, session_id: str, dossier_id: str, motif: str, operateur: str, done: Any
) -> dict[str, Any]:
    """Write the decision's passage, its audit entry, and the dossier's deadlines and stored results: ``done`` (computed
    before the transaction, :func:`cqpkit.store.jury_refresh.computed`), or computed here (``None``)."""
    from cqpkit.store import jury_refresh

    s = request.s
    horodatage = now()
    values = _passage_values(request, session_id, dossier_id, motif, horodatage, operateur)
    conn.execute(t.passages.insert(), [values])
    new_id = conn.execute(
        sa.select(sa.func.max(t.passages.c.id)).where(t.passages.c.dossier_id == dossier_id, t.passages.c.session_id == session_id)
    ).scalar_one()
    audit = AuditWriter(conn, operateur, horodatage)
    details = {"session": session_id, "decisions": request.merged, "passage": new_id, "remplace": values["remplace_id"], "ligne": _row_digest(values)}
    if motif:
        details["motif"] = motif
    audit.add("passage.correction" if s.cloturee else "passage.decision", "dossier", dossier_id, details)
    if done is None:
        refresh(store, conn, [dossier_id])
    else:
        jury_refresh.write(conn, [dossier_id], done)
    audit.flush()
    return {"statut": "corrigé" if s.cloturee else "enregistré", "passage": new_id, "remplace": values["remplace_id"]}


def contrary_decisions(
    store: StoreBase, conn: sa.Connection, row: Any, session_id: str, day: Any, before: Mapping[str, str], merged: Mapping[str, str]
) -> list[Any]:
    """The engine's findings (:data:`NEEDS_MOTIVE`: ``decision_contraire``) that recording ``merged`` at this session adds.

    The stored dossier as the engines see it, its passage at ``session_id`` (dated ``day``) holding ``merged``
    instead of ``before``, decided as of ``day`` (:meth:`Registry.decide`). Only the domaines this record makes
    « acquis » count: a contrary decision recorded earlier, with its motive, is not asked for one again.
    """
    from cqpkit.model import PassageJury
    from cqpkit.store.deadlines import engine_dossiers

    dossier = engine_dossiers(conn, [row.id], people=False).get(row.id)
    if dossier is None:
        return []
    passages = list(dossier.passages)
    index = next((i for i, p in enumerate(passages) if p.session == session_id), None)
    if index is None:
        passages.append(PassageJury(session=session_id, date=day, decisions=dict(merged)))  # type: ignore[arg-type]
        index = len(passages) - 1
    else:
        passages[index] = attrs.evolve(passages[index], decisions=dict(merged))
    new = {dom for dom, value in merged.items() if value == "acquis" and before.get(dom) != "acquis"}
    if not new:
        return []
    from cqpkit.plugins.hookcalls import HookFailure

    try:
        resultat = store.registry.decide(attrs.evolve(dossier, passages=tuple(passages)), day)
    except HookFailure:  # a plugin failing on the dossier: the engine cannot say it is contrary (``jury show`` names the plugin)
        return []
    prefix = f"passages[{index}].decisions."
    return [
        c for c in resultat.constats
        if c.code in NEEDS_MOTIVE and (c.chemin or "").startswith(prefix) and (c.chemin or "")[len(prefix):] in new
    ]


def close_session(store: StoreBase, session_id: str, operateur: str | None = None, *, force: bool = False) -> list[Any]:
    """Close a session after checking it with the engine (composition, presidency, passages).

    Error findings refuse the closing (:class:`StoreConflictError`) unless ``force``; the
    findings are returned.
    """
    operateur = operateur or operateur_par_defaut()
    with store.write() as conn:
        s = store.session_row(conn, session_id)
        if s.cloturee:
            raise StoreConflictError(f"session « {session_id} » déjà close (le {jour(s.cloturee_le)})")
        ids = presented(conn, session_id)
        missing = store.session_without_rules(conn, s, ids)
        if missing:  # the engine checks the session before it is closed, even with --forcer
            raise StoreConflictError(
                f"session « {session_id} » non close : le moteur ne peut pas la contrôler ici\n" + "\n".join(f"  {m}" for m in missing)
            )
        constats = session_findings(store, conn, s, ids)
        errors = [c for c in constats if c.niveau == "erreur"]
        if errors and not force:
            lines = "\n".join(f"  {c.code} — {c.message}" for c in errors)
            raise ClosingRefused(
                f"session « {session_id} » non close : {len(errors)} constat(s) bloquant(s) (corrigez, ou --forcer pour clore quand même)\n{lines}",
                constats,
            )
        horodatage = now()
        conn.execute(t.sessions.update().where(t.sessions.c.id == session_id).values(cloturee=True, cloturee_le=horodatage, modifie_le=horodatage))
        audit = AuditWriter(conn, operateur, horodatage)
        audit.add("session.cloture", "session", session_id, {"dossiers": len(ids), "constats": sorted({c.code for c in constats}), "forcee": bool(errors)})
        audit.flush()
        return constats


def _domain_key(dom: str) -> tuple:
    """``D2`` before ``D10``: digits compared as numbers."""
    return tuple(int(x) if x.isdigit() else x for x in re.split(r"(\d+)", dom))


def _decision_problems(decisions: Mapping[str, Any], known: Sequence[str], ref_label: str) -> list[str]:
    """Why the jury's ``decisions`` cannot be recorded for a référentiel whose domaines are ``known``.

    Per domaine where the référentiel defines domaines; on the whole certification
    (``certification``) where it defines none, a partial award being impossible there.
    """
    whole = CERTIFICATION_ENTIERE
    problems = []
    for dom, value in decisions.items():
        if dom == whole and known:
            problems.append(
                f"décision sur la certification entière refusée : {ref_label} définit ses domaines ({', '.join(known)}) ; "
                f"le jury décide domaine par domaine (ex. {known[0]}=acquis)"
            )
        elif dom != whole and not known:
            problems.append(
                f"décision sur le domaine « {dom} » refusée : {ref_label} ne définit pas ses domaines : seule une décision sur la "
                f"certification entière ({whole}=acquis ou {whole}=non_acquis) peut être enregistrée ; "
                "une délivrance partielle, par domaine, y est impossible"
            )
        elif dom != whole and dom not in known:
            problems.append(f"domaine « {dom} » inconnu de {ref_label} (domaines : {', '.join(known)})")
        if value not in ("acquis", "non_acquis"):
            problems.append(f"décision « {value} » invalide pour {dom} (valeurs possibles : acquis, non_acquis)")
    return problems


def sorted_decisions(decisions: dict[str, str]) -> dict[str, str]:
    return {k: decisions[k] for k in sorted(decisions, key=_domain_key)}


def changed(before: dict[str, str], after: dict[str, str]) -> dict[str, dict[str, str | None]]:
    """What a record changed in the decisions of the one it replaces: ``{domaine: {avant, apres}}``."""
    keys = sorted(set(before) | set(after), key=_domain_key)
    return {k: {"avant": before.get(k), "apres": after.get(k)} for k in keys if before.get(k) != after.get(k)}


def _row_digest(v: Mapping[str, Any]) -> str:
    """:func:`passage_digest` of a passage row about to be written (what the log records of it: ``db verify``)."""
    return passage_digest(
        v["session_id"], v["date"].isoformat(), v["absent"], v["excuse"], v["decisions"], v["notes"], v["origine"], v["remplace_id"], v["motif"]
    )


def _presence_text(absent: bool, excuse: bool) -> str:
    return " (absent)" if absent else (" (excusé)" if excuse else "")


def _decisions_text(decisions: str) -> str:
    return ", ".join(f"{dom} {value}" for dom, value in sorted(json.loads(decisions).items(), key=lambda kv: _domain_key(kv[0])))
