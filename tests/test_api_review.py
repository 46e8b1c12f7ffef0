"""The Python API as an embedding application uses it: wrong but plausible arguments get cqpkit's own errors.

Found by a review of the API (``cqpkit.load_registry()``, the format loaders, ``cqpkit.store.Store``):
each test names the call that used to end in a raw ``TypeError``/``AttributeError``, a failure blamed
on a plugin, or a silently wrong result.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
import pytest
from cqpkit.exceptions import CqpkitError, InvalidArgumentError, PluginError, UnreadableFileError
from cqpkit.model import Candidat, Dossier, DossierInfo, Membre, SessionInfo, SessionJury

from tests.conftest import ROOT
from tests.test_store_support import (  # noqa: F401 (fixtures)
    CAMPAIGN,
    SP,
    campaign_store,
    db,
    registry,
    store,
)

EXAMPLE = ROOT / "examples" / "dossier-specialiste-prestations-formation.toml"
SESSION = ROOT / "examples" / "session-oemm-jury-2014-01.toml"
MO = ROOT / "examples" / "dossier-manager-operationnel.toml"
DAY = dt.date(2014, 7, 1)


@pytest.fixture(scope="module")
def dossier(registry):  # type: ignore[no-untyped-def]
    from cqpkit.formats.dossiers import load_dossier

    return load_dossier(EXAMPLE, registry)


def _open_session(store) -> str:  # type: ignore[no-untyped-def]
    """A new open session of the Spécialiste prestations jury in the store; its id."""
    membres = tuple(Membre(id=f"J-0{i}", college=c) for i, c in enumerate(("employeur", "employeur", "salarie", "salarie"), 1))
    session = SessionJury(
        session=SessionInfo(id="OEMM-JURY-2020-07", date=dt.date(2020, 7, 6), certifications=(SP,), president="J-02"), membres=membres
    )
    store.open_session(session, operateur="test")
    return session.id


class TestAsOfArgument:
    """``as_of`` is a ``datetime.date``: anything else is the caller's mistake, said before any plugin runs."""

    @pytest.mark.parametrize("method", ["check", "decide", "plan", "funding", "explain"])
    def test_a_date_as_text_is_refused_not_blamed_on_a_plugin(self, registry, dossier, method):  # type: ignore[no-untyped-def]
        """`registry.decide(d, "2014-07-01")` used to raise a PluginError naming the builtin engine or the mutualite plugin."""
        with pytest.raises(InvalidArgumentError, match=r"as_of : une date \(datetime.date\) est attendue, pas un texte") as info:
            getattr(registry, method)(dossier, "2014-07-01")
        assert not isinstance(info.value, PluginError)
        assert isinstance(info.value, TypeError) and info.value.exit_code == 2
        assert "datetime.date.fromisoformat(« 2014-07-01 »)" in str(info.value)

    def test_a_datetime_is_refused_with_what_to_pass(self, registry, dossier):  # type: ignore[no-untyped-def]
        """`datetime` is a subclass of `date` that cannot be compared with one: it used to fail inside the engine."""
        with pytest.raises(InvalidArgumentError, match=r"pas une date et heure \(2014-07-01 12:00:00\) ; passez-en le jour : as_of.date\(\)"):
            registry.decide(dossier, dt.datetime(2014, 7, 1, 12))

    def test_a_date_still_works_and_none_is_today(self, registry, dossier):  # type: ignore[no-untyped-def]
        """The documented calls are unchanged."""
        assert registry.decide(dossier, DAY).statut == "certifie"
        assert registry.decide(dossier).date == dt.date.today()

    def test_referentiel_as_of_text_is_refused(self, registry):  # type: ignore[no-untyped-def]
        """`registry.referentiel(id, as_of="2017-03-01")` used to raise AttributeError: 'str' object has no attribute 'isoformat'."""
        with pytest.raises(InvalidArgumentError, match="as_of : une date"):
            registry.referentiel("secu.manager-operationnel", as_of="2017-03-01")
        assert registry.referentiel("secu.manager-operationnel", as_of=dt.date(2017, 3, 1)).certification.version == "2016"

    def test_store_reports_refuse_a_date_as_text(self, campaign_store):  # type: ignore[no-untyped-def]
        """`store.deadlines("2020-06-30", 90)`, `campaign(…)`, `show(…)` used to raise TypeError (or a PluginError)."""
        did = campaign_store.dossier_ids()[0]
        for call in (
            lambda: campaign_store.deadlines("2020-06-30", within=90),
            lambda: campaign_store.campaign("2020-06-30"),
            lambda: campaign_store.campaign(dt.datetime(2020, 6, 30, 10)),
            lambda: campaign_store.show(did, "2020-06-30"),
        ):
            with pytest.raises(InvalidArgumentError, match="as_of : une date"):
                call()

    def test_deadlines_within_must_be_a_whole_number(self, campaign_store):  # type: ignore[no-untyped-def]
        """`within="90"` used to raise TypeError: '<' not supported between 'str' and 'int'; a negative one stays a ValueError."""
        day = dt.date(2020, 6, 30)
        with pytest.raises(InvalidArgumentError, match="within doit être un nombre entier de jours positif ou nul, pas '90'"):
            campaign_store.deadlines(day, within="90")
        with pytest.raises(ValueError, match="pas -1"):
            campaign_store.deadlines(day, within=-1)
        assert campaign_store.deadlines(day, within=90)["jours"] == 90


