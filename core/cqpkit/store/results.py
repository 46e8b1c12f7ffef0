"""Stored results: what the engine concludes about each dossier, as intervals of dates over which it holds.

For every dossier the store keeps a row of ``resultats`` (the référentiel version, the dossier version,
and the **fingerprint** of what produced it: :func:`fingerprint`) and the rows of ``resultat_periodes``:
the dossier's figures of ``cqpkit report campaign`` as intervals ``[debut, fin)`` (``fin`` ``NULL``: open)
over which the engine's answer does not change — the status (``a_venir`` before registration), the first
passage late, the funding lines without a barème, the six sums of money, and a plugin's failure (its
details as JSON). « As of D » is then a ``WHERE debut <= D AND (fin IS NULL OR fin > D)``.

How the intervals are found (:func:`periods`): the candidate boundaries are every date of the dossier
(registration, evaluations, passages…: the answer moves ON that day), and the day after every date that
ends something — the dossier's deadlines, the dates in the engine's answers (validity ends, certification
date, funding event dates) that are not the dossier's own, and the first passage's deadline when the first
passage came after it (the finding ``premier_passage_hors_delai`` appears the day after a date no answer
names). The engine is asked once per candidate day, through the registry (:meth:`Registry.assess`: the decision, the
findings of the two codes counted and the funding lines in one pass), new dates in its answers
adding candidates until none is new. Between two asked days whose answers differ, the day before the later
one is asked too — for an answer's date, that is the date itself (a rule comparing with ``>=`` moves the
answer on it): it is asked only then, as that day before, and compared with its own day before in turn;
a change on a day no date names is found by halving. Equal neighbours are merged. The référentiel's own
dates (vigueur, barèmes) are not candidates: the answer as of a day moves with the dossier's events and
the dates the answers name (a barème applies at its event's date, whatever the as-of day), and a change
elsewhere is still found by that halving. One decision per day is asked once (:class:`_Decisions`: the
deadlines and the day's answer share it), and the import gives the deadlines it computed
(``echeances``). Issue 16: 12 → 9 asks per dossier of the bench, then 8.9 → 7.7 (27.5 → 23.1 engine
calls), then one registry call per ask (:meth:`Registry.assess`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import operator
import re
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

import attrs
import sqlalchemy as sa

from cqpkit.store import schema as t

__all__ = [
    "MONEY", "Periode", "fingerprint", "fingerprints", "forget_results", "insert_results", "periods", "rebuild_results", "result_rows",
    "write_results",
]

#: The funding sums kept per interval, per nature of line and unit (the campaign report's order).
MONEY = tuple(f"{n}_{u}" for n in ("cout", "financement", "gratification") for u in ("euro", "points"))

#: The first day an interval can start: before registration the dossier is « à venir ».
FIRST_DAY = dt.date(1, 1, 1)

#: The only finding codes the campaign counts: the others are not asked (:meth:`Registry.check_codes`).
_CODES = frozenset({"premier_passage_hors_delai", "bareme_inconnu"})
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAY = dt.timedelta(days=1)
#: At most this many days asked to the engine per dossier (a plugin whose answer never settles).
_MAX_ASKED = 2000


def _far(day: dt.date) -> dt.date:
    """A day far after ``day`` (a hundred years, within the calendar): the last interval is checked up to it."""
    try:
        return day + dt.timedelta(days=36525)
    except OverflowError:
        return dt.date.max


class Periode(NamedTuple):
    """The engine's answer on ``[debut, fin)``: what the campaign report counts for the dossier."""

    debut: dt.date
    fin: dt.date | None
    statut: str
    hors_delai: bool
    sans_bareme: int
    montants: tuple[float, ...]
    echec: str | None


_FINGERPRINTS: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], str]] = weakref.WeakKeyDictionary()


def fingerprints(registry: Any) -> dict[tuple[str, str], str]:
    """The fingerprint of every référentiel the registry supplies, by ``(certification, version)`` (cached per registry).

    SHA-256 over the référentiel's file bytes (its ``repr`` when it was registered as an object), the name,
    distribution and version of the plugin that supplies it (its hooks compute the dossiers of its
    certifications), and cqpkit's version (the builtin rules): a changed file, an upgraded plugin or cqpkit makes
    the results it produced stale; loading or leaving out another plugin does not.
    """
    try:
        cached = _FINGERPRINTS.get(registry)
    except TypeError:  # not weak-referenceable: computed each time
        cached = None
    if cached is not None:
        return cached
    import cqpkit
    from cqpkit.exceptions import CqpkitError
    from cqpkit.formats.tomlfile import read_bytes

    plugins = {p.name: (p.name, p.distribution, p.version) for p in registry.plugins()}
    out: dict[tuple[str, str], str] = {}
    for fiche in registry.fiches():
        h = hashlib.sha256(json.dumps([cqpkit.__version__, plugins.get(fiche.plugin, fiche.plugin)]).encode())
        content = None
        if fiche.fichier:
            try:
                content = read_bytes(fiche.fichier)
            except CqpkitError:
                content = None
        if content is None:
            content = repr(registry.referentiel(fiche.id, fiche.version)).encode()
        h.update(b"\0" + fiche.id.encode() + b"\0" + fiche.version.encode() + b"\0" + content)
        out[(fiche.id, fiche.version)] = h.hexdigest()
    with contextlib.suppress(TypeError):
        _FINGERPRINTS[registry] = out
    return out


