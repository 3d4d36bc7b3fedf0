"""Time expressions resolved against the publication date, one rule per test."""

from __future__ import annotations

from datetime import date

import pytest

from quorum.enrich.timex import Timex, day_range, find_timexes, resolved_days

THU = date(1998, 1, 8)  # a Thursday


def values(text: str, anchor: date = THU) -> list[tuple[str, str]]:
    return [(t.text, t.value) for t in find_timexes(text, anchor)]


def only(text: str, anchor: date = THU) -> Timex:
    found = find_timexes(text, anchor)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("The minister said Monday that talks had failed.", "1998-01-05"),
        ("The rocket was launched Thursday from the Cape.", "1998-01-08"),  # the same day
        ("Officials met on Friday to review the data.", "1998-01-02"),
        ("The agency will launch the probe Monday.", "1998-01-12"),
        ("The crew is scheduled to dock Saturday.", "1998-01-10"),
        ("NASA plans to brief reporters on Tuesday.", "1998-01-13"),
        ("The vote took place last Wednesday.", "1998-01-07"),
        ("The hearing is next Thursday.", "1998-01-15"),
    ],
)
def test_weekday_points_back_in_past_tense_and_forward_in_future_tense(text, value):
    assert only(text).value == value


def test_past_weekday_is_never_after_the_anchor():
    for text in ("He said Friday it failed.", "It was seen Saturday.", "They met Sunday."):
        assert date.fromisoformat(only(text).value) <= THU


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Sales fell last week.", "1998-W01"),
        ("The board meets next week.", "1998-W03"),
        ("Orders rose this week.", "1998-W02"),
        ("The contract was signed last month.", "1997-12"),
        ("A launch is planned next month.", "1998-02"),
        ("Budgets grow this year.", "1998"),
        ("Spending fell last year.", "1997"),
        ("The test failed earlier this month.", "1998-01"),
        ("Delivery is due early next year.", "1999"),
        ("The satellite failed a year ago.", "1997"),
        ("It launched six months ago.", "1997-07"),
        ("It happened yesterday.", "1998-01-07"),
        ("The vote is tomorrow.", "1998-01-09"),
        ("The budget is tight now.", "PRESENT_REF"),
        ("The fleet was recently upgraded.", "PAST_REF"),
    ],
)
def test_relative_expressions(text, value):
    assert only(text).value == value


def test_date_without_a_year_follows_tense_and_nearness():
    assert only("The satellite was launched on Dec. 20.").value == "1997-12-20"
    assert only("The launch is scheduled for Feb. 3.").value == "1998-02-03"
    assert only("The dividend is payable Jan. 20.").value == "1998-01-20"
    # a past event is never dated after its article
    assert only("The probe was lost on Jan. 20.").value == "1997-01-20"


def test_month_without_a_year():
    assert only("The mission launched in March.").value == "1997-03"
    assert only("The mission will fly in March.").value == "1998-03"
    assert only("It was delayed last April.").value == "1997-04"
    assert only("It slipped to next March.").value == "1998-03"
    assert values("He may resign. They march on.") == []  # verbs, not months


def test_explicit_dates_need_no_anchor_help():
    assert values("On Jan. 5, 1998, and on 12 March 1997, and 1998-02-03.") == [
        ("Jan. 5, 1998", "1998-01-05"),
        ("12 March 1997", "1997-03-12"),
        ("1998-02-03", "1998-02-03"),
    ]
    assert only("In August 1996 the rocket flew.").value == "1996-08"
    assert only("The station opened in 1989.").value == "1989"
    assert only("Saturday, April 25 was the deadline.", date(1998, 4, 24)).value == "1998-04-25"
    assert only("The probe was lost on 25 April.", date(1998, 5, 1)).value == "1998-04-25"


@pytest.mark.parametrize(
    ("text", "anchor", "value"),
    [
        ("Third-quarter profit rose.", date(1989, 11, 1), "1989-Q3"),
        ("The company reported a loss for the third quarter.", date(1989, 11, 1), "1989-Q3"),
        ("Profit in the fourth quarter of 1988 fell.", date(1989, 11, 1), "1988-Q4"),
        ("Results for the quarter were weak.", date(1989, 11, 1), "1989-Q3"),
        ("Sales rose in the first half.", date(1989, 11, 1), "1989-H1"),
    ],
)
def test_quarters(text, anchor, value):
    assert only(text, anchor).value == value


