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
from cqpkit.rules.asof import as_of_day
from cqpkit.store import counters
from cqpkit.store import schema as t
from cqpkit.store.availability import count_dossiers, left_out, no_rules, rules_of
from cqpkit.store.base import StoreBase
from cqpkit.store.deadlines import engine_dossiers
from cqpkit.store.errors import StoreConflictError
from cqpkit.store.results import fingerprints
from cqpkit.store.sql import stored_certifications

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


def campaign(store: StoreBase, as_of: dt.date, certification: str | None = None, *, refresh: bool = False) -> dict[str, Any]:
    """Per certification: dossiers, candidates, routes, awards (full, partial), failures, deadlines missed, funding.

    Every figure comes from the engine as of ``as_of`` (:meth:`Registry.decide`,
    :meth:`Registry.check` for the first-jury deadline, :meth:`Registry.funding`), through the results the
    store keeps as intervals of dates (:mod:`cqpkit.store.results`): aggregate SQL, no engine call, on the counters
    the database keeps of them (:mod:`cqpkit.store.migration9`, read by :mod:`cqpkit.store.counters`): what it reads
    does not grow with the number of stored dossiers. Results
    that are stale (a référentiel, a plugin or cqpkit changed since they were computed) or missing raise
    :class:`~cqpkit.store.refresh.StaleResultsError` naming ``cqpkit db refresh``; with ``refresh`` they are
    recomputed first (:func:`cqpkit.store.refresh.refresh`). The dossiers
    whose référentiel no loaded plugin supplies (the certification's plugin is not installed or
    not loaded, or it does not supply that version) are left out of every figure and named per
    certification in ``certifications_ignorees`` (``{certification, dossiers, raison}``); asked
    for with ``certification``, a certification whose plugin is missing raises
    :class:`StoreConflictError`. A certification whose plugin fails on one of its dossiers is left
    out of every figure too, and named in ``certifications_non_evaluees`` (``{certification, dossiers,
    dossier, extension, crochet, lieu, raison}``: the first dossier it failed on). ``sessions`` lists every stored session, ``a_venir`` being true
    for those dated after ``as_of``.
    """
    from cqpkit.store import refresh as fresh

    as_of = as_of_day(as_of)
    rules = rules_of(store.registry)
    p = t.resultat_periodes
    with store.read() as conn:
        groups = counters.dossier_groups(conn, certification)  # the counters of migration 9: no scan of the dossiers
        n_ids = sum(g[3] for g in groups)
        if certification and n_ids and certification not in rules:
            why = no_rules(store.registry, rules, certification)
            raise StoreConflictError(f"certification « {certification} » ({count_dossiers(n_ids)} dans la base {store.target.label}) : {why}")
        if certification and not n_ids:
            store.check_certification(conn, certification)
        stale = counters.stale_counts(conn, groups, fingerprints(store.registry))
        if stale and not refresh:
            # A stale dossier that no longer loads says so first (as the engine would): refresh could not help.
            engine_dossiers(conn, fresh.stale_ids(conn, store, 50, None, certification))
    if stale and refresh:
        fresh.refresh(store, certification=certification)
    elif stale:
        n = sum(stale.values())
        detail = ", ".join(f"{cid} : {v}" for cid, v in sorted(stale.items()))
        raise fresh.StaleResultsError(
            f"résultats à recalculer pour {count_dossiers(n)} ({detail}) dans la base {store.target.label} : un référentiel, une extension "
            "ou cqpkit a changé depuis leur calcul, ou ils n'ont pas encore été calculés ; lancez « cqpkit db refresh » "
            "(ou « cqpkit report campaign --refresh »)"
        )
    stats: dict[str, dict[str, Any]] = {}
    left: dict[str, Counter] = defaultdict(Counter)  # certification -> référentiel version -> dossiers left out
    for cid, version, voie, n in groups:
        if version not in rules.get(cid, ()):
            left[cid][version] += n  # the engines cannot read it here: said, not counted
            continue
        s = stats.setdefault(cid, _empty_stats(cid, store.registry))
        s["dossiers"] += n
        s["vae" if voie == "vae" else "formation"] += n
    active = sa.and_(p.c.debut <= as_of, sa.or_(p.c.fin.is_(None), p.c.fin > as_of))
    failed_flag = p.c.echec.is_not(None)
    failing: set[str] = set()
    with store.read() as conn:
        # The intervals holding D: the days <= D of the per-day sums (migration 9), not the intervals themselves.
        for row in counters.active_sums(conn, as_of, certification):
            cid, version, statut, late, failed, n, sans = row[:7]
            if cid not in stats or version not in rules.get(cid, ()):
                continue
            if failed:
                failing.add(cid)
                continue
            s = stats[cid]
            s[_STATUS[statut]] += n
            if statut == "a_venir":
                continue
            if late:
                s["delais_depasses"] += n
            s["lignes_sans_bareme"] += int(sans or 0)
            for k, v in zip(_MONEY, row[7:], strict=True):
                s[k] += float(v or 0.0)
        non_evaluees = []
        for cid in sorted(failing):
            versions = sorted(rules.get(cid, ()))
            first = conn.execute(
                sa.select(p.c.dossier_id, p.c.echec).where(active, failed_flag, p.c.certification == cid, p.c.version_referentiel.in_(versions))
                .order_by(p.c.dossier_id).limit(1)
            ).one()
            s = stats.pop(cid)
            non_evaluees.append({"certification": cid, "dossiers": s["dossiers"], "dossier": first.dossier_id, **json.loads(first.echec)})
        counted = sorted(stats)
        per_cert, everyone = _candidates(conn, counted, rules, set(left), {g[0] for g in groups})
    rows = []
    for cid in counted:
        s = stats[cid]
        s.pop("_candidats")
        s["candidats"] = per_cert.get(cid, 0)
        for k in _MONEY:
            s[k] = round(s[k], 2) + 0.0
        rows.append(s)
    total = _empty_stats("total", None)
    total.pop("_candidats")
    for s in rows:
        for k, v in s.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                total[k] += v
    for k in _MONEY:
        total[k] = round(total[k], 2) + 0.0
    total["intitule"] = "Total"
    total["candidats"] = everyone
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


