"""The TOML format: strict types, round trip, key positions."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings

from cqpkit.exceptions import InvalidFileError
from cqpkit.formats.positions import key_lines, line_of
from cqpkit.formats.referentiels import dump_referentiel, loads_referentiel, validate_referentiel
from cqpkit.model import Duree, Referentiel
from tests.strategies import referentiels

HEAD = """[certification]
id = "demo.essai"
intitule = "Essai"
branche = "demo"
certificateur = "Commission"
version = "1"
"""


def errors_of(body: str) -> list[str]:
    with pytest.raises(InvalidFileError) as info:
        loads_referentiel(HEAD + body, "f.toml")
    return [str(e) for e in info.value.erreurs]


class TestRoundTrip:
    """load → dump → load gives an equal object."""

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(referentiels())
    def test_generated(self, ref: Referentiel):
        """Any generated valid référentiel survives TOML writing and reading unchanged."""
        text = dump_referentiel(ref)
        assert loads_referentiel(text) == ref
        assert dump_referentiel(loads_referentiel(text)) == text

    def test_schema_line(self):
        """A dump with the #:schema line still loads."""
        ref = loads_referentiel(HEAD)
        text = dump_referentiel(ref, schema_line=True)
        assert text.startswith("#:schema ")
        assert loads_referentiel(text) == ref

    def test_defaults_are_omitted(self):
        """Writing omits values left at their default, so a dump holds only what was written."""
        ref = loads_referentiel(HEAD + '[[domaines]]\nid = "D1"\nintitule = "Un"\n')
        text = dump_referentiel(ref)
        assert "complet" not in text and "savoirs" not in text
        assert 'id = "D1"' in text

    def test_validate_object_built_in_python(self):
        """A référentiel built in Python is checked like a file (a dangling domaine is found)."""
        ref = loads_referentiel(HEAD + '[[modules]]\nid = "M1"\nintitule = "Un"\n')
        from attrs import evolve

        bad = evolve(ref, modules=(evolve(ref.modules[0], domaines=("D7",)),))
        (err,) = validate_referentiel(bad, "<objet>")
        assert err.chemin == "modules[0].domaines[0]"
        assert err.message == "domaine « D7 » inconnu (domaines définis : aucun)"


class TestStrictTypes:
    """Nothing is coerced: the value written must have the type the key expects."""

    @pytest.mark.parametrize(
        ("body", "expected"),
        [
            ("[jury]\npresidence_alternee = 1\n", "attendu un booléen (true ou false), trouvé un entier (1)"),
            ('[[modules]]\nid = "M"\nintitule = "M"\nspe = 2.5\n', "attendu un entier, trouvé un nombre (2.5)"),
            ('[[modules]]\nid = "M"\nintitule = "M"\nspe = true\n', "attendu un entier, trouvé un booléen (true)"),
            ('[[modules]]\nid = "M"\nintitule = "M"\njours_presentiel = false\n', "attendu un nombre, trouvé un booléen (false)"),
            ('[[domaines]]\nid = 1\nintitule = "D"\n', "attendu un texte, trouvé un entier (1)"),
            ("[jury]\ncomposition = 3\n", "attendu une liste, trouvé un entier (3)"),
            ('[[epreuves]]\nid = "E"\nintitule = "E"\ntype = "vae"\nevaluateurs = 3\n', "attendu une table, trouvé un entier (3)"),
        ],
    )
    def test_refused(self, body, expected):
        """Each wrong type is refused with the expected and found types in French."""
        (msg,) = errors_of(body)
        assert msg.endswith(f"type incorrect : {expected}")

    def test_int_accepted_for_float(self):
        """An integer is accepted where a number is expected (3 for 3.0)."""
        ref = loads_referentiel(HEAD + '[[modules]]\nid = "M"\nintitule = "M"\njours_presentiel = 3\n')
        assert ref.modules[0].jours_presentiel == 3.0

    def test_datetime_refused_for_date(self):
        """A date-time is not a date."""
        body = '[financement.x]\nintitule = "X"\nunite = "forfait"\n[[financement.x.valeurs]]\ndepuis = 2017-01-16T10:00:00\nvaleur = 1\nsource = { document = "d" }\n'
        (msg,) = errors_of(body)
        assert msg.endswith("depuis: type incorrect : attendu une date (AAAA-MM-JJ), trouvé une date et heure (2017-01-16T10:00:00)")

    def test_time_refused_for_date_in_french(self):
        """A TOML local time is named in French with its value (it was the Python type name, « time »)."""
        body = '[financement.x]\nintitule = "X"\nunite = "forfait"\n[[financement.x.valeurs]]\ndepuis = 10:30:00\nvaleur = 1\nsource = { document = "d" }\n'
        (msg,) = errors_of(body)
        assert msg.endswith("depuis: type incorrect : attendu une date (AAAA-MM-JJ), trouvé une heure (10:30:00)")