def test_a_year_earlier_compares_with_the_quarter_just_named():
    found = values("Third-quarter net rose 5% from a year earlier.", date(1989, 11, 1))
    assert found == [("Third-quarter", "1989-Q3"), ("a year earlier", "1988-Q3")]


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("The burn lasted two weeks.", "P2W", "DURATION"),
        ("A 10-year contract was signed.", "P10Y", "DURATION"),
        ("over the past three months", "P3M", "DURATION"),
        ("the first nine months", "P9M", "DURATION"),
        ("a five-hour spacewalk", "PT5H", "DURATION"),
        ("for twenty-four hours", "PT24H", "DURATION"),
        ("The station has orbited for several years.", "PXY", "DURATION"),
        ("Reports are filed daily.", "P1D", "SET"),
        ("The crew meets every Thursday.", "XXXX-WXX-4", "SET"),
    ],
)
def test_durations_and_sets(text, value, kind):
    t = only(text)
    assert (t.value, t.type) == (value, kind)


def test_an_age_is_not_a_duration():
    assert values("A 6-year-old boy watched the launch.") == []


def test_year_boundaries():
    new_year = date(1999, 1, 2)  # a Saturday
    assert only("The launch was on Dec. 30.", new_year).value == "1998-12-30"
    assert only("It failed last month.", new_year).value == "1998-12"
    assert only("The test was Thursday.", new_year).value == "1998-12-31"
    assert only("It flies next year.", date(1998, 12, 31)).value == "1999"
    assert only("It docks Jan. 3.", date(1998, 12, 30)).value == "1999-01-03"
    assert only("Sales fell in the fourth quarter.", date(1999, 1, 20)).value == "1998-Q4"


def test_seasons_decades_holidays_and_times():
    assert only("It was delayed last fall.").value == "1997-FA"
    assert only("It flies this summer.").value == "1998-SU"
    assert only("a program of the 1980s").value == "198"
    assert only("in the 20th century").value == "19"
    assert only("It was quiet on Christmas Day.").value == "1997-12-25"
    t = only("The hatch opened at 10:35 a.m. yesterday.")
    assert (t.type, t.value) == ("TIME", "1998-01-07T10:35")
    assert only("She spoke this morning.").value == "1998-01-08TMO"


@pytest.mark.parametrize("anchor", [date(1, 1, 1), date(9999, 12, 31)])
def test_extreme_anchors_do_not_overflow(anchor):
    text = (
        "It was launched yesterday, will dock tomorrow and said Friday that last week, "
        "next month, next year, last year, a year ago, the third quarter, Dec. 31, "
        "Jan. 1, last fall, next spring, the 1990s and Christmas all mattered, now."
    )
    found = find_timexes(text, anchor)
    assert len(found) >= 15
    for t in found:
        assert t.value  # resolved, or an XXXX placeholder; never an exception
        resolved_days(t)


def test_linear_time_on_a_megabyte():
    # Long runs of digits, spaces and date words are where backtracking would explode.
    blob = ("1" * 5000 + " " * 5000 + "Monday " * 300 + "the " * 500 + "a-" * 2000) * 60
    assert len(blob) > 1_000_000
    found = find_timexes(blob, THU)
    assert found and all(t.text == "Monday" for t in found)


def test_day_ranges():
    assert day_range("1998-01-08") == (date(1998, 1, 8), date(1998, 1, 8))
    assert day_range("1998-02") == (date(1998, 2, 1), date(1998, 2, 28))
    assert day_range("1989-Q3") == (date(1989, 7, 1), date(1989, 9, 30))
    assert day_range("1998-W02") == (date(1998, 1, 5), date(1998, 1, 11))
    assert day_range("1998-W02-WE") == (date(1998, 1, 10), date(1998, 1, 11))
    assert day_range("1997-WI") == (date(1997, 12, 1), date(1998, 2, 28))
    assert day_range("199") == (date(1990, 1, 1), date(1999, 12, 31))
    assert day_range("1998-01-08TMO") == (date(1998, 1, 8), date(1998, 1, 8))
    for vague in ("PAST_REF", "XXXX-WXX-1", "P3W", "XXXX-XX-XX", "9999-W60"):
        assert day_range(vague) is None
    assert resolved_days(only("The burn lasted two weeks.")) is None


