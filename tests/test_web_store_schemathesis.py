"""Schemathesis over the store endpoints (/api/v1/base/…) with an admin token, on a SQLite store holding the
example campaign: generated ids, queries and bodies get no 500 and answers that match the served document.

(SQLite only: on PostgreSQL each generated case costs a round of queries, and the store code is the same;
tests/test_web_store.py runs the endpoints on both engines.)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

import pytest

pytest.importorskip("litestar", reason="l'extra [serve] (Litestar) n'est pas installé")
schemathesis = pytest.importorskip("schemathesis", reason="Schemathesis n'est pas installé")

from cqpkit.store import users  # noqa: E402
from cqpkit.store.store import Store  # noqa: E402
from cqpkit.web import create_app  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

from tests.conftest import ROOT  # noqa: E402
from tests.test_web_openapi import CHECKS  # noqa: E402

CAMPAIGN = ROOT / "examples" / "campaign"


def _served() -> tuple[Store, Any, str]:
    """A campaign store in a temporary directory, the app on it, and an admin token (built at collection:
    Schemathesis reads its document from the app when the module is collected)."""
    import cqpkit

    directory = tempfile.mkdtemp(prefix="cqpkit-schemathesis-")
    users.PARAMETERS = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}  # type: ignore[misc]
    try:
        store = Store.open(os.path.join(directory, "cqpkit.db"), create=True, check=False, registry=cqpkit.load_registry())
        store.init()
        store.import_files([str(CAMPAIGN)], operateur="test")
        users.add_user(store, "adm", "Administratrice fictive", "admin", operateur="test")
        token = users.create_token(store, "adm", "schemathesis", operateur="test")
    finally:
        users.PARAMETERS = {}  # type: ignore[misc]
    return store, create_app(db=store, access_log=False), token


STORE, APP, TOKEN = _served()
SCHEMA = schemathesis.openapi.from_asgi("/api/openapi.json", APP).include(path_regex="^/api/v1/base/")


@pytest.fixture(scope="module", autouse=True)
def _cleanup() -> Any:
    yield
    STORE.close()
    shutil.rmtree(os.path.dirname(STORE.target.path or ""), ignore_errors=True)


@SCHEMA.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_store_schemathesis(case: Any) -> None:
    """Every store operation, with an admin token: no 500, the answers as documented."""
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=CHECKS)