def fingerprint(registry: Any, certification: str, version: str) -> str | None:
    """The fingerprint of one référentiel (:func:`fingerprints`), ``None`` when no loaded plugin supplies it."""
    return fingerprints(registry).get((certification, version))


#: Fields whose values hold no date of the dossier's answer (texts, and sources: the référentiel's dates are taken apart).
_SKIP = frozenset({"source", "sources", "message", "chemin", "regle", "cles", "notes", "libelle", "intitule", "consigne"})
#: Per type met by :func:`_dates`: the getter of its fields' values (an attrs class: a tuple, the fields of ``_SKIP``
#: left out), or ``None`` (not an attrs class).
_GETTERS: dict[type, Callable[[Any], tuple[Any, ...]] | None] = {}


def _getter(kind: type) -> Callable[[Any], tuple[Any, ...]] | None:
    """The getter of :data:`_GETTERS` for ``kind`` (one C call per object: ``operator.attrgetter``)."""
    if not attrs.has(kind):
        return None
    names = tuple(a.name for a in attrs.fields(kind) if a.name not in _SKIP)
    if len(names) > 1:
        return operator.attrgetter(*names)
    if names:
        one = operator.attrgetter(names[0])
        return lambda value: (one(value),)
    return lambda value: ()


def _dates(obj: Any, out: set[dt.date], depth: int = 0) -> None:
    """Every date found in ``obj`` (attrs classes, containers; ISO texts ``AAAA-MM-JJ`` included), to a depth of 12.

    Iterative, each value's type tested before any call: it walks every answer the engine gives (issue 16: it was a
    quarter of the time of the stored results).
    """
    add = out.add
    date, scalars, getters, iso, missing = dt.date, _SCALARS, _GETTERS, _ISO, _getter
    stack: list[tuple[Any, int]] = [(obj, depth)]
    pop, push = stack.pop, stack.append
    while stack:
        value, level = pop()
        kind = type(value)
        if kind is str:
            if len(value) == 10 and value[4] == "-" and iso.match(value):  # most texts are not dates: two cheap tests first
                with contextlib.suppress(ValueError):
                    add(date.fromisoformat(value))
            continue
        if kind is date:
            add(value)
            continue
        if value is None or kind in scalars or level > 12:
            continue
        level += 1
        if kind is tuple or kind is list:
            items: Any = value
        else:
            getter = getters.get(kind, missing)
            if getter is missing:
                getter = getters[kind] = _getter(kind)
            if getter is not None:
                items = getter(value)
            elif isinstance(value, (list, tuple, set, frozenset)):
                items = value
            elif isinstance(value, date):
                add(value.date() if isinstance(value, dt.datetime) else value)
                continue
            elif isinstance(value, dict):
                for k, v in value.items():
                    push((k, level))
                    push((v, level))
                continue
            else:
                continue
        for item in items:
            ikind = type(item)
            if ikind is date:
                add(item)
            elif ikind is str:
                if len(item) == 10 and item[4] == "-":
                    push((item, level))
            elif item is not None and ikind not in scalars:
                push((item, level))


#: Types that hold no date (skipped at once by :func:`_dates`).
_SCALARS = frozenset({bool, int, float})


def _next_days(days: Iterable[dt.date], since: dt.date) -> set[dt.date]:
    """The day after each of ``days`` (from ``since`` on): where an answer moves when a rule compares with ``>``."""
    return {d + _DAY for d in days if d < dt.date.max and d + _DAY >= since}


