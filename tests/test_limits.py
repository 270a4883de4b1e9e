"""Every text limit is its column's: what is accepted is stored whole (PostgreSQL refuses a
longer value), what is refused says why and changes nothing."""

from __future__ import annotations

import pytest

from bot.app import Application
from storage import limits
from tests.support.console import say
from tests.support.db import dump


@pytest.fixture
def project(app: Application) -> Application:
    say(app, "/ent projet creer ENT 35", '/ent-assign 7 "Open ENT" externe', "oui")
    return app


@pytest.mark.parametrize(
    ("command", "limit"),
    [
        ("/ent prestataire 7", limits.PROVIDER),
        ("/ent niveau 7", limits.SERVICE_LEVEL),
        ("/ent notes 7", limits.NOTES),
        ("/ent entite ajouter", limits.ENTITY_NAME),
        ("/ent projet renommer", limits.PROJECT_NAME),
        ("/ent projet moa", limits.MOA),
    ],
)
def test_the_longest_accepted_text_fits_its_column(
    project: Application, command: str, limit: int
) -> None:
    before = dump(project.database.engine)
    refused = say(project, f"{command} {'é' * (limit + 1)}")
    assert "trop long" in refused and f"{limit} caractères au plus" in refused
    assert "mal passé" not in refused
    assert dump(project.database.engine) == before
    accepted = say(project, f"{command} {'é' * limit}")
    assert "trop long" not in accepted and "mal passé" not in accepted
    assert "é" * limit in str(dump(project.database.engine))


def test_a_name_is_measured_as_it_is_stored_and_searched(project: Application) -> None:
    """``ﬁ`` is one character, but its search key ``fi`` is two."""
    before = dump(project.database.engine)
    out = say(project, f"/ent entite ajouter {'ﬁ' * (limits.ENTITY_NAME // 2 + 1)}")
    assert "trop long" in out
    assert dump(project.database.engine) == before


@pytest.mark.parametrize("invisible", ["\u200b", "\u200b\u2060", "\ufeff \u200d", "\u0301"])
def test_a_name_of_invisible_characters_is_refused(project: Application, invisible: str) -> None:
    before = dump(project.database.engine)
    for command in (f'/ent entite ajouter "{invisible}"', f"/ent projet renommer {invisible}",
                    f"/ent-assign 8 {invisible}"):
        out = say(project, command)
        assert "mal passé" not in out
        assert any(word in out for word in ("nom", "entité")), out
    assert dump(project.database.engine) == before


def test_contact_takes_as_many_people_as_the_form(project: Application) -> None:
    before = dump(project.database.engine)
    people = " ".join(f"@p{n}" for n in range(limits.CONTACTS + 1))
    out = say(project, f"/ent contact 7 {people}")
    assert f"{limits.CONTACTS} personnes à contacter au plus" in out
    out = say(project, f'/ent-assign 7 "Open ENT" {people}')
    assert f"{limits.CONTACTS} personnes à contacter au plus" in out
    out = say(project, f"/ent contact 7 @{'x' * limits.PERSON}")
    assert "donnez des personnes" in out
    assert dump(project.database.engine) == before
    exactly = " ".join(f"@p{n}" for n in range(limits.CONTACTS))
    assert "comme contacts" in say(project, f"/ent contact 7 {exactly}")