class TestEngineArguments:
    """The engines take model objects; something else is said as such."""

    @pytest.mark.parametrize("value", [None, {"dossier": {}}])
    def test_check_of_something_not_a_dossier(self, registry, value):  # type: ignore[no-untyped-def]
        """`registry.check(None)` used to raise AttributeError: 'NoneType' object has no attribute 'dossier'."""
        with pytest.raises(InvalidArgumentError, match=r"dossier : un Dossier \(cqpkit.model\) est attendu"):
            registry.check(value, DAY)

    def test_check_session_of_something_not_a_session(self, registry):  # type: ignore[no-untyped-def]
        """`registry.check_session(None)` used to raise AttributeError."""
        with pytest.raises(InvalidArgumentError, match="session : un SessionJury"):
            registry.check_session(None)

    def test_check_session_with_an_iterator_of_dossiers(self, registry, dossier):  # type: ignore[no-untyped-def]
        """An iterator of dossiers was consumed by the first certification's lookup: the hooks then saw none."""
        from cqpkit.formats.dossiers import load_dossier, load_session

        session = load_session(SESSION, registry)
        dossiers = [dossier, load_dossier(MO, registry)]
        expected = registry.check_session(session, dossiers)
        assert "jury_certification" in {c.code for c in expected}
        assert registry.check_session(session, iter(dossiers)) == expected


class TestFormats:
    """The loaders take what an application has at hand."""

    def test_loads_dossier_takes_bytes(self, registry):  # type: ignore[no-untyped-def]
        """`loads_dossier(request.body)` used to raise TypeError: startswith first arg must be bytes."""
        from cqpkit.formats.dossiers import loads_dossier

        data = EXAMPLE.read_bytes()
        assert loads_dossier(data, "corps", registry) == loads_dossier(data.decode("utf-8"), "corps", registry)

    def test_loads_bytes_not_utf8_is_unreadable(self):  # type: ignore[no-untyped-def]
        """Bytes are decoded as a file is, with the same French message."""
        from cqpkit import loads_referentiel

        with pytest.raises(UnreadableFileError, match=r"corps:2: le fichier n'est pas encodé en UTF-8 \(octet 0xE9"):
            loads_referentiel(b"[certification]\nid = \"caf\xe9\"\n", "corps")

    def test_loads_none_is_an_argument_error(self):  # type: ignore[no-untyped-def]
        """`loads_dossier(None)` used to raise AttributeError: 'NoneType' object has no attribute 'startswith'."""
        from cqpkit.formats.dossiers import loads_dossier

        with pytest.raises(InvalidArgumentError, match=r"un texte TOML \(str ou bytes\) est attendu, pas NoneType"):
            loads_dossier(None)

    def test_validate_dossier_of_an_object_no_file_could_hold(self, registry, dossier):  # type: ignore[no-untyped-def]
        """`validate_dossier` on a dossier with `evaluations=None` used to raise TypeError instead of returning the error."""
        from cqpkit.formats.dossiers import validate_dossier

        erreurs = validate_dossier(attrs.evolve(dossier, evaluations=None), registry, "objet")
        assert [e.fichier for e in erreurs] == ["objet"]
        assert erreurs[0].message.startswith("objet illisible : un champ n'a pas le type que le modèle attend")
        with pytest.raises(InvalidArgumentError, match="un Dossier est attendu, pas NoneType"):
            validate_dossier(None, registry)


