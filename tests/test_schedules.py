"""When posts fall: recurrence rules in local time, moved off weekends and French holidays."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from services import calendar, schedules
from services.calendar import Place
from services.schedules import DEFAULT_DIGEST, Cadence, CadenceError, parse_cadence, rule_text

PARIS = "Europe/Paris"
NOWHERE = Place()
ZONE_A, ZONE_B = Place("A"), Place("B")


def local(instant: datetime) -> datetime:
    return schedules.local_time(instant, PARIS)


def test_weekly_0900_stays_at_0900_local_across_both_daylight_saving_changes() -> None:
    slots = schedules.next_slots(DEFAULT_DIGEST, PARIS, NOWHERE, datetime(2027, 3, 16), 3)
    # 22 March (UTC+1), then Easter Monday 29 March is a public holiday: Tuesday 30 (UTC+2).
    assert slots == [datetime(2027, 3, 22, 8), datetime(2027, 3, 30, 7), datetime(2027, 4, 5, 7)]
    autumn = schedules.next_slots(DEFAULT_DIGEST, PARIS, NOWHERE, datetime(2027, 10, 20), 3)
    # 25 October (UTC+2); 1 November is All Saints': Tuesday 2 (UTC+1).
    assert autumn == [datetime(2027, 10, 25, 7), datetime(2027, 11, 2, 8),
                      datetime(2027, 11, 8, 8)]
    assert {(local(s).hour, local(s).minute) for s in slots + autumn} == {(9, 0)}


def test_a_monday_of_zone_a_winter_holidays_is_a_working_day_in_zone_b() -> None:
    monday = date(2027, 2, 15)
    assert not calendar.is_working_day(monday, ZONE_A)
    assert calendar.is_working_day(monday, ZONE_B)
    after = datetime(2027, 2, 10)
    assert schedules.next_slots(DEFAULT_DIGEST, PARIS, ZONE_A, after, 1) == [
        datetime(2027, 3, 1, 8)]
    assert schedules.next_slots(DEFAULT_DIGEST, PARIS, ZONE_B, after, 1) == [
        datetime(2027, 2, 15, 8)]


def test_christmas_holidays_collapse_two_mondays_into_one_post_on_4_january_2027() -> None:
    slots = schedules.next_slots(DEFAULT_DIGEST, PARIS, ZONE_B, datetime(2026, 12, 15), 3)
    assert slots == [datetime(2027, 1, 4, 8), datetime(2027, 1, 11, 8), datetime(2027, 1, 18, 8)]
    # Both Mondays of the holidays are due on 4 January, as one slot.
    assert schedules.latest_due(DEFAULT_DIGEST, PARIS, ZONE_B, datetime(2027, 1, 3, 12)) == (
        datetime(2026, 12, 14, 8))
    assert schedules.latest_due(DEFAULT_DIGEST, PARIS, ZONE_B, datetime(2027, 1, 4, 8)) == (
        datetime(2027, 1, 4, 8))
    assert schedules.latest_due(
        DEFAULT_DIGEST, PARIS, Place("B", ignore_school_holidays=True), datetime(2026, 12, 29)
    ) == datetime(2026, 12, 28, 8)


def test_11_november_moves_a_wednesday_post_to_thursday() -> None:
    wednesday = rule_text("weekly", 2, 9, 0)
    slots = schedules.next_slots(wednesday, PARIS, ZONE_B, datetime(2026, 11, 9), 2)
    assert slots == [datetime(2026, 11, 12, 8), datetime(2026, 11, 18, 8)]


def test_alsace_moselle_have_26_december_and_good_friday() -> None:
    friday = rule_text("weekly", 4, 9, 0)
    anywhere = Place(ignore_school_holidays=True)
    alsace = Place(subdivision=calendar.ALSACE, ignore_school_holidays=True)
    after = datetime(2025, 12, 22)
    assert schedules.next_slots(friday, PARIS, anywhere, after, 1) == [datetime(2025, 12, 26, 8)]
    assert schedules.next_slots(friday, PARIS, alsace, after, 1) == [datetime(2025, 12, 29, 8)]
    assert calendar.is_public_holiday(date(2027, 3, 26), calendar.MOSELLE)
    assert not calendar.is_public_holiday(date(2027, 3, 26))


def test_monthly_is_the_first_working_day_and_daily_skips_weekends() -> None:
    monthly = rule_text("monthly", 0, 9, 0)
    # 1 March 2027 is in zone B's winter holidays: 8 March.
    assert schedules.next_slots(monthly, PARIS, ZONE_B, datetime(2027, 2, 2), 2) == [
        datetime(2027, 3, 8, 8), datetime(2027, 4, 1, 7)]
    daily = rule_text("daily", 0, 8, 30)
    friday_evening = datetime(2027, 1, 8, 18)
    assert schedules.next_slots(daily, PARIS, ZONE_B, friday_evening, 1) == [
        datetime(2027, 1, 11, 7, 30)]


def test_beyond_the_school_calendar_data_only_public_holidays_count() -> None:
    far = date(2031, 12, 29)  # a Monday of the Christmas holidays, past the data
    assert not calendar.covered(far)
    assert calendar.is_working_day(far, ZONE_B)


def test_the_zone_comes_from_the_academie_named() -> None:
    assert calendar.zone_of("DANE de l'académie de Rennes") == "B"
    assert calendar.zone_of("Rectorat Clermont-Ferrand") == "A"
    assert calendar.zone_of("Académie de Créteil") == "C"
    assert calendar.zone_of("Département d'Ille-et-Vilaine") is None
    assert calendar.subdivision_of("Collèges du Bas-Rhin") == calendar.ALSACE
    assert calendar.subdivision_of("Moselle") == calendar.MOSELLE


@pytest.mark.parametrize(("text", "expected"), [
    ("hebdomadaire lundi 9h", (0, 9, 0, "weekly")),
    ("Hebdomadaire, Lundi, 09:00", (0, 9, 0, "weekly")),
    ("weekly thursday 10am", (3, 10, 0, "weekly")),
    ("quotidienne 8h30", (None, 8, 30, "daily")),
    ("mensuelle", (None, 9, 0, "monthly")),
    ("toutes les deux semaines mardi 14h", None),
    ("bimensuelle mardi 14h", (1, 14, 0, "biweekly")),
])
def test_cadences_are_parsed_forgivingly(
    text: str, expected: tuple[int | None, int, int, str] | None
) -> None:
    parsed = parse_cadence(text)
    if expected is None:
        assert isinstance(parsed, CadenceError)
        return
    assert isinstance(parsed, Cadence)
    assert (parsed.day, parsed.hour, parsed.minute, parsed.cadence) == expected
    assert parsed.rule is not None and schedules.valid_rule(parsed.rule)


@pytest.mark.parametrize(("text", "code", "fragment"), [
    ("hebdomadaire dimanche", "bad_day", "dimanche"),
    ("hebdomadaire lundi 25h", "bad_time", "25h"),
    ("quotidienne 9h75", "bad_time", "9h75"),
    ("annuelle", "bad_cadence", "annuelle"),
    ("", "missing_cadence", ""),
])
def test_bad_cadences_say_what_was_wrong(text: str, code: str, fragment: str) -> None:
    assert parse_cadence(text) == CadenceError(code, fragment)


def test_off_has_no_rule() -> None:
    assert parse_cadence("off") == Cadence(None, "off")
