"""A stored dossier version that no longer loads (issue 15, point 8): what the base holds is shown, and why.

The version is written as another cqpkit would have written it (a format change): appended to the real
base — SQLite and PostgreSQL — as version 2, the dossier pointing at it (``dossier_versions`` is append-only,
so nothing is changed in place). Every way the content can stop loading is one case: a renamed key, a value
of another type, a table turned into a list, JSON cut short.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import run_cli
from tests.test_store_support import CAMPAIGN, db, registry, snapshot  # noqa: F401 (fixtures)

DOSSIER = "OEMM-2017-0207"
AS_OF = "2021-01-01"


def _renamed(data: dict[str, Any]) -> str:
    data["dossier"]["date_inscription"] = data["dossier"].pop("inscription")
    return json.dumps(data)


def _retyped(data: dict[str, Any]) -> str:
    data["evaluations"][0]["date"] = 20200511
    return json.dumps(data)


def _listed(data: dict[str, Any]) -> str:
    data["candidat"] = [data["candidat"]]
    return json.dumps(data)


def _cut(data: dict[str, Any]) -> str:
    text = json.dumps(data)
    return text[: len(text) // 2]


#: Each way a stored content stops loading, with what the reason must say.
FORMATS: dict[str, tuple[Callable[[dict[str, Any]], str], str]] = {
    "cle_renommee": (_renamed, "dossier.inscription : clé obligatoire manquante"),
    "type_change": (_retyped, "evaluations[0].date : "),
    "table_en_liste": (_listed, "candidat : "),
    "json_tronque": (_cut, "JSON invalide (caractère "),
}


def _append_version(url: str, change: Callable[[dict[str, Any]], str]) -> None:
    """Version 2 of DOSSIER with the changed content, as another cqpkit would append it."""
    import sqlalchemy as sa
    from cqpkit.store import schema as t
    from cqpkit.store.store import Store

    with Store.open(url) as store, store.write() as conn:
        v1 = conn.execute(sa.select(t.dossier_versions).where(t.dossier_versions.c.dossier_id == DOSSIER)).one()
        row = dict(v1._mapping)
        row.update(numero=2, contenu=change(json.loads(v1.contenu)), empreinte="0" * 64)
        conn.execute(t.dossier_versions.insert(), [row])
        conn.execute(t.dossiers.update().where(t.dossiers.c.id == DOSSIER).values(numero_version=2))


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_unloadable_version_is_shown_with_why(db, kind):
    change, reason = FORMATS[kind]
    imported = run_cli("import", "--db", db, str(CAMPAIGN))
    assert imported.returncode == 0, imported.stderr
    _append_version(db, change)
    from cqpkit.store.store import Store

    with Store.open(db) as store:
        before = snapshot(store)
    head = f"erreur : dossier « {DOSSIER} » : sa version 2 enregistrée ne se lit plus : "

    show = run_cli("dossier", "show", DOSSIER, "--db", db, "--as-of", AS_OF, "--large")  # the header line whole
    assert show.returncode == 1, show.stdout + show.stderr
    # What the base holds: the dossier's row, its candidate, its passages, what its content still says.
    assert show.stdout.startswith(f"Dossier {DOSSIER} — mutualite.specialiste-prestations 2014, voie formation, mention sante (version 2 du dossier)")
    assert "  Candidat : C-0207" in show.stdout and "  Inscription : 04/09/2017" in show.stdout
    assert "  Contenu enregistré (version 2, " in show.stdout
    (line,) = [x for x in show.stderr.splitlines() if x.startswith(head)]
    assert reason in line
    assert "cqpkit dossier history" in show.stderr

    as_json = run_cli("dossier", "show", DOSSIER, "--db", db, "--as-of", AS_OF, "--json")
    assert as_json.returncode == 1
    data = json.loads(as_json.stdout)
    assert data["resultat"] is None and data["financement"] == [] and reason in data["illisible"]
    assert data["version_dossier"] == 2 and data["contenu"]["taille"] > 0

    # The other readers of the dossier say the same, exit 1; the history reads the rows only.
    report = run_cli("report", "campaign", "--db", db, "--as-of", AS_OF)
    assert report.returncode == 1 and f"dossier « {DOSSIER} » : sa dernière version enregistrée ne se lit plus" in report.stderr
    history = run_cli("dossier", "history", DOSSIER, "--db", db)
    assert history.returncode == 0 and "    2  " in history.stdout
    for result in (show, as_json, report, history):
        assert "erreur interne" not in result.stderr and "Traceback" not in result.stdout + result.stderr
    with Store.open(db) as store:
        assert snapshot(store) == before  # reading changed nothing


def test_loadable_version_is_unchanged(db):
    """The same commands on the base as imported: exit 0, the result computed, no ``illisible`` key."""
    assert run_cli("import", "--db", db, str(CAMPAIGN)).returncode == 0
    show = run_cli("dossier", "show", DOSSIER, "--db", db, "--as-of", AS_OF, "--json")
    assert show.returncode == 0
    data = json.loads(show.stdout)
    assert "illisible" not in data and data["resultat"]["statut"]
