"""The import's fast paths write exactly what the plain code would: canonical texts, fingerprints, hashes, dates, deadlines."""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json

import attrs
import pytest
import sqlalchemy as sa
from cqpkit.store import schema as t
from cqpkit.store.audit import _payload, canonical, canonical_plain, entry_hash
from cqpkit.store.reading import collect_paths, read_files, without_cycle_collector
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_store_support import (  # noqa: F401 (fixtures)
    CAMPAIGN,
    campaign_store,
    db,
    registry,
    store,
)

TRICKY = ["", "é à ç", 'guillemet " et \\ barre', "ligne\nsuivante\ttab", "\x00\x1f\x7f", "\u2028\u2029", "😀 emoji", "</script>"]


class _Opaque:
    def __str__(self) -> str:
        return "opaque"


_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(st.characters(exclude_categories=()))
    | st.dates() | st.datetimes(timezones=st.none() | st.just(dt.UTC))
)
_json_like = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


_float_free = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(st.characters(exclude_categories=())) | st.dates(),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


def _plain(value):  # the definition the fast paths must match: json.dumps with the canonical options
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


class TestCanonical:
    def test_shared_encoder_writes_what_dumps_writes(self):
        for value in [{"b": [1, 2.5, None, True], "a": {"z": "é", "y": dt.date(2020, 1, 2)}}, TRICKY, "x", 3, {"k": TRICKY}]:
            assert canonical(value) == _plain(value)

    @settings(max_examples=400, deadline=None)
    @given(value=_json_like)
    def test_orjson_path_writes_what_dumps_writes(self, value):
        assert canonical(value) == _plain(value)

    @settings(max_examples=400, deadline=None)
    @given(value=_float_free)
    def test_plain_path_writes_what_dumps_writes_without_floats(self, value):
        # No check of orjson's text: without floats it is json's, surrogates and big integers aside (refused, then encoded by json).
        assert canonical_plain(value) == _plain(value)

    def test_plain_path_on_what_canonical_rechecks(self):
        # Texts holding "null", "0.0000" or a short exponent make canonical() re-encode; canonical_plain() need not.
        for value in [{"n": None, "t": "null 0.00001 1e-7"}, ["nullité", 2**70, "\ud800"], {"décisions": {"D1": "acquis"}}, TRICKY]:
            assert canonical_plain(value) == _plain(value)

    @pytest.mark.parametrize(
        "value",
        [
            1e-05, 1.5e-07, 0.000015, 1e16, 1.2345678901234568e17, -1e22, float("nan"), float("inf"), -float("inf"),  # floats
            {"a": 2**70}, [-(2**64)], {1: "x", 2: "y"}, {None: 1}, "\ud800 seul",  # refused by orjson
            {"quand": dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.UTC)}, dt.time(9, 30), {"objet": object.__new__(_Opaque)},  # str()
            {"texte": "null 1e5 0.00001"},  # may-differ patterns inside a string: the reference encoder, same text
        ],
    )
    def test_where_orjson_differs_the_reference_encoder_writes(self, value):
        assert canonical(value) == _plain(value)

    def test_floats_of_every_magnitude(self):
        import random
        import struct

        rng = random.Random(20261201)
        values = [m * 10.0**k for k in range(-320, 308) for m in (1.0, 1.5, -7.25)]
        values += [struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0] for _ in range(20_000)]
        values += [rng.random() * 10.0 ** rng.randint(-12, 20) for _ in range(20_000)]
        for chunk in range(0, len(values), 100):
            batch = values[chunk : chunk + 100]
            assert canonical(batch) == _plain(batch)
            for v in batch[:10]:
                assert canonical({"heures": v}) == _plain({"heures": v})

    def test_entry_payload_is_the_canonical_list(self):
        for s in TRICKY:
            fields = [17, s, f"op {s}", "dossier.creation", "dossier", f"D-{s}", _plain({"k": s}), "0" * 64]
            assert _payload(*fields) == _plain(fields)
            digest = hashlib.sha256(_plain(fields).encode("utf-8")).hexdigest()
            assert entry_hash(*fields) == digest

    def test_entry_payload_falls_back_for_other_types(self):
        fields = [True, "h", "o", "a", "o", 12, "{}", "0" * 64]  # not an int and a str: the generic encoder
        assert _payload(*fields) == _plain(fields)