# --- the windowed scan -----------------------------------------------------------------------

SCAN_TEXT = " ".join(
    [
        "On Jan. 5, 1998, and 12 March 1997 and 1998-02-03 the mid-1980s and '90s ended.",
        "Saturday, April 25 was the deadline; in August 1996, late May and last April too.",
        "The 20th century, next Tuesday morning, at 10:35 a.m. EST Friday, noon yesterday,",
        "tonight, this afternoon, the past week, the weekend, fiscal year ended, year-end,",
        "the 1988 period, the year-earlier quarter, the eighties, nineteen ninety-eight,",
        "the coming months, the near term, future earnings, last fall, Christmas Eve 1997,",
        "three years ago, a year earlier, third-quarter, the quarter, the second half of 1997,",
        "about two and a half weeks, several months, for years, every Monday, quarterly,",
        "halftime, Quarterly, Yesterday's, ſummer, \u212aelvin, now, recently, the past.",
        "1" * 300 + " Monday " + "year " * 80 + "Jan" * 50 + " 2000s",
    ]
)


def test_windowed_scan_finds_exactly_what_the_full_scan_finds():
    from quorum.enrich.timex import _matches, _scan_all

    for text in (SCAN_TEXT, SCAN_TEXT.upper(), SCAN_TEXT.replace(" ", "\n  ")):
        assert sorted(c[:3] for c in _matches(text)) == _scan_all(text)


def test_every_pattern_is_bounded_so_windows_hold_every_match():
    from re import _parser

    from quorum.enrich.timex_rules import REACH, rules

    for rule in rules():
        longest = _parser.parse(rule.pattern.pattern, rule.pattern.flags).getwidth()[1]
        assert longest <= REACH and rule.width == longest, rule.pattern.pattern[:60]


# --- second round: reading rules (each fails on the first round's rules) ----------------------

OCT27 = date(1989, 10, 27)  # a Friday


def test_a_far_future_day_is_read_as_the_nearest_one():
    # "through" points ahead, but a day 11 months on is a misread tense: the nearest is meant
    assert only("The fund had bought shares through Sept. 29.", OCT27).value == "1989-09-29"
    assert only("The Feb. 23 accord was signed by both.", date(1998, 3, 6)).value == "1998-02-23"
    # a planned day within the coming months stays ahead
    assert only("The offer expires Nov. 16.", OCT27).value == "1989-11-16"


def test_a_deadline_in_the_past_perfect_has_passed():
    text = "All 159 members had filed reports by Wednesday."
    assert only(text, date(1990, 8, 16)).value == "1990-08-15"
    assert only("Reports are due by Wednesday.", date(1990, 8, 16)).value == "1990-08-22"


def test_halves_of_units():
    assert only("They lived in camps for 2 1/2 years.").value == "P2Y6M"
    assert only("a minute and a half later").value == "PT1M30S"
    assert only("The walk took two and a half hours.").value == "PT2H30M"


def test_this_year_through_a_month_is_this_year():
    assert values("Shares fell 2% this year through August.", OCT27) == [
        ("this year", "1989"),
        ("August", "1989-08"),
    ]
    assert only("the last half of 1989", OCT27).value == "1989-H2"


def test_a_past_verb_right_before_a_weekday_puts_it_before_the_article():
    text = "The array will not open, the Space Force said Monday."
    assert only(text, date(2026, 11, 10)).value == "2026-11-09"


def test_a_deadline_followed_by_the_past_perfect_has_passed():
    text = "Until Thursday, they had not called him."
    assert only(text, date(1999, 5, 7)).value == "1999-05-06"


def test_the_week_of_a_day():
    text = "It may be resolved at a hearing the week of March 6, he said."
    assert only(text, date(2000, 2, 24)).text == "the week of March 6"