class TestDuree:
    """Durations are ISO 8601 periods of years, months, weeks and days."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [("P3Y", Duree(annees=3)), ("P2M", Duree(mois=2)), ("P1Y6M", Duree(annees=1, mois=6)), ("P3W", Duree(semaines=3)), ("P15D", Duree(jours=15))],
    )
    def test_parse_and_write(self, text, expected):
        """Each form parses to its components and is written back unchanged."""
        assert Duree.parse(text) == expected
        assert str(expected) == text

    @pytest.mark.parametrize("text", ["P", "3Y", "P3", "P-1Y", "P1.5Y", "PT3H", "p3y"])
    def test_invalid(self, text):
        """Anything else is refused with the expected forms."""
        with pytest.raises(ValueError, match="durée invalide"):
            Duree.parse(text)

    def test_french_label(self):
        """The French label agrees in number."""
        assert Duree.parse("P1Y2M").libelle() == "1 an 2 mois"
        assert Duree.parse("P5Y").libelle() == "5 ans"


class TestPositions:
    """Every key path is mapped to the line where it is written."""

    def test_nested_arrays_of_tables(self):
        """Criteria of the second épreuve are found under that épreuve, not the first."""
        text = '[[epreuves]]\nid = "a"\n[[epreuves.criteres]]\nid = "c"\n[[epreuves]]\nid = "b"\n[[epreuves.criteres]]\nid = "d"\n[[epreuves.criteres]]\nid = "e"\n'
        lines = key_lines(text)
        assert lines[("epreuves", 1, "criteres", 1, "id")] == 10
        assert lines[("epreuves", 0, "criteres", 0, "id")] == 4
        assert lines[("epreuves", 1, "criteres", 0)] == 7

    def test_inline_tables_and_multiline_arrays(self):
        """Members of inline tables and elements of multi-line arrays keep their own line."""
        text = 'a = [\n  { x = 1 },\n  { x = 2, y = "]" },\n]\nb = """\nmulti\n"""\nc = { d = { e = 3 } }\n'
        lines = key_lines(text)
        assert lines[("a", 1, "y")] == 3
        assert lines[("c", "d", "e")] == 8
        assert lines[("b",)] == 5

    def test_quoted_and_dotted_keys(self):
        """Quoted keys and dotted keys are split into path parts."""
        text = '[financement."aide-tutorale"]\nsource.document = "x"\n'
        lines = key_lines(text)
        assert lines[("financement", "aide-tutorale", "source", "document")] == 2

    def test_missing_key_points_at_parent(self):
        """A key that is absent is located at its nearest written ancestor."""
        lines = key_lines('[jury]\nformat = []\n')
        assert line_of(lines, ("jury", "composition", 0, "nombre")) == 1
        assert line_of(lines, ("absent",)) == 1

    def test_date_values(self):
        """Bare values (dates, numbers) end at a comma or bracket."""
        lines = key_lines("x = [2014-01-01, 2015-01-01]\ny = 1\n")
        assert lines[("x", 1)] == 1 and lines[("y",)] == 2


def test_dates_loaded_as_dates():
    """TOML dates become datetime.date values."""
    ref = loads_referentiel(HEAD + "en_vigueur_depuis = 2016-12-16\n")
    assert ref.certification.en_vigueur_depuis == dt.date(2016, 12, 16)


class TestRoutes:
    """Rules and funding lines may be limited to routes the référentiel defines."""

    def test_unknown_route(self):
        """A rule or a funding line naming an undefined voie is reported at its line."""
        body = (
            '[[voies]]\nid = "formation"\nintitule = "Formation"\n\n'
            '[[modules]]\nid = "M1"\nintitule = "Un"\n\n[[modules]]\nid = "M2"\nintitule = "Deux"\n\n'
            '[[regles]]\nid = "ordre"\ntype = "ordre"\nlibelle = "M1 avant M2"\navant = "M1"\napres = "M2"\n'
            'voies = ["vae"]\nsource = { document = "d" }\n'
        )
        # HEAD is 6 lines; voies is the 19th line of the body: 6 + 19 = 25.
        assert errors_of(body) == ["f.toml:25: regles[0].voies[0]: voie « vae » inconnue (voies définies : formation)"]

    def test_unknown_route_of_the_first_passage_deadline(self):
        """``[jury] delai_premier_passage_voies`` naming an undefined voie is reported at its line."""
        body = (
            '[[voies]]\nid = "formation"\nintitule = "Formation"\n\n'
            '[jury]\ndelai_premier_passage = "P3Y"\ndelai_premier_passage_voies = ["formation", "vea"]\n'
        )
        # HEAD is 6 lines; the key is the 7th line of the body: 6 + 7 = 13.
        assert errors_of(body) == [
            "f.toml:13: jury.delai_premier_passage_voies[1]: voie « vea » inconnue (voies définies : formation)"
        ]

    def test_rule_of_another_route_is_not_applied(self):
        """A rule limited to the formation route gives nothing on the VAE route."""
        import datetime as dt

        from cqpkit.rules.checks import check_regles
        from tests.factories import dossier, formation, module, referentiel, regle

        ref = referentiel(
            modules=(module("M1"), module("M2")),
            regles=(regle("ordre-m1-m2", "ordre", avant="M1", apres="M2", voies=("formation",)),),
        )
        followed = (formation("M2", dt.date(2020, 2, 3)), formation("M1", dt.date(2020, 3, 2)))
        on_formation = dossier(voie="formation", formations=followed)
        on_vae = dossier(voie="vae", formations=followed)
        assert [c.code for c in check_regles(ref, on_formation, dt.date(2020, 12, 31))] == ["ordre-m1-m2"]
        assert check_regles(ref, on_vae, dt.date(2020, 12, 31)) == []