class TestDossierContent:
    def test_content_fingerprint_and_evaluations_are_the_plain_encodings(self, registry):
        lot = read_files(collect_paths([str(CAMPAIGN)]), registry)
        with_evals = [lu for lu in lot.dossiers if lu.dossier.evaluations]
        assert with_evals, "the campaign has dossiers with evaluations"
        for lu in lot.dossiers:
            data = json.loads(lu.contenu)
            assert lu.contenu == _plain(data)
            assert lu.empreinte == hashlib.sha256(lu.contenu.encode("utf-8")).hexdigest()
            assert list(lu.evaluations) == [_plain(e) for e in data.get("evaluations", [])]
            assert list(lu.empreintes_evaluations) == [hashlib.sha256(e.encode("utf-8")).hexdigest() for e in lu.evaluations]

    def test_candidate_reduced_to_its_id_as_the_converter_writes_it(self, registry):
        from cqpkit.formats.converter import json_converter
        from cqpkit.model import Candidat
        from cqpkit.store.crypto import split_personal

        lot = read_files(collect_paths([str(CAMPAIGN)]), registry)
        conv = json_converter()
        assert any(lu.dossier.candidat.nom for lu in lot.dossiers), "the campaign's candidates have personal data"
        for lu in lot.dossiers:
            d = lu.dossier
            reduced = conv.unstructure(attrs.evolve(d, candidat=Candidat(id=d.candidat.id)))
            split_personal(reduced)  # the personal fields are kept apart, encrypted by the store (docs/store.md)
            assert lu.contenu == _plain(reduced)
            assert d.candidat.nom not in lu.contenu or not d.candidat.nom


class TestStoredRows:
    def test_rows_are_the_plain_encodings(self, campaign_store, registry):
        from cqpkit.formats.converter import json_converter

        conv = json_converter()
        with campaign_store.read() as conn:
            evals = conn.execute(sa.select(t.evaluations).order_by(t.evaluations.c.id)).all()
            versions = {(r.dossier_id, r.numero): r for r in conn.execute(sa.select(t.dossier_versions))}
            passages = conn.execute(sa.select(t.passages)).all()
            dossiers = conn.execute(sa.select(t.dossiers)).all()
        assert evals and passages
        for e in evals:
            content = json.loads(versions[(e.dossier_id, e.numero_version)].contenu)
            raw = content["evaluations"][e.position]
            assert _public_text(e.contenu) == _plain(raw)  # its notes encrypted apart
            assert len(e.empreinte) == 64  # keyed with the candidate's key (docs/store.md « Personal data »)
            assert e.date == dt.date.fromisoformat(raw["date"]) and isinstance(e.date, dt.date)
        for p in passages:
            assert p.decisions == _plain(json.loads(p.decisions))
            assert isinstance(p.date, dt.date)
        for d in dossiers:
            assert isinstance(d.inscription, dt.date)
            v = versions[(d.id, d.numero_version)]
            public = json.loads(v.contenu)
            public.pop("_personnel", None)  # the personal fields, encrypted apart
            assert _public_text(v.contenu) == _plain(conv.unstructure(conv.structure(public, type(campaign_store.dossier(d.id)))))
        assert campaign_store.verify().ok

    def test_lot_built_without_evaluation_texts_stores_the_same_evaluations(self, store, registry):
        # A DossierLu made by hand (no evaluation texts nor fingerprints) is encoded by the store itself.
        from cqpkit.store.reading import DossierLu, Lot

        lot = read_files(collect_paths([str(CAMPAIGN)]), registry)
        bare = Lot(tuple(DossierLu(lu.fichier, lu.dossier, lu.contenu, lu.empreinte) for lu in lot.dossiers), lot.sessions)
        assert any(lu.empreintes_evaluations for lu in lot.dossiers) and not any(lu.empreintes_evaluations for lu in bare.dossiers)
        store.import_lot(bare, operateur="test")
        cols = t.evaluations.c
        with store.read() as conn:
            stored = conn.execute(sa.select(cols.dossier_id, cols.position, cols.contenu).order_by(cols.dossier_id, cols.position)).all()
        # The texts without their personal fields (encrypted apart; the fingerprints are keyed with each candidate's key).
        expected = sorted((lu.dossier.id, i, text) for lu in lot.dossiers for i, text in enumerate(lu.evaluations))
        assert [(r.dossier_id, r.position, _public_text(r.contenu)) for r in stored] == expected

    def test_bulk_insert_dates_and_nulls(self, store):
        from cqpkit.store.store import bulk_insert

        rows = [
            {"dossier_id": "D-1", "acteur_id": "A", "personne_id": "P", "role": "tuteur", "roles_secondaires": "[]", "mission_debut": dt.date(1990, 2, 3),
             "mission_fin": None, "organisation": None, "fonction": None, "management_depuis": None, "forme_le": None, "formation_heures": None,
             "tutores_declares": None, "missions_declarees": "[]"},
            {"dossier_id": "D-2", "acteur_id": "A", "personne_id": "P", "role": "tuteur", "roles_secondaires": "[]", "mission_debut": None,
             "mission_fin": None, "organisation": None, "fonction": None, "management_depuis": None, "forme_le": None, "formation_heures": None,
             "tutores_declares": None, "missions_declarees": "[]"},
        ]
        with store.write() as conn:
            bulk_insert(conn, t.candidats, [{"id": "C-1", "donnees": None, "pseudonyme": None, "efface_le": None, "cree_le": "x", "modifie_le": "x"}])
            bulk_insert(conn, t.dossiers, [
                {"id": f"D-{i}", "certification": "c", "version_referentiel": "v", "voie": "formation", "mention": None, "inscription": dt.date(2020, 1, 1),
                 "candidat_id": "C-1", "numero_version": 1, "empreinte": "e", "empreinte_publique": None, "cree_le": "x", "modifie_le": "x"}
                for i in (1, 2)
            ])
            bulk_insert(conn, t.personnes, [{"id": "P", "cree_le": "x"}])
            bulk_insert(conn, t.personne_acteurs, rows)
            bulk_insert(conn, t.meta, [{"cle": "essai", "valeur": "1"}])  # a single column of text
        with store.read() as conn:
            got = dict(conn.execute(sa.select(t.personne_acteurs.c.dossier_id, t.personne_acteurs.c.mission_debut)).all())
            assert conn.execute(sa.select(t.meta.c.valeur).where(t.meta.c.cle == "essai")).scalar_one() == "1"
        assert got == {"D-1": dt.date(1990, 2, 3), "D-2": None}


