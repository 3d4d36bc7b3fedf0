"""Value normalisation: money, counts, words, ranges, approximations, units and dates."""

from __future__ import annotations

import math
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quorum.enrich.quantities import (
    count_noun,
    find_dates,
    find_quantities,
    parse_date,
    parse_quantity,
    value_interval,
)

# text, value, unit, low, high, approximate
TABLE = [
    # counts and number words
    ("12 satellites", 12, "count", None, None, False),
    ("a dozen drones", 12, "count", None, None, False),
    ("two rockets", 2, "count", None, None, False),
    ("twenty-five interceptors", 25, "count", None, None, False),
    ("thousands of troops", 5999.5, "count", 2000, 9999, True),
    ("more than 300 people", 300, "count", 300, None, True),
    ("nearly 1,000 troops", 1000, "count", None, 1000, True),
    ("up to 40 interceptors", 40, "count", None, 40, True),
    ("some 300 troops", 300, "count", None, None, True),
    # money
    ("$1.2 billion", 1.2e9, "USD", None, None, False),
    ("€300m", 3e8, "EUR", None, None, False),
    ("£2bn", 2e9, "GBP", None, None, False),
    ("1.5 trillion yen", 1.5e12, "JPY", None, None, False),
    ("$450 million", 4.5e8, "USD", None, None, False),
    ("US$1,200 million", 1.2e9, "USD", None, None, False),
    ("300 million pounds", 3e8, "GBP", None, None, False),
    ("about $2.5 billion", 2.5e9, "USD", None, None, True),
    # ranges
    ("12 to 14 satellites", 13, "count", 12, 14, False),
    ("between $2 and $3 billion", 2.5e9, "USD", 2e9, 3e9, False),
    # percentages
    ("5%", 5, "%", None, None, False),
    ("about 2.5 percent", 2.5, "%", None, None, True),
    ("3 percentage points", 3, "pp", None, None, False),
    # distances to km
    ("400 km", 400, "km", None, None, False),
    ("250 miles", 402.336, "km", None, None, False),
    ("30 nautical miles", 55.56, "km", None, None, False),
    ("roughly 5.5 kilometers", 5.5, "km", None, None, True),
    # durations to days
    ("10 days", 10, "day", None, None, False),
    ("3 weeks", 21, "day", None, None, False),
    ("6 hours", 0.25, "day", None, None, False),
    ("2 years", 730.5, "day", None, None, False),
    # masses and speeds
    ("500 kg", 500, "kg", None, None, False),
    ("20 tonnes", 20000, "kg", None, None, False),
    ("Mach 5", 5, "mach", None, None, False),
    ("600 mph", 965.6064, "km/h", None, None, False),
]


@pytest.mark.parametrize(("text", "value", "unit", "low", "high", "approx"), TABLE)
def test_value_table(text, value, unit, low, high, approx):
    q = parse_quantity(text)
    assert q is not None, text
    assert math.isclose(q.value, value, rel_tol=1e-9), (text, q)
    assert q.unit == unit
    assert (q.low is None) == (low is None) and (q.low is None or math.isclose(q.low, low))
    assert (q.high is None) == (high is None) and (q.high is None or math.isclose(q.high, high))
    assert q.approximate is approx


@pytest.mark.parametrize(
    "text",
    [
        "Falcon 9 rocket",  # a model name, not nine rockets
        "in 2026 the agency",  # a year
        "one of them said",  # "one" counting nothing
        "at 10:30 local time",
        "the F-35 program",
        "Block 5 booster",
    ],
)
def test_not_values(text):
    assert find_quantities(text) == []


def test_match_keeps_exact_text_and_offsets():
    text = "The Pentagon awarded a $1.2 billion contract for 40 interceptors."
    found = find_quantities(text)
    assert [text[f.start : f.end] for f in found] == ["$1.2 billion", "40"]
    assert [f.quantity.text for f in found] == ["$1.2 billion", "40"]
    assert [f.kind for f in found] == ["money", "count"]


def test_change_from_to_states_the_new_value():
    found = find_quantities("The fleet grew from 12 to 14 satellites.")
    assert [f.quantity.value for f in found] == [14]


