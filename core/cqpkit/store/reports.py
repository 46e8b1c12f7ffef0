"""The campaign reports: deadlines in a window of dates, and the campaign's figures per certification.

Every figure comes from the engine (:meth:`Registry.decide`, :meth:`Registry.check`,
:meth:`Registry.funding`) or from the deadlines the store keeps (``echeances``). A certification whose
référentiel no loaded plugin supplies is left out and named (``certifications_ignorees``); one whose
plugin fails on one of its dossiers (:class:`~cqpkit.plugins.hookcalls.HookFailure`) is left out of every
figure and named with the plugin, the hook and the line that raised (``certifications_non_evaluees``):
the other certifications are computed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from cqpkit.exceptions import InvalidArgumentError
from cqpkit.plugins.hookcalls import HookFailure
from cqpkit.rules.asof import as_of_day
from cqpkit.store import schema as t
from cqpkit.store.availability import count_dossiers, left_out, no_rules, rules_of
from cqpkit.store.base import StoreBase
from cqpkit.store.deadlines import engine_dossiers
from cqpkit.store.errors import StoreConflictError
from cqpkit.store.sql import chunks, stored_certifications
from cqpkit.store.views import dossier_ids

__all__ = ["campaign", "deadlines"]


def deadlines(store: StoreBase, as_of: dt.date, within: int, certification: str | None = None) -> dict[str, Any]:
    """Deadlines falling in the next ``within`` days, and those passed in the last ``within`` days.

    Two range scans of the date index of ``echeances`` (the query costs what the window holds,
    not what the store holds). A certification of the base whose référentiel no loaded plugin
    supplies is left out and named in ``certifications_ignorees`` (``{certification, dossiers,
    raison}``: found with one index lookup per stored certification), and so are the deadlines of
    the window whose dossier follows a référentiel version no loaded plugin supplies. Asked for
    with ``certification``, a certification whose plugin is missing raises :class:`StoreConflictError`.
    """
    as_of = as_of_day(as_of)
    if isinstance(within, bool) or not isinstance(within, int) or within < 0:
        raise InvalidArgumentError(f"within doit être un nombre entier de jours positif ou nul, pas {within!r}")
    e, d = t.echeances, t.dossiers
    horizon = _shift(as_of, within)  # a window beyond the calendar stops at its ends
    since = _shift(as_of, -within)
    rules = rules_of(store.registry)
    left: dict[str, tuple[int, str]] = {}
    versions_missing: dict[str, set[str]] = defaultdict(set)

    def count(conn: sa.Connection, cid: str, versions: Iterable[str] | None = None) -> int:
        q = sa.select(sa.func.count()).select_from(d).where(d.c.certification == cid)
        if versions is not None:
            q = q.where(d.c.version_referentiel.in_(sorted(versions)))
        return conn.execute(q).scalar_one()

    def window(conn: sa.Connection, lo: dt.date, hi: dt.date, hi_inclusive: bool) -> list[dict[str, Any]]:
        q = (
            sa.select(e.c.certification, e.c.type, e.c.domaine, e.c.date, e.c.depuis, e.c.dossier_id, d.c.candidat_id, d.c.voie,
                      d.c.version_referentiel)
            .join(d, d.c.id == e.c.dossier_id)
            .where(e.c.date >= lo, e.c.date <= hi if hi_inclusive else e.c.date < hi)
            .order_by(e.c.certification, e.c.date, e.c.dossier_id, e.c.domaine)
        )
        if certification:
            q = q.where(e.c.certification == certification)
        if left:
            q = q.where(e.c.certification.not_in(sorted(left)))
        out = []
        for r in conn.execute(q):
            if r.version_referentiel not in rules.get(r.certification, ()):
                versions_missing[r.certification].add(r.version_referentiel)
                continue
            out.append(
                {"certification": r.certification, "type": r.type, "domaine": r.domaine or None, "date": r.date.isoformat(),
                 "depuis": r.depuis.isoformat(), "dossier": r.dossier_id, "candidat": r.candidat_id, "voie": r.voie,
                 "jours": (r.date - as_of).days, "version": r.version_referentiel}
            )
        return out

    with store.read() as conn:
        if certification:
            stored = [certification] if conn.execute(sa.select(d.c.id).where(d.c.certification == certification).limit(1)).first() else []
        else:
            stored = stored_certifications(conn)
        for cid in stored:
            if cid not in rules:
                left[cid] = (count(conn, cid), no_rules(store.registry, rules, cid) or "")
        if certification and left:
            n, why = left[certification]
            raise StoreConflictError(f"certification « {certification} » ({count_dossiers(n)} dans la base {store.target.label}) : {why}")
        out = {
            "date": as_of.isoformat(),
            "jours": within,
            "a_venir": window(conn, as_of, horizon, True),
            "passees": window(conn, since, as_of, False),
        }
        for cid, versions in versions_missing.items():
            left[cid] = (count(conn, cid, versions), no_rules(store.registry, rules, cid, versions) or "")
        out["certifications_ignorees"] = left_out(left)
        if certification and not out["a_venir"] and not out["passees"] and not versions_missing:
            store.check_certification(conn, certification)
        return out


def campaign(store: StoreBase, as_of: dt.date, certification: str | None = None) -> dict[str, Any]:
    """Per certification: dossiers, candidates, routes, awards (full, partial), failures, deadlines missed, funding.

    Every figure comes from the engine as of ``as_of`` (:meth:`Registry.decide`,
    :meth:`Registry.check` for the first-jury deadline, :meth:`Registry.funding`). The dossiers
    whose référentiel no loaded plugin supplies (the certification's plugin is not installed or
    not loaded, or it does not supply that version) are left out of every figure and named per
    certification in ``certifications_ignorees`` (``{certification, dossiers, raison}``); asked
    for with ``certification``, a certification whose plugin is missing raises
    :class:`StoreConflictError`. A certification whose plugin fails on one of its dossiers is left
    out of every figure too, and named in ``certifications_non_evaluees`` (``{certification, dossiers,
    dossier, extension, crochet, lieu, raison}``: the first dossier it failed on). ``sessions`` lists every stored session, ``a_venir`` being true
    for those dated after ``as_of``.
    """
    as_of = as_of_day(as_of)
    ids = dossier_ids(store, certification)
    rules = rules_of(store.registry)
    if certification and ids and certification not in rules:
        why = no_rules(store.registry, rules, certification)
        raise StoreConflictError(f"certification « {certification} » ({count_dossiers(len(ids))} dans la base {store.target.label}) : {why}")
    if certification and not ids:
        with store.read() as conn:
            store.check_certification(conn, certification)
    stats: dict[str, dict[str, Any]] = {}
    all_candidates: set[str] = set()
    left: dict[str, Counter] = defaultdict(Counter)  # certification -> référentiel version -> dossiers left out
    failed: dict[str, tuple[str, Any]] = {}  # certification -> (dossier, HookFailure): its figures are left out
    for chunk in chunks(ids, 2000):
        with store.read() as conn:
            dossiers = engine_dossiers(conn, chunk)
            cands = {r.id: r.candidat_id for r in conn.execute(sa.select(t.dossiers.c.id, t.dossiers.c.candidat_id).where(t.dossiers.c.id.in_(list(chunk))))}
        for did in chunk:
            d = dossiers[did]
            cid = d.dossier.certification
            if d.dossier.version not in rules.get(cid, ()):
                left[cid][d.dossier.version] += 1  # the engines cannot read it here: said, not counted
                continue
            s = stats.setdefault(cid, _empty_stats(cid, store.registry))
            s["dossiers"] += 1
            s["_candidats"].add(cands[did])
            voie = "vae" if d.dossier.voie == "vae" else "formation"
            s[voie] += 1
            if d.dossier.inscription > as_of:
                s["a_venir"] += 1
                continue
            if cid in failed:
                continue  # its plugin already failed: the certification is left out, its dossiers only counted
            try:
                _evaluate(store.registry, d, as_of, s)
            except HookFailure as exc:
                failed[cid] = (did, exc)
    for cid in failed:  # a certification its plugin failed on is listed apart, not counted (totals included)
        stats[cid]["_echec"] = failed[cid]
    non_evaluees = [_not_evaluated(stats.pop(cid)) for cid in sorted(failed)]
    for s in stats.values():
        all_candidates |= s["_candidats"]
    rows = []
    for cid in sorted(stats):
        s = stats[cid]
        s["candidats"] = len(s.pop("_candidats"))
        for k in _MONEY:
            s[k] = round(s[k], 2)
        rows.append(s)
    total = _empty_stats("total", None)
    total.pop("_candidats")
    for s in rows:
        for k, v in s.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                total[k] += v
    for k in _MONEY:
        total[k] = round(total[k], 2)
    total["intitule"] = "Total"
    total["candidats"] = len(all_candidates)
    with store.read() as conn:
        sessions = conn.execute(sa.select(t.sessions.c.id, t.sessions.c.date, t.sessions.c.certifications, t.sessions.c.cloturee).order_by(t.sessions.c.date, t.sessions.c.id)).all()
    return {
        "date": as_of.isoformat(),
        "certifications": rows,
        "total": total,
        "sessions": [
            {"session": r.id, "date": r.date.isoformat(), "certifications": json.loads(r.certifications), "close": bool(r.cloturee),
             "a_venir": r.date > as_of}
            for r in sessions
            if not certification or certification in json.loads(r.certifications)
        ],
        "certifications_ignorees": left_out(
            {cid: (sum(v.values()), no_rules(store.registry, rules, cid, v) or "") for cid, v in left.items()}
        ),
        "certifications_non_evaluees": non_evaluees,
    }


def _evaluate(registry: Any, d: Any, as_of: dt.date, s: dict[str, Any]) -> None:
    """Add one dossier's decision, deadlines missed and funding to its certification's figures ``s``.

    Raises :class:`HookFailure` when a plugin fails on the dossier, before ``s`` is changed.
    """
    r = registry.decide(d, as_of)
    constats = registry.check(d, as_of, resultat=r)
    lines = registry.funding(d, as_of, resultat=r)
    key = {"certifie": "certifies", "partiel": "partiels", "non_acquis": "echecs", "expire": "expires", "en_cours": "en_cours"}[r.statut]
    s[key] += 1
    if any(c.code == "premier_passage_hors_delai" for c in constats):
        s["delais_depasses"] += 1
    # A funding line whose event has no barème is not summed: counted, so that a total is never read as complete.
    s["lignes_sans_bareme"] += sum(1 for c in constats if c.code == "bareme_inconnu")
    for line in lines:
        # Costs, funding and rewards are kept apart: what a training costs is not added to what is paid for it.
        nature = getattr(line, "nature", "financement")
        s[f"{nature}_{'points' if line.en == 'point' else 'euro'}"] += line.montant


def _not_evaluated(s: dict[str, Any]) -> dict[str, Any]:
    """An entry of ``certifications_non_evaluees``: the certification, its dossiers, the dossier, plugin, hook, line and reason."""
    did, exc = s["_echec"]
    return {
        "certification": s["certification"], "dossiers": s["dossiers"], "dossier": did, "extension": exc.plugin,
        "crochet": exc.hook, "lieu": exc.lieu, "raison": exc.raison,
    }


def _shift(day: dt.date, days: int) -> dt.date:
    """``day`` moved by ``days`` days, kept within the calendar (``date.min``, ``date.max``)."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


def _empty_stats(cid: str, registry: Any) -> dict[str, Any]:
    intitule = cid
    if registry is not None:
        for r in registry.fiches():
            if r.id == cid:
                intitule = r.intitule
    return {
        "certification": cid, "intitule": intitule, "dossiers": 0, "candidats": 0, "_candidats": set(), "formation": 0, "vae": 0,
        "certifies": 0, "partiels": 0, "echecs": 0, "expires": 0, "en_cours": 0, "a_venir": 0, "delais_depasses": 0,
        "lignes_sans_bareme": 0, **dict.fromkeys(_MONEY, 0.0),
    }


#: The funding sums of the campaign report, per nature of line (``LigneFinancement.nature``) and unit.
_MONEY = tuple(f"{n}_{u}" for n in ("cout", "financement", "gratification") for u in ("euro", "points"))