class TestDeadlines:
    @pytest.mark.parametrize(
        "flags",
        [[], [(False, False)], [(True, False)], [(False, True)], [(True, False), (False, False)], [(True, False), (False, True)]],
    )
    def test_first_jury_deadline_follows_the_event(self, registry, flags):
        from cqpkit.model import PassageJury
        from cqpkit.rules.events import event_dates
        from cqpkit.store.store import compute_echeances

        lot = read_files(collect_paths([str(CAMPAIGN)]), registry)
        # A dossier of the training route: the Mutualité's 3 years to a first jury are not a VAE deadline.
        d = next(
            lu.dossier
            for lu in lot.dossiers
            if registry.referentiel_for(lu.dossier).jury is not None and lu.dossier.dossier.voie == "formation"
        )
        passages = tuple(
            PassageJury(session=f"S{i}", date=d.dossier.inscription + dt.timedelta(days=100 * (i + 1)), absent=a, excuse=x)
            for i, (a, x) in enumerate(flags)
        )
        d = attrs.evolve(d, passages=passages)
        has_deadline = any(r["type"] == "premier_passage" for r in compute_echeances(registry, d))
        jury = registry.referentiel_for(d).jury
        on_route = not jury.delai_premier_passage_voies or d.dossier.voie in jury.delai_premier_passage_voies
        expected = jury.delai_premier_passage is not None and on_route and not event_dates(d, "premier_passage")
        assert has_deadline == expected


class TestCycleCollector:
    def test_paused_then_restored(self):
        assert gc.isenabled()
        with without_cycle_collector():
            assert not gc.isenabled()
        assert gc.isenabled()
        with pytest.raises(RuntimeError), without_cycle_collector():
            raise RuntimeError("x")
        assert gc.isenabled()

    def test_left_off_when_it_was_off(self):
        gc.disable()
        try:
            with without_cycle_collector():
                pass
            assert not gc.isenabled()
        finally:
            gc.enable()

    def test_import_restores_it(self, store, registry):
        store.import_files([str(CAMPAIGN)], operateur="test")
        assert gc.isenabled()


def _echeances(store) -> list[tuple]:
    c = t.echeances.c
    with store.read() as conn:
        rows = conn.execute(sa.select(c.dossier_id, c.type, c.domaine, c.date, c.depuis, c.certification)).all()
    return sorted(tuple(r) for r in rows)


