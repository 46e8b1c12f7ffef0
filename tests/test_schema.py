"""The JSON Schema of référentiel files: generated from the model, checked in, current."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path

import jsonschema
import pytest

from cqpkit.formats.schema import json_schema, schema_text
from tests.conftest import DATA, ROOT, run_cli

SCHEMA_FILE = ROOT / "referentials" / "referentiel.schema.json"
BUNDLED = sorted((ROOT / "plugins").glob("*/cqpkit_*/referentiels/*.toml"))


def _jsonable(value):
    """TOML dates become ISO strings, as TOML schema tools see them."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class TestCheckedInSchema:
    """The checked-in schema is the one the model generates."""

    def test_not_stale(self):
        """Regenerate with `cqpkit schema referentiel > referentials/referentiel.schema.json` when this fails."""
        from cqpkit import load_registry

        extensions = load_registry().extension_classes()  # the bundled plugins' fragments are in the file
        assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text("referentiel", extensions), (
            "referentials/referentiel.schema.json est périmé : "
            "cqpkit schema referentiel > referentials/referentiel.schema.json"
        )

    def test_cli_prints_it(self):
        """`cqpkit schema referentiel` prints exactly the checked-in file."""
        result = run_cli("schema", "referentiel")
        assert result.returncode == 0
        assert result.stdout == SCHEMA_FILE.read_text(encoding="utf-8")

    def test_unknown_kind_is_usage_error(self):
        """An unknown schema kind is a usage error (exit 2) in French."""
        result = run_cli("schema", "dossier-inconnu")
        assert result.returncode == 2
        assert "choix invalide" in result.stderr

    def test_is_valid_draft_2020_12(self):
        """The schema itself is a valid JSON Schema."""
        jsonschema.Draft202012Validator.check_schema(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


class TestSchemaAgreesWithValidator:
    """What the loader accepts, the schema accepts; a few things it refuses, the schema refuses."""

    @pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
    def test_bundled_referentiels_conform(self, path: Path):
        """Every bundled référentiel conforms to the schema."""
        data = _jsonable(tomllib.loads(path.read_text(encoding="utf-8")))
        jsonschema.validate(data, json_schema("referentiel"))

    def test_there_are_bundled_referentiels(self):
        """The bundled plugins ship référentiel files (so the test above is not empty)."""
        assert len(BUNDLED) >= 2

    @pytest.mark.parametrize(
        "name", ["03-type-entier", "04-type-liste", "05-cle-manquante", "07-cle-inconnue", "19-valeur-non-admise", "20-duree-invalide"]
    )
    def test_broken_files_fail(self, name):
        """Type, missing-key, unknown-key, enum and duration errors are also schema errors."""
        data = _jsonable(tomllib.loads((DATA / "broken" / f"{name}.toml").read_text(encoding="utf-8")))
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(data, json_schema("referentiel"))
