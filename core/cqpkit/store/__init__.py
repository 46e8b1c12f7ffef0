"""The store: a campaign's candidates, dossiers, jury sessions and decisions, on SQLite or PostgreSQL.

::

    from cqpkit.store import Store

    with Store.open("campagne.db", create=True) as store:   # or "postgresql://user@host/base"
        store.init()                                       # create or check the schema
        report = store.import_files(["examples/campaign"], operateur="oemm")
        store.decide("OEMM-JURY-2020-01", "OEMM-2018-0007", {"D3": "acquis"}, operateur="oemm")
        store.close_session("OEMM-JURY-2020-01", operateur="oemm")
        store.deadlines(datetime.date(2020, 6, 30), within=90)
        store.campaign(datetime.date(2020, 6, 30))

Importing this package is light; SQLAlchemy is imported with :mod:`cqpkit.store.store` (on
first use of :class:`Store`), never by ``cqpkit list``. See ``docs/store.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cqpkit.store.errors import NotFoundError, StoreConflictError, StoreError

if TYPE_CHECKING:  # pragma: no cover
    from cqpkit.store.reading import ImportErrors, read_lot
    from cqpkit.store.store import Effacement, ImportReport, Store

__all__ = ["Effacement", "ImportErrors", "ImportReport", "NotFoundError", "Store", "StoreConflictError", "StoreError", "read_lot"]


def __getattr__(name: str) -> Any:
    if name in ("Store", "ImportReport", "Effacement"):
        from cqpkit.store import store

        return getattr(store, name)
    if name in ("ImportErrors", "read_lot"):
        from cqpkit.store import reading

        return getattr(reading, name)
    raise AttributeError(f"module 'cqpkit.store' has no attribute {name!r}")