class TestDeadlinesBeforeTheTransaction:
    """``Store.import_lot`` computes the deadlines of the dossiers new to the base before its write transaction."""

    def test_they_are_those_the_store_computes_from_what_it_holds(self, store, registry):
        from cqpkit.store.store import rebuild_echeances

        report = store.import_files([str(CAMPAIGN)], operateur="test")
        assert report.secondes_moteur > 0 and report.secondes_avant >= report.secondes_moteur
        before = _echeances(store)
        with store.write() as conn:
            rebuild_echeances(conn, store.registry)  # from the stored versions and passages, in a transaction
        assert _echeances(store) == before != []

    def test_an_unchanged_reimport_does_not_run_the_engine(self, store):
        first = store.import_files([str(CAMPAIGN)], operateur="test")
        again = store.import_files([str(CAMPAIGN)], operateur="test")
        assert first.secondes_moteur > 0
        assert again.count("dossier", "inchangé") == first.count("dossier", "nouveau") > 0
        assert again.secondes_moteur == 0

    def test_with_deadlines_skips_stored_dossiers_and_drops_another_registrys(self, registry):
        from cqpkit.store.reading import deadlines, with_deadlines

        lot = read_files(collect_paths([str(CAMPAIGN)]), registry)
        assert lot.registry is None and all(lu.echeances is None for lu in lot.dossiers)
        stored = {lu.dossier.id for lu in lot.dossiers[::2]}
        done, seconds = with_deadlines(lot, registry, stored)
        assert done.registry is registry and seconds > 0 and done.sessions == lot.sessions
        for lu in done.dossiers:
            assert lu.echeances == (None if lu.dossier.id in stored else deadlines(registry, lu.dossier))
        # Computed with another registry: dropped, and computed again for the new dossiers.
        other = attrs.evolve(done, registry=object())
        again, _ = with_deadlines(other, registry, stored)
        assert [lu.echeances for lu in again.dossiers] == [lu.echeances for lu in done.dossiers]
        # All there, same registry: nothing to do.
        assert with_deadlines(done, registry, stored)[1] == 0.0

    def test_deadlines_of_another_registry_are_not_used(self, store, registry):
        from cqpkit.store.reading import Lot, deadlines

        lot = read_files(collect_paths([str(CAMPAIGN)]), registry)
        wrong = tuple(attrs.evolve(lu, echeances=()) for lu in lot.dossiers)
        # Computed with another registry: the store computes its own.
        store.import_lot(Lot(wrong, lot.sessions, registry=object()), operateur="test")
        assert len(_echeances(store)) == sum(len(deadlines(registry, lu.dossier)) for lu in lot.dossiers) > 0

    def test_deadlines_of_the_same_registry_are_used_as_given(self, store, registry):
        from cqpkit.store.reading import Lot, deadlines

        lot = read_files(collect_paths([str(CAMPAIGN)]), registry)
        lu = next(lu for lu in lot.dossiers if deadlines(registry, lu.dossier))
        one = attrs.evolve(lu, echeances=(("premier_passage", "", dt.date(2031, 1, 2), dt.date(2030, 1, 2)),))
        store.import_lot(Lot((one,), lot.sessions, registry=registry), operateur="test")
        assert _echeances(store) == [(lu.dossier.id, "premier_passage", "", dt.date(2031, 1, 2), dt.date(2030, 1, 2), lu.dossier.dossier.certification)]

    def test_read_files_restores_the_collector(self, registry, tmp_path):
        from cqpkit.store.reading import ImportErrors

        assert gc.isenabled()
        read_files(collect_paths([str(CAMPAIGN)]), registry)
        assert gc.isenabled()
        bad = tmp_path / "mauvais.toml"
        bad.write_text("[dossier]\nid = \n", encoding="utf-8")
        with pytest.raises(ImportErrors):
            read_files([str(bad)], registry)
        assert gc.isenabled()


class TestPresenceFlags:
    def test_absent_and_excused_stored_as_booleans(self, store, registry):
        from cqpkit.store.reading import read_lot

        lot = read_files(collect_paths([str(CAMPAIGN)]), registry)
        lu = next(lu for lu in lot.dossiers if len(lu.dossier.passages) >= 1)
        p = lu.dossier.passages[0]
        flags = [(True, False), (False, True), (False, False)]
        # Three sessions on three days (a file may not hold two passages on one day): absent, excused, present.
        passages = tuple(
            attrs.evolve(
                p, session=f"{p.session}-{i}", date=p.date + dt.timedelta(days=i), absent=a, excuse=x,
                decisions={} if a or x else p.decisions,
            )
            for i, (a, x) in enumerate(flags)
        )
        d = attrs.evolve(lu.dossier, passages=passages)
        store.import_lot(read_lot([(lu.fichier, d)]), operateur="test")
        c = t.passages.c
        with store.read() as conn:
            got = sorted(conn.execute(sa.select(c.session_id, c.absent, c.excuse)).all())
            if store.target.kind == "sqlite":  # what sa.Boolean stores there: integers 0 and 1
                kinds = set(conn.exec_driver_sql("SELECT typeof(absent) || typeof(excuse) FROM passages").scalars())
                assert kinds == {"integerinteger"}
        assert [tuple(r) for r in got] == [(f"{p.session}-{i}", a, x) for i, (a, x) in enumerate(flags)]
        assert all(type(v) is bool for r in got for v in r[1:])