def _candidates(
    conn: sa.Connection, certifications: list[str], rules: dict[str, set[str]], partial: set[str], stored: set[str]
) -> tuple[dict[str, int], int]:
    """The distinct candidates per certification and over them all, among the dossiers of the référentiel versions loaded.

    From the counters of migration 9 (``compte_candidats_distincts``), which count every version of a certification
    and every certification of the base; a certification with a version no plugin supplies (``partial``) and the
    total over a part of the base's certifications (``stored``) are counted on the dossiers instead (a scan).
    """
    if not certifications:
        return {}, 0
    per, everyone = counters.candidates(conn, certifications)
    if len(certifications) == 1 and not partial & set(certifications):
        return per, per[certifications[0]]
    if partial & set(certifications) or set(certifications) != stored:
        return _scan_candidates(conn, certifications, rules)
    return per, everyone


def _scan_candidates(conn: sa.Connection, certifications: list[str], rules: dict[str, set[str]]) -> tuple[dict[str, int], int]:
    """:func:`_candidates` on the dossiers themselves (a scan of the certifications' dossiers)."""
    d = t.dossiers
    where = sa.or_(*(sa.and_(d.c.certification == cid, d.c.version_referentiel.in_(sorted(rules[cid]))) for cid in certifications))
    per = dict(conn.execute(sa.select(d.c.certification, sa.func.count(sa.distinct(d.c.candidat_id))).where(where).group_by(d.c.certification)).all())
    if len(per) <= 1:  # one certification (or none): its own count, without a second scan of every dossier
        return per, sum(per.values())
    everyone = conn.execute(sa.select(sa.func.count(sa.distinct(d.c.candidat_id))).where(where)).scalar_one()
    return per, everyone


#: The status of an interval (:mod:`cqpkit.store.results`) → the campaign's figure.
_STATUS = {"certifie": "certifies", "partiel": "partiels", "non_acquis": "echecs", "expire": "expires", "en_cours": "en_cours", "a_venir": "a_venir"}


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
