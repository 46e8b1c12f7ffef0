"""The store: candidates, dossiers, jury sessions and decisions on SQLite or PostgreSQL.

:class:`Store` is the Python API behind ``cqpkit db``, ``import``, ``jury``, ``dossier``,
``report`` and ``candidate``. Every operation is one transaction: it is applied whole or not at
all, and writers are serialised (see :mod:`cqpkit.store.engine`). Every change is logged in the
audit chain (:mod:`cqpkit.store.audit`) with the operator's name.

What the store guarantees, and how
----------------------------------
- **Dossiers are versioned.** An import whose content did not change is a no-op; a changed
  file is a new version (``dossier_versions``), which records the référentiel version it follows.
- **Evaluations and decisions are append-only.** Evaluations are added when a version brings new
  ones. A jury passage is a row per state (``passages``): a new decision, or a later file that
  says something new about an open session, is a new row that names the one it replaces. A
  closed session's decisions never change in place: a file that contradicts them is refused, and a
  correction (``cqpkit jury decide … --motif``) is a new row of origin ``correction`` with its
  reason. Triggers forbid ``UPDATE`` and ``DELETE`` on these tables.
- **The engine reads what the store holds.** The dossier the engines see is the latest version's
  content with, as its passages, the current state of each of its passages in the store. Every
  deadline (first jury after registration, expiry of each partial award) is computed with the
  engine (:meth:`Registry.decide`, :func:`cqpkit.rules.dates.add`) when the dossier or its
  decisions change, and kept in ``echeances``, indexed by date.
- **Personal data live in one table** (``candidats``): exported as JSON on request, replaced by a
  pseudonym on erasure, never written to the audit log nor to the dossier versions.

This module is the facade: :class:`Store` opens the database (:class:`~cqpkit.store.base.StoreBase`)
and each of its operations calls the module of its concern — :mod:`~cqpkit.store.importing`,
:mod:`~cqpkit.store.jury`, :mod:`~cqpkit.store.views`, :mod:`~cqpkit.store.reports`,
:mod:`~cqpkit.store.personal` (the code map is in ``docs/store.md``). The names other modules imported
from here are re-exported.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from typing import Any

from cqpkit.model import Dossier, SessionJury
from cqpkit.store import importing, jury, personal, reports, views
from cqpkit.store.availability import plugin_hint
from cqpkit.store.base import StoreBase, operateur_par_defaut
from cqpkit.store.deadlines import compute_echeances, rebuild_echeances
from cqpkit.store.importing import ImportReport
from cqpkit.store.personal import Effacement
from cqpkit.store.reading import Lot
from cqpkit.store.sql import bulk_insert, insert_tuples

__all__ = [
    "Effacement", "ImportReport", "Store", "bulk_insert", "compute_echeances", "insert_tuples", "operateur_par_defaut", "plugin_hint",
    "rebuild_echeances",
]


class Store(StoreBase):
    """A cqpkit database (see the module docstring). Open it with :meth:`open`.

    Opening, transactions and schema (``init``, ``upgrade``, ``verify``) come from :class:`StoreBase`;
    every other method calls the module of its concern, where its behaviour is documented.
    """

    # -- import (cqpkit.store.importing) -------------------------------------------
    def import_files(self, paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str], operateur: str | None = None) -> ImportReport:
        """Validate every file, then store them all in one transaction, or nothing (:func:`streaming.import_files`)."""
        from cqpkit.store import streaming

        return streaming.import_files(self, paths, operateur)

    def import_lot(self, lot: Lot, operateur: str | None = None) -> ImportReport:
        """Store validated dossiers and sessions, all or nothing (:func:`importing.import_lot`)."""
        return importing.import_lot(self, lot, operateur)

    # -- jury workflow (cqpkit.store.jury) -----------------------------------------
    def open_session(self, session: SessionJury, operateur: str | None = None) -> list[Any]:
        """Record a new jury session, open, validated first; return the findings to say now, as warnings (:func:`jury.open_session`)."""
        return jury.open_session(self, session, operateur)

    def session_warnings(self, session_id: str) -> list[Any]:
        """The engine's findings on a stored session as it stands, to say as warnings (:func:`jury.warnings`)."""
        return jury.warnings(self, session_id)

    def add_to_session(
        self, session_id: str, dossier_ids: Sequence[str], operateur: str | None = None, *,
        absent: bool = False, excuse: bool = False, present: bool = False,
    ) -> list[tuple[str, str]]:
        """Present dossiers to an open session; return ``(dossier, statut)`` (:func:`jury.add_to_session`)."""
        return jury.add_to_session(self, session_id, dossier_ids, operateur, absent=absent, excuse=excuse, present=present)

    def decide(
        self, session_id: str, dossier_id: str, decisions: dict[str, str], operateur: str | None = None, *, motif: str = ""
    ) -> dict[str, Any]:
        """Record the jury's decisions on a dossier; on a closed session, a correction with its ``motif`` (:func:`jury.decide`)."""
        return jury.decide(self, session_id, dossier_id, decisions, operateur, motif=motif)

    def close_session(self, session_id: str, operateur: str | None = None, *, force: bool = False) -> list[Any]:
        """Close a session after checking it with the engine; return the findings (:func:`jury.close_session`)."""
        return jury.close_session(self, session_id, operateur, force=force)

    # -- views (cqpkit.store.views) ------------------------------------------------
    def dossier(self, dossier_id: str) -> Dossier:
        """A stored dossier as the engines see it (:func:`views.dossier`)."""
        return views.dossier(self, dossier_id)

    def personne(self, personne_id: str, as_of: dt.date) -> dict[str, Any]:
        """A person the dossiers name, as of a date (:func:`views.personne`)."""
        return views.personne(self, personne_id, as_of)

    def dossier_ids(self, certification: str | None = None) -> list[str]:
        """The ids of the stored dossiers (of one certification)."""
        return views.dossier_ids(self, certification)

    def show(self, dossier_id: str, as_of: dt.date) -> dict[str, Any]:
        """Everything about one dossier as of a date (:func:`views.show`)."""
        return views.show(self, dossier_id, as_of)

    def history(self, dossier_id: str) -> dict[str, Any]:
        """The versions, passages and audit entries of a dossier (:func:`views.history`)."""
        return views.history(self, dossier_id)

    def jury_sessions(self, certification: str | None = None) -> list[dict[str, Any]]:
        """Every stored jury session (covering ``certification``), by date then id (:func:`views.jury_sessions`)."""
        return views.jury_sessions(self, certification)

    def jury_session(self, session_id: str) -> dict[str, Any]:
        """One stored jury session with its candidates, records and findings (:func:`views.jury_session`)."""
        return views.jury_session(self, session_id)

    # -- reports (cqpkit.store.reports) --------------------------------------------
    def deadlines(self, as_of: dt.date, within: int, certification: str | None = None) -> dict[str, Any]:
        """Deadlines in the next ``within`` days and the last ``within`` days (:func:`reports.deadlines`)."""
        return reports.deadlines(self, as_of, within, certification)

    def campaign(self, as_of: dt.date, certification: str | None = None, *, refresh: bool = False) -> dict[str, Any]:
        """The campaign's figures per certification, from the stored results (:func:`reports.campaign`; ``refresh``: stale ones recomputed first)."""
        return reports.campaign(self, as_of, certification, refresh=refresh)

    def refresh_results(self, batch: int = 500, progress: Callable[[str, int, int], None] | None = None) -> int:
        """Recompute the stale or missing stored results in batches, each its own transaction (:func:`cqpkit.store.refresh.refresh`)."""
        from cqpkit.store.refresh import refresh

        return refresh(self, batch, progress)

    # -- personal data (cqpkit.store.personal) -------------------------------------
    def candidate_names(self, candidat_ids: Any) -> dict[str, dict[str, Any]]:
        """The names of these candidates for a report's text (:func:`personal.candidate_names`)."""
        return personal.candidate_names(self, candidat_ids)

    def export_candidat(
        self, candidat_id: str, operateur: str | None = None, *, deliver: Callable[[dict[str, Any]], None] | None = None
    ) -> dict[str, Any]:
        """Every personal datum held on a candidate, with their dossiers and the log (:func:`personal.export_candidat`)."""
        return personal.export_candidat(self, candidat_id, operateur, deliver=deliver)

    def erase_candidat(self, candidat_id: str, operateur: str | None = None) -> str:
        """Replace a candidate's personal data with a pseudonym; return the pseudonym (:func:`personal.erase_candidat`)."""
        return personal.erase_candidat(self, candidat_id, operateur)

    def export_candidate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Deprecated name of :meth:`export_candidat` (the domain noun stays French), kept for one release."""
        import warnings

        warnings.warn("Store.export_candidate() is deprecated; use Store.export_candidat()", DeprecationWarning, stacklevel=2)
        return self.export_candidat(*args, **kwargs)

    def erase_candidate(self, *args: Any, **kwargs: Any) -> str:
        """Deprecated name of :meth:`erase_candidat` (the domain noun stays French), kept for one release."""
        import warnings

        warnings.warn("Store.erase_candidate() is deprecated; use Store.erase_candidat()", DeprecationWarning, stacklevel=2)
        return self.erase_candidat(*args, **kwargs)

    def erase(self, candidat_id: str, operateur: str | None = None) -> Effacement:
        """:meth:`erase_candidat`, saying what was done (:func:`personal.erase`)."""
        return personal.erase(self, candidat_id, operateur)