class TestEngineErrorsWhileReading:
    def test_a_raising_engine_stops_the_import_before_the_database(self, db, monkeypatch):
        """A plugin raising while the deadlines are computed (now while reading) stops the import, named, and nothing is written.

        The plugin supplies the bundled référentiels itself (the bundled plugins left out): a dossier's
        hooks reach only the plugin of its référentiel.
        """
        import cqpkit
        from cqpkit import hookimpl
        from cqpkit.exceptions import PluginError
        from cqpkit.store.store import Store

        from tests.conftest import ROOT

        monkeypatch.setenv("CQPKIT_LOAD_PLUGINS", "")

        class Boom:
            @hookimpl
            def cqpkit_referentiels(self, register):
                for plugin in ("cqp_mo/cqpkit_cqp_mo", "mutualite/cqpkit_mutualite"):
                    register(ROOT / "plugins" / plugin / "referentiels")

            @hookimpl(tryfirst=True)
            def cqpkit_decide(self, referentiel, dossier, date):
                raise RuntimeError("base indisponible")

        raising = cqpkit.load_registry(plugins=[("boum", Boom())], cache=False)
        store = Store.open(db, create=True, check=False, registry=raising)
        store.init()
        try:
            with pytest.raises(PluginError, match="extension « boum » : erreur dans cqpkit_decide : RuntimeError: base indisponible"):
                store.import_files([str(CAMPAIGN)], operateur="test")
            with store.read() as conn:
                assert conn.execute(sa.select(sa.func.count()).select_from(t.dossiers)).scalar_one() == 0
                assert conn.execute(sa.select(sa.func.count()).select_from(t.audit)).scalar_one() == 0
        finally:
            store.close()


class TestCandidateDescribedTwice:
    """Two dossiers of one candidate must agree on the candidate's personal data (files and objects alike)."""

    def test_files(self, registry, tmp_path):
        from cqpkit.store.reading import ImportErrors

        from tests.test_store_support import copy_campaign

        campaign = copy_campaign(tmp_path)
        second = campaign / "dossiers" / "oemm-2019-0302.toml"  # C-0201's second dossier (oemm-2017-0201 the first)
        second.write_text(second.read_text(encoding="utf-8").replace('nom = "Aubépine"', 'nom = "Aubepine"'), encoding="utf-8")
        with pytest.raises(ImportErrors) as info:
            read_files([str(campaign)], registry)
        [problem] = info.value.problems
        [e] = problem.erreurs
        assert (e.fichier, e.ligne, e.chemin) == (str(second), 17, "candidat.nom")
        assert e.message == f"candidat « C-0201 » décrit autrement dans {campaign / 'dossiers' / 'oemm-2017-0201.toml'} (nom)"

    def test_objects(self, store):
        from cqpkit.store import StoreConflictError
        from cqpkit.store.reading import read_lot

        lot = read_files([str(CAMPAIGN / "dossiers" / "oemm-2017-0201.toml"), str(CAMPAIGN / "dossiers" / "oemm-2019-0302.toml")], store.registry)
        first, second = (lu.dossier for lu in lot.dossiers)
        changed = attrs.evolve(second, candidat=attrs.evolve(second.candidat, nom="Aubepine", email="autre@example.invalid"))
        with pytest.raises(StoreConflictError) as info:
            read_lot([("premier", first), ("second", changed)], registry=store.registry)
        assert [(e.fichier, e.ligne, e.chemin, e.message) for e in info.value.erreurs] == [
            ("second", 0, "candidat.nom", "candidat « C-0201 » décrit autrement dans premier (nom, email)")
        ]
        assert read_lot([("premier", first), ("second", second)], registry=store.registry).dossiers  # agreeing: accepted


def _public_text(contenu: str) -> str:
    """A stored content without its encrypted personal fields (``_personnel``), as canonical JSON."""
    data = json.loads(contenu)
    data.pop("_personnel", None)
    return _plain(data)
