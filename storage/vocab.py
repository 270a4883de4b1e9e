"""Closed vocabularies stored in the database, as string enums."""

from __future__ import annotations

from enum import StrEnum


class Sourcing(StrEnum):
    INTERNE = "interne"
    EXTERNE = "externe"
    MIXTE = "mixte"


class Keep(StrEnum):
    """Whether a competence must outlive the deployment."""

    OUI = "oui"
    NON = "non"
    A_DECIDER = "a_decider"


class EntityKind(StrEnum):
    ACADEMIE = "academie"
    COLLECTIVITE = "collectivite"
    ECOLE = "ecole"
    EDITEUR = "editeur"
    PRESTATAIRE = "prestataire"
    AUTRE = "autre"


class TerritoryKind(StrEnum):
    COMMUNE = "commune"
    DEPARTEMENT = "departement"
    REGION = "region"
    ACADEMIE = "academie"


KEY_QUESTIONS: tuple[int, ...] = (1, 2, 3, 4)
SUCCESS_FACTORS: tuple[int, ...] = (1, 2, 3)
