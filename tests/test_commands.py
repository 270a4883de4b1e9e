"""The command language, driven through the console as a user types it."""

from __future__ import annotations

import pytest

from bot.app import Application
from bot.console import CHANNEL, WORKSPACE
from services.turn import Caller
from tests.support.console import say
from tests.support.db import count_statements, dump
from tests.support.project_state import state
from tests.support.terminal import row, table_rows


def owner(app: Application, number: int) -> str | None:
    snapshot = state(app)
    competence = next(c for c in snapshot.competences if c.number == number)
    assignment = snapshot.assignments.get(competence.id)
    entity = snapshot.entity(assignment.entity_id) if assignment else None
    return entity.name if entity else None


@pytest.fixture
def project(app: Application) -> Application:
    say(app, "/ent projet creer ENT des collèges d'Ille-et-Vilaine")
    return app


def test_help_lists_the_commands(app: Application) -> None:
    out = say(app, "/ent")
    assert "/ent statut" in out and "/ent-assign" in out and "/ent projet creer" in out


@pytest.mark.parametrize(
    ("line", "number", "entity", "sourcing", "contacts"),
    [
        ("/ent-assign 7 Éditeur Open ENT externe", 7, "Éditeur Open ENT", "externe", ()),
        (
            "/ent-assign hébergement à Éditeur Open ENT externe @alice",
            7,
            "Éditeur Open ENT",
            "externe",
            ("@alice",),
        ),
        (
            '/ent-assign "Formation à l\'utilisation de l\'ENT" "DANE Rennes" interne',
            10,
            "DANE Rennes",
            "interne",
            (),
        ),
        ("/ent-assign juridique DAJ Rectorat", 15, "DAJ Rectorat", None, ()),
    ],
)
def test_the_issue_examples_assign_after_confirming_the_new_entity(
    project: Application,
    line: str,
    number: int,
    entity: str,
    sourcing: str | None,
    contacts: tuple[str, ...],
) -> None:
    asked = say(project, line)
    assert f"L'entité « {entity} » n'existe pas encore" in asked
    assert owner(project, number) is None

    out = say(project, "oui")

    assert f"Entité créée : {entity}.\n" in out
    assert f"a confié {number}. " in out
    snapshot = state(project)
    competence = next(c for c in snapshot.competences if c.number == number)
    assignment = snapshot.assignments[competence.id]
    assert owner(project, number) == entity
    assert assignment.sourcing == sourcing
    assert assignment.contacts == contacts


def test_existing_entity_is_used_without_confirmation_and_history_records_it(
    project: Application,
) -> None:
    say(project, "/ent entite ajouter DSI du Département", "/ent-assign reseau dsi du departement")
    out = say(project, "/ent-assign 4 DSI du Département mixte @bob pérenne")
    assert "n'existe pas encore" not in out
    history = say(project, "/ent historique réseau")
    assert "∅ → DSI du Département" in history
    assert "∅ → mixte" in history
    assert "pérennité : pérennité à décider → pérenne" in history


def test_no_project_yet_says_how_to_create_one(app: Application) -> None:
    out = say(app, "/ent statut")
    assert "/ent projet creer" in out


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/ent-assign 20 DSI", "Il n'y a pas de compétence n°20"),
        ("/ent-assign 0 DSI", "n°0"),
        ("/ent-assign zzz DSI", "Je ne connais pas la compétence « zzz »"),
        ("/ent-assign maintenance DSI", "n°3"),
        ("/ent-assign 7", "Il manque l'entité"),
        ('/ent-assign "Formation DSI', "Il manque un guillemet fermant"),
        ("/ent-assign 7 " + "x" * 10_000, "trop long"),
        ("/ent-assign 7 DSI\x07 du Département", "caractères invisibles"),
        ("/ent zzz", "Je ne connais pas la commande « zzz »"),
        ("/ent statu", "Vouliez-vous dire « statut »"),
        ("/ent entite ajouter Collège Anne de Bretagne 0350122A", "lettre de contrôle"),
        ("/ent facteurs 9 fait", "numéro du facteur"),
        ("/ent questions 7", "pas de question « 7 »"),
        ("/ent desassigner", "Il manque la compétence"),
    ],
)
def test_bad_input_is_explained_in_french_and_changes_nothing(
    project: Application, line: str, expected: str
) -> None:
    before = dump(project.database.engine)
    out = say(project, line)
    assert expected in out
    assert "Syntaxe :" in out
    assert "Traceback" not in out
    assert dump(project.database.engine) == before