class TestStoreArguments:
    """What the store's methods take, as an application passes it."""

    def test_open_takes_a_path_object(self, tmp_path, registry):  # type: ignore[no-untyped-def]
        """`Store.open(pathlib.Path(...))` used to raise TypeError: argument of type 'PosixPath' is not iterable."""
        from cqpkit.store import Store

        with Store.open(tmp_path / "campagne.db", create=True, check=False, registry=registry) as s:
            assert s.init() and s.version() is not None
        with pytest.raises(InvalidArgumentError, match="base : un chemin de fichier SQLite"):
            Store.open(42)

    def test_import_files_takes_one_path_alone(self, store, monkeypatch):  # type: ignore[no-untyped-def]
        """`import_files("campaign")` used to import each character as a path (`"/"` in an absolute path: the whole disk)."""
        monkeypatch.chdir(CAMPAIGN.parent)
        report = store.import_files(CAMPAIGN.name, operateur="test")
        assert report.count("dossier", "nouveau") == len(store.dossier_ids()) > 0
        again = store.import_files(Path(CAMPAIGN), operateur="test")
        assert {f["statut"] for f in again.fichiers} <= {"inchangé", "inchangée"}

    def test_add_to_session_takes_one_id_alone(self, campaign_store):  # type: ignore[no-untyped-def]
        """`add_to_session(session, "OEMM-2018-0208")` used to look up "O", "E", "M"… as dossier ids."""
        sid = _open_session(campaign_store)
        assert campaign_store.add_to_session(sid, "OEMM-2018-0208", operateur="test") == [("OEMM-2018-0208", "présenté")]

    def test_decide_arguments(self, campaign_store):  # type: ignore[no-untyped-def]
        """`decide(…, [("D1", "acquis")])` used to raise AttributeError ('list' has no 'items'), `motif=None` too ('strip')."""
        sid = _open_session(campaign_store)
        before = campaign_store.verify().entrees
        with pytest.raises(InvalidArgumentError, match=r"decisions : une table domaine → décision est attendue"):
            campaign_store.decide(sid, "OEMM-2018-0208", [("D1", "acquis")], operateur="test")
        assert campaign_store.verify().entrees == before
        assert campaign_store.decide(sid, "OEMM-2018-0208", {"D1": "acquis"}, operateur="test", motif=None)["statut"] == "enregistré"


class TestReadLot:
    """`read_lot` (objects built in Python) refuses what no file could hold, and validates with a registry."""

    def _bare(self, **info: object) -> Dossier:
        fields = {"id": "H-1", "certification": SP, "version": "2014", "voie": "formation", "mention": "sante", "inscription": dt.date(2020, 1, 6)}
        return Dossier(dossier=DossierInfo(**{**fields, **info}), candidat=Candidat(id="C-H1"))

    def test_a_date_as_text_is_refused_where_built(self):  # type: ignore[no-untyped-def]
        """A dossier whose `inscription` is a text used to raise TypeError: descriptor 'isoformat' … doesn't apply to a 'str'.

        Since issue 14 the model refuses it where the object is built (before `read_lot` sees it).
        """
        from cqpkit.exceptions import ModelTypeError

        with pytest.raises(ModelTypeError, match=r"DossierInfo.inscription : une date \(datetime.date\) est attendue, pas un texte") as info:
            self._bare(inscription="2020-01-06")
        assert isinstance(info.value, TypeError) and info.value.champ == "inscription"

    def test_with_the_registry_objects_are_validated_like_files(self, store):  # type: ignore[no-untyped-def]
        """`read_lot(…, registry=store.registry)` refuses an unknown route or certification, ids given twice; nothing written."""
        from cqpkit.store import StoreConflictError, read_lot

        with pytest.raises(StoreConflictError) as info:
            read_lot([("a", self._bare(voie="xxx")), ("b", self._bare(id="H-2", certification="nope"))], registry=store.registry)
        assert [(e.fichier, e.chemin) for e in info.value.erreurs] == [("a", "dossier.voie"), ("b", "dossier.certification")]
        with pytest.raises(StoreConflictError, match="dossier « H-1 » déjà donné par a"):
            read_lot([("a", self._bare()), ("b", self._bare())], registry=store.registry)
        assert store.dossier_ids() == []
        store.import_lot(read_lot([("a", self._bare())], registry=store.registry), operateur="test")
        assert store.dossier_ids() == ["H-1"]


class TestExports:
    """What the docs name is importable from where they say."""

    def test_store_package_exports(self):  # type: ignore[no-untyped-def]
        """docs/store.md names `ImportErrors` among the store's errors and `read_lot` for `import_lot`."""
        import cqpkit.store as store_pkg
        from cqpkit.store.reading import ImportErrors, read_lot
        from cqpkit.store.store import Effacement

        assert {"ImportErrors", "read_lot", "Effacement"} <= set(store_pkg.__all__)
        assert (store_pkg.ImportErrors, store_pkg.read_lot, store_pkg.Effacement) == (ImportErrors, read_lot, Effacement)
        assert issubclass(ImportErrors, CqpkitError)
