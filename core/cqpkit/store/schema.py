"""The tables of the store at the current schema version (what the queries use).

The migrations (:mod:`cqpkit.store.migrations`) create exactly these tables, version after
version; ``tests/test_store_migrations.py`` checks that a database built by the migrations
matches this module.

What is kept where:

- ``cqpkit_meta``: the application name, the schema version, the head of the audit chain.
- ``candidats``: a candidate's personal data (the ``[candidat]`` table of dossier files), as one
  JSON object encrypted with the candidate's key (``donnees``, migration 5). Mutable: updated by a
  later import, erased on request (``efface_le``, ``pseudonyme``; ``donnees`` then ``NULL``).
- ``cles``: one random 256-bit key per data subject (``sujet`` = ``candidat:<id>``), with which every
  personal field of theirs is stored encrypted, here and in the dossier contents, evaluations and
  passages (:mod:`cqpkit.store.crypto`); erasure overwrites and forgets it (``cle`` ``NULL``,
  ``detruite_le``): crypto-shredding (migration 5).
- ``dossiers``: one row per dossier, its current version (certification, référentiel version,
  voie, inscription, its keyed fingerprint and ``empreinte_publique``, the plain hash of its content
  without personal data, which an erased candidate's import compares); ``dossier_versions``: every
  version, in order, with its content (the dossier file as JSON, the candidate reduced to its id,
  the personal fields encrypted under ``_personnel``) and its fingerprint. Append-only.
- ``evaluations``: every evaluation ever recorded, with the dossier version that brought it.
  Append-only.
- ``sessions`` and ``session_versions``: the jury sessions (members, president, certifications),
  open or closed.
- ``passages``: the jury's decisions, one row per state of a dossier's passage in a session.
  Append-only: a new decision, or a correction of a closed session (with its ``motif``), is a new
  row that names the row it replaces (``remplace_id``).
- ``audit``: the log of every change (who, when, what), chained by SHA-256. Append-only.
- ``echeances``: the deadlines the engine computed for each dossier (first jury, expiry of each
  partial award), indexed by date for ``cqpkit report deadlines``. Derived: recomputed whenever
  the dossier or its decisions change.
- ``personnes``: the people the dossiers name (``acteurs.personne``: a tutor, an evaluator…), by
  id, with the time the store first saw them (migration 3); ``personne_acteurs``: for every
  dossier's current version, one row per acteur naming a person — its role, its mission and its
  copy of the person's facts (unset facts as ``NULL``), and what the file declares by hand
  (``tutores_declares``, ``missions_declarees`` as JSON). Derived from the dossiers: replaced
  whenever a dossier changes (:mod:`cqpkit.store.personnes`).
- ``utilisateurs`` and ``jetons``: the users of a shared store (login, role, the jury member id they answer
  to, the argon2id hash of their password) and their API tokens (the SHA-256 of each token, never the
  token; expiry, revocation) (:mod:`cqpkit.store.users`, migration :data:`cqpkit.store.migration7.NUMERO`).
  Mutable, never deleted: a user is disabled, a token revoked.

- ``resultats`` and ``resultat_periodes`` (migration 6): what the engine concludes about each dossier,
  as intervals of dates ``[debut, fin)`` over which its answer holds (status, first passage late,
  funding lines without a barème, the sums of money, a plugin's failure), with the fingerprint of
  the référentiel, plugins and cqpkit that produced it (:mod:`cqpkit.store.results`). Derived:
  recomputed when the dossier or its decisions change, and by ``cqpkit db refresh`` when stale.
- ``compte_dossiers``, ``compte_candidats``, ``compte_candidats_distincts``, ``compte_resultats``,
  ``resultat_jours`` (migration 9): the figures of ``report campaign`` summed already (dossiers per route,
  candidates, current results per fingerprint, intervals pre-summed per day), kept by triggers on
  ``dossiers``, ``resultats`` and ``resultat_periodes`` (:mod:`cqpkit.store.migration9`). Derived.

The append-only tables are protected by triggers (migration 2): an ``UPDATE`` or a ``DELETE``
fails in the database itself, whatever the client.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = [
    "APPEND_ONLY",
    "audit",
    "candidats",
    "cles",
    "compte_candidats",
    "compte_candidats_distincts",
    "compte_dossiers",
    "compte_resultats",
    "dossier_versions",
    "dossiers",
    "echeances",
    "evaluations",
    "jetons",
    "meta",
    "metadata",
    "passages",
    "personne_acteurs",
    "personnes",
    "resultat_jours",
    "resultat_periodes",
    "resultats",
    "session_versions",
    "sessions",
    "utilisateurs",
]

metadata = sa.MetaData()

meta = sa.Table(
    "cqpkit_meta",
    metadata,
    sa.Column("cle", sa.String(64), primary_key=True),
    sa.Column("valeur", sa.Text, nullable=False),
)

candidats = sa.Table(
    "candidats",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("pseudonyme", sa.Text, nullable=True),
    sa.Column("efface_le", sa.String(32), nullable=True),
    sa.Column("cree_le", sa.String(32), nullable=False),
    sa.Column("modifie_le", sa.String(32), nullable=False),
    sa.Column("donnees", sa.Text, nullable=True),
)

cles = sa.Table(
    "cles",
    metadata,
    sa.Column("sujet", sa.String(120), primary_key=True),
    sa.Column("cle", sa.LargeBinary, nullable=True),
    sa.Column("cree_le", sa.String(32), nullable=False),
    sa.Column("detruite_le", sa.String(32), nullable=True),
)

dossiers = sa.Table(
    "dossiers",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("certification", sa.String(200), nullable=False),
    sa.Column("version_referentiel", sa.String(50), nullable=False),
    sa.Column("voie", sa.String(100), nullable=False),
    sa.Column("mention", sa.String(100), nullable=True),
    sa.Column("inscription", sa.Date, nullable=False),
    sa.Column("candidat_id", sa.String(100), sa.ForeignKey("candidats.id"), nullable=False),
    sa.Column("numero_version", sa.Integer, nullable=False),
    sa.Column("empreinte", sa.String(64), nullable=False),
    sa.Column("cree_le", sa.String(32), nullable=False),
    sa.Column("modifie_le", sa.String(32), nullable=False),
    sa.Column("empreinte_publique", sa.String(64), nullable=True),
    sa.Index("ix_dossiers_certification", "certification"),
    sa.Index("ix_dossiers_candidat", "candidat_id"),
)

dossier_versions = sa.Table(
    "dossier_versions",
    metadata,
    sa.Column("dossier_id", sa.String(100), sa.ForeignKey("dossiers.id"), primary_key=True),
    sa.Column("numero", sa.Integer, primary_key=True),
    sa.Column("empreinte", sa.String(64), nullable=False),
    sa.Column("certification", sa.String(200), nullable=False),
    sa.Column("version_referentiel", sa.String(50), nullable=False),
    sa.Column("contenu", sa.Text, nullable=False),
    sa.Column("enregistre_le", sa.String(32), nullable=False),
    sa.Column("operateur", sa.Text, nullable=False),
)

evaluations = sa.Table(
    "evaluations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dossier_id", sa.String(100), sa.ForeignKey("dossiers.id"), nullable=False),
    sa.Column("numero_version", sa.Integer, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("epreuve", sa.String(200), nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("contenu", sa.Text, nullable=False),
    sa.Column("empreinte", sa.String(64), nullable=False),
    sa.Column("enregistre_le", sa.String(32), nullable=False),
    sa.Index("ix_evaluations_dossier", "dossier_id"),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("certifications", sa.Text, nullable=False),
    sa.Column("numero_version", sa.Integer, nullable=False),
    sa.Column("empreinte", sa.String(64), nullable=False),
    sa.Column("contenu", sa.Text, nullable=False),
    sa.Column("cloturee", sa.Boolean, nullable=False, default=False),
    sa.Column("cloturee_le", sa.String(32), nullable=True),
    sa.Column("cree_le", sa.String(32), nullable=False),
    sa.Column("modifie_le", sa.String(32), nullable=False),
    sa.Index("ix_sessions_date", "date"),  # migration 8
)

session_versions = sa.Table(
    "session_versions",
    metadata,
    sa.Column("session_id", sa.String(100), sa.ForeignKey("sessions.id"), primary_key=True),
    sa.Column("numero", sa.Integer, primary_key=True),
    sa.Column("empreinte", sa.String(64), nullable=False),
    sa.Column("contenu", sa.Text, nullable=False),
    sa.Column("enregistre_le", sa.String(32), nullable=False),
    sa.Column("operateur", sa.Text, nullable=False),
)

passages = sa.Table(
    "passages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dossier_id", sa.String(100), sa.ForeignKey("dossiers.id"), nullable=False),
    sa.Column("session_id", sa.String(100), nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("absent", sa.Boolean, nullable=False, default=False),
    sa.Column("excuse", sa.Boolean, nullable=False, default=False),
    sa.Column("decisions", sa.Text, nullable=False),
    sa.Column("notes", sa.Text, nullable=False, default=""),
    sa.Column("origine", sa.String(20), nullable=False),
    sa.Column("remplace_id", sa.Integer, sa.ForeignKey("passages.id"), nullable=True),
    sa.Column("motif", sa.Text, nullable=False, default=""),
    sa.Column("enregistre_le", sa.String(32), nullable=False),
    sa.Column("operateur", sa.Text, nullable=False),
    sa.Index("ix_passages_dossier", "dossier_id"),
    sa.Index("ix_passages_session", "session_id"),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("numero", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("horodatage", sa.String(32), nullable=False),
    sa.Column("operateur", sa.Text, nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("objet", sa.String(20), nullable=False),
    sa.Column("objet_id", sa.String(100), nullable=False),
    sa.Column("details", sa.Text, nullable=False),
    sa.Column("precedente", sa.String(64), nullable=False),
    sa.Column("empreinte", sa.String(64), nullable=False),
    sa.Index("ix_audit_objet", "objet_id"),
)

echeances = sa.Table(
    "echeances",
    metadata,
    sa.Column("dossier_id", sa.String(100), sa.ForeignKey("dossiers.id"), primary_key=True),
    sa.Column("type", sa.String(20), primary_key=True),
    sa.Column("domaine", sa.String(50), primary_key=True),
    sa.Column("certification", sa.String(200), nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("depuis", sa.Date, nullable=False),
    sa.Index("ix_echeances_date", "date"),
)

personnes = sa.Table(
    "personnes",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("cree_le", sa.String(32), nullable=False),
)

personne_acteurs = sa.Table(
    "personne_acteurs",
    metadata,
    sa.Column("dossier_id", sa.String(100), sa.ForeignKey("dossiers.id"), primary_key=True),
    sa.Column("acteur_id", sa.String(100), primary_key=True),
    sa.Column("personne_id", sa.String(100), sa.ForeignKey("personnes.id"), nullable=False),
    sa.Column("role", sa.String(50), nullable=False),
    sa.Column("roles_secondaires", sa.Text, nullable=False),
    sa.Column("mission_debut", sa.Date, nullable=True),
    sa.Column("mission_fin", sa.Date, nullable=True),
    sa.Column("organisation", sa.Text, nullable=True),
    sa.Column("fonction", sa.Text, nullable=True),
    sa.Column("management_depuis", sa.Date, nullable=True),
    sa.Column("forme_le", sa.Date, nullable=True),
    sa.Column("formation_heures", sa.Float, nullable=True),
    sa.Column("tutores_declares", sa.Integer, nullable=True),
    sa.Column("missions_declarees", sa.Text, nullable=False),
    sa.Index("ix_personne_acteurs_personne", "personne_id"),
)

utilisateurs = sa.Table(
    "utilisateurs",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("nom", sa.Text, nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("actif", sa.Boolean, nullable=False),
    sa.Column("membre", sa.String(100), nullable=True),
    sa.Column("mot_de_passe", sa.Text, nullable=True),
    sa.Column("cree_le", sa.String(32), nullable=False),
    sa.Column("modifie_le", sa.String(32), nullable=False),
)

jetons = sa.Table(
    "jetons",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("utilisateur_id", sa.String(64), sa.ForeignKey("utilisateurs.id"), nullable=False),
    sa.Column("libelle", sa.Text, nullable=False),
    sa.Column("empreinte", sa.String(64), nullable=False),
    sa.Column("cree_le", sa.String(32), nullable=False),
    sa.Column("expire_le", sa.String(32), nullable=True),
    sa.Column("revoque_le", sa.String(32), nullable=True),
    sa.Index("ix_jetons_utilisateur", "utilisateur_id"),
)

resultats = sa.Table(
    "resultats",
    metadata,
    sa.Column("dossier_id", sa.String(100), sa.ForeignKey("dossiers.id"), primary_key=True),
    sa.Column("certification", sa.String(200), nullable=False),
    sa.Column("version_referentiel", sa.String(50), nullable=False),
    sa.Column("numero_version", sa.Integer, nullable=False),
    sa.Column("empreinte", sa.String(64), nullable=False),
    sa.Column("calcule_le", sa.String(32), nullable=False),
    sa.Index("ix_resultats_referentiel", "certification", "version_referentiel", "empreinte"),
)

resultat_periodes = sa.Table(
    "resultat_periodes",
    metadata,
    sa.Column("dossier_id", sa.String(100), sa.ForeignKey("dossiers.id"), primary_key=True),
    sa.Column("debut", sa.Date, primary_key=True),
    sa.Column("fin", sa.Date, nullable=True),
    sa.Column("certification", sa.String(200), nullable=False),
    sa.Column("version_referentiel", sa.String(50), nullable=False),
    sa.Column("statut", sa.String(20), nullable=False),
    sa.Column("hors_delai", sa.Boolean, nullable=False),
    sa.Column("sans_bareme", sa.Integer, nullable=False),
    *(sa.Column(f"{n}_{u}", sa.Float, nullable=False) for n in ("cout", "financement", "gratification") for u in ("euro", "points")),
    sa.Column("echec", sa.Text, nullable=True),
    sa.Index("ix_resultat_periodes_statut", "statut", "dossier_id"),  # migration 8
    # migration 9: the intervals where a plugin failed (the first dossier of a certification not evaluated)
    sa.Index("ix_resultat_periodes_echec", "certification", "dossier_id", sqlite_where=sa.text("echec IS NOT NULL"),
             postgresql_where=sa.text("echec IS NOT NULL")),
)

# The counters of ``report campaign`` (migration 9, :mod:`cqpkit.store.migration9`), kept by triggers.
compte_dossiers = sa.Table(
    "compte_dossiers",
    metadata,
    sa.Column("certification", sa.String(200), primary_key=True),
    sa.Column("version_referentiel", sa.String(50), primary_key=True),
    sa.Column("voie", sa.String(100), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
)

compte_candidats = sa.Table(
    "compte_candidats",
    metadata,
    sa.Column("certification", sa.String(200), primary_key=True),
    sa.Column("candidat_id", sa.String(100), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
)

compte_candidats_distincts = sa.Table(
    "compte_candidats_distincts",
    metadata,
    sa.Column("certification", sa.String(200), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
)

compte_resultats = sa.Table(
    "compte_resultats",
    metadata,
    sa.Column("certification", sa.String(200), primary_key=True),
    sa.Column("version_referentiel", sa.String(50), primary_key=True),
    sa.Column("empreinte", sa.String(64), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
)

resultat_jours = sa.Table(
    "resultat_jours",
    metadata,
    sa.Column("certification", sa.String(200), primary_key=True),
    sa.Column("version_referentiel", sa.String(50), primary_key=True),
    sa.Column("statut", sa.String(20), primary_key=True),
    sa.Column("hors_delai", sa.Boolean, primary_key=True),
    sa.Column("echoue", sa.Boolean, primary_key=True),
    sa.Column("jour", sa.Date, primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("sans_bareme", sa.Integer, nullable=False),
    *(sa.Column(f"{n}_{u}", sa.Float, nullable=False) for n in ("cout", "financement", "gratification") for u in ("euro", "points")),
)

#: The tables whose rows are never updated nor deleted (triggers enforce it).
APPEND_ONLY = ("dossier_versions", "session_versions", "evaluations", "passages", "audit")
