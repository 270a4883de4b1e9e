"""The sheet's 19 competences, in its order: the catalogue every project starts from.

This is reference data copied from ``fiche-competences-ent.txt``; the first
migration seeds the ``competence`` table from it.
"""

from __future__ import annotations

from typing import NamedTuple


class SheetCompetence(NamedTuple):
    number: int
    code: str
    label_fr: str
    label_en: str
    families: tuple[str, ...]
    profiles_fr: str
    aliases: tuple[str, ...]


TECHNIQUE = "technique"
FONCTIONNEL = "fonctionnel"
PILOTAGE = "pilotage"
FAMILIES: tuple[str, ...] = (TECHNIQUE, FONCTIONNEL, PILOTAGE)

SHEET: tuple[SheetCompetence, ...] = (
    SheetCompetence(1, "equipements-fourniture",
                    "Fourniture des équipements informatiques (mobiles ou non)",
                    "Supply of IT equipment (mobile or not)",
                    (TECHNIQUE,), "Profils techniques", ("materiel", "equipment")),
    SheetCompetence(2, "equipements-exploitation",
                    "Exploitation des équipements informatiques (mobiles ou non)",
                    "Operation of IT equipment (mobile or not)",
                    (TECHNIQUE,), "Profils techniques", ()),
    SheetCompetence(3, "equipements-maintenance",
                    "Maintenance des équipements informatiques (mobiles ou non)",
                    "Maintenance of IT equipment (mobile or not)",
                    (TECHNIQUE,), "Profils techniques", ()),
    SheetCompetence(4, "reseau", "Fourniture d'accès au réseau",
                    "Network access provision",
                    (TECHNIQUE,), "Profils techniques", ("network",)),
    SheetCompetence(5, "securite", "Fourniture de système de sécurité",
                    "Security system provision",
                    (TECHNIQUE,), "Profils techniques", ("security",)),
    SheetCompetence(6, "edition", "Fourniture/édition de la solution ENT",
                    "Supply and publishing of the ENT solution",
                    (TECHNIQUE,), "Profils techniques", ("editeur", "publishing")),
    SheetCompetence(7, "hebergement", "Hébergement et exploitation de la solution ENT",
                    "Hosting and operation of the ENT solution",
                    (TECHNIQUE,), "Profils techniques", ("hosting",)),
    SheetCompetence(8, "maintenance-ent", "Maintenance corrective et évolutive de la solution ENT",
                    "Corrective and evolutive maintenance of the ENT solution",
                    (TECHNIQUE, FONCTIONNEL), "Profils techniques, profils fonctionnels", ()),
    SheetCompetence(9, "administration", "Administration de l'ENT",
                    "Administration of the ENT",
                    (TECHNIQUE,), "Profils techniques", ("admin",)),
    SheetCompetence(10, "formation",
                    "Formation à l'utilisation de l'ENT et aux usages pédagogiques",
                    "Training in using the ENT and its educational uses",
                    (FONCTIONNEL,),
                    "Profils fonctionnels pour l'utilisation de la solution, "
                    "profils fonctionnels pédagogiques", ("training",)),
    SheetCompetence(11, "accompagnement", "Accompagnement des utilisateurs",
                    "User support",
                    (FONCTIONNEL,), "Profils fonctionnels métiers et pédagogiques",
                    ("support", "assistance-utilisateurs")),
    SheetCompetence(12, "documentation", "Création de documentation projet",
                    "Project documentation",
                    (FONCTIONNEL,), "Profils fonctionnels métiers et pédagogiques", ()),
    SheetCompetence(13, "contenus", "Fourniture de contenus et ressources pédagogiques",
                    "Supply of educational content and resources",
                    (FONCTIONNEL,), "Profils fonctionnels métiers et pédagogiques",
                    ("ressources", "content")),
    SheetCompetence(14, "communication", "Communication auprès de la communauté éducative",
                    "Communication with the educational community",
                    (FONCTIONNEL,), "Profils fonctionnels métiers", ()),
    SheetCompetence(15, "juridique",
                    "Compétences juridiques pour la mise en œuvre des conventions "
                    "(avec les collectivités, les fournisseurs, les parents d'élèves, etc.)",
                    "Legal skills for implementing agreements "
                    "(with local authorities, suppliers, parents, etc.)",
                    (FONCTIONNEL,), "Profils fonctionnels métiers, experts juridiques",
                    ("legal", "conventions")),
    SheetCompetence(16, "evaluation", "Évaluation des usages et du fonctionnement de l'ENT",
                    "Evaluation of the ENT's uses and operation",
                    (PILOTAGE,), "Profils pilotage de projet", ()),
    SheetCompetence(17, "deploiement", "Assistance au déploiement",
                    "Deployment assistance",
                    (PILOTAGE,), "Profils pilotage de projet", ("deployment",)),
    SheetCompetence(18, "pilotage", "Pilotage et gestion de projet",
                    "Project steering and management",
                    (PILOTAGE,), "Profils pilotage de projet", ("steering", "gestion")),
    SheetCompetence(19, "moa", "Maîtrise d'ouvrage (académie, collectivité, école)",
                    "Project ownership (académie, local authority, school)",
                    (PILOTAGE,), "Profils pilotage de projet", ("maitrise-ouvrage", "ownership")),
)
