"""The catalogue of the finding codes (``Constat.code``) that the core's engines give.

Each code is listed with its row in ``docs/engine.md`` (« Findings »); a test checks both ways that
every code the core's rules build is here and in that table (``tests/test_scenarios.py``). The other
codes a dossier can get are its référentiel's ``[[regles]]`` ids (a rule reports under its own id) and
those a plugin's hooks give, which the plugin declares in ``CQPKIT_CODES`` (a module attribute, like
``CQPKIT_BLOCKS``). :meth:`cqpkit.plugins.registry.Registry.finding_codes` puts the three together;
a scenario that expects a code none of them gives is warned about (``cqpkit validate``, ``cqpkit test``).
"""

from __future__ import annotations

__all__ = ["CODES", "closest_code"]

#: Every finding code of the core's engines (rules.checks, rules.decision, rules.orientation,
#: rules.funding_parts, rules.jury, rules.vigueur), in the order of ``docs/engine.md``.
CODES: tuple[str, ...] = (
    "premier_passage_hors_delai",
    "evaluateurs_nombre",
    "evaluateurs_non_distincts",
    "evaluateur_role_requis",
    "evaluateur_role_non_admis",
    "evaluateur_role_exclu",
    "tuteur_experience",
    "tuteur_n_plus_1",
    "tuteur_charge_recommandee",
    "tuteur_charge_max",
    "tuteur_forme_apres",
    "tuteur_delai_formation",
    "vae_experience",
    "vae_document_manquant",
    "passage_evaluation_finale",
    "passage_activites",
    "passage_modules_obligatoires",
    "heures_formation",
    "organisme_non_agree",
    "decision_contraire",
    "version_hors_vigueur",
    "passage_apres_certification",
    "decision_domaine_inconnu",
    "decision_certification_entiere",
    "bareme_inconnu",
    "financement_en_attente",
    # built by cqpkit.plugins.hookcalls (a plugin failing on a dossier), not by a rule
    "extension_en_echec",
    "prerequis_non_maitrise",
    "prerequis_non_renseigne",
    "orientation_par_defaut",
    "positionnement_absent",
    "voie_suggeree",
    "domaine_non_defini",
    "jury_passage",
    "jury_composition",
    "jury_president",
    "jury_presidence_alternee",
    "jury_certification",
)


def closest_code(code: str, known: object) -> str | None:
    """The known code closest to ``code`` (difflib, as the other « vouliez-vous dire » hints), or None."""
    import difflib

    near = difflib.get_close_matches(code, sorted(known), n=1)  # type: ignore[call-overload]
    return near[0] if near else None