@pytest.mark.parametrize(
    ("text", "noun"),
    [
        ("22 new Starlink satellites into orbit", "satellite"),
        ("12 soldiers near the border", "soldier"),
        ("one satellite launched", "satellite"),
        ("40 of the interceptors", "interceptor"),
        ("300 people were killed", "people"),
        ("12 and counting", ""),
    ],
)
def test_count_noun(text, noun):
    first = find_quantities(text)[0] if find_quantities(text) else None
    end = first.end if first else len(text.split()[0])
    assert count_noun(text, end) == noun


PUB = datetime(2026, 11, 5, 14, 0)  # a Thursday


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("on Nov. 3", "2026-11-03"),
        ("Nov. 3, 2026", "2026-11-03"),
        ("November 30th", "2026-11-30"),
        ("3 May 2025", "2025-05-03"),
        ("2026-12-01", "2026-12-01"),
        ("Jan. 4", "2027-01-04"),  # no year: the date nearest publication
        ("next Tuesday", "2026-11-10"),
        ("last Tuesday", "2026-11-03"),
        ("on Tuesday", "2026-11-03"),  # past tense by default: news reports what happened
        ("will launch on Tuesday", "2026-11-10"),  # future tense: the coming Tuesday
        ("on Thursday", "2026-11-05"),
        ("yesterday", "2026-11-04"),
        ("tomorrow", "2026-11-06"),
    ],
)
def test_dates_relative_to_publication(text, iso):
    assert parse_date(text, PUB) == iso


def test_dates_needing_publication_are_skipped_without_it():
    assert parse_date("on Tuesday") is None
    assert parse_date("on Nov. 3") is None
    assert parse_date("on Nov. 3, 2026") == "2026-11-03"


def test_may_the_verb_is_not_a_month():
    assert find_dates("The agency may launch soon.", date(2026, 5, 1)) == []


def test_dates_are_not_counts():
    text = "The launch on Nov. 3 carried 22 satellites."
    dates = find_dates(text, PUB)
    values = find_quantities(text, skip=[(d.start, d.end) for d in dates])
    assert [q.quantity.value for q in values] == [22]


def test_interval_of_rounded_and_approximate_values():
    low, high = value_interval(parse_quantity("$2.4 billion"))
    assert math.isclose(low, 2.35e9) and math.isclose(high, 2.45e9)
    low, high = value_interval(parse_quantity("about $2.5 billion"))
    assert low <= 2.25e9 + 1 and high >= 2.75e9 - 1
    low, high = value_interval(parse_quantity("more than 300 people"))
    assert low < 300 and high == math.inf


@given(st.integers(min_value=1, max_value=10**9))
def test_any_comma_grouped_number_round_trips(n):
    q = parse_quantity(f"${n:,} contract")
    assert q is not None and q.value == n and q.unit == "USD"


def test_a_past_tense_weekday_never_resolves_after_publication():
    tuesday = datetime(2026, 11, 10, 12)
    said = "One satellite has an array that will not fully open, the Space Force said Monday."
    assert [d.iso for d in find_dates(said, tuesday)] == ["2026-11-09"]
    assert [d.iso for d in find_dates("The launch will happen Monday.", tuesday)] == ["2026-11-16"]


def test_round_numbers_are_rounded_figures():
    low, high = value_interval(parse_quantity("29,000 tons"))
    assert low <= 29_060_000 <= high  # kg: "29,000 tons" and "29,060 tons" can agree
    low, high = value_interval(parse_quantity("175 km"))
    assert not low <= 180 <= high


def test_dates_are_read_as_a_reader_would():
    thursday = datetime(2026, 1, 15, 9)
    # a past event is never dated after its article, a planned one is
    assert parse_date("The launch was on Jan. 20.", thursday) == "2025-01-20"
    assert parse_date("The launch is scheduled for Jan. 20.", thursday) == "2026-01-20"
    assert parse_date("The satellite failed three days ago.", thursday) == "2026-01-12"
    assert parse_date("The probe docked early Tuesday morning.", thursday) == "2026-01-13"
    # "last week" and "in 2025" name no single day: nothing to compare
    assert find_dates("Tests ended last week, as in 2025.", thursday) == []


def test_without_publication_only_dates_that_write_their_year_are_kept():
    text = "Saturday, April 25 and on Jan. 5, 1998, and 1998-02-03 and yesterday."
    assert [(d.text, d.iso, d.relative) for d in find_dates(text)] == [
        ("Jan. 5, 1998", "1998-01-05", False),
        ("1998-02-03", "1998-02-03", False),
    ]