def test_ambiguous_competence_lists_the_candidates(project: Application) -> None:
    out = say(project, "/ent-assign maintenance DSI")
    assert "n°3 « Maintenance des équipements" in out
    assert "n°8 « Maintenance corrective" in out


def test_channel_ping_in_a_name_is_stored_as_typed_and_pings_nobody(
    project: Application,
) -> None:
    say(project, "/ent-assign 7 <!channel> & co", "oui")
    assert owner(project, 7) == "<!channel> & co"
    with project.database.transaction() as store:
        from services import reports
        from services.turn import Caller, Turn

        project_info = store.project_for_channel(WORKSPACE, CHANNEL)
        assert project_info is not None
        reply = reports.status(
            Turn(store, Caller(WORKSPACE, "alice", CHANNEL), project_info), project_info
        )
    rendered = project.messages.slack(reply.template, reply.data, reply.language)
    text = str(rendered.blocks)
    assert "&lt;!channel&gt; &amp; co" in text
    assert "<!channel>" not in text


def test_declining_creation_changes_nothing(project: Application) -> None:
    before = dump(project.database.engine)
    out = say(project, "/ent-assign 7 Nouvel Hébergeur", "non")
    assert "je ne crée rien" in out
    after = dump(project.database.engine)
    assert after["assignment"] == before["assignment"]
    assert after["entity"] == before["entity"]


def test_unassign_and_status(project: Application) -> None:
    say(project, "/ent-assign 7 Éditeur Open ENT externe", "oui")
    assert row(say(project, "/ent statut"), "7")[2:4] == ["Éditeur Open ENT", "externe"]
    out = say(project, "/ent desassigner hebergement")
    assert "a retiré 7. Hébergement" in out
    assert owner(project, 7) is None


def test_entities_add_list_rename(project: Application) -> None:
    out = say(project, '/ent entite ajouter "Collège Anne de Bretagne" ecole 0350122T')
    assert "l'entité Collège Anne de Bretagne (école / établissement, UAI 0350122T)." in out
    out = say(project, '/ent entite renommer "Collège Anne de Bretagne" "Collège ADB"')
    assert "» en Collège ADB." in out
    assert "Collège ADB" in say(project, "/ent entite liste")
    out = say(project, "/ent entite ajouter collège adb")
    assert "existe déjà" in out


def test_success_factors_are_ticked(project: Application) -> None:
    out = say(project, "/ent facteurs 2 fait")
    assert "facteur clé 2 comme fait" in out
    assert state(project).factors == {2: True}
    say(project, "/ent facteurs 2 afaire")
    assert state(project).factors == {2: False}


def test_gaps_group_the_long_lists_and_show_details_most_severe_first(
    project: Application,
) -> None:
    say(project, "/ent-assign 7 Éditeur Open ENT externe", "oui")
    replies = project.assistant.command(Caller(WORKSPACE, "alice", CHANNEL), "/ent", "lacunes")
    out = project.messages.plain(replies[0].template, replies[0].data)  # Slack's gap list
    assert "45 points à traiter · couverture 1/19" in out
    assert "*18 compétences sans entité responsable* : 1, 2, 3, 4, 5, 6, 8," in out
    assert "*Pérennité à décider pour 19 compétences*" in out
    contact = out.index("*7.* Hébergement et exploitation de la solution ENT : Éditeur Open ENT")
    level = out.index("externalisée sans niveau de service attendu")
    question = out.index("Question clé 1 sans réponse")
    factor = out.index("Facteur clé de succès 3 à faire")
    assert contact < level < question < factor


def _seed_big(app: Application) -> None:
    lines = []
    for number in range(1, 20):
        lines.append(f"/ent entite ajouter Entité {number}")
        lines.append(f"/ent-assign {number} Entité {number} externe @u{number}")
        lines.append(f"/ent-assign {number} Entité {number} interne")
    lines += ["/ent facteurs 1 2 fait", "/ent questions", "Région Bretagne", "Entité 1"]
    say(app, *lines)


@pytest.mark.parametrize("command", ["/ent statut", "/ent lacunes"])
def test_status_and_gaps_issue_at_most_six_statements_whatever_the_size(
    project: Application, command: str
) -> None:
    from services.turn import Caller

    caller = Caller(WORKSPACE, "alice", CHANNEL)
    with count_statements(project.database.engine) as small:
        project.assistant.command(caller, *command.split(" ", 1))
    _seed_big(project)
    for other in range(3):
        other_caller = Caller(WORKSPACE, "bob", f"C{other}")
        project.assistant.command(other_caller, "/ent", f"projet creer Autre {other}")
        project.assistant.command(other_caller, "/ent-assign", "1 Quelqu'un")
    with count_statements(project.database.engine) as big:
        replies = project.assistant.command(caller, *command.split(" ", 1))
    assert not replies[0].error
    selects = [s for s in big if s.lstrip().upper().startswith("SELECT")]
    assert len(big) <= 6, big
    assert len(selects) == len(big)
    assert len(big) == len(small)