class _Decisions:
    """The registry as :func:`periods` asks it: :meth:`Registry.decide` kept per day for one dossier (the deadlines
    and the day's answer ask the same decision once); everything else passed through."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry
        self.decided: dict[dt.date, Any] = {}

    def decide(self, dossier: Any, as_of: dt.date) -> Any:
        r = self.decided.get(as_of)
        if r is None:
            r = self.decided[as_of] = self.registry.decide(dossier, as_of)
        return r

    def assess(self, dossier: Any, as_of: dt.date, *, codes: Iterable[str]) -> Any:
        bilan = self.registry.assess(dossier, as_of, codes=codes, resultat=self.decided.get(as_of))
        self.decided.setdefault(as_of, bilan.resultat)
        return bilan

    def __getattr__(self, name: str) -> Any:
        return getattr(self.registry, name)


def _answer(registry: Any, dossier: Any, day: dt.date, strict: bool = False) -> tuple[tuple[Any, ...], set[dt.date]]:
    """The campaign's figures of ``dossier`` as of ``day`` through the registry, and the dates its answers name.

    A plugin failing (:class:`HookFailure`) is an answer too: its details as JSON, no date. Anything else
    (a ``KeyboardInterrupt`` from the user included) is not caught.
    """
    from cqpkit.plugins.hookcalls import HookFailure

    try:
        r, constats, lines = registry.assess(dossier, day, codes=_CODES)[1:]
    except HookFailure as exc:
        if strict:
            raise
        details = json.dumps({"extension": exc.plugin, "crochet": exc.hook, "lieu": exc.lieu, "raison": exc.raison}, ensure_ascii=False)
        return ("", False, 0, (0.0,) * len(MONEY), details), set()
    sums = dict.fromkeys(MONEY, 0.0)
    for line in lines:
        nature = getattr(line, "nature", "financement")
        sums[f"{nature}_{'points' if line.en == 'point' else 'euro'}"] += line.montant
    late = any(c.code == "premier_passage_hors_delai" for c in constats)
    sans = sum(1 for c in constats if c.code == "bareme_inconnu")
    found: set[dt.date] = set()
    _dates((r, constats, lines), found)
    found.discard(day)  # the as-of day the answers repeat (``Resultat.date``…) is not a boundary of the dossier
    return (r.statut, late, sans, tuple(sums[k] for k in MONEY), None), found


def _late_first_passage(registry: Any, dossier: Any) -> set[dt.date]:
    """The day after the first passage's deadline when the first attended passage comes after it (the finding
    ``premier_passage_hors_delai`` appears then, on a day no date of the dossier names): a candidate, not a halving."""
    from cqpkit.rules.checks import premier_passage_limite

    try:
        limite = premier_passage_limite(registry.referentiel_for(dossier), dossier)
    except Exception:  # only a hint: the search finds the day anyway
        return set()
    if limite is None or limite >= dt.date.max:
        return set()
    first = min((p.date for p in dossier.passages if not (p.absent or p.excuse)), default=None)
    return {limite + _DAY} if first is None or first > limite else set()


def periods(registry: Any, dossier: Any, *, strict: bool = False, echeances: Sequence[tuple[Any, ...]] | None = None) -> list[Periode]:
    """The dossier's answers as intervals covering every day (see the module docstring).

    A plugin failing on the dossier is an interval's answer (``echec``), or raised with ``strict`` (an import
    refuses a dossier the engine cannot evaluate). ``echeances``: the dossier's deadlines
    (:func:`cqpkit.store.reading.deadlines`) when the caller has them already.
    """
    from cqpkit.plugins.hookcalls import HookFailure

    registry = _Decisions(registry)
    inscription = dossier.dossier.inscription
    events: set[dt.date] = set()
    _dates(dossier, events)
    # The dossier's own dates are events that count on their day (the day before is asked when the answer moved);
    # the dates that end something (validity, deadlines, a barème's jusqu'à) move the answer the day after: that
    # day is asked, and the end day itself only when the answer moved (as the day before).
    ends: set[dt.date] = set()
    if echeances is None:
        try:  # the deadlines (first jury, partial awards' ends): a finding appears only once one is passed
            from cqpkit.store.reading import deadlines

            echeances = deadlines(registry, dossier)
        except HookFailure:
            if strict:
                raise
            echeances = ()
    ends |= {day for _kind, _dom, day, _since in echeances}
    named = ends - events  # asked only as the day before a change
    pending = _next_days(ends, inscription) | _late_first_passage(registry, dossier) | {d for d in events if d >= inscription}
    pending.add(inscription)
    answers: dict[dt.date, tuple[Any, ...]] = {}

    def ask(day: dt.date) -> tuple[Any, ...]:
        if day not in answers:
            answer, found = _answer(registry, dossier, day, strict)
            answers[day] = answer
            fresh = found - events  # an event's echo: no day after
            named.update(fresh)
            pending.update(d for d in _next_days(fresh, inscription) if d not in answers)
        return answers[day]

    while True:
        while pending:
            ask(pending.pop())
        if len(answers) > _MAX_ASKED:
            break  # a pathological plugin: what was found is kept
        split = False
        days = sorted(answers)
        for i, day in enumerate(days):
            a = answers[day]
            if i + 1 < len(days):
                nxt = days[i + 1]
                if answers[nxt] == a:
                    continue  # the same answer at both ends: the interval holds it (the answers only move forward)
                end = nxt - _DAY
            else:
                end = _far(day)
            if end <= day or ask(end) == a:
                continue
            split = True
            if end in named or end in pending:
                break  # a day the answers name moved too: compared with its own day before on the next round
            # The answer moved inside the interval on a day no date names (a month started…): found by halving.
            lo, hi = day, end
            while (hi - lo).days > 1:
                mid = lo + dt.timedelta(days=(hi - lo).days // 2)
                if ask(mid) == a:
                    lo = mid
                else:
                    hi = mid
            break
        if not split and not pending:
            break
    out = [Periode(FIRST_DAY, inscription, "a_venir", False, 0, (0.0,) * len(MONEY), None)] if inscription > FIRST_DAY else []
    for day in sorted(answers):
        a = answers[day]
        if out and out[-1].debut >= inscription and (out[-1].statut, out[-1].hors_delai, out[-1].sans_bareme, out[-1].montants, out[-1].echec) == a:
            continue  # the same answer as the day before: one interval
        if out:
            out[-1] = out[-1]._replace(fin=day)
        out.append(Periode(day, None, *a))
    return out


def result_rows(
    registry: Any, dossier: Any, numero_version: int | None = None, *, strict: bool = False, echeances: Sequence[tuple[Any, ...]] | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The row of ``resultats`` and the rows of ``resultat_periodes`` of a dossier (``numero_version`` filled in by the store).

    ``echeances``: the dossier's deadlines when the caller computed them already (the import does), not asked again.
    """
    info = dossier.dossier
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    head = {
        "dossier_id": info.id, "certification": info.certification, "version_referentiel": info.version,
        "numero_version": numero_version or 0, "empreinte": fingerprint(registry, info.certification, info.version) or "",
        "calcule_le": now,
    }
    rows = [
        {"dossier_id": info.id, "debut": p.debut, "fin": p.fin, "certification": info.certification, "version_referentiel": info.version,
         "statut": p.statut, "hors_delai": p.hors_delai, "sans_bareme": p.sans_bareme, **dict(zip(MONEY, p.montants, strict=True)),
         "echec": p.echec}
        for p in periods(registry, dossier, strict=strict, echeances=echeances)
    ]
    return head, rows