def test_details_close_the_gaps_of_an_external_competence(project: Application) -> None:
    say(project, "/ent-assign 4 Opérateur Réseau 35 externe", "oui")
    gaps = say(project, "/ent lacunes tout")
    # An external entity is its own provider until another is named.
    network = [cells[2] for cells in table_rows(gaps)
               if cells[1] == "4. Fourniture d'accès au réseau"]
    assert network == ["pas de personne à contacter", "externalisée sans niveau de service",
                       "pérennité à décider"]
    assert state(project).assignments[
        next(c.id for c in state(project).competences if c.number == 4)
    ].provider == "Opérateur Réseau 35"
    out = say(
        project,
        "/ent prestataire réseau Orange Business",
        "/ent niveau 4 rétablissement sous 4 h ouvrées",
        "/ent contact reseau @bob moi",
        "/ent perenne 4",
        "/ent notes 4 marché 2024-2027",
    )
    assert "— Prestataire : Orange Business\n" in out
    assert "— Niveau de service attendu : rétablissement sous 4 h ouvrées\n" in out
    assert "comme contacts pour 4. Fourniture d'accès au réseau : @bob, alice" in out
    assert "— Après le déploiement : pérenne\n" in out
    snapshot = state(project)
    a = snapshot.assignments[next(c.id for c in snapshot.competences if c.number == 4)]
    assert (a.provider, a.service_level, a.contacts, a.keep, a.notes) == (
        "Orange Business",
        "rétablissement sous 4 h ouvrées",
        ("@bob", "alice"),
        "oui",
        "marché 2024-2027",
    )
    subjects = [cells[1] for cells in table_rows(say(project, "/ent lacunes tout"))]
    assert subjects and "4. Fourniture d'accès au réseau" not in subjects


def test_a_project_adds_its_own_competence(project: Application) -> None:
    out = say(project, '/ent competence ajouter "Gestion des identités" technique')
    assert "la compétence 20. Gestion des identités (profils techniques)." in out
    say(project, "/ent-assign identités DSI", "oui")
    status = say(project, "/ent statut")
    assert "Couverture : 1/20 compétences ont une entité responsable (5 %)" in status
    assert row(status, "20")[1:3] == ["Gestion des identités", "DSI"]
    assert "existe déjà" in say(project, "/ent competence ajouter gestion des identites")


def test_a_known_entity_name_that_starts_with_label_words_is_kept_whole(
    project: Application,
) -> None:
    say(project, "/ent entite ajouter ENT Bretagne", "/ent entite ajouter DSI")
    out = say(project, "/ent-assign administration ENT Bretagne externe")
    assert "a confié 9. Administration de l'ENT à ENT Bretagne.\n" in out
    asked = say(project, "/ent-assign 4 DSI Rennes")
    assert "L'entité « DSI Rennes » n'existe pas encore" in asked


def test_project_territory_and_language(project: Application) -> None:
    out = say(project, "/ent projet territoire département")
    assert "le territoire du projet ENT des collèges d'Ille-et-Vilaine : département." in out
    assert "Je ne connais pas le territoire « canton »" in say(
        project, "/ent projet territoire canton"
    )
    out = say(project, "/ent projet langue en", "/ent statut")
    assert "switched project ENT des collèges d'Ille-et-Vilaine to English" in out
    assert row(out, "7")[1] == "Hosting and operation of the ENT solution"


def test_assign_reads_each_table_once_and_writes_row_and_history(project: Application) -> None:
    from services.turn import Caller

    caller = Caller(WORKSPACE, "alice", CHANNEL)
    say(project, "/ent entite ajouter DSI du Département")
    for sourcing in ("externe", "interne"):
        with count_statements(project.database.engine) as statements:
            replies = project.assistant.command(
                caller, "/ent-assign", f"4 DSI du Département {sourcing}"
            )
        assert replies[0].template == "assigned"
        verbs = [s.split()[0].upper() for s in statements]
        # The project (whether it is closed comes with it), the catalogue, entities, the row.
        assert verbs.count("SELECT") == 4, statements
        # One upsert of the assignment (a first one never collides), one history row.
        assert verbs[4:] == ["INSERT", "INSERT"], statements
        assert "ON CONFLICT" in statements[4].upper()