def write_results(conn: sa.Connection, computed: Sequence[tuple[dict[str, Any], list[dict[str, Any]]]]) -> None:
    """Replace the stored results of the given dossiers by ``computed`` (rows of :func:`result_rows`), in ``conn``'s transaction."""
    if not computed:
        return
    from cqpkit.store.sql import chunks

    ids = [head["dossier_id"] for head, _ in computed]
    for chunk in chunks(ids, 500):
        conn.execute(t.resultat_periodes.delete().where(t.resultat_periodes.c.dossier_id.in_(list(chunk))))
        conn.execute(t.resultats.delete().where(t.resultats.c.dossier_id.in_(list(chunk))))
    conn.execute(t.resultats.insert(), [head for head, _ in computed])
    rows = [r for _, rs in computed for r in rs]
    if rows:
        conn.execute(t.resultat_periodes.insert(), rows)


def forget_results(conn: sa.Connection, ids: Sequence[str]) -> None:
    """Drop the stored results of the given dossiers (they become « missing »: ``db refresh`` computes them)."""
    from cqpkit.store.sql import chunks

    for chunk in chunks(list(ids), 500):
        conn.execute(t.resultat_periodes.delete().where(t.resultat_periodes.c.dossier_id.in_(list(chunk))))
        conn.execute(t.resultats.delete().where(t.resultats.c.dossier_id.in_(list(chunk))))


def rebuild_results(conn: sa.Connection, registry: Any, ids: Sequence[str]) -> int:
    """Recompute, in ``conn``'s transaction, the results of the given dossiers from what the base holds.

    Dossiers whose référentiel no loaded plugin supplies keep the results they have (not computable here).
    """
    from cqpkit.store.deadlines import engine_dossiers
    from cqpkit.store.sql import chunks

    known = fingerprints(registry)
    n = 0
    for chunk in chunks(list(ids), 500):
        dossiers = engine_dossiers(conn, chunk)
        versions = dict(conn.execute(sa.select(t.dossiers.c.id, t.dossiers.c.numero_version).where(t.dossiers.c.id.in_(list(chunk)))).all())
        computed = [
            result_rows(registry, d, versions[did]) for did, d in dossiers.items() if (d.dossier.certification, d.dossier.version) in known
        ]
        write_results(conn, computed)
        n += len(computed)
    return n


def insert_results(conn: sa.Connection, computed: Sequence[tuple[dict[str, Any], list[dict[str, Any]]]]) -> None:
    """Insert the results of dossiers new to the base (nothing stored to replace), in ``conn``'s transaction."""
    if not computed:
        return
    conn.execute(t.resultats.insert(), [head for head, _ in computed])
    rows = [r for _, rs in computed for r in rs]
    if rows:
        conn.execute(t.resultat_periodes.insert(), rows)
